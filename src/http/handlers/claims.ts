/**
 * Authorship claims: a member with a confirmed email claims an entry of a paper's author list (POST
 * /papers/:id/claim with `author`, its position); a moderator approves or denies it (POST
 * /claims/:id/approve|deny with a reason, required to deny: the member reads it on the paper's page
 * and their profile); the owner of an approved claim hides its paper from their profile or shows it
 * again (POST /claims/:id/hide|show).
 */
import { createClaim, decideClaim, setClaimHidden } from '../../db/queries/claims.ts';
import { notifyClaimDecision } from '../../notify/events.ts';
import { participationProblem, parseCommentId as parseId } from '../comment-actions.ts';
import { htmlError, safeNext, type Ctx, type Deps } from '../context.ts';
import { moderatorAction, type ModeratorStep } from './moderation.ts';
import { idFromPath } from './paper.ts';

export const CLAIM_PROBLEMS = {
  'no-paper': [404, 'Paper not found', 'There is no such paper here.'],
  'no-author': [400, 'No such author', 'Choose one of the paper’s authors.'],
  pending: [409, 'Claim pending', 'You have a claim on this paper already; a moderator will look at it.'],
  approved: [409, 'Claimed already', 'You are already an approved author of this paper.'],
  taken: [409, 'Claimed by someone else', 'That author is already claimed by another member. If that is wrong, flag it to the moderators.'],
} as const;

/** POST /papers/:id/claim (author: the position in the author list, from 0) */
export const claim = (deps: Deps) => async (c: Ctx) => {
  const ref = idFromPath(c);
  if (!ref) return htmlError(c, deps, 400, 'Not an arXiv id', 'Claims go to papers, by arXiv id.');
  const back = `/papers/${ref.id}`;
  const viewer = c.get('viewer');
  const denied = participationProblem(viewer);
  if (denied?.status === 401) return c.redirect(`/login?next=${encodeURIComponent(back)}`, 303);
  if (denied) return htmlError(c, deps, 403, 'Not allowed', 'Members claim authorship once their email address is confirmed, and not while suspended.');
  const form = await c.req.parseBody();
  const raw = typeof form.author === 'string' ? form.author : '';
  const index = /^[0-9]{1,5}$/.test(raw) ? Number(raw) : null;
  if (index === null) return htmlError(c, deps, 400, 'No such author', 'Choose one of the paper’s authors.');
  const r = await createClaim(deps.database.db, { userId: viewer!.id, paperId: ref.id, authorIndex: index, now: deps.now() });
  if (!r.ok) {
    const [status, heading, message] = CLAIM_PROBLEMS[r.problem];
    return htmlError(c, deps, status, heading, message);
  }
  return c.redirect(`${back}?notice=claimed#authorship`, 303);
};

/** POST /claims/:id/approve and /deny (reason) */
export const decideStep = (deps: Deps, approve: boolean): ModeratorStep => ({
  action: approve ? 'approve-claim' : 'deny-claim',
  run: async (c, moderator, reason) => {
    const id = parseId(c.req.param('id'));
    if (id === null) return { ok: false, status: 404, message: 'There is no such claim.' };
    const r = await decideClaim(deps.database.db, { moderatorId: moderator.id, claimId: id, approve, reason, now: deps.now() });
    if (r.ok) {
      await notifyClaimDecision(deps, id, approve);
      return { ok: true, next: '/moderation#claims' };
    }
    if (r.problem === 'not-found') return { ok: false, status: 404, message: 'There is no such claim.' };
    if (r.problem === 'decided') return { ok: false, status: 409, message: 'That claim was decided already.' };
    return { ok: false, status: 409, message: 'Another member is the approved author of that entry (or the paper’s author list no longer has it). Deny this claim, or resolve the other first.' };
  },
});
export const decide = (deps: Deps, approve: boolean) => moderatorAction(deps, decideStep(deps, approve));

/** POST /claims/:id/hide and /show (next): by the member whose claim it is */
export const profileVisibility = (deps: Deps, hidden: boolean) => async (c: Ctx) => {
  const viewer = c.get('viewer');
  const form = await c.req.parseBody();
  const next = typeof form.next === 'string' && form.next !== '' ? safeNext(form.next) : null;
  if (!viewer) return c.redirect(`/login?next=${encodeURIComponent(next ?? '/')}`, 303);
  const id = parseId(c.req.param('id'));
  const found = id !== null && (await setClaimHidden(deps.database.db, { userId: viewer.id, claimId: id, hidden, now: deps.now() }));
  if (!found) return htmlError(c, deps, 404, 'Not found', 'You have no approved claim like that.');
  return c.redirect(next ?? `/users/${viewer.username}`, 303);
};
