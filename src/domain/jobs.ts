/**
 * The rules of background jobs as named constants: retry backoff, leases, history kept, and the cron
 * arithmetic (croner). Pure: the scheduler (src/jobs/scheduler.ts) applies them.
 */
import { Cron } from 'croner';

/** Every job the site knows, in the order the admin page lists them. SCHEDULE_<NAME> overrides a schedule. */
export const JOB_NAMES = [
  'harvest-arxiv',
  'mirror-hf',
  'github-stars',
  'refresh-trending',
  'embed-new-papers',
  'digest-daily',
  'digest-weekly',
  'saved-search-alerts',
  'deliver-outbox',
  'cleanup',
  'fetch-images',
  'setup-requests',
  'fetch-fulltext',
  'extract-summaries',
  'llm-summaries',
  'notify-follows',
] as const;
export type JobName = (typeof JOB_NAMES)[number];

/** The first retry after a failure waits this long; each further failure doubles the wait… */
export const RETRY_BASE_MS = 60_000;
/** …up to this (an upstream down for hours is not hammered)… */
export const RETRY_MAX_MS = 60 * 60_000;
/** …for this many failures in a row; then the job waits for its next cron time like any other run. */
export const RETRY_LIMIT = 5;

/**
 * How long a claim holds without news from the instance running the job. The runner renews it every
 * third of that (LEASE_RENEW_FRACTION), so only an instance that died or froze loses it.
 */
export const LEASE_MS = 60_000;
export const LEASE_RENEW_FRACTION = 1 / 3;

/** Runs kept per job in job_runs (older ones are deleted when a run finishes and by the cleanup job). */
export const JOB_RUNS_KEPT = 50;

/** After SIGTERM, running jobs get this long to stop at a safe point before their leases are released anyway. */
export const SHUTDOWN_GRACE_MS = 10_000;

/** Error messages are cut to this length before they are stored. */
export const ERROR_MAX_CHARS = 1000;

/** The wait before retry number `failures` (1 for the first failure). */
export function retryDelayMs(failures: number, base = RETRY_BASE_MS, max = RETRY_MAX_MS): number {
  return Math.min(max, base * 2 ** Math.max(0, failures - 1));
}

/** Parses a 5-field cron expression in a time zone; throws (RangeError/TypeError from croner) when invalid. */
export function parseCron(expression: string, timezone: string): Cron {
  return new Cron(expression, { mode: '5-part', timezone, paused: true });
}

/** The first time the expression matches strictly after `after`. */
export function nextCronTime(expression: string, timezone: string, after: Date): Date {
  const next = parseCron(expression, timezone).nextRun(after);
  // A valid 5-field pattern always has a next time (croner gives null only past a stopAt).
  if (!next) throw new Error(`cron "${expression}" has no next run after ${after.toISOString()}`);
  return next;
}

/**
 * When a job runs again after a failure: retry with backoff while RETRY_LIMIT allows and the backoff
 * ends before the next cron time; otherwise at the next cron time.
 */
export function nextRunAfterFailure(failures: number, now: Date, nextCron: Date, base = RETRY_BASE_MS, max = RETRY_MAX_MS): Date {
  if (failures > RETRY_LIMIT) return nextCron;
  const retry = new Date(now.getTime() + retryDelayMs(failures, base, max));
  return retry < nextCron ? retry : nextCron;
}

/** Checks a cron expression; null when valid, else the reason (for configuration messages). */
export function cronProblem(expression: string, timezone: string): string | null {
  try {
    parseCron(expression, timezone).nextRun();
    return null;
  } catch (e) {
    return (e as Error).message.replace(/^Cron\w*: /, '');
  }
}
