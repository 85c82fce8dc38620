/**
 * Moderator actions, each a POST form with a reason that answers 303 (see moderatorAction): hide and
 * restore a comment, lock and unlock a discussion, take a submission off a day's list, suspend and
 * unsuspend a member, dismiss a flag. Each change and its log row are one transaction (src/db/queries/moderation.ts).
 * Each action is a ModeratorStep: the form (moderatorAction) and the JSON API (api/community.ts) run the same one.
 */
import { findProfile } from '../../db/queries/profiles.ts';
import { dismissFlag, removeSubmission, setCommentHidden, setSuspended, setThreadLocked, lastDoneBy } from '../../db/queries/moderation.ts';
import { parseDay } from '../../domain/dates.ts';
import { mayActOn, mayUndo, suspensionProblem } from '../../domain/permissions.ts';
import { parseCommentId as parseId } from '../comment-actions.ts'; // any row id: a positive integer in range
import type { Ctx, Deps } from '../context.ts';
import { moderatorAction, type ActionOutcome, type ModeratorStep } from './moderation.ts';
import { idFromPath } from './paper.ts';

const notFound = (message: string): ActionOutcome => ({ ok: false, status: 404, message });
const unchanged = (message: string): ActionOutcome => ({ ok: false, status: 409, message });
const forbidden = (message: string): ActionOutcome => ({ ok: false, status: 403, message });

/** POST /comments/:cid/hide and /restore (reason) */
export const commentVisibilityStep = (deps: Deps, hidden: boolean): ModeratorStep => ({
  action: hidden ? 'hide-comment' : 'restore-comment',
  run: async (c, moderator, reason) => {
    const id = parseId(c.req.param('cid'));
    if (id === null) return notFound('There is no such comment.');
    // Restoring also needs the rank of whoever hid it (a moderator does not undo an admin's removal);
    // no log row: the comment is not hidden, which setCommentHidden answers.
    const hiddenBy = hidden ? null : await lastDoneBy(deps.database.db, 'hide-comment', { commentId: id });
    if (!hidden && hiddenBy && !mayUndo(moderator, hiddenBy)) return forbidden('An admin removed this comment: only an admin restores it.');
    const r = await setCommentHidden(deps.database.db, { moderatorId: moderator.id, commentId: id, hidden, reason, now: deps.now(), mayAct: (owner) => mayActOn(moderator, owner) });
    if (!r.ok) {
      if (r.problem === 'forbidden') return forbidden(`Only admins ${hidden ? 'hide' : 'restore'} comments of moderators and admins.`);
      return r.problem === 'not-found' ? notFound('There is no such comment.') : unchanged(hidden ? 'That comment is hidden already.' : 'That comment is not hidden.');
    }
    return { ok: true, next: `/papers/${r.paperId}#comment-${id}` };
  },
});
export const commentVisibility = (deps: Deps, hidden: boolean) => moderatorAction(deps, commentVisibilityStep(deps, hidden));

/** POST /papers/:id/lock and /unlock (reason) */
export const threadLockStep = (deps: Deps, locked: boolean): ModeratorStep => ({
  action: locked ? 'lock-thread' : 'unlock-thread',
  run: async (c, moderator, reason) => {
    const ref = idFromPath(c);
    if (!ref) return notFound('There is no such paper.');
    const r = await setThreadLocked(deps.database.db, { moderatorId: moderator.id, paperId: ref.id, locked, reason, now: deps.now() });
    if (!r.ok) return r.problem === 'not-found' ? notFound(`There is no paper ${ref.id} here.`) : unchanged(locked ? 'The discussion is locked already.' : 'The discussion is not locked.');
    return { ok: true, next: `/papers/${ref.id}#discussion` };
  },
});
export const threadLock = (deps: Deps, locked: boolean) => moderatorAction(deps, threadLockStep(deps, locked));

/** POST /papers/:id/remove-submission (day, reason) */
export const removeFromListStep = (deps: Deps): ModeratorStep => ({
  action: 'remove-submission',
  run: async (c, moderator, reason, form) => {
    const ref = idFromPath(c);
    const day = parseDay(typeof form.day === 'string' ? form.day : '');
    if (!ref || !day) return { ok: false, status: 400, message: 'Give an arXiv id and a day (YYYY-MM-DD).' };
    const r = await removeSubmission(deps.database.db, { moderatorId: moderator.id, paperId: ref.id, day, reason, now: deps.now(), mayAct: (owner) => mayActOn(moderator, owner) });
    if (!r.ok) return r.problem === 'forbidden' ? forbidden('Only admins remove submissions of moderators and admins.') : notFound(`${ref.id} is not on the list of ${day}.`);
    return { ok: true, next: `/papers/${ref.id}` };
  },
});
export const removeFromList = (deps: Deps) => moderatorAction(deps, removeFromListStep(deps));

/** POST /users/:username/suspend and /unsuspend (reason) */
export const suspensionStep = (deps: Deps, suspended: boolean): ModeratorStep => ({
  action: suspended ? 'suspend-user' : 'unsuspend-user',
  run: async (c, moderator, reason) => {
    const member = await findProfile(deps.database.db, c.req.param('username') ?? '');
    if (!member) return notFound('There is no such member.');
    const problem = suspensionProblem(moderator, member, suspended ? 'suspend' : 'unsuspend', suspended ? null : await lastDoneBy(deps.database.db, 'suspend-user', { userId: member.id }));
    if (problem) return forbidden(problem);
    const r = await setSuspended(deps.database.db, { moderatorId: moderator.id, userId: member.id, username: member.username, suspended, reason, now: deps.now() });
    if (!r.ok) return unchanged(suspended ? `${member.username} is suspended already.` : `${member.username} is not suspended.`);
    return { ok: true, next: `/users/${member.username}` };
  },
});
export const suspension = (deps: Deps, suspended: boolean) => moderatorAction(deps, suspensionStep(deps, suspended));

/** POST /moderation/flags/:fid/dismiss (reason) */
export const dismissStep = (deps: Deps): ModeratorStep => ({
  action: 'dismiss-flag',
  run: async (c: Ctx, moderator, reason) => {
    const id = parseId(c.req.param('fid'));
    if (id === null) return notFound('There is no such flag.');
    const r = await dismissFlag(deps.database.db, { moderatorId: moderator.id, flagId: id, reason, now: deps.now() });
    if (!r.ok) return r.problem === 'not-found' ? notFound('There is no such flag.') : unchanged('That flag was handled already.');
    return { ok: true, next: '/moderation' };
  },
});
export const dismiss = (deps: Deps) => moderatorAction(deps, dismissStep(deps));
