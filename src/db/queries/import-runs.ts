/**
 * Import runs (docs/decisions/0017-imports-in-short-batches.md): a big file's records are staged, then
 * applied to the papers in short transactions. Each run has an owner and a lease, renewed by every
 * batch; another process takes a run over only when its owner is gone.
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import type { ImportRecord } from '../../domain/paper.ts';
import { DatabaseError } from '../connection.ts';
import type { DB, ImportRunsTable } from '../schema.ts';
import { applyRecords, type BatchCounts, type SearchDocuments } from './papers.ts';

type Db = Kysely<DB>;
export type ImportRun = Selectable<ImportRunsTable>;

/** The run's owner changed under it (its lease ran out and another process took it over). */
export class LostLeaseError extends DatabaseError {
  override name = 'LostLeaseError';
}

export async function createRun(db: Db, run: { file: string; format: string; owner: string; leaseUntil: string; now: string }): Promise<number> {
  const r = await db
    .insertInto('import_runs')
    .values({ file: run.file, format: run.format, status: 'staging', owner: run.owner, lease_until: run.leaseUntil, created_at: run.now })
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

/**
 * Records per staged row. A row holds a JSON array of up to this many records (keyed by the first one's
 * position), not one row per record: a million-line file is 4,000 rows to write, read back and delete, not a
 * million (docs/decisions/0042-fast-import.md). It is also the smallest batch an apply transaction takes.
 * Rows staged by an older release hold one record (an object, not an array): they are read as chunks of one.
 */
export const STAGED_CHUNK = 250;

/** Stages records (numbered from `firstSeq`, STAGED_CHUNK to a row) and renews the lease, in one short transaction. */
export async function stageRecords(db: Db, runId: number, owner: string, leaseUntil: string, firstSeq: number, records: ImportRecord[]): Promise<void> {
  const rows: { run_id: number; seq: number; record: string }[] = [];
  for (let i = 0; i < records.length; i += STAGED_CHUNK) {
    rows.push({ run_id: runId, seq: firstSeq + i, record: JSON.stringify(records.slice(i, i + STAGED_CHUNK)) });
  }
  await db.transaction().execute(async (trx) => {
    await renewLease(trx, runId, owner, leaseUntil, { staged: records.length });
    // One row at a time: a statement of several multi-megabyte values gains nothing and needs them all at once.
    for (const row of rows) await trx.insertInto('import_staging').values(row).execute();
  });
}

/** The whole file is staged and valid: from now on the run is finished, by its owner or, if it dies, by another. */
export async function markReady(db: Db, runId: number, owner: string, leaseUntil: string): Promise<void> {
  await renewLease(db, runId, owner, leaseUntil, { status: 'ready' });
}

/** Every run, oldest first. */
export function listRuns(db: Db): Promise<ImportRun[]> {
  return db.selectFrom('import_runs').selectAll().orderBy('id').execute();
}

/** Takes a run over from an owner that is gone; false when someone else did first. */
export async function takeOver(db: Db, run: ImportRun, owner: string, leaseUntil: string): Promise<boolean> {
  const r = await db
    .updateTable('import_runs')
    .set({ owner, lease_until: leaseUntil })
    .where('id', '=', run.id)
    .where('owner', '=', run.owner)
    .where('lease_until', '=', run.lease_until)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/**
 * The next staged records of a run after position `afterSeq`, in file order: those of its next `rows` staged rows
 * (STAGED_CHUNK records each, or one for a row an older release staged). Each record carries its position in the file.
 */
export async function nextStaged(db: Db, runId: number, rows: number, afterSeq = -1): Promise<{ seq: number; record: ImportRecord }[]> {
  const staged = await db.selectFrom('import_staging').select(['seq', 'record']).where('run_id', '=', runId).where('seq', '>', afterSeq).orderBy('seq').limit(rows).execute();
  return staged.flatMap((r) => {
    const v = JSON.parse(r.record) as ImportRecord | ImportRecord[];
    return (Array.isArray(v) ? v : [v]).map((record, i) => ({ seq: r.seq + i, record }));
  });
}

/**
 * Merges staged records into the papers, drops them from the stage and adds their counts to the run,
 * in one short transaction. Throws LostLeaseError (nothing written) if the run is no longer ours.
 */
export async function applyStaged(
  db: Db, runId: number, owner: string, leaseUntil: string, batch: { seq: number; record: ImportRecord }[], maxParams: number, documents?: SearchDocuments,
): Promise<BatchCounts> {
  return db.transaction().execute(async (trx) => {
    // The lease first: on PostgreSQL this locks the run's row, so two appliers cannot both apply a batch.
    await renewLease(trx, runId, owner, leaseUntil);
    const counts = await applyRecords(trx, batch.map((b) => b.record), maxParams, documents);
    await trx.deleteFrom('import_staging').where('run_id', '=', runId).where('seq', '<=', batch.at(-1)!.seq).execute();
    await trx
      .updateTable('import_runs')
      .set((eb) => ({ new: eb('new', '+', counts.new), updated: eb('updated', '+', counts.updated), unchanged: eb('unchanged', '+', counts.unchanged) }))
      .where('id', '=', runId)
      .execute();
    return counts;
  });
}

/** Deletes up to `limit` staged rows of a run (STAGED_CHUNK records each); returns how many. Called until 0, then deleteRun. */
export async function discardStaged(db: Db, runId: number, limit: number): Promise<number> {
  const seqs = await db.selectFrom('import_staging').select('seq').where('run_id', '=', runId).orderBy('seq').limit(limit).execute();
  if (seqs.length === 0) return 0;
  await db.deleteFrom('import_staging').where('run_id', '=', runId).where('seq', '<=', seqs.at(-1)!.seq).execute();
  return seqs.length;
}

export async function deleteRun(db: Db, runId: number): Promise<void> {
  await db.deleteFrom('import_runs').where('id', '=', runId).execute();
}

async function renewLease(
  db: Db,
  runId: number,
  owner: string,
  leaseUntil: string,
  extra: { status?: 'ready'; staged?: number } = {},
): Promise<void> {
  const r = await db
    .updateTable('import_runs')
    .set((eb) => ({
      lease_until: leaseUntil,
      ...(extra.status ? { status: extra.status } : {}),
      ...(extra.staged ? { staged: eb('staged', '+', extra.staged) } : {}),
    }))
    .where('id', '=', runId)
    .where('owner', '=', owner)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) !== 1) throw new LostLeaseError(`import run ${runId} was taken over by another process`);
}

/**
 * SQLite's `PRAGMA data_version`: it moves when another connection (another process: `serve`, a CLI command)
 * commits to the file, never for this connection's own commits.
 */
export async function sqliteDataVersion(db: Db): Promise<number> {
  const r = await sql<{ data_version: number }>`pragma data_version`.execute(db);
  return Number(r.rows[0]?.data_version ?? 0);
}

/** SQLite: this connection's `PRAGMA wal_autocheckpoint` (pages), set to `pages` when given; the value now in force. */
export async function sqliteWalAutocheckpoint(db: Db, pages?: number): Promise<number> {
  const r = await sql.raw<{ wal_autocheckpoint: number }>(`pragma wal_autocheckpoint${pages === undefined ? '' : ` = ${Math.trunc(pages)}`}`).execute(db);
  return Number(r.rows[0]?.wal_autocheckpoint ?? 0);
}

/** SQLite: copies the WAL's pages into the database file as far as readers allow, without waiting for anyone. */
export async function sqliteCheckpoint(db: Db): Promise<void> {
  await sql`pragma wal_checkpoint(passive)`.execute(db);
}

/**
 * PostgreSQL: refreshes the planner's statistics of the tables an import fills (ANALYZE, ~1 s each at 1M
 * papers; 8 s for paper_search, whose word statistics keyword search reads: migration 36). Until autovacuum
 * got to it, a search planned on the statistics of the table before a big import: at 1M papers freshly
 * imported, a rare word's count ran as a sequential scan (2–3.6 s).
 */
export async function refreshStatistics(db: Db): Promise<void> {
  await sql`analyze papers, paper_search, paper_categories, daily_entries`.execute(db);
}

/** PostgreSQL: the papers table's row count as of its last ANALYZE (0 when it was never analyzed). */
export async function analyzedPapers(db: Db): Promise<number> {
  const r = await sql<{ n: number }>`select greatest(reltuples, 0)::float8 as n from pg_class where oid = 'papers'::regclass`.execute(db);
  return Number(r.rows[0]?.n ?? 0);
}
