/**
 * A member's library beyond one collection's page: what exports read, what imports write (one transaction per
 * file), private notes, and the search over one's own notes and titles (docs/decisions/0033-portable-libraries.md).
 * Like collections.ts, every write names the owner in its WHERE clause.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../schema.ts';
import { bumpDataVersion } from './papers.ts';
import { ownCollection, type Collection } from './collections.ts';
import { uniqueSlug, slugify } from '../../domain/collections.ts';

type Db = Kysely<DB>;

/** A saved paper as exports need it, with both notes (the caller decides who may see the private one). */
export interface SavedPaperRow {
  id: string;
  title: string;
  authors: string[];
  abstract: string | null;
  publishedAt: string | null;
  categories: string[];
  doi: string | null;
  journalRef: string | null;
  note: string | null;
  privateNote: string | null;
}

/** Parameters per statement: well under SQLite's and PostgreSQL's limits. */
const CHUNK = 500;

function chunks<T>(xs: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += CHUNK) out.push(xs.slice(i, i + CHUNK));
  return out;
}

/**
 * The papers of these collections, most recently added first, each paper once (a paper in several collections
 * keeps the notes of each, joined by a blank line, in the same order).
 */
export async function savedPapers(db: Db, collectionIds: readonly number[]): Promise<SavedPaperRow[]> {
  if (collectionIds.length === 0) return [];
  const rows = await db
    .selectFrom('collection_papers as cp')
    .innerJoin('papers as p', 'p.id', 'cp.paper_id')
    .select(['p.id', 'p.title', 'p.authors', 'p.abstract', 'p.published_at', 'p.categories', 'p.doi', 'p.journal_ref', 'cp.note', 'cp.private_note'])
    .where('cp.collection_id', 'in', [...collectionIds])
    .orderBy('cp.added_at', 'desc')
    .orderBy('p.id')
    .execute();
  const byId = new Map<string, SavedPaperRow>();
  const join = (a: string | null, b: string | null) => (!a ? b : !b || a.split('\n\n').includes(b) ? a : `${a}\n\n${b}`);
  for (const r of rows) {
    const seen = byId.get(r.id);
    if (seen) {
      seen.note = join(seen.note, r.note);
      seen.privateNote = join(seen.privateNote, r.private_note);
      continue;
    }
    let authors: string[] = [];
    try {
      authors = (JSON.parse(r.authors) as { name: string }[]).map((a) => a.name).filter((n) => typeof n === 'string' && n !== '');
    } catch {
      authors = [];
    }
    byId.set(r.id, {
      id: r.id, title: r.title, authors, abstract: r.abstract, publishedAt: r.published_at, categories: r.categories.split(' ').filter(Boolean),
      doi: r.doi, journalRef: r.journal_ref, note: r.note, privateNote: r.private_note,
    });
  }
  return [...byId.values()];
}

/** Which of these arXiv ids are papers here, and which papers carry these DOIs (lowercase DOI → paper id). */
export async function resolveReferences(db: Db, arxivIds: readonly string[], dois: readonly string[]): Promise<{ ids: Set<string>; byDoi: Map<string, string> }> {
  const ids = new Set<string>();
  const byDoi = new Map<string, string>();
  for (const part of chunks([...new Set(arxivIds)])) {
    for (const r of await db.selectFrom('papers').select('id').where('id', 'in', part).execute()) ids.add(r.id);
  }
  for (const part of chunks([...new Set(dois)])) {
    const rows = await db.selectFrom('papers').select(['id', 'doi']).where(sql<string>`lower(doi)`, 'in', part).orderBy('id').execute();
    for (const r of rows) if (r.doi && !byDoi.has(r.doi.toLowerCase())) byDoi.set(r.doi.toLowerCase(), r.id);
  }
  return { ids, byDoi };
}

export type ImportTarget = { collectionId: number } | { newName: string };

export type ImportWriteResult =
  | { ok: true; collection: Collection; added: number; already: number; notesSet: number }
  | { ok: false; problem: 'no-collection' | 'collections-cap' | 'papers-cap'; room?: number };

/** Thrown inside the import's transaction to roll all of it back. */
class Refused extends Error {
  constructor(readonly result: ImportWriteResult & { ok: false }) {
    super(result.problem);
  }
}

/**
 * Saves resolved papers into a member's collection (a new private one, or one of theirs) in one transaction:
 * all of them or, when a cap would be passed, none. Papers already there stay as they are, but for a private
 * note they have none of (so importing the same file again changes nothing). The collection's row (or the
 * member's, for a new one) is locked first, as collections.ts does, so parallel imports count one after the other.
 */
export async function importIntoCollection(
  db: Db,
  p: { userId: number; target: ImportTarget; items: { paperId: string; note: string | null }[]; now: Date; maxPapers: number; maxCollections: number },
): Promise<ImportWriteResult> {
  try {
    return await db.transaction().execute(async (trx) => {
      const now = p.now.toISOString();
      let collectionId: number;
      let isPublic: boolean;
      if ('newName' in p.target) {
        await trx.updateTable('users').set((eb) => ({ deleted_at: eb.ref('deleted_at') })).where('id', '=', p.userId).execute();
        const slugs = await trx.selectFrom('collections').select('slug').where('user_id', '=', p.userId).execute();
        if (slugs.length >= p.maxCollections) throw new Refused({ ok: false, problem: 'collections-cap' });
        const row = await trx
          .insertInto('collections')
          .values({ user_id: p.userId, slug: uniqueSlug(slugify(p.target.newName), new Set(slugs.map((s) => s.slug))), name: p.target.newName, is_public: 0, created_at: now, updated_at: now })
          .returning('id')
          .executeTakeFirstOrThrow();
        collectionId = row.id;
        isPublic = false;
      } else {
        const r = await trx
          .updateTable('collections')
          .set({ updated_at: now })
          .where('id', '=', p.target.collectionId)
          .where('user_id', '=', p.userId)
          .returning('is_public')
          .executeTakeFirst();
        if (!r) throw new Refused({ ok: false, problem: 'no-collection' });
        collectionId = p.target.collectionId;
        isPublic = r.is_public === 1;
      }
      const present = new Map(
        (await trx.selectFrom('collection_papers').select(['paper_id', 'private_note']).where('collection_id', '=', collectionId).execute()).map((r) => [r.paper_id, r.private_note]),
      );
      // One row per paper: the first entry naming it wins; its note, or a later entry's when it has none.
      const wanted = new Map<string, string | null>();
      for (const it of p.items) if (!wanted.has(it.paperId) || (wanted.get(it.paperId) === null && it.note)) wanted.set(it.paperId, it.note);
      const fresh = [...wanted].filter(([id]) => !present.has(id));
      if (present.size + fresh.length > p.maxPapers) throw new Refused({ ok: false, problem: 'papers-cap', room: Math.max(0, p.maxPapers - present.size) });
      for (const part of chunks(fresh)) {
        await trx
          .insertInto('collection_papers')
          .values(part.map(([paperId, note]) => ({ collection_id: collectionId, paper_id: paperId, note: null, private_note: note, added_at: now })))
          .execute();
      }
      let notesSet = fresh.filter(([, note]) => note).length;
      for (const [paperId, note] of wanted) {
        if (!note || !present.has(paperId) || present.get(paperId)) continue;
        await trx.updateTable('collection_papers').set({ private_note: note }).where('collection_id', '=', collectionId).where('paper_id', '=', paperId).execute();
        notesSet++;
      }
      if (isPublic && fresh.length > 0) await bumpDataVersion(trx);
      return { ok: true as const, collection: (await ownCollection(trx, collectionId, p.userId))!, added: fresh.length, already: wanted.size - fresh.length, notesSet };
    });
  } catch (e) {
    if (e instanceof Refused) return e.result;
    throw e;
  }
}

/** Sets (or, with '' or null, clears) the owner's private note on a paper of their collection; false when there is no such paper in it. */
export async function setPrivateNote(db: Db, n: { collectionId: number; userId: number; paperId: string; note: string | null }): Promise<boolean> {
  const r = await db
    .updateTable('collection_papers')
    .set({ private_note: n.note || null })
    .where('collection_id', '=', n.collectionId)
    .where('paper_id', '=', n.paperId)
    .where((eb) => eb.exists(eb.selectFrom('collections as c').select('c.id').where('c.id', '=', n.collectionId).where('c.user_id', '=', n.userId)))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** The owner's private notes on these papers of a collection (paper id → note). */
export async function privateNotesOf(db: Db, collectionId: number, paperIds: readonly string[]): Promise<Map<string, string>> {
  if (paperIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('collection_papers')
    .select(['paper_id', 'private_note'])
    .where('collection_id', '=', collectionId)
    .where('paper_id', 'in', [...paperIds])
    .where('private_note', 'is not', null)
    .execute();
  return new Map(rows.map((r) => [r.paper_id, r.private_note!]));
}

/** One hit of the search over a member's saved papers. */
export interface SavedHit {
  paperId: string;
  title: string;
  collection: { id: number; name: string; slug: string; owner: string };
  note: string | null;
  privateNote: string | null;
}

/** The most hits a search shows: a member holds at most a few thousand saved papers. */
export const MAX_SAVED_HITS = 100;

/**
 * The member's saved papers whose title, collection note or private note holds every word of `q`
 * (case-insensitive substrings; on SQLite, case folding is ASCII's), most recently added first.
 */
export async function searchSaved(db: Db, userId: number, q: string, limit = MAX_SAVED_HITS): Promise<SavedHit[]> {
  const words = q.toLowerCase().split(/\s+/).filter(Boolean).slice(0, 8);
  if (words.length === 0) return [];
  let query = db
    .selectFrom('collection_papers as cp')
    .innerJoin('collections as c', 'c.id', 'cp.collection_id')
    .innerJoin('users as u', 'u.id', 'c.user_id')
    .innerJoin('papers as p', 'p.id', 'cp.paper_id')
    .select(['p.id', 'p.title', 'c.id as c_id', 'c.name as c_name', 'c.slug as c_slug', 'u.username', 'cp.note', 'cp.private_note'])
    .where('c.user_id', '=', userId);
  for (const w of words) {
    const pattern = `%${w.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    query = query.where(
      sql<boolean>`(lower(p.title) like ${pattern} escape '\\' or lower(coalesce(cp.note, '')) like ${pattern} escape '\\' or lower(coalesce(cp.private_note, '')) like ${pattern} escape '\\')`,
    );
  }
  const rows = await query.orderBy('cp.added_at', 'desc').orderBy('p.id').orderBy('c.id').limit(limit).execute();
  return rows.map((r) => ({
    paperId: r.id, title: r.title, collection: { id: r.c_id, name: r.c_name, slug: r.c_slug, owner: r.username }, note: r.note, privateNote: r.private_note,
  }));
}
