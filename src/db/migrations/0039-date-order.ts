/**
 * Searches sorted by date stop at their page (docs/decisions/0052-search-by-date.md). They sorted every match: at 1M
 * papers `model` sorted by date took 3 s on SQLite (one statement, the event loop held all along) and 1.1 s on
 * PostgreSQL.
 *
 * SQLite: a paper's keyword-index rowid (its `papers_fts_docs.doc`) is keyed by its arXiv date's day:
 * `day << 20` plus a number within the day (DOC_DAY_BITS), days counted from 1970 in UTC, a paper without a
 * date (or before 1970) on day 0. FTS5 reads a term's papers in rowid order, so a date-sorted search reads the
 * newest matches first and stops once it has its page's depth; it then sorts exactly the days it reached
 * (src/search/keyword.ts, sqliteDatePlan). The triggers number a new paper after the last one of its day, and a
 * paper whose `published_at` (or indexed text) changes gets a new doc. More than 2^20 papers on one day (only
 * day 0 could have them) take negative docs, below every dated one, as papers without a date sort last.
 * Every paper is indexed again (the index's rowids change): 204 s at 1M papers on a busy bench machine, announced
 * by the notice.
 *
 * Both engines: `papers_date_order (published_at desc, id desc)`, the order of a date-sorted search (PostgreSQL
 * spells `nulls last`, the search's order, which its descending default is not; SQLite's descending order already
 * puts nulls last, and it takes no NULLS LAST in an index). PostgreSQL walks it and tests each paper against the
 * keyword index when the words are common, and sorts the matches when they are rare (its planner chooses); both
 * engines' filter-only searches (no words) walk it. It replaces `papers_published_at (published_at)`, whose ranges
 * (`published_at >= ?`) it serves too: one index fewer for an import to write.
 *
 * Older code reads the index correctly (it never assumed an order of the docs but for its ranking window, which
 * is only better ordered now) and names neither index: `compatibleWith` 38.
 */
import { sql, type Kysely } from 'kysely';
import { createSqliteSearchDeleteTrigger, createSqliteSearchTriggers, sqliteReindexNotice } from './0010-search-index.ts';
import { sqliteIndexedRows } from './0038-compound-words.ts';
import type { Migration } from './index.ts';

/** Bits of a SQLite keyword-index doc that number the papers of one day (the day is the bits above). */
export const DOC_DAY_BITS = 20;
const PER_DAY = 2 ** DOC_DAY_BITS;

/** SQL: the day of a `published_at` expression, as docs are keyed (days since 1970, UTC; 0 without a date). */
const dayOf = (publishedAt: string) => `(max(0, coalesce(unixepoch(${publishedAt}), 0)) / 86400)`;

/**
 * SQL: a new row's doc: after the last doc of its day, or, in a day already full, below every doc (negative).
 * Reads papers_fts_docs' primary key twice (a range's max).
 */
const newDoc = `(select case when m is null then k when m + 1 < k + ${PER_DAY} then m + 1 else min(0, (select min(doc) from papers_fts_docs)) - 1 end
      from (select k, (select max(doc) from papers_fts_docs where doc >= k and doc < k + ${PER_DAY}) as m from (select ${dayOf('new.published_at')} << ${DOC_DAY_BITS} as k)))`;

export const dateOrder: Migration = {
  version: 39,
  name: 'date-order',
  compatibleWith: 38,
  notice: sqliteReindexNotice('indexing every paper again in date order, for searches sorted by date (about 3 minutes a million papers; the site starts once it is done)'),
  async up(db, { engine }) {
    const nullsLast = engine === 'postgres' ? sql` nulls last` : sql``;
    await sql`create index papers_date_order on papers (published_at desc${nullsLast}, id desc)`.execute(db);
    await sql`drop index papers_published_at`.execute(db);
    if (engine !== 'sqlite') return;

    for (const t of ['papers_fts_insert', 'papers_fts_update', 'papers_fts_delete']) await sql.raw(`drop trigger ${t}`).execute(db);
    await sql`create table papers_fts_keyed (doc integer primary key, paper_id text not null unique)`.execute(db);
    await sql.raw(`insert into papers_fts_keyed (doc, paper_id)
      select case when n < ${PER_DAY} then (day << ${DOC_DAY_BITS}) + n else -row_number() over (order by day, n) end, id
      from (select id, day, row_number() over (partition by day order by published_at, id) - 1 as n
            from (select id, published_at, ${dayOf('published_at')} as day from papers))`).execute(db);
    await sql`drop table papers_fts_docs`.execute(db);
    await sql`alter table papers_fts_keyed rename to papers_fts_docs`.execute(db);
    await createSqliteSearchTriggers(
      db,
      sqliteIndexedRows('(select doc from papers_fts_docs where paper_id = new.id)', 'from (select new.title as title, new.authors as authors, new.abstract as abstract) p'),
      { newDoc },
    );
    await createSqliteSearchDeleteTrigger(db);
    await rebuildSqliteSearchIndex(db);
  },
};

/**
 * SQLite: papers_fts emptied, then every paper inserted again under its doc (a contentless table cannot 'rebuild'),
 * in doc order: FTS5 writes what it holds to disk each time a rowid is lower than the one before.
 */
export async function rebuildSqliteSearchIndex(db: Kysely<any>): Promise<void> {
  await sql.raw(`insert into papers_fts(papers_fts) values('delete-all')`).execute(db);
  await sql.raw(`insert into papers_fts (rowid, title, authors, abstract) ${sqliteIndexedRows('d.doc', 'from papers_fts_docs d join papers p on p.id = d.paper_id order by d.doc')}`).execute(db);
}
