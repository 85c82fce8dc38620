/**
 * Searches for papers with code and no words (`?code=1`, the search form's "with code" box with an empty query)
 * read the papers that have a repository, newest first, from an index of their own: the filter-only walk
 * (src/search/filters-only.ts) walked the date order of every paper and tested each, and on a site of arXiv papers,
 * where few have a repository, it read until the search budget stopped it (4 s and a 503 at 1M papers on both
 * engines). A partial index: only papers with a repository are in it, so the papers' other writers pay nothing.
 * SQLite's searches of words with `?code=1` read it too, as a set of docs (sqliteDocSets in src/search/keyword.ts).
 * docs/decisions/0055-no-parallel-searches-and-the-with-code-order.md.
 *
 * Its predicate (hasCodeSql) is the search's own condition (src/search/keyword.ts), word for word: both planners use a
 * partial index only for a query whose conditions contain its predicate. The key is the organization page's
 * (`coalesce(published_at, '')`: papers without a date last). Older code does not name it: `compatibleWith` 39.
 */
import { sql } from 'kysely';
import type { Migration } from './index.ts';

/** SQL: a paper has code, its columns prefixed by `alias` (`p.`): what the index holds, and the search's condition. */
export const hasCodeSql = (alias = ''): string => `${alias}github_repo is not null and ${alias}github_repo <> ''`;

export const withCodeOrder: Migration = {
  version: 40,
  name: 'with-code-order',
  compatibleWith: 39,
  async up(db) {
    await sql.raw(`create index papers_with_code_order on papers ((coalesce(published_at, '')) desc, id desc) where ${hasCodeSql()}`).execute(db);
  },
};
