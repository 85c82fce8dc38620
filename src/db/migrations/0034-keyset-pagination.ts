/**
 * Keyset pagination of category and organization pages (docs/decisions/0041-keyset-pagination.md): each page is
 * one index range scan, whatever its depth, instead of an OFFSET that reads every row before it.
 *
 * - `paper_categories.sort_date`: a copy of the paper's sort date, `coalesce(papers.published_at, '')` (a paper
 *   without a date sorts last on both engines), so that a category's papers are in index order without a join.
 *   Kept current by triggers on both engines: when a category row is written (the writer passes the value; the
 *   trigger corrects it when it is missing or stale, e.g. from an older release that does not know the column)
 *   and when a paper's `published_at` changes.
 * - `paper_categories_keyset (category, sort_date desc, paper_id desc)`: a category page in its order.
 * - `papers_organization_keyset (organization_id, coalesce(published_at, '') desc, id desc)`: an organization page
 *   in its order. It replaces `papers_organization_id (organization_id)`, its prefix (the foreign key's lookups
 *   and `organization_id = ?` use the new one).
 *
 * Additive (a column with a default, indexes, triggers): an older release keeps working on a migrated database,
 * hence `compatibleWith: 32` (the schema before this migration and the other branch's 0033).
 */
import { sql } from 'kysely';
import type { Migration } from './index.ts';

export const keysetPagination: Migration = {
  version: 34,
  name: 'keyset-pagination',
  compatibleWith: 32,
  async up(db, { engine }) {
    await db.schema.alterTable('paper_categories').addColumn('sort_date', 'text', (c) => c.notNull().defaultTo('')).execute();
    await sql`update paper_categories set sort_date = coalesce((select published_at from papers where papers.id = paper_categories.paper_id), '')`.execute(db);
    await sql`create index paper_categories_keyset on paper_categories (category, sort_date desc, paper_id desc)`.execute(db);
    await sql`create index papers_organization_keyset on papers (organization_id, (coalesce(published_at, '')) desc, id desc)`.execute(db);
    await sql`drop index papers_organization_id`.execute(db);

    if (engine === 'sqlite') {
      // SQLite's triggers cannot change NEW before the insert: fix the row after it, only when it is wrong.
      await sql.raw(`create trigger paper_categories_sort_date_insert after insert on paper_categories
        when new.sort_date is not coalesce((select published_at from papers where id = new.paper_id), '')
        begin
          update paper_categories set sort_date = coalesce((select published_at from papers where id = new.paper_id), '')
            where paper_id = new.paper_id and category = new.category;
        end`).execute(db);
      await sql.raw(`create trigger papers_sort_date_update after update of published_at on papers
        when old.published_at is not new.published_at
        begin
          update paper_categories set sort_date = coalesce(new.published_at, '') where paper_id = new.id;
        end`).execute(db);
      return;
    }
    await sql.raw(`create function paper_categories_sort_date() returns trigger language plpgsql as $$
      begin
        new.sort_date := coalesce((select published_at from papers where id = new.paper_id), '');
        return new;
      end $$`).execute(db);
    await sql.raw(`create trigger paper_categories_sort_date_write before insert or update of paper_id on paper_categories
      for each row execute function paper_categories_sort_date()`).execute(db);
    await sql.raw(`create function papers_sort_date_update() returns trigger language plpgsql as $$
      begin
        update paper_categories set sort_date = coalesce(new.published_at, '') where paper_id = new.id;
        return null;
      end $$`).execute(db);
    await sql.raw(`create trigger papers_sort_date_update after update of published_at on papers
      for each row when (old.published_at is distinct from new.published_at) execute function papers_sort_date_update()`).execute(db);
  },
};
