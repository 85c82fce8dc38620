/**
 * Feeds of the lists in RSS 2.0, Atom 1.0 and JSON Feed 1.1 (the `feed` library writes all three):
 * the latest daily list, the latest weekly list, trending, an organization's and a category's papers.
 * URLs: /feeds/daily.rss, /feeds/weekly.atom, /feeds/trending.json, /feeds/organizations/NAME.rss,
 * /feeds/categories/CAT.atom, /feeds/users/NAME/collections/SLUG.json (public collections).
 */
import type { Context } from 'hono';
import { Feed } from 'feed';
import { getOrganization, latestListingDay, listingsInRange, papersOfCategory, papersOfOrganization } from '../../db/queries/lists.ts';
import { ARXIV_CATEGORY } from '../../domain/arxiv-id.ts';
import type { Paper } from '../../domain/merge.ts';
import { formatLongDay, formatRange, isoWeekOf, parseIsoWeek } from '../../domain/dates.ts';
import type { Deps } from '../context.ts';
import { trendingListings } from '../handlers/trending.ts';
import { collectionBySlug, papersOfCollection } from '../../db/queries/collections.ts';
import { SLUG_PATTERN } from '../../domain/collections.ts';
import { collectionFeedPath, collectionUrl } from '../views/member-collections.ts';
import { excerpt } from '../views/text.ts';

/** Items in a feed: a day's list is rarely longer; readers poll often. */
export const FEED_SIZE = 50;

const FORMATS = {
  rss: { type: 'application/rss+xml; charset=utf-8', render: (f: Feed) => f.rss2() },
  atom: { type: 'application/atom+xml; charset=utf-8', render: (f: Feed) => f.atom1() },
  json: { type: 'application/feed+json; charset=utf-8', render: jsonFeed11 },
} as const;

/**
 * JSON Feed 1.1 (https://jsonfeed.org/version/1.1). The feed library writes version 1, whose single
 * `author` 1.1 replaced with `authors`; the structure is small enough to write from its data here.
 */
function jsonFeed11(f: Feed): string {
  const o = f.options;
  return JSON.stringify({
    version: 'https://jsonfeed.org/version/1.1',
    title: o.title,
    home_page_url: o.link,
    feed_url: o.feedLinks?.json,
    description: o.description,
    language: o.language,
    items: f.items.map((i) => ({
      id: i.id ?? i.link,
      url: i.link,
      title: i.title,
      summary: i.description,
      content_text: i.content ?? i.description ?? '',
      date_published: (i.published ?? i.date).toISOString(),
      date_modified: i.date.toISOString(),
      authors: (i.author ?? []).map((a) => ({ name: a.name })),
      tags: (i.category ?? []).map((c) => c.name),
    })),
  });
}
export type Format = keyof typeof FORMATS;

export interface FeedItem {
  paper: Paper;
  /** When it was listed (or published, for paper feeds; added, for collections). */
  date: string;
  /** A collection's note on the paper: its summary, before the abstract. */
  note?: string | null;
}

/** `query`: a query string after the feed's extension and the page path (search feeds: `?q=…`). */
export function buildFeed(deps: Deps, path: string, title: string, description: string, pagePath: string, items: FeedItem[], query = ''): Feed {
  const base = deps.site.publicUrl;
  const feed = new Feed({
    id: `${base}${pagePath}${query}`,
    link: `${base}${pagePath}${query}`,
    title: `${title} · ${deps.site.name}`,
    description,
    language: 'en',
    generator: deps.site.name,
    copyright: 'Metadata from arXiv (CC0); abstracts under their authors’ licences',
    updated: new Date(items.reduce((max, i) => (i.date > max ? i.date : max), '1970-01-01T00:00:00.000Z')),
    feedLinks: { rss: `${base}${path}.rss${query}`, atom: `${base}${path}.atom${query}`, json: `${base}${path}.json${query}` },
  });
  for (const { paper: p, date, note } of items) {
    const link = `${base}/papers/${p.id}`;
    feed.addItem({
      title: p.title.replace(/\s+/g, ' ').trim(),
      id: link,
      link,
      description: note ? `${note}\n\n${excerpt(p.abstract ?? '', 300)}`.trim() : excerpt(p.abstract ?? '', 500),
      content: p.abstract?.replace(/\s+/g, ' ').trim(),
      author: p.authors.map((a) => ({ name: a.name })),
      date: new Date(date),
      published: p.publishedAt ? new Date(p.publishedAt) : undefined,
      category: p.categories.map((name) => ({ name })),
    });
  }
  return feed;
}

/** Splits `daily.rss` into its name and a known format. */
export function splitFile(file: string): { name: string; format: Format } | null {
  const m = /^(.+)\.(rss|atom|json)$/.exec(file);
  return m ? { name: m[1]!, format: m[2] as Format } : null;
}

export function send(c: Context, format: Format, feed: Feed) {
  return c.body(FORMATS[format].render(feed), 200, { 'Content-Type': FORMATS[format].type });
}

const notFound = (c: Context, what: string) => c.json({ error: `no such feed: ${what}` }, 404);

/** GET /feeds/daily.rss|atom|json, /feeds/weekly.…, /feeds/trending.… */
export const listFeed = (deps: Deps) => async (c: Context) => {
  const f = splitFile(c.req.param('file') ?? '');
  if (!f) return notFound(c, c.req.path);
  const { db } = deps.database;
  const latest = (await latestListingDay(db)) ?? deps.now().toISOString().slice(0, 10);
  if (f.name === 'trending') {
    const ranked = (await trendingListings(deps.database, deps.now())).slice(0, FEED_SIZE);
    const items = ranked.map((l) => ({ paper: l.paper, date: l.entry.listedAt ?? `${l.entry.day}T00:00:00.000Z` }));
    return send(c, f.format, buildFeed(deps, '/feeds/trending', 'Trending papers', 'Papers the community is upvoting and discussing now.', '/papers/trending', items));
  }
  if (f.name !== 'daily' && f.name !== 'weekly') return notFound(c, c.req.path);
  const week = isoWeekOf(latest);
  const range = f.name === 'daily' ? { from: latest, to: latest } : parseIsoWeek(week)!;
  const list = await listingsInRange(db, range, { limit: FEED_SIZE, offset: 0 });
  const items = list.items.map((l) => ({ paper: l.paper, date: l.entry.listedAt ?? `${l.entry.day}T00:00:00.000Z` }));
  return f.name === 'daily'
    ? send(c, f.format, buildFeed(deps, '/feeds/daily', 'Daily papers', `The papers of ${formatLongDay(latest)}.`, `/papers/date/${latest}`, items))
    : send(c, f.format, buildFeed(deps, '/feeds/weekly', 'Weekly papers', `The papers of the week ${formatRange(range)}.`, `/papers/week/${week}`, items));
};

/** GET /feeds/organizations/NAME.rss|atom|json */
export const organizationFeed = (deps: Deps) => async (c: Context) => {
  const f = splitFile(c.req.param('file') ?? '');
  const org = f && f.name.length <= 100 ? await getOrganization(deps.database.db, f.name) : undefined;
  if (!f || !org) return notFound(c, c.req.path);
  const list = await papersOfOrganization(deps.database.db, org.name, { limit: FEED_SIZE, offset: 0 });
  const items = list.items.map((i) => ({ paper: i.paper, date: i.paper.publishedAt ?? '1970-01-01T00:00:00.000Z' }));
  const name = org.fullname?.trim() || org.name;
  const path = `/organizations/${encodeURIComponent(org.name)}`;
  return send(c, f.format, buildFeed(deps, `/feeds${path}`, `Papers of ${name}`, `New papers of ${name}.`, path, items));
};

/** GET /feeds/categories/CAT.rss|atom|json */
export const categoryFeed = (deps: Deps) => async (c: Context) => {
  const f = splitFile(c.req.param('file') ?? '');
  if (!f || !ARXIV_CATEGORY.test(f.name)) return notFound(c, c.req.path);
  const list = await papersOfCategory(deps.database.db, f.name, { limit: FEED_SIZE, offset: 0 });
  const items = list.items.map((i) => ({ paper: i.paper, date: i.paper.publishedAt ?? '1970-01-01T00:00:00.000Z' }));
  return send(c, f.format, buildFeed(deps, `/feeds/categories/${f.name}`, `${f.name} papers`, `New papers in ${f.name}.`, `/papers/category/${f.name}`, items));
};

/** GET /feeds/users/:username/collections/SLUG.rss|atom|json: a public collection, most recently added first, notes as summaries. */
export const collectionFeed = (deps: Deps) => async (c: Context) => {
  const f = splitFile(c.req.param('file') ?? '');
  const col = f && SLUG_PATTERN.test(f.name) ? await collectionBySlug(deps.database.db, c.req.param('username') ?? '', f.name) : undefined;
  // Feed readers carry no session: a private collection has no feed, even for its owner.
  if (!f || !col || !col.isPublic) return notFound(c, c.req.path);
  const list = await papersOfCollection(deps.database.db, col.id, { limit: FEED_SIZE, offset: 0 });
  const items = list.items.map((i) => ({ paper: i.paper, date: i.addedAt, note: i.note }));
  return send(c, f.format, buildFeed(deps, collectionFeedPath(col), col.name, `Papers collected by ${col.owner}.`, collectionUrl(col), items));
};
