/**
 * Readiness probe cost: what /healthz used to run (counting every paper) against what it runs now
 * (`select 1`), on an existing database, median of N runs each, in the same process.
 *
 *   npx tsx bench/healthz.ts DATABASE_URL [N=20]
 */
import { openDatabase } from '../src/db/connection.ts';
import { parseDatabaseUrl } from '../src/config.ts';
import { ping } from '../src/db/queries/health.ts';
import { countPapers } from '../src/db/queries/papers.ts';

const [url, runs = '20'] = process.argv.slice(2);
if (!url) {
  console.error('usage: npx tsx bench/healthz.ts DATABASE_URL [N]');
  process.exit(2);
}
const database = await openDatabase(parseDatabaseUrl(url));
const median = async (fn: () => Promise<unknown>) => {
  const ms: number[] = [];
  for (let i = 0; i < Number(runs); i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  return ms.sort((a, b) => a - b)[Math.floor(ms.length / 2)]!;
};
const papers = await countPapers(database.db);
const before = await median(() => countPapers(database.db));
const after = await median(() => ping(database.db));
console.log(`${database.engine}, ${papers} papers: count ${before.toFixed(2)} ms, select 1 ${after.toFixed(3)} ms (median of ${runs}; ${(before / after).toFixed(0)}x)`);
await database.close();
