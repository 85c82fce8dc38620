/** Members and editors putting papers on a day's list, taking them off, featuring them. */
import type { Kysely } from 'kysely';
import type { DB } from '../schema.ts';
import { bumpDataVersion } from './papers.ts';

type Db = Kysely<DB>;

export async function submissionsOn(db: Db, userId: number, day: string): Promise<number> {
  const r = await db.selectFrom('daily_entries').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).where('day', '=', day).executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function isListedOn(db: Db, paperId: string, day: string): Promise<boolean> {
  return !!(await db.selectFrom('daily_entries').select('id').where('paper_id', '=', paperId).where('day', '=', day).executeTakeFirst());
}

/** A paper's entry on a day's list and who put it there (null: an imported entry), or undefined. */
export async function entryOn(db: Db, paperId: string, day: string): Promise<{ userId: number | null } | undefined> {
  const r = await db.selectFrom('daily_entries').select('user_id').where('paper_id', '=', paperId).where('day', '=', day).executeTakeFirst();
  return r && { userId: r.user_id };
}

/** Puts a paper on a day's list; false when it was there already (two clicks, two members at once). */
export async function addEntry(db: Db, e: { paperId: string; day: string; userId: number; comment: string | null; now: Date }): Promise<boolean> {
  const now = e.now.toISOString();
  const r = await db
    .insertInto('daily_entries')
    .values({ paper_id: e.paperId, day: e.day, user_id: e.userId, comment: e.comment, listed_at: now, submitted_at: now, num_comments: 0, created_at: now, modified_at: now })
    .onConflict((oc) => oc.columns(['paper_id', 'day']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (r) {
    // Put back by hand: imports may list it again too.
    await db.deleteFrom('removed_entries').where('paper_id', '=', e.paperId).where('day', '=', e.day).execute();
    await bumpDataVersion(db);
  }
  return r !== undefined;
}

/** Takes a paper off a day's list and marks it removed, so that no import of that list brings it back. */
export async function removeEntry(db: Db, paperId: string, day: string, now = new Date()): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const r = await trx.deleteFrom('daily_entries').where('paper_id', '=', paperId).where('day', '=', day).executeTakeFirst();
    if (Number(r.numDeletedRows) === 0) return false;
    await markRemoved(trx, paperId, day, now);
    await bumpDataVersion(trx);
    return true;
  });
}

export async function markRemoved(db: Db, paperId: string, day: string, now: Date): Promise<void> {
  await db
    .insertInto('removed_entries')
    .values({ paper_id: paperId, day, removed_at: now.toISOString() })
    .onConflict((oc) => oc.columns(['paper_id', 'day']).doNothing())
    .execute();
}

export async function setFeatured(db: Db, paperId: string, day: string, on: boolean, now: Date): Promise<boolean> {
  const r = await db
    .updateTable('daily_entries')
    .set({ featured_at: on ? now.toISOString() : null })
    .where('paper_id', '=', paperId)
    .where('day', '=', day)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) > 0) await bumpDataVersion(db);
  return Number(r.numUpdatedRows) > 0;
}

/** The latest day a paper is on the list, or null when it is on none. */
export async function latestDayOfPaper(db: Db, paperId: string): Promise<string | null> {
  const row = await db.selectFrom('daily_entries').select('day').where('paper_id', '=', paperId).orderBy('day', 'desc').limit(1).executeTakeFirst();
  return row?.day ?? null;
}
