/**
 * SQLite: hyphenated words (`single-agent`, `text-to-image`) are indexed as words of their own, beside their parts,
 * as PostgreSQL's parser already does (docs/decisions/0051-compound-words.md).
 *
 * A hyphenated query word was an FTS5 phrase, and FTS5 finds a phrase by reading the positions of every paper with
 * all its words: 10–15 ms for `"single agent"` at 1M papers, paid again for each time the phrase appears in a
 * tier's expression (three times in the "some words" tier). Queries with a hyphenated word were a third of the
 * benchmark's and most of its slow ones (p95 78 against 32 ms for the others).
 *
 * Each column of `papers_fts` now holds its text followed by its hyphenated words with the hyphens replaced by
 * U+E000 (COMPOUND_JOINER, src/domain/search-query.ts), a private-use character that FTS5's unicode61 tokenizer
 * keeps inside a token (its default token characters are letters, numbers and private use); text never has it (the
 * query parser keeps letters, digits and marks only). `single-agent` is then the token `single\uE000agent`, stemmed by
 * porter like any word, and a hyphenated query word is that one token. The parts are still indexed where they
 * stand, so `single` and the typed phrase `"single agent"` match as before; the appended tokens come after the
 * text, so no phrase of real words spans them.
 *
 * The words are cut at spaces (JSON-splitting the text, all in SQL, so a writer without this code's connection,
 * such as the sqlite3 shell, keeps the index whole). A text the JSON cannot hold (a control character other than
 * tab and line breaks) gets no compounds; its words are indexed as before.
 *
 * Every paper is indexed again: 99 s at 1M papers on the bench machine (FTS5 'delete-all', then the papers inserted
 * again), announced by the notice.
 * Older code still reads the index correctly (it matches a hyphenated word as the phrase of its parts), so
 * `compatibleWith` 37. PostgreSQL: nothing to do.
 */
import { sql } from 'kysely';
import { createSqliteSearchTriggers, sqliteNames, sqliteReindexNotice } from './0010-search-index.ts';
import type { Migration } from './index.ts';

/**
 * SQL: the hyphenated words of the text expression `x`, hyphens replaced by U+E000, space-separated ('' if none; a
 * text without a hyphen, most titles and names, is not split).
 */
const compounds = (x: string): string =>
  `case when instr(${x}, '-') = 0 then '' else coalesce((select group_concat(replace(value, '-', char(57344)), ' ') from json_each((select case when json_valid(j) then j else '[]' end from (select '["' || ` +
  `replace(replace(replace(replace(replace(replace(${x}, '\\', '\\\\'), '"', '\\"'), char(10), ' '), char(13), ' '), char(9), ' '), ' ', '","') || '"]' as j))) ` +
  `where value glob '*?-?*'), '') end`;

/** SQL: the text expression `x` as papers_fts indexes it (the text, then its compounds). */
const indexed = (x: string): string => `${x} || ' ' || ${compounds(x)}`;

/**
 * SQL: select (doc, title, authors, abstract) as papers_fts indexes them, for the papers `from` (alias `p`, with
 * `doc`): one computation of each text, its compounds read from it.
 */
export const sqliteIndexedRows = (doc: string, from: string): string =>
  `select d, ${indexed('t')}, ${indexed('n')}, ${indexed('a')} from (select ${doc} as d, p.title as t, ${sqliteNames('p')} as n, coalesce(p.abstract, '') as a ${from})`;

export const compoundWords: Migration = {
  version: 38,
  name: 'compound-words',
  compatibleWith: 37,
  notice: sqliteReindexNotice('indexing every paper\'s hyphenated words for keyword search (about 100 s a million papers; the site starts once it is done)'),
  async up(db, { engine }) {
    if (engine !== 'sqlite') return;
    await sql.raw('drop trigger papers_fts_insert').execute(db);
    await sql.raw('drop trigger papers_fts_update').execute(db);
    await createSqliteSearchTriggers(db, sqliteIndexedRows('(select doc from papers_fts_docs where paper_id = new.id)', 'from (select new.title as title, new.authors as authors, new.abstract as abstract) p'));
    // A contentless table cannot 'rebuild': emptied, then every paper inserted again.
    await sql.raw(`insert into papers_fts(papers_fts) values('delete-all')`).execute(db);
    await sql.raw(`insert into papers_fts (rowid, title, authors, abstract) ${sqliteIndexedRows('d.doc', 'from papers p join papers_fts_docs d on d.paper_id = p.id')}`).execute(db);
  },
};
