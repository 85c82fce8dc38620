/**
 * The planner's statistics after bulk writes (docs/decisions/0047-keyword-search-at-one-million.md, 0048). On
 * PostgreSQL, right after a big import and until autovacuum got to the tables, searches were planned on the
 * statistics of the tables before it: at 1M papers freshly imported, a rare word's count ran as a sequential
 * scan (2–3.6 s a search). Every way papers arrive in bulk (files, finished interrupted runs, the Hugging Face
 * backfill, the arXiv harvest) reports what it wrote here, at the end of each of its units (a file, a day, a
 * page); once the papers written since the last refresh reach ANALYZE_AFTER_PAPERS and a tenth of the table
 * (autovacuum's own default scale, applied now instead of at its next round), the tables are analyzed.
 * A backfill of a thousand days of fifty papers thus refreshes them as it goes, not only a single big file.
 */
import type { Database } from '../db/connection.ts';
import { analyzedPapers, refreshStatistics } from '../db/queries/import-runs.ts';
import type { BatchCounts } from '../db/queries/papers.ts';

/** Fewer papers than this never refresh the statistics: a day's list is left to autovacuum. */
export const ANALYZE_AFTER_PAPERS = 5_000;
/** …nor fewer than this share of the papers the statistics were taken on (autovacuum_analyze_scale_factor's default). */
export const ANALYZE_SCALE = 0.1;

/** Papers written by this process since its last refresh, per database. */
const written = new WeakMap<Database, number>();

/**
 * Counts the papers a unit of bulk work wrote, and refreshes the statistics when that makes them due. Never
 * throws: the papers are in, and a refresh that fails (the database went away) is left to autovacuum.
 */
export async function wrotePapers(database: Database, counts: Pick<BatchCounts, 'new' | 'updated'>): Promise<void> {
  if (database.engine !== 'postgres') return;
  const n = (written.get(database) ?? 0) + counts.new + counts.updated;
  written.set(database, n);
  if (n < ANALYZE_AFTER_PAPERS) return;
  try {
    if (n < ANALYZE_SCALE * (await analyzedPapers(database.db))) return;
    await refreshStatistics(database.db);
    written.set(database, 0);
  } catch (e) {
    console.warn(`refreshing the planner's statistics after ${n} papers failed (autovacuum will): ${(e as Error).message}`);
  }
}
