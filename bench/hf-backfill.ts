/**
 * Replays Hugging Face's Daily Papers API from a folder of recorded responses (default ../shared/data/hf-daily)
 * on a local server and backfills a range of days into a fresh SQLite database, with no delay between requests:
 * what the importing side costs (papers/s, requests), then the same range again (a re-run: no request).
 *
 *   npx tsx bench/hf-backfill.ts [DATA_DIR] [FROM] [TO]
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase } from '../src/db/connection.ts';
import { migrate } from '../src/db/migrate.ts';
import { backfillHuggingFace } from '../src/harvest/hf-backfill.ts';

const dir = path.resolve(process.argv[2] ?? '../shared/data/hf-daily');
const from = process.argv[3] ?? '2025-01-01';
const to = process.argv[4] ?? '2025-03-31';
let requests = 0;
const server = createServer((req, res) => {
  requests++;
  const day = new URL(req.url ?? '/', 'http://x').searchParams.get('date') ?? '';
  const file = path.join(dir, `${day}.json`);
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(/^\d{4}-\d{2}-\d{2}$/.test(day) && existsSync(file) ? readFileSync(file) : '[]');
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const tmp = mkdtempSync(path.join(tmpdir(), 'bench-hf-backfill-'));
const database = await openDatabase({ engine: 'sqlite', path: path.join(tmp, 'b.db') });
await migrate(database);
const options = { apiUrl, from, to, delayMs: 0, timeoutMs: 30_000, retryAfterMaxMs: 0, userAgent: 'bench' };
const hooks = { signal: new AbortController().signal, now: () => new Date() };
for (const run of ['first run', 're-run']) {
  requests = 0;
  const t0 = performance.now();
  const s = await backfillHuggingFace(database, options, hooks);
  const sec = (performance.now() - t0) / 1000;
  console.log(`${run}: ${from}..${to}, ${s.days} days, ${requests} requests, ${s.entries} listings (${s.new} new papers) in ${sec.toFixed(2)} s: ${Math.round(s.entries / sec)} listings/s, ${(requests / sec).toFixed(1)} requests/s${s.error ? `; error: ${s.error}` : ''}`);
}
console.log(`with the default HARVEST_DELAY_SECONDS=3, the same range takes at least ${Number(await daysCount()) * 3} s of pauses: the pause, not the import, sets the pace`);
async function daysCount() {
  return (await database.db.selectFrom('hf_days').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n - 1;
}
await database.close();
server.close();
rmSync(tmp, { recursive: true, force: true });
