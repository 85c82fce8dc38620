/**
 * Background jobs in the database: the job rows (schedule, next run, lease, last outcome), their run
 * history, and the claim that makes one instance run a due job when several share the database.
 * Every write that takes or keeps a lease says whose it is, so an instance that lost its lease (it froze
 * past lease_until and another took over) changes nothing.
 */
import type { Kysely, Selectable } from 'kysely';
import type { DB, JobRunsTable, JobsTable } from '../schema.ts';

type Db = Kysely<DB>;

export type JobRow = Selectable<JobsTable>;
export type JobRunRow = Selectable<JobRunsTable>;

const iso = (d: Date) => d.toISOString();

/**
 * Makes sure each job has a row. A new job first runs at its next cron time; a job whose schedule the
 * configuration changed is rescheduled to the new expression's next time, earlier or later than the
 * stored one (a run due under the old schedule is the old schedule's: the new one starts from now).
 */
export async function syncJobs(db: Db, jobs: { name: string; schedule: string; nextRunAt: Date }[]): Promise<void> {
  for (const j of jobs) {
    await db
      .insertInto('jobs')
      .values({ name: j.name, schedule: j.schedule, next_run_at: iso(j.nextRunAt) })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    await db
      .updateTable('jobs')
      .set({ schedule: j.schedule, next_run_at: iso(j.nextRunAt) })
      .where('name', '=', j.name)
      .where('schedule', '<>', j.schedule)
      .execute();
  }
}

/** The schedules operators set in the database (`dailypapers jobs schedule`), by job name. */
export async function customSchedules(db: Db): Promise<Map<string, string>> {
  const rows = await db.selectFrom('jobs').select(['name', 'custom_schedule']).where('custom_schedule', 'is not', null).execute();
  return new Map(rows.map((r) => [r.name, r.custom_schedule!]));
}

/** Sets (or, with null, removes) a job's schedule stored in the database; false when the job has no row. */
export async function setCustomSchedule(db: Db, name: string, schedule: string | null): Promise<boolean> {
  const r = await db.updateTable('jobs').set({ custom_schedule: schedule }).where('name', '=', name).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function listJobRows(db: Db): Promise<JobRow[]> {
  return db.selectFrom('jobs').selectAll().orderBy('name').execute();
}

export async function getJobRow(db: Db, name: string): Promise<JobRow | undefined> {
  return db.selectFrom('jobs').selectAll().where('name', '=', name).executeTakeFirst();
}

/** Names of jobs that are due and not leased (candidates to claim; the claim itself decides). */
export async function dueJobs(db: Db, names: string[], now: Date): Promise<string[]> {
  if (names.length === 0) return [];
  const rows = await db
    .selectFrom('jobs')
    .select('name')
    .where('name', 'in', names)
    .where('enabled', '=', 1)
    .where('next_run_at', '<=', iso(now))
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', iso(now))]))
    .orderBy('next_run_at')
    .execute();
  return rows.map((r) => r.name);
}

export interface ClaimOptions {
  owner: string;
  now: Date;
  leaseMs: number;
  /** Claim even when the job is not due or is disabled (`dailypapers jobs run`); a live lease still wins. */
  force?: boolean;
}

/**
 * Takes the lease of a job in one UPDATE, so that of several instances asking at once exactly one gets
 * it (PostgreSQL re-checks the WHERE on the row it locked; SQLite has one writer at a time). Returns
 * the id of the run recorded, or null when another instance holds the lease or the job is not due.
 */
export async function claimJob(db: Db, name: string, o: ClaimOptions): Promise<number | null> {
  const now = iso(o.now);
  // One statement, no transaction around it: nothing is held across awaits (on SQLite a transaction
  // left open while another connection of the same process waits for the lock would stall both).
  let q = db
    .updateTable('jobs')
    .set({ lease_owner: o.owner, lease_until: iso(new Date(o.now.getTime() + o.leaseMs)), last_started_at: now, last_status: 'running' })
    .where('name', '=', name)
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]));
  if (!o.force) q = q.where('enabled', '=', 1).where('next_run_at', '<=', now);
  const r = await q.executeTakeFirst();
  if (Number(r.numUpdatedRows) !== 1) return null;
  // A run left 'running' by an instance that died: its lease expired, so it is over.
  await db
    .updateTable('job_runs')
    .set({ status: 'error', finished_at: now, error: 'interrupted: the instance running it stopped before it finished' })
    .where('name', '=', name)
    .where('status', '=', 'running')
    .execute();
  const run = await db.insertInto('job_runs').values({ name, owner: o.owner, started_at: now, status: 'running' }).returning('id').executeTakeFirstOrThrow();
  return run.id;
}

/** Extends a held lease; false when this owner no longer holds it. */
export async function renewLease(db: Db, name: string, owner: string, until: Date): Promise<boolean> {
  const r = await db.updateTable('jobs').set({ lease_until: iso(until) }).where('name', '=', name).where('lease_owner', '=', owner).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export interface RunOutcome {
  owner: string;
  runId: number;
  startedAt: Date;
  finishedAt: Date;
  nextRunAt: Date;
  status: 'ok' | 'error';
  result?: string | null;
  error?: string | null;
  /** Failures in a row after this run (0 after a success). */
  attempts: number;
  /** Runs kept per job. */
  keep: number;
}

/** Records the end of a run and releases the lease (if this owner still holds it). */
export async function finishJob(db: Db, name: string, o: RunOutcome): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('jobs')
      .set({
        lease_owner: null, lease_until: null, next_run_at: iso(o.nextRunAt), attempts: o.attempts,
        last_finished_at: iso(o.finishedAt), last_duration_ms: o.finishedAt.getTime() - o.startedAt.getTime(),
        last_status: o.status, last_error: o.error ?? null,
        ...(o.status === 'ok' ? { last_result: o.result ?? null } : {}),
      })
      .where('name', '=', name)
      .where('lease_owner', '=', o.owner)
      .execute();
    await trx
      .updateTable('job_runs')
      .set({ finished_at: iso(o.finishedAt), status: o.status, error: o.error ?? null, result: o.result ?? null })
      .where('id', '=', o.runId)
      .execute();
    await pruneRuns(trx, name, o.keep);
  });
}

/**
 * Gives a lease back without a verdict (shutdown before the job finished): the job stays due, so the
 * next instance to look runs it again; the run is recorded as interrupted.
 */
export async function releaseJob(db: Db, name: string, owner: string, runId: number, now: Date, why: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const r = await trx
      .updateTable('jobs')
      .set({ lease_owner: null, lease_until: null, last_status: 'error', last_error: why, last_finished_at: iso(now) })
      .where('name', '=', name)
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 1) {
      await trx.updateTable('job_runs').set({ finished_at: iso(now), status: 'error', error: why }).where('id', '=', runId).execute();
    }
  });
}

/** Deletes all but the newest `keep` runs of a job. */
export async function pruneRuns(db: Db, name: string, keep: number): Promise<number> {
  const cutoff = await db.selectFrom('job_runs').select('id').where('name', '=', name).orderBy('id', 'desc').offset(keep).limit(1).executeTakeFirst();
  if (!cutoff) return 0;
  const r = await db.deleteFrom('job_runs').where('name', '=', name).where('id', '<=', cutoff.id).executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** The newest runs, of one job or of all. */
export async function recentRuns(db: Db, limit: number, name?: string): Promise<JobRunRow[]> {
  let q = db.selectFrom('job_runs').selectAll().orderBy('id', 'desc').limit(limit);
  if (name) q = q.where('name', '=', name);
  return q.execute();
}

/** "Run now": due at once (the next tick of any instance claims it). */
export async function requestRun(db: Db, name: string, now: Date): Promise<boolean> {
  const r = await db.updateTable('jobs').set({ next_run_at: iso(now) }).where('name', '=', name).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function setJobEnabled(db: Db, name: string, enabled: boolean): Promise<boolean> {
  const r = await db.updateTable('jobs').set({ enabled: enabled ? 1 : 0 }).where('name', '=', name).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
