/**
 * The arXiv harvester: new and changed papers of the configured categories through OAI-PMH
 * (`ListRecords`, `metadataPrefix=arXiv`, one set per archive), incrementally `from` the newest
 * datestamp of the last complete list, following resumption tokens. Each page is written with the
 * importers' merge writer in one transaction together with the position reached (token, datestamps),
 * so a run that stops anywhere (crash, error, shutdown) leaves whole pages and resumes after the last
 * one without duplicates. Requests are spaced by a polite delay (arXiv asks harvesters for a few
 * seconds between requests) and 503 + Retry-After is honoured (src/harvest/fetch.ts).
 */
import type { Database } from '../db/connection.ts';
import { getHarvestState, saveHarvestState, type HarvestState } from '../db/queries/harvest.ts';
import { applyRecords } from '../db/queries/papers.ts';
import { addDays } from '../domain/dates.ts';
import { parseOaiPmh } from '../importers/arxiv-oai/parse.ts';
import { ImportError, UpstreamError } from '../importers/errors.ts';
import { wrotePapers } from '../importers/statistics.ts';
import type { JobContext } from '../jobs/types.ts';
import { matchesCategories, oaiDatestamps, oaiSetsFor } from './arxiv-sets.ts';
import { fetchText, sleep, UpstreamFetchError } from './fetch.ts';

export interface ArxivHarvestOptions {
  url: string;
  categories: string[];
  firstDays: number;
  delayMs: number;
  timeoutMs: number;
  retryAfterMaxMs: number;
  userAgent: string;
  /**
   * A backfill (`dailypapers harvest arxiv --from D [--to D]`, the setup page): the lists `from` D `until` D,
   * with a position of their own per set and range, so the scheduled harvest's position is left as it is.
   * A range that ended in the settled past and was listed to its end is not asked again.
   */
  range?: { from: string; until: string | null };
}

export interface SetSummary {
  pages: number;
  /** Records on the pages (deleted ones not counted). */
  records: number;
  /** Records in the configured categories, written. */
  kept: number;
  new: number;
  updated: number;
  deleted: number;
  /** The `from` the next list starts at. */
  cursor: string | null;
}

export const sourceOf = (set: string, range?: ArxivHarvestOptions['range']) =>
  range ? `arxiv-oai:${set}:${range.from}..${range.until ?? ''}` : `arxiv-oai:${set}`;

/** Days after which arXiv's records of a day no longer change (new versions aside): a range ending before is done once listed. */
export const ARXIV_RANGE_SETTLED_DAYS = 2;

export async function harvestArxiv(database: Database, o: ArxivHarvestOptions, ctx: Pick<JobContext, 'signal' | 'now' | 'log'>): Promise<Record<string, SetSummary>> {
  const out: Record<string, SetSummary> = {};
  let requests = 0;
  const get = async (params: Record<string, string>) => {
    // A pause before every request but the first of the run.
    if (requests++ > 0) await sleep(o.delayMs, ctx.signal);
    const url = `${o.url}?${new URLSearchParams(params)}`;
    return { url, ...(await fetchText(url, {
      service: 'arXiv OAI-PMH', userAgent: o.userAgent, timeoutMs: o.timeoutMs, retryAfterMaxMs: o.retryAfterMaxMs, signal: ctx.signal,
      onRetryAfter: (ms) => ctx.log(`arXiv asked to retry after ${ms / 1000} s; waiting`),
    })) };
  };
  for (const set of oaiSetsFor(o.categories)) out[set] = await harvestSet(database, set, o, ctx, get);
  return out;
}

async function harvestSet(
  database: Database, set: string, o: ArxivHarvestOptions, ctx: Pick<JobContext, 'signal' | 'now' | 'log'>,
  get: (params: Record<string, string>) => Promise<{ url: string; text: string }>,
): Promise<SetSummary> {
  const source = sourceOf(set, o.range);
  const today = ctx.now().toISOString().slice(0, 10);
  let state: HarvestState = (await getHarvestState(database.db, source)) ?? {
    source, cursor: null, resumption_token: null, list_from: null, list_max_datestamp: null, updated_at: ctx.now().toISOString(),
  };
  const summary: SetSummary = { pages: 0, records: 0, kept: 0, new: 0, updated: 0, deleted: 0, cursor: state.cursor };
  const until = o.range?.until ?? null;
  if (until !== null && state.cursor !== null && !state.resumption_token && until <= addDays(today, -ARXIV_RANGE_SETTLED_DAYS)) return summary;
  let restarted = false;
  for (;;) {
    ctx.signal.throwIfAborted();
    let params: Record<string, string>;
    if (state.resumption_token) {
      params = { verb: 'ListRecords', resumptionToken: state.resumption_token };
    } else {
      const from = state.cursor ?? o.range?.from ?? addDays(today, -o.firstDays);
      state = { ...state, list_from: from, list_max_datestamp: null };
      params = { verb: 'ListRecords', metadataPrefix: 'arXiv', set, from, ...(until ? { until } : {}) };
    }
    const { url, text } = await get(params);
    let page;
    try {
      page = parseOaiPmh(text);
    } catch (e) {
      // An expired token (arXiv keeps them for hours, not days): start that list again from its `from`.
      if (e instanceof UpstreamError && e.code === 'badResumptionToken' && !restarted) {
        restarted = true;
        ctx.log(`${set}: the resumption token was refused (expired?); starting the list again from ${state.list_from}`);
        state = { ...state, resumption_token: null, cursor: state.list_from ?? state.cursor };
        continue;
      }
      if (e instanceof ImportError) throw new UpstreamFetchError(`arXiv OAI-PMH: GET ${url}: ${e.message}`);
      throw e;
    }
    const kept = page.records.filter((r) => matchesCategories(r.paper.categories, o.categories));
    const stamps = oaiDatestamps(text);
    const pageMax = stamps.length ? stamps.reduce((a, b) => (a > b ? a : b)) : null;
    const listMax = [state.list_max_datestamp, pageMax].filter((x): x is string => x !== null).sort().at(-1) ?? null;
    const done = page.resumptionToken === undefined;
    const next: HarvestState = {
      ...state,
      resumption_token: page.resumptionToken ?? null,
      list_max_datestamp: done ? null : listMax,
      // A complete list moves the cursor to its newest datestamp (or to its `from` when it was empty).
      cursor: done ? (listMax ?? state.list_from ?? state.cursor) : state.cursor,
      list_from: done ? null : state.list_from,
      updated_at: ctx.now().toISOString(),
    };
    // The page and the position after it, together or not at all.
    const counts = await database.db.transaction().execute(async (trx) => {
      const c = kept.length ? await applyRecords(trx, kept, database.maxParams) : { new: 0, updated: 0, unchanged: 0 };
      await saveHarvestState(trx, next);
      return c;
    });
    state = next;
    summary.pages++;
    summary.records += page.records.length;
    summary.kept += kept.length;
    summary.new += counts.new;
    summary.updated += counts.updated;
    summary.deleted += page.deleted.length;
    await wrotePapers(database, counts);
    summary.cursor = state.cursor;
    if (done) return summary;
  }
}

/** One line for the admin page: `cs: 2 pages, 7 records, 4 kept (4 new, 0 updated); stat: …`. */
export function describeHarvest(sets: Record<string, SetSummary>): string {
  return Object.entries(sets)
    .map(([set, s]) => `${set}: ${s.pages} page${s.pages === 1 ? '' : 's'}, ${s.records} records, ${s.kept} kept (${s.new} new, ${s.updated} updated), next from ${s.cursor ?? '-'}`)
    .join('; ');
}
