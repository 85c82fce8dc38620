/** Discussion: comments and replies on papers, upvotes on comments, and who a comment mentioned. */
import type { Migration } from './index.ts';

export const comments: Migration = {
  version: 4,
  name: 'comments',
  async up(db, { id }) {
    // Soft-deleted (deleted_at) so that replies keep their place; hidden_at is for moderators.
    // body_html is the sanitized HTML made when the comment was written, by renderer render_version.
    await db.schema
      .createTable('comments')
      .addColumn('id', 'integer', id)
      .addColumn('paper_id', 'text', (c) => c.notNull().references('papers.id').onDelete('cascade'))
      .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
      .addColumn('parent_id', 'integer', (c) => c.references('comments.id').onDelete('cascade'))
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('body_html', 'text', (c) => c.notNull())
      .addColumn('render_version', 'integer', (c) => c.notNull())
      .addColumn('upvotes', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('edited_at', 'text')
      .addColumn('deleted_at', 'text')
      .addColumn('hidden_at', 'text')
      .execute();
    await db.schema.createIndex('comments_paper').on('comments').columns(['paper_id', 'created_at']).execute();
    await db.schema.createIndex('comments_parent').on('comments').column('parent_id').execute();
    await db.schema.createIndex('comments_user').on('comments').columns(['user_id', 'created_at']).execute();

    await db.schema
      .createTable('comment_votes')
      .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('comment_id', 'integer', (c) => c.notNull().references('comments.id').onDelete('cascade'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('comment_votes_pk', ['user_id', 'comment_id'])
      .execute();
    await db.schema.createIndex('comment_votes_comment').on('comment_votes').column('comment_id').execute();

    // Members a comment has notified: one mail per mention per comment, even across edits.
    await db.schema
      .createTable('comment_mentions')
      .addColumn('comment_id', 'integer', (c) => c.notNull().references('comments.id').onDelete('cascade'))
      .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('comment_mentions_pk', ['comment_id', 'user_id'])
      .execute();

    // This site's comments (not deleted), beside daily_entries.num_comments (Hugging Face's count); pages show the sum.
    await db.schema.alterTable('papers').addColumn('comments_count', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  },
};
