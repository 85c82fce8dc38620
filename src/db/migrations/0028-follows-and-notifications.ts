/**
 * Following and notifications (docs/decisions/0031-follows-and-notifications.md).
 *
 * - `follows`: what a member follows, one row per (kind, value): an author's name, an organization's name, an
 *   arXiv category, a keyword (lowercase), or a saved search's id. `(kind, value)` is indexed: the scan of new
 *   papers asks "who follows this author / category / organization".
 * - `notifications`: a member's inbox. One row per event; `dedupe_key` is unique per member, so recording the
 *   same event twice (a scan repeated, a comment re-saved) adds nothing. `email_status` says whether the event is
 *   still to be mailed ('pending'), was ('sent') or is not to be ('skipped': the kind's mail was off).
 * - `notification_settings`: a member's mail choice per kind, a row only where they changed the default.
 * - `notification_marks`: the scan's high-water mark on (papers.created_at, papers.id).
 */
import type { Migration } from './index.ts';

export const followsAndNotifications: Migration = {
  version: 28,
  name: 'follows-and-notifications',
  compatibleWith: 27,
  async up(db, { id }) {
    await db.schema
      .createTable('follows')
      .addColumn('id', 'integer', id)
      .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('follows_user_kind_value', ['user_id', 'kind', 'value'])
      .execute();
    await db.schema.createIndex('follows_kind_value').on('follows').columns(['kind', 'value']).execute();

    await db.schema
      .createTable('notifications')
      .addColumn('id', 'integer', id)
      .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('dedupe_key', 'text', (c) => c.notNull())
      .addColumn('paper_id', 'text', (c) => c.references('papers.id').onDelete('cascade'))
      .addColumn('comment_id', 'integer', (c) => c.references('comments.id').onDelete('cascade'))
      .addColumn('claim_id', 'integer', (c) => c.references('author_claims.id').onDelete('cascade'))
      .addColumn('actor_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
      .addColumn('detail', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('read_at', 'text')
      .addColumn('email_status', 'text', (c) => c.notNull())
      .addUniqueConstraint('notifications_user_dedupe', ['user_id', 'dedupe_key'])
      .execute();
    await db.schema.createIndex('notifications_user_recent').on('notifications').columns(['user_id', 'id']).execute();
    await db.schema.createIndex('notifications_unread').on('notifications').columns(['user_id', 'read_at']).execute();
    await db.schema.createIndex('notifications_mail').on('notifications').columns(['email_status', 'user_id']).execute();

    await db.schema
      .createTable('notification_settings')
      .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('email', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('notification_settings_pk', ['user_id', 'kind'])
      .execute();

    await db.schema
      .createTable('notification_marks')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('paper_id', 'text', (c) => c.notNull())
      .execute();
  },
};
