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
  applyStaged, createRun, STAGED_CHUNK, deleteRun, discardStaged, listRuns, markReady, nextStaged, sqliteCheckpoint, sqliteDataVersion, sqliteWalAutocheckpoint, stageRecords, takeOver, type ImportRun,
} from '../db/queries/import-runs.ts';
import { applyRecords, cleanSearchPendingList, searchDocuments, type BatchCounts } from '../db/queries/papers.ts';
import type { ImportRecord } from '../domain/paper.ts';
import { newWorkerId, processAlive } from '../email/delivery.ts';
import { wrotePapers } from './statistics.ts';

/**
 * Records per batch as files are read, and the size up to which a file is merged in one transaction. Write
 * transactions are sized by time (TRANSACTION_TARGET_MS), in multiples of it (STAGED_CHUNK).
 */
export const BATCH_SIZE = STAGED_CHUNK;

/**
 * How long one write transaction of an import aims to last; its number of records follows from how long the
 * previous one took (writeSizer), never below BATCH_SIZE (250, the fixed size before: decision 0017) nor above
 * MAX_TRANSACTION_RECORDS. SQLite: ~100 ms is what a waiting vote may take (0017), and SQLITE_WRITER_GAP_MS
 * follows each transaction; aiming at 100 ms held the lock ~77% of the time while staging, and the writers test
 * (25 voters, 25 readers, on a loaded machine) then saw 503s: 50 ms keeps the import's share near what
 * 250-record batches had. PostgreSQL: an apply holds the text-sequence lock from its first paper
 * to its commit (decision 0040), which the site's few title writers (harvest, edits) wait for; a staging
 * transaction holds nothing anyone else needs. Staging costs a fraction of applying per record, so its
 * transactions (sized by their own writeSizer) hold several times as many records. Measured: docs/decisions/0042-fast-import.md.
 */
export const TRANSACTION_TARGET_MS = { sqlite: 50, postgres: 250 } as const;
/**
 * SQLite, while the import writes alone (no other connection committed within SQLITE_POLITE_MS): no vote waits, and
 * bigger transactions mean fewer FTS5 segments to write and merge and fewer commits. 20,000 papers of realistic
 * text, alternately: 50 ms 2,815, 2,883 and 2,860 papers/s; 200 ms 3,449, 3,403, 3,249 and 2,977 (100 ms and
 * 400 ms in between). A writer arriving then waits at most SQLITE_PROBE_MS and one such transaction.
 */
export const SQLITE_ALONE_TARGET_MS = 200;
/**
 * The most records one transaction holds, whatever the time target: the importer's memory follows it. With 10,000,
 * a lone SQLite import's 200 ms transactions reached it, and the 1M import's peak RSS went from 350 to 545 MB
 * (target < 500); with 5,000, 399 MB at 1,687 papers/s against 1,737
 * (docs/decisions/0048-import-at-scale-and-three-million-papers.md).
 */
export const MAX_TRANSACTION_RECORDS = 5_000;

/** The size of the next transaction: as many records as took the target the last time, at most doubling. */
export function writeSizer(targetMs: () => number): { size: () => number; took: (records: number, ms: number) => void } {
  let size = BATCH_SIZE;
  return {
    size: () => size,
    took(records, ms) {
      const fit = Math.floor((records * targetMs()) / Math.max(ms, 1) / STAGED_CHUNK) * STAGED_CHUNK;
      size = Math.min(Math.max(fit, BATCH_SIZE), 2 * size, MAX_TRANSACTION_RECORDS);
    },
  };
}

/**
 * How long a run stays its owner's without a sign of life (every batch renews it). A batch takes well
 * under a second; a minute also covers long GC pauses. A process on the same host that has died is
 * noticed at once (its pid is gone); one on another host after the lease runs out.
 */
export const IMPORT_LEASE_MS = 60_000;

/**
 * SQLite: how long the import leaves the write lock free after a batch. SQLite's lock has no queue,
 * so an import that began its next batch right after committing would starve the site's writers
 * (measured: a vote waited out its whole 5 s budget, a 503, during a 20k-line import). Waiting writers
 * try at least every SQLITE_BUSY_MAX_PAUSE_MS (20 ms), so all of them get in during 30 ms.
 * PostgreSQL queues its row locks: no gap there.
 *
 * The gap follows every batch while the site writes too (another connection committed within the last
 * SQLITE_POLITE_MS), and otherwise one batch in SQLITE_PROBE_MS: after every ~50 ms batch it cost a quiet
 * import ~37% of its time (20k lines: 3,467–3,854 papers/s against 5,641–6,381 with no gap at all). A
 * writer that arrives while the import is alone gets in at the next probe (within SQLITE_PROBE_MS and a
 * batch), and its commit makes the import leave the gap after every batch again.
 */
export const SQLITE_WRITER_GAP_MS = 30;
export const SQLITE_POLITE_MS = 2_000;
export const SQLITE_PROBE_MS = 250;

/**
 * SQLite copies the WAL into the database file (a checkpoint: the pages, and two fsyncs) in the commit that takes
 * the WAL past `wal_autocheckpoint` pages, 1,000 (4 MB) by default: every third transaction of an import. While it
 * writes alone, a file import raises its own connection's threshold to this (64 MB): fewer, bigger checkpoints.
 * 20,000 papers of realistic text: 2,155 and 2,092 papers/s with 1,000 pages, 2,761 and 2,827 with 16,000. Once
 * others write, it goes back to the default and checkpoints what it left itself, so that the site's commits do not
 * find 64 MB to copy (a checkpoint of 16,000 pages took 275 ms, of 1,000 pages 23–43 ms): at most one of them,
 * the first after a quiet stretch, copies more than before. docs/decisions/0048-import-at-scale-and-three-million-papers.md.
 */
export const SQLITE_IMPORT_WAL_PAGES = 16_000;

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
  const gaps = writerGaps(database, true);
  const sizer = writeSizer(gaps.transactionMs);
  let seq = 0;
  let pending: ImportRecord[] = [];
  const stage = async () => {
    const t = performance.now();
    await stageRecords(db, runId, owner, leaseUntil(), seq, pending);
    sizer.took(pending.length, performance.now() - t);
    seq += pending.length;
    pending = [];
    await gaps.afterBatch();
  };
  try {
    // Staging costs ~10× less a record than applying: its own sizer gives it bigger transactions.
    for (let batch: ImportRecord[] | undefined = first.value; batch; ) {
      for (const r of batch) pending.push(r);
      if (pending.length >= sizer.size()) await stage();
      if (next.done) batch = undefined;
      else {
        batch = next.value;
        next = await it.next();
      }
    }
    if (pending.length > 0) await stage();
    await markReady(db, runId, owner, leaseUntil());
  } catch (e) {
    // Nothing of the file is visible; its stage goes (if the database is unreachable, the next run discards it).
    await gaps.end().catch(() => {});
    await discardRun(database, runId).catch(() => {});
    throw e;
  }
  try {
    return await applyRun(database, runId, owner, { new: 0, updated: 0, unchanged: 0 }, gaps);
  } finally {
    await gaps.end().catch(() => {});
  }
}

/**
 * Applies a ready run's staged records batch by batch (each sized by time: writeSizer), then deletes the run.
 * PostgreSQL: the next batch is read, and its keyword-index documents computed (searchDocuments), on another
 * connection while the current one is applied, so the server's two cores share the work; at the end, GIN's pending
 * list is merged (IMPORT_GIN). 30,000 papers into the 1M bench database: 33.2 → 27.3 s, both together
 * (docs/decisions/0050-import-on-two-cores.md). SQLite has one connection: nothing to overlap.
 */
async function applyRun(database: Database, runId: number, owner: string, counts: BatchCounts, gaps = writerGaps(database)): Promise<BatchCounts> {
  const sizer = writeSizer(gaps.transactionMs);
  const ahead = database.engine === 'postgres';
  const read = async (afterSeq: number) => {
    const batch = await nextStaged(database.db, runId, Math.max(1, Math.round(sizer.size() / STAGED_CHUNK)), afterSeq);
    return { batch, documents: ahead ? await searchDocuments(database.db, batch.map((b) => b.record)) : undefined };
  };
  let next = read(-1);
  try {
    for (;;) {
      const { batch, documents } = await next;
      if (batch.length === 0) break;
      if (ahead) next = read(batch.at(-1)!.seq);
      const t = performance.now();
      const c = await applyStaged(database.db, runId, owner, leaseUntil(), batch, database.maxParams, documents);
      sizer.took(batch.length, performance.now() - t);
      await gaps.afterBatch();
      counts.new += c.new;
      counts.updated += c.updated;
      counts.unchanged += c.unchanged;
      if (!ahead) next = read(batch.at(-1)!.seq);
    }
  } finally {
    // A batch that failed leaves the read ahead of it unawaited: its own failure is not this run's.
    next.catch(() => {});
  }
  if (ahead) await cleanSearchPendingList(database.db);
  await deleteRun(database.db, runId);
  return counts;
}

interface WriterGaps {
  /** What an import awaits after each write transaction: SQLITE_WRITER_GAP_MS when it is due (see there). */
  afterBatch(): Promise<void>;
  /** How long the next write transaction should last (TRANSACTION_TARGET_MS, SQLITE_ALONE_TARGET_MS). */
  transactionMs(): number;
  /** Puts back what afterBatch changed (the WAL threshold). */
  end(): Promise<void>;
}

/**
 * An import's manners on SQLite: the writer gap after each of its transactions and, for a `bulk` one (a file
 * import, its own process), while it writes alone, longer transactions (SQLITE_ALONE_TARGET_MS) and the bigger WAL
 * threshold (SQLITE_IMPORT_WAL_PAGES). Not in the site's process (a run finished by `serve` at start), whose own
 * web writes share its connection and do not move data_version.
 */
function writerGaps(database: Database, bulk = false): WriterGaps {
  if (database.engine !== 'sqlite') return { afterBatch: async () => {}, transactionMs: () => TRANSACTION_TARGET_MS.postgres, end: async () => {} };
  const { db } = database;
  let version: number | undefined;
  let othersAt = -Infinity;
  // Polite until shown otherwise: the first batch is followed by a gap.
  let gapAt = -Infinity;
  const othersWrite = () => performance.now() - othersAt < SQLITE_POLITE_MS;
  let initialPages: number | undefined;
  let pages: number | undefined;
  const walPages = async (want: number) => {
    if (want === pages) return;
    await sqliteWalAutocheckpoint(db, want);
    // Back to the default: what the import left in the WAL is copied now, by the import.
    if (pages !== undefined && want < pages) await sqliteCheckpoint(db);
    pages = want;
  };
  return {
    async afterBatch() {
      const v = await sqliteDataVersion(db);
      const now = performance.now();
      if (version !== undefined && v !== version) othersAt = now;
      version = v;
      if (bulk) {
        initialPages ??= pages = await sqliteWalAutocheckpoint(db);
        await walPages(othersWrite() ? initialPages : Math.max(SQLITE_IMPORT_WAL_PAGES, initialPages));
      }
      if (othersWrite() || now - gapAt >= SQLITE_PROBE_MS) {
        await new Promise((r) => setTimeout(r, SQLITE_WRITER_GAP_MS));
        gapAt = performance.now();
      }
    },
    transactionMs: () => (bulk && !othersWrite() ? SQLITE_ALONE_TARGET_MS : TRANSACTION_TARGET_MS.sqlite),
    async end() {
      if (initialPages !== undefined) await walPages(initialPages);
    },
  };
}

async function discardRun(database: Database, runId: number): Promise<void> {
  // A few rows at a time (STAGED_CHUNK records each): short transactions here too.
  while ((await discardStaged(database.db, runId, 8)) > 0);
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
      await wrotePapers(database, counts);
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
