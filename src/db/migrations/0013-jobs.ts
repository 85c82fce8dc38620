/**
 * Background jobs (docs/decisions/0012-background-jobs.md): one row per recurring job with its next run
 * and its lease (which instance runs it, until when), the history of runs, the harvester's position in
 * each upstream list, and when each GitHub repository's stars were last read.
 */
import type { Migration } from './index.ts';

export const jobs: Migration = {
  version: 13,
  name: 'jobs',
  async up(db, { id }) {
    await db.schema
      .createTable('jobs')
      .addColumn('name', 'text', (c) => c.primaryKey())
      /** The cron expression in force (from the configuration), for display and for tools. */
      .addColumn('schedule', 'text', (c) => c.notNull())
      .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('next_run_at', 'text', (c) => c.notNull())
      .addColumn('lease_owner', 'text')
      .addColumn('lease_until', 'text')
      /** Failures in a row (0 after a success): what the retry backoff counts. */
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('last_started_at', 'text')
      .addColumn('last_finished_at', 'text')
      .addColumn('last_duration_ms', 'integer')
      .addColumn('last_status', 'text')
      .addColumn('last_error', 'text')
      .addColumn('last_result', 'text')
      .execute();

    await db.schema
      .createTable('job_runs')
      .addColumn('id', 'integer', id)
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('owner', 'text', (c) => c.notNull())
      .addColumn('started_at', 'text', (c) => c.notNull())
      .addColumn('finished_at', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('error', 'text')
      .addColumn('result', 'text')
      .execute();
    await db.schema.createIndex('job_runs_name').on('job_runs').columns(['name', 'id']).execute();

    await db.schema
      .createTable('harvest_state')
      .addColumn('source', 'text', (c) => c.primaryKey())
      /** The datestamp (YYYY-MM-DD) the next list starts `from`: the newest one of the last complete list. */
      .addColumn('cursor', 'text')
      /** Set while a list is being followed page by page; null when the last list was complete. */
      .addColumn('resumption_token', 'text')
      /** The `from` of the list in progress, to start it again if its token has expired. */
      .addColumn('list_from', 'text')
      /** The newest datestamp seen so far in the list in progress. */
      .addColumn('list_max_datestamp', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('github_repos')
      /** `papers.github_repo` as stored (a https://github.com/OWNER/REPO URL). */
      .addColumn('url', 'text', (c) => c.primaryKey())
      .addColumn('stars', 'integer')
      /** 'ok', 'missing' (404: renamed away or deleted) or 'error'. */
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('checked_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('github_repos_checked').on('github_repos').column('checked_at').execute();
  },
};
