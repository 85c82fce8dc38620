/**
 * Extracts summaries and keywords (src/domain/extract.ts) for the papers that need one, a batch at a time,
 * each batch in its own transaction: safe to stop and run again (a re-run redoes nothing that is current).
 * The `summaries backfill` command and the background job (extract-summaries) both call it.
 *
 * Bounded: batches are small (about 50 ms of work each on the development machine) and the event loop is
 * given back between them, so that a server running the job keeps answering requests.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Database } from '../db/connection.ts';
import { countPapersToExtract, deleteSupersededExtracts, papersToExtract, storeExtracts } from '../db/queries/extracts.ts';
import { extract, EXTRACT_METHOD } from '../domain/extract.ts';

/** Papers extracted per transaction. */
export const EXTRACT_BATCH = 64;

export interface ExtractPendingOptions {
  /** Stop after this many papers (a background job's share of work per run). */
  limit?: number;
  /** Redo every paper without Hugging Face's summary, current or not. */
  all?: boolean;
  batchSize?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  now?: () => Date;
}

export interface ExtractPendingResult {
  extracted: number;
  /** Papers still waiting (0 unless stopped by `limit` or `signal`). */
  remaining: number;
  /** Extracts dropped because Hugging Face's summary arrived since. */
  superseded: number;
  ms: number;
}

export async function extractPending(database: Database, opts: ExtractPendingOptions = {}): Promise<ExtractPendingResult> {
  const started = Date.now();
  const db = database.db;
  const superseded = await deleteSupersededExtracts(db);
  const limit = opts.limit ?? Infinity;
  const batchSize = opts.batchSize ?? EXTRACT_BATCH;
  const total = opts.onProgress ? await countPapersToExtract(db, EXTRACT_METHOD) : 0;
  let done = 0;
  let after = '';
  opts.onProgress?.(0, total);
  while (done < limit && !opts.signal?.aborted) {
    const batch = await papersToExtract(db, EXTRACT_METHOD, Math.min(batchSize, limit - done), after, opts.all ?? false);
    if (batch.length === 0) break;
    const rows = batch.map((p) => ({ paperId: p.id, ...extract(p.title, p.abstract) }));
    await storeExtracts(db, rows, EXTRACT_METHOD, opts.now?.() ?? new Date());
    done += batch.length;
    after = batch.at(-1)!.id;
    opts.onProgress?.(done, total);
    await yieldToEventLoop();
  }
  return { extracted: done, remaining: await countPapersToExtract(db, EXTRACT_METHOD), superseded, ms: Date.now() - started };
}

export const describeExtracts = (r: ExtractPendingResult): string =>
  `${r.extracted} papers given an extracted summary, ${r.remaining} waiting${r.superseded ? `, ${r.superseded} dropped (Hugging Face's summary arrived)` : ''}`;
