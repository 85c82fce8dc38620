/**
 * Submitting a paper to today's list (GET/POST /submit, and POST /api/daily_papers for programs), and
 * editors' actions on any day (POST /papers/:id/list, /unlist, /feature).
 */
import type { Context } from 'hono';
import { html } from 'hono/html';
import { applyRecords, getPaper } from '../../db/queries/papers.ts';
import { hasApprovedClaim } from '../../db/queries/claims.ts';
import { addEntry, entryOn, isListedOn, removeEntry, setFeatured, submissionsOn } from '../../db/queries/submissions.ts';
import { removeSubmission } from '../../db/queries/moderation.ts';
import { reasonProblem } from '../../domain/moderation.ts';
import { can, mayActOn } from '../../domain/permissions.ts';
import type { User } from '../../db/queries/users.ts';
import { parseArxivReference } from '../../domain/arxiv-id.ts';
import type { ImportRecord } from '../../domain/paper.ts';
import { parseDay } from '../../domain/dates.ts';
import { paperRefusal, submitterRefusal } from '../../domain/submission-rules.ts';
import { arxivFetchesSince, recordArxivFetch, takeSlot } from '../../db/queries/throttles.ts';
import { ArxivUnavailableError, fetchArxivPaper } from '../../importers/arxiv-atom/fetch.ts';
import { csrfToken, frame, htmlError, safeNext, type Ctx, type Deps } from '../context.ts';
import { formPage } from '../views/forms.ts';
import { idFromPath } from './paper.ts';

/** A submission's optional comment, at most this long. */
export const SUBMISSION_COMMENT_MAX = 500;

type Outcome =
  | { ok: true; paperId: string; day: string }
  | { ok: false; status: 400 | 403 | 404 | 409 | 429 | 503; reason: string; retryAfterSeconds?: number };

/** Why this member may not submit to the list of `day`, or null (src/domain/submission-rules.ts). */
async function refusalOfSubmitter(deps: Deps, viewer: User, day: string): Promise<string | null> {
  const { db } = deps.database;
  return submitterRefusal(deps.submissionRules, {
    role: viewer.role, emailVerified: viewer.emailVerified, suspended: viewer.suspended, day,
    hasClaim: deps.submissionRules.who === 'claimed' && (await hasApprovedClaim(db, viewer.id)),
    submissionsToday: await submissionsOn(db, viewer.id, day),
  });
}

/**
 * Whether a paper page offers "Submit to today's list": only when the same rules as the submission would
 * accept it (a 206-day-old paper, or one already on today's list, is not offered and then refused).
 */
export async function maySubmitToday(deps: Deps, viewer: User | null, paper: { id: string; publishedAt: string | null }): Promise<boolean> {
  if (!viewer) return false;
  const now = deps.now();
  const day = now.toISOString().slice(0, 10);
  if (await refusalOfSubmitter(deps, viewer, day)) return false;
  const alreadyListed = await isListedOn(deps.database.db, paper.id, day);
  return paperRefusal(deps.submissionRules, { role: viewer.role, paperPublishedAt: paper.publishedAt, now, alreadyListed }) === null;
}

/**
 * The whole submission, shared by the form and the API. Who may submit is settled before anything
 * else happens: a refused account makes no arXiv call and writes nothing.
 */
async function submitPaper(deps: Deps, viewer: User, reference: string, comment: string): Promise<Outcome> {
  const ref = parseArxivReference(reference.slice(0, 300));
  if (!ref) return { ok: false, status: 400, reason: 'That is not an arXiv id or link. Paste something like 2401.01234 or https://arxiv.org/abs/2401.01234.' };
  if (comment.length > SUBMISSION_COMMENT_MAX) return { ok: false, status: 400, reason: `The comment has at most ${SUBMISSION_COMMENT_MAX} characters.` };
  const { db } = deps.database;
  const now = deps.now();
  const day = now.toISOString().slice(0, 10);
  const refusal = await refusalOfSubmitter(deps, viewer, day);
  if (refusal) return { ok: false, status: 403, reason: refusal };
  let paper = await getPaper(db, ref.id);
  if (!paper) {
    const fetched = await fetchForSubmission(deps, viewer, ref.id);
    if (!fetched.ok) return fetched;
    await db.transaction().execute((trx) => applyRecords(trx, [fetched.record], deps.database.maxParams));
    paper = (await getPaper(db, ref.id))!;
  }
  const paperRefused = paperRefusal(deps.submissionRules, { role: viewer.role, paperPublishedAt: paper.publishedAt, now, alreadyListed: await isListedOn(db, paper.id, day) });
  if (paperRefused) return { ok: false, status: paperRefused.includes('already') ? 409 : 403, reason: paperRefused };
  const added = await addEntry(db, { paperId: paper.id, day, userId: viewer.id, comment: comment.trim() || null, now });
  if (!added) return { ok: false, status: 409, reason: 'This paper is already on today’s list.' };
  return { ok: true, paperId: paper.id, day };
}

/** A paper from the arXiv API, within the member's cap and the site's pacing (src/domain/arxiv-throttle.ts). */
async function fetchForSubmission(deps: Deps, viewer: User, id: string): Promise<{ ok: true; record: ImportRecord } | Extract<Outcome, { ok: false }>> {
  const { db } = deps.database;
  const t = deps.arxivThrottle;
  const now = deps.now();
  const since = new Date(now.getTime() - t.periodMs);
  if (!can(viewer, 'editor') && (await arxivFetchesSince(db, viewer.id, since)) >= t.perMember) {
    return { ok: false, status: 429, reason: `${id} is not in our database yet, and you have had us fetch ${t.perMember} papers from arXiv lately, the most we fetch for one member. Try again tomorrow.` };
  }
  const turn = await takeSlot(db, 'arxiv', t, now);
  if (!turn.ok) {
    const retryAfterSeconds = Math.max(1, Math.ceil(turn.retryAfterMs / 1000));
    return { ok: false, status: 503, retryAfterSeconds, reason: `${id} is not in our database yet, and we are fetching other papers from arXiv (it asks us to go slowly). Try again in ${retryAfterSeconds} seconds.` };
  }
  await recordArxivFetch(db, viewer.id, now, since);
  const wait = turn.startMs - now.getTime();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  try {
    const record = await fetchArxivPaper(deps.arxivApiUrl, id);
    return record ? { ok: true, record } : { ok: false, status: 404, reason: `arXiv has no paper ${id}.` };
  } catch (e) {
    if (!(e instanceof ArxivUnavailableError)) throw e;
    return { ok: false, status: 503, reason: `${id} is not in our database yet, and ${e.message} Try again later.` };
  }
}

const retryAfter = (r: Extract<Outcome, { ok: false }>): Record<string, string> => (r.retryAfterSeconds ? { 'Retry-After': String(r.retryAfterSeconds) } : {});

function submitForm(c: Context, deps: Deps, values: { paper?: string; comment?: string } = {}, error: string | null = null) {
  return formPage(frame(c, deps), {
    title: 'Submit a paper',
    intro: 'Put a new arXiv paper on today’s list. Paste its id or its link; we fetch it from arXiv when we do not have it yet.',
    action: '/submit',
    submit: 'Submit',
    csrf: csrfToken(c, deps),
    error,
    fields: [
      { name: 'paper', label: 'arXiv id or link', value: values.paper, hint: 'For example 2401.01234, arXiv:2401.01234v2 or https://arxiv.org/abs/2401.01234.' },
      { name: 'comment', label: 'Why read it? (optional)', value: values.comment, hint: `At most ${SUBMISSION_COMMENT_MAX} characters.` },
    ],
    after: html`<p class="after">${rulesLine(deps)}</p>`,
  });
}

const rulesLine = (deps: Deps) => {
  const r = deps.submissionRules;
  const who = { verified: 'members with a confirmed email', claimed: 'members who have claimed a paper', editors: 'editors' }[r.who];
  return `Rules here: ${who} submit; papers up to ${r.maxPaperAgeDays} days after their first arXiv version; ${r.dailyCap} a day per member; ${r.weekends ? 'weekends included' : 'not at weekends'}.`;
};

export const submitPage = (deps: Deps) => (c: Ctx) => {
  // The paper asked for (the 404 of an unknown id offers it) survives the log-in.
  const asked = c.req.query('paper')?.slice(0, 300);
  if (!c.get('viewer')) return c.redirect(`/login?next=${encodeURIComponent(asked ? `/submit?paper=${encodeURIComponent(asked)}` : '/submit')}`, 303);
  return c.html(submitForm(c, deps, { paper: c.req.query('paper')?.slice(0, 300) }));
};

export const submit = (deps: Deps) => async (c: Ctx) => {
  const viewer = c.get('viewer');
  if (!viewer) return c.redirect('/login?next=%2Fsubmit', 303);
  const body = await c.req.parseBody();
  const values = { paper: String(body.paper ?? '').slice(0, 300), comment: String(body.comment ?? '').slice(0, 2000) };
  const r = await submitPaper(deps, viewer, values.paper, values.comment);
  if (!r.ok) return c.html(submitForm(c, deps, values, r.reason), r.status, retryAfter(r));
  return c.redirect(`/papers/date/${r.day}#paper-${r.paperId}`, 303);
};

/** POST /api/daily_papers {"paper": "2401.01234", "comment": "…"} */
export const submitApi = (deps: Deps) => async (c: Ctx) => {
  const viewer = c.get('viewer');
  if (!viewer) return c.json({ error: 'authentication required: send Authorization: Bearer dp_…' }, 401);
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    return c.json({ error: 'expected a JSON body like {"paper": "2401.01234"}' }, 400);
  }
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (typeof b.paper !== 'string') return c.json({ error: 'paper: expected an arXiv id or link' }, 400);
  if (b.comment !== undefined && typeof b.comment !== 'string') return c.json({ error: 'comment: expected a string' }, 400);
  const r = await submitPaper(deps, viewer, b.paper, (b.comment as string | undefined) ?? '');
  if (!r.ok) return c.json({ error: r.reason }, r.status, retryAfter(r));
  return c.json({ paper: r.paperId, day: r.day }, 201);
};

/**
 * Editors: POST /papers/:id/list|unlist|feature|unfeature with `day` (any day). Taking someone else's
 * entry off a list needs a reason and writes a moderation log row in the same transaction; an editor
 * acts on members' entries and imported ones, not on those of moderators or admins (src/domain/permissions.ts).
 */
export const editorAction = (deps: Deps, action: 'list' | 'unlist' | 'feature' | 'unfeature') => async (c: Ctx) => {
  const viewer = c.get('viewer');
  if (!viewer) return c.redirect('/login', 303);
  if (!can(viewer, 'editor')) {
    return viewer.suspended
      ? htmlError(c, deps, 403, 'Your account is suspended', 'Suspended editors cannot change the lists.')
      : htmlError(c, deps, 403, 'Editors only', 'Only editors change other days’ lists.');
  }
  const ref = idFromPath(c);
  const body = await c.req.parseBody();
  const day = parseDay(String(body.day ?? ''));
  if (!ref || !day) return htmlError(c, deps, 400, 'Bad request', 'Give an arXiv id and a day (YYYY-MM-DD).');
  const { db } = deps.database;
  if (!(await getPaper(db, ref.id))) return htmlError(c, deps, 404, 'Paper not found', `There is no paper ${ref.id} here.`);
  const now = deps.now();
  const notListed = () => htmlError(c, deps, 404, 'Not on that list', `${ref.id} is not on the list of ${day}.`);
  let done: boolean;
  if (action === 'list') done = await addEntry(db, { paperId: ref.id, day, userId: viewer.id, comment: null, now });
  else if (action !== 'unlist') done = await setFeatured(db, ref.id, day, action === 'feature', now);
  else {
    const entry = await entryOn(db, ref.id, day);
    if (!entry) return notListed();
    if (entry.userId === viewer.id) done = await removeEntry(db, ref.id, day, now);
    else {
      const reason = typeof body.reason === 'string' ? body.reason : '';
      const problem = reasonProblem('remove-submission', reason);
      if (problem) return htmlError(c, deps, 400, 'Give a reason', `Someone else put this paper on the list. ${problem}`);
      const r = await removeSubmission(db, { moderatorId: viewer.id, paperId: ref.id, day, reason, now, mayAct: (owner) => mayActOn(viewer, owner) });
      if (!r.ok && r.problem === 'forbidden') return htmlError(c, deps, 403, 'Not allowed', 'A moderator or an admin put this paper on the list: only an admin or a moderator above them takes it off.');
      done = r.ok;
    }
  }
  if (!done && action !== 'list') return notListed();
  return c.redirect(safeNext(typeof body.next === 'string' ? body.next : `/papers/date/${day}`), 303);
};
