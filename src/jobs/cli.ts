/**
 * `dailypapers jobs list | run NAME`: the background jobs from the command line, registered on the program
 * by src/cli.ts. `run` claims the job's lease like any instance would: while another instance runs it,
 * it says so and exits 1 (nothing is run twice).
 */
import type { Command } from 'commander';
import type { Config } from '../config.ts';
import type { Database } from '../db/connection.ts';
import { getJobRow, listJobRows, setCustomSchedule } from '../db/queries/jobs.ts';
import { cronProblem } from '../domain/jobs.ts';
import { jobDefinitions } from './registry.ts';
import { Scheduler } from './scheduler.ts';

type WithDatabase = <T>(fn: (config: Config, database: Database) => Promise<T>) => Promise<T>;

const when = (t: string | null | undefined) => (t ? t.slice(0, 16).replace('T', ' ') : '-');

export function registerJobsCommands(program: Command, withDatabase: WithDatabase): void {
  const jobs = program.command('jobs').description('background jobs: list them, run one now, change a schedule');

  jobs
    .command('list')
    .description('list the jobs: schedule, next run, last run and its outcome')
    .option('--json', 'one JSON array')
    .action(async (opts: { json?: boolean }) => {
      const list = await withDatabase(async (config, database) => {
        const defs = jobDefinitions(config, { database });
        await new Scheduler({ database, jobs: defs, timezone: config.jobs.timezone, tickMs: config.jobs.tickMs }).sync();
        const rows = new Map((await listJobRows(database.db)).map((r) => [r.name, r]));
        return defs.map((d) => {
          const r = rows.get(d.name);
          return {
            name: d.name, schedule: r?.schedule ?? d.schedule, customSchedule: r?.custom_schedule ?? null, off: d.off, enabled: r?.enabled === 1, nextRunAt: r?.next_run_at ?? null,
            lastStartedAt: r?.last_started_at ?? null, lastDurationMs: r?.last_duration_ms ?? null, lastStatus: r?.last_status ?? null,
            lastError: r?.last_error ?? null, lastResult: r?.last_result ?? null, runningUntil: r?.lease_until ?? null,
          };
        });
      });
      if (opts.json) {
        console.log(JSON.stringify(list));
        return;
      }
      for (const j of list) {
        const state = j.off ?? (!j.enabled ? 'disabled' : `next ${when(j.nextRunAt)}`);
        const last = j.lastStatus ? `last ${when(j.lastStartedAt)} ${j.lastStatus}${j.lastDurationMs !== null ? ` (${j.lastDurationMs} ms)` : ''}${j.lastError ? `: ${j.lastError}` : ''}` : 'never run';
        console.log(`${j.name}\t${j.schedule}\t${state}\t${last}`);
      }
    });

  jobs
    .command('schedule')
    .description('change a job\'s schedule on every instance, without a restart (stored in the database; running servers take it within a minute)')
    .argument('<name>', 'the job, e.g. harvest-arxiv')
    .argument('[cron]', 'a 5-field cron expression in JOBS_TIMEZONE, e.g. "0 */2 * * *"')
    .option('--reset', 'back to the configuration\'s schedule (SCHEDULE_<JOB> or the default)')
    .action(async (name: string, cron: string | undefined, opts: { reset?: boolean }) => {
      const code = await withDatabase(async (config, database) => {
        const defs = jobDefinitions(config, { database });
        const def = defs.find((d) => d.name === name);
        const usage = (message: string) => (console.error(`dailypapers: ${message}`), 2);
        if (!def) return usage(`no job named ${name} (jobs: ${defs.map((d) => d.name).join(', ')})`);
        if (opts.reset === (cron !== undefined)) return usage(opts.reset ? 'give a cron expression or --reset, not both' : `give a cron expression (e.g. jobs schedule ${name} "0 */2 * * *") or --reset`);
        const problem = cron === undefined ? null : cronProblem(cron, config.jobs.timezone);
        if (problem) return usage(`"${cron}" is not a valid cron expression (${problem}); expected 5 fields: minute hour day-of-month month day-of-week, e.g. "0 */2 * * *"`);
        const scheduler = new Scheduler({ database, jobs: defs, timezone: config.jobs.timezone, tickMs: config.jobs.tickMs, log: (line) => console.error(line) });
        await scheduler.sync();
        await setCustomSchedule(database.db, name, cron ?? null);
        await scheduler.sync();
        const row = await getJobRow(database.db, name);
        console.log(`${name}: ${row?.schedule} (${cron === undefined ? 'the configuration\'s' : 'stored in the database'}; next run ${when(row?.next_run_at)} UTC; running servers take it within a minute)${def.off ? `; note: ${name} is ${def.off}` : ''}`);
        return 0;
      });
      process.exitCode = code;
    });

  jobs
    .command('run')
    .description('run a job now and wait for it (not while another instance runs it)')
    .argument('<name>', 'the job, e.g. harvest-arxiv')
    .action(async (name: string) => {
      const code = await withDatabase(async (config, database) => {
        const defs = jobDefinitions(config, { database });
        const def = defs.find((d) => d.name === name);
        // A usage error: exit code 2.
        if (!def || def.off) {
          console.error(`dailypapers: ${def ? `${name} is ${def.off}` : `no job named ${name} (jobs: ${defs.map((d) => d.name).join(', ')})`}`);
          return 2;
        }
        // Progress lines go to stderr; stdout gets the outcome only.
        const scheduler = new Scheduler({ database, jobs: defs, timezone: config.jobs.timezone, tickMs: config.jobs.tickMs, log: (line) => console.error(line) });
        const stop = () => void scheduler.stop();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        try {
          const report = await scheduler.runNow(name);
          if (!report) {
            const row = await getJobRow(database.db, name);
            console.error(`dailypapers: ${name} is running elsewhere (${row?.lease_owner ?? 'another instance'}, lease until ${row?.lease_until ?? '?'}); not run again`);
            return 1;
          }
          if (report.status === 'ok') console.log(`${name} ok in ${report.durationMs} ms${report.result ? `: ${report.result}` : ''}`);
          else console.error(`dailypapers: ${name} ${report.status}: ${report.error}`);
          return report.status === 'ok' ? 0 : 1;
        } finally {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
        }
      });
      process.exitCode = code;
    });
}
