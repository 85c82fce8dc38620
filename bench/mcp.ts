/**
 * The agent interface's overhead: an MCP tool call through the SDK's client (one stateless POST /mcp, a fresh
 * server per request) against the equivalent REST call, over real HTTP on one SQLite database with real
 * Hugging Face daily lists imported. Medians of N sequential calls each, interleaved, and their ratio.
 *
 *   npx tsx bench/mcp.ts ../shared/data [--days 60] [--runs 300]
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { openDatabase } from '../src/db/connection.ts';
import { migrate } from '../src/db/migrate.ts';
import { createMailer } from '../src/email/mailer.ts';
import { createApp } from '../src/http/app.ts';
import { importFiles, listInputFiles } from '../src/importers/import-files.ts';
import { latestListingDay, listingsInRange } from '../src/db/queries/lists.ts';

const args = process.argv.slice(2);
const data = args.find((a) => !a.startsWith('--'));
const opt = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
if (!data) {
  console.error('usage: npx tsx bench/mcp.ts ../shared/data [--days 60] [--runs 300]');
  process.exit(2);
}
const days = opt('days', 60);
const runs = opt('runs', 300);

const dir = mkdtempSync(path.join(tmpdir(), 'dailypapers-bench-mcp-'));
const database = await openDatabase({ engine: 'sqlite', path: path.join(dir, 'bench.db') });
await migrate(database);
const hfDir = path.join(data, 'hf-daily');
const files = readdirSync(hfDir).filter((f) => f.endsWith('.json')).sort().slice(-days).map((f) => path.join(hfDir, f));
await importFiles(database, await listInputFiles(files));
const day = (await latestListingDay(database.db))!;
const paper = (await listingsInRange(database.db, { from: day, to: day }, { limit: 1, offset: 0 }, 'upvotes')).items[0]!.paper.id;

const generous = { limit: 10_000_000, windowSeconds: 60 };
const app = createApp({
  database, site: { name: 'Bench', curators: null, publicUrl: 'http://bench.test' },
  mailer: createMailer(database, { smtpUrl: null, from: 'Bench <b@bench.test>' }),
  rateLimits: { read: { name: 'read', ...generous }, write: { name: 'write', ...generous }, auth: { name: 'auth', ...generous }, login: { name: 'login', ...generous } },
});
const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
  const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
});
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const client = new Client({ name: 'bench', version: '1' });
await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', base)));

const pairs: { name: string; mcp: () => Promise<unknown>; rest: () => Promise<unknown> }[] = [
  {
    name: `paper_details ${paper} vs GET /api/papers/${paper}`,
    mcp: () => client.callTool({ name: 'paper_details', arguments: { id: paper } }),
    rest: () => fetch(`${base}/api/papers/${paper}`).then((r) => r.json()),
  },
  {
    name: `daily_papers ${day} vs GET /api/daily_papers?date=${day}`,
    mcp: () => client.callTool({ name: 'daily_papers', arguments: { date: day, limit: 30 } }),
    rest: () => fetch(`${base}/api/daily_papers?date=${day}&limit=30`).then((r) => r.json()),
  },
  {
    name: `read_paper ${paper} vs GET /papers/${paper}.md`,
    mcp: () => client.callTool({ name: 'read_paper', arguments: { id: paper } }),
    rest: () => fetch(`${base}/papers/${paper}.md`).then((r) => r.text()),
  },
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const time = async (fn: () => Promise<unknown>) => {
  const t = performance.now();
  await fn();
  return performance.now() - t;
};
console.log(`SQLite, ${files.length} days of lists imported; ${runs} calls each, interleaved, after 20 warm-up calls`);
for (const p of pairs) {
  for (let i = 0; i < 20; i++) await p.mcp(), await p.rest();
  const mcp: number[] = [];
  const rest: number[] = [];
  for (let i = 0; i < runs; i++) {
    mcp.push(await time(p.mcp));
    rest.push(await time(p.rest));
  }
  const m = median(mcp);
  const r = median(rest);
  console.log(`${p.name}: MCP ${m.toFixed(2)} ms, REST ${r.toFixed(2)} ms (median; MCP/REST ${(m / r).toFixed(2)}x)`);
}
const connect = async () => {
  const c = new Client({ name: 'bench', version: '1' });
  await c.connect(new StreamableHTTPClientTransport(new URL('/mcp', base)));
  await c.close();
};
const connects: number[] = [];
for (let i = 0; i < 50; i++) connects.push(await time(connect));
console.log(`connect (initialize + initialized): ${median(connects).toFixed(2)} ms median of 50`);

await client.close();
await new Promise((resolve) => server.close(resolve));
await database.close();
rmSync(dir, { recursive: true, force: true });
