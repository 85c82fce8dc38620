/**
 * Schedules changed without a restart (docs/decisions/0023-scale-out-and-no-restarts.md):
 * `jobs.custom_schedule` is the cron expression an operator set with `dailypapers jobs schedule NAME CRON`
 * (null: the configuration's, SCHEDULE_<JOB> or the default). Running schedulers re-read it within a minute.
 */
import type { Migration } from './index.ts';

export const jobSchedules: Migration = {
  version: 23,
  name: 'job-schedules',
  compatibleWith: 22,
  async up(db) {
    await db.schema.alterTable('jobs').addColumn('custom_schedule', 'text').execute();
  },
};
