/**
 * What the request log and /metrics cost (docs/decisions/0022-operations.md): requests a second with and without
 * them, on the same database in the same process, alternating, the median of several rounds each. The log goes
 * to /dev/null through pino's synchronous destination (what `serve` uses on stdout), so the cost of writing it
 * counts but no terminal or file does.
 *
 *   npx tsx bench/observability.ts [--rounds 5] [--duration 4] [--connections 10] [--path /papers/date/2024-12-10]
 *
 * The database is SQLite with the test fixtures (tests/fixtures/hf-daily); the page is answered from the page
 * cache after its first request, so the fixed cost per request is what shows. The load generator shares the CPU.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import { pino } from 'pino';
// @ts-ignore autocannon ships no type declarations.
import autocannonUntyped from 'autocannon';
import { openDatabase } from '../src/db/connection.ts';
import { migrate } from '../src/db/migrate.ts';
import { createMailer } from '../src/email/mailer.ts';
import { createApp, type AppDeps } from '../src/http/app.ts';
import { importFiles, listInputFiles } from '../src/importers/import-files.ts';
import { createLogger } from '../src/ops/log.ts';
import { Metrics } from '../src/ops/metrics.ts';

const autocannon = autocannonUntyped as (o: { url: string; connections: number; duration: number }) => Promise<{ requests: { average: number }; non2xx: number; errors: number }>;
const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, duration: { type: 'string', default: '4' }, connections: { type: 'string', default: '10' }, path: { type: 'string', default: '/papers/date/2024-12-10' } } });

const dir = mkdtempSync(path.join(tmpdir(), 'dp-bench-obs-'));
const database = await openDatabase({ engine: 'sqlite', path: path.join(dir, 'bench.db') });
await migrate(database);
await importFiles(database, await listInputFiles([path.resolve(import.meta.dirname, '../tests/fixtures/hf-daily')]));
const site = { name: 'Daily Papers', curators: null, publicUrl: 'http://bench.test' };
const generous = { limit: 1e9, windowSeconds: 60 };
const base: AppDeps = {
  database, site, mailer: createMailer(database, { smtpUrl: null, from: 'bench <b@bench.test>' }),
  rateLimits: { read: { name: 'read', ...generous }, write: { name: 'write', ...generous }, auth: { name: 'auth', ...generous }, login: { name: 'login', ...generous } },
};
const listen = (deps: AppDeps) => new Promise<{ url: string; close: () => void }>((resolve) => {
  const s = serve({ fetch: createApp(deps).fetch, port: 0, hostname: '127.0.0.1' }, (info) => resolve({ url: `http://127.0.0.1:${info.port}${args.path}`, close: () => s.close() }));
});
const servers = {
  plain: await listen(base),
  observed: await listen({ ...base, log: createLogger({ level: 'info', destination: pino.destination({ dest: '/dev/null', sync: true }), pretty: false }), metrics: new Metrics(database) }),
};
const runs: Record<keyof typeof servers, number[]> = { plain: [], observed: [] };
for (const s of Object.values(servers)) await autocannon({ url: s.url, connections: Number(args.connections), duration: 1 }); // warm up, fill the cache
for (let round = 0; round < Number(args.rounds); round++) {
  // Alternate which goes first, so that neither always runs on a warmer or quieter machine.
  const order = (round % 2 === 0 ? ['plain', 'observed'] : ['observed', 'plain']) as (keyof typeof servers)[];
  for (const name of order) {
    const r = await autocannon({ url: servers[name].url, connections: Number(args.connections), duration: Number(args.duration) });
    if (r.non2xx > 0 || r.errors > 0) throw new Error(`${name}: ${r.non2xx} non-2xx answers, ${r.errors} errors`);
    runs[name].push(r.requests.average);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const [plain, observed] = [median(runs.plain), median(runs.observed)];
console.log(`GET ${args.path} (cached), ${args.connections} connections, ${args.rounds} rounds of ${args.duration} s:`);
console.log(`  without log and metrics: ${plain.toFixed(0)} req/s  (runs: ${runs.plain.map((x) => x.toFixed(0)).join(', ')})`);
console.log(`  with log and metrics:    ${observed.toFixed(0)} req/s  (runs: ${runs.observed.map((x) => x.toFixed(0)).join(', ')})`);
console.log(`  cost: ${(((plain - observed) / plain) * 100).toFixed(1)}% of throughput, ${((1e6 / observed - 1e6 / plain)).toFixed(1)} µs per request`);
for (const s of Object.values(servers)) s.close();
await database.close();
rmSync(dir, { recursive: true, force: true });
