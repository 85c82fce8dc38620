/**
 * One-time setup links (docs/decisions/0015-account-hardening.md): while a site has no admin, `serve` prints a
 * link whose token makes its opener the admin. Only the token's SHA-256 is kept; a link works once, until it expires.
 */
import type { Migration } from './index.ts';

export const setupTokens: Migration = {
  version: 15,
  name: 'setup-tokens',
  // A new table: older code runs on as before.
  compatibleWith: 14,
  async up(db) {
    await db.schema
      .createTable('setup_tokens')
      .addColumn('token_hash', 'text', (c) => c.primaryKey())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('used_at', 'text')
      .execute();
  },
};
