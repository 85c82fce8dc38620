/**
 * Throttles (docs/decisions/0020-authorization-rules.md). Pacing the arXiv API calls that submissions make:
 *
 * - `throttle_slots`: one row per upstream, `next_at` the earliest time the next call may start. A
 *   caller takes a slot with a compare-and-swap update, so the pacing holds across app instances.
 * - `arxiv_fetches`: who made which call, for the per-member cap (rows older than the cap's period
 *   are deleted as new ones come).
 *
 * And capping mention mails per recipient: `comment_mentions.mailed_at` says which mentions were mailed
 * (null: recorded, not mailed, the recipient had had their share), counted per recipient over a period.
 */
import type { Migration } from './index.ts';

export const throttles: Migration = {
  version: 21,
  name: 'throttles',
  async up(db, { id }) {
    await db.schema
      .createTable('throttle_slots')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('next_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('arxiv_fetches')
      .addColumn('id', 'integer', id)
      .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('fetched_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('arxiv_fetches_user').on('arxiv_fetches').columns(['user_id', 'fetched_at']).execute();
    await db.schema.createIndex('arxiv_fetches_time').on('arxiv_fetches').column('fetched_at').execute();
    await db.schema.alterTable('comment_mentions').addColumn('mailed_at', 'text').execute();
    await db.schema.createIndex('comment_mentions_mailed').on('comment_mentions').columns(['user_id', 'mailed_at']).execute();
  },
};
