/** POST /papers/:id/vote (value=1 to upvote, 0 to take it back): from a form or, with JavaScript, fetch. */
import type { Context } from 'hono';
import { setVote } from '../../db/queries/votes.ts';
import type { User } from '../../db/queries/users.ts';
import { htmlError, safeNext, type Ctx, type Deps } from '../context.ts';
import { idFromPath } from './paper.ts';

const wantsJson = (c: Context) => (c.req.header('accept') ?? '').includes('application/json');

/** Why a paper vote fails: a status, a heading for pages and a message (pages and the JSON API alike). */
export interface VoteFailure {
  ok: false;
  status: 401 | 403 | 404;
  heading: string;
  message: string;
}

/** Who may vote on papers: a member with a confirmed email who is not suspended; else why not. */
export function voterProblem(viewer: User | null): VoteFailure | null {
  if (!viewer) return { ok: false, status: 401, heading: 'Log in to upvote', message: 'log in to upvote' };
  if (viewer.suspended) return { ok: false, status: 403, heading: 'Your account is suspended', message: 'Suspended members cannot vote.' };
  if (!viewer.emailVerified) {
    return { ok: false, status: 403, heading: 'Please confirm your email first', message: 'Members vote once their email address is confirmed: use the link we mailed you, or ask for a new one in your settings.' };
  }
  return null;
}

/** Sets (or takes back) a member's upvote on a paper, after voterProblem's checks. */
export async function castVote(deps: Deps, viewer: User | null, paperId: string, on: boolean): Promise<{ ok: true; upvoted: boolean; upvotes: number } | VoteFailure> {
  const denied = voterProblem(viewer);
  if (denied) return denied;
  const result = await setVote(deps.database.db, viewer!.id, paperId, on, deps.now());
  if (!result) return { ok: false, status: 404, heading: 'Paper not found', message: `There is no paper ${paperId} here.` };
  return { ok: true, ...result };
}

export const vote = (deps: Deps) => async (c: Ctx) => {
  const ref = idFromPath(c);
  const body = await c.req.parseBody();
  const next = safeNext(typeof body.next === 'string' ? body.next : ref ? `/papers/${ref.id}` : '/');
  const fail = (status: 400 | 401 | 403 | 404, heading: string, message: string) =>
    wantsJson(c) ? c.json({ error: message }, status) : htmlError(c, deps, status === 401 ? 403 : status, heading, message);
  const viewer = c.get('viewer');
  if (!viewer) return wantsJson(c) ? c.json({ error: 'log in to upvote' }, 401) : c.redirect(`/login?next=${encodeURIComponent(next)}`, 303);
  const denied = voterProblem(viewer);
  if (denied) return fail(denied.status, denied.heading, denied.message);
  if (!ref) return fail(400, 'Not an arXiv id', 'Votes go to papers, by arXiv id.');
  if (body.value !== '1' && body.value !== '0') return fail(400, 'Bad vote', 'value must be 1 (upvote) or 0 (take the upvote back).');
  const r = await castVote(deps, viewer, ref.id, body.value === '1');
  if (!r.ok) return fail(r.status, r.heading, r.message);
  return wantsJson(c) ? c.json({ upvoted: r.upvoted, upvotes: r.upvotes }) : c.redirect(next, 303);
};
