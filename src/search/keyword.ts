/**
 * Keyword search over every paper (docs/decisions/0011-keyword-search.md): SQLite FTS5 ranked by weighted
 * BM25, PostgreSQL tsvector + GIN ranked by ts_rank_cd. The index is migration 0010 (title, authors'
 * names, abstract; never the AI keywords or summary).
 *
 * Words are OR-ed and ranked: BM25 puts papers with more of the words, and rarer ones, first, so a
 * paper with all the words leads, and a paper missing one still shows (better recall than AND on the
 * known-item benchmark; see the decision record). Phrases, `author:` and exclusions are strict.
 * The user's text never reaches MATCH or a tsquery parser: expressions are built from the parsed tokens
 * (src/domain/search-query.ts).
 */
import { sql, type RawBuilder } from 'kysely';
import type { Database } from '../db/connection.ts';
import { DOC_DAY_BITS } from '../db/migrations/0039-date-order.ts';
import { hasCodeSql } from '../db/migrations/0040-with-code-order.ts';
import {
  COMPOUND_JOINER, fts5String, fts5Term, hasTextCriteria, STOP_WORDS, sqliteExcludedMatch, sqliteMatchPhrases, websearchText, type MatchPhrase, type ParsedQuery, type QueryTerm, type TermsMode,
} from '../domain/search-query.ts';
import { baseDatabase } from './budget.ts';
import { dateBounds, filtersOnlyPage, namedFilters, organizationIds, type Exclusion } from './filters-only.ts';
import { readInWorker } from '../db/sqlite-read-worker.ts';
import { didYouMean, RARE_WORD_PAPERS, surfaceForm } from '../domain/spelling.ts';
import type { ScoredPaper } from './types.ts';

/**
 * BM25 column weights (FTS5 `bm25(papers_fts, title, authors, abstract)`): a word in the title says more
 * about what the paper is than one in the abstract; an author's name is a precise signal. Measured on the
 * real corpus (8,379 papers, two-keyword known-item queries, Recall@10): 1:1:1 0.793, 3:2:1 0.788,
 * 10:4:1 0.783; 3:2:1 keeps title matches first for people's queries at almost no cost there.
 */
export const SQLITE_BM25_WEIGHTS = { title: 3, authors: 2, abstract: 1 } as const;
/**
 * ts_rank_cd weights, in PostgreSQL's order {D, C, B, A}: A title, B authors, C abstract (D unused).
 * The same ratios as the BM25 weights (title 3 : authors 2 : abstract 1).
 */
const PG_RANK_WEIGHTS = '{0.1, 0.33, 0.67, 1.0}';
/**
 * ts_rank_cd normalization 1: divide by 1 + log(document length), so long abstracts do not win by
 * repeating words (the role BM25's length normalization plays on SQLite).
 */
const PG_RANK_NORMALIZATION = 1;
/** Counting every match of a broad query costs as much as ranking it; past this the total says "1,000+". */
export const COUNT_CAP = 1000;
/**
 * A relevance page joins at most this many matches of a tier to the papers (more when a deeper page is
 * asked for). PostgreSQL ranks only the first ones the GIN index gives: ts_rank_cd reads each match's
 * whole tsvector, so a tier of common words (tens of thousands of papers at 100k) would take seconds.
 * SQLite ranks them all inside FTS5 (cheap) and joins the best ones. See bench/search-speed.ts.
 */
export const RANK_POOL = 1000;
/**
 * A broad second tier ("some of the words"): a query of common words matches most papers there, and
 * ranking them all (bm25 and ts_rank_cd read every match's positions) was most of a search's time at
 * 100k papers (bench/search-speed.ts). The tier's candidates are then the papers with one of the rarer
 * words: words are taken rarest first while the papers they are in add up to at most TIER_BUDGET (the
 * rarest is always taken); every word still counts in the score. What this leaves out are papers with
 * only the common words and none of the rare ones, which BM25's idf ranks low anyway. At 100k papers:
 * the tier's p95 from 38 to 15 ms. PostgreSQL ranks at most RANK_POOL matches, so there the budget is
 * RANK_POOL: the candidates are then all ranked, not the first ones the index gives (with those, long
 * queries such as the AI-summary benchmark's found their paper 13% of the time instead of 98%). On SQLite
 * it is RANK_WINDOW, the newest candidates ranked: a window of 1,000 (with a budget of 1,000) made the tier
 * ×3–7 cheaper at 1M papers but found the AI-summary benchmark's paper 75% of the time instead of 88% at
 * scale (docs/decisions/0047-keyword-search-at-one-million.md).
 */
export const TIER_BUDGET = 5000;
const tierBudget = (database: Database): number => (database.engine === 'postgres' ? RANK_POOL : TIER_BUDGET);

export type SearchSort = 'relevance' | 'date' | 'upvotes';

/** Filters of the search form and API, beside those written in the query (cat:, org:, year:). */
export interface SearchFilters {
  /** arXiv publication day, inclusive (`YYYY-MM-DD`). */
  from?: string | null;
  to?: string | null;
  category?: string | null;
  /** An organization's short name or full name (case-insensitive). */
  organization?: string | null;
  /** Only papers with a code repository. */
  hasCode?: boolean;
  /** Only papers that were on a daily list. */
  listed?: boolean;
}

export interface KeywordOptions {
  filters?: SearchFilters;
  sort?: SearchSort;
  limit: number;
  offset: number;
  /** Require every word (AND) instead of ranking any (OR). */
  all?: boolean;
  /** Skip the spelling fallback (it runs when nothing matched). */
  noSpelling?: boolean;
}
/*
 * `limit: 0` asks for the count alone (semantic search shows the keyword count beside its own results):
 * the tiers are counted, never ranked. Ranking a broad tier only to count it was most of a semantic
 * search's time (bench/search-speed.ts; docs/decisions/0039-search-at-scale.md).
 */

export interface KeywordResult {
  hits: ScoredPaper[];
  /** Matches, counted up to COUNT_CAP (then `totalCapped`). */
  total: number;
  totalCapped: boolean;
  /** When nothing matched and misspelt words were replaced: the query that was run, and what it became. */
  corrected: { query: ParsedQuery; replacements: [string, string][] } | null;
}

// --- Filters ----------------------------------------------------------------------------------------

/**
 * Most papers of several categories passed as a list of ids on SQLite (see filterConditions): a list is
 * a hash lookup per match; past this a correlated count per match is cheaper than the list's parameters.
 */
const CATEGORY_LIST_MAX = 1000;

/**
 * Every restriction on papers (alias `p`) from the query and the form, as SQL conditions (both engines).
 * One condition per kind of filter, however many the query has: organizations are looked up into ids
 * first, and the categories are one subquery (one EXISTS per operator made PostgreSQL plan a join per
 * operator: 140 of them took a minute and gigabytes; docs/decisions/0014-search-budget.md).
 */
export async function filterConditions(
  database: Database, query: Pick<ParsedQuery, 'categories' | 'organizations' | 'year'>, f: SearchFilters = {}, orgIds?: number[] | null,
): Promise<RawBuilder<unknown>[]> {
  const out: RawBuilder<unknown>[] = [];
  // The form's dates and `year:` together: the days both keep.
  const days = dateBounds(query, f);
  if (days.lo !== null) out.push(sql`p.published_at >= ${days.lo}`);
  if (days.hi !== null) out.push(sql`p.published_at < ${days.hi}`);
  const { cats } = namedFilters(query, f);
  // A paper in every category: one condition however many (the key is paper and category, so counting
  // a paper's rows among them says "all of them"). The engines' planners want different shapes: PostgreSQL
  // hashes the set of papers in them all (a correlated count per match was 8× slower at 30k papers).
  // SQLite must keep the full-text index driving (an `in (select …)` made it match the full-text
  // expression once per paper of the category: 70 s for a common word), so there the set is read first:
  // none (categories no paper has together) is no match at all, a few are a list, more a correlated count.
  if (cats.length === 1) out.push(sql`exists (select 1 from paper_categories c where c.paper_id = p.id and c.category = ${cats[0]})`);
  else if (cats.length > 1) {
    const inAll = sql`select c.paper_id from paper_categories c where c.category in (${sql.join(cats)}) group by c.paper_id having count(*) = ${cats.length}`;
    if (database.engine === 'postgres') out.push(sql`p.id in (${inAll})`);
    else {
      const ids = (await sql<{ paper_id: string }>`${inAll} limit ${CATEGORY_LIST_MAX + 1}`.execute(database.db)).rows.map((r) => r.paper_id);
      // `+` keeps SQLite from reading papers by id and matching the full-text expression per paper.
      if (ids.length <= CATEGORY_LIST_MAX) out.push(ids.length === 0 ? sql`1 = 0` : sql`+p.id in (${sql.join(ids)})`);
      else out.push(sql`(select count(*) from paper_categories c where c.paper_id = p.id and c.category in (${sql.join(cats)})) = ${cats.length}`);
    }
  }
  // (`orgIds`: the organizations already looked up by the caller, organizationIds.)
  const ids = orgIds !== undefined ? orgIds : await organizationIds(database, query, f);
  if (ids !== null) {
    // `+` keeps SQLite from reading papers through their organization index and matching the full-text
    // expression per paper (an `in` over papers instead of the index took a minute on a common word).
    // PostgreSQL plans it like any condition: through the index when the organization has few papers.
    const plus = database.engine === 'sqlite' ? sql`+` : sql``;
    out.push(ids.length === 0 ? sql`1 = 0` : sql`${plus}p.organization_id in (${sql.join(ids)})`);
  }
  // The predicate of papers_with_code_order, which a search without words reads (src/search/filters-only.ts).
  if (f.hasCode) out.push(sql.raw(hasCodeSql('p.')));
  if (f.listed) out.push(sql`exists (select 1 from daily_entries e where e.paper_id = p.id)`);
  return out;
}

const and = (conds: RawBuilder<unknown>[]): RawBuilder<unknown> => (conds.length === 0 ? sql`1 = 1` : sql.join(conds, sql` and `));

function orderBy(sort: SearchSort): RawBuilder<unknown> {
  if (sort === 'date') return sql`p.published_at desc nulls last, p.id desc`;
  if (sort === 'upvotes') return sql`(p.upvotes + p.member_upvotes) desc, score desc, p.id`;
  return sql`score desc, p.id`;
}

/**
 * SQLite: excluded terms in more papers than this (together) are looked up per candidate, 50 candidates a statement,
 * rather than listing their papers: a `not in` over the 950,000 papers with `model` took 1.2–2.3 s at 1M papers, in
 * one statement on the event loop, while a lookup costs about 0.3 ms a candidate (300 candidates: 85–180 ms in all).
 * Under it the list is the cheaper (a term in 70,000 papers: 112 ms against 250 ms for 1,000 candidates).
 */
const EXCLUDED_LIST_MAX = 20_000;
const PER_PAPER_SLICE = 50;

/**
 * The ids among `ids` that pass the query's and the form's filters (for semantic candidates). `excludedListMax`
 * (tests): EXCLUDED_LIST_MAX.
 */
export async function filterPaperIds(database: Database, ids: string[], query: Pick<ParsedQuery, 'categories' | 'organizations' | 'year' | 'excluded'>, filters: SearchFilters = {}, excludedListMax = EXCLUDED_LIST_MAX): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const conds = await filterConditions(database, query, filters);
  let slice = ids.length;
  if (query.excluded.length > 0) {
    const perPaper = database.engine === 'sqlite'
      && (await Promise.all(query.excluded.map(async (t) => (await phraseFrequency(database, t)).n))).reduce((a, b) => a + b, 0) > excludedListMax;
    if (perPaper) slice = PER_PAPER_SLICE;
    conds.push(sql`not ${perPaper ? exclusionPerPaper(query) : excludedCondition(database, query)}`);
  }
  if (conds.length === 0) return new Set(ids);
  const out = new Set<string>();
  for (let i = 0; i < ids.length; i += slice) {
    const rows = await sql<{ id: string }>`select p.id from papers p where p.id in (${sql.join(ids.slice(i, i + slice))}) and ${and(conds)}`.execute(database.db);
    for (const r of rows.rows) out.add(r.id);
  }
  return out;
}

/** SQLite: the paper `p` has an excluded term, looked up in FTS5 by its doc. */
const exclusionPerPaper = (query: Pick<ParsedQuery, 'excluded'>): RawBuilder<unknown> =>
  sql`exists (select 1 from papers_fts_docs d join papers_fts on papers_fts.rowid = d.doc where d.paper_id = p.id and papers_fts match ${sqliteExcludedMatch(query)})`;

/** `p.id` is among the papers with an excluded term. */
function excludedCondition(database: Database, query: Pick<ParsedQuery, 'excluded'>): RawBuilder<unknown> {
  if (database.engine === 'sqlite') {
    return sql`p.id in (select d.paper_id from papers_fts join papers_fts_docs d on d.doc = papers_fts.rowid where papers_fts match ${sqliteExcludedMatch(query)})`;
  }
  return sql`p.id in (select s.paper_id from paper_search s where s.document @@ (${sql.join(query.excluded.map(pgTerm), sql` || `)}))`;
}

/** A search without words' excluded terms, as filtersOnlyPage tests them (per chunk on SQLite, per paper on PostgreSQL). */
export function exclusionOf(database: Database, query: Pick<ParsedQuery, 'excluded'>): Exclusion | null {
  if (query.excluded.length === 0) return null;
  if (database.engine === 'sqlite') return { match: sqliteExcludedMatch(query)! };
  return { has: sql`exists (select 1 from paper_search s where s.paper_id = p.id and s.document @@ (${sql.join(query.excluded.map(pgTerm), sql` || `)}))` };
}

// --- Engines ----------------------------------------------------------------------------------------

/**
 * One term as a tsquery (PostgreSQL), built from its words only. A hyphenated word is the compound's own lexeme
 * (`'self-reason'`, as ts_debug names the whole hyphenated token, looked up beforehand: withCompoundLexemes):
 * websearch_to_tsquery makes it a phrase of the compound and its parts, which GIN matches only by reading every
 * candidate's positions (196 against 17 ms to count 1,001 of the 174,000 papers with `real-world` at 1M). It is
 * a constant, not a subquery, so that the planner estimates its papers from the statistics: with a subquery it
 * built the bitmap of all 174,000 papers with `real-world` (110 ms) where a scan stops at the pool's 1,001 (14 ms).
 */
function pgTerm(t: QueryTerm): RawBuilder<unknown> {
  if (t.prefix) return sql`to_tsquery('simple', ${t.words.map((w, i) => `'${w}'${i === t.words.length - 1 ? ':*' : ''}`).join(' <-> ')})`;
  if (t.lexeme !== undefined) return sql`${`'${t.lexeme.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`}::tsquery`;
  return sql`websearch_to_tsquery('english', ${websearchText(t)})`;
}

/** PostgreSQL: the query with its hyphenated words' compound lexemes (QueryTerm.lexeme; pgTerm), where they have one. */
async function withCompoundLexemes(database: Database, query: ParsedQuery): Promise<ParsedQuery> {
  const resolve = (terms: QueryTerm[]) => Promise.all(terms.map(async (t) => {
    const lexeme = t.hyphenated && !t.prefix ? await pgLexeme(database, websearchText(t), true) : null;
    return lexeme === null ? t : { ...t, lexeme };
  }));
  if (![...query.terms, ...query.excluded].some((t) => t.hyphenated)) return query;
  return { ...query, terms: await resolve(query.terms), excluded: await resolve(query.excluded) };
}

interface Plan {
  /**
   * SELECT columns FROM … WHERE … of the matching papers (alias p), with a `score` column when asked;
   * with `pool`, only the best `pool` matches (SQLite) or the first `pool` ones (PostgreSQL: see
   * RANK_POOL) are scored.
   */
  select: (columns: RawBuilder<unknown>, withScore: boolean, pool?: number | null) => RawBuilder<unknown>;
  /** The number of matches, up to COUNT_CAP + 1. */
  count: () => RawBuilder<{ n: number }>;
  /**
   * The relevance order of a pooled select when it is not orderBy's: the pool's own tie-break, so that the
   * best N of a deeper page's pool begin with the best M < N of a shallower one (pages never repeat a paper).
   */
  rankOrder?: RawBuilder<unknown>;
  /** `select` takes the page's depth (offset + limit) as its `pool`, and reads only the matches that depth needs. */
  depthBound?: boolean;
  /**
   * At least this many matches in this tier and the tiers before it together, known without counting: a count
   * past COUNT_CAP is skipped (PostgreSQL's "some words" tier, whose rarer terms' papers the statistics know:
   * counting it was 30–50 ms at 1M papers, for a total shown as "1,000+" anyway).
   */
  totalAtLeast?: number;
}

/**
 * A tier's plans, made when the tier is reached (the broad tier looks up how common its words are first).
 * Several plans are bands of one tier shown one after the other (a broad tier on SQLite: see RANK_WINDOW).
 */
type LazyPlan = () => Promise<Plan[]>;

/**
 * SQLite ranks at most this many matches of a tier (the newest ones) when bm25_idf is there, and more
 * match: a title band first (the newest RANK_WINDOW with the words in the title or the authors' names),
 * then the other newest matches. Ranking every match of a common word was linear in the corpus (2 µs a
 * match: 1 s for the 500k papers with "model" at 1M). Search pages reach 1,000 results at most, so a
 * band of 5,000 ranks every result a visitor can see (2,000 lost 3 points of known-item Recall@10 at 820k).
 * docs/decisions/0044-ranking-at-scale.md.
 */
export const RANK_WINDOW = 5000;
/**
 * An every-word tier whose words' counts, taken as independent, predict fewer matches than this (a tenth of
 * RANK_WINDOW) is ranked whole without counting it first: the count walked the same rows as the ranking,
 * and for several common words that match few papers together it was half the search (41–67 ms at 1M).
 */
const SPARSE_ESTIMATE = RANK_WINDOW / 10;

async function plans(database: Database, query: ParsedQuery, conds: RawBuilder<unknown>[], sort: SearchSort, mode: TermsMode, rarer?: Rarer, narrow: FtsNarrowing = { days: null, docs: [] }): Promise<Plan[]> {
  if (database.engine === 'postgres') return [pgPlan(query, conds, mode, rarer)];
  const m = sqliteMatchPhrases(query, mode, rarer?.terms)!;
  const score = await sqliteScore(database, m.phrases);
  const f: SqliteFilter = { conds, ...narrow };
  if (sort === 'date') return [sqliteDatePlan(m.match, score, f)];
  if (!database.rankWithIdf) return [sqlitePlan(m.match, score, f)];
  // By upvotes: the newest RANK_WINDOW matches, sorted by their votes.
  if (sort === 'upvotes') return [sqlitePlan(m.match, score, f, true)];
  // Title bands (below) for the every-word tier only: a band of the "some words" tier would need its own
  // "not every word" twice.
  if (mode !== 'all') return [sqlitePlan(m.match, score, f, true)];
  // A tier has at most as many matches as its rarest term: such a tier below the window is ranked whole;
  // so is one its words predict to be far below it (SPARSE_ESTIMATE).
  const whole = sqlitePlan(m.match, score, f, true);
  const papersWith = await Promise.all(query.terms.map(async (t) => (await phraseFrequency(database, t)).n));
  if (query.terms.length === 0 || Math.min(...papersWith) <= RANK_WINDOW) return [whole];
  const rows = await indexedRows(database);
  if (papersWith.reduce((e, n) => (e * n) / rows, rows) < SPARSE_ESTIMATE) return [whole];
  // The words' counts only bound the tier: words common alone are often rare together, and a tier below the
  // window is ranked whole (bands put title matches first, which bm25() need not).
  const seen = conds.length === 0
    ? await sql<{ n: number }>`select count(*) as n from (select rowid from papers_fts where ${ftsWhere(m.match, narrow)} limit ${sql.lit(RANK_WINDOW)}) t`.execute(database.db)
    : await sql<{ n: number }>`select count(*) as n from (${whole.select(sql`p.id`, false)}) t`.execute(database.db);
  if (Number(seen.rows[0]?.n ?? 0) < RANK_WINDOW) return [whole];
  const inTitle = `${TITLE_COLUMNS} : (${query.terms.map(fts5Term).join(' OR ')})`;
  const bandScore = await sqliteScore(database, [...m.phrases, ...query.terms]);
  return [sqlitePlan(`(${m.match}) AND ${inTitle}`, bandScore, f, true), sqlitePlan(`(${m.match}) NOT ${inTitle}`, bandScore, f, true)];
}

const TITLE_COLUMNS = '{title authors}';

/** The score column: bm25_idf with the cached IDFs when loaded, else FTS5's bm25() (same order, slower at scale). */
async function sqliteScore(database: Database, phrases: MatchPhrase[]): Promise<RawBuilder<unknown>> {
  const w = SQLITE_BM25_WEIGHTS;
  const weights = [w.title, w.authors, w.abstract].map((x) => sql.lit(x));
  if (!database.rankWithIdf) return sql`-bm25(papers_fts, ${sql.join(weights)}) as score`;
  // An author's name: null, bm25_idf counts it (names are rare). An excluded term never occurs in a match.
  const idfs = await Promise.all(phrases.map(async (p) => (p === 'author' ? sql`null` : sql.lit(p === 'excluded' ? 1 : await phraseIdf(database, p)))));
  return sql`-bm25_idf(papers_fts, ${sql.join([...weights, ...idfs])}) as score`;
}

/**
 * SQLite: the papers' docs a date filter keeps, [lo, hi), in the index's own terms (docs are keyed by day:
 * migration 39), so that FTS5 reads only those days' matches; the filter's condition on `published_at` stays.
 */
interface DaySpan {
  lo: number;
  hi: number;
}

/**
 * The filters of a SQLite plan: conditions on `p` (papers); and, tested on FTS5's rows before any join, the days a
 * date filter keeps and the docs of the papers a selective filter keeps (sqliteDocSets).
 */
interface SqliteFilter {
  conds: RawBuilder<unknown>[];
  days: DaySpan | null;
  docs: RawBuilder<unknown>[];
}
type FtsNarrowing = Omit<SqliteFilter, 'conds'>;

/**
 * SQLite: a filter that few papers pass (`?code=1`, `?listed=1`: on a site of arXiv papers, the few that have a
 * repository or were on a daily list; a small organization; a small category) is also tested as the set of their
 * docs, on FTS5's rows: `+` keeps the set a filter (SQLite looks each row up in it) rather than a list of docs for
 * FTS5 to find one by one. Tested only on `p`, the condition costs every match its joins to papers_fts_docs and
 * papers: `model` with code, where 3,082 of 300,000 papers have code, read all 290,000 matches in 331 ms; with the
 * set, 22 ms. A big set costs more to build than the window (which stops once enough pass) reads: 121,615 papers
 * with code, 79 ms against 18 ms (32,572: 34 against 58 ms; papers that are the oldest: ten times cheaper), hence
 * DOC_SET_MAX. docs/decisions/0055-no-parallel-searches-and-the-with-code-order.md.
 */
const DOC_SET_MAX = 50_000;
/** How long a set's size is reused: it only chooses how the filter is tested, never what passes. */
const docSetSizes = ttlCache<number>(10 * 60 * 1000, 1_000);

interface DocSet {
  /** The size's key in docSetSizes. */
  key: string;
  /** The set's rows (alias `s`), counted from an index alone, and the column that names their paper. */
  rows: RawBuilder<unknown>;
  paper: RawBuilder<unknown>;
}

async function sqliteDocSets(database: Database, query: Pick<ParsedQuery, 'categories'>, f: SearchFilters, ids: number[] | null): Promise<RawBuilder<unknown>[]> {
  const sets: DocSet[] = [];
  // (No organization of that name: filterConditions' condition is false, and nothing is read.)
  if (ids !== null && ids.length > 0) sets.push({ key: `org:${ids.join(',')}`, rows: sql`papers s where s.organization_id in (${sql.join(ids)})`, paper: sql`s.id` });
  for (const cat of namedFilters(query, f).cats) {
    sets.push({ key: `cat:${cat}`, rows: sql`paper_categories s where s.category = ${cat}`, paper: sql`s.paper_id` });
  }
  if (f.hasCode) sets.push({ key: 'code', rows: sql`papers s where ${sql.raw(hasCodeSql('s.'))}`, paper: sql`s.id` });
  if (f.listed) sets.push({ key: 'listed', rows: sql`daily_entries s where 1 = 1`, paper: sql`s.paper_id` });
  const out: RawBuilder<unknown>[] = [];
  for (const { key, rows, paper } of sets) {
    let n = docSetSizes.get(database, key);
    if (n === undefined) {
      n = Number((await sql<{ n: number }>`select count(*) as n from (select 1 from ${rows} limit ${DOC_SET_MAX + 1}) t`.execute(database.db)).rows[0]?.n ?? 0);
      docSetSizes.set(database, key, n);
    }
    if (n <= DOC_SET_MAX) out.push(sql`+papers_fts.rowid in (select d.doc from papers_fts_docs d where d.paper_id in (select ${paper} from ${rows}))`);
  }
  return out;
}

/** The day span of a search's date filters and year (`YYYY-MM-DD` bounds, inclusive), or null without any. */
function daySpan(query: Pick<ParsedQuery, 'year'>, f: SearchFilters = {}): DaySpan | null {
  const days = dateBounds(query, f);
  if (days.lo === null && days.hi === null) return null;
  const doc = (day: string) => Math.floor(Date.parse(`${day}T00:00:00Z`) / 86_400_000) * 2 ** DOC_DAY_BITS;
  const lo = days.lo !== null ? doc(days.lo) : Number.MIN_SAFE_INTEGER;
  const hi = days.hi !== null ? doc(days.hi) : Number.MAX_SAFE_INTEGER;
  return Number.isFinite(lo) && Number.isFinite(hi) ? { lo, hi } : null;
}

/** SQL: an FTS5 match, within a day span and doc sets. */
const ftsWhere = (match: string, { days, docs }: FtsNarrowing): RawBuilder<unknown> =>
  sql.join([
    sql`papers_fts match ${match}`,
    ...(days ? [sql`papers_fts.rowid >= ${sql.lit(days.lo)} and papers_fts.rowid < ${sql.lit(days.hi)}`] : []),
    ...docs,
  ], sql` and `);

/**
 * SQLite's plan of one band: the matches of `match` (that pass the filters `conds`) scored by `score`; `windowed`,
 * only the newest RANK_WINDOW of them (read newest first, the FTS5 index's own order since its rowids are keyed by
 * date, and the reading stops there), and the ranked rows say how many the band has (`pooled`: no second pass to
 * count it). Unwindowed (SQLite without bm25_idf), every match is scored.
 */
function sqlitePlan(match: string, score: RawBuilder<unknown>, filter: SqliteFilter, windowed = false): Plan {
  const { conds } = filter;
  const filtered = conds.length > 0;
  const fts = ftsWhere(match, filter);
  const matches = !windowed
    ? sql`(select rowid, ${score} from papers_fts where ${fts})`
    : filtered
      // The filters inside the window: a filter that most papers pass (a big category, a year) read every match of
      // a common word when it was tested after ranking them all (3 s for `model` in cs.LG at 1M papers).
      ? sql`(select rowid, score from (select papers_fts.rowid as rowid, ${score} from papers_fts join papers_fts_docs d on d.doc = papers_fts.rowid
          join papers p on p.id = d.paper_id where ${fts} and ${and(conds)} order by papers_fts.rowid desc limit ${sql.lit(RANK_WINDOW)}))`
      : sql`(select rowid, score from (select rowid, ${score} from papers_fts where ${fts} order by rowid desc limit ${sql.lit(RANK_WINDOW)}))`;
  const select: Plan['select'] = (columns, withScore, pool) => {
    if (windowed) {
      // Ranked inside the window, and only the best `pool` joined to papers; unranked (a sort by upvotes, a count),
      // the window's papers.
      const ranked = pool && withScore
        ? sql`(select rowid, score, count(*) over () as pooled from ${matches} order by score desc, rowid desc limit ${pool})`
        : sql`(select rowid, score, null as pooled from ${matches})`;
      return sql`select ${columns}, s.score, s.pooled from ${ranked} s join papers_fts_docs d on d.doc = s.rowid join papers p on p.id = d.paper_id`;
    }
    return pool && withScore && !filtered
      // Without filters: rank inside FTS5 and join only the best `pool` (joining every match of a
      // common word to papers first was most of the time at 100k papers; bench/search-speed.ts).
      ? sql`select ${columns}, s.score, s.pooled from (select rowid, score, null as pooled from ${matches} order by score desc, rowid desc limit ${pool}) s
          join papers_fts_docs d on d.doc = s.rowid join papers p on p.id = d.paper_id`
      : sql`select ${columns}${withScore ? sql`, ${score}` : sql``}
      from papers_fts join papers_fts_docs d on d.doc = papers_fts.rowid join papers p on p.id = d.paper_id
      where ${fts} and ${and(conds)}`;
  };
  return {
    select,
    ...(windowed || !filtered ? { rankOrder: sql`s.score desc, s.rowid desc` } : {}),
    // Without filters, the index alone counts (every indexed row is a paper).
    count: filtered
      ? () => sql<{ n: number }>`select count(*) as n from (${select(sql`p.id`, false)} limit ${COUNT_CAP + 1}) t`
      : () => sql<{ n: number }>`select count(*) as n from (select rowid from papers_fts where ${fts} limit ${windowed ? sql.lit(Math.min(RANK_WINDOW, COUNT_CAP + 1)) : COUNT_CAP + 1}) t`,
  };
}

/**
 * SQLite's plan of a search sorted by date (docs/decisions/0052-search-by-date.md). The index's rowids are keyed by
 * the papers' days (migration 39: `day << DOC_DAY_BITS`, newest highest), so FTS5 reads a term's papers newest day
 * first: the page's depth-th match that way (`depth`: offset + limit, from tiers) names the oldest day the page can
 * reach, and only the matches of that day and later are joined and sorted. Sorting every match took 3 s for `model`
 * at 1M papers, on the event loop. With filters, the depth-th match that passes them.
 */
function sqliteDatePlan(match: string, score: RawBuilder<unknown>, filter: SqliteFilter): Plan {
  const { conds } = filter;
  const fts = ftsWhere(match, filter);
  const plan = sqlitePlan(match, score, filter);
  const select: Plan['select'] = (columns, withScore, depth) => {
    if (!depth) return plan.select(columns, withScore);
    const nth = conds.length === 0
      ? sql`select rowid as doc from papers_fts where ${fts} order by rowid desc limit 1 offset ${depth - 1}`
      : sql`select papers_fts.rowid as doc from papers_fts join papers_fts_docs d on d.doc = papers_fts.rowid join papers p on p.id = d.paper_id
          where ${fts} and ${and(conds)} order by papers_fts.rowid desc limit 1 offset ${depth - 1}`;
    // Fewer matches than the depth: all of them (docs are above -2^53: negative ones are a full day's overflow).
    const fromDay = sql`coalesce((select (doc >> ${sql.lit(DOC_DAY_BITS)}) << ${sql.lit(DOC_DAY_BITS)} from (${nth})), ${sql.lit(Number.MIN_SAFE_INTEGER)})`;
    return sql`select ${columns}${withScore ? sql`, ${score}` : sql``}
      from papers_fts join papers_fts_docs d on d.doc = papers_fts.rowid join papers p on p.id = d.paper_id
      where ${fts} and papers_fts.rowid >= ${fromDay} and ${and(conds)}`;
  };
  return { select, count: plan.count, depthBound: true };
}

/**
 * A per-database memo whose entries go stale after `ttlMs`; past `max` entries it is emptied whole (bounded
 * memory). Keyed by the base database, so a request's budgeted view shares it (src/search/budget.ts).
 */
function ttlCache<V>(ttlMs: number, max = 10_000) {
  const maps = new WeakMap<Database, Map<string, { value: V; at: number }>>();
  const of = (database: Database) => {
    const base = baseDatabase(database);
    let map = maps.get(base);
    if (!map) maps.set(base, (map = new Map()));
    return map;
  };
  return {
    get(database: Database, key: string): V | undefined {
      const hit = of(database).get(key);
      return hit && Date.now() - hit.at < ttlMs ? hit.value : undefined;
    },
    set(database: Database, key: string, value: V): void {
      const map = of(database);
      if (map.size >= max) map.clear();
      map.set(key, { value, at: Date.now() });
    },
    delete(database: Database, key: string): void {
      of(database).delete(key);
    },
  };
}

/** How long a phrase's paper count is reused: it moves slowly as papers arrive. */
const IDF_TTL_MS = 10 * 60 * 1000;
/**
 * Papers with a phrase counted exactly up to this; past it the count is estimated from the newest IDF_SAMPLE
 * papers. (Estimating every phrase of several words from the sample, which spared reading the positions of
 * every paper with its words, cost known-item queries of AI summaries 0.9 points of Recall@10 at scale:
 * decision 0047.)
 */
const IDF_EXACT_MAX = 5_000;
const IDF_SAMPLE = 20_000;
const idfCache = ttlCache<{ n: number; idf: number }>(IDF_TTL_MS);

/** A phrase's IDF for bm25_idf (see phraseFrequency). */
const phraseIdf = async (database: Database, t: QueryTerm): Promise<number> => (await phraseFrequency(database, t)).idf;

/**
 * The papers with a phrase (n) and its inverse document frequency as bm25() computes it
 * (ln((N − n + 0.5) / (n + 0.5)), N the indexed papers), counted once per IDF_TTL_MS instead of once per
 * query, and for a common phrase estimated from the newest papers: its IDF is small and changes little with
 * n, and counting it was the linear part of a search (0.5 M doclist entries for "model" at 1M papers).
 */
async function phraseFrequency(database: Database, t: QueryTerm): Promise<{ n: number; idf: number }> {
  const key = fts5Term(t);
  const hit = idfCache.get(database, key);
  if (hit) return hit;
  const { db } = database;
  const rows = await indexedRows(database);
  let n = Number((await sql<{ n: number }>`select count(*) as n from (select rowid from papers_fts where papers_fts match ${key} limit ${IDF_EXACT_MAX + 1}) t`.execute(db)).rows[0]?.n ?? 0);
  if (n > IDF_EXACT_MAX) {
    const { from, to, sampled } = await idfSample(database);
    const inSample = Number((await sql<{ n: number }>`select count(*) as n from papers_fts where papers_fts match ${key} and rowid > ${sql.lit(from)} and rowid <= ${sql.lit(to)}`.execute(db)).rows[0]?.n ?? 0);
    if (sampled > 0) n = Math.min(rows, Math.max(n, Math.round((inSample / sampled) * rows)));
  }
  const entry = { n, idf: Math.max(1e-6, Math.log((rows - n + 0.5) / (n + 0.5))) };
  idfCache.set(database, key, entry);
  return entry;
}

interface IdfSample {
  from: number;
  to: number;
  sampled: number;
}
/** The sample as a promise: the terms of one query ask for it together, and it is read once for all of them. */
const samples = ttlCache<Promise<IdfSample>>(IDF_TTL_MS);

/**
 * The newest IDF_SAMPLE papers of the index (rowids in (from, to]), and how many there are; read once per
 * IDF_TTL_MS (papers indexed since are outside the range, so the ratio holds).
 */
function idfSample(database: Database): Promise<IdfSample> {
  const hit = samples.get(database, 'newest');
  if (hit) return hit;
  // On the base database: a search's budget (src/search/budget.ts) must not fail another search waiting on the read.
  const read = readIdfSample(baseDatabase(database));
  samples.set(database, 'newest', read);
  // A failed read is not kept: the next search reads it again.
  read.catch(() => samples.delete(database, 'newest'));
  return read;
}

async function readIdfSample(database: Database): Promise<IdfSample> {
  // Docs are keyed by date (migration 39), not numbered: the sample's lower bound is the doc IDF_SAMPLE places down.
  const r = await sql<{ top: number | null; from: number | null }>`select (select max(doc) from papers_fts_docs) as top,
    (select doc from papers_fts_docs order by doc desc limit 1 offset ${sql.lit(IDF_SAMPLE)}) as "from"`.execute(database.db);
  const top = Number(r.rows[0]?.top ?? 0);
  const from = r.rows[0]?.from === null || r.rows[0]?.from === undefined ? Number.MIN_SAFE_INTEGER : Number(r.rows[0].from);
  const sampled = Number((await sql<{ n: number }>`select count(*) as n from papers_fts_docs where doc > ${sql.lit(from)} and doc <= ${sql.lit(top)}`.execute(database.db)).rows[0]?.n ?? 0);
  return { from, to: top, sampled };
}

/**
 * The number of rows FTS5 has indexed, as bm25() reads it: the first varint of the index's averages
 * record (fts5 `%_data` id 1).
 */
async function indexedRows(database: Database): Promise<number> {
  const r = await sql<{ block: Uint8Array }>`select block from papers_fts_data where id = 1`.execute(database.db);
  const b = r.rows[0]?.block;
  if (!b || b.length === 0) return 0;
  // SQLite's varint: 7 bits a byte, high bit set while more follow (the ninth byte, never reached here, has 8).
  let n = 0;
  for (let i = 0; i < Math.min(b.length, 8); i++) {
    n = n * 128 + (b[i]! & 0x7f);
    if ((b[i]! & 0x80) === 0) break;
  }
  return n;
}

function pgPlan(query: ParsedQuery, conds: RawBuilder<unknown>[], mode: TermsMode, rarer?: Rarer): Plan {
  const required = rarer?.terms;
  const parts: RawBuilder<unknown>[] = [];
  // The "some words" tier: GIN finds the papers with one of the required (rarer) terms, and "not every word"
  // is checked on those rows. As one tsquery, `(any && !! all) && required`, GIN read every term's entries.
  let finding: RawBuilder<unknown>[] | null = null;
  let notEvery: RawBuilder<unknown> | null = null;
  const counting = (select: Plan['select']) => () => sql<{ n: number }>`select count(*) as n from (${select(sql`p.id`, false)} limit ${COUNT_CAP + 1}) t`;
  if (query.terms.length > 0) {
    const all = sql`(${sql.join(query.terms.map(pgTerm), sql` && `)})`;
    const any = sql`(${sql.join(query.terms.map(pgTerm), sql` || `)})`;
    parts.push(mode === 'all' ? all : any);
    if (mode === 'anyNotAll') {
      finding = [required && required.length > 0 && required.length < query.terms.length ? sql`(${sql.join(required.map(pgTerm), sql` || `)})` : any];
      notEvery = all;
    }
  }
  const authorQueries = query.authors.map((a) => sql`websearch_to_tsquery('english', ${a.join(' ')})`);
  parts.push(...authorQueries);
  if (finding) finding.push(...authorQueries);
  const excluded = (tsq: RawBuilder<unknown>) => query.excluded.reduce((q, t) => sql`${q} && !! ${pgTerm(t)}`, tsq);
  // q.query scores (ts_rank_cd); q.match finds (GIN).
  const q = sql`(select ${excluded(sql.join(parts, sql` && `))} as query${finding && notEvery ? sql`, ${excluded(sql.join(finding, sql` && `))} as match, ${notEvery} as every` : sql``}) q`;
  const found = finding ? sql`s.document @@ q.match` : sql`s.document @@ q.query`;
  // The authors' words must be in the authors' field (weight B), not anywhere.
  const authorConds = [...authorQueries.map((aq) => sql`ts_filter(s.document, '{b}') @@ ${aq}`), ...(notEvery ? [sql`not (s.document @@ q.every)`] : [])];
  const score = sql`ts_rank_cd(${PG_RANK_WEIGHTS}::float4[], s.document, q.query, ${sql.lit(PG_RANK_NORMALIZATION)}) as score`;
  const matches = sql`from ${q} join paper_search s on ${found} join papers p on p.id = s.paper_id
      where ${and([...authorConds, ...conds])}`;
  // Without filters, the index table alone (every row of it is a paper).
  const indexOnly = sql`from ${q} join paper_search s on ${found} where ${and(authorConds)}`;
  const select: Plan['select'] = (columns, withScore, pool) => pool && withScore
      // The first `pool` matches (GIN order), then ranked: ts_rank_cd reads each paper's whole tsvector.
      // One more than the pool: `pooled` (the rows of the pool, counted before the page's limit) then is
      // the tier's count when the tier is smaller, or more than COUNT_CAP: no second pass to count it.
      // The pool's paper ids are the papers' (p.id, the only column asked): joining papers for them was a
      // thousand index probes, 8 of a 1-word search's 30 ms at 100k papers.
      ? sql`select ${columns}, ${score}, count(*) over () as pooled from ${q}
          join (select s.paper_id, s.document ${conds.length > 0 ? matches : indexOnly} limit ${Math.max(pool, RANK_POOL) + 1}) s on true cross join lateral (select s.paper_id as id) p`
      : sql`select ${columns}${withScore ? sql`, ${score}` : sql``} ${matches}`;
  return {
    select,
    count: conds.length > 0 ? counting(select) : () => sql<{ n: number }>`select count(*) as n from (select 1 ${indexOnly} limit ${COUNT_CAP + 1}) t`,
    // With nothing else to narrow them, the two tiers hold every paper with a required term (the every-word
    // tier's papers have them all). Half the estimate: statistics come from a sample.
    ...(mode === 'anyNotAll' && rarer && conds.length === 0 && query.authors.length === 0 && query.excluded.length === 0 ? { totalAtLeast: rarer.papers / 2 } : {}),
  };
}

/** The terms a broad tier's candidates must have one of, and at least how many papers have one (see rarerTerms). */
interface Rarer {
  terms: QueryTerm[];
  papers: number;
}

/**
 * The terms a broad tier's candidates must have one of (see TIER_BUDGET): rarest first while their
 * papers add up to at most the budget. Every term when they all fit.
 */
async function rarerTerms(database: Database, terms: QueryTerm[]): Promise<Rarer> {
  // SQLite with bm25_idf: the counts its IDFs come from (the ranking needs them anyway).
  // One count per distinct word or phrase of the query, however many phrases share it.
  const counting = new Map<string, Promise<number>>();
  const frequency = (t: QueryTerm) => (database.rankWithIdf ? phraseFrequency(database, t).then((f) => f.n) : documentFrequency(database, t, counting));
  const counted = await Promise.all(terms.map(async (t) => ({ t, n: await frequency(t) })));
  counted.sort((a, b) => a.n - b.n);
  const kept: QueryTerm[] = [];
  let sum = 0;
  for (const { t, n } of counted) {
    if (kept.length > 0 && sum + n > tierBudget(database)) break;
    kept.push(t);
    sum += n;
  }
  // A phrase's count is its rarest word's (documentFrequency): more than the phrase's own papers, so not a bound.
  const words = counted.slice(0, kept.length).filter(({ t }) => (t.words.length === 1 || t.lexeme !== undefined) && !t.prefix);
  return { terms: kept, papers: Math.max(0, ...words.map((c) => c.n)) };
}

/** How long a term's paper count is reused (it only steers which candidates are ranked). */
const frequencies = ttlCache<number>(10 * 60 * 1000);

/**
 * Papers with a term, counted up to the tier budget + 1, or known from PostgreSQL's statistics or vocabulary
 * (pgCommonWordPapers, not capped); cached for ten minutes. On PostgreSQL a phrase
 * counts as its rarest word: GIN finds the papers with every word of a phrase and only the rows themselves
 * say whether the words are adjacent, so counting "user-based" read the 91,000 papers with both words at 1M
 * (0.5–1 s, most of a slow search); a word's count stops at the budget. The phrase has at most that many
 * papers, and this only orders terms from rare to common. Its stop words are not counted (an empty tsquery:
 * a scan that finds nothing). A word in several phrases of a query is counted once (`counting`, per search).
 */
async function documentFrequency(database: Database, t: QueryTerm, counting: Map<string, Promise<number>>): Promise<number> {
  // A hyphenated word with a compound lexeme is a word of its own there (QueryTerm.lexeme): counted as it is, GIN
  // reads the compound's papers only. Without one (`1-dimensional`, `gpt-4`: a number is a token apart) it is a phrase.
  const words = database.engine === 'postgres' && t.words.length > 1 && !t.prefix && t.lexeme === undefined ? t.words.filter((w) => !STOP_WORDS.has(w)) : [];
  if (words.length > 0) return Math.min(...(await Promise.all(words.map((w) => documentFrequency(database, { words: [w], phrase: false }, counting)))));
  const key = t.lexeme !== undefined ? `${t.lexeme} (lexeme)` : fts5Term(t);
  const hit = frequencies.get(database, key);
  if (hit !== undefined) return hit;
  let n = counting.get(key);
  if (!n) counting.set(key, (n = countTerm(database, t, key)));
  return n;
}

async function countTerm(database: Database, t: QueryTerm, key: string): Promise<number> {
  const limit = tierBudget(database) + 1;
  const common = database.engine === 'postgres' && (t.words.length === 1 || t.lexeme !== undefined) && !t.prefix ? await pgCommonWordPapers(database, t) : undefined;
  if (common !== undefined) {
    // Not capped: known without counting, common words are ordered among themselves too, and the rarest of them
    // restricts a broad tier (`skewed`, 1,663 papers at 1M, rather than `real-world`, 174,000, when both were 1,001).
    frequencies.set(database, key, common);
    return common;
  }
  const r = database.engine === 'sqlite'
    ? await sql<{ n: number }>`select count(*) as n from (select rowid from papers_fts where papers_fts match ${key} limit ${limit}) t`.execute(database.db)
    : await sql<{ n: number }>`select count(*) as n from (select 1 from paper_search where document @@ ${pgTerm(t)} limit ${limit}) t`.execute(database.db);
  const n = Number(r.rows[0]?.n ?? 0);
  frequencies.set(database, key, n);
  return n;
}

/**
 * Papers matching a parsed query, best first (or newest, or most upvoted), one page of them, with the
 * number of matches. Relevance: the papers with every word first, then those with some (each tier
 * ranked by its score). Date or upvotes: the papers with every word (any word when none has all).
 * A query without words, phrases or authors lists the papers its filters and exclusions leave, newest
 * first. Throws nothing for any parsed query.
 */
export async function keywordSearch(database: Database, parsed: ParsedQuery, opts: KeywordOptions): Promise<KeywordResult> {
  const query = database.engine === 'postgres' ? await withCompoundLexemes(database, parsed) : parsed;
  const sort = opts.sort ?? 'relevance';
  const orgIds = await organizationIds(database, query, opts.filters ?? {});
  const conds = await filterConditions(database, query, opts.filters, orgIds);
  if (!hasTextCriteria(query)) {
    // Filters only: newest first (there is no relevance without words), read in chunks (src/search/filters-only.ts).
    const page = await filtersOnlyPage(database, query, opts.filters ?? {}, conds, exclusionOf(database, query), { sort, limit: opts.limit, offset: opts.offset, countCap: COUNT_CAP, window: RANK_WINDOW, organizationIds: orgIds });
    return { hits: page.ids.map((paperId) => ({ paperId, score: 0 })), ...capped(page.total), corrected: null };
  }
  const several = query.terms.length > 1;
  let result: Omit<KeywordResult, 'corrected'>;
  const narrow: FtsNarrowing = database.engine === 'sqlite' ? { days: daySpan(query, opts.filters), docs: await sqliteDocSets(database, query, opts.filters ?? {}, orgIds) } : { days: null, docs: [] };
  const tier = (mode: TermsMode, required?: () => Promise<Rarer>): LazyPlan => async () => plans(database, query, conds, sort, mode, required ? await required() : undefined, narrow);
  if (opts.all || !several) result = await tiers(database, [tier('all')], sort, opts);
  else if (sort === 'relevance') {
    const relevance = [tier('all'), tier('anyNotAll', () => rarerTerms(database, query.terms))];
    if (opts.limit === 0 || opts.offset + opts.limit > PHRASE_RERANK_DEPTH) result = await tiers(database, relevance, sort, opts);
    else {
      const top = await tiers(database, relevance, sort, { ...opts, limit: PHRASE_RERANK_DEPTH, offset: 0 });
      const hits = (await rerankByPhrases(database, query, top.hits)).slice(opts.offset, opts.offset + opts.limit);
      result = { ...top, hits };
    }
  }
  else {
    result = await tiers(database, [tier('all')], sort, opts);
    if (result.total === 0) result = await tiers(database, [tier('any')], sort, opts);
  }
  if (result.total === 0 && opts.offset === 0 && !opts.noSpelling) {
    const corrected = await correctSpelling(database, query);
    if (corrected) {
      const again = await keywordSearch(database, corrected.query, { ...opts, noSpelling: true });
      if (again.total > 0) return { ...again, corrected };
    }
  }
  return { ...result, corrected: null };
}

/**
 * Phrase re-ranking: people type phrases without quotes ("speculative decoding draft model"), and a paper
 * that has the query's adjacent words next to each other is far more likely to be about them. The best
 * PHRASE_RERANK_DEPTH matches are re-ordered by how many adjacent word pairs of the query they contain as
 * phrases (ties keep the BM25 / ts_rank_cd order). On the known-item benchmark (bench/search-quality.ts,
 * 5,371 two-keyword queries over the real corpus) this took keyword Recall@10 from 0.789 to 0.845;
 * re-ranking the top 20 only gave 0.822, the top 50 0.840.
 */
export const PHRASE_RERANK_DEPTH = 100;
/** Adjacent word pairs of the query compared at most. */
const MAX_PHRASE_PAIRS = 6;

async function rerankByPhrases(database: Database, query: ParsedQuery, hits: ScoredPaper[]): Promise<ScoredPaper[]> {
  const words = phraseKeysOf(query.terms.flatMap((t) => t.words).join(' '));
  const pairs = new Set<string>();
  for (let i = 0; i + 1 < words.length && pairs.size < MAX_PHRASE_PAIRS; i++) if (words[i] !== words[i + 1]) pairs.add(`${words[i]} ${words[i + 1]}`);
  if (pairs.size === 0 || hits.length < 2) return hits;
  // Checked here on the candidates' text, not with a phrase query per pair: FTS5 evaluates a phrase over
  // the whole index before the candidates restrict it (4× slower at 100k papers).
  const rows = await database.db.selectFrom('papers').select(['id', 'title', 'abstract']).where('id', 'in', hits.map((h) => h.paperId)).execute();
  const firsts = new Set([...pairs].map((p) => p.slice(0, p.indexOf(' '))));
  const matched = new Map<string, number>();
  for (const r of rows) {
    const tokens = phraseKeysOf(`${r.title} ${r.abstract ?? ''}`);
    const found = new Set<string>();
    for (let i = 0; i + 1 < tokens.length; i++) {
      if (!firsts.has(tokens[i]!)) continue;
      const pair = `${tokens[i]} ${tokens[i + 1]}`;
      if (pairs.has(pair)) found.add(pair);
    }
    matched.set(r.id, found.size);
  }
  // The score says the same as the order: phrase pairs found, then the rank the engine gave.
  return hits
    .map((h, i) => ({ paperId: h.paperId, n: matched.get(h.paperId) ?? 0, i }))
    .sort((a, b) => b.n - a.n || a.i - b.i)
    .map((x) => ({ paperId: x.paperId, score: x.n + 1 / (2 + x.i) }));
}

/**
 * The words of a text as phrase re-ranking compares them (the query's and the candidates' alike): lower
 * case, accents folded, a plural `s` dropped (`models` = `model`); one folding pass over the whole text.
 */
const phraseKeysOf = (text: string): string[] =>
  (fold(text.toLowerCase()).match(/[\p{L}\p{N}]+/gu) ?? []).map((f) => (f.length > 3 && f.endsWith('s') && !f.endsWith('ss') ? f.slice(0, -1) : f));

/** One page over tiers of matches shown one after the other, and their count (each counted up to the cap). */
async function tiers(database: Database, plans: LazyPlan[], sort: SearchSort, opts: KeywordOptions): Promise<Omit<KeywordResult, 'corrected'>> {
  const hits: ScoredPaper[] = [];
  let skip = opts.offset;
  let total = 0;
  for (const lazy of plans) {
    for (const p of await lazy()) {
      const need = opts.limit - hits.length;
      let n: number;
      if (need > 0) {
        const pool = sort === 'relevance' || p.depthBound ? skip + need : null;
        const rows = await sql<{ id: string; score: number; pooled?: number }>`${p.select(sql`p.id as id`, true, pool)} order by ${pool && p.rankOrder ? p.rankOrder : orderBy(sort)} limit ${need} offset ${skip}`.execute(database.db);
        for (const r of rows.rows) hits.push({ paperId: r.id, score: Number(r.score) });
        // A short first page is the whole tier: no need to count it; nor when the ranked pool counted it (PostgreSQL).
        const pooled = rows.rows[0]?.pooled;
        n = skip === 0 && rows.rows.length < need ? rows.rows.length : pooled !== undefined && pooled !== null ? Number(pooled) : await countOf(database, p, total);
      } else n = await countOf(database, p, total);
      skip = Math.max(0, skip - n);
      total += n;
      if (total > COUNT_CAP) break;
    }
    if (total > COUNT_CAP) break;
  }
  return { hits, ...capped(total) };
}

/** A plan's matches, up to COUNT_CAP + 1; or just enough to take the total past it (Plan.totalAtLeast). */
async function countOf(database: Database, p: Plan, total: number): Promise<number> {
  if (p.totalAtLeast !== undefined && p.totalAtLeast > COUNT_CAP) return Math.max(1, COUNT_CAP + 1 - total);
  const count = await p.count().execute(database.db);
  return Number(count.rows[0]?.n ?? 0);
}

const capped = (n: number) => (n > COUNT_CAP ? { total: COUNT_CAP, totalCapped: true } : { total: n, totalCapped: false });

// --- Spelling fallback ----------------------------------------------------------------------------------

/** Shortest word we try to correct; shorter ones have too many neighbours one edit away. */
const MIN_CORRECTABLE = 5;
/** Edits allowed: one for words of 5–7 letters, two from 8. */
const maxEdits = (len: number) => (len >= 8 ? 2 : 1);
/** Letters a misspelt word may have past the indexed stem it matches (the suffix the stemmer removed). */
const MAX_SUFFIX = 4;
/** How long a vocabulary read in the background (a full scan of the keyword index) is reused before it is read again. */
const VOCABULARY_TTL_MS = 60 * 60 * 1000;
/**
 * After a failed vocabulary read (the server dropped the connection, the SQLite file was moved), how long until the
 * next search tries again: not the hour of a good read, nor every search (the read is a full scan of the index).
 */
export const VOCABULARY_RETRY_MS = 5 * 60 * 1000;
/*
 * The spelling fallback's work is bounded (docs/decisions/0014-search-budget.md): it runs on the event
 * loop (the edit distances; on SQLite the vocabulary reads too), and a query of many misspelt words took
 * half a second of it per request, during which the server answered nothing else.
 */
/** Words looked at per query (in order: the words, then the authors' names); the rest stay as typed. */
export const MAX_SPELLING_WORDS = 8;
/**
 * Candidate terms compared with one word, the most common first: a word's neighbours (same first letter,
 * a close length) numbered a few thousand in the real corpus's vocabulary; a correction to a term rarer
 * than the 2,000th such candidate would find a paper or two at best.
 */
export const MAX_SPELLING_CANDIDATES = 2000;
/**
 * Synchronous time the fallback may spend on one query: past it, the remaining words stay as typed.
 * Between words it yields to the event loop. 50 ms is a few words' work at 100k papers, and short enough
 * that other requests hardly notice it.
 */
export const SPELLING_BUDGET_MS = 50;
/** How long a word's correction (or the lack of one) is reused; it changes only as the vocabulary grows. */
const SPELLING_TTL_MS = 10 * 60 * 1000;
/** Words whose corrections are remembered, per database (bounded memory; the cache is cleared past it). */
const SPELLING_CACHE_SIZE = 10_000;

interface VocabEntry {
  term: string;
  docs: number;
}

/** A vocabulary in memory, by first letter, each list the most common term first. */
type Vocabulary = Map<string, VocabEntry[]>;
interface BackgroundVocabulary {
  at: number;
  terms: Promise<Vocabulary> | null;
  ready: Vocabulary | null;
  /** The papers of each term in more than RARE_WORD_PAPERS of them (most terms are in one or two). */
  common: Map<string, number> | null;
}
const vocabularies = new WeakMap<Database, BackgroundVocabulary>();

function byFirstLetter(entries: VocabEntry[]): Vocabulary {
  const out: Vocabulary = new Map();
  for (const e of entries.sort((a, b) => b.docs - a.docs)) {
    const first = String.fromCodePoint(e.term.codePointAt(0)!);
    if (!out.has(first)) out.set(first, []);
    out.get(first)!.push(e);
  }
  return out;
}

/**
 * SQLite reads a letter's terms from fts5vocab during the search while the index has at most this many papers; past
 * it, from the vocabulary read in the background. fts5vocab counts a term's papers by reading its whole doclist: the
 * terms of one letter took 0.4–2.3 s at 1M papers (7.1M postings for `o`), on the event loop.
 */
const SQLITE_SYNC_VOCABULARY_MAX = 20_000;
/**
 * SQLite past 100,000 papers keeps the terms in at least two papers in its background vocabulary (a correction to a
 * term in one paper finds that paper at best, and most terms of a big corpus are in one).
 */
const SQLITE_VOCABULARY_PAIRS_FROM = 100_000;

/**
 * Indexed terms starting with `first` whose length is in [min, max], the most common first, at most
 * MAX_SPELLING_CANDIDATES: on a small SQLite index read from fts5vocab (not its hyphenated words' compound tokens,
 * which nobody types: migration 0038); otherwise from the vocabulary read in the background (backgroundVocabulary).
 */
async function vocabulary(database: Database, first: string, min: number, max: number): Promise<VocabEntry[]> {
  if (database.engine === 'sqlite' && (database.where === ':memory:' || (await indexedRows(database)) <= SQLITE_SYNC_VOCABULARY_MAX)) {
    const next = String.fromCodePoint(first.codePointAt(0)! + 1);
    const rows = await sql<VocabEntry>`select term, doc as docs from papers_fts_vocab where term >= ${first} and term < ${next} and length(term) between ${min} and ${max}
      and instr(term, ${COMPOUND_JOINER}) = 0 order by doc desc limit ${MAX_SPELLING_CANDIDATES}`.execute(database.db);
    return rows.rows;
  }
  const v = backgroundVocabulary(database);
  const all = v.ready ?? (await Promise.race([v.terms ?? Promise.resolve(new Map()), new Promise<Vocabulary>((r) => setTimeout(() => r(new Map()), 250))]));
  const out: VocabEntry[] = [];
  for (const e of all.get(first) ?? []) {
    if (e.term.length >= min && e.term.length <= max && out.push(e) >= MAX_SPELLING_CANDIDATES) break;
  }
  return out;
}

/**
 * Every indexed term with its papers, read in the background (outside the search's budget and transaction), once
 * an hour; until it is there, callers use what they have. PostgreSQL: ts_stat over the index (4 s at 100k papers).
 * SQLite: fts5vocab in a worker thread on its own connection (src/db/sqlite-read-worker.ts), because the statement
 * would hold the event loop (34 s of one core at 1M papers, once an hour).
 */
function backgroundVocabulary(database: Database): BackgroundVocabulary {
  const base = baseDatabase(database);
  const v = vocabularies.get(base);
  if (v && (Date.now() - v.at <= VOCABULARY_TTL_MS || v.terms !== null)) return v;
  const entry: BackgroundVocabulary = { at: Date.now(), terms: null, ready: v?.ready ?? null, common: v?.common ?? null };
  entry.terms = readVocabulary(base)
    .then((rows) => {
      entry.common = new Map(rows.filter((e) => e.docs > RARE_WORD_PAPERS).map((e) => [e.term, e.docs]));
      entry.ready = byFirstLetter(rows);
      entry.terms = null;
      return entry.ready;
    })
    .catch((e: Error) => {
      // Corrections stay as the last good read left them (none before it): searches go on without.
      console.error(`spelling corrections: reading the keyword index's vocabulary failed (${e.message}); searches go on without new corrections, and the next search after ${VOCABULARY_RETRY_MS / 60_000} minutes reads it again`);
      entry.at = Date.now() - VOCABULARY_TTL_MS + VOCABULARY_RETRY_MS;
      entry.terms = null;
      return entry.ready ?? new Map();
    });
  vocabularies.set(base, entry);
  return entry;
}

async function readVocabulary(database: Database): Promise<VocabEntry[]> {
  if (database.engine === 'postgres') {
    // Sorted by the server (byFirstLetter's sort then finds them in order: linear, not n log n on the event loop).
    const r = await sql<VocabEntry>`select word as term, ndoc as docs from ts_stat('select document from paper_search') where ndoc >= 1 order by ndoc desc`.execute(database.db);
    return r.rows.map((e) => ({ term: e.term, docs: Number(e.docs) }));
  }
  const least = (await indexedRows(database)) > SQLITE_VOCABULARY_PAIRS_FROM ? 2 : 1;
  const rows = await readInWorker(database.where, `select term, doc from papers_fts_vocab where doc >= ? and instr(term, ?) = 0 order by doc desc`, [least, COMPOUND_JOINER]);
  return rows.map(([term, docs]) => ({ term: String(term), docs: Number(docs) }));
}

/**
 * The papers with a common word (one in more than RARE_WORD_PAPERS papers), known without counting them:
 * from ANALYZE's statistics of the index (pgFrequentLexemes: the most frequent words, from the start) or from
 * the vocabulary (up to an hour old, once read); undefined for another word (the caller counts then). A count
 * through the GIN index builds the bitmap of every paper with the word before the first row: 10–80 ms for a
 * common word at 100k papers, up to 116 ms at 1M, several per search (decisions 0047, 0049). A word that
 * became common since is counted as before; the count only orders terms and decides whether to suggest a
 * spelling.
 */
async function pgCommonWordPapers(database: Database, t: QueryTerm): Promise<number | undefined> {
  const frequent = await pgFrequentLexemes(database);
  const common = backgroundVocabulary(database).common;
  if (frequent.size === 0 && !common) return undefined;
  const lexeme = t.lexeme ?? (await pgLexeme(database, t.words[0]!, false));
  return lexeme === null ? undefined : (frequent.get(lexeme) ?? common?.get(lexeme));
}

/** A word's lexeme as PostgreSQL indexes it (a hyphenated word's: the compound's, see pgTerm), remembered; null when it has none or several. */
const lexemes = ttlCache<string | null>(SPELLING_TTL_MS, SPELLING_CACHE_SIZE);

async function pgLexeme(database: Database, word: string, hyphenated: boolean): Promise<string | null> {
  const key = `${hyphenated ? 'h' : 'w'}:${word}`;
  const hit = lexemes.get(database, key);
  if (hit !== undefined) return hit;
  const r = hyphenated
    ? await sql<{ lexemes: string[] }>`select array(select d.lexemes[1] from ts_debug('english', ${word}) d
        where d.alias in ('asciihword', 'hword', 'numhword') and cardinality(d.lexemes) = 1 limit 1) as lexemes`.execute(database.db)
    : await sql<{ lexemes: string[] }>`select tsvector_to_array(to_tsvector('english', ${word})) as lexemes`.execute(database.db);
  const found = r.rows[0]?.lexemes ?? [];
  const lexeme = found.length === 1 ? found[0]! : null;
  lexemes.set(database, key, lexeme);
  return lexeme;
}

/** How long ANALYZE's most common lexemes are reused (they change when the tables are analyzed again). */
const PG_FREQUENT_TTL_MS = 10 * 60 * 1000;
const frequentLexemes = ttlCache<Promise<Map<string, number>>>(PG_FREQUENT_TTL_MS, 1);

/**
 * The lexemes in more than RANK_POOL papers among those ANALYZE found most often in the index (pg_stats'
 * most_common_elems of paper_search.document, with their share of a 300,000-row sample, migration 36: at 1M
 * papers, the 7,431 words in 0.1% of the papers or more), with their papers estimated from that share.
 * One read of the catalog per PG_FREQUENT_TTL_MS, available as soon as the tables are analyzed (after any bulk
 * import: src/importers/statistics.ts), unlike the vocabulary (a scan of the whole index: 26 s at 1M papers).
 * Estimates steer which terms are counted and ranked, and skip a count whose total is past the cap anyway
 * (Plan.totalAtLeast, from half the estimate). Only words clearly above the tier budget are kept, so
 * statistics taken on a much smaller table leave words to be counted.
 * Empty when the table was never analyzed or the catalog cannot be read.
 */
function pgFrequentLexemes(database: Database): Promise<Map<string, number>> {
  const hit = frequentLexemes.get(database, 'paper_search');
  if (hit) return hit;
  const read = sql<{ term: string; papers: number }>`select e.term, e.freq * c.reltuples::float8 as papers
      from pg_stats s join pg_class c on c.oid = 'paper_search'::regclass
      cross join lateral unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) as e(term, freq)
      where s.schemaname = current_schema() and s.tablename = 'paper_search' and s.attname = 'document' and e.term is not null and e.freq * c.reltuples > ${RANK_POOL + 1}`
    .execute(baseDatabase(database).db)
    .then((r) => new Map(r.rows.map((x) => [x.term, Math.round(Number(x.papers))])))
    .catch(() => {
      // Read again next time (the database may be back), not in ten minutes; meanwhile words are counted.
      frequentLexemes.delete(database, 'paper_search');
      return new Map<string, number>();
    });
  frequentLexemes.set(database, 'paper_search', read);
  return read;
}

/**
 * Edit distance (Levenshtein) between the indexed term and the best prefix of the word that leaves at
 * most MAX_SUFFIX letters (the index holds stems: `transfomer` is one edit from `transform`+`er`).
 */
export function stemDistance(word: string, term: string, limit: number): number {
  const a = Array.from(word);
  const b = Array.from(term);
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  let best = Infinity;
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (a.length - i <= MAX_SUFFIX) best = Math.min(best, cur[b.length]!);
    if (rowMin > limit) return best;
    prev = cur;
  }
  return best;
}

const fold = (w: string) => w.normalize('NFD').replace(/\p{M}/gu, '');

/** Whether the index has the word (after stemming): a cheap index lookup. */
async function indexed(database: Database, word: string): Promise<boolean> {
  const r = database.engine === 'sqlite'
    ? await sql`select 1 as x from papers_fts where papers_fts match ${fts5String(word)} limit 1`.execute(database.db)
    : await sql`select 1 as x from paper_search where document @@ websearch_to_tsquery('english', ${word}) limit 1`.execute(database.db);
  return r.rows.length > 0;
}

/** Words the fallback tries to correct: long enough, without digits. */
const correctable = (w: string) => Array.from(w).length >= MIN_CORRECTABLE && !/\d/.test(w);

/**
 * The closest indexed term to a word the index does not have: fewest edits, then the most papers; null
 * when none is close; undefined when there is no vocabulary yet (read in the background: nothing to remember).
 * `clock.spent` grows by the event loop's time it took (the distances; on SQLite, whose reads are synchronous,
 * the vocabulary read too).
 */
async function closestTerm(database: Database, word: string, clock: { spent: number }): Promise<string | null | undefined> {
  const w = fold(word);
  const len = Array.from(w).length;
  if (!correctable(w)) return null;
  if (await indexed(database, word)) return null;
  const limit = maxEdits(len);
  let t = performance.now();
  const candidates = await vocabulary(database, w[0]!, Math.max(2, len - MAX_SUFFIX - limit), len + limit);
  if (database.engine === 'sqlite') clock.spent += performance.now() - t;
  if (candidates.length === 0) return undefined;
  t = performance.now();
  let best: { term: string; d: number; docs: number } | null = null;
  for (const c of candidates) {
    const d = stemDistance(w, c.term, limit);
    if (d <= limit && (!best || d < best.d || (d === best.d && c.docs > best.docs))) best = { term: c.term, d, docs: c.docs };
  }
  clock.spent += performance.now() - t;
  return best?.term ?? null;
}

const spellingCache = ttlCache<string | null>(SPELLING_TTL_MS, SPELLING_CACHE_SIZE);

/** closestTerm, remembered for SPELLING_TTL_MS per database. */
async function cachedClosestTerm(database: Database, word: string, clock: { spent: number }): Promise<string | null> {
  const hit = spellingCache.get(database, word);
  if (hit !== undefined) return hit;
  const fix = await closestTerm(database, word, clock);
  if (fix === undefined) return null;
  spellingCache.set(database, word, fix);
  return fix;
}

/**
 * The query with misspelt single words replaced by their closest indexed stem (prefix-matched), or null.
 * At most MAX_SPELLING_WORDS words are looked at, within SPELLING_BUDGET_MS of the event loop's time;
 * the rest stay as typed.
 */
async function correctSpelling(database: Database, query: ParsedQuery): Promise<KeywordResult['corrected']> {
  const replacements: [string, string][] = [];
  let looked = 0;
  const clock = { spent: 0 };
  const fix = async (word: string): Promise<string | null> => {
    if (!correctable(fold(word)) || looked >= MAX_SPELLING_WORDS || clock.spent > SPELLING_BUDGET_MS) return null;
    // Let other requests in between words (the work is synchronous on SQLite).
    if (looked++ > 0) await new Promise((r) => setImmediate(r));
    const f = await cachedClosestTerm(database, word, clock);
    if (f) replacements.push([word, f]);
    return f;
  };
  const terms: QueryTerm[] = [];
  for (const t of query.terms) {
    const f = t.words.length === 1 ? await fix(t.words[0]!) : null;
    terms.push(f ? { words: [f], phrase: false, prefix: true } : t);
  }
  const authors: string[][] = [];
  for (const a of query.authors) {
    const words: string[] = [];
    for (const w of a) words.push((await fix(w)) ?? w);
    authors.push(words);
  }
  return replacements.length === 0 ? null : { query: { ...query, terms, authors }, replacements };
}

// --- "Did you mean" ----------------------------------------------------------------------------------

/** Papers having the word (after stemming), counted up to RARE_WORD_PAPERS + 1. */
async function papersWith(database: Database, word: string): Promise<number> {
  const cap = RARE_WORD_PAPERS + 1;
  const common = database.engine === 'postgres' ? await pgCommonWordPapers(database, { words: [word], phrase: false }) : undefined;
  if (common !== undefined) return Math.min(common, cap);
  const r = database.engine === 'sqlite'
    ? await sql<{ n: number }>`select count(*) as n from (select 1 from papers_fts where papers_fts match ${fts5String(word)} limit ${cap}) t`.execute(database.db)
    : await sql<{ n: number }>`select count(*) as n from (select 1 from paper_search where document @@ websearch_to_tsquery('english', ${word}) limit ${cap}) t`.execute(database.db);
  return Number(r.rows[0]?.n ?? 0);
}

/** How people write an indexed stem (`mixtur` → `mixture`), read from a few papers that have it. */
async function surfaceOf(database: Database, stem: string): Promise<string | null> {
  const query: ParsedQuery = { text: stem, terms: [{ words: [stem], phrase: false, prefix: true }], excluded: [], authors: [], categories: [], organizations: [], year: null, arxivId: null, stopWordsOnly: false, notices: [] };
  const r = await keywordSearch(database, query, { limit: 10, offset: 0, noSpelling: true });
  if (r.hits.length === 0) return null;
  const rows = await sql<{ title: string; abstract: string | null }>`select title, abstract from papers where id in (${sql.join(r.hits.map((h) => h.paperId))})`.execute(database.db);
  return surfaceForm(stem, rows.rows.map((x) => `${x.title} ${x.abstract ?? ''}`));
}

const suggestionCache = ttlCache<string | null>(SPELLING_TTL_MS, SPELLING_CACHE_SIZE);

/**
 * "Did you mean": for each single word of the query found in at most RARE_WORD_PAPERS papers, a much
 * more common word close to it (src/domain/spelling.ts), as written in papers; `corrected` (the
 * fallback's replacements when nothing matched) are turned into words the same way. Bounded like the
 * fallback (MAX_SPELLING_WORDS, SPELLING_BUDGET_MS) and remembered per word for SPELLING_TTL_MS.
 */
export async function spellingSuggestions(database: Database, query: ParsedQuery, corrected: readonly [string, string][]): Promise<[string, string][]> {
  const out: [string, string][] = [];
  const clock = { spent: 0 };
  const fixedAlready = new Map(corrected);
  let looked = 0;
  for (const t of query.terms) {
    if (t.words.length !== 1 || t.phrase) continue;
    const word = t.words[0]!;
    if (!correctable(fold(word)) || looked >= MAX_SPELLING_WORDS || clock.spent > SPELLING_BUDGET_MS) continue;
    looked++;
    let fix = suggestionCache.get(database, word);
    if (fix === undefined) {
      // No vocabulary yet (PostgreSQL reads it in the background): no answer, and nothing remembered.
      let known = true;
      const stem = fixedAlready.get(word) ?? (await (async () => {
        const w = fold(word);
        const len = Array.from(w).length;
        const n = await papersWith(database, word);
        if (n > RARE_WORD_PAPERS) return null;
        const limit = maxEdits(len);
        const t0 = performance.now();
        const candidates = await vocabulary(database, w[0]!, Math.max(2, len - MAX_SUFFIX - limit), len + limit);
        known = candidates.length > 0;
        const term = didYouMean(w, n, candidates, stemDistance);
        clock.spent += performance.now() - t0;
        return term;
      })());
      fix = stem ? await surfaceOf(database, stem) : null;
      if (fix === word) fix = null;
      if (known) suggestionCache.set(database, word, fix);
    }
    if (fix) out.push([word, fix]);
  }
  return out;
}
