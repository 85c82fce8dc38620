/**
 * What posting, editing, deleting and upvoting a comment does, once, for the pages (forms, 303 back to
 * the comment) and the JSON API alike: who may, what is checked, what is written and who is mailed.
 * Each action returns an outcome; the callers only turn it into their kind of answer. The member is
 * whoever `viewer` is (a session today, a personal access token as well tomorrow).
 */
import {
  commentsOfPaper, getComment, insertComment, setCommentVote, softDeleteComment, updateComment, votedCommentsOnPaper,
  type CommentRecord, type Mentioned,
} from '../db/queries/comments.ts';
import type { User } from '../db/queries/users.ts';
import {
  commentBodyProblem, normalizeCommentBody, orderThread, withinEditWindow, EDIT_WINDOW_MINUTES, type CommentSort,
} from '../domain/comments.ts';
import { can } from '../domain/permissions.ts';
import { isThreadLocked } from '../db/queries/moderation.ts';
import { mentionMail } from '../email/templates.ts';
import { mentionRecipients, notifyComment } from '../notify/events.ts';
import type { Deps } from './context.ts';
import { renderComment, RENDER_VERSION } from './views/markdown.ts';
import { excerpt } from './views/text.ts';
import { plainLine } from '../domain/tex.ts';

export interface Failure {
  ok: false;
  status: 400 | 401 | 403 | 404 | 409;
  message: string;
}
export type Outcome<T> = ({ ok: true } & T) | Failure;

const fail = (status: Failure['status'], message: string): Failure => ({ ok: false, status, message });

/** Why a locked discussion refuses a comment, a reply or an edit (moderators may still write in it). */
export const LOCKED = 'this discussion is locked by a moderator: no new comments or replies';

/** Largest id an integer column holds on both engines: a bigger one names no comment (and must not reach PostgreSQL). */
const MAX_ID = 2_147_483_647;

/** A comment id from a path or a form: a positive whole number in range, else null. */
export function parseCommentId(raw: unknown): number | null {
  if (typeof raw === 'number') return Number.isInteger(raw) && raw >= 1 && raw <= MAX_ID ? raw : null;
  if (typeof raw !== 'string' || !/^[0-9]{1,10}$/.test(raw)) return null;
  const n = Number(raw);
  return n >= 1 && n <= MAX_ID ? n : null;
}

/** Why this viewer may not write in discussions (post, reply, edit, delete, vote), or null when they may. */
export function participationProblem(viewer: User | null): Failure | null {
  if (!viewer) return fail(401, 'log in to take part in discussions');
  if (viewer.suspended) return fail(403, 'your account is suspended: suspended members cannot take part in discussions');
  if (!viewer.emailVerified) return fail(403, 'please confirm your email address first: members take part in discussions once it is confirmed');
  return null;
}

/** A comment as pages and the API show it to one viewer. Deleted and hidden comments show neither author nor text. */
export interface ShownComment {
  id: number;
  paperId: string;
  parentId: number | null;
  /** Levels below a top-level comment. */
  depth: number;
  author: string | null;
  body: string | null;
  html: string | null;
  createdAt: string;
  editedAt: string | null;
  deleted: boolean;
  hidden: boolean;
  score: number;
  /** The viewer wrote it / may still edit it / has upvoted it. */
  mine: boolean;
  editable: boolean;
  upvoted: boolean;
}

/** Stored HTML, or the source rendered again when an older renderer made it. */
const htmlOf = (c: CommentRecord): string => (c.renderVersion === RENDER_VERSION ? c.bodyHtml : renderComment(c.body).html);

export function showComment(c: CommentRecord, depth: number, viewer: User | null, now: Date, voted: ReadonlySet<number> = new Set()): ShownComment {
  const gone = c.deletedAt !== null || c.hiddenAt !== null;
  const mine = viewer?.id === c.userId;
  return {
    id: c.id, paperId: c.paperId, parentId: c.parentId, depth,
    author: gone ? null : c.username,
    body: gone ? null : c.body,
    html: gone ? null : htmlOf(c),
    createdAt: c.createdAt, editedAt: c.editedAt, deleted: c.deletedAt !== null, hidden: c.hiddenAt !== null, score: c.upvotes,
    mine: !gone && mine,
    editable: !gone && mine && withinEditWindow(c.createdAt, now),
    upvoted: voted.has(c.id),
  };
}

/** A paper's thread in reading order for this viewer. */
export async function loadThread(deps: Deps, paperId: string, viewer: User | null, sort: CommentSort): Promise<ShownComment[]> {
  const { db } = deps.database;
  const records = await commentsOfPaper(db, paperId);
  const voted = viewer && records.length > 0 ? await votedCommentsOnPaper(db, viewer.id, paperId) : new Set<number>();
  const now = deps.now();
  return orderThread(records, sort).map(({ item, depth }) => showComment(item, depth, viewer, now, voted));
}

/** Validates and renders a comment's text. */
function prepare(text: string): Outcome<{ body: string; bodyHtml: string; renderVersion: number; mentions: string[] }> {
  const problem = commentBodyProblem(text);
  if (problem) return fail(400, problem);
  const body = normalizeCommentBody(text);
  const { html, mentions } = renderComment(body);
  return { ok: true, body, bodyHtml: html, renderVersion: RENDER_VERSION, mentions };
}

/**
 * Enqueues a mail to each member to notify (already capped per comment and per recipient, see
 * recordMentions); the deliver-outbox job sends them, so a comment never waits on the relay. Once
 * per comment and member (the dedupe key), whatever its edits.
 */
async function mailMentions(deps: Deps, author: User, comment: CommentRecord, paperTitle: string, notify: Mentioned[]): Promise<void> {
  const link = `${deps.site.publicUrl}/papers/${comment.paperId}#comment-${comment.id}`;
  const title = plainLine(paperTitle);
  // Members who turned mention mail off are notified in their inbox only (src/notify/events.ts).
  for (const m of await mentionRecipients(deps.database, notify)) {
    const mail = mentionMail(deps.site, m.email, { username: m.username, by: author.username, paperTitle: title, excerpt: excerpt(comment.body, 500), link });
    await deps.mailer.enqueue({ ...mail, kind: 'mention', dedupeKey: `mention.${comment.id}.${m.id}` });
  }
}

export async function createComment(deps: Deps, viewer: User | null, paperId: string, text: string, parentId: number | null): Promise<Outcome<{ comment: ShownComment }>> {
  const denied = participationProblem(viewer);
  if (denied) return denied;
  const prepared = prepare(text);
  if (!prepared.ok) return prepared;
  const r = await insertComment(deps.database.db, { ...prepared, paperId, userId: viewer!.id, parentId, now: deps.now(), overrideLock: can(viewer, 'moderator') });
  if (!r.ok) {
    if (r.problem === 'no-paper') return fail(404, `paper ${paperId} not found`);
    if (r.problem === 'locked') return fail(409, LOCKED);
    if (r.problem === 'no-parent') return fail(404, `comment ${parentId} not found on paper ${paperId}`);
    return fail(409, 'that comment is deleted: it cannot be replied to');
  }
  await mailMentions(deps, viewer!, r.comment, r.paperTitle, r.notify);
  await notifyComment(deps, r.comment, plainLine(r.paperTitle), r.notify, true);
  return { ok: true, comment: showComment(r.comment, 0, viewer, deps.now()) };
}

/** A comment that this viewer wrote and that is not deleted; else why not. */
async function ownComment(deps: Deps, viewer: User | null, id: number, verb: string): Promise<Outcome<{ record: CommentRecord }>> {
  const denied = participationProblem(viewer);
  if (denied) return denied;
  const record = await getComment(deps.database.db, id);
  if (!record) return fail(404, `comment ${id} not found`);
  if (record.userId !== viewer!.id) return fail(403, `only its author can ${verb} a comment`);
  if (record.hiddenAt !== null) return fail(409, 'this comment was removed by a moderator');
  return { ok: true, record };
}

export async function editComment(deps: Deps, viewer: User | null, id: number, text: string): Promise<Outcome<{ comment: ShownComment }>> {
  const own = await ownComment(deps, viewer, id, 'edit');
  if (!own.ok) return own;
  if (own.record.deletedAt !== null) return fail(409, 'this comment is deleted');
  if (!withinEditWindow(own.record.createdAt, deps.now())) return fail(409, `comments can be edited for ${EDIT_WINDOW_MINUTES} minutes after posting; this one can no longer be`);
  if (!can(viewer, 'moderator') && (await isThreadLocked(deps.database.db, own.record.paperId))) return fail(409, LOCKED);
  const prepared = prepare(text);
  if (!prepared.ok) return prepared;
  const r = await updateComment(deps.database.db, { ...prepared, id, now: deps.now() });
  if (!r) return fail(409, 'this comment is deleted');
  await mailMentions(deps, viewer!, r.comment, r.paperTitle, r.notify);
  await notifyComment(deps, r.comment, plainLine(r.paperTitle), r.notify, false);
  return { ok: true, comment: showComment(r.comment, 0, viewer, deps.now()) };
}

/** Soft delete by its author; deleting a deleted comment again is not an error. */
export async function deleteComment(deps: Deps, viewer: User | null, id: number): Promise<Outcome<{ comment: ShownComment }>> {
  const own = await ownComment(deps, viewer, id, 'delete');
  if (!own.ok) return own;
  const record = await softDeleteComment(deps.database.db, id, deps.now());
  if (!record) return fail(404, `comment ${id} not found`);
  return { ok: true, comment: showComment(record, 0, viewer, deps.now()) };
}

export async function voteOnComment(deps: Deps, viewer: User | null, id: number, on: boolean): Promise<Outcome<{ paperId: string; upvoted: boolean; score: number }>> {
  const denied = participationProblem(viewer);
  if (denied) return denied;
  const record = await getComment(deps.database.db, id);
  if (!record) return fail(404, `comment ${id} not found`);
  if (record.userId === viewer!.id) return fail(403, 'you cannot upvote your own comment');
  const r = await setCommentVote(deps.database.db, viewer!.id, id, on, deps.now());
  if (!r.ok) return r.problem === 'no-comment' ? fail(404, `comment ${id} not found`) : fail(409, 'this comment is deleted: it cannot be voted on');
  return { ok: true, paperId: record.paperId, upvoted: r.upvoted, score: r.score };
}
