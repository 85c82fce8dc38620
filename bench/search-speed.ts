/**
 * Search speed at scale (issue 5, §6): a synthetic corpus of N papers with realistic text (the word-bigram
 * model of bench/text-model.ts, learned from the real Hugging Face Daily Papers files), imported with the
 * real importer into a fresh database on each engine; then the same fixed list of 1–5-word queries (equal
 * numbers of each length) through the site's one search function, `search()` of src/search/hybrid.ts, in
 * keyword, semantic and hybrid mode (limit 10: one results page, with its total count), after a warm-up.
 *
 * Prints, per engine: import time, keyword index build time (alone) and size; built-in embedder training
 * time (once, on the first engine; the model file is reused for the next), embedding rate, vector index
 * build time and file size, its load time (closed and opened again, as a restart opens it); p50/p95/p99 per
 * mode, against baselines measured in the same run (a `select 1` round trip on the engine; embedding a query;
 * a bare usearch query); peak RSS. At the end, one table per engine with issue 17's targets marked (✓ met,
 * ✗ not) and, when several sizes are given (`--papers 100000,1000000`), the growth ratios from one size to
 * the next: a query's cost grows sub-linearly when its ratio is below the papers' ratio.
 *
 *   npm run bench:search-speed -- [HF_DAILY_DIR] [--papers 100000[,1000000,…]] [--engines sqlite,postgres]
 *        [--database-url postgres://…] [--queries 300] [--skip-semantic] [--work DIR]
 *
 * HF_DAILY_DIR defaults to ../shared/data/hf-daily. PostgreSQL: a fresh database `dailypapers_bench_PID`
 * on postgres://postgres@127.0.0.1:5432 (dropped afterwards), unless --database-url is given (then that
 * database is used as it is and must be empty). Files go to a temporary folder, removed at the end.
 * With --work DIR, the corpus, the SQLite file, the model and the vector index files are kept in DIR and the
 * PostgreSQL database `dailypapers_bench_work_N` is kept: a second run reuses whatever is there (no import,
 * training or index build), to measure query changes quickly; the import, embedding and build figures of the
 * run that did them are kept in DIR/figures-ENGINE-N.json and shown again, marked with a `*`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { CLI_IDLE_IN_TRANSACTION_TIMEOUT_MS, CLI_STATEMENT_TIMEOUT_MS, parseDatabaseUrl } from '../src/config.ts';
import { CONNECT_TIMEOUT_MS, openDatabase, type Database } from '../src/db/connection.ts';
import { migrate } from '../src/db/migrate.ts';
import { rebuildSqliteSearchIndex } from '../src/db/migrations/0039-date-order.ts';
import { setSiteModel } from '../src/db/queries/embedding-models.ts';
import { builtinEmbedder, trainBuiltinModel } from '../src/search/embedders/builtin.ts';
import { parseLsa } from '../src/search/embedders/lsa.ts';
import { embedPending } from '../src/search/embed-pending.ts';
import { search, type SearchMode } from '../src/search/hybrid.ts';
import { VectorIndex, type AnnIndex } from '../src/search/vectors.ts';
import { importInChild } from './import-child.ts';
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
const sizes = args.papers!.split(',').map((n) => Number(n.replace(/_/g, '')));
if (sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--papers: a number or a comma-separated list of numbers, not ${args.papers}`);
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

/** What one engine measured at one size: the figures issue 17 sets targets for. */
interface Figures {
  engine: string;
  papers: number;
  importRate?: number;
  importRssMB?: number;
  embedRate?: number;
  buildS?: number;
  loadS?: number;
  /** Which of the above come from an earlier run (--work) rather than this one. */
  kept: Set<keyof Figures>;
  rows: Row[];
}

/** Issue 17's targets, for 1M papers on this 2-core machine (both engines). */
const TARGETS = {
  p95: 50,
  p99: 150,
  importRate: { sqlite: 10_000, postgres: 5_000 } as Record<string, number>,
  importRssMB: 500,
  embedRate: 3_000,
  buildS: 300,
  loadS: 2,
};

async function main(): Promise<void> {
  const work = args.work ? path.resolve(args.work) : null;
  if (work) mkdirSync(work, { recursive: true });
  const tmp = work ?? mkdtempSync(path.join(tmpdir(), 'dailypapers-search-speed-'));
  const t0 = performance.now();
  const all: Figures[] = [];
  try {
    const model = learnTextModel(hfDir);
    const queries = queryList(model, nQueries, 42);
    const warmup = queryList(model, Number(args.warmup), 7);
    for (const nPapers of sizes) {
      const corpus = path.join(tmp, `corpus-${nPapers}.jsonl`);
      const t = performance.now();
      if (work && existsSync(corpus)) console.log(`corpus: ${corpus} reused`);
      else {
        await writeCorpus(model, corpus, nPapers);
        console.log(`corpus: ${nPapers} papers (${mb(fileSize(corpus))}) written in ${sec(performance.now() - t)}; text model from ${hfDir} (${model.vocabulary.length} words)`);
      }
      // One model per corpus, trained on the first engine and reused by the next (same corpus).
      const lsaFile = path.join(tmp, `bench-${nPapers}.lsa-model.bin`);
      if (!work) rmSync(lsaFile, { force: true });
      for (const engine of engines) all.push(await measure(engine, nPapers, { tmp, work, corpus, lsaFile, queries, warmup }));
      if (!work) rmSync(corpus, { force: true });
    }
    console.log(`\n${sizes.join(', ')} papers, ${nQueries} queries (1–5 words, ${nQueries / 5} each), limit ${PAGE}; total ${sec(performance.now() - t0)}; peak RSS ${rssMB().toFixed(0)} MB`);
    for (const engine of engines) printSummary(all.filter((f) => f.engine === engine));
  } finally {
    if (!work) rmSync(tmp, { recursive: true, force: true });
  }
}

async function measure(
  engine: string,
  nPapers: number,
  ctx: { tmp: string; work: string | null; corpus: string; lsaFile: string; queries: string[]; warmup: string[] },
): Promise<Figures> {
  const { tmp, work, corpus, lsaFile, queries, warmup } = ctx;
  console.log(`\n== ${engine}, ${nPapers} papers`);
  const keptFile = path.join(tmp, `figures-${engine}-${nPapers}.json`);
  const earlier = work && existsSync(keptFile) ? (JSON.parse(readFileSync(keptFile, 'utf8')) as Partial<Figures>) : {};
  const fig: Figures = { ...earlier, engine, papers: nPapers, rows: [], kept: new Set((['importRate', 'importRssMB', 'embedRate', 'buildS', 'loadS'] as const).filter((k) => earlier[k] !== undefined)) };
  const dbFile = path.join(tmp, `bench-${nPapers}.db`);
  let url: string;
  let drop = () => {};
  if (engine === 'sqlite') url = `sqlite:${dbFile}`;
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
      // In a child process (bench/import.ts's worker), as `dailypapers import` runs: its peak RSS is the importer's own.
      const r = await importInChild(url, corpus);
      fig.importRate = r.records / r.seconds;
      fig.importRssMB = r.maxRssMB;
      fig.kept.delete('importRate');
      fig.kept.delete('importRssMB');
      console.log(`import: ${r.records} papers in ${sec(r.seconds * 1000)} (${fig.importRate.toFixed(0)} papers/s, keyword index kept by triggers); the importer's peak RSS ${fig.importRssMB.toFixed(0)} MB`);
      await keywordIndexFigures(database, dbFile, url);
    }

    if (!skipSemantic) {
      if (existsSync(lsaFile)) console.log(`built-in embedder: ${lsaFile} reused (the same corpus)`);
      else {
        const trained = await trainBuiltinModel(database);
        writeFileSync(lsaFile, trained.bytes);
        console.log(`built-in embedder: trained on ${trained.papers} papers in ${sec(trained.ms)} (model file ${mb(fileSize(lsaFile))})`);
      }
      const embedder = builtinEmbedder(parseLsa(readFileSync(lsaFile)));
      await setSiteModel(database.db, embedder.id);
      const e = await embedPending(database, embedder, { batchSize: 512 });
      if (e.embedded > 0) {
        fig.embedRate = e.embedded / (e.ms / 1000);
        fig.kept.delete('embedRate');
        console.log(`embedded ${e.embedded} papers in ${sec(e.ms)} (${fig.embedRate.toFixed(0)} papers/s)`);
      }
      const dir = path.join(tmp, `vectors-${engine}-${nPapers}`);
      let t = performance.now();
      index = await VectorIndex.open(database, embedder, { dir, saveDelayMs: 3_600_000 });
      const openS = (performance.now() - t) / 1000;
      if (index.origin.startsWith('rebuilt') || index.origin === 'empty') {
        fig.buildS = openS;
        fig.kept.delete('buildS');
      }
      console.log(`vector index: ${index.size} vectors in ${openS.toFixed(1)} s (${index.origin}); file ${mb(fileSize(index.file))}`);
      // The load a restart does: the file written above, mapped, checked against the database.
      await index.close();
      index = null;
      t = performance.now();
      index = await VectorIndex.open(database, embedder, { dir, saveDelayMs: 3_600_000 });
      fig.loadS = (performance.now() - t) / 1000;
      fig.kept.delete('loadS');
      console.log(`vector index: opened again in ${fig.loadS.toFixed(2)} s (${index.origin})`);
    }
    console.log(`peak RSS so far: ${rssMB().toFixed(0)} MB`);
    writeFileSync(keptFile, JSON.stringify({ ...fig, kept: undefined, rows: undefined }));

    // Warm-up: the same kinds of queries, another seed.
    const modes: SearchMode[] = skipSemantic ? ['keyword'] : ['keyword', 'semantic', 'hybrid'];
    for (const q of warmup) for (const mode of modes) await search({ database, semantic: index }, { q, mode, limit: PAGE, offset: 0 });

    const rows = fig.rows;
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
    printTable(`${engine}, ${nPapers} papers`, rows);
    console.log(`peak RSS: ${rssMB().toFixed(0)} MB`);
    return fig;
  } finally {
    if (index) await index.close();
    await database.close();
    drop();
    if (engine === 'sqlite' && !work) for (const x of ['', '-wal', '-shm']) rmSync(`${dbFile}${x}`, { force: true });
  }
}

function printTable(title: string, rows: Row[]): void {
  const baseP50 = rows[0]!.p50;
  console.log(`\n${title.padEnd(26)}   p50 ms   p95 ms   p99 ms   max ms   p50/select1`);
  for (const r of rows) {
    console.log(`${r.what.padEnd(26)} ${r.p50.toFixed(2).padStart(8)} ${r.p95.toFixed(2).padStart(8)} ${r.p99.toFixed(2).padStart(8)} ${r.max.toFixed(1).padStart(8)} ${(r.p50 / baseP50).toFixed(0).padStart(12)}×  ${r.note}`);
  }
}

/**
 * One engine's figures at every size, each against its target (✓ met, ✗ not; the targets are for 1M papers,
 * so they are marked from 1M up), and from the second size on the growth ratio over the previous size.
 */
function printSummary(figs: Figures[]): void {
  if (figs.length === 0) return;
  const engine = figs[0]!.engine;
  const mark = (f: Figures, ok: boolean) => (f.papers >= 1_000_000 ? (ok ? ' ✓' : ' ✗') : '');
  const cell = (f: Figures, v: number | undefined, digits: number, ok: ((v: number) => boolean) | null, kept: boolean) =>
    v === undefined ? '–' : `${v.toFixed(digits)}${kept ? '*' : ''}${ok ? mark(f, ok(v)) : ''}`;
  const row = (f: Figures, what: string) => f.rows.find((r) => r.what === what);
  const lines: [string, string, (f: Figures) => number | undefined, number, ((v: number) => boolean) | null, boolean, keyof Figures | null][] = [];
  for (const mode of ['keyword', 'semantic', 'hybrid']) {
    if (!figs.some((f) => row(f, `search ${mode}`))) continue;
    lines.push([`${mode} p50 ms`, '', (f) => row(f, `search ${mode}`)?.p50, 1, null, true, null]);
    lines.push([`${mode} p95 ms`, `≤ ${TARGETS.p95}`, (f) => row(f, `search ${mode}`)?.p95, 1, (v) => v <= TARGETS.p95, true, null]);
    lines.push([`${mode} p99 ms`, `≤ ${TARGETS.p99}`, (f) => row(f, `search ${mode}`)?.p99, 1, (v) => v <= TARGETS.p99, true, null]);
  }
  const importTarget = TARGETS.importRate[engine] ?? 0;
  lines.push(['import papers/s', `≥ ${importTarget}`, (f) => f.importRate, 0, (v) => v >= importTarget, false, 'importRate']);
  lines.push(['import peak RSS MB', `< ${TARGETS.importRssMB}`, (f) => f.importRssMB, 0, (v) => v < TARGETS.importRssMB, false, 'importRssMB']);
  lines.push(['embedding papers/s', `≥ ${TARGETS.embedRate}`, (f) => f.embedRate, 0, (v) => v >= TARGETS.embedRate, false, 'embedRate']);
  lines.push(['vector index build s', `≤ ${TARGETS.buildS}`, (f) => f.buildS, 1, (v) => v <= TARGETS.buildS, true, 'buildS']);
  lines.push(['vector index load s', `≤ ${TARGETS.loadS}`, (f) => f.loadS, 2, (v) => v <= TARGETS.loadS, true, 'loadS']);
  const w = 16;
  let head = `\n${engine.padEnd(22)} ${'target'.padEnd(9)}`;
  for (const [i, f] of figs.entries()) {
    head += `${f.papers.toLocaleString('en').padStart(w)}`;
    if (i > 0) head += `${`×${(f.papers / figs[i - 1]!.papers).toFixed(1)} growth`.padStart(w)}`;
  }
  console.log(head);
  for (const [what, target, get, digits, ok, growth, key] of lines) {
    let line = `${what.padEnd(22)} ${target.padEnd(9)}`;
    for (const [i, f] of figs.entries()) {
      line += cell(f, get(f), digits, ok, key !== null && f.kept.has(key)).padStart(w);
      if (i > 0) {
        const a = get(figs[i - 1]!);
        const b = get(f);
        line += (growth && a !== undefined && b !== undefined && a > 0 ? `×${(b / a).toFixed(2)}` : '').padStart(w);
      }
    }
    console.log(line);
  }
  if (figs.some((f) => f.kept.size > 0)) console.log('*: from the run that did it (kept in --work DIR; this run reused its database, model or index)');
  if (figs.length > 1) console.log('growth: the figure at this size over the previous one; a query cost grows sub-linearly when it is below the papers\' ratio');
}

/** Keyword index build time alone (rebuilt from the papers) and size. */
async function keywordIndexFigures(database: Database, dbFile: string, url: string): Promise<void> {
  const { db } = database;
  if (database.engine === 'sqlite') {
    const size = async () => {
      try {
        const r = await sql<{ bytes: number }>`select sum(pgsize) as bytes from dbstat where name like 'papers_fts%'`.execute(db);
        return { bytes: Number(r.rows[0]?.bytes ?? 0), how: 'dbstat, papers_fts* tables' };
      } catch {
        return { bytes: dirSize(dbFile), how: 'whole database file (no dbstat)' };
      }
    };
    const before = await size();
    // As migration 0039 does.
    const t = performance.now();
    await rebuildSqliteSearchIndex(db);
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
  // Past the site's statement timeout at 1M (the client gives up then too, whatever `set statement_timeout`
  // says): a connection with the CLI's budget, as `dailypapers` commands have.
  const cli = await openDatabase(parseDatabaseUrl(url), { statementTimeoutMs: CLI_STATEMENT_TIMEOUT_MS, idleInTransactionTimeoutMs: CLI_IDLE_IN_TRANSACTION_TIMEOUT_MS, connectTimeoutMs: CONNECT_TIMEOUT_MS });
  let computeMs: number;
  let reindexMs: number;
  try {
    let t = performance.now();
    await sql`select count(*) from (select paper_search_document(title, authors, abstract) from papers) t`.execute(cli.db);
    computeMs = performance.now() - t;
    t = performance.now();
    await sql.raw('reindex index paper_search_document').execute(cli.db);
    reindexMs = performance.now() - t;
    await sql.raw('vacuum analyze paper_search').execute(cli.db);
  } finally {
    await cli.close();
  }
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
