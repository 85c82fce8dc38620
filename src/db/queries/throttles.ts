/** The arXiv API's pacing for submissions (src/domain/arxiv-throttle.ts; migration 21). */
import type { Kysely } from 'kysely';
import { takeTurn, type ArxivThrottle } from '../../domain/arxiv-throttle.ts';
import type { DB } from '../schema.ts';

type Db = Kysely<DB>;

const EPOCH = '1970-01-01T00:00:00.000Z';
/** Compare-and-swap attempts before giving up (another instance took each turn we read). */
const TURN_ATTEMPTS = 5;

/**
 * Takes the next turn of `slot`: when it may start, or how long to come back after. A compare-and-swap
 * on the slot's row, so two instances never get the same turn.
 */
export async function takeSlot(db: Db, slot: string, t: ArxivThrottle, now: Date): Promise<{ ok: true; startMs: number } | { ok: false; retryAfterMs: number }> {
  await db.insertInto('throttle_slots').values({ name: slot, next_at: EPOCH }).onConflict((oc) => oc.column('name').doNothing()).execute();
  for (let i = 0; i < TURN_ATTEMPTS; i++) {
    const row = await db.selectFrom('throttle_slots').select('next_at').where('name', '=', slot).executeTakeFirstOrThrow();
    const turn = takeTurn(t, Date.parse(row.next_at), now.getTime());
    if (!turn.ok) return turn;
    const r = await db
      .updateTable('throttle_slots')
      .set({ next_at: new Date(turn.nextAtMs).toISOString() })
      .where('name', '=', slot)
      .where('next_at', '=', row.next_at)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 1) return { ok: true, startMs: turn.startMs };
  }
  return { ok: false, retryAfterMs: t.minIntervalMs };
}

/** Calls a member's submissions made since `since`. */
export async function arxivFetchesSince(db: Db, userId: number, since: Date): Promise<number> {
  const r = await db
    .selectFrom('arxiv_fetches')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', userId)
    .where('fetched_at', '>', since.toISOString())
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Notes a call for a member, and forgets those older than `keepSince` (nothing counts them any more). */
export async function recordArxivFetch(db: Db, userId: number, now: Date, keepSince: Date): Promise<void> {
  await db.deleteFrom('arxiv_fetches').where('fetched_at', '<=', keepSince.toISOString()).execute();
  await db.insertInto('arxiv_fetches').values({ user_id: userId, fetched_at: now.toISOString() }).execute();
}
