/**
 * The one scheduler for all recurring work (docs/decisions/0012-background-jobs.md). Every few seconds
 * it looks for due jobs in the database and claims each with a lease (one UPDATE: of several app
 * instances sharing the database, one wins), runs it with an AbortSignal (timeout, lost lease,
 * shutdown), renews the lease while it runs, then records the outcome: on success the next cron time,
 * on failure a retry with exponential backoff (src/domain/jobs.ts), the error kept for the admin page.
 * stop() stops claiming, signals running jobs, waits a grace period and releases what is still held.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Database } from '../db/connection.ts';
import { claimJob, customSchedules, dueJobs, finishJob, getJobRow, releaseJob, renewLease, syncJobs } from '../db/queries/jobs.ts';
import {
  cronProblem, ERROR_MAX_CHARS, JOB_RUNS_KEPT, LEASE_MS, LEASE_RENEW_FRACTION, nextCronTime, nextRunAfterFailure, RETRY_BASE_MS, RETRY_MAX_MS, SHUTDOWN_GRACE_MS,
} from '../domain/jobs.ts';
import type { JobDefinition, JobResult } from './types.ts';

export interface SchedulerOptions {
  database: Database;
  jobs: JobDefinition[];
  /** The zone cron expressions are read in. */
  timezone: string;
  /** How often to look for due jobs. */
  tickMs: number;
  /** Who this instance is in lease_owner (default host:pid:random). */
  owner?: string;
  leaseMs?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  now?: () => Date;
  /** Where log lines go (default console.log / console.error). */
  log?: (line: string, level: 'info' | 'error') => void;
  /** How often a running scheduler re-reads the schedules stored in the database (default SCHEDULE_REFRESH_MS). */
  scheduleRefreshMs?: number;
  /** Told of each run's end (ok, error, interrupted), for /metrics. */
  onRun?: (report: RunReport) => void;
}

/**
 * How often a running scheduler re-reads the schedules set with `dailypapers jobs schedule` (decision 0023):
 * a changed schedule is in force on every instance within this time (plus one tick). Two small statements a job.
 */
export const SCHEDULE_REFRESH_MS = 30_000;

export interface RunReport {
  name: string;
  status: 'ok' | 'error' | 'interrupted';
  durationMs: number;
  result: string | null;
  error: string | null;
}

/** Why the job's signal was aborted, when it was the scheduler that stopped it. */
class Shutdown extends Error {
  override name = 'AbortError';
}
class LeaseLost extends Error {
  override name = 'AbortError';
}

interface Running {
  controller: AbortController;
  done: Promise<RunReport>;
  runId: number;
  /** Set when stop() gave the lease back: the run's own ending must not record anything. */
  released: boolean;
}

export function defaultOwner(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

/** A result as stored: a sentence, or compact JSON. */
export function resultText(r: JobResult): string | null {
  if (r === undefined || r === null) return null;
  return (typeof r === 'string' ? r : JSON.stringify(r)).slice(0, ERROR_MAX_CHARS * 4);
}

export class Scheduler {
  readonly owner: string;
  private readonly database: Database;
  private readonly defs: Map<string, JobDefinition>;
  private readonly leaseMs: number;
  private readonly now: () => Date;
  private readonly log: (line: string, level: 'info' | 'error') => void;
  private readonly running = new Map<string, Running>();
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<unknown> = Promise.resolve();
  private stopping = false;
  private synced = false;
  private syncedAt = 0;
  /** The schedule in force per job: the one stored in the database (`jobs schedule`), else the configuration's. */
  private readonly schedules = new Map<string, string>();

  constructor(private readonly opts: SchedulerOptions) {
    this.database = opts.database;
    this.defs = new Map(opts.jobs.map((j) => [j.name, j]));
    this.owner = opts.owner ?? defaultOwner();
    this.leaseMs = opts.leaseMs ?? LEASE_MS;
    this.now = opts.now ?? (() => new Date());
    this.log = opts.log ?? ((line, level) => (level === 'error' ? console.error(line) : console.log(line)));
  }

  /**
   * Writes the job rows (new jobs, changed schedules), with the schedules stored in the database taking
   * precedence over the configuration's. start() and runNow() do it first; a running scheduler again
   * every scheduleRefreshMs, so that `dailypapers jobs schedule` needs no restart.
   */
  async sync(): Promise<void> {
    const now = this.now();
    const custom = await customSchedules(this.database.db);
    const changed: string[] = [];
    for (const d of this.defs.values()) {
      const stored = custom.get(d.name);
      const problem = stored === undefined ? null : cronProblem(stored, this.opts.timezone);
      if (problem) this.log(`[jobs] ${d.name}: the schedule stored in the database ("${stored}") is not valid (${problem}); using ${d.schedule}`, 'error');
      const schedule = stored !== undefined && !problem ? stored : d.schedule;
      if (this.synced && this.schedules.get(d.name) !== schedule) changed.push(d.name);
      this.schedules.set(d.name, schedule);
    }
    await syncJobs(this.database.db, [...this.defs.values()].map((d) => ({ name: d.name, schedule: this.scheduleOf(d), nextRunAt: this.nextCron(d, now) })));
    // Once its row holds the new schedule and next run: whoever reads the line then sees them.
    for (const name of changed) this.log(`[jobs] ${name}: schedule now ${this.schedules.get(name)}`, 'info');
    this.synced = true;
    this.syncedAt = Date.now();
  }

  /** The cron expression in force for a job. */
  scheduleOf(def: JobDefinition): string {
    return this.schedules.get(def.name) ?? def.schedule;
  }

  /** Starts ticking (the first tick at once). */
  async start(): Promise<void> {
    await this.sync();
    const loop = () => {
      if (this.stopping) return;
      this.ticking = this.tick()
        .catch((e) => this.log(`[jobs] looking for due jobs failed: ${(e as Error).message}`, 'error'))
        .finally(() => {
          if (!this.stopping) {
            this.timer = setTimeout(loop, this.opts.tickMs);
            this.timer.unref();
          }
        });
    };
    loop();
  }

  /** Claims every due job this instance may run and starts it; returns the names started. */
  async tick(): Promise<string[]> {
    if (!this.synced || Date.now() - this.syncedAt >= (this.opts.scheduleRefreshMs ?? SCHEDULE_REFRESH_MS)) await this.sync();
    const now = this.now();
    const runnable = [...this.defs.values()].filter((d) => d.off === null && !this.running.has(d.name)).map((d) => d.name);
    const started: string[] = [];
    for (const name of await dueJobs(this.database.db, runnable, now)) {
      if (this.stopping) break;
      const runId = await claimJob(this.database.db, name, { owner: this.owner, now: this.now(), leaseMs: this.leaseMs });
      if (runId === null) continue; // another instance was quicker
      this.launch(this.defs.get(name)!, runId);
      started.push(name);
    }
    return started;
  }

  /**
   * Runs one job now and waits for it (`dailypapers jobs run`): claimed even if not due or disabled,
   * but never while another instance holds its lease. Returns null in that case.
   */
  async runNow(name: string): Promise<RunReport | null> {
    const def = this.defs.get(name);
    if (!def) throw new Error(`no job named ${name}`);
    await this.sync();
    const runId = await claimJob(this.database.db, name, { owner: this.owner, now: this.now(), leaseMs: this.leaseMs, force: true });
    if (runId === null) return null;
    return this.launch(def, runId).done;
  }

  /** Waits until no job started by this instance is running (tests). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()].map((r) => r.done));
  }

  /**
   * Stops claiming, signals running jobs to stop at their next safe point, waits up to `graceMs` for
   * them, then gives back the leases still held (those jobs are due again for the next instance).
   */
  async stop(graceMs = SHUTDOWN_GRACE_MS): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    await this.ticking.catch(() => {});
    const running = [...this.running.entries()];
    for (const [, r] of running) r.controller.abort(new Shutdown('the server is stopping'));
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([Promise.allSettled(running.map(([, r]) => r.done)), grace]);
    clearTimeout(timer);
    for (const [name, r] of this.running) {
      r.released = true;
      await releaseJob(this.database.db, name, this.owner, r.runId, this.now(), `interrupted: the server stopped after ${graceMs / 1000} s of grace; it runs again when due`);
      this.log(`[jobs] ${name} did not stop within ${graceMs / 1000} s; its lease was released`, 'error');
    }
    this.running.clear();
  }

  private nextCron(def: JobDefinition, after: Date): Date {
    return nextCronTime(this.scheduleOf(def), this.opts.timezone, after);
  }

  private launch(def: JobDefinition, runId: number): Running {
    const controller = new AbortController();
    const entry: Running = { controller, runId, released: false, done: undefined as unknown as Promise<RunReport> };
    entry.done = this.execute(def, entry).then((report) => (this.opts.onRun?.(report), report)).finally(() => {
      if (this.running.get(def.name) === entry) this.running.delete(def.name);
    });
    this.running.set(def.name, entry);
    return entry;
  }

  private async execute(def: JobDefinition, entry: Running): Promise<RunReport> {
    const { db } = this.database;
    const startedAt = this.now();
    const t0 = performance.now();
    // A timer of our own (AbortSignal.timeout's does not keep the process alive while the job waits).
    const timeout = new AbortController();
    const timeoutTimer = setTimeout(() => timeout.abort(new DOMException(`${def.name} timed out`, 'TimeoutError')), def.timeoutMs);
    const signal = AbortSignal.any([entry.controller.signal, timeout.signal]);
    const heartbeat = setInterval(() => {
      const until = new Date(this.now().getTime() + this.leaseMs);
      renewLease(db, def.name, this.owner, until)
        .then((held) => {
          if (!held) entry.controller.abort(new LeaseLost(`${def.name} lost its lease to another instance`));
        })
        .catch((e) => this.log(`[jobs] ${def.name}: renewing the lease failed: ${(e as Error).message}`, 'error'));
    }, Math.max(10, Math.floor(this.leaseMs * LEASE_RENEW_FRACTION)));
    heartbeat.unref();
    this.log(`[jobs] ${def.name} started`, 'info');

    let status: 'ok' | 'error' = 'ok';
    let result: string | null = null;
    let error: string | null = null;
    try {
      result = resultText(await def.run({ database: this.database, signal, now: this.now, log: (m) => this.log(`[jobs] ${def.name}: ${m}`, 'info') }));
    } catch (e) {
      status = 'error';
      error = this.describeFailure(def, signal, e);
    } finally {
      clearInterval(heartbeat);
      clearTimeout(timeoutTimer);
    }
    const durationMs = Math.round(performance.now() - t0);
    const report: RunReport = { name: def.name, status, durationMs, result, error };
    if (entry.released) return { ...report, status: 'interrupted' };

    const reason = entry.controller.signal.aborted ? entry.controller.signal.reason : undefined;
    if (status === 'error' && reason instanceof Shutdown) {
      const why = 'interrupted: the server stopped before it finished; it runs again when due';
      await releaseJob(db, def.name, this.owner, entry.runId, this.now(), why);
      this.log(`[jobs] ${def.name} interrupted by shutdown after ${durationMs} ms; lease released`, 'info');
      return { ...report, status: 'interrupted', error: why };
    }
    if (status === 'error' && reason instanceof LeaseLost) {
      this.log(`[jobs] ${def.name} stopped: ${reason.message}`, 'error');
      return { ...report, status: 'interrupted', error: reason.message };
    }

    const finishedAt = this.now();
    const row = await getJobRow(db, def.name);
    const failures = status === 'ok' ? 0 : (row?.attempts ?? 0) + 1;
    const nextCron = this.nextCron(def, finishedAt);
    const nextRunAt = status === 'ok' ? nextCron : nextRunAfterFailure(failures, finishedAt, nextCron, this.opts.retryBaseMs ?? RETRY_BASE_MS, this.opts.retryMaxMs ?? RETRY_MAX_MS);
    await finishJob(db, def.name, {
      owner: this.owner, runId: entry.runId, startedAt, finishedAt, nextRunAt, status, result, error, attempts: failures, keep: JOB_RUNS_KEPT,
    });
    if (status === 'ok') this.log(`[jobs] ${def.name} ok in ${durationMs} ms${result ? `: ${result}` : ''}`, 'info');
    else this.log(`[jobs] ${def.name} failed after ${durationMs} ms (failure ${failures} in a row; next try ${nextRunAt.toISOString()}): ${error}`, 'error');
    return report;
  }

  private describeFailure(def: JobDefinition, signal: AbortSignal, e: unknown): string {
    const reason: unknown = signal.aborted ? signal.reason : undefined;
    const timedOut = reason instanceof DOMException && reason.name === 'TimeoutError';
    const message = timedOut ? `timed out after ${def.timeoutMs / 1000} s` : e instanceof Error ? e.message : String(e);
    return message.replace(/\s+/g, ' ').trim().slice(0, ERROR_MAX_CHARS) || 'failed (no message)';
  }
}
