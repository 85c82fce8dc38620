/**
 * Semantic search as configured: the embedder named by EMBEDDER, the files beside the database, and the
 * vector index the server answers from. `openSemanticIndex` is what `serve` calls; null means semantic
 * search (and similar papers) is not set up, with the reason logged.
 */
import path from 'node:path';
import type { Config, DatabaseConfig, EmbeddingsConfig } from '../config.ts';
import type { Database } from '../db/connection.ts';
import { embeddingCounts } from '../db/queries/embeddings.ts';
import { openBuiltinEmbedder } from './embedders/builtin.ts';
import { openAiEmbedder } from './embedders/openai.ts';
import { transformersEmbedder } from './embedders/transformers.ts';
import { EmbedderError, type Embedder } from './embedders/types.ts';
import { VectorIndex, type Quantization } from './vectors.ts';

/** The first part of the names of the files kept for a database: `dailypapers` for dailypapers.db; `pg-HOST-PORT-DB` for PostgreSQL. */
export function storageBaseName(database: DatabaseConfig): string {
  if (database.engine === 'sqlite') return database.path === ':memory:' ? 'memory' : path.basename(database.path).replace(/\.[^.]*$/, '') || 'dailypapers';
  const u = new URL(database.url);
  return `pg-${u.hostname}-${u.port || '5432'}-${u.pathname.replace(/^\//, '') || 'postgres'}`.replace(/[^A-Za-z0-9._-]+/g, '_');
}

/** Where the built-in model of a database is saved. */
export function builtinModelFile(embeddings: EmbeddingsConfig, database: DatabaseConfig): string {
  return path.join(embeddings.dir, `${storageBaseName(database)}.lsa-model.bin`);
}

/**
 * The configured embedder; null for EMBEDDER=none and for the built-in one before it is trained.
 * Throws EmbedderError when transformers.js or its model is missing.
 */
export async function createEmbedder(config: Pick<Config, 'embeddings' | 'database'>): Promise<Embedder | null> {
  const e = config.embeddings;
  switch (e.embedder) {
    case 'none':
      return null;
    case 'builtin':
      return openBuiltinEmbedder(builtinModelFile(e, config.database));
    case 'openai':
      return openAiEmbedder({ url: e.url!, model: e.model!, apiKey: e.apiKey, timeoutMs: e.timeoutMs });
    case 'transformers':
      return transformersEmbedder({ model: e.model!, localModelPath: e.transformersModelPath, cacheDir: path.join(e.dir, 'transformers-cache') });
  }
}

export interface OpenSemanticOptions {
  log?: (line: string) => void;
  quantization?: Quantization;
  syncIntervalMs?: number;
}

/**
 * The semantic index for the server, or null when none is set up (EMBEDDER=none, or the built-in model is
 * not trained yet: the log line says to run `dailypapers embeddings train`). With stored vectors of another
 * model only, it starts empty and fills as re-embedding (embedPending, the background job) goes on.
 */
export async function openSemanticIndex(database: Database, config: Pick<Config, 'embeddings' | 'database'>, opts: OpenSemanticOptions = {}): Promise<VectorIndex | null> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const embedder = await createEmbedder(config);
  if (!embedder) {
    if (config.embeddings.embedder === 'builtin') {
      log(`semantic search is off: the built-in embedder is not trained yet (no ${builtinModelFile(config.embeddings, config.database)}); run \`dailypapers embeddings train\``);
    }
    return null;
  }
  const index = await VectorIndex.open(database, embedder, {
    dir: config.embeddings.dir, baseName: storageBaseName(config.database), log,
    ...(opts.quantization ? { quantization: opts.quantization } : {}),
    ...(opts.syncIntervalMs !== undefined ? { syncIntervalMs: opts.syncIntervalMs } : {}),
  });
  const counts = await embeddingCounts(database.db);
  const mine = counts.find((c) => c.model === embedder.id)?.papers ?? 0;
  const others = counts.filter((c) => c.model !== embedder.id).reduce((s, c) => s + c.papers, 0);
  log(`semantic search: ${embedder.id}, ${index.size} papers in the index (${index.origin})${others > 0 ? `; ${others} papers still have vectors of another model and wait for re-embedding` : ''}${mine === 0 && others === 0 ? '; run `dailypapers embeddings backfill` to embed the papers' : ''}`);
  return index;
}

export { EmbedderError };
