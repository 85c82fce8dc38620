/**
 * Big imports in short transactions (docs/decisions/0017-imports-in-short-batches.md). A file's
 * records are first staged (parsed and validated, nothing visible; a malformed file's stage is
 * discarded), then merged into the papers BATCH_SIZE at a time, each batch its own short transaction,
 * so votes and other writers never wait long. A run cut short while applying is finished by the next
 * `import` or by `serve` at start (finishInterruptedImports); one cut short while staging is discarded.
 */
import { hostname } from 'node:os';
import type { Database } from '../db/connection.ts';
import { databaseFault } from '../db/errors.ts';
import {
  applyStaged, createRun, deleteRun, discardStaged, listRuns, markReady, nextStaged, stageRecords, takeOver, type ImportRun,
} from '../db/queries/import-runs.ts';
import { applyRecords, type BatchCounts } from '../db/queries/papers.ts';
import type { ImportRecord } from '../domain/paper.ts';
import { newWorkerId, processAlive } from '../email/delivery.ts';

/**
 * Records per write transaction (staging and applying). Measured (bench/writers.ts, synthetic snapshot
 * records, on a busy 2-core machine): on SQLite applying 250 takes ~80-95 ms (max ~170), 500 ~170 ms,
 * 1,000 ~300 ms, for about the same throughput; 250 keeps a waiting vote near the ~100 ms aimed at. On
 * PostgreSQL a batch holds no row a vote needs (the data version is bumped at its very end), so its
 * length (~350 ms for 250) does not hold votes up.
 */
export const BATCH_SIZE = 250;

/**
 * How long a run stays its owner's without a sign of life (every batch renews it). A batch takes well
 * under a second; a minute also covers long GC pauses. A process on the same host that has died is
 * noticed at once (its pid is gone); one on another host after the lease runs out.
 */
export const IMPORT_LEASE_MS = 60_000;

/**
 * SQLite: how long the import leaves the write lock free after each batch. SQLite's lock has no queue,
 * so an import that began its next batch right after committing would starve the site's writers
 * (measured: a vote waited out its whole 5 s budget, a 503, during a 20k-line import). Waiting writers
 * try at least every SQLITE_BUSY_MAX_PAUSE_MS (20 ms), so all of them get in during 30 ms; it costs the
 * import ~30 ms per ~100 ms batch. PostgreSQL queues its row locks: no gap there.
 */
export const SQLITE_WRITER_GAP_MS = 30;

const leaseUntil = () => new Date(Date.now() + IMPORT_LEASE_MS).toISOString();

/** Whether the process that owns a run is gone: its lease ran out, or it ran on this host and has exited. */
export function ownerIsGone(run: Pick<ImportRun, 'owner' | 'lease_until'>, now: Date, isAlive: (pid: number) => boolean = processAlive): boolean {
  if (run.lease_until < now.toISOString()) return true;
  const [host, pid] = run.owner.split(':');
  return host === hostname() && Number(pid) !== process.pid && !isAlive(Number(pid));
}

/**
 * Writes a file's records, given in batches (a batch that throws, e.g. a malformed line, rejects the
 * file). A file of one batch is merged in one transaction; a bigger one is staged, then applied.
 */
export async function writeBatches(database: Database, file: string, format: string, batches: AsyncIterable<ImportRecord[]>): Promise<BatchCounts> {
  const { db, maxParams } = database;
  const it = batches[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) return { new: 0, updated: 0, unchanged: 0 };
  let next = await it.next();
  if (next.done) {
    return db.transaction().execute((trx) => applyRecords(trx, first.value, maxParams));
  }
  const owner = newWorkerId();
  const runId = await createRun(db, { file, format, owner, leaseUntil: leaseUntil(), now: new Date().toISOString() });
  const stage = async (seq: number, batch: ImportRecord[]) => {
    await stageRecords(db, runId, owner, leaseUntil(), seq, batch);
    await letOthersWrite(database);
  };
  try {
    let seq = 0;
    for (const batch of [first.value, next.value]) {
      await stage(seq, batch);
      seq += batch.length;
    }
    for (next = await it.next(); !next.done; next = await it.next()) {
      await stage(seq, next.value);
      seq += next.value.length;
    }
    await markReady(db, runId, owner, leaseUntil());
  } catch (e) {
    // Nothing of the file is visible; its stage goes (if the database is unreachable, the next run discards it).
    await discardRun(database, runId).catch(() => {});
    throw e;
  }
  return applyRun(database, runId, owner, { new: 0, updated: 0, unchanged: 0 });
}

/** Applies a ready run's staged records batch by batch, then deletes the run. */
async function applyRun(database: Database, runId: number, owner: string, counts: BatchCounts): Promise<BatchCounts> {
  for (;;) {
    const batch = await nextStaged(database.db, runId, BATCH_SIZE);
    if (batch.length === 0) break;
    const c = await applyStaged(database.db, runId, owner, leaseUntil(), batch, database.maxParams);
    await letOthersWrite(database);
    counts.new += c.new;
    counts.updated += c.updated;
    counts.unchanged += c.unchanged;
  }
  await deleteRun(database.db, runId);
  return counts;
}

async function letOthersWrite(database: Database): Promise<void> {
  if (database.engine === 'sqlite') await new Promise((r) => setTimeout(r, SQLITE_WRITER_GAP_MS));
}

async function discardRun(database: Database, runId: number): Promise<void> {
  while ((await discardStaged(database.db, runId, BATCH_SIZE * 10)) > 0);
  await deleteRun(database.db, runId);
}

export interface FinishedRun extends BatchCounts {
  file: string;
}

/**
 * Finishes the runs whose process is gone: a ready one is applied to the end (reported), one still
 * staging is discarded (its file was not read whole). Runs of live processes are left to them.
 */
export async function finishInterruptedImports(database: Database): Promise<FinishedRun[]> {
  const finished: FinishedRun[] = [];
  const owner = newWorkerId();
  for (const run of await listRuns(database.db)) {
    if (!ownerIsGone(run, new Date())) continue;
    if (!(await takeOver(database.db, run, owner, leaseUntil()))) continue;
    if (run.status === 'staging') {
      await discardRun(database, run.id);
      continue;
    }
    try {
      const counts = await applyRun(database, run.id, owner, { new: run.new, updated: run.updated, unchanged: run.unchanged });
      finished.push({ file: run.file, ...counts });
    } catch (e) {
      // The database is unavailable: the run stays, for the next try. Anything else (a constraint, a bug) would fail
      // again at every try and hold up every later import: the stage is dropped, and the operator told what to do.
      if (databaseFault(e)) throw e;
      console.error(`finishing the import of ${run.file} failed: ${(e as Error).message}; its staged records were dropped (what was applied stays: merges are idempotent). Import the file again.`);
      await discardRun(database, run.id).catch(() => {});
    }
  }
  return finished;
}
