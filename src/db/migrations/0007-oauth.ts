/** Sign-in with GitHub and Hugging Face: which provider account belongs to which member. */
import type { Migration } from './index.ts';

export const oauth: Migration = {
  version: 7,
  name: 'oauth',
  async up(db) {
    // provider_user_id is the provider's stable id (GitHub's numeric id, Hugging Face's `sub`), never the
    // login, which people rename. One account per provider per member.
    await db.schema
      .createTable('oauth_accounts')
      .addColumn('provider', 'text', (c) => c.notNull())
      .addColumn('provider_user_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('provider_login', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('last_used_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('oauth_accounts_pk', ['provider', 'provider_user_id'])
      .execute();
    await db.schema.createIndex('oauth_accounts_user').on('oauth_accounts').columns(['user_id', 'provider']).unique().execute();
  },
};
