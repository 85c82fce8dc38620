/**
 * The site's semantic model (docs/decisions/0019-one-semantic-model-per-site.md): which model every
 * instance embeds with (`embedding_site`), and the built-in embedder's model files, stored in chunks and
 * content-addressed by SHA-256, so that an instance with an empty EMBEDDINGS_DIR fetches them.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../schema.ts';
import { bumpDataVersion } from './papers.ts';

type Db = Kysely<DB>;

/**
 * Bytes per chunk row: a 93 MB model (384 dims, 60,000 terms) is 23 rows. Small enough that one row
 * costs a few MB of memory on either side (node-pg carries bytea as hex text: twice that) and one
 * statement stays short; far below PostgreSQL's 1 GB bytea and SQLite's 1e9-byte blob limits.
 */
export const MODEL_CHUNK_BYTES = 4 * 1024 * 1024;

export interface SiteModel {
  /** The model id every instance embeds with; null until one is set. */
  model: string | null;
  /** Names the instances' cached index files. */
  siteKey: string;
}

export async function siteModel(db: Db): Promise<SiteModel> {
  const r = await db.selectFrom('embedding_site').select(['model', 'site_key']).where('id', '=', 1).executeTakeFirstOrThrow();
  return { model: r.model, siteKey: r.site_key };
}

/**
 * Sets the site's model when it has none yet (the first instance to embed); returns the site's model
 * after it (this one, or the one another instance set first).
 */
export async function claimSiteModel(db: Db, model: string, now = new Date()): Promise<string> {
  const r = await db.updateTable('embedding_site').set({ model, updated_at: now.toISOString() }).where('id', '=', 1).where('model', 'is', null).executeTakeFirst();
  if (Number(r.numUpdatedRows) === 1) await bumpDataVersion(db);
  return (await siteModel(db)).model!;
}

/**
 * Switches the site to `model` (`embeddings train`, `embeddings use`); returns the previous one. Takes the
 * embedding seq row first, as storeEmbeddings does: a batch being written finishes before the switch,
 * and a batch written after it sees the new model and is refused. A change of model sets the high-water
 * mark to 0 (a trigger of migration 33, for every writer): every paper is embedded again with the new model.
 */
export async function setSiteModel(db: Db, model: string, now = new Date()): Promise<string | null> {
  return db.transaction().execute(async (trx) => {
    await trx.updateTable('site_state').set((eb) => ({ value: eb.ref('value') })).where('key', '=', 'embedding_seq').execute();
    const before = (await siteModel(trx)).model;
    await trx.updateTable('embedding_site').set({ model, updated_at: now.toISOString() }).where('id', '=', 1).execute();
    // Instances look at the site's model when the data version moves.
    await bumpDataVersion(trx);
    return before;
  });
}

export interface StoredModel {
  id: string;
  sha256: string;
  bytes: number;
  chunks: number;
  createdAt: string;
}

const toStored = (r: { id: string; sha256: string; bytes: number | string; chunks: number; created_at: string }): StoredModel => ({
  id: r.id, sha256: r.sha256, bytes: Number(r.bytes), chunks: Number(r.chunks), createdAt: r.created_at,
});

export async function storedModel(db: Db, id: string): Promise<StoredModel | undefined> {
  const r = await db.selectFrom('embedding_models').selectAll().where('id', '=', id).executeTakeFirst();
  return r && toStored(r);
}

/** The stored models, newest first. */
export async function storedModels(db: Db): Promise<StoredModel[]> {
  const rows = await db.selectFrom('embedding_models').selectAll().orderBy('created_at', 'desc').orderBy('id').execute();
  return rows.map(toStored);
}

/**
 * Stores a model file: its chunks, one statement each (each its own short transaction: no long write
 * lock), then its row, which makes it visible. Storing a model already stored changes nothing; chunks
 * left by an interrupted attempt are the same bytes (same SHA-256) and are overwritten.
 */
export async function storeModel(db: Db, m: { id: string; sha256: string; bytes: Buffer }, now = new Date()): Promise<void> {
  if (await storedModel(db, m.id)) return;
  const chunks = Math.max(1, Math.ceil(m.bytes.length / MODEL_CHUNK_BYTES));
  for (let n = 0; n < chunks; n++) {
    const data = m.bytes.subarray(n * MODEL_CHUNK_BYTES, (n + 1) * MODEL_CHUNK_BYTES);
    await db
      .insertInto('embedding_model_chunks')
      .values({ sha256: m.sha256, n, data })
      .onConflict((oc) => oc.columns(['sha256', 'n']).doUpdateSet((eb) => ({ data: eb.ref('excluded.data') })))
      .execute();
  }
  await db
    .insertInto('embedding_models')
    .values({ id: m.id, sha256: m.sha256, bytes: m.bytes.length, chunks, created_at: now.toISOString() })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/** Chunk `n` of a stored model's file, or undefined when it is missing. */
export async function modelChunk(db: Db, sha256: string, n: number): Promise<Uint8Array | undefined> {
  const r = await db.selectFrom('embedding_model_chunks').select('data').where('sha256', '=', sha256).where('n', '=', n).executeTakeFirst();
  return r?.data;
}

/** Deletes the stored models other than `keep` (their row first: a model is never listed without its chunks). */
export async function deleteModelsExcept(db: Db, keep: readonly string[]): Promise<string[]> {
  const deleted: string[] = [];
  for (const m of await storedModels(db)) {
    // Never the site's model: another `train` or `use` may have made it so since `keep` was computed.
    if (keep.includes(m.id) || (await siteModel(db)).model === m.id) continue;
    await db.deleteFrom('embedding_models').where('id', '=', m.id).execute();
    await db.deleteFrom('embedding_model_chunks').where('sha256', '=', m.sha256).execute();
    deleted.push(m.id);
  }
  return deleted;
}
