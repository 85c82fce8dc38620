/** GET /papers/:id and /papers/:archive/:number (old-style ids): a paper's page. */
import type { Context } from 'hono';
import { papersWithFullText } from '../../db/queries/fulltext.ts';
import { paperWithListings } from '../../db/queries/lists.ts';
import { arxivAbsUrl, parseArxivId } from '../../domain/arxiv-id.ts';
import { csrfToken, htmlError, frame, votingFor, type Ctx, type Deps } from '../context.ts';
import { askBox } from '../views/ask.ts';
import { generatedSummaryModel } from '../../db/queries/llm-summaries.ts';
import { paperPage } from '../views/paper-page.ts';
import { errorPage } from '../views/layout.ts';
import { commentCounts, discussionFor } from './comments.ts';
import { communityFor } from './paper-tools.ts';
import { organizationTools } from './organizations-admin.ts';
import { html } from 'hono/html';
import { similarPapers, SIMILAR_ON_PAGE } from './similar.ts';
import { maySubmitToday } from './submit.ts';
import { getExtract } from '../../db/queries/extracts.ts';

/** The canonical id in a request path, or null. Old-style ids arrive in two path segments. */
export function idFromPath(c: Context): { raw: string; id: string; canonical: boolean } | null {
  const archive = c.req.param('archive');
  const raw = archive ? `${archive}/${c.req.param('number')}` : (c.req.param('id') ?? '');
  const parsed = parseArxivId(raw);
  return parsed && { raw, id: parsed.id, canonical: parsed.id === raw };
}

/** What the 404 of an unknown arXiv id offers: the paper on arXiv, and fetching it onto today's list. */
const unknownPaperOffer = (id: string) => html`<p>It may exist on arXiv: <a href="${arxivAbsUrl(id)}" rel="noopener">arXiv:${id} ↗</a></p>
  <form class="fetch-offer" method="get" action="/submit"><input type="hidden" name="paper" value="${id}">
    <button type="submit" class="button">Fetch it from arXiv and submit it</button>
  </form>
  <p class="hint">Members submit papers to today’s list; we fetch them from arXiv.</p>`;

export const paperDetail = (deps: Deps) => async (c: Context) => {
  const ref = idFromPath(c);
  if (!ref) {
    return htmlError(c, deps, 400, 'Not an arXiv id', 'Paper addresses use arXiv ids, like /papers/2401.01234 or /papers/hep-th/9901001.');
  }
  // One address per paper: /papers/2401.01234v2 and /papers/math.GT/0309136 lead to the canonical one.
  if (!ref.canonical) return c.redirect(`/papers/${ref.id}`, 301);
  const found = await paperWithListings(deps.database.db, ref.id);
  if (!found) {
    return c.html(errorPage(frame(c, deps), 404, 'Paper not found', `There is no paper ${ref.id} here yet.`, unknownPaperOffer(ref.id)), 404);
  }
  const discussion = await discussionFor(c as Ctx, deps, found.paper.id, commentCounts(found.listings, found.localComments));
  const community = await communityFor(c as Ctx, deps, found.paper, found.listings);
  const orgTools = await organizationTools(c as Ctx, deps, found.paper.id, found.organization?.name ?? null);
  const tools = html`${community.tools}${orgTools}`;
  const submitOffer = await maySubmitToday(deps, c.get('viewer'), found.paper);
  const extract = found.paper.aiSummary ? null : ((await getExtract(deps.database.db, found.paper.id)) ?? null);
  // Ask this paper (handlers/ask.ts): only where the site has a model; the form carries the member's CSRF token.
  const viewer = c.get('viewer');
  const ask = deps.llm ? askBox({ action: `/papers/${found.paper.id}/ask`, what: 'this paper', csrf: viewer ? csrfToken(c, deps) : null, here: `/papers/${found.paper.id}` }) : undefined;
  const summaryModel = found.paper.aiSummary ? await generatedSummaryModel(deps.database.db, found.paper.id) : null;
  return c.html(paperPage(frame(c, deps), { ...found, now: deps.now(), voting: await votingFor(c, deps, [found.paper.id]), discussion, ...community, tools, submitOffer, similar: await similarPapers(deps, found.paper.id, SIMILAR_ON_PAGE), ask, summaryModel, extract, hasFullText: (await papersWithFullText(deps.database.db, [found.paper.id])).size > 0 }));
};
