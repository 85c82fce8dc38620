/**
 * The built-in embedder's model files: stored in the database (src/db/queries/embedding-models.ts), and
 * cached by each instance in EMBEDDINGS_DIR under their SHA-256 (`builtin-model-SHA256.lsa`). A cached
 * file is used only when its checksum is the stored one; a missing or damaged file is fetched again from
 * the database (docs/decisions/0019-one-semantic-model-per-site.md).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Database } from '../db/connection.ts';
import { modelChunk, storedModel, storeModel, type StoredModel } from '../db/queries/embedding-models.ts';
import { LsaFormatError, parseLsa, serializeLsa, type LsaModel } from './embedders/lsa.ts';
import { EmbedderError } from './embedders/types.ts';

const CACHE_PREFIX = 'builtin-model-';
const CACHE_SUFFIX = '.lsa';

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Where an instance caches a stored model file. */
export function cachedModelFile(dir: string, sha: string): string {
  return path.join(dir, `${CACHE_PREFIX}${sha}${CACHE_SUFFIX}`);
}

/** Writes a file atomically (a temporary file, then a rename): a reader never sees half of it. */
export function writeFileAtomic(file: string, bytes: Uint8Array): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, bytes);
    renameSync(tmp, file);
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Stores a trained model in the database and caches it in `dir`; returns what was stored. */
export async function publishBuiltinModel(database: Database, model: LsaModel, dir: string, bytes: Buffer = serializeLsa(model)): Promise<StoredModel> {
  const sha = sha256(bytes);
  await storeModel(database.db, { id: model.id, sha256: sha, bytes });
  writeFileAtomic(cachedModelFile(dir, sha), bytes);
  return (await storedModel(database.db, model.id))!;
}

/**
 * The built-in model `id` of the site: from this instance's cache when its checksum matches, else
 * fetched from the database (and cached again). Throws EmbedderError, saying what to do, when the
 * database does not hold it or holds a damaged copy; never hands damaged bytes to the parser.
 */
export async function loadBuiltinModel(database: Database, dir: string, id: string, log: (line: string) => void): Promise<LsaModel> {
  const stored = await storedModel(database.db, id);
  if (!stored) throw new EmbedderError(`the site's model ${id} is not stored in the database; run \`dailypapers embeddings train\` to make one`);
  const file = cachedModelFile(dir, stored.sha256);
  let cached: Buffer | null = null;
  try {
    cached = readFileSync(file);
  } catch {
    // Not cached yet (a new instance, an emptied folder).
  }
  if (cached && cached.length === stored.bytes && sha256(cached) === stored.sha256) return parse(cached, id, 'the cached model file');
  if (cached) log(`semantic search: the cached model file ${file} is damaged (its checksum does not match); fetching it again from the database`);
  const bytes = await fetchModel(database, stored);
  try {
    writeFileAtomic(file, bytes);
    removeOtherCachedModels(dir, file);
  } catch (e) {
    log(`semantic search: cannot cache the model in ${dir} (${(e as Error).message}); using it from memory`);
  }
  return parse(bytes, id, 'the model stored in the database');
}

async function fetchModel(database: Database, stored: StoredModel): Promise<Buffer> {
  const retrain = 'run `dailypapers embeddings train` to store a new one';
  const bytes = Buffer.alloc(stored.bytes);
  const hash = createHash('sha256');
  let at = 0;
  for (let n = 0; n < stored.chunks; n++) {
    const chunk = await modelChunk(database.db, stored.sha256, n);
    if (!chunk || at + chunk.length > bytes.length) throw new EmbedderError(`the model ${stored.id} stored in the database is incomplete (part ${n + 1} of ${stored.chunks}); ${retrain}`);
    bytes.set(chunk, at);
    hash.update(chunk);
    at += chunk.length;
  }
  if (at !== stored.bytes || hash.digest('hex') !== stored.sha256) throw new EmbedderError(`the model ${stored.id} stored in the database is damaged (its checksum does not match); ${retrain}`);
  return bytes;
}

function parse(bytes: Buffer, id: string, what: string): LsaModel {
  let model: LsaModel;
  try {
    model = parseLsa(bytes);
  } catch (e) {
    throw new EmbedderError(`${what} cannot be read (${e instanceof LsaFormatError ? e.message : (e as Error).message}); run \`dailypapers embeddings train\` to make it again`);
  }
  if (model.id !== id) throw new EmbedderError(`${what} holds ${model.id}, not the site's model ${id}; run \`dailypapers embeddings train\` to make it again`);
  return model;
}

/** Cached files of other models (a retrained model replaced them) and temporary files left by a crash. */
function removeOtherCachedModels(dir: string, keep: string): void {
  for (const name of readdirSync(dir)) {
    if (!name.startsWith(CACHE_PREFIX)) continue;
    const file = path.join(dir, name);
    if (file !== keep) rmSync(file, { force: true });
  }
}
