/** Personal access tokens for the API; featured entries on the daily list. */
import type { Migration } from './index.ts';

export const tokensAndSubmissions: Migration = {
  version: 3,
  name: 'tokens-and-submissions',
  async up(db, { id }) {
    // Shown once when created; only the SHA-256 is kept.
    await db.schema
      .createTable('api_tokens')
      .addColumn('id', 'integer', id)
      .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('last_used_at', 'text')
      .addColumn('revoked_at', 'text')
      .execute();
    await db.schema.createIndex('api_tokens_user').on('api_tokens').column('user_id').execute();

    await db.schema.alterTable('daily_entries').addColumn('featured_at', 'text').execute();
    await db.schema.createIndex('daily_entries_user').on('daily_entries').columns(['user_id', 'day']).execute();
  },
};
