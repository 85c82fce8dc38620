/**
 * GET /papers/search (and /search) — the search page; GET /papers/search/feed.rss|atom|json — a feed of
 * any search, newest first. Both run src/search/hybrid.ts `search`, as the API does.
 */
import type { Context } from 'hono';
import { papersByIds } from '../../db/queries/lists.ts';
import { highlightWords } from '../../domain/search-query.ts';
import { search, type SearchOutcome } from '../../search/hybrid.ts';
import { usableSemantic } from '../../search/types.ts';
import { csrfToken, frame, htmlError, PAGE_SIZE, pageParam, votingFor, type Ctx, type Deps } from '../context.ts';
import { buildFeed, FEED_SIZE, send, splitFile, type FeedItem } from '../feeds/feeds.ts';
import { parseSearchParams, searchQueryString } from '../search-params.ts';
import { cardFromPaper } from '../views/cards.ts';
import { withStoredImages } from '../card-images.ts';
import { highlightPattern } from '../views/highlight.ts';
import { searchPage as renderSearchPage, type SearchCard } from '../views/search-page.ts';
import { followableQuery, followControl } from '../follow-control.ts';

/** An author's search (author:"Name") follows the author, a search of plain words the keyword. */
async function searchFollow(c: Ctx, deps: Deps, q: string) {
  const f = followableQuery(q);
  return f ? followControl(c, deps, f.kind, f.value, f.kind === 'author' ? f.value : `“${f.value}”`) : '';
}

/** Deepest page of results offered (the pager stops there). */
const MAX_PAGE = 50;

export const searchPage = (deps: Deps) => async (c: Ctx) => {
  const parsed = parseSearchParams(c.req.query(), { mode: 'hybrid', sort: 'relevance' });
  if (!parsed.ok) return htmlError(c, deps, 400, 'Bad search', parsed.message.replace(/[.!?]?$/, '.'));
  const page = pageParam(c);
  if (page === null) return htmlError(c, deps, 400, 'Bad page number', `The page number (?p=) must be a whole number from 1 to ${MAX_PAGE}.`);
  if (page > MAX_PAGE) {
    return htmlError(c, deps, 400, 'Page number too deep', `Search results go ${MAX_PAGE} pages deep (${(MAX_PAGE * PAGE_SIZE).toLocaleString('en-US')} results): narrow the search (more words, a category, a date range) to reach the others.`);
  }
  const params = parsed.params;
  const outcome = await search(deps, { q: params.q, mode: params.mode, sort: params.sort, filters: params.filters, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
  if (outcome.kind === 'redirect') return c.redirect(`/papers/${outcome.paperId}`, 302);
  if (outcome.kind === 'too-slow') return htmlError(c, deps, 503, 'Search took too long', outcome.message);
  const model = { params, semanticAvailable: usableSemantic(deps.semantic) !== null, now: deps.now() };
  if (outcome.kind !== 'results') {
    const state = outcome.kind === 'empty' ? { kind: 'empty' as const } : { kind: 'message' as const, message: outcome.message };
    return c.html(renderSearchPage(frame(c, deps), { ...model, state, voting: await votingFor(c, deps, []) }));
  }
  const cards = await cardsOf(deps, outcome);
  const pages = Math.min(MAX_PAGE, Math.max(1, Math.ceil(outcome.total / PAGE_SIZE)));
  return c.html(
    renderSearchPage(frame(c, deps), {
      ...model,
      state: {
        kind: 'results', mode: outcome.mode, total: outcome.total, totalCapped: outcome.totalCapped, cards, page, pages, notices: outcome.notices,
        suggestion: outcome.suggestion, keywordMatches: outcome.keywordMatches, sort: params.sort, perPage: PAGE_SIZE,
      },
      voting: await votingFor(c, deps, cards.map((x) => x.id)),
      save: c.get('viewer') ? { csrf: csrfToken(c, deps) } : null,
      follow: await searchFollow(c, deps, params.q),
    }),
  );
};

async function cardsOf(deps: Deps, outcome: Extract<SearchOutcome, { kind: 'results' }>): Promise<SearchCard[]> {
  const papers = await papersByIds(deps.database.db, outcome.hits.map((h) => h.paperId));
  const words = [...highlightWords(outcome.query), ...outcome.corrected.map(([, stem]) => stem)];
  const pattern = highlightPattern(words);
  const authorPattern = highlightPattern([...outcome.query.authors.flat(), ...outcome.query.terms.flatMap((t) => t.words)]);
  return withStoredImages(
    deps.database.db,
    outcome.hits.flatMap((h) => {
      const p = papers.get(h.paperId);
      if (!p) return [];
      // The card shows no author names: say which ones matched (up to 3), as the reason the paper is here.
      const matchedAuthors = authorPattern ? p.paper.authors.map((a) => a.name).filter((n) => n.search(authorPattern) >= 0).slice(0, 3) : [];
      return [{ ...cardFromPaper(p), highlight: pattern, matchedAuthors, keywordMatch: h.keywordRank !== null }];
    }),
  );
}

/** GET /papers/search/feed.rss|atom|json?q=…: the newest papers of a search (any mode; sorted by date). */
export const searchFeed = (deps: Deps) => async (c: Context) => {
  const f = splitFile(c.req.param('file') ?? '');
  if (!f || f.name !== 'feed') return c.json({ error: `no such feed: ${c.req.path}` }, 404);
  const parsed = parseSearchParams(c.req.query(), { mode: 'hybrid', sort: 'date' });
  if (!parsed.ok) return c.json({ error: parsed.message }, 400);
  const params = { ...parsed.params, sort: 'date' as const };
  const outcome = await search(deps, { q: params.q, mode: params.mode, sort: 'date', filters: params.filters, limit: FEED_SIZE, offset: 0 });
  if (outcome.kind === 'redirect') return c.redirect(`/papers/${outcome.paperId}`, 302);
  if (outcome.kind === 'too-slow') return c.json({ error: outcome.message }, 503);
  if (outcome.kind !== 'results') return c.json({ error: outcome.kind === 'empty' ? 'q: give a query (or a filter) to follow' : outcome.message }, 400);
  const papers = await papersByIds(deps.database.db, outcome.hits.map((h) => h.paperId));
  const items: FeedItem[] = outcome.hits.flatMap((h) => {
    const p = papers.get(h.paperId);
    return p ? [{ paper: p.paper, date: p.paper.publishedAt ?? '1970-01-01T00:00:00.000Z' }] : [];
  });
  const qs = searchQueryString(parsed.params, {}, { mode: 'hybrid', sort: 'date' });
  const label = params.q.trim().replace(/\s+/g, ' ').slice(0, 100) || 'filters';
  return send(c, f.format, buildFeed(deps, '/papers/search/feed', `Search: ${label}`, `New papers matching “${label}”.`, '/papers/search', items, qs));
};
