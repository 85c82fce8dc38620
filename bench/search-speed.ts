/**
 * Search speed at scale (issue 5, §6): a synthetic corpus of N papers with realistic text (the word-bigram
 * model of bench/text-model.ts, learned from the real Hugging Face Daily Papers files), imported with the
 * real importer into a fresh database on each engine; then the same fixed list of 1–5-word queries (equal
 * numbers of each length) through the site's one search function, `search()` of src/search/hybrid.ts, in
 * keyword, semantic and hybrid mode (limit 10: one results page, with its total count), after a warm-up.
 *
 * Prints, per engine: import time, keyword index build time (alone) and size; built-in embedder training
 * time (once, on the first engine; the model file is reused for the next), embedding rate, vector index
 * build time and file size; p50/p95/p99 per mode, against baselines measured in the same run (a `select 1`
 * round trip on the engine; embedding a query; a bare usearch query); peak RSS.
 *
 *   npm run bench:search-speed -- [HF_DAILY_DIR] [--papers 100000] [--engines sqlite,postgres]
 *        [--database-url postgres://…] [--queries 300] [--skip-semantic] [--work DIR]
 *
 * HF_DAILY_DIR defaults to ../shared/data/hf-daily. PostgreSQL: a fresh database `dailypapers_bench_PID`
 * on postgres://postgres@127.0.0.1:5432 (dropped afterwards), unless --database-url is given (then that
 * database is used as it is and must be empty). Files go to a temporary folder, removed at the end.
 * With --work DIR, the corpus, the SQLite file, the model and the vector index files are kept in DIR and the
 * PostgreSQL database `dailypapers_bench_work_N` is kept: a second run reuses whatever is there (no import,
 * training or index build), to measure query changes quickly.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { parseDatabaseUrl } from '../src/config.ts';
import { openDatabase, type Database } from '../src/db/connection.ts';
import { migrate } from '../src/db/migrate.ts';
import { importFiles } from '../src/importers/import-files.ts';
import { setSiteModel } from '../src/db/queries/embedding-models.ts';
import { builtinEmbedder, trainBuiltinModel } from '../src/search/embedders/builtin.ts';
import { parseLsa } from '../src/search/embedders/lsa.ts';
import { embedPending } from '../src/search/embed-pending.ts';
import { search, type SearchMode } from '../src/search/hybrid.ts';
import { VectorIndex, type AnnIndex } from '../src/search/vectors.ts';
import { writeCorpus } from './search-corpus.ts';
import { learnTextModel, sampleQuery, seeded } from './text-model.ts';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    papers: { type: 'string', default: '100000' },
    engines: { type: 'string', default: 'sqlite,postgres' },
    'database-url': { type: 'string' },
    queries: { type: 'string', default: '300' },
    'skip-semantic': { type: 'boolean', default: false },
    warmup: { type: 'string', default: '50' },
    work: { type: 'string' },
  },
});
const hfDir = path.resolve(positionals[0] ?? '../shared/data/hf-daily');
const nPapers = Number(args.papers);
const nQueries = Number(args.queries);
const engines = args.engines!.split(',').map((e) => e.trim()).filter(Boolean);
const skipSemantic = args['skip-semantic']!;
const PAGE = 10;

const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const rssMB = () => process.resourceUsage().maxRSS / 1024;
const fileSize = (f: string) => {
  try {
    return statSync(f).size;
  } catch {
    return 0;
  }
};
const dirSize = (prefix: string) => ['', '-wal', '-shm'].reduce((s, x) => s + fileSize(prefix + x), 0);

function percentiles(ms: number[]): { p50: number; p95: number; p99: number; max: number } {
  const s = [...ms].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: s.at(-1)! };
}

/** The query list: equal numbers of 1-, 2-, 3-, 4- and 5-word queries, fixed seed, interleaved. */
function queryList(model: ReturnType<typeof learnTextModel>, n: number, seed: number): string[] {
  const rand = seeded(seed);
  return Array.from({ length: n }, (_, i) => sampleQuery(model, rand, (i % 5) + 1));
}

interface Row {
  what: string;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  note: string;
}

async function main(): Promise<void> {
  const work = args.work ? path.resolve(args.work) : null;
  if (work) mkdirSync(work, { recursive: true });
  const tmp = work ?? mkdtempSync(path.join(tmpdir(), 'dailypapers-search-speed-'));
  const t0 = performance.now();
  try {
    const model = learnTextModel(hfDir);
    const corpus = path.join(tmp, `corpus-${nPapers}.jsonl`);
    let t = performance.now();
    if (work && existsSync(corpus)) console.log(`corpus: ${corpus} reused`);
    else {
      await writeCorpus(model, corpus, nPapers);
      console.log(`corpus: ${nPapers} papers (${mb(fileSize(corpus))}) written in ${sec(performance.now() - t)}; text model from ${hfDir} (${model.vocabulary.length} words)`);
    }
    const queries = queryList(model, nQueries, 42);
    const warmup = queryList(model, Number(args.warmup), 7);
    let lsaFile: string | null = null;
    const tables: [string, Row[]][] = [];

    for (const engine of engines) {
      console.log(`\n== ${engine}`);
      let url: string;
      let drop = () => {};
      if (engine === 'sqlite') url = `sqlite:${path.join(tmp, 'bench.db')}`;
      else if (args['database-url']) url = args['database-url'];
      else {
        const admin = 'postgres://postgres@127.0.0.1:5432/postgres';
        const name = work ? `dailypapers_bench_work_${nPapers}` : `dailypapers_bench_${process.pid}`;
        const exists = execFileSync('psql', [admin, '-tAc', `select 1 from pg_database where datname = '${name}'`]).toString().trim() === '1';
        if (!exists) execFileSync('psql', [admin, '-qc', `create database ${name}`]);
        url = `postgres://postgres@127.0.0.1:5432/${name}`;
        if (!work) drop = () => execFileSync('psql', [admin, '-qc', `drop database if exists ${name} with (force)`]);
      }
      const database = await openDatabase(parseDatabaseUrl(url));
      let index: VectorIndex | null = null;
      try {
        await migrate(database);
        const have = Number((await sql<{ n: number }>`select count(*) as n from papers`.execute(database.db)).rows[0]!.n);
        if (work && have === nPapers) console.log(`import: ${have} papers already in the kept database`);
        else {
          t = performance.now();
          const r = await importFiles(database, [corpus], { format: 'arxiv-snapshot' });
          if (r.rejected > 0) throw new Error(r.rejections[0]!.reason);
          const importMs = performance.now() - t;
          console.log(`import: ${r.new} papers in ${sec(importMs)} (${(r.new / (importMs / 1000)).toFixed(0)} papers/s, keyword index kept by triggers)`);
          await keywordIndexFigures(database, tmp);
        }

        if (!skipSemantic) {
          if (!lsaFile && work && existsSync(path.join(tmp, 'bench.lsa-model.bin'))) {
            lsaFile = path.join(tmp, 'bench.lsa-model.bin');
            console.log(`built-in embedder: ${lsaFile} reused`);
          } else if (!lsaFile) {
            lsaFile = path.join(tmp, 'bench.lsa-model.bin');
            const trained = await trainBuiltinModel(database);
            writeFileSync(lsaFile, trained.bytes);
            console.log(`built-in embedder: trained on ${trained.papers} papers in ${sec(trained.ms)} (model file ${mb(fileSize(lsaFile))})`);
          } else console.log('built-in embedder: the model trained on the first engine (same corpus)');
          const embedder = builtinEmbedder(parseLsa(readFileSync(lsaFile)));
          await setSiteModel(database.db, embedder.id);
          const e = await embedPending(database, embedder, { batchSize: 512 });
          console.log(`embedded ${e.embedded} papers in ${sec(e.ms)} (${(e.embedded / (e.ms / 1000)).toFixed(0)} papers/s)`);
          const dir = path.join(tmp, `vectors-${engine}`);
          t = performance.now();
          index = await VectorIndex.open(database, embedder, { dir, saveDelayMs: 3_600_000 });
          console.log(`vector index: ${index.size} vectors built in ${sec(performance.now() - t)} (${index.origin}); file ${mb(fileSize(index.file))}`);
        }
        console.log(`peak RSS so far: ${rssMB().toFixed(0)} MB`);

        // Warm-up: the same kinds of queries, another seed.
        const modes: SearchMode[] = skipSemantic ? ['keyword'] : ['keyword', 'semantic', 'hybrid'];
        for (const q of warmup) for (const mode of modes) await search({ database, semantic: index }, { q, mode, limit: PAGE, offset: 0 });

        const rows: Row[] = [];
        // Baselines, in the same run.
        const base: number[] = [];
        for (let i = 0; i < nQueries; i++) {
          const s = performance.now();
          await sql`select 1 as x`.execute(database.db);
          base.push(performance.now() - s);
        }
        rows.push({ what: 'baseline select 1', ...percentiles(base), note: 'one round trip through Kysely' });
        if (index) {
          const emb: number[] = [];
          const ann: number[] = [];
          // The mapped base index (after a fresh build or load the delta is empty).
          const inner = (index as unknown as { base: AnnIndex }).base;
          for (const q of queries) {
            let s = performance.now();
            const v = await index.embedder.embedQuery(q);
            emb.push(performance.now() - s);
            s = performance.now();
            inner.search(v, 100);
            ann.push(performance.now() - s);
          }
          rows.push({ what: 'baseline embed query', ...percentiles(emb), note: 'LSA embedding of the text' });
          rows.push({ what: 'baseline usearch k=100', ...percentiles(ann), note: 'bare HNSW query (the fusion depth)' });
        }
        const byLength = new Map<string, number[]>();
        for (const mode of modes) {
          const ms: number[] = [];
          let capped = 0;
          let empty = 0;
          for (const [i, q] of queries.entries()) {
            const s = performance.now();
            const res = await search({ database, semantic: index }, { q, mode, limit: PAGE, offset: 0 });
            const d = performance.now() - s;
            ms.push(d);
            const key = `${mode} ${(i % 5) + 1}w`;
            byLength.set(key, [...(byLength.get(key) ?? []), d]);
            if (res.kind === 'results') {
              if (res.totalCapped) capped++;
              if (res.hits.length === 0) empty++;
            }
          }
          rows.push({ what: `search ${mode}`, ...percentiles(ms), note: `${capped} totals capped at 1000+, ${empty} empty` });
        }
        for (const [k, v] of byLength) rows.push({ what: `  ${k}`, ...percentiles(v), note: '' });
        tables.push([engine, rows]);
        printTable(engine, rows, base);
        console.log(`peak RSS: ${rssMB().toFixed(0)} MB`);
      } finally {
        if (index) await index.close();
        await database.close();
        drop();
        if (engine === 'sqlite' && !work) for (const x of ['', '-wal', '-shm']) rmSync(path.join(tmp, `bench.db${x}`), { force: true });
      }
    }
    console.log(`\n${nPapers} papers, ${nQueries} queries (1–5 words, ${nQueries / 5} each), limit ${PAGE}; total ${sec(performance.now() - t0)}; peak RSS ${rssMB().toFixed(0)} MB`);
    for (const [engine, rows] of tables) printTable(engine, rows, null);
  } finally {
    if (!work) rmSync(tmp, { recursive: true, force: true });
  }
}

function printTable(engine: string, rows: Row[], _base: number[] | null): void {
  const baseP50 = rows[0]!.p50;
  console.log(`\n${engine.padEnd(26)}   p50 ms   p95 ms   p99 ms   max ms   p50/select1`);
  for (const r of rows) {
    console.log(`${r.what.padEnd(26)} ${r.p50.toFixed(2).padStart(8)} ${r.p95.toFixed(2).padStart(8)} ${r.p99.toFixed(2).padStart(8)} ${r.max.toFixed(1).padStart(8)} ${(r.p50 / baseP50).toFixed(0).padStart(12)}×  ${r.note}`);
  }
}

/** Keyword index build time alone (rebuilt from the papers) and size. */
async function keywordIndexFigures(database: Database, tmp: string): Promise<void> {
  const { db } = database;
  if (database.engine === 'sqlite') {
    const size = async () => {
      try {
        const r = await sql<{ bytes: number }>`select sum(pgsize) as bytes from dbstat where name like 'papers_fts%'`.execute(db);
        return { bytes: Number(r.rows[0]?.bytes ?? 0), how: 'dbstat, papers_fts* tables' };
      } catch {
        return { bytes: dirSize(path.join(tmp, 'bench.db')), how: 'whole database file (no dbstat)' };
      }
    };
    const before = await size();
    // A contentless table cannot 'rebuild': empty it ('delete-all') and insert every paper again, as migration 0010's backfill does.
    const t = performance.now();
    await sql.raw(`insert into papers_fts(papers_fts) values('delete-all')`).execute(db);
    await sql.raw(`insert into papers_fts (rowid, title, authors, abstract)
        select d.doc, p.title, coalesce((select group_concat(json_extract(value, '$.name'), ', ') from json_each(case when json_valid(p.authors) then p.authors else '[]' end)), ''), coalesce(p.abstract, '')
        from papers p join papers_fts_docs d on d.paper_id = p.id`).execute(db);
    const ms = performance.now() - t;
    const after = await size();
    console.log(`keyword index (FTS5): ${mb(before.bytes)} after the import (${before.how}); rebuilt from the papers in ${sec(ms)}, then ${mb(after.bytes)}`);
    return;
  }
  const size = async () => {
    const r = await sql<{ table: number; gin: number }>`select pg_total_relation_size('paper_search') as table, pg_relation_size('paper_search_document') as gin`.execute(db);
    return r.rows[0]!;
  };
  const before = await size();
  let t = performance.now();
  await sql`select count(*) from (select paper_search_document(title, authors, abstract) from papers) t`.execute(db);
  const computeMs = performance.now() - t;
  t = performance.now();
  await sql.raw('reindex index paper_search_document').execute(db);
  const reindexMs = performance.now() - t;
  await sql.raw('vacuum analyze paper_search').execute(db);
  const after = await size();
  console.log(
    `keyword index (tsvector + GIN): table with index ${mb(Number(before.table))}, GIN ${mb(Number(before.gin))} after the import; ` +
      `computing every tsvector ${sec(computeMs)}, GIN rebuild (reindex) ${sec(reindexMs)}, then GIN ${mb(Number(after.gin))}`,
  );
  // Also a GIN built by one create index (rather than row by row), and what other indexes on it cost.
  const extra = await sql<{ name: string; bytes: number }>`select indexrelid::regclass::text as name, pg_relation_size(indexrelid) as bytes from pg_index where indrelid = 'paper_search'::regclass`.execute(db);
  console.log(`  indexes on paper_search: ${extra.rows.map((x) => `${x.name} ${mb(Number(x.bytes))}`).join(', ')}`);
}

await main();
