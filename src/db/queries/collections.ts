/**
 * Members' collections of papers. Every write names the owner (`userId`) in its WHERE clause, so a
 * member can only ever change their own; a collection of someone else's reads as "not there". Caps
 * are counted under a row lock (the member's row for collections, the collection's row for papers),
 * so that parallel requests cannot pass them on either engine. Writes that change what anonymous
 * visitors see (a public collection, or a change of visibility) bump the data version.
 */
import { sql, type Kysely } from 'kysely';
import type { Organization, Page, PageRequest } from './lists.ts';
import { organizationOf, paperQuery, shownPaper } from './lists.ts';
import type { Paper } from '../../domain/merge.ts';
import { uniqueSlug, slugify } from '../../domain/collections.ts';
import type { DB } from '../schema.ts';
import { bumpDataVersion } from './papers.ts';

type Db = Kysely<DB>;

export interface Collection {
  id: number;
  userId: number;
  /** The owner's username, for URLs. */
  owner: string;
  slug: string;
  name: string;
  isPublic: boolean;
  createdAt: string;
  updatedAt: string;
  paperCount: number;
}

/** A paper in a collection, as its page and feeds show it. */
export interface CollectedPaper {
  paper: Paper;
  organization: Organization | null;
  numComments: number;
  note: string | null;
  addedAt: string;
}

function collectionQuery(db: Db) {
  return db
    .selectFrom('collections as c')
    .innerJoin('users as u', 'u.id', 'c.user_id')
    .select(['c.id', 'c.user_id', 'u.username', 'c.slug', 'c.name', 'c.is_public', 'c.created_at', 'c.updated_at'])
    .select((eb) =>
      eb.selectFrom('collection_papers as cp').select(eb.fn.countAll<number>().as('n')).whereRef('cp.collection_id', '=', 'c.id').as('paper_count'),
    )
    .where('u.deleted_at', 'is', null);
}

type Row = Awaited<ReturnType<ReturnType<typeof collectionQuery>['execute']>>[number];

const toCollection = (r: Row): Collection => ({
  id: r.id, userId: r.user_id, owner: r.username, slug: r.slug, name: r.name, isPublic: r.is_public === 1,
  createdAt: r.created_at, updatedAt: r.updated_at, paperCount: Number(r.paper_count ?? 0),
});

/** A member's collections, most recently changed first; only the public ones when `publicOnly`. */
export async function collectionsOfUser(db: Db, userId: number, publicOnly: boolean): Promise<Collection[]> {
  let q = collectionQuery(db).where('c.user_id', '=', userId);
  if (publicOnly) q = q.where('c.is_public', '=', 1);
  return (await q.orderBy('c.updated_at', 'desc').orderBy('c.id', 'desc').execute()).map(toCollection);
}

/** The collection at /users/USERNAME/collections/SLUG (public or not: the caller decides who sees it). */
export async function collectionBySlug(db: Db, username: string, slug: string): Promise<Collection | undefined> {
  const r = await collectionQuery(db).where('u.username', '=', username).where('c.slug', '=', slug).executeTakeFirst();
  return r && toCollection(r);
}

/** A collection of this member's, or undefined (none, or someone else's). */
export async function ownCollection(db: Db, id: number, userId: number): Promise<Collection | undefined> {
  const r = await collectionQuery(db).where('c.id', '=', id).where('c.user_id', '=', userId).executeTakeFirst();
  return r && toCollection(r);
}

/** The papers of a collection, most recently added first, one page of them. */
export async function papersOfCollection(db: Db, collectionId: number, page: PageRequest): Promise<Page<CollectedPaper>> {
  const rows = await paperQuery(db)
    .innerJoin('collection_papers as cp', 'cp.paper_id', 'papers.id')
    .select(['cp.note as cp_note', 'cp.added_at as cp_added_at'])
    .where('cp.collection_id', '=', collectionId)
    .orderBy('cp.added_at', 'desc')
    .orderBy('papers.id')
    .limit(page.limit)
    .offset(page.offset)
    .execute();
  const n = await db
    .selectFrom('collection_papers')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('collection_id', '=', collectionId)
    .executeTakeFirstOrThrow();
  return {
    items: rows.map((r) => ({
      paper: shownPaper(r, r.o_name), organization: organizationOf(r), numComments: r.comments_count, note: r.cp_note, addedAt: r.cp_added_at,
    })),
    total: Number(n.n),
  };
}

/** What the "add to a collection" control on cards needs: the member's collections, and which hold each paper. */
export async function collectChoices(
  db: Db,
  userId: number,
  paperIds: string[],
): Promise<{ collections: { id: number; name: string }[]; saved: Map<string, Set<number>> }> {
  const collections = await db
    .selectFrom('collections')
    .select(['id', 'name'])
    .where('user_id', '=', userId)
    .orderBy('updated_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  const saved = new Map<string, Set<number>>();
  if (collections.length === 0 || paperIds.length === 0) return { collections, saved };
  const rows = await db
    .selectFrom('collection_papers as cp')
    .innerJoin('collections as c', 'c.id', 'cp.collection_id')
    .select(['cp.paper_id', 'cp.collection_id'])
    .where('c.user_id', '=', userId)
    .where('cp.paper_id', 'in', paperIds)
    .execute();
  for (const r of rows) saved.set(r.paper_id, (saved.get(r.paper_id) ?? new Set()).add(r.collection_id));
  return { collections, saved };
}

export type CreateResult = { ok: true; collection: Collection } | { ok: false; problem: 'cap' | 'no-paper' };

/**
 * Creates a collection (with a first paper, when `paperId` is given) unless the member has
 * `maxCollections` already. The slug comes from the name, made unique among the member's.
 */
export async function createCollection(
  db: Db,
  c: { userId: number; name: string; isPublic: boolean; now: Date; maxCollections: number; paperId?: string; note?: string | null },
): Promise<CreateResult> {
  return db.transaction().execute(async (trx) => {
    // Locks the member's row: two creations at once count one after the other.
    await trx.updateTable('users').set((eb) => ({ deleted_at: eb.ref('deleted_at') })).where('id', '=', c.userId).execute();
    const slugs = await trx.selectFrom('collections').select('slug').where('user_id', '=', c.userId).execute();
    if (slugs.length >= c.maxCollections) return { ok: false, problem: 'cap' };
    if (c.paperId !== undefined && !(await trx.selectFrom('papers').select('id').where('id', '=', c.paperId).executeTakeFirst())) {
      return { ok: false, problem: 'no-paper' };
    }
    const now = c.now.toISOString();
    const row = await trx
      .insertInto('collections')
      .values({
        user_id: c.userId, slug: uniqueSlug(slugify(c.name), new Set(slugs.map((s) => s.slug))), name: c.name,
        is_public: c.isPublic ? 1 : 0, created_at: now, updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (c.paperId !== undefined) {
      await trx.insertInto('collection_papers').values({ collection_id: row.id, paper_id: c.paperId, note: c.note || null, added_at: now }).execute();
    }
    if (c.isPublic) await bumpDataVersion(trx);
    return { ok: true, collection: (await ownCollection(trx, row.id, c.userId))! };
  });
}

/**
 * Locks a collection of this member's for a write and marks it changed; undefined when it is not
 * theirs (or not there). Run in a transaction.
 */
async function touchOwn(trx: Db, id: number, userId: number, now: Date): Promise<{ isPublic: boolean } | undefined> {
  const r = await trx
    .updateTable('collections')
    .set({ updated_at: now.toISOString() })
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .returning('is_public')
    .executeTakeFirst();
  return r && { isPublic: r.is_public === 1 };
}

export type AddResult = 'added' | 'already' | 'no-collection' | 'no-paper' | 'cap';

/** Adds a paper to a member's collection, unless it is there already or the collection is full. */
export async function addToCollection(
  db: Db,
  a: { collectionId: number; userId: number; paperId: string; note: string | null; now: Date; maxPapers: number },
): Promise<AddResult> {
  return db.transaction().execute(async (trx) => {
    const own = await touchOwn(trx, a.collectionId, a.userId, a.now);
    if (!own) return 'no-collection';
    if (!(await trx.selectFrom('papers').select('id').where('id', '=', a.paperId).executeTakeFirst())) return 'no-paper';
    const there = await trx.selectFrom('collection_papers').select('paper_id').where('collection_id', '=', a.collectionId).where('paper_id', '=', a.paperId).executeTakeFirst();
    if (there) return 'already';
    const n = await trx.selectFrom('collection_papers').select((eb) => eb.fn.countAll<number>().as('n')).where('collection_id', '=', a.collectionId).executeTakeFirstOrThrow();
    if (Number(n.n) >= a.maxPapers) return 'cap';
    await trx.insertInto('collection_papers').values({ collection_id: a.collectionId, paper_id: a.paperId, note: a.note || null, added_at: a.now.toISOString() }).execute();
    if (own.isPublic) await bumpDataVersion(trx);
    return 'added';
  });
}

/** Sets (or, with '' or null, clears) the note on a paper of a member's collection; false when there is no such paper in it. */
export async function setNote(db: Db, n: { collectionId: number; userId: number; paperId: string; note: string | null; now: Date }): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const own = await touchOwn(trx, n.collectionId, n.userId, n.now);
    if (!own) return false;
    const r = await trx
      .updateTable('collection_papers')
      .set({ note: n.note || null })
      .where('collection_id', '=', n.collectionId)
      .where('paper_id', '=', n.paperId)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) return false;
    if (own.isPublic) await bumpDataVersion(trx);
    return true;
  });
}

/** Takes a paper out of a member's collection; false when it was not in it. */
export async function removeFromCollection(db: Db, r: { collectionId: number; userId: number; paperId: string; now: Date }): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const own = await touchOwn(trx, r.collectionId, r.userId, r.now);
    if (!own) return false;
    const d = await trx.deleteFrom('collection_papers').where('collection_id', '=', r.collectionId).where('paper_id', '=', r.paperId).executeTakeFirst();
    if (Number(d.numDeletedRows) === 0) return false;
    if (own.isPublic) await bumpDataVersion(trx);
    return true;
  });
}

/** Renames a member's collection (its slug stays); false when it is not theirs. */
export async function renameCollection(db: Db, id: number, userId: number, name: string, now: Date): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const r = await trx
      .updateTable('collections')
      .set({ name, updated_at: now.toISOString() })
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .returning('is_public')
      .executeTakeFirst();
    if (r?.is_public === 1) await bumpDataVersion(trx);
    return r !== undefined;
  });
}

/** Makes a member's collection public or private; false when it is not theirs. */
export async function setCollectionVisibility(db: Db, id: number, userId: number, isPublic: boolean, now: Date): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const r = await trx
      .updateTable('collections')
      .set({ is_public: isPublic ? 1 : 0, updated_at: now.toISOString() })
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) return false;
    await bumpDataVersion(trx);
    return true;
  });
}

/** Deletes a member's collection and its notes; false when it is not theirs. */
export async function deleteCollection(db: Db, id: number, userId: number): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const r = await trx.selectFrom('collections').select('is_public').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
    if (!r) return false;
    await trx.deleteFrom('collection_papers').where('collection_id', '=', id).execute();
    await trx.deleteFrom('collections').where('id', '=', id).execute();
    if (r.is_public === 1) await bumpDataVersion(trx);
    return true;
  });
}

/** What GET /api/collections filters public collections by (src/http/api/collections.ts). */
export interface PublicCollectionFilter {
  /** Only collections holding this paper. */
  paperId?: string;
  /** Only this member's. */
  owner?: string;
  /** Words in the name (case-insensitive substring). */
  q?: string;
  limit: number;
}

/** Public collections, most recently changed first, with up to `itemsEach` of their papers (most recently added first). */
export async function publicCollections(db: Db, f: PublicCollectionFilter, itemsEach: number): Promise<{ collection: Collection; ownerFullname: string | null; items: CollectedPaper[] }[]> {
  let q = collectionQuery(db).select('u.display_name').where('c.is_public', '=', 1);
  if (f.paperId !== undefined) {
    const paperId = f.paperId;
    q = q.where((eb) => eb.exists(eb.selectFrom('collection_papers as cp').select('cp.paper_id').whereRef('cp.collection_id', '=', 'c.id').where('cp.paper_id', '=', paperId)));
  }
  if (f.owner !== undefined) q = q.where('u.username', '=', f.owner);
  if (f.q !== undefined && f.q !== '') {
    const pattern = `%${f.q.toLowerCase().replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    q = q.where(sql<boolean>`lower(c.name) like ${pattern} escape '\\'`);
  }
  const rows = await q.orderBy('c.updated_at', 'desc').orderBy('c.id', 'desc').limit(f.limit).execute();
  const ids = rows.map((r) => r.id);
  const items = new Map<number, CollectedPaper[]>(ids.map((id) => [id, []]));
  if (ids.length > 0 && itemsEach > 0) {
    // Every paper of these collections in one query; a collection holds at most a few hundred.
    const papers = await paperQuery(db)
      .innerJoin('collection_papers as cp', 'cp.paper_id', 'papers.id')
      .select(['cp.collection_id as cp_collection_id', 'cp.note as cp_note', 'cp.added_at as cp_added_at'])
      .where('cp.collection_id', 'in', ids)
      .orderBy('cp.added_at', 'desc')
      .orderBy('papers.id')
      .execute();
    for (const r of papers) {
      const list = items.get(r.cp_collection_id)!;
      if (list.length < itemsEach) {
        list.push({ paper: shownPaper(r, r.o_name), organization: organizationOf(r), numComments: r.comments_count, note: r.cp_note, addedAt: r.cp_added_at });
      }
    }
  }
  return rows.map((r) => ({ collection: toCollection(r), ownerFullname: r.display_name, items: items.get(r.id)! }));
}
