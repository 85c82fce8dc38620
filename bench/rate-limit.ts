/**
 * Rate-limit stores: (1) a flood of distinct client keys against the in-memory store, next to the previous
 * limiter (a Map swept in full on every new key past 100k, copied below as the baseline): time per new key
 * once 100k are live, and the keys and heap held after --keys distinct keys (the previous one: all of them); (2) one hit in each shared store (SQLite file, PostgreSQL, Redis), next to the memory store, which
 * is why the read tier stays in memory unless Redis is set.
 *
 *   npx tsx bench/rate-limit.ts [--keys 1000000] [--hits 3000] [--postgres postgres://postgres@127.0.0.1:5432/postgres] [--redis redis://127.0.0.1:6379]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openDatabase } from '../src/db/connection.ts';
import { migrate } from '../src/db/migrate.ts';
import { databaseStore, MemoryStore, redisStore, type SharedStore } from '../src/http/middleware/rate-limit-stores.ts';

const { values } = parseArgs({
  options: {
    keys: { type: 'string', default: '1000000' },
    hits: { type: 'string', default: '3000' },
    postgres: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
  },
});
const KEYS = Number(values.keys);
const PREFILL = 100_001;
const NEW = 500;
const HITS = Number(values.hits);

/** The limiter before this change, as it was (the baseline). */
class SweepingLimiter {
  private windows = new Map<string, { count: number; resetAt: number }>();
  hit(key: string, windowMs: number, nowMs: number) {
    let w = this.windows.get(key);
    if (!w || w.resetAt <= nowMs) {
      w = { count: 0, resetAt: nowMs + windowMs };
      this.windows.set(key, w);
      if (this.windows.size > 100_000) for (const [k, v] of this.windows) if (v.resetAt <= nowMs) this.windows.delete(k);
    }
    w.count++;
    return w;
  }
  get size() {
    return this.windows.size;
  }
}

function heapMb(): number {
  global.gc?.();
  return process.memoryUsage().heapUsed / 1e6;
}

/** Fills the store with PREFILL live keys, then times NEW more distinct keys (the steady state of a flood). */
function flood(name: string, store: { hit(k: string, w: number, n: number): unknown; size: number }, total: number) {
  const before = heapMb();
  // One-minute windows; a new address every 0.1 ms of simulated time (600k new clients a minute).
  for (let i = 0; i < PREFILL; i++) store.hit(`read:ip:${i}`, 60_000, i / 10);
  const t0 = performance.now();
  for (let i = PREFILL; i < PREFILL + NEW; i++) store.hit(`read:ip:${i}`, 60_000, i / 10);
  const perHitUs = ((performance.now() - t0) * 1000) / NEW;
  for (let i = PREFILL + NEW; i < total; i++) store.hit(`read:ip:${i}`, 60_000, i / 10);
  return { name, perHitUs, keys: store.size, heapMb: heapMb() - before, total };
}

async function perHit(name: string, store: SharedStore): Promise<{ name: string; perHitUs: number }> {
  for (let i = 0; i < 200; i++) await store.hit(`warm:${i % 20}`, 60_000, Date.now());
  const t0 = performance.now();
  for (let i = 0; i < HITS; i++) await store.hit(`auth:ip:${i % 500}`, 60_000, Date.now());
  return { name, perHitUs: ((performance.now() - t0) * 1000) / HITS };
}

console.log(`flood: ${PREFILL} live keys, then ${NEW} new ones timed${global.gc ? '' : ' (run with --expose-gc for steadier heap figures)'}`);
const old = flood('previous (full sweep past 100k)', new SweepingLimiter(), PREFILL + NEW);
const mem = flood('memory store (cap 100k, O(1))', new MemoryStore(), KEYS);
for (const r of [old, mem]) console.log(`  ${r.name.padEnd(34)} ${r.perHitUs.toFixed(2).padStart(8)} µs/hit  ${String(r.keys).padStart(7)} keys held after ${r.total}  ${r.heapMb.toFixed(0).padStart(4)} MB heap`);
console.log(`  ratio previous / memory store: ${(old.perHitUs / mem.perHitUs).toFixed(0)}× the time per hit`);

console.log(`\none hit, sequential, ${HITS} hits over 500 keys`);
const rows: { name: string; perHitUs: number }[] = [];
const memStore = new MemoryStore();
{
  const t0 = performance.now();
  for (let i = 0; i < HITS; i++) memStore.hit(`auth:ip:${i % 500}`, 60_000, Date.now());
  rows.push({ name: 'memory', perHitUs: ((performance.now() - t0) * 1000) / HITS });
}
const dir = mkdtempSync(path.join(tmpdir(), 'dp-bench-rl-'));
try {
  const sqlite = await openDatabase({ engine: 'sqlite', path: path.join(dir, 'bench.db') });
  await migrate(sqlite);
  rows.push(await perHit('database: SQLite file (WAL)', databaseStore(sqlite)));
  await sqlite.close();

  const name = `dp_bench_rl_${process.pid}`;
  const admin = new pg.Client({ connectionString: values.postgres });
  await admin.connect();
  await admin.query(`create database ${name}`);
  try {
    const url = new URL(values.postgres!);
    url.pathname = `/${name}`;
    const postgres = await openDatabase({ engine: 'postgres', url: url.toString() });
    await migrate(postgres);
    rows.push(await perHit('database: PostgreSQL (UNLOGGED)', databaseStore(postgres)));
    await postgres.close();
  } finally {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }

  const prefix = `dp-bench:${process.pid}:`;
  const redis = await redisStore(values.redis!, prefix);
  try {
    rows.push(await perHit('Redis (Lua INCR + PEXPIRE)', redis));
  } catch (e) {
    console.log(`  Redis: skipped (${(e as Error).message})`);
  }
  await redis.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const base = rows[0]!.perHitUs;
for (const r of rows) console.log(`  ${r.name.padEnd(34)} ${r.perHitUs.toFixed(1).padStart(8)} µs/hit  ${(r.perHitUs / base).toFixed(0).padStart(6)}× memory`);
