/**
 * Moderators' pages: the queue (GET /moderation: open flags, pending claims, suspended members) and
 * the log (GET /moderation/log). Also the gate every moderator action goes through, and the helper
 * that turns an action's form into its outcome: log in, 403, a 400 that says what is wrong, or 303 on.
 */
import { pendingClaims } from '../../db/queries/claims.ts';
import { countOpenFlags, moderationLog, openFlags, suspendedMembers } from '../../db/queries/moderation.ts';
import type { User } from '../../db/queries/users.ts';
import {
  FLAG_QUEUE_LIMIT, MODERATION_LOG_PAGE_SIZE, reasonProblem, type ModerationAction,
} from '../../domain/moderation.ts';
import { can } from '../../domain/permissions.ts';
import { csrfToken, frame, htmlError, pageParam, safeNext, type Ctx, type Deps } from '../context.ts';
import { logPage, queuePage } from '../views/moderation.ts';

/** The viewer when they moderate; else the answer: log in and come back (anonymous) or 403 (members). */
export async function moderatorOr(c: Ctx, deps: Deps, back: string): Promise<User | Response> {
  const viewer = c.get('viewer');
  if (!viewer) return c.redirect(`/login?next=${encodeURIComponent(back)}`, 303);
  if (!can(viewer, 'moderator')) {
    return htmlError(c, deps, 403, 'Moderators only', viewer.suspended ? 'Your account is suspended.' : 'Only moderators and admins do this.');
  }
  return viewer;
}

/** What a moderator action reports: where to go next, or what went wrong. */
export type ActionOutcome = { ok: true; next: string } | { ok: false; status: 400 | 403 | 404 | 409; message: string };

/** A moderator action: its log name and what it does (once the moderator and the reason are checked). The form and the API share it. */
export interface ModeratorStep {
  action: ModerationAction;
  run: (c: Ctx, moderator: User, reason: string, form: Record<string, unknown>) => Promise<ActionOutcome>;
}

const HEADINGS = { 400: 'Cannot do that', 403: 'Not allowed', 404: 'Not found', 409: 'Nothing to do' } as const;

/**
 * A moderator action from a form: checks the moderator and the reason, runs the action, and answers
 * 303 to the form's `next` (a path on this site) or where the action says.
 */
export const moderatorAction =
  (deps: Deps, { action, run }: ModeratorStep) =>
  async (c: Ctx) => {
    const form = await c.req.parseBody();
    const next = typeof form.next === 'string' && form.next !== '' ? safeNext(form.next) : null;
    const moderator = await moderatorOr(c, deps, next ?? '/moderation');
    if (moderator instanceof Response) return moderator;
    const reason = typeof form.reason === 'string' ? form.reason : '';
    const problem = reasonProblem(action, reason);
    if (problem) return htmlError(c, deps, 400, HEADINGS[400], problem);
    const r = await run(c, moderator, reason, form);
    if (!r.ok) return htmlError(c, deps, r.status, HEADINGS[r.status], r.message);
    return c.redirect(next ?? r.next, 303);
  };

/** GET /moderation */
export const queue = (deps: Deps) => async (c: Ctx) => {
  const moderator = await moderatorOr(c, deps, '/moderation');
  if (moderator instanceof Response) return moderator;
  const { db } = deps.database;
  const [flags, open, claims, suspended] = await Promise.all([
    openFlags(db, FLAG_QUEUE_LIMIT), countOpenFlags(db), pendingClaims(db, FLAG_QUEUE_LIMIT), suspendedMembers(db),
  ]);
  return c.html(queuePage(frame(c, deps), { csrf: csrfToken(c, deps), flags, openFlags: open, claims, suspended, now: deps.now() }));
};

/** GET /moderation/log?p=N */
export const log = (deps: Deps) => async (c: Ctx) => {
  const moderator = await moderatorOr(c, deps, '/moderation/log');
  if (moderator instanceof Response) return moderator;
  const page = pageParam(c);
  if (page === null) return htmlError(c, deps, 400, 'Bad page', 'p is a page number: 1, 2, 3…');
  c.header('Cache-Control', 'private, no-store');
  const { items, total } = await moderationLog(deps.database.db, { limit: MODERATION_LOG_PAGE_SIZE, offset: (page - 1) * MODERATION_LOG_PAGE_SIZE });
  return c.html(logPage(frame(c, deps), { entries: items, page, pages: Math.max(1, Math.ceil(total / MODERATION_LOG_PAGE_SIZE)), now: deps.now() }));
};
