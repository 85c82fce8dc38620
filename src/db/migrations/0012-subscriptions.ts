/**
 * Email subscriptions and the durable outbox (docs/decisions/0009-email-delivery.md).
 *
 * - `subscribers`: one row per address (lowercase, unique), anonymous or a member's; double opt-in
 *   (`confirm_token_hash`, the SHA-256 of the token mailed), a status, a frequency, a paper count and topics.
 * - `outbox` becomes the queue every mail goes through: `status`, `next_attempt_at` (retries with
 *   backoff), a lease (`claimed_by`, `claimed_until`) so that two workers never send the same row, a
 *   `dedupe_key` (unique) so that a digest is enqueued once per (subscriber, period), extra `headers`
 *   (List-Unsubscribe…), and the subscriber it is for.
 * - `site_secrets`: a random key made here, shared by every app instance through the database, that
 *   signs the unsubscribe and preferences links.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Migration } from './index.ts';

export const subscriptions: Migration = {
  version: 12,
  name: 'subscriptions',
  async up(db, { id }) {
    await db.schema
      .createTable('subscribers')
      .addColumn('id', 'integer', id)
      .addColumn('email', 'text', (c) => c.notNull().unique())
      .addColumn('user_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('frequency', 'text', (c) => c.notNull())
      .addColumn('max_papers', 'integer', (c) => c.notNull())
      .addColumn('topics', 'text', (c) => c.notNull())
      .addColumn('confirm_token_hash', 'text')
      .addColumn('confirm_sent_at', 'text')
      .addColumn('link_key', 'text', (c) => c.notNull())
      .addColumn('bounce_count', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('last_bounce', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('confirmed_at', 'text')
      .addColumn('unsubscribed_at', 'text')
      .execute();
    await db.schema.createIndex('subscribers_due').on('subscribers').columns(['status', 'frequency', 'id']).execute();
    await db.schema.createIndex('subscribers_confirm').on('subscribers').column('confirm_token_hash').execute();
    await db.schema.createIndex('subscribers_user').on('subscribers').column('user_id').execute();

    await db.schema.alterTable('outbox').addColumn('kind', 'text', (c) => c.notNull().defaultTo('account')).execute();
    await db.schema.alterTable('outbox').addColumn('status', 'text', (c) => c.notNull().defaultTo('queued')).execute();
    await db.schema.alterTable('outbox').addColumn('dedupe_key', 'text').execute();
    await db.schema.alterTable('outbox').addColumn('next_attempt_at', 'text').execute();
    await db.schema.alterTable('outbox').addColumn('claimed_by', 'text').execute();
    await db.schema.alterTable('outbox').addColumn('claimed_until', 'text').execute();
    await db.schema.alterTable('outbox').addColumn('headers', 'text').execute();
    await db.schema.alterTable('outbox').addColumn('subscriber_id', 'integer').execute();
    await db.schema.createIndex('outbox_dedupe').on('outbox').column('dedupe_key').unique().execute();
    await db.schema.createIndex('outbox_due').on('outbox').columns(['status', 'next_attempt_at']).execute();
    // Mail written before this migration: sent is sent; the rest waits (the sender expires what is too old).
    await sql`update outbox set status = case when sent_at is null then 'queued' else 'sent' end, next_attempt_at = created_at`.execute(db);

    await db.schema
      .createTable('site_secrets')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db
      .insertInto('site_secrets')
      .values({ name: 'mail_links', value: randomBytes(32).toString('base64url'), created_at: new Date().toISOString() })
      .execute();
  },
};
