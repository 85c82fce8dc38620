/**
 * GET /organizations/:name and /papers/category/:category: papers of an organization or an arXiv category, newest
 * first, paged by cursor (`?after=` / `?before=`; docs/decisions/0041-keyset-pagination.md).
 */
import type { Context } from 'hono';
import { ARXIV_CATEGORY } from '../../domain/arxiv-id.ts';
import { html } from 'hono/html';
import { membersOf, findOrganization } from '../../db/queries/organizations.ts';
import { categoryPapers, getOrganization, organizationPapers, type CappedCount, type KeysetPage, type KeysetRequest, type PaperList, type PaperWithOrg } from '../../db/queries/lists.ts';
import { CursorError, encodeCursor, parseCursor } from '../../domain/list-cursor.ts';
import { htmlError, PAGE_SIZE, pageParam, frame, votingFor, type Deps } from '../context.ts';
import { cardFromPaper, cardList, cursorPager } from '../views/cards.ts';
import { withStoredImages } from '../card-images.ts';
import { storedImageHashes } from '../../db/queries/images.ts';
import { errorPage, layout, type FeedLink } from '../views/layout.ts';
import { ARXIV_TAXONOMY, categoryName } from '../../domain/arxiv-taxonomy.ts';
import { followControl } from '../follow-control.ts';
import type { Ctx } from '../context.ts';


/** Old `?p=N` links (before keyset paging) are redirected to the same page up to this one; past it, a 400. */
export const LEGACY_PAGE_MAX = 100;

/** "1 paper", "2,345 papers", "10,000+ papers". */
export function papersCount(n: CappedCount): string {
  return `${n.count.toLocaleString('en-US')}${n.capped ? '+' : ''} paper${n.count === 1 && !n.capped ? '' : 's'}`;
}

/**
 * Where the request is in the list: `?after=CURSOR`, `?before=CURSOR` or the first page; an old `?p=N` link is
 * redirected to its cursor page (N ≤ LEGACY_PAGE_MAX). A Response when the answer is not a page (a redirect, a
 * 400 for a malformed cursor or page number, a 404 past the end).
 */
async function position(c: Context, deps: Deps, canonical: string, list: PaperList): Promise<KeysetRequest | Response> {
  if (c.req.query('p') !== undefined) {
    const page = pageParam(c);
    if (page === null) return htmlError(c, deps, 400, 'Bad page number', 'The page number (?p=) must be a whole number from 1.');
    if (page === 1) return c.redirect(canonical, 302);
    if (page > LEGACY_PAGE_MAX) {
      return htmlError(c, deps, 400, 'Page number too deep', `This list no longer has numbered pages: links with ?p= work up to page ${LEGACY_PAGE_MAX}. Open the list and follow its Next links.`);
    }
    // The row before the page's first row names the page (`?after=`); no row at the page's start: past the end.
    const keys = await list.keysAt((page - 1) * PAGE_SIZE - 1);
    if (keys.length < 2) return htmlError(c, deps, 404, 'No such page', `This list has fewer than ${page} pages.`);
    return c.redirect(`${canonical}?after=${encodeCursor(keys[0]!)}`, 302);
  }
  const after = c.req.query('after');
  const before = c.req.query('before');
  if (after !== undefined && before !== undefined) return htmlError(c, deps, 400, 'Bad page cursor', 'Give ?after= or ?before=, not both.');
  const raw = after ?? before;
  if (raw === undefined) return { limit: PAGE_SIZE };
  const key = parseCursor(raw);
  if (key instanceof CursorError) return htmlError(c, deps, 400, 'Bad page cursor', key.message);
  return after !== undefined ? { limit: PAGE_SIZE, after: key } : { limit: PAGE_SIZE, before: key };
}

async function papersPage(deps: Deps, c: Context, m: { title: string; heading: ReturnType<typeof html>; canonical: string; feed: FeedLink; list: KeysetPage<PaperWithOrg>; count: CappedCount; extra?: ReturnType<typeof html> | string }) {
  const voting = await votingFor(c, deps, m.list.items.map((i) => i.paper.id));
  const count = papersCount(m.count);
  const prev = m.list.earlier && m.list.keys.length > 0 ? `${m.canonical}?before=${encodeCursor(m.list.keys[0]!)}` : null;
  const next = m.list.more ? `${m.canonical}?after=${encodeCursor(m.list.keys.at(-1)!)}` : null;
  return c.html(
    layout(
      frame(c, deps),
      { title: m.title, canonical: m.canonical, feeds: [m.feed], description: `${count}: ${m.title}.` },
      html`<div class="list-head"><div>${m.heading}<p class="byline">${count}, newest first</p></div></div>
${m.extra ?? ''}
${cardList(await withStoredImages(deps.database.db, m.list.items.map(cardFromPaper)), deps.now(), 'No papers here yet.', voting)}
${cursorPager(prev, next)}`,
    ),
  );
}

/** A cursor past the end of the list (a crafted one, or the list shrank): a 404 rather than an empty page. */
const pastTheEnd = (c: Context, deps: Deps, canonical: string) =>
  c.html(errorPage(frame(c, deps), 404, 'No more papers', 'There are no papers past this point of the list.', html`<p><a href="${canonical}">Back to the first page</a></p>`), 404);

export const organizationPage = (deps: Deps) => async (c: Context) => {
  const name = c.req.param('name') ?? '';
  const org = name.length <= 100 ? await getOrganization(deps.database.db, name) : undefined;
  if (!org) return htmlError(c, deps, 404, 'Organization not found', `There is no organization named “${name.slice(0, 100)}” here.`);
  const { db } = deps.database;
  const canonical = `/organizations/${encodeURIComponent(org.name)}`;
  const papers = organizationPapers(db, org.id);
  const req = await position(c, deps, canonical, papers);
  if (req instanceof Response) return req;
  const list = await papers.page(req);
  if (list.items.length === 0 && (req.after || req.before)) return pastTheEnd(c, deps, canonical);
  const count = await papers.count();
  // Its members (src/http/handlers/organizations-admin.ts), when it has any.
  const row = await findOrganization(db, org.name);
  const members = row ? await membersOf(db, row.id) : [];
  const followButton = await followControl(c as Ctx, deps, 'organization', org.name, org.fullname?.trim() || org.name);
  const extra = html`${followButton}${members.length > 0 ? html`<p class="meta-line org-members">Members: ${members.map((m, i) => html`${i > 0 ? ', ' : ''}<a href="/users/${m.username}">${m.username}</a>`)}</p>` : ''}`;
  // The organization's avatar as stored on this site (never hot-linked), when it is.
  const stored = org.avatarUrl ? (await storedImageHashes(db, [org.avatarUrl])).get(org.avatarUrl) : undefined;
  const avatar = stored ? `/images/${stored}.webp` : null;
  return papersPage(deps, c, {
    title: org.fullname?.trim() || org.name,
    heading: html`<h1 style="display:flex;gap:12px;align-items:center">${avatar ? html`<img src="${avatar}" alt="" width="40" height="40" style="border-radius:8px">` : ''}${org.fullname?.trim() || org.name}</h1>`,
    canonical,
    feed: { title: `Papers of ${org.fullname?.trim() || org.name}`, path: `/feeds/organizations/${encodeURIComponent(org.name)}` },
    list,
    count,
    extra,
  });
};

export const categoryPage = (deps: Deps) => async (c: Context) => {
  const category = c.req.param('category') ?? '';
  if (!ARXIV_CATEGORY.test(category)) return htmlError(c, deps, 400, 'Not an arXiv category', 'Categories are written like cs.CL, hep-th or astro-ph.GA.');
  const { db } = deps.database;
  const canonical = `/papers/category/${category}`;
  const papers = categoryPapers(db, category);
  const req = await position(c, deps, canonical, papers);
  if (req instanceof Response) return req;
  const list = await papers.page(req);
  const name = categoryName(category);
  // A category arXiv does not have, and no paper here uses, is a 404 that lists the real ones (not an empty 200).
  if (!name && list.items.length === 0 && !req.after && !req.before) return c.html(errorPage(frame(c, deps), 404, 'Category not found', `arXiv has no category “${category}”.`, taxonomyList()), 404);
  if (list.items.length === 0 && (req.after || req.before)) return pastTheEnd(c, deps, canonical);
  const count = await papers.count();
  const feed = `/feeds/categories/${category}`;
  return papersPage(deps, c, {
    title: name ? `${category}: ${name}` : `${category} papers`,
    heading: html`<h1>${name ?? category}</h1><p class="byline category-id">arXiv category <code>${category}</code></p>`,
    canonical,
    feed: { title: `${category} papers`, path: feed },
    list,
    count,
    extra: html`${await followControl(c as Ctx, deps, 'category', category, category)}<p class="feed-links"><a class="button ghost small-feed" href="${feed}.rss">RSS feed</a> <a href="${feed}.atom">Atom</a> · <a href="${feed}.json">JSON Feed</a></p>`,
  });
};

/** arXiv's categories, by group, each linked to its page. */
const taxonomyList = () => html`<details class="taxonomy" open><summary>arXiv’s categories</summary>
  ${ARXIV_TAXONOMY.map((g) => html`<h2>${g.name}</h2><ul class="taxonomy-list">${g.categories.map((cat) => html`<li><a href="/papers/category/${cat.id}"><code>${cat.id}</code> ${cat.name}</a></li>`)}</ul>`)}
</details>`;
