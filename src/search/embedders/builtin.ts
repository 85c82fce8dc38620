/**
 * The built-in embedder: LSA trained on this site's own papers (src/search/embedders/lsa.ts), needing no
 * download. `dailypapers embeddings train` trains it and saves the model to a file beside the database;
 * a running server notices a retrained model file (refresh) and switches to it.
 */
import { readFileSync, renameSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Database } from '../../db/connection.ts';
import { paperTexts, type PaperText as PaperRow } from '../../db/queries/embeddings.ts';
import { countPapers } from '../../db/queries/papers.ts';
import { embedLsa, LsaFormatError, parseLsa, serializeLsa, trainLsa, DEFAULT_LSA_OPTIONS, type LsaModel, type LsaOptions, type TrainProgress } from './lsa.ts';
import { EmbedderError, type Embedder, type PaperText } from './types.ts';

function readModel(file: string): LsaModel {
  try {
    return parseLsa(readFileSync(file));
  } catch (e) {
    const why = e instanceof LsaFormatError ? e.message : (e as Error).message;
    throw new EmbedderError(`the built-in embedder's model ${file} cannot be read (${why}); run \`dailypapers embeddings train\` to make it again`);
  }
}

const fileStamp = (file: string): string | null => {
  try {
    const s = statSync(file);
    return `${s.mtimeMs}:${s.size}`;
  } catch {
    return null;
  }
};

/** The built-in embedder from its model file, or null when there is none yet. */
export function openBuiltinEmbedder(file: string): (Embedder & { readonly model: LsaModel }) | null {
  let stamp = fileStamp(file);
  if (stamp === null) return null;
  let model = readModel(file);
  return {
    get id() {
      return model.id;
    },
    get dimensions() {
      return model.dims;
    },
    get model() {
      return model;
    },
    embedDocuments: async (papers: PaperText[]) => papers.map((p) => embedLsa(model, p)),
    // A query is scored as an abstract (titles count double in papers, which a query has no use for).
    embedQuery: async (text: string) => embedLsa(model, { title: '', abstract: text }),
    async refresh() {
      const now = fileStamp(file);
      if (now === null || now === stamp) return false;
      const next = readModel(file);
      stamp = now;
      if (next.id === model.id) return false;
      model = next;
      return true;
    },
  };
}

export interface TrainResult {
  model: LsaModel;
  file: string;
  papers: number;
  ms: number;
}

/**
 * Trains the built-in model on the papers in the database and writes it to `file` (atomically: a
 * running server never reads half a file). A corpus larger than `maxTrainingDocs` is sampled evenly
 * while it is read, so memory stays bounded.
 */
export async function trainBuiltinModel(
  database: Database, file: string, options: Partial<LsaOptions> = {}, onProgress?: (p: TrainProgress | { phase: 'reading'; done: number; total: number }) => void,
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
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, serializeLsa(model));
  renameSync(tmp, file);
  return { model, file, papers: docs.length, ms: Date.now() - start };
}
