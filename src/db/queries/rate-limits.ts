/**
 * Rate-limit counters in the database (src/http/rate-limit-stores.ts): one atomic upsert per hit, the
 * same statement on both engines. A window that has ended starts again at 1.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../schema.ts';

/** Counts one hit of `key`; returns the count in the current window and when that window ends (ms). */
export async function hitRateLimit(db: Kysely<DB>, key: string, windowMs: number, nowMs: number): Promise<{ count: number; resetAt: number }> {
  const row = await db
    .insertInto('rate_limits')
    .values({ key, count: 1, reset_at: nowMs + windowMs })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet((eb) => {
        const ended = eb('rate_limits.reset_at', '<=', nowMs);
        return {
          count: eb.case().when(ended).then(1).else(eb('rate_limits.count', '+', 1)).end(),
          reset_at: eb.case().when(ended).then(nowMs + windowMs).else(eb.ref('rate_limits.reset_at')).end(),
        };
      }),
    )
    .returning(['count', 'reset_at'])
    .executeTakeFirstOrThrow();
  return { count: Number(row.count), resetAt: Number(row.reset_at) };
}

/** Deletes the counters whose window ended before `nowMs` (the cleanup job). */
export async function deleteExpiredRateLimits(db: Kysely<DB>, nowMs: number): Promise<number> {
  return Number((await db.deleteFrom('rate_limits').where('reset_at', '<', nowMs).executeTakeFirst()).numDeletedRows);
}
