/**
 * Feeds of the lists in RSS 2.0, Atom 1.0 and JSON Feed 1.1, written here (./xml.ts escapes the text):
 * the latest daily list, the latest weekly list, trending, an organization's and a category's papers.
 * URLs: /feeds/daily.rss, /feeds/weekly.atom, /feeds/trending.json, /feeds/organizations/NAME.rss,
 * /feeds/categories/CAT.atom, /feeds/users/NAME/collections/SLUG.json (public collections).
 */
import type { Context } from 'hono';
import { categoryPapers, getOrganization, latestListingDay, listingsInRange, organizationPapers } from '../../db/queries/lists.ts';
import { ARXIV_CATEGORY } from '../../domain/arxiv-id.ts';
import type { Paper } from '../../domain/merge.ts';
import { formatLongDay, formatRange, isoWeekOf, parseIsoWeek } from '../../domain/dates.ts';
import type { Deps } from '../context.ts';
import { trendingListings } from '../handlers/trending.ts';
import { collectionBySlug, papersOfCollection } from '../../db/queries/collections.ts';
import { SLUG_PATTERN } from '../../domain/collections.ts';
import { collectionFeedPath, collectionUrl } from '../views/member-collections.ts';
import { escapeHtml, excerpt } from '../views/text.ts';
import { element, xmlChars, xmlText } from './xml.ts';
import { plainLine } from '../../domain/tex.ts';

/** Items in a feed: a day's list is rarely longer; readers poll often. */
export const FEED_SIZE = 50;

/** A feed, written in the three formats by the functions below (plain text everywhere; escaped once, when written). */
export interface Feed {
  id: string;
  title: string;
  description: string;
  link: string;
  links: Record<Format, string>;
  updated: Date;
  items: {
    id: string;
    title: string;
    /** Plain text: the note and the abstract's start. */
    summary: string;
    /** Plain text: the whole abstract. */
    content?: string;
    authors: string[];
    categories: string[];
    date: Date;
    published?: Date;
  }[];
}

const FORMATS = {
  rss: { type: 'application/rss+xml; charset=utf-8', render: rss2 },
  atom: { type: 'application/atom+xml; charset=utf-8', render: atom1 },
  json: { type: 'application/feed+json; charset=utf-8', render: jsonFeed11 },
} as const;
export type Format = keyof typeof FORMATS;

const COPYRIGHT = 'Metadata from arXiv (CC0); abstracts under their authors’ licences';

/**
 * RSS 2.0. `<description>` is HTML by the spec, so the plain text is HTML-escaped, then XML-escaped;
 * `<title>` and `<dc:creator>` are plain text (what readers show as is).
 */
function rss2(f: Feed): string {
  const items = f.items.map((i) =>
    [
      '<item>',
      element('title', i.title),
      element('link', i.id),
      element('guid', i.id, { isPermaLink: 'true' }),
      element('pubDate', (i.published ?? i.date).toUTCString()),
      element('description', escapeHtml(i.summary)),
      i.content ? element('content:encoded', escapeHtml(i.content)) : '',
      ...i.authors.map((a) => element('dc:creator', a)),
      ...i.categories.map((c) => element('category', c)),
      '</item>',
    ].join(''),
  );
  return `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:atom="http://www.w3.org/2005/Atom"><channel>${[
    element('title', f.title),
    element('link', f.link),
    element('description', f.description),
    element('lastBuildDate', f.updated.toUTCString()),
    element('language', 'en'),
    element('copyright', COPYRIGHT),
    `<atom:link href="${xmlText(f.links.rss)}" rel="self" type="application/rss+xml"/>`,
    ...items,
  ].join('\n')}</channel></rss>
`;
}

/** Atom 1.0: every text construct is `type="text"`, so readers show the text as is. */
function atom1(f: Feed): string {
  const entries = f.items.map((i) =>
    [
      '<entry>',
      element('title', i.title, { type: 'text' }),
      element('id', i.id),
      `<link href="${xmlText(i.id)}"/>`,
      element('updated', i.date.toISOString()),
      i.published ? element('published', i.published.toISOString()) : '',
      element('summary', i.summary, { type: 'text' }),
      i.content ? element('content', i.content, { type: 'text' }) : '',
      ...i.authors.map((a) => `<author>${element('name', a)}</author>`),
      ...i.categories.map((c) => `<category term="${xmlText(c)}"/>`),
      '</entry>',
    ].join(''),
  );
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">${[
    element('id', f.id),
    element('title', f.title, { type: 'text' }),
    element('subtitle', f.description, { type: 'text' }),
    element('updated', f.updated.toISOString()),
    `<link rel="alternate" href="${xmlText(f.link)}"/>`,
    `<link rel="self" href="${xmlText(f.links.atom)}"/>`,
    element('rights', COPYRIGHT, { type: 'text' }),
    ...entries,
  ].join('\n')}</feed>
`;
}

/** JSON Feed 1.1 (https://jsonfeed.org/version/1.1); the same characters dropped as in XML, for one behaviour. */
function jsonFeed11(f: Feed): string {
  return JSON.stringify({
    version: 'https://jsonfeed.org/version/1.1',
    title: xmlChars(f.title),
    home_page_url: f.link,
    feed_url: f.links.json,
    description: xmlChars(f.description),
    language: 'en',
    items: f.items.map((i) => ({
      id: i.id,
      url: i.id,
      title: xmlChars(i.title),
      summary: xmlChars(i.summary),
      content_text: xmlChars(i.content ?? i.summary),
      date_published: (i.published ?? i.date).toISOString(),
      date_modified: i.date.toISOString(),
      authors: i.authors.map((a) => ({ name: xmlChars(a) })),
      tags: i.categories.map(xmlChars),
    })),
  });
}

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
  return {
    id: `${base}${pagePath}${query}`,
    link: `${base}${pagePath}${query}`,
    title: `${title} · ${deps.site.name}`,
    description,
    updated: new Date(items.reduce((max, i) => (i.date > max ? i.date : max), '1970-01-01T00:00:00.000Z')),
    links: { rss: `${base}${path}.rss${query}`, atom: `${base}${path}.atom${query}`, json: `${base}${path}.json${query}` },
    items: items.map(({ paper: p, date, note }) => ({
      id: `${base}/papers/${p.id}`,
      // Feed readers show text, not TeX (docs/decisions/0027-tex-and-search-explanations.md).
      title: plainLine(p.title),
      summary: note ? `${note}\n\n${excerpt(plainLine(p.abstract ?? ''), 300)}`.trim() : excerpt(plainLine(p.abstract ?? ''), 500),
      content: plainLine(p.abstract ?? '') || undefined,
      authors: p.authors.map((a) => a.name),
      categories: p.categories,
      date: new Date(date),
      published: p.publishedAt ? new Date(p.publishedAt) : undefined,
    })),
  };
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
  const list = await organizationPapers(deps.database.db, org.id).page({ limit: FEED_SIZE });
  const items = list.items.map((i) => ({ paper: i.paper, date: i.paper.publishedAt ?? '1970-01-01T00:00:00.000Z' }));
  const name = org.fullname?.trim() || org.name;
  const path = `/organizations/${encodeURIComponent(org.name)}`;
  return send(c, f.format, buildFeed(deps, `/feeds${path}`, `Papers of ${name}`, `New papers of ${name}.`, path, items));
};

/** GET /feeds/categories/CAT.rss|atom|json */
export const categoryFeed = (deps: Deps) => async (c: Context) => {
  const f = splitFile(c.req.param('file') ?? '');
  if (!f || !ARXIV_CATEGORY.test(f.name)) return notFound(c, c.req.path);
  const list = await categoryPapers(deps.database.db, f.name).page({ limit: FEED_SIZE });
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
