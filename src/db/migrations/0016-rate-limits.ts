/**
 * Rate-limit counters shared by every app instance on this database (docs/decisions/0016-shared-rate-limits.md):
 * one row per key (tier, then client or account) and fixed window, counted with one atomic upsert.
 * On PostgreSQL the table is UNLOGGED: counters are not worth a WAL write each, and losing them in a crash
 * only forgets the current windows. Expired rows are deleted by the cleanup job.
 */
import { sql } from 'kysely';
import type { Migration } from './index.ts';

export const rateLimits: Migration = {
  version: 16,
  name: 'rate-limits',
  async up(db, { engine }) {
    let table = db.schema.createTable('rate_limits');
    if (engine === 'postgres') table = table.modifyFront(sql`unlogged`);
    await table
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('count', 'integer', (c) => c.notNull())
      /** When the window ends, in milliseconds since the epoch. */
      .addColumn('reset_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('rate_limits_reset_at').on('rate_limits').column('reset_at').execute();
  },
};
