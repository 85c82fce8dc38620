/** The harvester's state: its position in each upstream list, and when GitHub stars were last read. */
import { sql, type Kysely, type Selectable } from 'kysely';
import type { DB, HarvestStateTable } from '../schema.ts';

type Db = Kysely<DB>;

export type HarvestState = Selectable<HarvestStateTable>;

export async function getHarvestState(db: Db, source: string): Promise<HarvestState | undefined> {
  return db.selectFrom('harvest_state').selectAll().where('source', '=', source).executeTakeFirst();
}

export async function listHarvestStates(db: Db): Promise<HarvestState[]> {
  return db.selectFrom('harvest_state').selectAll().orderBy('source').execute();
}

/** Writes a source's state; run it in the transaction that writes the page it describes. */
export async function saveHarvestState(db: Db, s: HarvestState): Promise<void> {
  const { source, ...rest } = s;
  await db.insertInto('harvest_state').values(s).onConflict((oc) => oc.column('source').doUpdateSet(rest)).execute();
}

/**
 * Repositories to read the stars of: GitHub URLs of papers, never read first, then the longest ago,
 * skipping those read after `readBefore`.
 */
export async function reposToRefresh(db: Db, readBefore: string, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('papers as p')
    .leftJoin('github_repos as g', 'g.url', 'p.github_repo')
    .select(['p.github_repo as url', (eb) => eb.fn.max('g.checked_at').as('checked_at')])
    .where('p.github_repo', 'like', 'https://github.com/%')
    .where((eb) => eb.or([eb('g.checked_at', 'is', null), eb('g.checked_at', '<', readBefore)]))
    .groupBy('p.github_repo')
    .orderBy(sql`coalesce(max(g.checked_at), '')`)
    .orderBy('p.github_repo')
    .limit(limit)
    .execute();
  return rows.map((r) => r.url!);
}

/** Records what was read of a repository; with stars, sets them on its papers. True when a paper changed. */
export async function saveRepoCheck(db: Db, url: string, status: 'ok' | 'missing' | 'error', stars: number | null, now: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const row = { url, status, stars, checked_at: now };
    await trx.insertInto('github_repos').values(row).onConflict((oc) => oc.column('url').doUpdateSet({ status, stars, checked_at: now })).execute();
    if (stars === null) return false;
    const r = await trx
      .updateTable('papers')
      .set({ github_stars: stars, modified_at: now })
      .where('github_repo', '=', url)
      .where((eb) => eb.or([eb('github_stars', 'is', null), eb('github_stars', '<>', stars)]))
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  });
}
