/** GET /users/:username: a member's public profile (src/http/views/profile.ts). */
import { claimsOfUser } from '../../db/queries/claims.ts';
import { commentsOf, findProfile, submissionsOf } from '../../db/queries/profiles.ts';
import { PROFILE_LIST_LIMIT } from '../../domain/claims.ts';
import { can, suspensionProblem } from '../../domain/permissions.ts';
import { lastDoneBy } from '../../db/queries/moderation.ts';
import { csrfToken, frame, htmlError, type Ctx, type Deps } from '../context.ts';
import { profilePage } from '../views/profile.ts';
import { followControl } from '../follow-control.ts';

export const profile = (deps: Deps) => async (c: Ctx) => {
  const { db } = deps.database;
  const p = await findProfile(db, c.req.param('username') ?? '');
  if (!p) return htmlError(c, deps, 404, 'Member not found', 'There is no member with that name here.');
  const viewer = c.get('viewer');
  const own = viewer?.id === p.id ? { csrf: csrfToken(c, deps) } : null;
  const moderator = viewer && can(viewer, 'moderator')
    ? { csrf: csrfToken(c, deps), problem: suspensionProblem(viewer, p, p.suspended ? 'unsuspend' : 'suspend', p.suspended ? await lastDoneBy(db, 'suspend-user', { userId: p.id }) : null) }
    : null;
  const [claims, submissions, comments] = await Promise.all([
    claimsOfUser(db, p.id, { all: own !== null, limit: PROFILE_LIST_LIMIT }),
    submissionsOf(db, p.id, PROFILE_LIST_LIMIT),
    commentsOf(db, p.id, PROFILE_LIST_LIMIT),
  ]);
  // The name this member is the approved author under most often: following them follows that name.
  const names = new Map<string, number>();
  for (const cl of claims) if (cl.status === 'approved') names.set(cl.authorName, (names.get(cl.authorName) ?? 0) + 1);
  const authorName = [...names].sort((a, b) => b[1] - a[1])[0]?.[0];
  const follow = authorName && own === null ? await followControl(c, deps, 'author', authorName, authorName) : '';
  return c.html(profilePage(frame(c, deps), { profile: p, claims, submissions, comments, own, moderator, now: deps.now(), follow }));
};
