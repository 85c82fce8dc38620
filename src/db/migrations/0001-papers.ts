/** Papers, organizations, submitters and daily-list entries. */
import type { Migration } from './index.ts';

export const papers: Migration = {
  version: 1,
  name: 'papers',
  async up(db, { id }) {
    await db.schema
      .createTable('organizations')
      .addColumn('id', 'integer', id)
      .addColumn('name', 'text', (c) => c.notNull().unique())
      .addColumn('fullname', 'text')
      .addColumn('avatar_url', 'text')
      .addColumn('hf_id', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('submitters')
      .addColumn('id', 'integer', id)
      .addColumn('username', 'text', (c) => c.notNull().unique())
      .addColumn('fullname', 'text')
      .addColumn('avatar_url', 'text')
      .addColumn('hf_id', 'text')
      .addColumn('profile', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('papers')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('version', 'integer')
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('abstract', 'text')
      .addColumn('authors', 'text', (c) => c.notNull())
      .addColumn('categories', 'text', (c) => c.notNull())
      .addColumn('published_at', 'text')
      .addColumn('updated_at', 'text')
      .addColumn('doi', 'text')
      .addColumn('journal_ref', 'text')
      .addColumn('comments', 'text')
      .addColumn('report_no', 'text')
      .addColumn('license', 'text')
      .addColumn('arxiv_submitter', 'text')
      .addColumn('github_repo', 'text')
      .addColumn('github_stars', 'integer')
      .addColumn('project_page', 'text')
      .addColumn('ai_summary', 'text')
      .addColumn('ai_keywords', 'text')
      .addColumn('upvotes', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('hf_authors', 'text')
      .addColumn('discussion_id', 'text')
      .addColumn('organization_id', 'integer', (c) => c.references('organizations.id'))
      .addColumn('hf_observed_on', 'text')
      .addColumn('metadata_source', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('modified_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('papers_published_at').on('papers').column('published_at').execute();
    await db.schema.createIndex('papers_organization_id').on('papers').column('organization_id').execute();

    // arXiv categories of each paper, one row a category, for category pages; written with the paper.
    await db.schema
      .createTable('paper_categories')
      .addColumn('paper_id', 'text', (c) => c.notNull().references('papers.id').onDelete('cascade'))
      .addColumn('category', 'text', (c) => c.notNull())
      .addColumn('position', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('paper_categories_pk', ['paper_id', 'category'])
      .execute();
    await db.schema.createIndex('paper_categories_category').on('paper_categories').columns(['category', 'paper_id']).execute();

    // A counter bumped by every write that changes what pages show; page caches compare it.
    await db.schema
      .createTable('site_state')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'integer', (c) => c.notNull())
      .execute();
    await db.insertInto('site_state').values({ key: 'data_version', value: 0 }).execute();

    await db.schema
      .createTable('daily_entries')
      .addColumn('id', 'integer', id)
      .addColumn('paper_id', 'text', (c) => c.notNull().references('papers.id').onDelete('cascade'))
      .addColumn('day', 'text', (c) => c.notNull())
      .addColumn('listed_at', 'text')
      .addColumn('submitter_id', 'integer', (c) => c.references('submitters.id'))
      .addColumn('submitted_at', 'text')
      .addColumn('comment', 'text')
      .addColumn('num_comments', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('thumbnail', 'text')
      .addColumn('media_urls', 'text')
      .addColumn('is_author_participating', 'integer')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('modified_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('daily_entries_paper_day', ['paper_id', 'day'])
      .execute();
    await db.schema.createIndex('daily_entries_day').on('daily_entries').column('day').execute();
    await db.schema.createIndex('daily_entries_submitter').on('daily_entries').column('submitter_id').execute();
  },
};
