/**
 * Comments on papers, their upvotes and mentions. Every write changes the comment, the counters it
 * affects (papers.comments_count, comments.upvotes) and the data version in one transaction, and a
 * counter only moves when a row really changed, so counts stay exact under concurrency.
 */
import type { Kysely } from 'kysely';
import { MAX_MENTIONS_PER_COMMENT, MENTION_MAIL_PERIOD_HOURS, MENTION_MAILS_PER_RECIPIENT } from '../../domain/comments.ts';
import { DELETED_ACCOUNT } from '../../domain/accounts.ts';
import type { DB } from '../schema.ts';
import { bumpDataVersion } from './papers.ts';

type Db = Kysely<DB>;

export interface CommentRecord {
  id: number;
  paperId: string;
  parentId: number | null;
  userId: number;
  username: string;
  /** Markdown source. Deleted and hidden comments keep it here for moderators: views never show it. */
  body: string;
  bodyHtml: string;
  renderVersion: number;
  upvotes: number;
  createdAt: string;
  editedAt: string | null;
  deletedAt: string | null;
  hiddenAt: string | null;
}

/** A member a comment mentioned, to be mailed. */
export interface Mentioned {
  id: number;
  username: string;
  email: string;
}

/** What a write needs to render and store. */
export interface CommentText {
  body: string;
  bodyHtml: string;
  renderVersion: number;
  /** Usernames mentioned in the text (lowercase). */
  mentions: string[];
}

function commentQuery(db: Db) {
  return db
    .selectFrom('comments as c')
    .innerJoin('users as u', 'u.id', 'c.user_id')
    .select([
      'c.id', 'c.paper_id', 'c.parent_id', 'c.user_id', 'u.username', 'c.body', 'c.body_html', 'c.render_version', 'c.upvotes',
      'c.created_at', 'c.edited_at', 'c.deleted_at', 'c.hidden_at', 'u.deleted_at as author_deleted_at',
    ]);
}

type Row = Awaited<ReturnType<ReturnType<typeof commentQuery>['execute']>>[number];

const toComment = (r: Row): CommentRecord => ({
  // A deleted account's comments stay; its (anonymized) name is never shown.
  id: r.id, paperId: r.paper_id, parentId: r.parent_id, userId: r.user_id, username: r.author_deleted_at === null ? r.username : DELETED_ACCOUNT, body: r.body,
  bodyHtml: r.body_html, renderVersion: r.render_version, upvotes: r.upvotes, createdAt: r.created_at,
  editedAt: r.edited_at, deletedAt: r.deleted_at, hiddenAt: r.hidden_at,
});

/** Every comment on a paper (deleted ones too: their replies hang from them), oldest first. */
export async function commentsOfPaper(db: Db, paperId: string): Promise<CommentRecord[]> {
  return (await commentQuery(db).where('c.paper_id', '=', paperId).orderBy('c.created_at').orderBy('c.id').execute()).map(toComment);
}

export async function getComment(db: Db, id: number): Promise<CommentRecord | undefined> {
  const r = await commentQuery(db).where('c.id', '=', id).executeTakeFirst();
  return r && toComment(r);
}

/** The comments on a paper that a member has upvoted. */
export async function votedCommentsOnPaper(db: Db, userId: number, paperId: string): Promise<Set<number>> {
  const rows = await db
    .selectFrom('comment_votes as v')
    .innerJoin('comments as c', 'c.id', 'v.comment_id')
    .select('v.comment_id')
    .where('v.user_id', '=', userId)
    .where('c.paper_id', '=', paperId)
    .execute();
  return new Set(rows.map((r) => r.comment_id));
}

/**
 * Records the mentions of a comment that are new (members who exist, have a confirmed address, are
 * not suspended and are not the author), at most MAX_MENTIONS_PER_COMMENT per comment over all its
 * edits, and returns the members to mail: those who have had fewer than MENTION_MAILS_PER_RECIPIENT
 * mention mails in the last MENTION_MAIL_PERIOD_HOURS (their rows get `mailed_at`).
 */
async function recordMentions(db: Db, commentId: number, authorId: number, usernames: string[], now: Date): Promise<Mentioned[]> {
  if (usernames.length === 0) return [];
  const known = await db.selectFrom('comment_mentions').select('user_id').where('comment_id', '=', commentId).execute();
  const room = MAX_MENTIONS_PER_COMMENT - known.length;
  if (room <= 0) return [];
  const users = await db
    .selectFrom('users')
    .select(['id', 'username', 'email'])
    .where('username', 'in', usernames.slice(0, 100))
    .where('deleted_at', 'is', null)
    .where('suspended_at', 'is', null)
    .where('email_verified_at', 'is not', null)
    .where('id', '!=', authorId)
    .execute();
  const already = new Set(known.map((k) => k.user_id));
  const byName = new Map(users.map((u) => [u.username, u]));
  const wanted = usernames.flatMap((n) => {
    const u = byName.get(n);
    return u && !already.has(u.id) ? [u] : [];
  }).slice(0, room);
  if (wanted.length === 0) return [];
  const inserted = await db
    .insertInto('comment_mentions')
    .values(wanted.map((u) => ({ comment_id: commentId, user_id: u.id, created_at: now.toISOString() })))
    .onConflict((oc) => oc.columns(['comment_id', 'user_id']).doNothing())
    .returning('user_id')
    .execute();
  const ids = new Set(inserted.map((r) => r.user_id));
  if (ids.size === 0) return [];
  const since = new Date(now.getTime() - MENTION_MAIL_PERIOD_HOURS * 3_600_000).toISOString();
  const mailedLately = await db
    .selectFrom('comment_mentions')
    .select(['user_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('user_id', 'in', [...ids])
    .where('mailed_at', '>', since)
    .groupBy('user_id')
    .execute();
  const counts = new Map(mailedLately.map((r) => [r.user_id, Number(r.n)]));
  const mail = wanted.filter((u) => ids.has(u.id) && (counts.get(u.id) ?? 0) < MENTION_MAILS_PER_RECIPIENT);
  if (mail.length > 0) {
    await db.updateTable('comment_mentions').set({ mailed_at: now.toISOString() }).where('comment_id', '=', commentId).where('user_id', 'in', mail.map((u) => u.id)).execute();
  }
  return mail;
}

export type InsertCommentResult =
  | { ok: true; comment: CommentRecord; paperTitle: string; notify: Mentioned[] }
  | { ok: false; problem: 'no-paper' | 'no-parent' | 'parent-deleted' | 'locked' };

/**
 * Adds a comment (or a reply, with `parentId`: a comment on the same paper that is not deleted). A
 * locked discussion takes none, unless `overrideLock` (moderators explain a lock in the thread).
 */
export async function insertComment(
  db: Db,
  c: CommentText & { paperId: string; userId: number; parentId: number | null; now: Date; overrideLock?: boolean },
): Promise<InsertCommentResult> {
  return db.transaction().execute(async (trx) => {
    const paper = await trx.selectFrom('papers').select(['id', 'title', 'comments_locked_at']).where('id', '=', c.paperId).executeTakeFirst();
    if (!paper) return { ok: false, problem: 'no-paper' };
    if (paper.comments_locked_at !== null && !c.overrideLock) return { ok: false, problem: 'locked' };
    if (c.parentId !== null) {
      const parent = await trx.selectFrom('comments').select(['paper_id', 'deleted_at', 'hidden_at']).where('id', '=', c.parentId).executeTakeFirst();
      if (!parent || parent.paper_id !== c.paperId) return { ok: false, problem: 'no-parent' };
      if (parent.deleted_at !== null || parent.hidden_at !== null) return { ok: false, problem: 'parent-deleted' };
    }
    const row = await trx
      .insertInto('comments')
      .values({
        paper_id: c.paperId, user_id: c.userId, parent_id: c.parentId, body: c.body, body_html: c.bodyHtml,
        render_version: c.renderVersion, created_at: c.now.toISOString(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx.updateTable('papers').set((eb) => ({ comments_count: eb('comments_count', '+', 1) })).where('id', '=', c.paperId).execute();
    const notify = await recordMentions(trx, row.id, c.userId, c.mentions, c.now);
    await bumpDataVersion(trx);
    return { ok: true, comment: (await getComment(trx, row.id))!, paperTitle: paper.title, notify };
  });
}

/**
 * Replaces the text of a comment that is not deleted (the caller checked the author and the edit
 * window); undefined when it is gone or deleted meanwhile.
 */
export async function updateComment(
  db: Db,
  c: CommentText & { id: number; now: Date },
): Promise<{ comment: CommentRecord; paperTitle: string; notify: Mentioned[] } | undefined> {
  return db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('comments')
      .set({ body: c.body, body_html: c.bodyHtml, render_version: c.renderVersion, edited_at: c.now.toISOString() })
      .where('id', '=', c.id)
      .where('deleted_at', 'is', null)
      .returning(['user_id', 'paper_id'])
      .executeTakeFirst();
    if (!updated) return undefined;
    const notify = await recordMentions(trx, c.id, updated.user_id, c.mentions, c.now);
    await bumpDataVersion(trx);
    const paper = await trx.selectFrom('papers').select('title').where('id', '=', updated.paper_id).executeTakeFirstOrThrow();
    return { comment: (await getComment(trx, c.id))!, paperTitle: paper.title, notify };
  });
}

/**
 * Soft-deletes a comment: it stays (its replies hang from it) but shows as deleted, and leaves the
 * paper's count (unless a moderator's hiding took it out already). Deleting it again changes nothing.
 * Returns the comment, or undefined when there is none.
 */
export async function softDeleteComment(db: Db, id: number, now: Date): Promise<CommentRecord | undefined> {
  return db.transaction().execute(async (trx) => {
    const deleted = await trx
      .updateTable('comments')
      .set({ deleted_at: now.toISOString() })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .returning(['paper_id', 'hidden_at'])
      .executeTakeFirst();
    if (deleted) {
      if (deleted.hidden_at === null) await trx.updateTable('papers').set((eb) => ({ comments_count: eb('comments_count', '-', 1) })).where('id', '=', deleted.paper_id).execute();
      await bumpDataVersion(trx);
    }
    return getComment(trx, id);
  });
}

export type CommentVoteResult = { ok: true; upvoted: boolean; score: number } | { ok: false; problem: 'no-comment' | 'deleted' };

/**
 * Sets a member's upvote on a comment to `on` (set, not toggle: a double click is one vote). The vote
 * row and the counter change in one transaction, the counter only when a row was inserted or deleted.
 */
export async function setCommentVote(db: Db, userId: number, commentId: number, on: boolean, now: Date): Promise<CommentVoteResult> {
  return db.transaction().execute(async (trx) => {
    const comment = await trx.selectFrom('comments').select(['deleted_at', 'hidden_at']).where('id', '=', commentId).executeTakeFirst();
    if (!comment) return { ok: false, problem: 'no-comment' };
    if (comment.deleted_at !== null || comment.hidden_at !== null) return { ok: false, problem: 'deleted' };
    const changed = on
      ? await trx
          .insertInto('comment_votes')
          .values({ user_id: userId, comment_id: commentId, created_at: now.toISOString() })
          .onConflict((oc) => oc.columns(['user_id', 'comment_id']).doNothing())
          .returning('comment_id')
          .executeTakeFirst()
      : await trx.deleteFrom('comment_votes').where('user_id', '=', userId).where('comment_id', '=', commentId).returning('comment_id').executeTakeFirst();
    if (changed) {
      await trx.updateTable('comments').set((eb) => ({ upvotes: eb('upvotes', '+', on ? 1 : -1) })).where('id', '=', commentId).execute();
      await bumpDataVersion(trx, 'votes');
    }
    const r = await trx.selectFrom('comments').select('upvotes').where('id', '=', commentId).executeTakeFirstOrThrow();
    return { ok: true, upvoted: on, score: r.upvotes };
  });
}
