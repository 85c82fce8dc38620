/**
 * PostgreSQL: a writer may supply the keyword-index documents of the papers it writes (the file importer computes
 * them ahead, on another connection, while it applies the batch before: docs/decisions/0050-import-on-two-cores.md).
 * Inside a transaction that set `dailypapers.search_documents` to 'supplied' (set_config(…, true): to its end at
 * most), the papers triggers leave paper_search alone and the writer upserts the documents itself. Every other
 * writer, and older code, never sets it: the triggers work as before. SQLite is unchanged (FTS5's trigger).
 */
import { sql } from 'kysely';
import type { Migration } from './index.ts';

export const suppliedSearchDocuments: Migration = {
  version: 37,
  name: 'supplied-search-documents',
  // A function body: older code does not set the flag and gets the triggers it had.
  compatibleWith: 36,
  async up(db, { engine }) {
    if (engine !== 'postgres') return;
    await sql.raw(`create or replace function paper_search_refresh() returns trigger language plpgsql as $$
      begin
        if current_setting('dailypapers.search_documents', true) = 'supplied' then
          return null;
        end if;
        insert into paper_search (paper_id, document) values (new.id, paper_search_document(new.title, new.authors, new.abstract))
          on conflict (paper_id) do update set document = excluded.document;
        return null;
      end $$`).execute(db);
  },
};
