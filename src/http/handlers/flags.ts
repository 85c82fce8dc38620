/**
 * Members flag a comment (/comments/:cid/flag) or a paper's entry on a day's list (/papers/:id/flag
 * with `day`): GET shows the form (a reason from FLAG_REASONS, optional details), POST sends it. One
 * open flag per member per item; the answer is 303 back to the paper with a thank-you notice.
 */
import { html } from 'hono/html';
import { getComment } from '../../db/queries/comments.ts';
import { flagComment, flagSubmission, type FlagResult } from '../../db/queries/moderation.ts';
import { getPaper } from '../../db/queries/papers.ts';
import { isListedOn } from '../../db/queries/submissions.ts';
import { formatLongDay, parseDay } from '../../domain/dates.ts';
import { flagProblem } from '../../domain/moderation.ts';
import { participationProblem, parseCommentId } from '../comment-actions.ts';
import { csrfToken, frame, htmlError, type Ctx, type Deps } from '../context.ts';
import { flagPage } from '../views/moderation.ts';
import { excerpt, mathText } from '../views/text.ts';
import { idFromPath } from './paper.ts';

export const FLAG_PROBLEMS = {
  'not-found': [404, 'Not found', 'There is nothing like that to flag.'],
  gone: [409, 'Already gone', 'That comment is deleted or removed already.'],
  own: [403, 'Not allowed', 'You cannot flag what you wrote or submitted yourself.'],
  duplicate: [409, 'Flagged already', 'You have flagged this already; the moderators will look at it.'],
} as const;

const text = (form: Record<string, unknown>, name: string) => (typeof form[name] === 'string' ? (form[name] as string) : '');
const sentence = (s: string) => `${s.charAt(0).toUpperCase()}${s.slice(1)}.`;

/** What a flag is about, for its form: a heading, a description, the form's target and fields. */
interface Flaggable {
  title: string;
  what: ReturnType<typeof html>;
  action: string;
  /** The form's own page (where log-in comes back to). */
  page: string;
  back: string;
  fields?: Record<string, string>;
}

/** Who may flag: a member with a confirmed email who is not suspended; else the answer. */
function refusal(c: Ctx, deps: Deps, back: string) {
  const denied = participationProblem(c.get('viewer'));
  if (!denied) return null;
  if (denied.status === 401) return c.redirect(`/login?next=${encodeURIComponent(back)}`, 303);
  return htmlError(c, deps, 403, 'Not allowed', sentence(denied.message));
}

const show = (c: Ctx, deps: Deps, f: Flaggable, error: string | null = null, values: { reason?: string; details?: string } = {}) =>
  c.html(flagPage({ ...frame(c, deps), csrf: csrfToken(c, deps) }, { ...f, error, ...values }), error ? 400 : 200);

/** Checks the member and the form, runs the flag, and answers: 303 to the paper (at `anchor`) with a notice. */
async function send(c: Ctx, deps: Deps, f: Flaggable, anchor: string, run: (userId: number, reason: string, details: string) => Promise<FlagResult>) {
  const refused = refusal(c, deps, f.page);
  if (refused) return refused;
  const form = await c.req.parseBody();
  const reason = text(form, 'reason');
  const details = text(form, 'details');
  const problem = flagProblem(reason, details);
  if (problem) return show(c, deps, f, problem, { reason, details: details.slice(0, 2000) });
  const r = await run(c.get('viewer')!.id, reason, details);
  if (!r.ok) {
    const [status, heading, message] = FLAG_PROBLEMS[r.problem];
    return htmlError(c, deps, status, heading, message);
  }
  return c.redirect(`/papers/${r.paperId}?notice=flagged${anchor}`, 303);
}

/** The comment of /comments/:cid/flag, described; null when there is none. */
async function flaggableComment(c: Ctx, deps: Deps): Promise<(Flaggable & { id: number; gone: boolean }) | null> {
  const id = parseCommentId(c.req.param('cid'));
  const comment = id === null ? undefined : await getComment(deps.database.db, id);
  if (!comment) return null;
  const gone = comment.deletedAt !== null || comment.hiddenAt !== null;
  return {
    id: comment.id,
    gone,
    title: 'Flag a comment',
    what: html`<p>The comment by <strong>${gone ? '[deleted]' : comment.username}</strong>:</p><blockquote class="flagged-text">${gone ? '[deleted]' : excerpt(comment.body, 600)}</blockquote>`,
    action: `/comments/${comment.id}/flag`,
    page: `/comments/${comment.id}/flag`,
    back: `/papers/${comment.paperId}#comment-${comment.id}`,
  };
}

/** The listing of /papers/:id/flag?day=, described; null when the paper is not on that day's list. */
async function flaggableEntry(c: Ctx, deps: Deps, rawDay: string): Promise<Flaggable | null> {
  const ref = idFromPath(c);
  const day = parseDay(rawDay);
  if (!ref || !day || !(await isListedOn(deps.database.db, ref.id, day))) return null;
  const paper = (await getPaper(deps.database.db, ref.id))!;
  return {
    title: 'Flag a submission',
    what: html`<p><a href="/papers/${paper.id}">${mathText(paper.title)}</a> on the list of ${formatLongDay(day)}.</p>`,
    action: `/papers/${paper.id}/flag`,
    page: `/papers/${paper.id}/flag?day=${day}`,
    back: `/papers/${paper.id}`,
    fields: { day },
  };
}

const noComment = (c: Ctx, deps: Deps) => htmlError(c, deps, 404, 'Comment not found', 'There is no such comment here.');
const noEntry = (c: Ctx, deps: Deps) => htmlError(c, deps, 404, 'Not on that list', 'That paper is not on that day’s list.');

/** GET /comments/:cid/flag */
export const flagCommentPage = (deps: Deps) => async (c: Ctx) => {
  const f = await flaggableComment(c, deps);
  if (!f) return noComment(c, deps);
  if (f.gone) return htmlError(c, deps, 409, FLAG_PROBLEMS.gone[1], FLAG_PROBLEMS.gone[2]);
  return refusal(c, deps, f.page) ?? show(c, deps, f);
};

/** POST /comments/:cid/flag (reason, details) */
export const flagCommentForm = (deps: Deps) => async (c: Ctx) => {
  const f = await flaggableComment(c, deps);
  if (!f) return noComment(c, deps);
  return send(c, deps, f, `#comment-${f.id}`, (userId, reason, details) => flagComment(deps.database.db, { userId, commentId: f.id, reason, details, now: deps.now() }));
};

/** GET /papers/:id/flag?day=YYYY-MM-DD */
export const flagSubmissionPage = (deps: Deps) => async (c: Ctx) => {
  const f = await flaggableEntry(c, deps, c.req.query('day') ?? '');
  if (!f) return noEntry(c, deps);
  return refusal(c, deps, f.page) ?? show(c, deps, f);
};

/** POST /papers/:id/flag (day, reason, details) */
export const flagSubmissionForm = (deps: Deps) => async (c: Ctx) => {
  const f = await flaggableEntry(c, deps, text(await c.req.parseBody(), 'day'));
  if (!f) return noEntry(c, deps);
  const { day } = f.fields!;
  const paperId = idFromPath(c)!.id;
  return send(c, deps, f, '', (userId, reason, details) => flagSubmission(deps.database.db, { userId, paperId, day: day!, reason, details, now: deps.now() }));
};
