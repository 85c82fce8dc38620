/**
 * The `setup-requests` job: runs the one-click actions of /admin/setup, which the web request only queued
 * (setup_requests) and made this job due at once (docs/decisions/0021-first-run-and-backfill.md). One request
 * at a time, oldest first, under the job's lease (one instance at a time); progress and outcome are written
 * to the request's row for the page. The actions are idempotent, so one a stopped run left is run again.
 */
import type { Config } from '../config.ts';
import type { Database } from '../db/connection.ts';
import { finishSetupRequest, setSetupProgress, takeSetupRequest, type SetupRequest } from '../db/queries/first-run.ts';
import { requestRun } from '../db/queries/jobs.ts';
import { addDays } from '../domain/dates.ts';
import { describeHarvest, harvestArxiv } from '../harvest/arxiv-oai.ts';
import { UpstreamFetchError } from '../harvest/fetch.ts';
import { backfillHuggingFace, describeHfBackfill } from '../harvest/hf-backfill.ts';
import { publishAsSiteModel } from '../search/cli-embeddings.ts';
import { trainBuiltinModel } from '../search/embedders/builtin.ts';
import { EmbedderError } from '../search/embedders/types.ts';
import type { JobContext } from './types.ts';

/** The actions the setup page offers, as queued. */
export const SETUP_ACTIONS = ['harvest-arxiv', 'mirror-hf', 'train-embedder'] as const;
export type SetupAction = (typeof SETUP_ACTIONS)[number];

export async function runSetupRequests(config: Config, ctx: JobContext): Promise<string> {
  const { database } = ctx;
  const done: string[] = [];
  for (let r = await takeSetupRequest(database.db, ctx.now()); r; r = await takeSetupRequest(database.db, ctx.now())) {
    ctx.signal.throwIfAborted();
    let status: 'ok' | 'error' = 'ok';
    let result: string;
    try {
      result = await runOne(config, database, r, ctx);
    } catch (e) {
      // A stop (shutdown, timeout) leaves the request marked running: the next run takes it again. Any other
      // failure is the action's outcome, shown on the page (not retried by itself: the admin clicks again).
      if (ctx.signal.aborted) throw e;
      status = 'error';
      result = (e as Error).message;
    }
    await finishSetupRequest(database.db, r.id, status, result, ctx.now());
    ctx.log(`${r.action} #${r.id} ${status}: ${result}`);
    done.push(`${r.action} #${r.id} ${status}`);
  }
  return done.length ? done.join('; ') : 'nothing queued';
}

async function runOne(config: Config, database: Database, r: SetupRequest, ctx: JobContext): Promise<string> {
  const h = config.harvest;
  const fetching = { delayMs: h.delayMs, timeoutMs: h.timeoutMs, retryAfterMaxMs: h.retryAfterMaxMs, userAgent: h.userAgent };
  const today = ctx.now().toISOString().slice(0, 10);
  const params = JSON.parse(r.params) as Record<string, string>;
  switch (r.action as SetupAction) {
    case 'harvest-arxiv': {
      // The last HARVEST_FIRST_DAYS days, with a position of their own: the scheduled harvest's is left as it is.
      const sets = await harvestArxiv(database, { url: h.arxivOaiUrl, categories: h.categories, firstDays: h.firstDays, ...fetching, range: { from: addDays(today, -h.firstDays), until: null } }, {
        ...ctx, log: (m) => void setSetupProgress(database.db, r.id, m).catch(() => {}),
      });
      return describeHarvest(sets) || 'no arXiv set to harvest';
    }
    case 'mirror-hf': {
      const s = await backfillHuggingFace(database, { apiUrl: h.hfApiUrl, from: params.from!, to: params.to!, ...fetching }, {
        signal: ctx.signal, now: ctx.now,
        onDay: (day, n, total) => void setSetupProgress(database.db, r.id, `${n} of ${total} days (${day})`).catch(() => {}),
      });
      if (s.error) throw new UpstreamFetchError(`${describeHfBackfill(s)}; stopped: ${s.error}`);
      return describeHfBackfill(s);
    }
    case 'train-embedder': {
      if (config.embeddings.embedder !== 'builtin') throw new EmbedderError(`this instance's embedder is ${config.embeddings.embedder} (EMBEDDER), not the built-in one`);
      await setSetupProgress(database.db, r.id, 'training on the papers');
      const t = await trainBuiltinModel(database);
      await publishAsSiteModel(config, database, t);
      // The papers are embedded by the embed-new-papers job, due at once.
      await requestRun(database.db, 'embed-new-papers', ctx.now());
      return `trained ${t.model.id} on ${t.papers} papers (${t.model.dims} dimensions); embedding the papers now (embed-new-papers)`;
    }
    default:
      throw new EmbedderError(`unknown setup action ${r.action}`);
  }
}
