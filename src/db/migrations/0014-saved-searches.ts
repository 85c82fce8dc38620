/**
 * Saved searches and their alerts (docs/decisions/0009-email-delivery.md, "Saved-search alerts").
 *
 * - `saved_searches`: a member's search (the query text, the form's filters as JSON, the mode), a name, whether
 *   new matches are mailed, and `alerted_until`: the high-water mark on `papers.created_at` (when a paper entered
 *   this database) up to which papers have been looked at. A new search starts at its creation time, so saving
 *   one does not mail the back catalogue.
 * - `saved_search_matches`: every paper an alert run found for a search, once (primary key), so a paper is never
 *   mailed twice for the same search even where runs look at overlapping windows; the alerts page lists them.
 * - An index on `papers.created_at`, which the alert run asks "what is new since the mark" with.
 */
import type { Migration } from './index.ts';

export const savedSearches: Migration = {
  version: 14,
  name: 'saved-searches',
  async up(db, { id }) {
    await db.schema
      .createTable('saved_searches')
      .addColumn('id', 'integer', id)
      .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('query', 'text', (c) => c.notNull())
      .addColumn('filters', 'text', (c) => c.notNull())
      .addColumn('mode', 'text', (c) => c.notNull())
      .addColumn('alert_enabled', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('alerted_until', 'text', (c) => c.notNull())
      .addColumn('last_checked_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('saved_searches_user').on('saved_searches').columns(['user_id', 'id']).execute();
    await db.schema.createIndex('saved_searches_alerts').on('saved_searches').columns(['alert_enabled', 'user_id']).execute();

    await db.schema
      .createTable('saved_search_matches')
      .addColumn('saved_search_id', 'integer', (c) => c.notNull().references('saved_searches.id').onDelete('cascade'))
      .addColumn('paper_id', 'text', (c) => c.notNull().references('papers.id').onDelete('cascade'))
      .addColumn('matched_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('saved_search_matches_pk', ['saved_search_id', 'paper_id'])
      .execute();
    await db.schema.createIndex('saved_search_matches_recent').on('saved_search_matches').columns(['saved_search_id', 'matched_at']).execute();
    await db.schema.createIndex('saved_search_matches_paper').on('saved_search_matches').column('paper_id').execute();

    await db.schema.createIndex('papers_created_at').on('papers').column('created_at').execute();
  },
};
