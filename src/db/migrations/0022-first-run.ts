/**
 * First run (docs/decisions/0021-first-run-and-backfill.md):
 *
 * - `hf_days`: the Hugging Face Daily Papers lists fetched by a backfill (`dailypapers harvest hf`, the setup
 *   page), one row per day, written in the transaction that wrote the day's papers. A day fetched once it was
 *   settled (past HF_DAY_SETTLED_AFTER_DAYS) is never asked again; a recent one is asked again next time.
 * - `setup_requests`: the one-click actions of /admin/setup, queued by the web request and run by the
 *   `setup-requests` background job, with their progress and outcome for the page.
 */
import type { Migration } from './index.ts';

export const firstRun: Migration = {
  version: 22,
  name: 'first-run',
  compatibleWith: 21,
  async up(db, { id }) {
    await db.schema
      .createTable('hf_days')
      .addColumn('day', 'text', (c) => c.primaryKey())
      .addColumn('entries', 'integer', (c) => c.notNull())
      /** 1 when the day was settled when fetched: its list is final, a backfill skips it. */
      .addColumn('settled', 'integer', (c) => c.notNull())
      .addColumn('fetched_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('setup_requests')
      .addColumn('id', 'integer', id)
      /** harvest-arxiv | mirror-hf | train-embedder */
      .addColumn('action', 'text', (c) => c.notNull())
      /** The action's parameters as JSON (the date range of mirror-hf). */
      .addColumn('params', 'text', (c) => c.notNull())
      .addColumn('requested_by', 'integer', (c) => c.references('users.id').onDelete('set null'))
      .addColumn('requested_at', 'text', (c) => c.notNull())
      /** queued | running | ok | error */
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('progress', 'text')
      .addColumn('started_at', 'text')
      .addColumn('finished_at', 'text')
      .addColumn('result', 'text')
      .execute();
    await db.schema.createIndex('setup_requests_status').on('setup_requests').columns(['status', 'id']).execute();
  },
};
