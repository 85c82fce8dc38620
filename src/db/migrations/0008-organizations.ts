/**
 * Organizations run on this site: admins create them in the existing `organizations` table (which also
 * holds the organizations imported from Hugging Face) and name their members, who attach papers to them.
 */
import type { Migration } from './index.ts';

export const organizations: Migration = {
  version: 8,
  name: 'organizations',
  async up(db) {
    await db.schema
      .createTable('organization_members')
      .addColumn('organization_id', 'integer', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
      .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('organization_members_pk', ['organization_id', 'user_id'])
      .execute();
    await db.schema.createIndex('organization_members_user').on('organization_members').columns(['user_id', 'organization_id']).execute();
  },
};
