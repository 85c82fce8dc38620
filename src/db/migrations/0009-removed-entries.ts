/**
 * Entries that editors or moderators took off a day's list. An import of the same list (a Hugging Face
 * mirror run, a re-import) must not bring them back; putting the paper back on that day by hand clears it.
 */
import type { Migration } from './index.ts';

export const removedEntries: Migration = {
  version: 9,
  name: 'removed-entries',
  async up(db) {
    await db.schema
      .createTable('removed_entries')
      .addColumn('paper_id', 'text', (c) => c.notNull().references('papers.id').onDelete('cascade'))
      .addColumn('day', 'text', (c) => c.notNull())
      .addColumn('removed_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('removed_entries_pk', ['paper_id', 'day'])
      .execute();
  },
};
