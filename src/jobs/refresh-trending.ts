/**
 * refresh-trending: the trending ranking is computed when a page asks for it, but pages are cached until
 * the data version changes (src/http/middleware/response-cache.ts), and the ranking also changes when
 * nothing is written: scores decay with age. This job ranks the candidates (one query over the trending
 * window) and, when the order of the top papers is not the one it saw last, bumps the data version so
 * that every instance's cache lets go of the stale trending page, feeds and API answers.
 */
import { sql } from 'kysely';
import type { Database } from '../db/connection.ts';
import { bumpDataVersion } from '../db/queries/papers.ts';
import { trendingListings } from '../http/handlers/trending.ts';

/** How many of the top papers' order is watched (the first pages and the feeds). */
export const TRENDING_WATCHED = 100;
const STATE_KEY = 'trending_order';

/** FNV-1a over the ids in order, as a signed 32-bit integer (site_state holds integers). */
export function orderHash(ids: string[]): number {
  let h = 0x811c9dc5;
  for (const ch of ids.join('\n')) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

export async function refreshTrending(database: Database, now: Date): Promise<string> {
  const { db } = database;
  const ids = (await trendingListings(database, now)).slice(0, TRENDING_WATCHED).map((l) => l.paper.id);
  const hash = orderHash(ids);
  const before = await db.selectFrom('site_state').select('value').where('key', '=', STATE_KEY).executeTakeFirst();
  if (before && Number(before.value) === hash) return `${ids.length} trending papers, order unchanged`;
  await db
    .insertInto('site_state')
    .values({ key: STATE_KEY, value: hash })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: sql`excluded.value` }))
    .execute();
  if (before) await bumpDataVersion(db);
  return `${ids.length} trending papers, ${before ? 'order changed: cached pages refreshed' : 'order recorded'}`;
}
