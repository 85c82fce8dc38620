/**
 * Imports staged, then applied in short batches (docs/decisions/0017-imports-in-short-batches.md): a
 * big file is first parsed and validated into `import_staging` (nothing visible), then merged into the
 * papers batch by batch; `import_runs` says how far each run is and who is working on it (a lease), so
 * that a run cut short is finished by the next `import` or by `serve`.
 */
import type { Migration } from './index.ts';

export const importStaging: Migration = {
  version: 17,
  name: 'import-staging',
  // Two new tables: code of schema 16 runs on it unchanged.
  compatibleWith: 16,
  async up(db, { id }) {
    await db.schema
      .createTable('import_runs')
      .addColumn('id', 'integer', id)
      .addColumn('file', 'text', (c) => c.notNull())
      .addColumn('format', 'text', (c) => c.notNull())
      /** `staging` (being read; discarded if its owner is gone) or `ready` (whole file validated; being applied). */
      .addColumn('status', 'text', (c) => c.notNull())
      /** `HOST:PID:RANDOM` of the process working on it, and until when its lease holds. */
      .addColumn('owner', 'text', (c) => c.notNull())
      .addColumn('lease_until', 'text', (c) => c.notNull())
      .addColumn('staged', 'integer', (c) => c.notNull().defaultTo(0))
      /** What the batches applied so far did (BatchCounts), for the summary of a resumed run. */
      .addColumn('new', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('updated', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('unchanged', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('import_staging')
      .addColumn('run_id', 'integer', (c) => c.notNull())
      /** The record's position in its file: batches are applied in file order. */
      .addColumn('seq', 'integer', (c) => c.notNull())
      /** The parsed ImportRecord, as JSON. */
      .addColumn('record', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('import_staging_pk', ['run_id', 'seq'])
      .execute();
  },
};
