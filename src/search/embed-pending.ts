/**
 * Embeds the papers whose text has no vector of the site's model yet (new papers, edited titles or
 * abstracts, or all of them after a model change), a batch at a time, each batch in its own transaction:
 * safe to stop and run again. The `embeddings backfill` command and the background job ("embeddings of new
 * papers") both call it. Which papers: those after the site's high-water mark (`text_seq > mark`, read in
 * text_seq order by an index range scan, docs/decisions/0040-embedding-high-water-mark.md); each batch's
 * vectors and the mark's advance to its last text_seq are written together. A run with nothing to do
 * reads the site's row and one empty index range.
 * Only the site's model is ever written (docs/decisions/0019-one-semantic-model-per-site.md): an embedder
 * of another model embeds nothing, so instances configured differently never re-embed each other's work.
 */
import type { Database } from '../db/connection.ts';
import { claimSiteModel } from '../db/queries/embedding-models.ts';
import { countPapersToEmbed, embeddingMark, papersToEmbed, storeEmbeddings } from '../db/queries/embeddings.ts';
import type { Embedder } from './embedders/types.ts';

export interface EmbedPendingOptions {
  batchSize?: number;
  /** Called after each batch with papers done so far and the number pending at the start. */
  onProgress?: (done: number, total: number) => void;
  /** Stop after this many papers (a background job's share of work per run). */
  limit?: number;
  signal?: AbortSignal;
}

export interface EmbedPendingResult {
  model: string;
  embedded: number;
  /** Papers whose text still has no vector of this model (0 unless stopped by `limit` or `signal`). */
  remaining: number;
  ms: number;
  /** Why nothing was embedded: this embedder cannot make the site's model (for the operator). */
  skipped?: string;
}

export async function embedPending(database: Database, embedder: Embedder, opts: EmbedPendingOptions = {}): Promise<EmbedPendingResult> {
  const started = Date.now();
  // A retrained or switched site model (another process) is picked up before anything is written.
  await embedder.refresh?.();
  const model = embedder.id;
  const skip = async (why: string) => ({ model, embedded: 0, remaining: await countPapersToEmbed(database.db, model), ms: Date.now() - started, skipped: why });
  if (embedder.unavailable) return skip(embedder.unavailable);
  let site = await embeddingMark(database.db);
  // The first embedder to write makes its model the site's (when it has none yet).
  if (site.model === null) site = { model: await claimSiteModel(database.db, model), mark: 0 };
  if (site.model !== model) return skip(`the site's model is ${site.model}, not ${model}: nothing embedded (\`dailypapers embeddings use\` switches the site)`);
  const batchSize = opts.batchSize ?? 256;
  const limit = opts.limit ?? Infinity;
  let done = 0;
  let total: number | undefined;
  let mark = site.mark;
  let drained = false;
  // Pipelined: while one batch's vectors are written (a transaction on the database's side: on PostgreSQL,
  // another process and another CPU), the next batch is read and embedded. Batches are still written one
  // after another, in text_seq order, each moving the mark from where the previous one left it.
  let writing: { promise: Promise<boolean>; n: number } | null = null;
  let stopped = false;
  const written = async (): Promise<boolean> => {
    if (!writing) return true;
    const { promise, n } = writing;
    writing = null;
    if (!(await promise)) return false;
    done += n;
    opts.onProgress?.(done, Math.max(total ?? 0, done));
    return true;
  };
  let read = 0;
  while (read < limit && !opts.signal?.aborted) {
    const batch = await papersToEmbed(database.db, mark, Math.min(batchSize, limit - read));
    if (batch.length === 0) {
      drained = true;
      break;
    }
    read += batch.length;
    if (total === undefined) {
      // Counted once there is work (an index range count): a run with nothing to do never counts.
      total = await countPapersToEmbed(database.db, model);
      opts.onProgress?.(0, total);
    }
    let vectors: Float32Array[];
    try {
      vectors = await embedder.embedDocuments(batch);
    } catch (e) {
      // The batch before is written (or fails) all the same.
      await written().catch(() => {});
      throw e;
    }
    // The site's model may have changed while this batch was being embedded: never write stale vectors.
    if (!(await written())) {
      stopped = true;
      break;
    }
    const to = batch.at(-1)!.textSeq;
    const rows = batch.map((p, i) => ({ paperId: p.id, vector: vectors[i]!, textSeq: p.textSeq }));
    const promise = storeEmbeddings(database.db, model, rows, new Date(), { from: mark, to });
    // Never an unhandled rejection while the next batch is read and embedded: it is awaited below.
    promise.catch(() => {});
    writing = { promise, n: batch.length };
    mark = to;
  }
  if (!stopped && !(await written())) drained = false;
  if (total === undefined) opts.onProgress?.(0, 0);
  return { model, embedded: done, remaining: drained ? 0 : await countPapersToEmbed(database.db, model), ms: Date.now() - started };
}
