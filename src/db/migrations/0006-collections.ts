/**
 * Members' collections of papers (a note per paper), and what a change of email address needs: the
 * new address waits in the one-time token mailed to it until the link is clicked.
 */
import type { Migration } from './index.ts';

export const collections: Migration = {
  version: 6,
  name: 'collections',
  async up(db, { id }) {
    // The slug is made from the name when the collection is created and kept when it is renamed.
    await db.schema
      .createTable('collections')
      .addColumn('id', 'integer', id)
      .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('slug', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('is_public', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('collections_user_slug', ['user_id', 'slug'])
      .execute();

    await db.schema
      .createTable('collection_papers')
      .addColumn('collection_id', 'integer', (c) => c.notNull().references('collections.id').onDelete('cascade'))
      .addColumn('paper_id', 'text', (c) => c.notNull().references('papers.id').onDelete('cascade'))
      .addColumn('note', 'text')
      .addColumn('added_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('collection_papers_pk', ['collection_id', 'paper_id'])
      .execute();
    await db.schema.createIndex('collection_papers_added').on('collection_papers').columns(['collection_id', 'added_at']).execute();

    // purpose 'email': a change of address, confirmed from the new address.
    await db.schema.alterTable('user_tokens').addColumn('new_email', 'text').execute();
  },
};
