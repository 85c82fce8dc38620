/**
 * Paper embeddings: which papers still need one from the site's model (after its high-water mark), writing
 * a batch of them, and reading them back for the vector index (by `seq`, so that an index can pick up only
 * what changed).
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

/** A paper to embed, with the `text_seq` of the text read (migration 33). */
export interface PendingPaper extends PaperText {
  textSeq: number;
}

/**
 * The high-water mark of the site's model (docs/decisions/0040-embedding-high-water-mark.md): every paper
 * with text_seq <= `mark` has a vector of `model` for its current text. One row, read by primary key.
 */
export async function embeddingMark(db: Db): Promise<{ model: string | null; mark: number }> {
  const r = await db.selectFrom('embedding_site').select(['model', 'embedded_text_seq']).where('id', '=', 1).executeTakeFirstOrThrow();
  return { model: r.model, mark: Number(r.embedded_text_seq) };
}

/**
 * The next papers to embed after the mark, in text_seq order: a range scan of papers_text_seq, whatever
 * the size of the table. Their text_seqs, read in one snapshot, are every committed seq from `afterSeq` to
 * the last one returned (writers commit seqs in order: migration 33).
 */
export async function papersToEmbed(db: Db, afterSeq: number, limit: number): Promise<PendingPaper[]> {
  const rows = await db
    .selectFrom('papers')
    .select(['id', 'title', 'abstract', 'text_seq'])
    .where('text_seq', '>', afterSeq)
    .orderBy('text_seq')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ id: r.id, title: r.title, abstract: r.abstract, textSeq: Number(r.text_seq) }));
}

/**
 * Papers whose text has no vector of `model` yet: those after the mark when `model` is the site's model
 * (an index range count), every paper otherwise (making it the site's model starts again from 0).
 */
export async function countPapersToEmbed(db: Db, model: string): Promise<number> {
  const site = await embeddingMark(db);
  let q = db.selectFrom('papers').select((eb) => eb.fn.countAll<number>().as('n'));
  if (site.model === model) q = q.where('text_seq', '>', site.mark);
  return Number((await q.executeTakeFirstOrThrow()).n);
}

/** Every paper's title and abstract, a page at a time by id (for training the built-in model). */
export async function paperTexts(db: Db, limit: number, afterId = ''): Promise<PaperText[]> {
  return db.selectFrom('papers').select(['id', 'title', 'abstract']).where('id', '>', afterId).orderBy('id').limit(limit).execute();
}

/** Where a batch read by papersToEmbed came from, to advance the mark with its vectors (embedPending). */
export interface MarkAdvance {
  /** The mark the batch was read after. */
  from: number;
  /** The last text_seq of the batch. */
  to: number;
}

/**
 * Writes embeddings from `model` in one transaction, each with a new `seq`. The seq counter is raised
 * first: that write lock orders concurrent writers, so that seqs become visible in increasing order, and
 * a switch of the site's model (setSiteModel takes the same lock). Returns false, writing nothing, when
 * the site's model is another one (vectors of a model the site does not use are never written).
 *
 * With `advance` (a batch of papersToEmbed, rows with their `textSeq`), a vector is written only when the
 * paper's text is still the one embedded (an edit since gave it a higher text_seq, so it is embedded again
 * later; a deleted paper has none), and the mark moves to `advance.to` in the same transaction, when it is
 * still at or after `advance.from`: below it, the model changed in between and the mark was reset, and
 * the papers before `from` are not known to have vectors of this model.
 */
export async function storeEmbeddings(
  db: Db,
  model: string,
  rows: { paperId: string; vector: Float32Array; textSeq?: number }[],
  now = new Date(),
  advance?: MarkAdvance,
): Promise<boolean> {
  if (rows.length === 0 && !advance) return true;
  return db.transaction().execute(async (trx) => {
    await trx.updateTable('site_state').set((eb) => ({ value: eb('value', '+', rows.length) })).where('key', '=', 'embedding_seq').execute();
    const site = (await siteModel(trx)).model;
    // Throwing rolls the raised counter back.
    if (site !== null && site !== model) throw new OtherSiteModel();
    if (advance && rows.length > 0) {
      const current = new Map<string, number>();
      // A few hundred ids at most per batch: well under either engine's parameter limit.
      const seqs = await trx.selectFrom('papers').select(['id', 'text_seq']).where('id', 'in', rows.map((r) => r.paperId)).execute();
      for (const r of seqs) current.set(r.id, Number(r.text_seq));
      rows = rows.filter((r) => r.textSeq === undefined || current.get(r.paperId) === r.textSeq);
    }
    if (rows.length > 0) {
      const top = Number((await trx.selectFrom('site_state').select('value').where('key', '=', 'embedding_seq').executeTakeFirstOrThrow()).value);
      const first = top - rows.length + 1;
      const at = now.toISOString();
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
    }
    if (advance) {
      await trx
        .updateTable('embedding_site')
        .set({ embedded_text_seq: advance.to })
        .where('id', '=', 1)
        .where('model', '=', model)
        .where('embedded_text_seq', '>=', advance.from)
        .where('embedded_text_seq', '<', advance.to)
        .execute();
    }
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

/** How many embeddings of `model` there are with seq <= `upTo` (a count over the (model, seq) index). */
export async function countEmbeddings(db: Db, model: string, upTo: number): Promise<number> {
  const r = await db.selectFrom('paper_embeddings').select((eb) => eb.fn.countAll<number>().as('n')).where('model', '=', model).where('seq', '<=', upTo).executeTakeFirstOrThrow();
  return Number(r.n);
}

/** The last seq handed to an embedding (site_state `embedding_seq`). */
export async function embeddingSeqTop(db: Db): Promise<number> {
  const r = await db.selectFrom('site_state').select('value').where('key', '=', 'embedding_seq').executeTakeFirst();
  return Number(r?.value ?? 0);
}

/** The vectors of these papers from `model` (papers without one are absent). */
export async function embeddingsOf(db: Db, model: string, paperIds: readonly string[]): Promise<Map<string, Float32Array>> {
  if (paperIds.length === 0) return new Map();
  // By primary key only: with `model = ?` in the WHERE, SQLite chose the (model, seq) index and read every vector of the model.
  const rows = await db.selectFrom('paper_embeddings').select(['paper_id', 'model', 'vector']).where('paper_id', 'in', [...paperIds]).execute();
  return new Map(rows.filter((r) => r.model === model).map((r) => [r.paper_id, bytesToVector(r.vector)]));
}

export async function embeddingOf(db: Db, paperId: string): Promise<{ model: string; vector: Float32Array; seq: number } | undefined> {
  const r = await db.selectFrom('paper_embeddings').select(['model', 'vector', 'seq']).where('paper_id', '=', paperId).executeTakeFirst();
  return r && { model: r.model, vector: bytesToVector(r.vector), seq: Number(r.seq) };
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
