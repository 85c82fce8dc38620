/**
 * PostgreSQL's planner statistics after bulk imports (src/importers/statistics.ts): many small files, each
 * merged in one transaction, refresh them once together they reach ANALYZE_AFTER_PAPERS, as one big file does
 * (the writers test). Before, only a single file of that size did, and a backfill of small days never did.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { syntheticLine } from '../../bench/synthetic.ts';
import type { Database } from '../../src/db/connection.ts';
import { importFiles } from '../../src/importers/import-files.ts';
import { BATCH_SIZE } from '../../src/importers/staged.ts';
import { ANALYZE_AFTER_PAPERS } from '../../src/importers/statistics.ts';
import { openTestDatabase } from '../helpers/db.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'dailypapers-statistics-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Snapshot files of BATCH_SIZE lines each (one transaction apiece), from line `from` on. */
function smallFiles(from: number, n: number): string[] {
  return Array.from({ length: n }, (_, f) => {
    const file = path.join(dir, `day-${from + f * BATCH_SIZE}.json`);
    const lines = Array.from({ length: BATCH_SIZE }, (_, i) => syntheticLine(from + f * BATCH_SIZE + i));
    writeFileSync(file, lines.join('\n') + '\n');
    return file;
  });
}

describe('planner statistics after many small imports on postgres', () => {
  let database: Database;
  before(async () => {
    database = await openTestDatabase('postgres');
  });
  after(() => database.close());

  /** Manual ANALYZEs of the papers table so far (autovacuum's own are counted apart). */
  const analyses = async () => {
    await sql`select pg_stat_clear_snapshot()`.execute(database.db);
    const r = await sql<{ n: number }>`select analyze_count::int as n from pg_stat_user_tables where relname = 'papers'`.execute(database.db);
    return Number(r.rows[0]!.n);
  };

  test('files of one transaction each refresh the statistics once their papers together reach the threshold', async () => {
    const files = Math.ceil(ANALYZE_AFTER_PAPERS / BATCH_SIZE);
    const first = smallFiles(0, files - 1);
    const below = await importFiles(database, first);
    assert.equal(below.new, (files - 1) * BATCH_SIZE);
    assert.equal(await analyses(), 0, 'fewer papers than the threshold are left to autovacuum');

    const last = await importFiles(database, smallFiles((files - 1) * BATCH_SIZE, 1));
    assert.equal(last.new, BATCH_SIZE);
    assert.equal(await analyses(), 1, 'the file that reached the threshold refreshed the statistics');

    // Re-importing the same papers writes nothing, so it is no reason to analyze again.
    const again = await importFiles(database, first.slice(0, 2));
    assert.equal(again.unchanged, 2 * BATCH_SIZE, JSON.stringify(again));
    assert.equal(await analyses(), 1);
  });
});
