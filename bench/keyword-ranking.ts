/**
 * Keyword ranking at scale on SQLite (docs/decisions/0044-ranking-at-scale.md): the queries of
 * bench/search-speed.ts (1–5 words from the text model learned from the real Hugging Face files, equal
 * numbers of each length, fixed seed) through the site's search() in keyword mode, one results page (10),
 * on an existing SQLite database, alternating per query between the two rankings:
 *   - bm25_idf: cached IDFs, and a tier of more than RANK_WINDOW matches ranked in bands (the site's default);
 *   - bm25: FTS5's bm25() over every match (SQLITE_RANK_EXTENSION=off: the ranking before decision 0044).
 * Prints p50/p95/p99 of each and the ratios, the time of a `select 1` as the floor, and how many of each
 * query's top 10 the two rankings share.
 *
 *   npm run bench:keyword-ranking -- --db FILE [--hf-daily DIR] [--queries 300] [--warmup 50]
 *
 * Any database the importer filled works, e.g. bench:search-speed's kept `--work DIR/bench.db` or
 * bench:search-quality's `--work DIR/quality.db`.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { openDatabase, type Database } from '../src/db/connection.ts';
import { search } from '../src/search/hybrid.ts';
import { learnTextModel, sampleQuery, seeded } from './text-model.ts';

const { values: args } = parseArgs({
  options: {
    db: { type: 'string' },
    'hf-daily': { type: 'string', default: '../shared/data/hf-daily' },
    queries: { type: 'string', default: '300' },
    warmup: { type: 'string', default: '50' },
  },
});
if (!args.db) throw new Error('--db FILE: an SQLite database filled by the importer');

async function open(extension: boolean): Promise<Database> {
  process.env.SQLITE_RANK_EXTENSION = extension ? 'on' : 'off';
  const database = await openDatabase({ engine: 'sqlite', path: path.resolve(args.db!) });
  if (database.rankWithIdf !== extension) throw new Error(extension ? 'bm25_idf is not built: run node scripts/build-native.mjs' : 'SQLITE_RANK_EXTENSION=off was not honoured');
  return database;
}

const model = learnTextModel(path.resolve(args['hf-daily']!));
const list = (n: number, seed: number) => {
  const rand = seeded(seed);
  return Array.from({ length: n }, (_, i) => sampleQuery(model, rand, (i % 5) + 1));
};
const queries = list(Number(args.queries), 42);
const warmup = list(Number(args.warmup), 7);
const variants = { bm25_idf: await open(true), bm25: await open(false) };
const papers = Number((await sql<{ n: number }>`select count(*) as n from papers`.execute(variants.bm25_idf.db)).rows[0]!.n);
console.log(`${path.resolve(args.db)}: ${papers.toLocaleString('en-US')} papers; ${queries.length} queries after ${warmup.length} warm-up ones`);

const run = async (database: Database, q: string) => {
  const t = performance.now();
  const r = await search({ database, semantic: null }, { q, mode: 'keyword', limit: 10, offset: 0 });
  return { ms: performance.now() - t, ids: r.kind === 'results' ? r.hits.map((h) => h.paperId) : [] };
};
for (const q of warmup) for (const d of Object.values(variants)) await run(d, q);

const ms: Record<keyof typeof variants, number[]> = { bm25_idf: [], bm25: [] };
const floor: number[] = [];
let shared = 0;
let compared = 0;
for (const [i, q] of queries.entries()) {
  // Alternate which goes first, so neither always finds the pages the other just read.
  const order = (i % 2 === 0 ? ['bm25_idf', 'bm25'] : ['bm25', 'bm25_idf']) as (keyof typeof variants)[];
  const got: Record<string, string[]> = {};
  for (const name of order) {
    const r = await run(variants[name], q);
    ms[name].push(r.ms);
    got[name] = r.ids;
  }
  const t = performance.now();
  await sql`select 1`.execute(variants.bm25.db);
  floor.push(performance.now() - t);
  const a = new Set(got.bm25!);
  if (a.size > 0) {
    compared += a.size;
    shared += got.bm25_idf!.filter((id) => a.has(id)).length;
  }
}

const pct = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: s.at(-1)! };
};
const f = (x: number) => x.toFixed(1).padStart(8);
console.log(`${'ranking'.padEnd(10)}      p50      p95      p99      max   (ms)`);
for (const [name, xs] of [...Object.entries(ms), ['select 1', floor]] as [string, number[]][]) {
  const p = pct(xs);
  console.log(`${name.padEnd(10)} ${f(p.p50)} ${f(p.p95)} ${f(p.p99)} ${f(p.max)}`);
}
const a = pct(ms.bm25_idf);
const b = pct(ms.bm25);
console.log(`bm25_idf / bm25: p50 ×${(a.p50 / b.p50).toFixed(2)}, p95 ×${(a.p95 / b.p95).toFixed(2)}, p99 ×${(a.p99 / b.p99).toFixed(2)}`);
console.log(`top-10 shared with bm25 over every match: ${shared} of ${compared} (${((100 * shared) / Math.max(1, compared)).toFixed(1)}%)`);
console.log(`targets (issue 17, keyword at 1M): p95 ≤ 50 ms ${a.p95 <= 50 ? 'met' : 'NOT met'}, p99 ≤ 150 ms ${a.p99 <= 150 ? 'met' : 'NOT met'}`);
for (const d of Object.values(variants)) await d.close();
