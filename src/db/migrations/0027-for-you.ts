/**
 * The For-you feed (docs/decisions/0029-for-you-feed.md):
 *
 * - `for_you_feedback`: what a member told the feed about a paper: `more` (👍 more like this), `less`
 *   (👎 not interested) or `seed` (picked on the cold-start page). One row per member and paper; Reset deletes
 *   a member's rows (never their votes or collections).
 * - `for_you_settings`: the member's blend of personal relevance and community heat (0–100, percent heat).
 * - `feed_tokens`: one secret per member for private feed addresses (/feeds/private/TOKEN/for-you.rss), kept
 *   as its SHA-256 only; a new one replaces the old. Other private feeds (notifications) can use the same token.
 */
import type { Migration } from './index.ts';

export const forYou: Migration = {
  version: 27,
  name: 'for-you',
  compatibleWith: 26,
  async up(db) {
    await db.schema
      .createTable('for_you_feedback')
      .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('paper_id', 'text', (c) => c.notNull().references('papers.id').onDelete('cascade'))
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('for_you_feedback_pk', ['user_id', 'paper_id'])
      .execute();
    await db.schema
      .createTable('for_you_settings')
      .addColumn('user_id', 'integer', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
      .addColumn('heat', 'integer', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('feed_tokens')
      .addColumn('user_id', 'integer', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
  },
};
