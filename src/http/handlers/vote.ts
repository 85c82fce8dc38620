/** POST /papers/:id/vote (value=1 to upvote, 0 to take it back): from a form or, with JavaScript, fetch. */
import type { Context } from 'hono';
import { setVote } from '../../db/queries/votes.ts';
import { htmlError, safeNext, type Ctx, type Deps } from '../context.ts';
import { idFromPath } from './paper.ts';

const wantsJson = (c: Context) => (c.req.header('accept') ?? '').includes('application/json');

export const vote = (deps: Deps) => async (c: Ctx) => {
  const ref = idFromPath(c);
  const body = await c.req.parseBody();
  const next = safeNext(typeof body.next === 'string' ? body.next : ref ? `/papers/${ref.id}` : '/');
  const fail = (status: 400 | 401 | 403 | 404, heading: string, message: string) =>
    wantsJson(c) ? c.json({ error: message }, status) : htmlError(c, deps, status === 401 ? 403 : status, heading, message);
  const viewer = c.get('viewer');
  if (!viewer) return wantsJson(c) ? c.json({ error: 'log in to upvote' }, 401) : c.redirect(`/login?next=${encodeURIComponent(next)}`, 303);
  if (viewer.suspended) return fail(403, 'Your account is suspended', 'Suspended members cannot vote.');
  if (!viewer.emailVerified) return fail(403, 'Please confirm your email first', 'Members vote once their email address is confirmed: use the link we mailed you, or ask for a new one in your settings.');
  if (!ref) return fail(400, 'Not an arXiv id', 'Votes go to papers, by arXiv id.');
  if (body.value !== '1' && body.value !== '0') return fail(400, 'Bad vote', 'value must be 1 (upvote) or 0 (take the upvote back).');
  const result = await setVote(deps.database.db, viewer.id, ref.id, body.value === '1', deps.now());
  if (!result) return fail(404, 'Paper not found', `There is no paper ${ref.id} here.`);
  return wantsJson(c) ? c.json(result) : c.redirect(next, 303);
};
