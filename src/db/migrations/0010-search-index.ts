/**
 * The keyword search index (docs/decisions/0011-keyword-search.md), kept up to date by triggers on
 * `papers`, so that every import, edit and deletion updates it in the same transaction.
 *
 * What is indexed: the title, the authors' names (extracted from the JSON `authors` column) and the
 * abstract, weighted in that order. NOT indexed, on purpose: `ai_keywords` and `ai_summary`. They are
 * Hugging Face's machine-written descriptions; the search-quality benchmark (bench/search-quality) builds
 * its queries from them, so indexing them would let the keyword engine find papers by the very words the
 * benchmark asks with, and its figures would say nothing about real queries.
 *
 * SQLite: an FTS5 table `papers_fts(title, authors, abstract)`, contentless with `contentless_delete=1`
 * (the text stays in `papers` only; rows are deleted by rowid). Its rowids come from `papers_fts_docs`, a
 * stable integer per paper: `papers` has a text primary key, whose implicit rowid VACUUM may renumber.
 * Tokenizer `porter unicode61 remove_diacritics 2`: English stemming, Unicode word boundaries, accents
 * folded (`Schölkopf` finds `Scholkopf`). `papers_fts_vocab` (fts5vocab) lists the indexed terms, for the
 * cheap spelling fallback in src/search/keyword.ts.
 *
 * PostgreSQL: `paper_search(paper_id, document tsvector)` with a GIN index, written by a trigger:
 * setweight A title, B authors, C abstract, the `english` configuration. A side table rather than a
 * generated column on `papers`, so that the many `select papers.*` of the list pages do not carry it.
 */
import { sql, type Kysely } from 'kysely';
import type { Migration } from './index.ts';

/** The authors' names of a row's JSON `authors` column, one text (SQLite expression over `row`). */
export const sqliteNames = (row: string) =>
  `coalesce((select group_concat(json_extract(value, '$.name'), ', ') from json_each(case when json_valid(${row}.authors) then ${row}.authors else '[]' end)), '')`;

/**
 * SQLite: the papers triggers that keep papers_fts (insert, and update of the indexed fields), given the statement
 * tail that indexes a new row (`values (…)` or a `select`, over `new`; its rowid is the paper's papers_fts_docs doc).
 * `keyed` (migration 39): a new row's doc is `newDoc` (an SQL expression over `new`), and an update of the indexed
 * fields or of `published_at` gives the paper a new doc; without it, docs are numbered in insertion order and kept.
 */
export async function createSqliteSearchTriggers(db: Kysely<any>, indexNew: string, keyed?: { newDoc: string }): Promise<void> {
  // Not `insert or ignore`: inside a trigger, the firing statement's conflict policy (an upsert's) overrides it.
  const insertNew = `
        insert into papers_fts_docs (${keyed ? 'doc, ' : ''}paper_id) select ${keyed ? `${keyed.newDoc}, ` : ''}new.id where not exists (select 1 from papers_fts_docs where paper_id = new.id);
        insert into papers_fts (rowid, title, authors, abstract) ${indexNew};`;
  const dateToo = keyed ? ', published_at' : '';
  await sql.raw(`create trigger papers_fts_insert after insert on papers begin ${insertNew} end`).execute(db);
  await sql.raw(`create trigger papers_fts_update after update of title, authors, abstract${dateToo} on papers
        when old.title is not new.title or old.authors is not new.authors or old.abstract is not new.abstract${keyed ? ' or old.published_at is not new.published_at' : ''}
        begin
          delete from papers_fts where rowid = (select doc from papers_fts_docs where paper_id = old.id);${keyed ? `
          delete from papers_fts_docs where paper_id = old.id;` : ''}
          ${insertNew}
        end`).execute(db);
}

/** SQLite: the papers trigger that takes a deleted paper out of papers_fts and papers_fts_docs. */
export async function createSqliteSearchDeleteTrigger(db: Kysely<any>): Promise<void> {
  await sql.raw(`create trigger papers_fts_delete after delete on papers begin
          delete from papers_fts where rowid = (select doc from papers_fts_docs where paper_id = old.id);
          delete from papers_fts_docs where paper_id = old.id;
        end`).execute(db);
}

/**
 * A migration's notice (Migration.notice) for work that re-indexes every paper on SQLite: `text` when the engine is
 * SQLite and papers exist, nothing otherwise.
 */
export const sqliteReindexNotice = (text: string): NonNullable<Migration['notice']> => async (db, { engine }) =>
  engine === 'sqlite' && (await sql`select 1 as x from papers limit 1`.execute(db)).rows.length > 0 ? text : undefined;

export const searchIndex: Migration = {
  version: 10,
  name: 'search-index',
  async up(db, { engine }) {
    if (engine === 'sqlite') {
      await sql`create table papers_fts_docs (doc integer primary key, paper_id text not null unique)`.execute(db);
      await sql.raw(`create virtual table papers_fts using fts5(title, authors, abstract, content='', contentless_delete=1, tokenize='porter unicode61 remove_diacritics 2')`).execute(db);
      await sql.raw(`create virtual table papers_fts_vocab using fts5vocab(papers_fts, 'row')`).execute(db);
      await createSqliteSearchTriggers(db, `values ((select doc from papers_fts_docs where paper_id = new.id), new.title, ${sqliteNames('new')}, coalesce(new.abstract, ''))`);
      await createSqliteSearchDeleteTrigger(db);
      // Backfill what is already there.
      await sql.raw(`insert into papers_fts_docs (paper_id) select id from papers order by published_at, id`).execute(db);
      await sql.raw(`insert into papers_fts (rowid, title, authors, abstract)
        select d.doc, p.title, ${sqliteNames('p')}, coalesce(p.abstract, '') from papers p join papers_fts_docs d on d.paper_id = p.id`).execute(db);
      return;
    }
    // Ranking (ts_rank_cd) reads each match's whole tsvector: kept in the row, uncompressed up to a page
    // (toast_tuple_target), rather than compressed out of line in the TOAST table, it ranks about twice as
    // fast (bench/search-speed.ts).
    await sql`create table paper_search (paper_id text primary key references papers(id) on delete cascade, document tsvector not null) with (toast_tuple_target = 8160)`.execute(db);
    await sql`alter table paper_search alter column document set storage main`.execute(db);
    await sql`create index paper_search_document on paper_search using gin (document)`.execute(db);
    await sql.raw(`create function paper_search_document(title text, authors text, abstract text) returns tsvector
      language sql immutable as $$
        select setweight(to_tsvector('english', coalesce(title, '')), 'A')
            || setweight(to_tsvector('english', coalesce((select string_agg(a->>'name', ', ') from jsonb_array_elements(
                 case when jsonb_typeof(authors::jsonb) = 'array' then authors::jsonb else '[]'::jsonb end) a), '')), 'B')
            || setweight(to_tsvector('english', coalesce(abstract, '')), 'C')
      $$`).execute(db);
    await sql.raw(`create function paper_search_refresh() returns trigger language plpgsql as $$
      begin
        insert into paper_search (paper_id, document) values (new.id, paper_search_document(new.title, new.authors, new.abstract))
          on conflict (paper_id) do update set document = excluded.document;
        return null;
      end $$`).execute(db);
    await sql.raw(`create trigger paper_search_insert after insert on papers for each row execute function paper_search_refresh()`).execute(db);
    await sql.raw(`create trigger paper_search_update after update of title, authors, abstract on papers for each row
      when (old.title is distinct from new.title or old.authors is distinct from new.authors or old.abstract is distinct from new.abstract)
      execute function paper_search_refresh()`).execute(db);
    await sql.raw(`insert into paper_search (paper_id, document) select id, paper_search_document(title, authors, abstract) from papers`).execute(db);
  },
};
