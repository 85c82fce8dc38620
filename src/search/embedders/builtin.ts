/**
 * The built-in embedder: LSA trained on this site's own papers (src/search/embedders/lsa.ts), needing no
 * download. `dailypapers embeddings train` trains it and stores the model in the database
 * (src/search/model-store.ts), where every instance finds it; the site's embedder (src/search/semantic.ts)
 * follows the site's model when it changes.
 */
import type { Database } from '../../db/connection.ts';
import { paperTexts, type PaperText as PaperRow } from '../../db/queries/embeddings.ts';
import { countPapers } from '../../db/queries/papers.ts';
import { embedLsa, serializeLsa, trainLsa, DEFAULT_LSA_OPTIONS, type LsaModel, type LsaOptions, type TrainProgress } from './lsa.ts';
import { defaultEmbedThreads, LsaPool } from './lsa-pool.ts';
import { EmbedderError, type Embedder, type PaperText } from './types.ts';

/** Papers embedded between two turns of the event loop (≈ 10–20 ms of work), when embedding on the main thread. */
const YIELD_EVERY = 32;

export interface BuiltinEmbedderOptions {
  /**
   * Worker threads that embed papers (EMBEDDING_THREADS; default: the cores, at most 2); 0 embeds on the
   * main thread. Queries are always embedded on the main thread: one short text costs less than a round
   * trip to a worker.
   */
  threads?: number;
}

/** The built-in embedder of a model. `close` ends its worker threads (they never hold the process open while idle). */
export function builtinEmbedder(model: LsaModel, opts: BuiltinEmbedderOptions = {}): Embedder & { readonly model: LsaModel; close(): Promise<void> } {
  const threads = opts.threads ?? defaultEmbedThreads();
  const pool = threads > 0 ? new LsaPool(model, threads) : null;
  return {
    id: model.id,
    dimensions: model.dims,
    model,
    embedDocuments: pool
      ? (papers: PaperText[]) => pool.embed(papers)
      // On the main thread, the event loop is let go every YIELD_EVERY papers: the write of the previous
      // batch (embedPending pipelines them) and the site's requests go on meanwhile.
      : async (papers: PaperText[]) => {
        const out: Float32Array[] = [];
        for (let i = 0; i < papers.length; i++) {
          if (i > 0 && i % YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
          out.push(embedLsa(model, papers[i]!));
        }
        return out;
      },
    // A query is scored as an abstract (titles count double in papers, which a query has no use for).
    embedQuery: async (text: string) => embedLsa(model, { title: '', abstract: text }),
    close: async () => {
      await pool?.close();
    },
  };
}

export interface TrainResult {
  model: LsaModel;
  /** The model file's bytes (serializeLsa). */
  bytes: Buffer;
  papers: number;
  ms: number;
}

/**
 * Trains the built-in model on the papers in the database. A corpus larger than `maxTrainingDocs` is
 * sampled evenly while it is read, so memory stays bounded.
 */
export async function trainBuiltinModel(
  database: Database, options: Partial<LsaOptions> = {}, onProgress?: (p: TrainProgress | { phase: 'reading'; done: number; total: number }) => void,
): Promise<TrainResult> {
  const start = Date.now();
  const max = options.maxTrainingDocs ?? DEFAULT_LSA_OPTIONS.maxTrainingDocs;
  const total = await countPapers(database.db);
  const stride = Math.max(1, total / max);
  const docs: PaperRow[] = [];
  let seen = 0;
  let next = 0;
  for (let after = ''; ;) {
    const page = await paperTexts(database.db, 2000, after);
    if (page.length === 0) break;
    for (const p of page) {
      if (seen >= next) {
        docs.push(p);
        next += stride;
      }
      seen++;
    }
    after = page.at(-1)!.id;
    onProgress?.({ phase: 'reading', done: seen, total });
  }
  if (docs.length < 2) throw new EmbedderError('the built-in embedder is trained on the papers in the database: import some first (`dailypapers import …`)');
  const model = trainLsa(docs, options, onProgress);
  return { model, bytes: serializeLsa(model), papers: docs.length, ms: Date.now() - start };
}
