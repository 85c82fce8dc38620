/**
 * Embeds the papers that have no vector from the site's model (new papers, or all of them after a model
 * change), a batch at a time, each batch in its own transaction: safe to stop and run again. The
 * `embeddings backfill` command and the background job ("embeddings of new papers") both call it.
 * Only the site's model is ever written (docs/decisions/0019-one-semantic-model-per-site.md): an embedder
 * of another model embeds nothing, so instances configured differently never re-embed each other's work.
 */
import type { Database } from '../db/connection.ts';
import { claimSiteModel } from '../db/queries/embedding-models.ts';
import { countPapersToEmbed, papersToEmbed, storeEmbeddings } from '../db/queries/embeddings.ts';
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
  /** Papers still without a vector of this model (0 unless stopped by `limit` or `signal`). */
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
  // The first embedder to write makes its model the site's (when it has none yet).
  const site = await claimSiteModel(database.db, model);
  if (site !== model) return skip(`the site's model is ${site}, not ${model}: nothing embedded (\`dailypapers embeddings use\` switches the site)`);
  const batchSize = opts.batchSize ?? 256;
  const total = await countPapersToEmbed(database.db, model);
  const limit = opts.limit ?? Infinity;
  let done = 0;
  let after = '';
  opts.onProgress?.(0, total);
  while (done < limit && !opts.signal?.aborted) {
    const batch = await papersToEmbed(database.db, model, Math.min(batchSize, limit - done), after);
    if (batch.length === 0) break;
    const vectors = await embedder.embedDocuments(batch);
    // The site's model may have changed while this batch was being embedded: never write stale vectors.
    if (!(await storeEmbeddings(database.db, model, batch.map((p, i) => ({ paperId: p.id, vector: vectors[i]! }))))) break;
    done += batch.length;
    after = batch.at(-1)!.id;
    opts.onProgress?.(done, total);
  }
  return { model, embedded: done, remaining: await countPapersToEmbed(database.db, model), ms: Date.now() - started };
}
