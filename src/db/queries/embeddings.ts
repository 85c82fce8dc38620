/**
 * Paper embeddings: which papers still need one from a model, writing a batch of them, and reading them
 * back for the vector index (by `seq`, so that an index can pick up only what changed).
 */
import { endianness } from 'node:os';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../schema.ts';
import { siteModel } from './embedding-models.ts';
import { bumpDataVersion } from './papers.ts';

type Db = Kysely<DB>;

const littleEndian = endianness() === 'LE';

/** Float32 little-endian bytes (what the `vector` column holds). */
export function vectorToBytes(v: Float32Array): Buffer {
  // A little-endian host's Float32Array already is those bytes: one copy.
  if (littleEndian) return Buffer.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  const b = Buffer.alloc(v.length * 4);
  for (let i = 0; i < v.length; i++) b.writeFloatLE(v[i]!, i * 4);
  return b;
}

export function bytesToVector(b: Uint8Array): Float32Array {
  const n = Math.floor(b.byteLength / 4);
  if (littleEndian) {
    // Copied into a buffer of its own (aligned, and not a view of the driver's row buffer).
    const v = new Float32Array(n);
    new Uint8Array(v.buffer).set(b.subarray(0, n * 4));
    return v;
  }
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  const v = new Float32Array(n);
  for (let i = 0; i < v.length; i++) v[i] = buf.readFloatLE(i * 4);
  return v;
}

export interface PaperText {
  id: string;
  title: string;
  abstract: string | null;
}

/** Papers with no embedding from `model` (none at all, or another model's), by id, after `afterId`. */
export async function papersToEmbed(db: Db, model: string, limit: number, afterId = ''): Promise<PaperText[]> {
  return db
    .selectFrom('papers')
    .leftJoin('paper_embeddings as e', 'e.paper_id', 'papers.id')
    .select(['papers.id', 'papers.title', 'papers.abstract'])
    .where('papers.id', '>', afterId)
    .where((eb) => eb.or([eb('e.paper_id', 'is', null), eb('e.model', '!=', model)]))
    .orderBy('papers.id')
    .limit(limit)
    .execute();
}

export async function countPapersToEmbed(db: Db, model: string): Promise<number> {
  const r = await db
    .selectFrom('papers')
    .leftJoin('paper_embeddings as e', 'e.paper_id', 'papers.id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where((eb) => eb.or([eb('e.paper_id', 'is', null), eb('e.model', '!=', model)]))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Every paper's title and abstract, a page at a time by id (for training the built-in model). */
export async function paperTexts(db: Db, limit: number, afterId = ''): Promise<PaperText[]> {
  return db.selectFrom('papers').select(['id', 'title', 'abstract']).where('id', '>', afterId).orderBy('id').limit(limit).execute();
}

/**
 * Writes embeddings from `model` in one transaction, each with a new `seq`. The seq counter is raised
 * first: that write lock orders concurrent writers, so that seqs become visible in increasing order, and
 * a switch of the site's model (setSiteModel takes the same lock). Returns false, writing nothing, when
 * the site's model is another one (vectors of a model the site does not use are never written).
 */
export async function storeEmbeddings(db: Db, model: string, rows: { paperId: string; vector: Float32Array }[], now = new Date()): Promise<boolean> {
  if (rows.length === 0) return true;
  return db.transaction().execute(async (trx) => {
    await trx.updateTable('site_state').set((eb) => ({ value: eb('value', '+', rows.length) })).where('key', '=', 'embedding_seq').execute();
    const site = (await siteModel(trx)).model;
    // Throwing rolls the raised counter back.
    if (site !== null && site !== model) throw new OtherSiteModel();
    const top = Number((await trx.selectFrom('site_state').select('value').where('key', '=', 'embedding_seq').executeTakeFirstOrThrow()).value);
    const first = top - rows.length + 1;
    const at = now.toISOString();
    // A few hundred rows at most per batch: well under either engine's parameter limit.
    await trx
      .insertInto('paper_embeddings')
      .values(rows.map((r, i) => ({ paper_id: r.paperId, model, dims: r.vector.length, vector: vectorToBytes(r.vector), seq: first + i, updated_at: at })))
      .onConflict((oc) =>
        oc.column('paper_id').doUpdateSet((eb) => ({
          model: eb.ref('excluded.model'), dims: eb.ref('excluded.dims'), vector: eb.ref('excluded.vector'), seq: eb.ref('excluded.seq'), updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
    // Similar papers on cached pages change with new vectors.
    await bumpDataVersion(trx);
    return true;
  }).catch((e: unknown) => {
    if (e instanceof OtherSiteModel) return false;
    throw e;
  });
}

class OtherSiteModel extends Error {}

export interface StoredEmbedding {
  paperId: string;
  seq: number;
  vector: Float32Array;
}

/** Embeddings from `model` written after `afterSeq`, in seq order. */
export async function embeddingsSince(db: Db, model: string, afterSeq: number, limit: number): Promise<StoredEmbedding[]> {
  const rows = await db
    .selectFrom('paper_embeddings')
    .select(['paper_id', 'seq', 'vector'])
    .where('model', '=', model)
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ paperId: r.paper_id, seq: Number(r.seq), vector: bytesToVector(r.vector) }));
}

/** Paper id and seq of every embedding from `model` (no vectors), to check an index against. */
export async function embeddingKeys(db: Db, model: string): Promise<{ paperId: string; seq: number }[]> {
  const rows = await db.selectFrom('paper_embeddings').select(['paper_id', 'seq']).where('model', '=', model).orderBy('seq').execute();
  return rows.map((r) => ({ paperId: r.paper_id, seq: Number(r.seq) }));
}

/** The vectors of these papers from `model` (papers without one are absent). */
export async function embeddingsOf(db: Db, model: string, paperIds: readonly string[]): Promise<Map<string, Float32Array>> {
  if (paperIds.length === 0) return new Map();
  // By primary key only: with `model = ?` in the WHERE, SQLite chose the (model, seq) index and read every vector of the model.
  const rows = await db.selectFrom('paper_embeddings').select(['paper_id', 'model', 'vector']).where('paper_id', 'in', [...paperIds]).execute();
  return new Map(rows.filter((r) => r.model === model).map((r) => [r.paper_id, bytesToVector(r.vector)]));
}

export async function embeddingOf(db: Db, paperId: string): Promise<{ model: string; vector: Float32Array } | undefined> {
  const r = await db.selectFrom('paper_embeddings').select(['model', 'vector']).where('paper_id', '=', paperId).executeTakeFirst();
  return r && { model: r.model, vector: bytesToVector(r.vector) };
}

/** How many papers have an embedding from each model, most first. */
export async function embeddingCounts(db: Db): Promise<{ model: string; dims: number; papers: number }[]> {
  const rows = await db
    .selectFrom('paper_embeddings')
    .select(['model', (eb) => eb.fn.max<number>('dims').as('dims'), (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('model')
    .orderBy(sql`count(*)`, 'desc')
    .execute();
  return rows.map((r) => ({ model: r.model, dims: Number(r.dims), papers: Number(r.n) }));
}
