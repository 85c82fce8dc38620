/** Members: accounts, sessions, one-time tokens, the mail outbox, and upvotes. */
import type { Migration } from './index.ts';

export const accounts: Migration = {
  version: 2,
  name: 'accounts',
  async up(db, { id }) {
    await db.schema
      .createTable('users')
      .addColumn('id', 'integer', id)
      .addColumn('username', 'text', (c) => c.notNull().unique())
      .addColumn('email', 'text', (c) => c.notNull().unique())
      .addColumn('email_verified_at', 'text')
      .addColumn('password_hash', 'text')
      .addColumn('display_name', 'text')
      .addColumn('role', 'text', (c) => c.notNull().defaultTo('member'))
      .addColumn('suspended_at', 'text')
      .addColumn('deleted_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();

    // The cookie holds a random token; only its SHA-256 is stored, so a leaked table opens no session.
    await db.schema
      .createTable('sessions')
      .addColumn('token_hash', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('user_agent', 'text')
      .execute();
    await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();

    // Single-use tokens sent by mail (verify an address, reset a password), stored hashed.
    await db.schema
      .createTable('user_tokens')
      .addColumn('token_hash', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('purpose', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('used_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();

    // Every mail the site sends, sent or not: admins read it here when no SMTP relay is configured.
    await db.schema
      .createTable('outbox')
      .addColumn('id', 'integer', id)
      .addColumn('to_address', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('text_body', 'text', (c) => c.notNull())
      .addColumn('html_body', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('sent_at', 'text')
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('last_error', 'text')
      .execute();

    await db.schema
      .createTable('votes')
      .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('paper_id', 'text', (c) => c.notNull().references('papers.id').onDelete('cascade'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('votes_pk', ['user_id', 'paper_id'])
      .execute();
    await db.schema.createIndex('votes_paper').on('votes').column('paper_id').execute();
    // Members' upvotes, kept beside the count imported from Hugging Face (papers.upvotes); pages show the sum.
    await db.schema.alterTable('papers').addColumn('member_upvotes', 'integer', (c) => c.notNull().defaultTo(0)).execute();

    // A paper a member put on a day's list.
    await db.schema.alterTable('daily_entries').addColumn('user_id', 'integer', (c) => c.references('users.id')).execute();
  },
};
