/** Members' public profiles: who they are, the papers they put on the lists and their comments. */
import type { Kysely } from 'kysely';
import { bumpDataVersion } from './papers.ts';
import type { DB, Role } from '../schema.ts';

type Db = Kysely<DB>;

export interface Profile {
  id: number;
  username: string;
  displayName: string | null;
  bio: string | null;
  role: Role;
  suspended: boolean;
  createdAt: string;
}

/** A member by username (not a deleted account), or undefined. */
export async function findProfile(db: Db, username: string): Promise<Profile | undefined> {
  const r = await db
    .selectFrom('users')
    .select(['id', 'username', 'display_name', 'bio', 'role', 'suspended_at', 'created_at'])
    .where('username', '=', username)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return r && { id: r.id, username: r.username, displayName: r.display_name, bio: r.bio, role: r.role, suspended: r.suspended_at !== null, createdAt: r.created_at };
}

export interface ProfileSubmission {
  paperId: string;
  title: string;
  day: string;
  comment: string | null;
}

/** The entries a member put on the daily lists (those still there), newest day first. */
export async function submissionsOf(db: Db, userId: number, limit: number): Promise<ProfileSubmission[]> {
  const rows = await db
    .selectFrom('daily_entries as e')
    .innerJoin('papers as p', 'p.id', 'e.paper_id')
    .select(['e.paper_id', 'p.title', 'e.day', 'e.comment'])
    .where('e.user_id', '=', userId)
    .orderBy('e.day', 'desc')
    .orderBy('e.id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ paperId: r.paper_id, title: r.title, day: r.day, comment: r.comment }));
}

export interface ProfileComment {
  id: number;
  paperId: string;
  paperTitle: string;
  /** The sanitized HTML stored with the comment (profiles show its text, shortened). */
  bodyHtml: string;
  createdAt: string;
}

/** A member's comments that readers can read (not deleted, not hidden), newest first. */
export async function commentsOf(db: Db, userId: number, limit: number): Promise<ProfileComment[]> {
  const rows = await db
    .selectFrom('comments as c')
    .innerJoin('papers as p', 'p.id', 'c.paper_id')
    .select(['c.id', 'c.paper_id', 'p.title', 'c.body_html', 'c.created_at'])
    .where('c.user_id', '=', userId)
    .where('c.deleted_at', 'is', null)
    .where('c.hidden_at', 'is', null)
    .orderBy('c.created_at', 'desc')
    .orderBy('c.id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ id: r.id, paperId: r.paper_id, paperTitle: r.title, bodyHtml: r.body_html, createdAt: r.created_at }));
}

/** A member's display name and bio, as set in settings (src/domain/profile.ts checked them). */
export async function updateProfileFields(db: Db, userId: number, fields: { displayName: string | null; bio: string | null }): Promise<void> {
  // Anonymous profile pages are cached: the change drops them (and names shown elsewhere).
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('users').set({ display_name: fields.displayName, bio: fields.bio }).where('id', '=', userId).execute();
    await bumpDataVersion(trx);
  });
}
