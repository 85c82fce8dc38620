/** Members' saved searches, the papers their alerts found, and what an alert run reads and writes. */
import { sql, type Kysely, type Selectable } from 'kysely';
import { parseFilters, serializeFilters } from '../../domain/saved-searches.ts';
import type { SearchMode } from '../../search/hybrid.ts';
import type { SearchFilters } from '../../search/keyword.ts';
import type { DB, SavedSearchesTable } from '../schema.ts';

type Db = Kysely<DB>;

export interface SavedSearch {
  id: number;
  userId: number;
  name: string;
  query: string;
  filters: SearchFilters;
  mode: SearchMode;
  alertEnabled: boolean;
  alertedUntil: string;
  lastCheckedAt: string | null;
  createdAt: string;
}

const toSavedSearch = (r: Selectable<SavedSearchesTable>): SavedSearch => ({
  id: r.id, userId: r.user_id, name: r.name, query: r.query, filters: parseFilters(r.filters), mode: r.mode,
  alertEnabled: Number(r.alert_enabled) === 1, alertedUntil: r.alerted_until, lastCheckedAt: r.last_checked_at, createdAt: r.created_at,
});

export async function savedSearchesOf(db: Db, userId: number): Promise<SavedSearch[]> {
  const rows = await db.selectFrom('saved_searches').selectAll().where('user_id', '=', userId).orderBy('id').execute();
  return rows.map(toSavedSearch);
}

export async function countSavedSearches(db: Db, userId: number): Promise<number> {
  const r = await db.selectFrom('saved_searches').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).executeTakeFirstOrThrow();
  return Number(r.n);
}

/** One saved search, only when it is this member's (undefined otherwise: callers answer 404). */
export async function ownSavedSearch(db: Db, userId: number, id: number): Promise<SavedSearch | undefined> {
  const r = await db.selectFrom('saved_searches').selectAll().where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
  return r && toSavedSearch(r);
}

export async function findSavedSearch(db: Db, id: number): Promise<SavedSearch | undefined> {
  const r = await db.selectFrom('saved_searches').selectAll().where('id', '=', id).executeTakeFirst();
  return r && toSavedSearch(r);
}

export interface NewSavedSearch {
  userId: number;
  name: string;
  query: string;
  filters: SearchFilters;
  mode: SearchMode;
}

/**
 * Saves a search, unless the member already has `cap` of them (null then). The count and the insert are one
 * transaction; on PostgreSQL the member's row is locked first, so two parallel saves cannot both pass the cap.
 * Its alert mark starts now: papers already here are not "new".
 */
export async function createSavedSearch(db: Db, s: NewSavedSearch, cap: number, now: Date): Promise<SavedSearch | null> {
  return db.transaction().execute(async (trx) => {
    // Locks the member's row (a no-op update, on both engines): two saves at once count one after the other.
    await trx.updateTable('users').set((eb) => ({ deleted_at: eb.ref('deleted_at') })).where('id', '=', s.userId).execute();
    if ((await countSavedSearches(trx, s.userId)) >= cap) return null;
    const t = now.toISOString();
    const r = await trx.insertInto('saved_searches').values({
      user_id: s.userId, name: s.name, query: s.query, filters: serializeFilters(s.filters), mode: s.mode,
      alert_enabled: 1, alerted_until: t, last_checked_at: null, created_at: t, updated_at: t,
    }).returningAll().executeTakeFirstOrThrow();
    return toSavedSearch(r);
  });
}

/** Renames a member's saved search; false when it is not theirs. */
export async function renameSavedSearch(db: Db, userId: number, id: number, name: string, now: Date): Promise<boolean> {
  const r = await db.updateTable('saved_searches').set({ name, updated_at: now.toISOString() }).where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/**
 * Turns a member's alert mail on or off; false when it is not theirs. Turning it back on moves the mark to now:
 * what arrived while it was off is not mailed all at once.
 */
export async function setAlertEnabled(db: Db, userId: number, id: number, on: boolean, now: Date): Promise<boolean> {
  const t = now.toISOString();
  const r = await db.updateTable('saved_searches')
    .set({ alert_enabled: on ? 1 : 0, updated_at: t, ...(on ? { alerted_until: t } : {}) })
    .where('id', '=', id).where('user_id', '=', userId).where('alert_enabled', '=', on ? 0 : 1).executeTakeFirst();
  if (Number(r.numUpdatedRows) > 0) return true;
  return (await ownSavedSearch(db, userId, id)) !== undefined;
}

/** Turns off the alert mail of every saved search of a member; how many were on. */
export async function disableAllAlerts(db: Db, userId: number, now: Date): Promise<number> {
  const r = await db.updateTable('saved_searches').set({ alert_enabled: 0, updated_at: now.toISOString() })
    .where('user_id', '=', userId).where('alert_enabled', '=', 1).executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Deletes a member's saved search (its matches go with it); false when it is not theirs. */
export async function deleteSavedSearch(db: Db, userId: number, id: number): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const own = await trx.selectFrom('saved_searches').select('id').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
    if (!own) return false;
    // Explicitly, not by cascade: SQLite enforces foreign keys only when the connection turns them on.
    await trx.deleteFrom('saved_search_matches').where('saved_search_id', '=', id).execute();
    await trx.deleteFrom('saved_searches').where('id', '=', id).execute();
    return true;
  });
}

export interface RecentMatch {
  paperId: string;
  title: string;
  matchedAt: string;
}

/** The newest matches of each of these saved searches (up to `per` each). */
export async function recentMatches(db: Db, ids: number[], per: number): Promise<Map<number, RecentMatch[]>> {
  const out = new Map<number, RecentMatch[]>(ids.map((id) => [id, []]));
  if (ids.length === 0) return out;
  const rows = await db.selectFrom('saved_search_matches as m').innerJoin('papers as p', 'p.id', 'm.paper_id')
    .select(['m.saved_search_id', 'm.paper_id', 'm.matched_at', 'p.title'])
    .where('m.saved_search_id', 'in', ids)
    .orderBy('m.saved_search_id').orderBy('m.matched_at', 'desc').orderBy('m.paper_id')
    .execute();
  for (const r of rows) {
    const list = out.get(r.saved_search_id)!;
    if (list.length < per) list.push({ paperId: r.paper_id, title: r.title, matchedAt: r.matched_at });
  }
  return out;
}

// ---- the alert run

export interface AlertMember {
  userId: number;
  email: string;
  username: string;
}

/**
 * Members with at least one saved search whose mail is on, after `afterUserId` (keyset pages): confirmed
 * address, not suspended or deleted, and not an address that bounced (the digest's subscribers table says so).
 */
export async function membersWithAlerts(db: Db, afterUserId: number, limit: number): Promise<AlertMember[]> {
  const rows = await db.selectFrom('users as u')
    .select(['u.id', 'u.email', 'u.username'])
    .where('u.id', '>', afterUserId)
    .where('u.email_verified_at', 'is not', null).where('u.suspended_at', 'is', null).where('u.deleted_at', 'is', null)
    .where((eb) => eb.exists(eb.selectFrom('saved_searches as s').select('s.id').whereRef('s.user_id', '=', 'u.id').where('s.alert_enabled', '=', 1)))
    .where((eb) => eb.not(eb.exists(eb.selectFrom('subscribers as b').select('b.id').whereRef('b.email', '=', sql`lower(u.email)`).where('b.status', '=', 'bounced'))))
    .orderBy('u.id').limit(limit).execute();
  return rows.map((r) => ({ userId: r.id, email: r.email, username: r.username }));
}

export async function enabledSavedSearchesOf(db: Db, userIds: number[]): Promise<SavedSearch[]> {
  if (userIds.length === 0) return [];
  const rows = await db.selectFrom('saved_searches').selectAll().where('user_id', 'in', userIds).where('alert_enabled', '=', 1).orderBy('user_id').orderBy('id').execute();
  return rows.map(toSavedSearch);
}

export interface NewPapersSince {
  /** Papers that entered the database after the mark. */
  count: number;
  /** The newest of their created_at (the next mark), null when none. */
  newest: string | null;
  /** The earliest publication day among them, null when none or when one has no date (no narrowing then). */
  earliestDay: string | null;
}

/** What entered the database after a mark (one indexed range on papers.created_at). */
export async function newPapersSince(db: Db, mark: string): Promise<NewPapersSince> {
  const r = await db.selectFrom('papers')
    .select((eb) => [
      eb.fn.countAll<number>().as('n'), eb.fn.max('created_at').as('newest'), eb.fn.min('published_at').as('earliest'),
      eb.fn.count<number>('published_at').as('dated'),
    ])
    .where('created_at', '>', mark).executeTakeFirstOrThrow();
  const count = Number(r.n);
  const earliest = r.earliest as string | null;
  return { count, newest: (r.newest as string | null) ?? null, earliestDay: count > 0 && Number(r.dated) === count && earliest ? earliest.slice(0, 10) : null };
}

/** Of these papers, those that entered the database after the mark and were not already found for this saved search, in the given order. */
export async function newUnalerted(db: Db, savedSearchId: number, paperIds: string[], mark: string): Promise<string[]> {
  if (paperIds.length === 0) return [];
  const rows = await db.selectFrom('papers as p').select('p.id')
    .where('p.id', 'in', paperIds).where('p.created_at', '>', mark)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('saved_search_matches as m').select('m.paper_id').whereRef('m.paper_id', '=', 'p.id').where('m.saved_search_id', '=', savedSearchId))))
    .execute();
  const keep = new Set(rows.map((r) => r.id));
  return paperIds.filter((id) => keep.has(id));
}

/** Records what a run found and moves the marks (called inside the transaction that enqueues the mail). */
export async function recordAlertRun(trx: Kysely<DB>, found: { savedSearchId: number; paperIds: string[]; mark: string }[], now: Date): Promise<void> {
  const t = now.toISOString();
  const rows = found.flatMap((f) => f.paperIds.map((paper_id) => ({ saved_search_id: f.savedSearchId, paper_id, matched_at: t })));
  for (let i = 0; i < rows.length; i += 500) {
    await trx.insertInto('saved_search_matches').values(rows.slice(i, i + 500)).onConflict((oc) => oc.columns(['saved_search_id', 'paper_id']).doNothing()).execute();
  }
  for (const f of found) await trx.updateTable('saved_searches').set({ alerted_until: f.mark, last_checked_at: t }).where('id', '=', f.savedSearchId).execute();
}

/** Marks searches checked (and moves their marks) when nothing was found for them. */
export async function markChecked(db: Db, marks: { savedSearchId: number; mark: string }[], now: Date): Promise<void> {
  for (const m of marks) await db.updateTable('saved_searches').set({ alerted_until: m.mark, last_checked_at: now.toISOString() }).where('id', '=', m.savedSearchId).execute();
}

export interface MailPaper {
  id: string;
  title: string;
  abstract: string;
  upvotes: number;
  comments: number;
  organization: string | null;
}

/** What a mail shows of each paper (the digest's fields), by id. */
export async function mailPapers(db: Db, ids: string[]): Promise<Map<string, MailPaper>> {
  const out = new Map<string, MailPaper>();
  if (ids.length === 0) return out;
  const rows = await db.selectFrom('papers as p').leftJoin('organizations as o', 'o.id', 'p.organization_id')
    .select(['p.id', 'p.title', 'p.abstract', 'p.upvotes', 'p.member_upvotes', 'p.comments_count', 'o.name as o_name', 'o.fullname as o_fullname'])
    .where('p.id', 'in', ids).execute();
  for (const r of rows) {
    out.set(r.id, { id: r.id, title: r.title, abstract: r.abstract ?? '', upvotes: r.upvotes + r.member_upvotes, comments: r.comments_count, organization: r.o_fullname ?? r.o_name ?? null });
  }
  return out;
}
