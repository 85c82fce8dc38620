/**
 * A search without words (only filters and exclusions: `cat:math.OC`, `org:acme`, `-model`, `?code=1`): the papers
 * they leave, newest first, or the most upvoted of the newest RANK_WINDOW of them (as a sort by upvotes of words
 * does). docs/decisions/0053-searches-without-words.md.
 *
 * One statement over every paper made SQLite, which cannot interrupt a statement, hold the event loop for what the
 * filters left out: `org:` of a small organization walked the whole date index (1–6 s at 1M papers), a category no
 * paper has read them all. Here the papers are read from one ordered index (the driver: the organization's or a
 * category's keyset index of the list pages, the index of papers with code, the listed papers, else the date order)
 * in chunks of at most CHUNK_MAX rows, with the filters tested on each; between chunks the event loop runs and the
 * search budget (src/search/budget.ts) is checked, so a filter that passes almost nothing ends in a "too slow" answer,
 * not a frozen site. The driver is the smallest of the filters' index ranges (counted up to PROBE_CAP), so
 * `org:small cat:cs.LG` reads the organization's papers, not the category's. Both engines walk the same way.
 */
import { sql, type RawBuilder } from 'kysely';
import type { Database } from '../db/connection.ts';
import { hasCodeSql } from '../db/migrations/0040-with-code-order.ts';
import { organizationIdsNamedByAll } from '../db/queries/organizations.ts';
import { addDays } from '../domain/dates.ts';
import type { ParsedQuery } from '../domain/search-query.ts';
import type { SearchFilters, SearchSort } from './keyword.ts';

/**
 * Rows a statement reads at most: the first chunk reads the rows a page and its count need if every row passes, each
 * next one twice the last, up to this. Reading a paper's row costs about 9 µs on SQLite at 1M papers (its abstract is
 * in it): 20,000 rows held the event loop 130–290 ms, 2,000 about 20 ms. (PostgreSQL holds no event loop; chunks of
 * 20,000 were no faster there: the walk costs the rows it fetches.)
 */
const CHUNK_MAX = 2_000;
/** Index ranges are counted up to this to choose the driver (a range past it is "big"). */
const PROBE_CAP = 2_000;
/**
 * `?listed=1` drives the walk while the daily lists hold at most this many entries: each chunk then sorts their papers
 * by date (no index holds them in that order), which is cheap for 50,000 (a site of arXiv papers with Hugging Face's
 * lists, about 25,000 a year); past it the date order is walked, as where most papers are listed it costs less.
 */
const LISTED_DRIVER_MAX = 50_000;
/** Categories of one query probed as drivers, at most (the rest are tested on each row). */
const MAX_PROBES = 8;

/** The position of a row in an index's order (newest first): its sort date and id. */
interface Key {
  date: string;
  id: string;
}

/** One ordered index range: the rows (alias `p` for papers) of `from` that pass `where`, ordered by `date`, `id` desc. */
interface Range {
  from: RawBuilder<unknown>;
  where: RawBuilder<unknown>;
  date: RawBuilder<unknown>;
  id: RawBuilder<unknown>;
  /**
   * `date desc nulls last`, as papers_date_order is built on PostgreSQL (whose `desc` alone puts nulls first, an order
   * that index does not give: the planner sorted every paper instead, 250 ms a chunk at 300k papers).
   */
  nullsLast?: boolean;
}

export interface FilteredPage {
  ids: string[];
  /** Papers that pass, counted up to `countCap` + 1. */
  total: number;
}

/**
 * The query's excluded terms: on SQLite the FTS5 expression of any of them (tested per chunk against the index's
 * doc range, see excludedDocs), on PostgreSQL a condition on `p` that it has one (tested per paper).
 */
export type Exclusion = { match: string } | { has: RawBuilder<unknown> };

/**
 * The page (`offset`, `limit`) of papers passing `conds` (SQL conditions on `p`: the query's and the form's filters,
 * from filterConditions; the driver adds nothing to them) and without an excluded term, and their number up to
 * `countCap` + 1. By upvotes, the newest `window` that pass are ranked. `chunkMax` (tests): at most this many rows a
 * statement.
 */
export async function filtersOnlyPage(
  database: Database,
  query: Pick<ParsedQuery, 'categories' | 'organizations' | 'year'>,
  filters: SearchFilters,
  conds: RawBuilder<unknown>[],
  exclusion: Exclusion | null,
  opts: { sort: SearchSort; limit: number; offset: number; countCap: number; window: number; chunkMax?: number; organizationIds?: number[] | null },
): Promise<FilteredPage> {
  const { db } = database;
  const bounds = dateBounds(query, filters);
  const orgIds = opts.organizationIds !== undefined ? opts.organizationIds : await organizationIds(database, query, filters);
  const ranges = await driverRanges(database, query, filters, bounds, orgIds);
  if (ranges === null) return { ids: [], total: 0 };
  const byVotes = opts.sort === 'upvotes';
  const want = Math.max(opts.offset + opts.limit, opts.countCap + 1, byVotes ? opts.window : 0);
  const chunkMax = opts.chunkMax ?? CHUNK_MAX;
  const passed: { id: string; votes: number }[] = [];
  let size = Math.min(chunkMax, want);
  const all = exclusion && 'has' in exclusion ? [...conds, sql`not ${exclusion.has}`] : conds;
  const ok = all.length === 0 ? sql`1` : sql`case when ${sql.join(all, sql` and `)} then 1 else 0 end`;
  const match = exclusion && 'match' in exclusion ? exclusion.match : null;
  for (const r of ranges) {
    const desc = r.nullsLast ? sql`desc nulls last` : sql`desc`;
    let after: Key | null = null;
    while (passed.length < want) {
      // The chunk's rows that pass, and its last row (n = size) whether it passes or not: where the next chunk starts.
      const rows: ChunkRow[] = (await sql<ChunkRow>`
        select c.id, c.k_date, c.k_id, c.ok, c.votes, c.n, ${match ? sql`(select d.doc from papers_fts_docs d where d.paper_id = c.id)` : sql`null`} as doc
        from (select w.*, row_number() over (order by w.k_date ${desc}, w.k_id desc) as n from (
          select p.id as id, ${r.date} as k_date, ${r.id} as k_id, ${ok} as ok, p.upvotes + p.member_upvotes as votes
          from ${r.from} where ${r.where}${after ? sql` and ${r.date} <= ${after.date} and (${r.date} < ${after.date} or ${r.id} < ${after.id})` : sql``}
          order by ${r.date} ${desc}, ${r.id} desc limit ${size}) w) c
        where c.ok = 1 or c.n = ${size}
        order by c.n`.execute(db)).rows;
      const candidates = rows.filter((row) => Number(row.ok) === 1);
      const out = match ? await excludedDocs(database, match, candidates.map((c) => Number(c.doc))) : new Set<number>();
      for (const c of candidates) if (!out.has(Number(c.doc)) && passed.length < want) passed.push({ id: c.id, votes: Number(c.votes) });
      const last = rows.at(-1);
      if (!last || Number(last.n) < size) break;
      after = { date: String(last.k_date), id: String(last.k_id) };
      size = Math.min(chunkMax, size * 2);
    }
  }
  const total = Math.min(passed.length, opts.countCap + 1);
  const ranked = byVotes ? passed.slice(0, opts.window).sort((a, b) => b.votes - a.votes || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)) : passed;
  return { ids: ranked.slice(opts.offset, opts.offset + opts.limit).map((p) => p.id), total };
}

interface ChunkRow {
  id: string;
  k_date: string;
  k_id: string;
  ok: number;
  votes: number;
  /** The row's place in its chunk, from 1. */
  n: number;
  /** The paper's keyword-index doc (SQLite, with excluded terms). */
  doc: number | null;
}

/** Candidates of a chunk looked up one by one in FTS5 (about 0.3 ms each at 1M papers), at most; past it, their range is read. */
const DOC_LOOKUPS_MAX = 32;

/**
 * SQLite: which of `docs` (a chunk's candidates, keyword-index docs) have an excluded term. FTS5 reads the term's
 * docs between the candidates' lowest and highest: docs are keyed by day (migration 39), so the date order's chunk
 * is a narrow range (the 20,000 newest papers: 2 ms for `model`, in 95% of them). A few candidates far apart (a
 * small organization's) are looked up one by one instead. Testing each paper of a chunk with a correlated MATCH took
 * 0.3 ms a paper, and a `not in` over every paper with the term built a list of 950,000 on each statement.
 */
async function excludedDocs(database: Database, match: string, docs: number[]): Promise<Set<number>> {
  if (docs.length === 0) return new Set();
  const lo = Math.min(...docs);
  const hi = Math.max(...docs);
  const rows = docs.length <= DOC_LOOKUPS_MAX
    ? await sql<{ doc: number }>`select rowid as doc from papers_fts where papers_fts match ${match} and rowid in (${sql.join(docs.map((d) => sql.lit(d)))})`.execute(database.db)
    : await sql<{ doc: number }>`select rowid as doc from papers_fts where papers_fts match ${match} and rowid >= ${sql.lit(lo)} and rowid <= ${sql.lit(hi)}`.execute(database.db);
  return new Set(rows.rows.map((r) => Number(r.doc)));
}

/** The organizations and categories the query and the form name, each once. */
export function namedFilters(query: Partial<Pick<ParsedQuery, 'categories' | 'organizations'>>, f: SearchFilters): { orgs: string[]; cats: string[] } {
  return {
    orgs: [...new Set([...(query.organizations ?? []), ...(f.organization ? [f.organization] : [])])],
    cats: [...new Set([...(query.categories ?? []), ...(f.category ? [f.category] : [])])],
  };
}

/**
 * The ids of the organizations a paper must be in (those named by every `org:` and the form's), looked up once per
 * search and passed to each part that needs them; null when none is named, empty when nobody is named so.
 */
export async function organizationIds(database: Database, query: Pick<ParsedQuery, 'organizations'>, f: SearchFilters): Promise<number[] | null> {
  const { orgs } = namedFilters(query, f);
  return orgs.length === 0 ? null : organizationIdsNamedByAll(database.db, orgs);
}

/** The days the date filters and `year:` keep, as bounds on a sort date (`YYYY-MM-DD`, `hi` exclusive; null: none). */
export function dateBounds(query: Pick<ParsedQuery, 'year'>, f: SearchFilters): { lo: string | null; hi: string | null } {
  const froms = [f.from, query.year ? `${query.year.from}-01-01` : null].filter((d): d is string => !!d);
  const tos = [f.to ? addDays(f.to, 1) : null, query.year ? `${query.year.to + 1}-01-01` : null].filter((d): d is string => !!d);
  return { lo: froms.length > 0 ? froms.reduce((a, b) => (a > b ? a : b)) : null, hi: tos.length > 0 ? tos.reduce((a, b) => (a < b ? a : b)) : null };
}

/**
 * The index ranges to read, in order: the organization's, a category's, the papers with code's (`?code=1`) or the
 * listed papers' (`?listed=1`) range when one of them has the fewest papers, else the date order (the dated papers,
 * then those without a date). Null: no paper can pass (an organization nobody is named).
 */
async function driverRanges(
  database: Database, query: Pick<ParsedQuery, 'categories'>, f: SearchFilters, bounds: { lo: string | null; hi: string | null }, ids: number[] | null,
): Promise<Range[] | null> {
  const { db } = database;
  const within = (date: RawBuilder<unknown>) => sql.join([
    ...(bounds.lo ? [sql`${date} >= ${bounds.lo}`] : []),
    ...(bounds.hi ? [sql`${date} < ${bounds.hi}`] : []),
    sql`1 = 1`,
  ], sql` and `);
  const candidates: { range: Range; size: () => Promise<number> }[] = [];
  if (ids !== null) {
    if (ids.length === 0) return null;
    // papers_organization_keyset (organization_id, coalesce(published_at, '') desc, id desc): the organization page's.
    const date = sql`coalesce(p.published_at, '')`;
    const where = sql`p.organization_id in (${sql.join(ids)}) and ${within(date)}`;
    candidates.push({ range: { from: sql`papers p`, where, date, id: sql`p.id` }, size: () => probe(database, sql`select 1 from papers p where ${where}`) });
  }
  if (f.hasCode) {
    // papers_with_code_order (coalesce(published_at, '') desc, id desc) where the paper has code (migration 40).
    const date = sql`coalesce(p.published_at, '')`;
    const where = sql`${sql.raw(hasCodeSql('p.'))} and ${within(date)}`;
    candidates.push({ range: { from: sql`papers p`, where, date, id: sql`p.id` }, size: () => probe(database, sql`select 1 from papers p where ${where}`) });
  }
  const cats = namedFilters(query, f).cats.slice(0, MAX_PROBES);
  for (const cat of cats) {
    // paper_categories_keyset (category, sort_date desc, paper_id desc): the category page's.
    const where = sql`c.category = ${cat} and ${within(sql`c.sort_date`)}`;
    candidates.push({
      range: { from: sql`paper_categories c join papers p on p.id = c.paper_id`, where, date: sql`c.sort_date`, id: sql`c.paper_id` },
      size: () => probe(database, sql`select 1 from paper_categories c where ${where}`),
    });
  }
  if (f.listed && (await probe(database, sql`select 1 from daily_entries`, LISTED_DRIVER_MAX)) <= LISTED_DRIVER_MAX) {
    // The papers of the daily lists, sorted at each chunk (no index holds them in date order): a few thousand on a
    // site of arXiv papers. More than LISTED_DRIVER_MAX list entries, and the date order drives instead. Last, so
    // that an index range as small (both past PROBE_CAP) drives rather than this sort.
    const date = sql`coalesce(p.published_at, '')`;
    const where = sql`p.id in (select e.paper_id from daily_entries e) and ${within(date)}`;
    candidates.push({ range: { from: sql`papers p`, where, date, id: sql`p.id` }, size: () => probe(database, sql`select 1 from papers p where ${where}`) });
  }
  // The smallest (each of these ranges is a part of the date order).
  let best: { range: Range; n: number } | null = candidates.length === 1 ? { range: candidates[0]!.range, n: 0 } : null;
  for (const c of candidates.length > 1 ? candidates : []) {
    const n = await c.size();
    if (!best || n < best.n) best = { range: c.range, n };
    if (n === 0) break;
  }
  if (best) return [best.range];
  // The date order (papers_date_order): the dated papers, then those without a date (by id), unless dates are filtered.
  const dated: Range = { from: sql`papers p`, where: sql`p.published_at is not null and ${within(sql`p.published_at`)}`, date: sql`p.published_at`, id: sql`p.id`, nullsLast: true };
  // (Its date is '' for all, as an expression: PostgreSQL refuses a constant in ORDER BY.)
  const undated: Range = { from: sql`papers p`, where: sql`p.published_at is null`, date: sql`coalesce(p.published_at, '')`, id: sql`p.id` };
  return bounds.lo || bounds.hi ? [dated] : [dated, undated];
}

/** The rows of `rows`, counted up to `cap` + 1. */
async function probe(database: Database, rows: RawBuilder<unknown>, cap = PROBE_CAP): Promise<number> {
  const r = await sql<{ n: number }>`select count(*) as n from (${rows} limit ${cap + 1}) t`.execute(database.db);
  return Number(r.rows[0]?.n ?? 0);
}
