/**
 * Backfill of Hugging Face's Daily Papers lists over a range of days (`dailypapers harvest hf`, the setup
 * page's "mirror Hugging Face lists"): one `GET ${HF_API_URL}/api/daily_papers?date=D` per day, oldest first,
 * a polite pause between two requests, 429/503 + Retry-After waited out (src/harvest/fetch.ts). Each day's
 * papers and its `hf_days` row are written in one transaction, so a run stopped anywhere resumes at the
 * first day not done; a day fetched once it was settled (src/domain/backfill.ts) is never asked again, so
 * re-running a range of past days makes no request at all.
 */
import type { Database } from '../db/connection.ts';
import { saveHfDay, settledHfDays } from '../db/queries/first-run.ts';
import { applyRecords } from '../db/queries/papers.ts';
import { daysInRange, isSettled } from '../domain/backfill.ts';
import { sleep, UpstreamFetchError } from './fetch.ts';
import { fetchHfDay } from './hf-mirror.ts';
import { wrotePapers } from '../importers/statistics.ts';

export interface HfBackfillOptions {
  apiUrl: string;
  from: string;
  to: string;
  delayMs: number;
  timeoutMs: number;
  retryAfterMaxMs: number;
  userAgent: string;
}

export interface HfBackfillSummary {
  from: string;
  to: string;
  /** Days in the range. */
  days: number;
  /** Days fetched by this run. */
  fetched: number;
  /** Days skipped: fetched before, once settled. */
  skipped: number;
  /** HTTP requests made (retries after Retry-After included). */
  requests: number;
  /** Listings on the days fetched. */
  entries: number;
  new: number;
  updated: number;
  unchanged: number;
  /** Set when an upstream failure stopped the run (what was fetched before it is kept; a re-run resumes). */
  error?: string;
}

export interface HfBackfillHooks {
  signal: AbortSignal;
  now(): Date;
  /** After each day (fetched or skipped): how many of the range's days are done. */
  onDay?: (day: string, done: number, total: number) => void;
  onRetryAfter?: (ms: number) => void;
}

export async function backfillHuggingFace(database: Database, o: HfBackfillOptions, hooks: HfBackfillHooks): Promise<HfBackfillSummary> {
  const today = hooks.now().toISOString().slice(0, 10);
  const days = daysInRange(o.from, o.to);
  const done = await settledHfDays(database.db, o.from, o.to);
  const s: HfBackfillSummary = { from: o.from, to: o.to, days: days.length, fetched: 0, skipped: 0, requests: 0, entries: 0, new: 0, updated: 0, unchanged: 0 };
  try {
    await eachDay(database, o, hooks, today, days, done, s);
  } catch (e) {
    if (!(e instanceof UpstreamFetchError)) throw e;
    s.error = e.message;
  }
  return s;
}

async function eachDay(
  database: Database, o: HfBackfillOptions, hooks: HfBackfillHooks, today: string, days: string[], done: Set<string>, s: HfBackfillSummary,
): Promise<void> {
  for (const [i, day] of days.entries()) {
    if (done.has(day)) {
      s.skipped++;
    } else {
      // A pause before every request but the run's first.
      if (s.requests > 0) await sleep(o.delayMs, hooks.signal);
      s.requests++;
      const records = await fetchHfDay(day, {
        ...o,
        onRetryAfter: (ms) => {
          s.requests++;
          hooks.onRetryAfter?.(ms);
        },
      }, hooks.signal);
      const counts = await database.db.transaction().execute(async (trx) => {
        const c = records.length ? await applyRecords(trx, records, database.maxParams) : { new: 0, updated: 0, unchanged: 0 };
        await saveHfDay(trx, day, records.length, isSettled(day, today), hooks.now().toISOString());
        return c;
      });
      s.fetched++;
      s.entries += records.length;
      s.new += counts.new;
      s.updated += counts.updated;
      s.unchanged += counts.unchanged;
      await wrotePapers(database, counts);
    }
    hooks.onDay?.(day, i + 1, days.length);
  }
}

export function describeHfBackfill(s: HfBackfillSummary): string {
  return `${s.from} to ${s.to}: ${s.fetched} day${s.fetched === 1 ? '' : 's'} fetched (${s.skipped} done before), ${s.requests} request${s.requests === 1 ? '' : 's'}, ${s.entries} listings (${s.new} new papers, ${s.updated} updated)`;
}
