/**
 * The one search that the page, the API and the feeds share: parse the query, then keyword, semantic or
 * hybrid (reciprocal rank fusion of the two), with the same filters and sorts everywhere.
 */
import { sql } from 'kysely';
import type { Database } from '../db/connection.ts';
import { hasAnyCriteria, parseSearchQuery, type ParsedQuery } from '../domain/search-query.ts';
import { filterPaperIds, keywordSearch, type KeywordResult, type SearchFilters, type SearchSort } from './keyword.ts';
import type { SemanticIndex } from './types.ts';

export type SearchMode = 'hybrid' | 'keyword' | 'semantic';
export const SEARCH_MODES: readonly SearchMode[] = ['hybrid', 'keyword', 'semantic'];
export const SEARCH_SORTS: readonly SearchSort[] = ['relevance', 'date', 'upvotes'];

/**
 * Reciprocal rank fusion: a paper's fused score is Σ weight / (RRF_K + rank) over the result lists it is
 * in (rank 1 = first). Cormack, Clarke and Büttcher (SIGIR 2009) use k = 60 and equal weights; measured
 * here on the real corpus (bench/search-quality.ts, 5,371 two-keyword known-item queries, keyword list
 * re-ranked by phrases), that fusion was worse than keyword search alone (0.77 vs 0.845 Recall@10): the
 * built-in semantic model is the weaker engine (0.65), and a large k lets its many near-misses crowd
 * out keyword hits. A smaller k keeps each engine's top ranks decisive, and half weight for the semantic
 * list lets it lift papers the keyword list ranks well but not first: k = 20 with weight 0.5 gave 0.848;
 * k = 10: 0.848, k = 60: 0.807. Re-measure when the embedder changes (a stronger model deserves more weight).
 */
export const RRF_K = 20;
export const SEMANTIC_WEIGHT = 0.5;
/** Candidates taken from each engine for fusion (more when a later page is asked for). */
export const FUSION_DEPTH = 100;
/** Deepest a fused or semantic result list goes (pages past it are empty). */
export const MAX_FUSED = 1000;

export const SEMANTIC_UNAVAILABLE = 'semantic search is not set up on this site: run `dailypapers embeddings train`';

export interface SearchDeps {
  database: Database;
  semantic: SemanticIndex | null;
}

export interface SearchRequest {
  /** What was typed (any string). */
  q: string;
  mode: SearchMode;
  filters?: SearchFilters;
  sort?: SearchSort;
  limit: number;
  offset: number;
}

export interface SearchHit {
  paperId: string;
  /** Higher is better, within one answer: BM25 / ts_rank_cd (keyword), similarity (semantic), RRF (hybrid). */
  score: number;
  /** 1-based rank in the keyword and semantic lists (hybrid), null when absent from that list. */
  keywordRank?: number | null;
  semanticRank?: number | null;
}

export type SearchOutcome =
  | { kind: 'redirect'; paperId: string; query: ParsedQuery }
  /** Nothing was typed and no filter set. */
  | { kind: 'empty'; query: ParsedQuery }
  /** The query cannot be searched (only common words, only punctuation…), or semantic search is not set up: a message. */
  | { kind: 'invalid'; message: string; query: ParsedQuery }
  | {
      kind: 'results';
      query: ParsedQuery;
      requestedMode: SearchMode;
      /** The mode that ran: hybrid falls back to keyword without a semantic index or without words. */
      mode: SearchMode;
      hits: SearchHit[];
      total: number;
      /** `total` is a lower bound (counting stopped there). */
      totalCapped: boolean;
      /** Things to tell the reader (parts of the query ignored, spelling corrected, mode fallback). */
      notices: string[];
      /** Misspelt words replaced: [typed, indexed stem]. */
      corrected: [string, string][];
      /** The semantic model used, when one was. */
      model: string | null;
    };

/** Searches (never throws for any text; database errors still propagate). */
export async function search(deps: SearchDeps, req: SearchRequest): Promise<SearchOutcome> {
  const query = parseSearchQuery(req.q);
  const filters = req.filters ?? {};
  const sort = req.sort ?? 'relevance';
  if (query.arxivId) return { kind: 'redirect', paperId: query.arxivId, query };
  const formFilters = Boolean(filters.from || filters.to || filters.category || filters.organization || filters.hasCode || filters.listed);
  if (query.stopWordsOnly && !formFilters) {
    return { kind: 'invalid', query, message: 'The query has only very common words (like “the” or “of”), which every paper has: add a more specific word, or put a phrase in quotes.' };
  }
  if (!hasAnyCriteria(query) && !formFilters) {
    if (query.text === '' && !query.notices.length) return { kind: 'empty', query };
    return {
      kind: 'invalid', query,
      message: 'There is nothing to search for in this query: use words, "quoted phrases", -excluded words, author:NAME, cat:cs.CL, org:NAME or year:2024.',
    };
  }
  const notices = [...query.notices];
  const wantsSemantic = req.mode !== 'keyword';
  if (req.mode === 'semantic' && !deps.semantic) return { kind: 'invalid', query, message: SEMANTIC_UNAVAILABLE };
  // Semantic search needs words to embed; author-only and filter-only queries are keyword lists.
  const semanticText = query.terms.map((t) => t.words.join(' ')).join(' ');
  let mode: SearchMode = req.mode;
  if (wantsSemantic && (!deps.semantic || semanticText === '')) {
    mode = 'keyword';
    if (req.mode === 'semantic') notices.push('Semantic search needs words to compare: this is a keyword search.');
  }
  const base = { kind: 'results' as const, query, requestedMode: req.mode, mode, notices, model: mode === 'keyword' ? null : deps.semantic!.model };

  if (mode === 'keyword') {
    const r = await keywordSearch(deps.database, query, { filters, sort, limit: req.limit, offset: req.offset });
    return { ...base, hits: r.hits, total: r.total, totalCapped: r.totalCapped, corrected: correctionNotice(r, notices) };
  }

  const semantic = deps.semantic!;
  const depth = Math.min(MAX_FUSED, Math.max(FUSION_DEPTH, req.offset + req.limit));
  // Filters cut semantic candidates after the fact: ask for more when there are filters.
  const restricted = formFilters || query.categories.length + query.organizations.length > 0 || query.year !== null || query.excluded.length > 0 || query.authors.length > 0;
  const semanticRaw = await semantic.searchText(semanticText, restricted ? Math.min(MAX_FUSED, depth * 3) : depth);
  let semanticHits = semanticRaw;
  if (restricted) {
    const keep = await filterPaperIds(deps.database, semanticRaw.map((h) => h.paperId), query, filters);
    semanticHits = semanticRaw.filter((h) => keep.has(h.paperId));
    if (query.authors.length > 0) {
      // author: is a keyword criterion: semantic candidates must match it too.
      const authored = await keywordSearch(deps.database, { ...query, terms: [], excluded: [] }, { filters, limit: MAX_FUSED, offset: 0, noSpelling: true });
      const ids = new Set(authored.hits.map((h) => h.paperId));
      semanticHits = semanticHits.filter((h) => ids.has(h.paperId));
    }
  }
  semanticHits = semanticHits.slice(0, depth);

  let fused: SearchHit[];
  let corrected: [string, string][] = [];
  if (mode === 'semantic') {
    fused = semanticHits.map((h, i) => ({ paperId: h.paperId, score: h.score, semanticRank: i + 1 }));
  } else {
    const kw = await keywordSearch(deps.database, query, { filters, sort: 'relevance', limit: depth, offset: 0 });
    corrected = correctionNotice(kw, notices);
    fused = reciprocalRankFusion(kw.hits.map((h) => h.paperId), semanticHits.map((h) => h.paperId));
  }
  if (sort !== 'relevance') fused = await sortHits(deps.database, fused, sort);
  return { ...base, hits: fused.slice(req.offset, req.offset + req.limit), total: fused.length, totalCapped: false, corrected };
}

/** Fuses ranked lists of paper ids (best first) by weighted reciprocal rank fusion (RRF_K, SEMANTIC_WEIGHT); ties keep keyword order. */
export function reciprocalRankFusion(keyword: string[], semantic: string[]): SearchHit[] {
  const hits = new Map<string, SearchHit>();
  const add = (ids: string[], which: 'keywordRank' | 'semanticRank', weight: number) => {
    ids.forEach((id, i) => {
      const h = hits.get(id) ?? { paperId: id, score: 0, keywordRank: null, semanticRank: null };
      h.score += weight / (RRF_K + i + 1);
      h[which] = i + 1;
      hits.set(id, h);
    });
  };
  add(keyword, 'keywordRank', 1);
  add(semantic, 'semanticRank', SEMANTIC_WEIGHT);
  return [...hits.values()].sort((a, b) => b.score - a.score || (a.keywordRank ?? Infinity) - (b.keywordRank ?? Infinity) || (a.semanticRank ?? Infinity) - (b.semanticRank ?? Infinity));
}

/** Orders hits by date or upvotes (newest / most upvoted first), as keyword search does. */
async function sortHits(database: Database, hits: SearchHit[], sort: SearchSort): Promise<SearchHit[]> {
  if (hits.length === 0) return hits;
  const rows = await sql<{ id: string; published_at: string | null; votes: number }>`
    select id, published_at, upvotes + member_upvotes as votes from papers where id in (${sql.join(hits.map((h) => h.paperId))})`.execute(database.db);
  const by = new Map(rows.rows.map((r) => [r.id, r]));
  const key = (h: SearchHit) => by.get(h.paperId);
  return [...hits].sort((a, b) => {
    const x = key(a);
    const y = key(b);
    if (sort === 'upvotes') return Number(y?.votes ?? 0) - Number(x?.votes ?? 0) || b.score - a.score;
    return (y?.published_at ?? '').localeCompare(x?.published_at ?? '') || b.paperId.localeCompare(a.paperId);
  });
}

function correctionNotice(r: KeywordResult, notices: string[]): [string, string][] {
  if (!r.corrected) return [];
  const pairs = r.corrected.replacements;
  notices.push(`Nothing matched ${pairs.map(([w]) => `“${w}”`).join(', ')}: showing results for ${pairs.map(([, t]) => `“${t}…”`).join(', ')}.`);
  return pairs;
}
