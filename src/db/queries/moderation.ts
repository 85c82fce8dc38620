/**
 * Flags, moderator actions and the moderation log. Every action changes its target, resolves the
 * flags it answers, writes its log row and (when anonymous pages change) bumps the data version in
 * one transaction; an action that changes nothing (hiding a hidden comment) writes nothing.
 */
import type { Kysely, Transaction } from 'kysely';
import type { FlagTarget, ModerationAction } from '../../domain/moderation.ts';
import type { DB, ModerationLogTable } from '../schema.ts';
import type { Page, PageRequest } from './lists.ts';
import { markRemoved } from './submissions.ts';
import { bumpDataVersion } from './papers.ts';

type Db = Kysely<DB>;

/** The log row of an action, written by the action's own transaction. */
export async function logAction(
  trx: Transaction<DB> | Db,
  e: { moderatorId: number; action: ModerationAction; targetType: ModerationLogTable['target_type']; targetId: string | number; paperId?: string | null; day?: string | null; userId?: number | null; reason: string; now: Date },
): Promise<void> {
  await trx
    .insertInto('moderation_log')
    .values({
      moderator_id: e.moderatorId, action: e.action, target_type: e.targetType, target_id: String(e.targetId),
      paper_id: e.paperId ?? null, day: e.day ?? null, user_id: e.userId ?? null, reason: e.reason.trim() || null,
      created_at: e.now.toISOString(),
    })
    .execute();
}

/** Closes the open flags on a comment or an entry, as acted upon. */
async function resolveFlags(trx: Transaction<DB>, where: { commentId: number } | { entryId: number }, moderatorId: number, now: Date): Promise<void> {
  let q = trx.updateTable('flags').set({ resolved_at: now.toISOString(), resolved_by: moderatorId, resolution: 'actioned' }).where('resolved_at', 'is', null);
  q = 'commentId' in where ? q.where('comment_id', '=', where.commentId) : q.where('entry_id', '=', where.entryId);
  await q.execute();
}

// ---- flags

export type FlagResult = { ok: true; id: number; paperId: string } | { ok: false; problem: 'not-found' | 'gone' | 'own' | 'duplicate' };

interface FlagInput {
  userId: number;
  reason: string;
  details: string;
  now: Date;
}

async function insertFlag(trx: Transaction<DB>, f: FlagInput & { targetType: FlagTarget; commentId: number | null; entryId: number | null; paperId: string; day: string | null }): Promise<FlagResult> {
  // One open flag per member per item: the partial unique indexes turn a second one into nothing.
  const row = await trx
    .insertInto('flags')
    .values({
      user_id: f.userId, target_type: f.targetType, comment_id: f.commentId, entry_id: f.entryId, paper_id: f.paperId, day: f.day,
      reason: f.reason, details: f.details.trim() || null, created_at: f.now.toISOString(),
    })
    .onConflict((oc) => oc.doNothing())
    .returning('id')
    .executeTakeFirst();
  return row ? { ok: true, id: row.id, paperId: f.paperId } : { ok: false, problem: 'duplicate' };
}

/** A member flags a comment that is not theirs and is still shown. */
export async function flagComment(db: Db, f: FlagInput & { commentId: number }): Promise<FlagResult> {
  return db.transaction().execute(async (trx) => {
    const c = await trx.selectFrom('comments').select(['paper_id', 'user_id', 'deleted_at', 'hidden_at']).where('id', '=', f.commentId).executeTakeFirst();
    if (!c) return { ok: false, problem: 'not-found' };
    if (c.deleted_at !== null || c.hidden_at !== null) return { ok: false, problem: 'gone' };
    if (c.user_id === f.userId) return { ok: false, problem: 'own' };
    return insertFlag(trx, { ...f, targetType: 'comment', commentId: f.commentId, entryId: null, paperId: c.paper_id, day: null });
  });
}

/** A member flags a paper's entry on a day's list that they did not submit themselves. */
export async function flagSubmission(db: Db, f: FlagInput & { paperId: string; day: string }): Promise<FlagResult> {
  return db.transaction().execute(async (trx) => {
    const e = await trx.selectFrom('daily_entries').select(['id', 'user_id']).where('paper_id', '=', f.paperId).where('day', '=', f.day).executeTakeFirst();
    if (!e) return { ok: false, problem: 'not-found' };
    if (e.user_id === f.userId) return { ok: false, problem: 'own' };
    return insertFlag(trx, { ...f, targetType: 'submission', commentId: null, entryId: e.id, paperId: f.paperId, day: f.day });
  });
}

/** An open flag with what the queue shows of its item. */
export interface OpenFlag {
  id: number;
  targetType: FlagTarget;
  commentId: number | null;
  /** Null when the entry was taken off the list meanwhile. */
  entryId: number | null;
  paperId: string;
  paperTitle: string;
  day: string | null;
  reason: string;
  details: string | null;
  createdAt: string;
  flagger: string;
  /** For a comment: its author and text (moderators see the text of a removed comment too). */
  comment: { author: string; body: string; deleted: boolean; hidden: boolean } | null;
  /** For a submission: who put it on the list (a member, or the imported submitter), and their note. */
  submission: { submitter: string | null; comment: string | null } | null;
}

/** Open flags, oldest first. */
export async function openFlags(db: Db, limit: number): Promise<OpenFlag[]> {
  const rows = await db
    .selectFrom('flags as f')
    .innerJoin('users as fu', 'fu.id', 'f.user_id')
    .innerJoin('papers as p', 'p.id', 'f.paper_id')
    .leftJoin('comments as c', 'c.id', 'f.comment_id')
    .leftJoin('users as cu', 'cu.id', 'c.user_id')
    .leftJoin('daily_entries as e', 'e.id', 'f.entry_id')
    .leftJoin('users as eu', 'eu.id', 'e.user_id')
    .leftJoin('submitters as s', 's.id', 'e.submitter_id')
    .select([
      'f.id', 'f.target_type', 'f.comment_id', 'f.entry_id', 'f.paper_id', 'p.title', 'f.day', 'f.reason', 'f.details', 'f.created_at',
      'fu.username as flagger', 'cu.username as c_author', 'c.body as c_body', 'c.deleted_at as c_deleted', 'c.hidden_at as c_hidden',
      'eu.username as e_member', 's.username as e_submitter', 'e.comment as e_comment',
    ])
    .where('f.resolved_at', 'is', null)
    .orderBy('f.created_at')
    .orderBy('f.id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: r.id, targetType: r.target_type, commentId: r.comment_id, entryId: r.entry_id, paperId: r.paper_id, paperTitle: r.title,
    day: r.day, reason: r.reason, details: r.details, createdAt: r.created_at, flagger: r.flagger,
    comment: r.c_author !== null && r.c_body !== null ? { author: r.c_author, body: r.c_body, deleted: r.c_deleted !== null, hidden: r.c_hidden !== null } : null,
    submission: r.target_type === 'submission' ? { submitter: r.e_member ?? r.e_submitter ?? null, comment: r.e_comment ?? null } : null,
  }));
}

export async function countOpenFlags(db: Db): Promise<number> {
  const r = await db.selectFrom('flags').select((eb) => eb.fn.countAll<number>().as('n')).where('resolved_at', 'is', null).executeTakeFirstOrThrow();
  return Number(r.n);
}

// ---- moderator actions

export type ActionResult<T = object> = ({ ok: true } & T) | { ok: false; problem: 'not-found' | 'unchanged' | 'forbidden' };

interface ActionInput {
  moderatorId: number;
  reason: string;
  now: Date;
}

/** The member whose comment or entry an action touches (null: nobody's, an imported entry). */
export type Owner = { id: number; role: string } | null;

/**
 * Whether the actor may act on what this owner wrote (src/domain/permissions.ts `mayActOn`), asked
 * inside the action's transaction, once the owner is read.
 */
export type OwnerCheck = (owner: Owner) => boolean;

async function ownerOf(trx: Transaction<DB>, userId: number | null): Promise<Owner> {
  if (userId === null) return null;
  return (await trx.selectFrom('users').select(['id', 'role']).where('id', '=', userId).executeTakeFirst()) ?? null;
}

/**
 * Hides or restores a comment. A hidden comment leaves papers.comments_count as a deleted one does
 * (the count is what readers can read), and comes back into it when restored unless its author
 * deleted it meanwhile. Hiding answers the comment's open flags.
 */
export async function setCommentHidden(db: Db, a: ActionInput & { commentId: number; hidden: boolean; mayAct: OwnerCheck }): Promise<ActionResult<{ paperId: string }>> {
  return db.transaction().execute(async (trx) => {
    const comment = await trx.selectFrom('comments').select(['user_id', 'hidden_at']).where('id', '=', a.commentId).executeTakeFirst();
    if (!comment) return { ok: false, problem: 'not-found' };
    if (!a.mayAct(await ownerOf(trx, comment.user_id))) return { ok: false, problem: 'forbidden' };
    const changed = await trx
      .updateTable('comments')
      .set({ hidden_at: a.hidden ? a.now.toISOString() : null })
      .where('id', '=', a.commentId)
      .where('hidden_at', a.hidden ? 'is' : 'is not', null)
      .returning(['paper_id', 'user_id', 'deleted_at'])
      .executeTakeFirst();
    if (!changed) return { ok: false, problem: 'unchanged' };
    if (changed.deleted_at === null) {
      await trx.updateTable('papers').set((eb) => ({ comments_count: eb('comments_count', a.hidden ? '-' : '+', 1) })).where('id', '=', changed.paper_id).execute();
    }
    if (a.hidden) await resolveFlags(trx, { commentId: a.commentId }, a.moderatorId, a.now);
    await logAction(trx, {
      ...a, action: a.hidden ? 'hide-comment' : 'restore-comment', targetType: 'comment', targetId: a.commentId, paperId: changed.paper_id, userId: changed.user_id,
    });
    await bumpDataVersion(trx);
    return { ok: true, paperId: changed.paper_id };
  });
}

/** Locks or unlocks a paper's discussion. */
export async function setThreadLocked(db: Db, a: ActionInput & { paperId: string; locked: boolean }): Promise<ActionResult> {
  return db.transaction().execute(async (trx) => {
    const changed = await trx
      .updateTable('papers')
      .set({ comments_locked_at: a.locked ? a.now.toISOString() : null })
      .where('id', '=', a.paperId)
      .where('comments_locked_at', a.locked ? 'is' : 'is not', null)
      .returning('id')
      .executeTakeFirst();
    if (!changed) {
      const exists = await trx.selectFrom('papers').select('id').where('id', '=', a.paperId).executeTakeFirst();
      return { ok: false, problem: exists ? 'unchanged' : 'not-found' };
    }
    await logAction(trx, { ...a, action: a.locked ? 'lock-thread' : 'unlock-thread', targetType: 'paper', targetId: a.paperId, paperId: a.paperId });
    await bumpDataVersion(trx);
    return { ok: true };
  });
}

/** Whether a paper's discussion is locked (false for an unknown paper). */
export async function isThreadLocked(db: Db, paperId: string): Promise<boolean> {
  const r = await db.selectFrom('papers').select('comments_locked_at').where('id', '=', paperId).executeTakeFirst();
  return r?.comments_locked_at != null;
}

/**
 * Takes a paper off a day's list, answering the entry's open flags: a moderator's action, or an
 * editor's on someone else's entry (both logged with their reason).
 */
export async function removeSubmission(db: Db, a: ActionInput & { paperId: string; day: string; mayAct: OwnerCheck }): Promise<ActionResult> {
  return db.transaction().execute(async (trx) => {
    const entry = await trx.selectFrom('daily_entries').select(['id', 'user_id']).where('paper_id', '=', a.paperId).where('day', '=', a.day).executeTakeFirst();
    if (!entry) return { ok: false, problem: 'not-found' };
    if (!a.mayAct(await ownerOf(trx, entry.user_id))) return { ok: false, problem: 'forbidden' };
    await resolveFlags(trx, { entryId: entry.id }, a.moderatorId, a.now);
    await trx.deleteFrom('daily_entries').where('id', '=', entry.id).execute();
    await markRemoved(trx, a.paperId, a.day, a.now);
    await logAction(trx, { ...a, action: 'remove-submission', targetType: 'submission', targetId: `${a.paperId} ${a.day}`, paperId: a.paperId, day: a.day, userId: entry.user_id });
    await bumpDataVersion(trx);
    return { ok: true };
  });
}

/**
 * Suspends or unsuspends a member (the caller checked who may). Nothing anonymous readers see
 * changes, so the data version stays.
 */
export async function setSuspended(db: Db, a: ActionInput & { userId: number; username: string; suspended: boolean }): Promise<ActionResult> {
  return db.transaction().execute(async (trx) => {
    const changed = await trx
      .updateTable('users')
      .set({ suspended_at: a.suspended ? a.now.toISOString() : null })
      .where('id', '=', a.userId)
      .where('deleted_at', 'is', null)
      .where('suspended_at', a.suspended ? 'is' : 'is not', null)
      .returning('id')
      .executeTakeFirst();
    if (!changed) return { ok: false, problem: 'unchanged' };
    await logAction(trx, { ...a, action: a.suspended ? 'suspend-user' : 'unsuspend-user', targetType: 'user', targetId: a.username, userId: a.userId });
    return { ok: true };
  });
}

/**
 * Who last did `action` (with their role now): on a member (`suspend-user`, by user id) or on a comment
 * (`hide-comment`, by its id); null when the log has no such row.
 */
export async function lastDoneBy(db: Db, action: 'suspend-user' | 'hide-comment', target: { userId: number } | { commentId: number }): Promise<{ id: number; role: string } | null> {
  let q = db
    .selectFrom('moderation_log as l')
    .innerJoin('users as u', 'u.id', 'l.moderator_id')
    .select(['u.id', 'u.role'])
    .where('l.action', '=', action);
  q = 'userId' in target ? q.where('l.user_id', '=', target.userId) : q.where('l.target_type', '=', 'comment').where('l.target_id', '=', String(target.commentId));
  return (await q.orderBy('l.id', 'desc').limit(1).executeTakeFirst()) ?? null;
}

/** Closes one open flag without acting on its item. */
export async function dismissFlag(db: Db, a: ActionInput & { flagId: number }): Promise<ActionResult> {
  return db.transaction().execute(async (trx) => {
    const flag = await trx
      .updateTable('flags')
      .set({ resolved_at: a.now.toISOString(), resolved_by: a.moderatorId, resolution: 'dismissed' })
      .where('id', '=', a.flagId)
      .where('resolved_at', 'is', null)
      .returning(['paper_id', 'day', 'user_id'])
      .executeTakeFirst();
    if (!flag) {
      const exists = await trx.selectFrom('flags').select('id').where('id', '=', a.flagId).executeTakeFirst();
      return { ok: false, problem: exists ? 'unchanged' : 'not-found' };
    }
    await logAction(trx, { ...a, action: 'dismiss-flag', targetType: 'flag', targetId: a.flagId, paperId: flag.paper_id, day: flag.day, userId: flag.user_id });
    return { ok: true };
  });
}

/** Suspended members, for the queue page. */
export async function suspendedMembers(db: Db): Promise<{ username: string; suspendedAt: string }[]> {
  const rows = await db
    .selectFrom('users')
    .select(['username', 'suspended_at'])
    .where('suspended_at', 'is not', null)
    .where('deleted_at', 'is', null)
    .orderBy('suspended_at', 'desc')
    .execute();
  return rows.map((r) => ({ username: r.username, suspendedAt: r.suspended_at! }));
}

// ---- the log

export interface LogEntry {
  id: number;
  moderator: string;
  action: ModerationAction;
  targetType: ModerationLogTable['target_type'];
  targetId: string;
  paperId: string | null;
  day: string | null;
  /** The member concerned, when there is one (and the account still exists). */
  member: string | null;
  reason: string | null;
  createdAt: string;
}

/** The moderation log, newest first, one page of it. */
export async function moderationLog(db: Db, page: PageRequest): Promise<Page<LogEntry>> {
  const rows = await db
    .selectFrom('moderation_log as l')
    .innerJoin('users as m', 'm.id', 'l.moderator_id')
    .leftJoin('users as u', 'u.id', 'l.user_id')
    .select(['l.id', 'm.username as moderator', 'l.action', 'l.target_type', 'l.target_id', 'l.paper_id', 'l.day', 'u.username as member', 'l.reason', 'l.created_at'])
    .orderBy('l.created_at', 'desc')
    .orderBy('l.id', 'desc')
    .limit(page.limit)
    .offset(page.offset)
    .execute();
  const n = await db.selectFrom('moderation_log').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return {
    items: rows.map((r) => ({
      id: r.id, moderator: r.moderator, action: r.action as ModerationAction, targetType: r.target_type, targetId: r.target_id,
      paperId: r.paper_id, day: r.day, member: r.member, reason: r.reason, createdAt: r.created_at,
    })),
    total: Number(n.n),
  };
}
