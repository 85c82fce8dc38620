/** First run: the Hugging Face days a backfill has fetched, and the queue of the setup page's actions. */
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { DB, SetupRequestsTable } from '../schema.ts';

type Db = Kysely<DB>;

export type SetupRequest = Selectable<SetupRequestsTable>;

/** Days among `days` already fetched once settled (a backfill skips them). */
export async function settledHfDays(db: Db, from: string, to: string): Promise<Set<string>> {
  const rows = await db.selectFrom('hf_days').select('day').where('day', '>=', from).where('day', '<=', to).where('settled', '=', 1).execute();
  return new Set(rows.map((r) => r.day));
}

/** Records a fetched day; run it in the transaction that writes the day's papers. */
export async function saveHfDay(trx: Transaction<DB> | Db, day: string, entries: number, settled: boolean, now: string): Promise<void> {
  const row = { day, entries, settled: settled ? 1 : 0, fetched_at: now };
  await trx.insertInto('hf_days').values(row).onConflict((oc) => oc.column('day').doUpdateSet({ entries, settled: row.settled, fetched_at: now })).execute();
}

export async function enqueueSetupRequest(db: Db, action: string, params: Record<string, unknown>, userId: number | null, now: Date): Promise<number> {
  const r = await db
    .insertInto('setup_requests')
    .values({ action, params: JSON.stringify(params), requested_by: userId, requested_at: now.toISOString(), status: 'queued' })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(r.id);
}

/** True when a request of this action (and these parameters) is queued or running: the page does not queue it twice. */
export async function setupRequestPending(db: Db, action: string, params: Record<string, unknown>): Promise<boolean> {
  const r = await db
    .selectFrom('setup_requests')
    .select('id')
    .where('action', '=', action)
    .where('params', '=', JSON.stringify(params))
    .where('status', 'in', ['queued', 'running'])
    .executeTakeFirst();
  return r !== undefined;
}

export async function recentSetupRequests(db: Db, limit: number): Promise<SetupRequest[]> {
  return db.selectFrom('setup_requests').selectAll().orderBy('id', 'desc').limit(limit).execute();
}

/**
 * The oldest request to run, marked running. Only the setup-requests job calls it, under its lease (one
 * instance at a time), so a request still marked running is one a stopped run left: it is taken again.
 */
export async function takeSetupRequest(db: Db, now: Date): Promise<SetupRequest | undefined> {
  const next = await db
    .selectFrom('setup_requests')
    .selectAll()
    .where('status', 'in', ['queued', 'running'])
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
  if (!next) return undefined;
  await db.updateTable('setup_requests').set({ status: 'running', started_at: now.toISOString(), progress: null }).where('id', '=', next.id).execute();
  return { ...next, status: 'running', started_at: now.toISOString() };
}

export async function setSetupProgress(db: Db, id: number, progress: string): Promise<void> {
  await db.updateTable('setup_requests').set({ progress }).where('id', '=', id).execute();
}

export async function finishSetupRequest(db: Db, id: number, status: 'ok' | 'error', result: string, now: Date): Promise<void> {
  await db.updateTable('setup_requests').set({ status, result, finished_at: now.toISOString() }).where('id', '=', id).execute();
}
