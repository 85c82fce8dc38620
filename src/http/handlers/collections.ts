/** GET /organizations/:name and /papers/category/:category: papers of an organization or an arXiv category. */
import type { Context } from 'hono';
import { ARXIV_CATEGORY } from '../../domain/arxiv-id.ts';
import { html } from 'hono/html';
import { membersOf, findOrganization } from '../../db/queries/organizations.ts';
import { getOrganization, papersOfCategory, papersOfOrganization, type Page, type PaperWithOrg } from '../../db/queries/lists.ts';
import { htmlError, PAGE_SIZE, pageParam, frame, votingFor, type Deps } from '../context.ts';
import { cardFromPaper, cardList, pager } from '../views/cards.ts';
import { withStoredImages } from '../card-images.ts';
import { storedImageHashes } from '../../db/queries/images.ts';
import { errorPage, layout, type FeedLink } from '../views/layout.ts';
import { ARXIV_TAXONOMY, categoryName } from '../../domain/arxiv-taxonomy.ts';
import { followControl } from '../follow-control.ts';
import type { Ctx } from '../context.ts';


async function papersPage(deps: Deps, c: Context, m: { title: string; heading: ReturnType<typeof html>; canonical: string; feed: FeedLink; list: Page<PaperWithOrg>; page: number; extra?: ReturnType<typeof html> | string }) {
  const pages = Math.max(1, Math.ceil(m.list.total / PAGE_SIZE));
  const voting = await votingFor(c, deps, m.list.items.map((i) => i.paper.id));
  return c.html(
    layout(
      frame(c, deps),
      { title: m.title, canonical: m.canonical, feeds: [m.feed], description: `${m.list.total} papers: ${m.title}.` },
      html`<div class="list-head"><div>${m.heading}<p class="byline">${m.list.total} paper${m.list.total === 1 ? '' : 's'}, newest first</p></div></div>
${m.extra ?? ''}
${cardList(await withStoredImages(deps.database.db, m.list.items.map(cardFromPaper)), deps.now(), 'No papers here yet.', voting)}
${pager(m.page, pages, (n) => (n === 1 ? m.canonical : `${m.canonical}?p=${n}`))}`,
    ),
  );
}

export const organizationPage = (deps: Deps) => async (c: Context) => {
  const page = pageParam(c);
  if (page === null) return htmlError(c, deps, 400, 'Bad page number', 'The page number (?p=) must be a whole number from 1.');
  const name = c.req.param('name') ?? '';
  const org = name.length <= 100 ? await getOrganization(deps.database.db, name) : undefined;
  if (!org) return htmlError(c, deps, 404, 'Organization not found', `There is no organization named “${name.slice(0, 100)}” here.`);
  const list = await papersOfOrganization(deps.database.db, org.name, { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
  // Its members (src/http/handlers/organizations-admin.ts), when it has any.
  const row = await findOrganization(deps.database.db, org.name);
  const members = row ? await membersOf(deps.database.db, row.id) : [];
  const followButton = await followControl(c as Ctx, deps, 'organization', org.name, org.fullname?.trim() || org.name);
  const extra = html`${followButton}${members.length > 0 ? html`<p class="meta-line org-members">Members: ${members.map((m, i) => html`${i > 0 ? ', ' : ''}<a href="/users/${m.username}">${m.username}</a>`)}</p>` : ''}`;
  // The organization's avatar as stored on this site (never hot-linked), when it is.
  const stored = org.avatarUrl ? (await storedImageHashes(deps.database.db, [org.avatarUrl])).get(org.avatarUrl) : undefined;
  const avatar = stored ? `/images/${stored}.webp` : null;
  const canonical = `/organizations/${encodeURIComponent(org.name)}`;
  return papersPage(deps, c, {
    title: org.fullname?.trim() || org.name,
    heading: html`<h1 style="display:flex;gap:12px;align-items:center">${avatar ? html`<img src="${avatar}" alt="" width="40" height="40" style="border-radius:8px">` : ''}${org.fullname?.trim() || org.name}</h1>`,
    canonical,
    feed: { title: `Papers of ${org.fullname?.trim() || org.name}`, path: `/feeds/organizations/${encodeURIComponent(org.name)}` },
    list,
    page,
    extra,
  });
};

export const categoryPage = (deps: Deps) => async (c: Context) => {
  const page = pageParam(c);
  if (page === null) return htmlError(c, deps, 400, 'Bad page number', 'The page number (?p=) must be a whole number from 1.');
  const category = c.req.param('category') ?? '';
  if (!ARXIV_CATEGORY.test(category)) return htmlError(c, deps, 400, 'Not an arXiv category', 'Categories are written like cs.CL, hep-th or astro-ph.GA.');
  const list = await papersOfCategory(deps.database.db, category, { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
  const name = categoryName(category);
  // A category arXiv does not have, and no paper here uses, is a 404 that lists the real ones (not an empty 200).
  if (!name && list.total === 0) return c.html(errorPage(frame(c, deps), 404, 'Category not found', `arXiv has no category “${category}”.`, taxonomyList()), 404);
  const feed = `/feeds/categories/${category}`;
  return papersPage(deps, c, {
    title: name ? `${category}: ${name}` : `${category} papers`,
    heading: html`<h1>${name ?? category}</h1><p class="byline category-id">arXiv category <code>${category}</code></p>`,
    canonical: `/papers/category/${category}`,
    feed: { title: `${category} papers`, path: feed },
    list,
    page,
    extra: html`${await followControl(c as Ctx, deps, 'category', category, category)}<p class="feed-links"><a class="button ghost small-feed" href="${feed}.rss">RSS feed</a> <a href="${feed}.atom">Atom</a> · <a href="${feed}.json">JSON Feed</a></p>`,
  });
};

/** arXiv's categories, by group, each linked to its page. */
const taxonomyList = () => html`<details class="taxonomy" open><summary>arXiv’s categories</summary>
  ${ARXIV_TAXONOMY.map((g) => html`<h2>${g.name}</h2><ul class="taxonomy-list">${g.categories.map((cat) => html`<li><a href="/papers/category/${cat.id}"><code>${cat.id}</code> ${cat.name}</a></li>`)}</ul>`)}
</details>`;
