/**
 * cleanup: deletes what has served its purpose: expired sessions, account links (confirmation, reset,
 * email change) a week after they expired, mail sent more than OUTBOX_KEEP_DAYS ago, and job runs beyond
 * the newest JOB_RUNS_KEPT per job or older than JOB_RUNS_MAX_AGE_DAYS, rate-limit counters whose window has ended. Each step is its own statement:
 * one that fails does not stop the others, and the run reports it.
 */
import type { Database } from '../db/connection.ts';
import { pruneRuns } from '../db/queries/jobs.ts';
import { JOB_RUNS_KEPT } from '../domain/jobs.ts';
import { deleteExpiredRateLimits } from '../db/queries/rate-limits.ts';

/** An expired link is kept this long, so that a late click still finds it and says "expired". */
export const EXPIRED_TOKENS_KEEP_DAYS = 7;
/**
 * Sent mail stays readable in /admin/outbox this long; mail not sent is never deleted. Long enough that a
 * digest's dedupe key (one mail per subscriber and period) outlives any period a digest run still targets.
 */
export const OUTBOX_KEEP_DAYS = 90;
export const JOB_RUNS_MAX_AGE_DAYS = 90;

const daysBefore = (now: Date, days: number) => new Date(now.getTime() - days * 86_400_000).toISOString();

export async function cleanup(database: Database, now: Date): Promise<Record<string, number>> {
  const { db } = database;
  const counts: Record<string, number> = {};
  const failures: string[] = [];
  const step = async (name: string, fn: () => Promise<number>) => {
    try {
      counts[name] = await fn();
    } catch (e) {
      failures.push(`${name}: ${(e as Error).message}`);
    }
  };
  await step('sessions', async () => Number((await db.deleteFrom('sessions').where('expires_at', '<', now.toISOString()).executeTakeFirst()).numDeletedRows));
  await step('tokens', async () =>
    Number((await db.deleteFrom('user_tokens').where('expires_at', '<', daysBefore(now, EXPIRED_TOKENS_KEEP_DAYS)).executeTakeFirst()).numDeletedRows),
  );
  await step('sentMail', async () =>
    Number((await db.deleteFrom('outbox').where('sent_at', 'is not', null).where('sent_at', '<', daysBefore(now, OUTBOX_KEEP_DAYS)).executeTakeFirst()).numDeletedRows),
  );
  await step('rateLimits', () => deleteExpiredRateLimits(db, now.getTime()));
  await step('jobRuns', async () => {
    let n = Number((await db.deleteFrom('job_runs').where('started_at', '<', daysBefore(now, JOB_RUNS_MAX_AGE_DAYS)).where('status', '<>', 'running').executeTakeFirst()).numDeletedRows);
    for (const { name } of await db.selectFrom('job_runs').select('name').distinct().execute()) n += await pruneRuns(db, name, JOB_RUNS_KEPT);
    return n;
  });
  if (failures.length > 0) throw new Error(`cleanup partly failed (${failures.join('; ')}); done: ${JSON.stringify(counts)}`);
  return counts;
}
