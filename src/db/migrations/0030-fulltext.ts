/**
 * Papers' full text (docs/decisions/0034-full-text.md): arXiv's HTML rendering (or, where there is none,
 * the PDF's text) converted to Markdown by src/domain/fulltext-html.ts and src/fulltext/pdf.ts.
 *
 * - `paper_fulltext`: one row per paper: the Markdown, its sections (JSON: [{anchor, title, level}]), which
 *   arXiv version it was made from (`v3`; `latest` when arXiv did not say) and from what (`html` or `pdf`).
 *   `version_number` is the same as a number (0 for `latest`), compared with `papers.version`: a newer version
 *   of the paper is fetched again and replaces the row.
 * - `fulltext_failures`: why the last attempts at a paper's version failed (`version_number`: the
 *   version tried, 0 for unknown), and how many there were, so that a run skips papers that keep failing
 *   until a new version appears.
 * - `fulltext_requests`: each request made to arXiv for full text, for the daily budget (kept two days).
 */
import type { Migration } from './index.ts';

export const fulltext: Migration = {
  version: 30,
  name: 'fulltext',
  compatibleWith: 29,
  async up(db, { id }) {
    await db.schema
      .createTable('paper_fulltext')
      .addColumn('paper_id', 'text', (c) => c.primaryKey().references('papers.id').onDelete('cascade'))
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('version_number', 'integer', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('source_url', 'text', (c) => c.notNull())
      .addColumn('markdown', 'text', (c) => c.notNull())
      .addColumn('sections', 'text', (c) => c.notNull())
      .addColumn('counts', 'text', (c) => c.notNull())
      .addColumn('source_bytes', 'integer', (c) => c.notNull())
      .addColumn('fetched_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('fulltext_failures')
      .addColumn('paper_id', 'text', (c) => c.primaryKey().references('papers.id').onDelete('cascade'))
      .addColumn('version_number', 'integer', (c) => c.notNull())
      .addColumn('error', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('tried_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('fulltext_requests')
      .addColumn('id', 'integer', (c) => id(c))
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('status', 'integer', (c) => c.notNull())
      .addColumn('requested_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('fulltext_requests_at').on('fulltext_requests').column('requested_at').execute();
  },
};
