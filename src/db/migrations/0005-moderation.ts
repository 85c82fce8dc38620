/** Moderation: flags, the moderation log, locked discussions; authorship claims for profiles. */
import { sql } from 'kysely';
import type { Migration } from './index.ts';

export const moderation: Migration = {
  version: 5,
  name: 'moderation',
  async up(db, { id }) {
    // A member's flag on a comment or on a submission (a daily-list entry). A flag on a submission
    // keeps the paper and the day, so that it still says what it was about once the entry is gone.
    // Open while resolved_at is null; one open flag per member per item (partial unique indexes).
    await db.schema
      .createTable('flags')
      .addColumn('id', 'integer', id)
      .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('target_type', 'text', (c) => c.notNull())
      .addColumn('comment_id', 'integer', (c) => c.references('comments.id').onDelete('cascade'))
      .addColumn('entry_id', 'integer', (c) => c.references('daily_entries.id').onDelete('set null'))
      .addColumn('paper_id', 'text', (c) => c.notNull().references('papers.id').onDelete('cascade'))
      .addColumn('day', 'text')
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('details', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('resolved_at', 'text')
      .addColumn('resolved_by', 'integer', (c) => c.references('users.id').onDelete('set null'))
      .addColumn('resolution', 'text')
      .execute();
    await db.schema.createIndex('flags_open').on('flags').columns(['resolved_at', 'created_at']).execute();
    await db.schema.createIndex('flags_comment').on('flags').column('comment_id').execute();
    await db.schema.createIndex('flags_entry').on('flags').column('entry_id').execute();
    await db.schema.createIndex('flags_one_open_comment').on('flags').columns(['user_id', 'comment_id']).unique().where(sql.ref('resolved_at'), 'is', null).execute();
    await db.schema.createIndex('flags_one_open_entry').on('flags').columns(['user_id', 'entry_id']).unique().where(sql.ref('resolved_at'), 'is', null).execute();

    // Every moderator action: who, what, on what, why, when. Written in the transaction of the action.
    // target_id is the comment id, paper id, flag id, claim id or username; paper_id and user_id name
    // the paper and the member concerned, where there is one.
    await db.schema
      .createTable('moderation_log')
      .addColumn('id', 'integer', id)
      .addColumn('moderator_id', 'integer', (c) => c.notNull().references('users.id'))
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('target_type', 'text', (c) => c.notNull())
      .addColumn('target_id', 'text', (c) => c.notNull())
      .addColumn('paper_id', 'text')
      .addColumn('day', 'text')
      .addColumn('user_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
      .addColumn('reason', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('moderation_log_created').on('moderation_log').column('created_at').execute();

    // A moderator locked the paper's discussion: no new comments or replies.
    await db.schema.alterTable('papers').addColumn('comments_locked_at', 'text').execute();

    // "I am this author": an entry of a paper's author list (position and the name it had) claimed by a
    // member, pending until a moderator approves or denies it. One live (pending or approved) claim per
    // member per paper; an entry approved for one member cannot be approved for another.
    await db.schema
      .createTable('author_claims')
      .addColumn('id', 'integer', id)
      .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('paper_id', 'text', (c) => c.notNull().references('papers.id').onDelete('cascade'))
      .addColumn('author_index', 'integer', (c) => c.notNull())
      .addColumn('author_name', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('decided_at', 'text')
      .addColumn('decided_by', 'integer', (c) => c.references('users.id').onDelete('set null'))
      .addColumn('hidden_at', 'text')
      .execute();
    await db.schema.createIndex('author_claims_user').on('author_claims').columns(['user_id', 'status']).execute();
    await db.schema.createIndex('author_claims_paper').on('author_claims').columns(['paper_id', 'status']).execute();
    await db.schema.createIndex('author_claims_status').on('author_claims').columns(['status', 'created_at']).execute();
    await db.schema.createIndex('author_claims_one_live').on('author_claims').columns(['user_id', 'paper_id']).unique().where(sql.ref('status'), '<>', 'denied').execute();
    await db.schema.createIndex('author_claims_one_approved').on('author_claims').columns(['paper_id', 'author_index']).unique().where(sql.ref('status'), '=', 'approved').execute();
  },
};
