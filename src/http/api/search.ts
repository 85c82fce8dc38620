/**
 * The search API. GET /api/papers/search?q=&limit= answers in Hugging Face's format (an array of
 * `{paper, …}`, the paper object as GET /api/papers/ID gives it); GET /api/search takes every mode,
 * filter and sort and answers with scores, the mode used and the total. Both run src/search/hybrid.ts.
 */
import type { Context } from 'hono';
import { latestListingsOf, papersByIds, type Listing, type PaperWithOrg } from '../../db/queries/lists.ts';
import { RRF_K, search, SEMANTIC_UNAVAILABLE, SEMANTIC_WEIGHT, type SearchOutcome } from '../../search/hybrid.ts';
import type { Deps } from '../context.ts';
import { parseSearchParams } from '../search-params.ts';
import { apiError } from './handlers.ts';
import { hfDailyPaper, hfOrganization, hfPaper } from './hf-format.ts';

/** Longest `q` of the Hugging Face-compatible endpoint (theirs). */
export const HF_MAX_QUERY = 250;
export const HF_MAX_LIMIT = 120;
export const SEARCH_MAX_LIMIT = 100;
/** Deepest result offered by /api/search (offset + limit). */
export const SEARCH_MAX_DEPTH = 1000;

const wholeNumber = (raw: string | undefined, name: string, min: number, max: number, fallback: number): number | string => {
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d{1,7}$/.test(raw) || Number(raw) < min || Number(raw) > max) return `${name}: expected a whole number from ${min} to ${max}`;
  return Number(raw);
};

/** One result in Hugging Face's shape: a listed paper as in /api/daily_papers, else the paper alone. */
function hfResult(p: PaperWithOrg, listing: Listing | undefined): Record<string, unknown> {
  if (listing) return hfDailyPaper(listing);
  return Object.fromEntries(
    Object.entries({
      paper: hfPaper(p.paper, p.organization),
      publishedAt: p.paper.publishedAt,
      title: p.paper.title.replace(/\s+/g, ' ').trim(),
      summary: p.paper.abstract,
      numComments: p.numComments ?? 0,
      organization: hfOrganization(p.organization),
      isAuthorParticipating: false,
    }).filter(([, v]) => v !== null && v !== undefined),
  );
}

async function load(deps: Deps, ids: string[]) {
  const { db } = deps.database;
  const [papers, listings] = await Promise.all([papersByIds(db, ids), latestListingsOf(db, ids)]);
  return { papers, listings };
}

/** The ids an outcome answers with: its hits, or the one paper an arXiv id names. */
function idsOf(outcome: SearchOutcome): string[] {
  if (outcome.kind === 'redirect') return [outcome.paperId];
  return outcome.kind === 'results' ? outcome.hits.map((h) => h.paperId) : [];
}

/** GET /api/papers/search?q=&limit= */
export const hfSearch = (deps: Deps) => async (c: Context) => {
  const q = c.req.query('q');
  if (q === undefined || q.trim() === '') return apiError(c, 400, 'q: required, the words to search for');
  if (q.length > HF_MAX_QUERY) return apiError(c, 400, `q: at most ${HF_MAX_QUERY} characters`);
  const limit = wholeNumber(c.req.query('limit'), 'limit', 1, HF_MAX_LIMIT, 50);
  if (typeof limit === 'string') return apiError(c, 400, limit);
  const outcome = await search(deps, { q, mode: 'hybrid', sort: 'relevance', limit, offset: 0 });
  if (outcome.kind === 'invalid') return apiError(c, 400, `q: ${outcome.message}`);
  if (outcome.kind === 'too-slow') return apiError(c, 503, outcome.message);
  const ids = idsOf(outcome);
  const { papers, listings } = await load(deps, ids);
  return c.json(ids.flatMap((id) => (papers.has(id) ? [hfResult(papers.get(id)!, listings.get(id))] : [])));
};

/** GET /api/search?q=&mode=&sort=&from=&to=&cat=&org=&code=&listed=&limit=&offset= */
export const searchApi = (deps: Deps) => async (c: Context) => {
  const query = c.req.query();
  const parsed = parseSearchParams(query, { mode: 'hybrid', sort: 'relevance' });
  if (!parsed.ok) return apiError(c, 400, parsed.message);
  if ((query.q ?? '').length > 1000) return apiError(c, 400, 'q: at most 1000 characters');
  const limit = wholeNumber(query.limit, 'limit', 1, SEARCH_MAX_LIMIT, 20);
  if (typeof limit === 'string') return apiError(c, 400, limit);
  const offset = wholeNumber(query.offset, 'offset', 0, SEARCH_MAX_DEPTH - limit, 0);
  if (typeof offset === 'string') {
    // A deep offset (the site's search page stops at page 50 too): say why, not only the range.
    if (/^\d{1,7}$/.test(query.offset ?? '')) return apiError(c, 400, `offset: results go ${SEARCH_MAX_DEPTH} deep (offset + limit at most ${SEARCH_MAX_DEPTH}, so offset from 0 to ${SEARCH_MAX_DEPTH - limit}); narrow the search to reach the others`);
    return apiError(c, 400, offset);
  }
  const p = parsed.params;
  const outcome = await search(deps, { q: p.q, mode: p.mode, sort: p.sort, filters: p.filters, limit, offset });
  if (outcome.kind === 'empty') return apiError(c, 400, 'q: give a query (or a filter: from, to, cat, org, code, listed)');
  if (outcome.kind === 'invalid') return apiError(c, 400, outcome.message === SEMANTIC_UNAVAILABLE ? `mode: ${outcome.message}` : `q: ${outcome.message}`);
  if (outcome.kind === 'too-slow') return apiError(c, 503, outcome.message);
  const ids = idsOf(outcome);
  const { papers, listings } = await load(deps, ids);
  const paperOf = (id: string) => {
    const p = papers.get(id)!;
    return hfPaper(p.paper, p.organization, listings.get(id));
  };
  if (outcome.kind === 'redirect') {
    const found = papers.has(outcome.paperId);
    return c.json({
      query: p.q, match: 'arxiv-id', mode: p.mode, requestedMode: p.mode, sort: p.sort, total: found ? 1 : 0, totalCapped: false, limit, offset,
      notices: found ? [] : [`paper ${outcome.paperId} is not on this site`], corrected: [], suggestion: null, keywordMatches: null, model: null,
      results: found ? [{ id: outcome.paperId, score: 1, paper: paperOf(outcome.paperId) }] : [],
    });
  }
  return c.json({
    query: p.q,
    match: 'search',
    mode: outcome.mode,
    requestedMode: outcome.requestedMode,
    sort: p.sort,
    total: outcome.total,
    totalCapped: outcome.totalCapped,
    limit,
    offset,
    notices: outcome.notices,
    corrected: outcome.corrected.map(([from, to]) => ({ from, to })),
    suggestion: outcome.suggestion,
    keywordMatches: outcome.keywordMatches,
    model: outcome.model,
    results: outcome.hits
      .filter((h) => papers.has(h.paperId))
      .map((h) => ({
        id: h.paperId,
        score: h.score,
        ...(h.keywordRank !== undefined ? { keywordRank: h.keywordRank } : {}),
        ...(h.semanticRank !== undefined ? { semanticRank: h.semanticRank } : {}),
        paper: paperOf(h.paperId),
      })),
  });
};

/** The OpenAPI description of the two search endpoints (merged into src/http/api/openapi.ts). */
export function searchOpenApi() {
  const error = { $ref: '#/components/schemas/Error' };
  const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: error } } });
  const syntax =
    'Words (papers with all of them first, then those with some), "quoted phrases", -excluded, author:NAME or author:"First Last", ' +
    'cat:cs.CL, org:NAME, year:2024 or year:2020-2024. An arXiv id or URL answers with that paper. Misspelt words are replaced by the closest indexed word when nothing matches.';
  return {
    paths: {
      '/api/papers/search': {
        get: {
          operationId: 'searchPapersHf',
          summary: 'Search papers (Hugging Face format)',
          description: `Hybrid search (keyword rank fused with semantic similarity; keyword alone where semantic search is not set up), best first, as Hugging Face's GET /api/papers/search: each result has a \`paper\` object of the shape of GET /api/papers/{id}. ${syntax}`,
          parameters: [
            { name: 'q', in: 'query', required: true, description: `The query, at most ${HF_MAX_QUERY} characters.`, schema: { type: 'string', maxLength: HF_MAX_QUERY } },
            { name: 'limit', in: 'query', description: 'How many results.', schema: { type: 'integer', minimum: 1, maximum: HF_MAX_LIMIT, default: 50 } },
          ],
          responses: {
            200: { description: 'Results, best first.', content: { 'application/json': { schema: { type: 'array', items: { $ref: '#/components/schemas/DailyPaper' } } } } },
            304: { description: 'Not modified.' },
            400: errorResponse('q missing, too long, or with nothing to search for (only common words); limit out of range. The message names the parameter.'),
            503: errorResponse('The search took too long and was stopped: simplify the query.'),
          },
        },
      },
      '/api/search': {
        get: {
          operationId: 'search',
          summary: 'Search papers, with every mode, filter and sort',
          description: `Keyword (SQLite FTS5 BM25 / PostgreSQL ts_rank_cd over title, authors and abstract), semantic (embeddings) or hybrid (keyword rank fused with semantic similarity: 1/(${RRF_K} + keyword rank) + ${SEMANTIC_WEIGHT} × similarity relative to the best semantic match). ${syntax} Without words, the filters list papers newest first.`,
          parameters: [
            { name: 'q', in: 'query', description: 'The query (at most 1,000 characters). Optional when a filter is given.', schema: { type: 'string', maxLength: 1000 } },
            { name: 'mode', in: 'query', description: '`hybrid` falls back to keyword (and says so in `mode`) where semantic search is not set up; `semantic` is then a 400.', schema: { type: 'string', enum: ['hybrid', 'keyword', 'semantic'], default: 'hybrid' } },
            { name: 'sort', in: 'query', schema: { type: 'string', enum: ['relevance', 'date', 'upvotes'], default: 'relevance' } },
            { name: 'from', in: 'query', description: 'First arXiv publication day (inclusive).', schema: { type: 'string', format: 'date' } },
            { name: 'to', in: 'query', description: 'Last arXiv publication day (inclusive).', schema: { type: 'string', format: 'date' } },
            { name: 'cat', in: 'query', description: 'An arXiv category (primary or cross-list), e.g. cs.CL.', schema: { type: 'string' } },
            { name: 'org', in: 'query', description: 'An organization (short or full name).', schema: { type: 'string' } },
            { name: 'code', in: 'query', description: '1: only papers with a code repository.', schema: { type: 'string', enum: ['1'] } },
            { name: 'listed', in: 'query', description: '1: only papers that were on a daily list.', schema: { type: 'string', enum: ['1'] } },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: SEARCH_MAX_LIMIT, default: 20 } },
            { name: 'offset', in: 'query', description: `Results to skip (offset + limit at most ${SEARCH_MAX_DEPTH}).`, schema: { type: 'integer', minimum: 0, default: 0 } },
          ],
          responses: {
            200: {
              description: 'One page of results, with the mode used and the total.',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: {
                      query: { type: 'string' },
                      match: { type: 'string', enum: ['search', 'arxiv-id'] },
                      mode: { type: 'string', enum: ['hybrid', 'keyword', 'semantic'], description: 'The mode that ran.' },
                      requestedMode: { type: 'string', enum: ['hybrid', 'keyword', 'semantic'] },
                      sort: { type: 'string' },
                      total: { type: 'integer', description: 'Matches (hybrid and semantic: the fused candidates).' },
                      totalCapped: { type: 'boolean', description: 'Counting stopped at `total`: there are more.' },
                      limit: { type: 'integer' },
                      offset: { type: 'integer' },
                      notices: { type: 'array', items: { type: 'string' }, description: 'Parts of the query ignored (operators past the caps on one query: "Only the first 2 org: filters were used."), spelling corrections, fallbacks.' },
                      corrected: { type: 'array', items: { type: 'object', properties: { from: { type: 'string' }, to: { type: 'string' } } } },
                      suggestion: { type: ['string', 'null'], description: '"Did you mean": the query with a rare word replaced by a close, much more common one (`mixure of experts` → `mixture of experts`).' },
                      keywordMatches: {
                        type: ['object', 'null'],
                        description: 'Papers matching the words (in every mode), counted up to 1,000 (`capped`: more). Hybrid results list these first, then papers related only by meaning (keywordRank null).',
                        properties: { total: { type: 'integer' }, capped: { type: 'boolean' } },
                      },
                      model: { type: ['string', 'null'], description: 'The embedding model used (semantic and hybrid).' },
                      results: {
                        type: 'array',
                        items: {
                          type: 'object',
                          properties: {
                            id: { type: 'string' },
                            score: { type: 'number', description: 'Higher is better, within one answer: BM25 or ts_rank_cd (keyword), similarity (semantic), fused score (hybrid).' },
                            keywordRank: { type: ['integer', 'null'] },
                            semanticRank: { type: ['integer', 'null'] },
                            paper: { $ref: '#/components/schemas/Paper' },
                          },
                        },
                      },
                    },
                  },
                },
              },
            },
            304: { description: 'Not modified.' },
            400: errorResponse('A parameter is malformed, the query has nothing to search for, or semantic search is not set up; the message names the parameter.'),
            503: errorResponse('The search took too long and was stopped: simplify the query.'),
          },
        },
      },
    },
  };
}
