/**
 * The one search that the page, the API and the feeds share: parse the query, then keyword, semantic or
 * hybrid (reciprocal rank fusion of the two), with the same filters and sorts everywhere.
 */
import { sql } from 'kysely';
import type { Database } from '../db/connection.ts';
import { hasAnyCriteria, parseSearchQuery, type ParsedQuery } from '../domain/search-query.ts';
import { SEARCH_BUDGET_MS, SearchTooSlow, withSearchBudget } from './budget.ts';
import { replaceWords } from '../domain/spelling.ts';
import { filterPaperIds, keywordSearch, spellingSuggestions, type KeywordResult, type SearchFilters, type SearchSort } from './keyword.ts';
import { usableSemantic, type SemanticIndex } from './types.ts';

export type SearchMode = 'hybrid' | 'keyword' | 'semantic';
export const SEARCH_MODES: readonly SearchMode[] = ['hybrid', 'keyword', 'semantic'];
export const SEARCH_SORTS: readonly SearchSort[] = ['relevance', 'date', 'upvotes'];

/**
 * Hybrid fusion (docs/decisions/0011-keyword-search.md): the candidates are the keyword results and the
 * semantic ones (FUSION_DEPTH of each); a paper's score is
 *
 *   1 / (RRF_K + its keyword rank)  +  SEMANTIC_WEIGHT × cos(query, paper) / cos(query, nearest paper)
 *
 * the reciprocal-rank term of RRF for the keyword list (BM25 and ts_rank_cd scores do not compare across
 * queries; ranks do), and for the semantic side the similarity itself, relative to the best match: a
 * near-certain semantic match (a query that paraphrases one paper) then counts for more than a close
 * call, which ranks alone cannot tell apart. Measured on the real corpus (bench/search-quality.ts;
 * 5,371 two-keyword and 4,773 AI-summary known-item queries, Recall@10; keyword alone 0.847 / 0.983,
 * semantic alone 0.649 / 0.995): plain RRF with Cormack et al.'s k = 60 and equal weights 0.773 / 0.995;
 * the best plain RRF (k = 5–15, semantic weight 0.4–0.5) 0.851 / 0.996 at most, on a narrow ridge; this
 * fusion stays above 0.85 / 0.995 for k 3–8 and weights 0.1–0.25 (sweep over cached result lists).
 * Through the real pipeline, k = 5: weight 0.12 gave 0.852 / 0.997, weight 0.15 (chosen) 0.851 / 0.998,
 * and on PostgreSQL (first 2,000 summaries) 0.12 fell one query short of semantic alone where 0.15 passed it.
 * Re-measure when the embedder changes (a stronger model deserves more weight).
 */
export const RRF_K = 5;
export const SEMANTIC_WEIGHT = 0.15;
/** Candidates taken from each engine for fusion (more when a later page is asked for). */
export const FUSION_DEPTH = 100;
/** Deepest a fused or semantic result list goes (pages past it are empty). */
export const MAX_FUSED = 1000;

/** What a visitor is told; the operator's next step is in the log, the CLI and the admin pages (`embeddings status`). */
export const SEMANTIC_UNAVAILABLE = 'semantic search is not available on this site yet';

export interface SearchDeps {
  database: Database;
  semantic: SemanticIndex | null;
  /** Search latency by the mode that ran, for /metrics (the app's, when it has one). */
  metrics?: { observeSearch(mode: SearchMode, seconds: number): void } | null;
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
  /** The search ran out of its time budget (src/search/budget.ts): a message (a 503). */
  | { kind: 'too-slow'; message: string; query: ParsedQuery }
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
      /** "Did you mean": the query with rare words replaced by close, common ones (src/domain/spelling.ts), or null. */
      suggestion: string | null;
      /**
       * Papers that match the words (keyword search, in every mode: semantic search ranks every paper,
       * so its own count says nothing), counted up to COUNT_CAP (`capped`); null without words to count.
       */
      keywordMatches: { total: number; capped: boolean } | null;
      /** The semantic model used, when one was. */
      model: string | null;
    };

/**
 * Searches (never throws for any text; database errors still propagate), within the time budget of
 * src/search/budget.ts (`budgetMs`, SEARCH_BUDGET_MS by default).
 */
export async function search(deps: SearchDeps, req: SearchRequest, budgetMs = SEARCH_BUDGET_MS): Promise<SearchOutcome> {
  const query = parseSearchQuery(req.q);
  const t0 = performance.now();
  try {
    const outcome = await withSearchBudget(deps.database, (database) => searchParsed({ ...deps, database }, req, query), budgetMs);
    if (outcome.kind === 'results') deps.metrics?.observeSearch(outcome.mode, (performance.now() - t0) / 1000);
    return outcome;
  } catch (e) {
    if (e instanceof SearchTooSlow) return { kind: 'too-slow', query, message: e.message };
    throw e;
  }
}

async function searchParsed(given: SearchDeps, req: SearchRequest, query: ParsedQuery): Promise<SearchOutcome> {
  // An index that follows the database may be off for now (no site model yet): keyword search then.
  const deps = { ...given, semantic: usableSemantic(given.semantic) };
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
    const corrected = correctionNotice(r, notices);
    return { ...base, hits: r.hits, total: r.total, totalCapped: r.totalCapped, corrected, ...(await explanations(deps.database, query, corrected, r)) };
  }

  const semantic = deps.semantic!;
  const depth = Math.min(MAX_FUSED, Math.max(FUSION_DEPTH, req.offset + req.limit));
  // Semantic mode runs the keyword search too, only for its honest count (limit 0: counted, not ranked).
  const kw = await keywordSearch(deps.database, query, { filters, sort: 'relevance', limit: mode === 'hybrid' ? depth : 0, offset: 0 });
  const keywordIds = mode === 'hybrid' ? kw.hits.map((h) => h.paperId) : [];
  // Filters cut semantic candidates after the fact: ask for more when there are filters.
  const restricted = formFilters || query.categories.length + query.organizations.length > 0 || query.year !== null || query.excluded.length > 0 || query.authors.length > 0;
  const matches = await semantic.searchTextWith(semanticText, restricted ? Math.min(MAX_FUSED, depth * 3) : depth, keywordIds);
  const semanticRaw = matches.nearest;
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
    corrected = correctionNotice(kw, notices);
    fused = fuse(keywordIds, semanticHits.map((h) => h.paperId), matches.similarity);
  }
  if (sort !== 'relevance') fused = await sortHits(deps.database, fused, sort);
  return {
    ...base, hits: fused.slice(req.offset, req.offset + req.limit), total: fused.length, totalCapped: false, corrected,
    ...(await explanations(deps.database, query, corrected, kw)),
  };
}

/** What the page says about the results: the keyword count and "Did you mean". */
async function explanations(database: Database, query: ParsedQuery, corrected: [string, string][], kw: KeywordResult) {
  const words = query.terms.length > 0 || query.authors.length > 0;
  const fixes = query.terms.length > 0 ? await spellingSuggestions(database, query, corrected) : [];
  return {
    suggestion: fixes.length > 0 ? replaceWords(query.text, fixes) : null,
    keywordMatches: words ? { total: kw.total, capped: kw.totalCapped } : null,
  };
}

/**
 * Fuses the keyword and semantic lists of paper ids (best first) with the query's similarity to each
 * paper (RRF_K, SEMANTIC_WEIGHT above); ties keep keyword order. A paper without a vector gets no
 * semantic part. Papers that match the words come first (in fused order), then those found only by
 * meaning: the page shows them under "Related by meaning", and the API's order is the same
 * (docs/decisions/0027-tex-and-search-explanations.md).
 */
export function fuse(keyword: string[], semantic: string[], similarity: ReadonlyMap<string, number>): SearchHit[] {
  const hits = new Map<string, SearchHit>();
  const hit = (id: string) => hits.get(id) ?? hits.set(id, { paperId: id, score: 0, keywordRank: null, semanticRank: null }).get(id)!;
  keyword.forEach((id, i) => {
    const h = hit(id);
    h.keywordRank = i + 1;
    h.score += 1 / (RRF_K + i + 1);
  });
  semantic.forEach((id, i) => (hit(id).semanticRank = i + 1));
  const best = Math.max(0, ...semantic.map((id) => similarity.get(id) ?? 0));
  if (best > 0) for (const h of hits.values()) h.score += (SEMANTIC_WEIGHT * (similarity.get(h.paperId) ?? 0)) / best;
  const tail = (h: SearchHit) => (h.keywordRank === null ? 1 : 0);
  return [...hits.values()].sort((a, b) => tail(a) - tail(b) || b.score - a.score || (a.keywordRank ?? Infinity) - (b.keywordRank ?? Infinity) || (a.semanticRank ?? Infinity) - (b.semanticRank ?? Infinity));
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
