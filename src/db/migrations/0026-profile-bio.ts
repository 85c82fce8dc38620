/**
 * A member's bio (docs/decisions/0028-reading-on-a-phone.md): a few lines of plain text shown on the profile
 * beside the display name and the generated avatar. Length is checked by src/domain/profile.ts.
 */
import type { Migration } from './index.ts';

export const profileBio: Migration = {
  version: 26,
  name: 'profile-bio',
  compatibleWith: 25,
  async up(db) {
    await db.schema.alterTable('users').addColumn('bio', 'text').execute();
  },
};
