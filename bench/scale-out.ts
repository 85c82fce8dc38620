/**
 * One instance against three (docs/decisions/0023-scale-out-and-no-restarts.md): three real `dailypapers serve`
 * processes on one PostgreSQL database, driven by a closed loop of `--concurrency` clients in this process with a
 * mixed load, first all on one instance, then round-robin over the three (as a proxy in front would), alternating
 * for `--runs` rounds; prints the medians of throughput and p99 latency of each, and their ratio.
 *
 * The mix (per request): 60% anonymous reads (home, day page, paper page, paper API: the response cache's
 * ground), 20% signed-in reads (never cached), 10% upvotes toggled and 10% comments by `--accounts` members. Each
 * request carries an X-Forwarded-For from 10.0/16 (TRUST_PROXY=1: many clients behind one proxy, so the per-address
 * limits are not what is measured); answers other than 2xx/3xx are counted and printed.
 *
 *   npx tsx bench/scale-out.ts [--papers 5000] [--seconds 8] [--runs 3] [--concurrency 24] [--accounts 50]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '../src/db/connection.ts';
import { migrate } from '../src/db/migrate.ts';
import { importFiles, listInputFiles } from '../src/importers/import-files.ts';
import { createTestDatabase } from '../tests/helpers/db.ts';
import { sessionMember } from '../tests/helpers/members.ts';
import { startServe, type ServeProcess } from '../tests/helpers/serve.ts';
import { syntheticLine } from './synthetic.ts';

const { values } = parseArgs({
  options: {
    papers: { type: 'string', default: '5000' }, seconds: { type: 'string', default: '8' }, runs: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '24' }, accounts: { type: 'string', default: '50' },
  },
});
const PAPERS = Number(values.papers);
const SECONDS = Number(values.seconds);
const RUNS = Number(values.runs);
const CONCURRENCY = Number(values.concurrency);
const ACCOUNTS = Number(values.accounts);
const FIXTURES = path.resolve(import.meta.dirname, '../tests/fixtures');

const t = await createTestDatabase('postgres');
const dir = mkdtempSync(path.join(tmpdir(), 'dp-bench-scale-'));
const servers: ServeProcess[] = [];
try {
  const database = await openDatabase(t.config);
  await migrate(database);
  const snapshot = path.join(dir, 'snapshot.jsonl');
  writeFileSync(snapshot, Array.from({ length: PAPERS }, (_, i) => syntheticLine(i)).join('\n') + '\n');
  const ids = Array.from({ length: PAPERS }, (_, i) => (JSON.parse(syntheticLine(i)) as { id: string }).id);
  const t0 = Date.now();
  await importFiles(database, [...(await listInputFiles([path.join(FIXTURES, 'hf-daily')])), snapshot]);
  console.log(`imported ${PAPERS} synthetic papers + the Hugging Face fixtures in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  let target = '';
  const members = await Promise.all(Array.from({ length: ACCOUNTS }, (_, i) => sessionMember(database, () => target, `bench${i}`)));
  await database.close();

  servers.push(...(await Promise.all([0, 1, 2].map((i) => startServe({
    DATABASE_URL: t.url, EMBEDDER: 'none', JOBS_ENABLED: 'false', TRUST_PROXY: '1', EMBEDDINGS_DIR: path.join(dir, `i${i}`),
  })))));
  console.log(`3 serve processes on one PostgreSQL database; ${CONCURRENCY} clients, ${SECONDS} s a run, ${RUNS} runs each, alternating`);

  let rnd = 7;
  // The high bits of the LCG (its low bits repeat with short periods: few client addresses, the read limit hit).
  const rand = (n: number) => Math.floor(((rnd = (rnd * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * n);
  const xff = () => `10.0.${rand(256)}.${rand(256)}`;
  const paper = () => ids[rand(Math.min(ids.length, 500))]!; // a hot set, as real traffic has

  async function one(base: string): Promise<number> {
    const r = rand(100);
    const headers: Record<string, string> = { 'x-forwarded-for': xff() };
    let res: Response;
    if (r < 60) {
      const p = [`/`, `/papers/date/2025-11-04`, `/papers/${paper()}`, `/api/papers/${paper()}`][r % 4]!;
      res = await fetch(base + p, { headers });
    } else {
      const m = members[rand(members.length)]!;
      target = base;
      if (r < 80) res = await fetch(`${base}/papers/${paper()}`, { headers: { ...headers, cookie: m.cookie } });
      else {
        const action = r < 90 ? `/papers/${paper()}/vote` : `/papers/${paper()}/comments`;
        const fields: Record<string, string> = r < 90 ? { _csrf: m.csrf, value: String(rand(2)) } : { _csrf: m.csrf, body: `A remark ${rand(1e6)} on this paper.` };
        res = await fetch(base + action, { method: 'POST', redirect: 'manual', headers: { ...headers, cookie: m.cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
      }
    }
    await res.arrayBuffer();
    return res.status;
  }

  async function run(bases: readonly string[], seconds: number) {
    const latencies: number[] = [];
    const bad = new Map<number, number>();
    let next = 0;
    const end = performance.now() + seconds * 1000;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        const base = bases[next++ % bases.length]!;
        const s = performance.now();
        const status = await one(base);
        latencies.push(performance.now() - s);
        if (status >= 400) bad.set(status, (bad.get(status) ?? 0) + 1);
      }
    }));
    latencies.sort((a, b) => a - b);
    return { rps: latencies.length / seconds, p99: latencies[Math.floor(latencies.length * 0.99)] ?? 0, bad };
  }

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const results: Record<'one' | 'three', { rps: number; p99: number }[]> = { one: [], three: [] };
  const all = servers.map((s) => s.url);
  await run(all, 2); // warm-up: JIT, pools, caches on every instance
  for (let i = 0; i < RUNS; i++) {
    for (const [name, bases] of [['one', [all[0]!]], ['three', all]] as const) {
      const r = await run(bases, SECONDS);
      results[name].push(r);
      console.log(`run ${i + 1} ${name === 'one' ? '1 instance ' : '3 instances'}: ${r.rps.toFixed(0)} req/s, p99 ${r.p99.toFixed(1)} ms${r.bad.size ? `; errors ${[...r.bad].map(([s, n]) => `${s}×${n}`).join(' ')}` : ''}`);
    }
  }
  const one1 = { rps: median(results.one.map((r) => r.rps)), p99: median(results.one.map((r) => r.p99)) };
  const three = { rps: median(results.three.map((r) => r.rps)), p99: median(results.three.map((r) => r.p99)) };
  console.log(`\nmedians of ${RUNS} runs (${PAPERS} papers, ${CONCURRENCY} clients):`);
  console.log(`  1 instance : ${one1.rps.toFixed(0)} req/s, p99 ${one1.p99.toFixed(1)} ms`);
  console.log(`  3 instances: ${three.rps.toFixed(0)} req/s, p99 ${three.p99.toFixed(1)} ms`);
  console.log(`  ratio 3/1  : throughput ×${(three.rps / one1.rps).toFixed(2)}, p99 ×${(three.p99 / one1.p99).toFixed(2)}`);
} finally {
  await Promise.all(servers.map((s) => s.stop()));
  await t.drop();
  rmSync(dir, { recursive: true, force: true });
}
