/**
 * A member's private note on each paper of their collections (docs/decisions/0033-portable-libraries.md), beside
 * the collection's note (`note`, shown to whoever may read the collection, and in the Hugging Face-shaped API).
 * The private one is shown to its owner alone, goes into the owner's exports and comes back from imports.
 */
import type { Migration } from './index.ts';

export const privateNotes: Migration = {
  version: 29,
  name: 'private-notes',
  compatibleWith: 28,
  async up(db) {
    await db.schema.alterTable('collection_papers').addColumn('private_note', 'text').execute();
  },
};
