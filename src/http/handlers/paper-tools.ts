/**
 * What a paper's page adds for the community: its author names linked to the profiles of approved
 * authors, the side-column tools for this viewer (src/http/views/paper-tools.ts), and the notice
 * after a flag or a claim (`?notice=`).
 */
import { approvedClaimsOnPaper, latestClaimOnPaper } from '../../db/queries/claims.ts';
import type { Listing } from '../../db/queries/lists.ts';
import { isThreadLocked } from '../../db/queries/moderation.ts';
import { authorLinks } from '../../domain/claims.ts';
import type { Paper } from '../../domain/merge.ts';
import { can } from '../../domain/permissions.ts';
import { participationProblem } from '../comment-actions.ts';
import { csrfToken, type Ctx, type Deps } from '../context.ts';
import { paperTools } from '../views/paper-tools.ts';

const NOTICES: Record<string, string> = {
  flagged: 'Thank you: the moderators will look at what you flagged.',
  claimed: 'Thank you: a moderator will check your claim. You will see the answer here and on your profile.',
};

export async function communityFor(c: Ctx, deps: Deps, paper: Paper, listings: Listing[]) {
  const { db } = deps.database;
  const viewer = c.get('viewer');
  const approved = await approvedClaimsOnPaper(db, paper.id);
  const links = authorLinks(paper.authors, approved);
  const member = viewer
    ? { csrf: csrfToken(c, deps), canAct: participationProblem(viewer) === null, claim: await latestClaimOnPaper(db, viewer.id, paper.id), username: viewer.username }
    : null;
  const tools = paperTools({
    paperId: paper.id, authors: paper.authors, taken: new Set(links.keys()), member, moderator: can(viewer, 'moderator'),
    locked: viewer ? await isThreadLocked(db, paper.id) : false,
    listings: listings.map((l) => ({ day: l.entry.day, submitter: l.submitter?.username ?? null })),
  });
  return { authorLinks: links, tools, notice: viewer ? (NOTICES[c.req.query('notice') ?? ''] ?? null) : null };
}
