/** What a background job is: its definition in the registry and what its handler gets. */
import type { Database } from '../db/connection.ts';

export interface JobContext {
  database: Database;
  /** Aborted when the job times out, loses its lease or the process stops: stop at the next safe point. */
  signal: AbortSignal;
  /** One line in the server's log, prefixed with the job's name. */
  log(message: string): void;
  now(): Date;
}

/** What a run did, for the admin page: a sentence, or an object shown as JSON. */
export type JobResult = string | Record<string, unknown> | void;

export interface JobDefinition {
  name: string;
  /** One line for the admin page and `dailypapers jobs list`. */
  description: string;
  /** The cron expression in force (the default or SCHEDULE_<JOB>). */
  schedule: string;
  /**
   * null when the job runs; else why it does not (the configuration turned it off, or the code it
   * calls is not there yet). Such jobs are listed but never claimed.
   */
  off: string | null;
  /** The run is aborted after this long. */
  timeoutMs: number;
  run(ctx: JobContext): Promise<JobResult>;
}

/** A job that failed in a way worth one clear line (an upstream down): no stack trace in the log. */
export class JobError extends Error {
  override name = 'JobError';
}
