/**
 * Incremental embedding by a high-water mark (docs/decisions/0040-embedding-high-water-mark.md): what finding
 * the papers to embed costs at N papers, the anti-join it replaced against the mark, in the same run, on
 * each engine.
 *
 * Per engine: a fresh database, N synthetic papers (bench/synthetic.ts) imported with the real importer; every
 * paper embedded by a zero-cost embedder (a constant 384-dimension vector: what is left is the pipeline's
 * reads and writes), once by the anti-join implementation (the code before migration 33, kept here) and once
 * by `embedPending`; then NEW more papers arrive (ids after the others', as arXiv's grow) and the figures:
 *
 * - next batch of 512: the anti-join query (papers left-joined to their vectors, by id) vs `text_seq > mark
 *   order by text_seq limit 512`, median of RUNS alternate runs;
 * - an empty run (nothing to embed): the anti-join implementation's whole call (two anti-join counts and an
 *   anti-join batch) vs `embedPending`'s (the site row and one empty index range), median of RUNS;
 * - the pipeline throughput with the zero-cost embedder (papers/s, one pass over the N papers each);
 * - import throughput before and after the text_seq triggers: IMPORT papers into fresh databases at schema
 *   32 and at 33, alternately, median of IMPORT_RUNS; and meanwhile, the latency of one-paper inserts on
 *   another connection (what a member's submission waits: on PostgreSQL the triggers' advisory lock).
 *
 *   npm run bench:embed-pending -- [--papers 100000] [--new 1000] [--runs 7] [--import 20000] [--import-runs 3]
 *        [--engines sqlite,postgres] [--pg postgres://…]
 *
 * PostgreSQL: fresh databases `dailypapers_bench_embed_PID_…` on --pg's server (default BENCH_DATABASE_URL,
 * TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432/postgres), dropped at the end. Files go to a
 * temporary folder, removed at the end.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import pg from 'pg';
import type { DatabaseConfig } from '../src/config.ts';
import { openDatabase, type Database } from '../src/db/connection.ts';
import { migrate } from '../src/db/migrate.ts';
import { migrations } from '../src/db/migrations/index.ts';
import { claimSiteModel, setSiteModel } from '../src/db/queries/embedding-models.ts';
import { embeddingMark, papersToEmbed, storeEmbeddings, type PaperText } from '../src/db/queries/embeddings.ts';
import type { DB } from '../src/db/schema.ts';
import { importFiles } from '../src/importers/import-files.ts';
import { embedPending } from '../src/search/embed-pending.ts';
import type { Embedder } from '../src/search/embedders/types.ts';
import { generate, syntheticLine } from './synthetic.ts';

const { values: args } = parseArgs({
  options: {
    papers: { type: 'string', default: '100000' },
    new: { type: 'string', default: '1000' },
    runs: { type: 'string', default: '7' },
    import: { type: 'string', default: '20000' },
    'import-runs': { type: 'string', default: '3' },
    engines: { type: 'string', default: 'sqlite,postgres' },
    pg: { type: 'string' },
  },
});
const N = Number(args.papers);
const NEW = Number(args.new);
const RUNS = Number(args.runs);
const IMPORT = Number(args.import);
const IMPORT_RUNS = Number(args['import-runs']);
const BATCH = 512;
const engines = args.engines!.split(',').map((e) => e.trim()).filter(Boolean);
const SERVER = args.pg ?? process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const timed = async <T>(fn: () => Promise<T>): Promise<[number, T]> => {
  const t = performance.now();
  const r = await fn();
  return [performance.now() - t, r];
};

// ---- the anti-join implementation (src/search/embed-pending.ts and src/db/queries/embeddings.ts before migration 33)
type Db = Kysely<DB>;

async function antiJoinBatch(db: Db, model: string, limit: number, afterId = ''): Promise<PaperText[]> {
  return db
    .selectFrom('papers')
    .leftJoin('paper_embeddings as e', 'e.paper_id', 'papers.id')
    .select(['papers.id', 'papers.title', 'papers.abstract'])
    .where('papers.id', '>', afterId)
    .where((eb) => eb.or([eb('e.paper_id', 'is', null), eb('e.model', '!=', model)]))
    .orderBy('papers.id')
    .limit(limit)
    .execute();
}

async function antiJoinCount(db: Db, model: string): Promise<number> {
  const r = await db
    .selectFrom('papers')
    .leftJoin('paper_embeddings as e', 'e.paper_id', 'papers.id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where((eb) => eb.or([eb('e.paper_id', 'is', null), eb('e.model', '!=', model)]))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

async function antiJoinEmbedPending(database: Database, embedder: Embedder, batchSize: number): Promise<{ embedded: number; remaining: number }> {
  const model = embedder.id;
  const site = await claimSiteModel(database.db, model);
  if (site !== model) throw new Error(`site model ${site}`);
  await antiJoinCount(database.db, model);
  let done = 0;
  let after = '';
  for (;;) {
    const batch = await antiJoinBatch(database.db, model, batchSize, after);
    if (batch.length === 0) break;
    const vectors = await embedder.embedDocuments(batch);
    if (!(await storeEmbeddings(database.db, model, batch.map((p, i) => ({ paperId: p.id, vector: vectors[i]! }))))) break;
    done += batch.length;
    after = batch.at(-1)!.id;
  }
  return { embedded: done, remaining: await antiJoinCount(database.db, model) };
}

/** An embedder that costs nothing: one constant unit vector of 384 dimensions for every paper. */
function zeroCostEmbedder(id: string): Embedder {
  const v = new Float32Array(384).fill(1 / Math.sqrt(384));
  return { id, dimensions: 384, embedDocuments: async (papers) => papers.map(() => v), embedQuery: async () => v };
}

// ---- databases
interface Fresh {
  database: Database;
  config: DatabaseConfig;
  drop(): Promise<void>;
}

let counter = 0;
async function freshDatabase(engine: string, tmp: string): Promise<Fresh> {
  const name = `dailypapers_bench_embed_${process.pid}_${counter++}`;
  if (engine === 'sqlite') {
    const file = path.join(tmp, `${name}.db`);
    const config: DatabaseConfig = { engine: 'sqlite', path: file };
    const database = await openDatabase(config);
    return { database, config, drop: async () => { await database.close(); for (const x of ['', '-wal', '-shm']) rmSync(file + x, { force: true }); } };
  }
  const admin = new pg.Client({ connectionString: SERVER });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(SERVER);
  url.pathname = `/${name}`;
  const config: DatabaseConfig = { engine: 'postgres', url: url.toString() };
  const database = await openDatabase(config);
  return {
    database,
    config,
    drop: async () => {
      await database.close();
      const c = new pg.Client({ connectionString: SERVER });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/**
 * What a writer of one paper (a member's submission, a harvested paper) waits while an import runs: one
 * insert at a time on a connection of its own, every 20 ms, until `done`; its latencies in ms.
 */
async function probeInserts(config: DatabaseConfig, done: () => boolean): Promise<number[]> {
  const database = await openDatabase(config);
  const out: number[] = [];
  try {
    for (let i = 0; !done(); i++) {
      const at = new Date().toISOString();
      const [t] = await timed(() =>
        database.db.insertInto('papers').values({ id: `probe.${process.pid}.${i}`, title: `Probe ${i}`, abstract: 'A probe.', authors: '[]', categories: 'cs.LG', upvotes: 0, metadata_source: 'bench', created_at: at, modified_at: at }).execute(),
      );
      out.push(t);
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    await database.close();
  }
  return out;
}

const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(0.95 * xs.length) - 1)]!;

async function importFile(database: Database, file: string): Promise<number> {
  const r = await importFiles(database, [file], { format: 'arxiv-snapshot' });
  if (r.rejected > 0) throw new Error(r.rejections[0]!.reason);
  return r.new;
}

interface Figures {
  engine: string;
  importRate: number;
  pipelineAntiJoin: number;
  pipelineMark: number;
  batchAntiJoin: number;
  batchMark: number;
  emptyAntiJoin: number;
  emptyMark: number;
  import32: number;
  import33: number;
  probe32: { p50: number; p95: number };
  probe33: { p50: number; p95: number };
}

async function benchEngine(engine: string, tmp: string, corpus: string, arrivals: string, importCorpus: string): Promise<Figures> {
  console.log(`\n== ${engine}`);
  const { database, drop } = await freshDatabase(engine, tmp);
  try {
    await migrate(database);
    let [t, n] = await timed(() => importFile(database, corpus));
    const importRate = n / (t / 1000);
    console.log(`import: ${n} papers in ${(t / 1000).toFixed(1)} s (${importRate.toFixed(0)} papers/s, with the text_seq triggers)`);

    // Pipeline, zero-cost embedder: the anti-join implementation first (model B), then embedPending (model A,
    // the site's model afterwards: the mark is at the top and every vector is A's).
    await setSiteModel(database.db, 'zero@B');
    let [tp, r] = await timed(() => antiJoinEmbedPending(database, zeroCostEmbedder('zero@B'), BATCH));
    if (r.embedded !== N) throw new Error(`anti-join embedded ${r.embedded}`);
    const pipelineAntiJoin = N / (tp / 1000);
    console.log(`pipeline, anti-join: ${N} papers in ${(tp / 1000).toFixed(1)} s (${pipelineAntiJoin.toFixed(0)} papers/s)`);
    await setSiteModel(database.db, 'zero@A');
    const markPass = await timed(() => embedPending(database, zeroCostEmbedder('zero@A'), { batchSize: BATCH }));
    if (markPass[1].embedded !== N) throw new Error(`mark embedded ${markPass[1].embedded}`);
    const pipelineMark = N / (markPass[0] / 1000);
    console.log(`pipeline, mark: ${N} papers in ${(markPass[0] / 1000).toFixed(1)} s (${pipelineMark.toFixed(0)} papers/s)`);

    // New papers arrive (ids after every other's).
    [t, n] = await timed(() => importFile(database, arrivals));
    console.log(`${n} new papers imported`);
    if (engine === 'postgres') await sql`analyze`.execute(database.db);
    const { mark } = await embeddingMark(database.db);
    const batchA: number[] = [];
    const batchM: number[] = [];
    for (let i = 0; i <= RUNS; i++) {
      const [a, ra] = await timed(() => antiJoinBatch(database.db, 'zero@A', BATCH));
      const [m, rm] = await timed(() => papersToEmbed(database.db, mark, BATCH));
      if (ra.length !== Math.min(BATCH, NEW) || rm.length !== Math.min(BATCH, NEW)) throw new Error(`batches of ${ra.length} and ${rm.length}`);
      if (i > 0) batchA.push(a), batchM.push(m); // the first pair warms the caches
    }
    console.log(`next batch of ${BATCH}: anti-join ${ms(median(batchA))} ms, mark ${ms(median(batchM))} ms (medians of ${RUNS})`);

    // Embed them; then runs with nothing to do.
    const caught = await embedPending(database, zeroCostEmbedder('zero@A'), { batchSize: BATCH });
    if (caught.embedded !== NEW) throw new Error(`caught up ${caught.embedded}`);
    const emptyA: number[] = [];
    const emptyM: number[] = [];
    for (let i = 0; i <= RUNS; i++) {
      const [a, ra] = await timed(() => antiJoinEmbedPending(database, zeroCostEmbedder('zero@A'), BATCH));
      const [m, rm] = await timed(() => embedPending(database, zeroCostEmbedder('zero@A'), { batchSize: BATCH }));
      if (ra.embedded !== 0 || rm.embedded !== 0) throw new Error('an empty run embedded something');
      if (i > 0) emptyA.push(a), emptyM.push(m);
    }
    console.log(`empty run: anti-join ${ms(median(emptyA))} ms, mark ${ms(median(emptyM))} ms (medians of ${RUNS})`);

    // Import before/after the triggers: fresh databases at schema 32 and 33, alternately.
    const at32 = migrations.filter((m) => m.version < 33);
    // A one-paper writer inserts alongside each import: what it waits (on PostgreSQL, the advisory lock that an
    // import batch holds from its first paper to its commit; on SQLite, the write lock, with or without triggers).
    const i32: number[] = [];
    const i33: number[] = [];
    const w32: number[] = [];
    const w33: number[] = [];
    for (let i = 0; i < IMPORT_RUNS; i++) {
      for (const [list, out, waits] of [[at32, i32, w32], [migrations, i33, w33]] as const) {
        const f = await freshDatabase(engine, tmp);
        try {
          await migrate(f.database, list);
          let finished = false;
          const probe = probeInserts(f.config, () => finished);
          const [ti, ni] = await timed(() => importFile(f.database, importCorpus).finally(() => (finished = true)));
          waits.push(...(await probe));
          out.push(ni / (ti / 1000));
        } finally {
          await f.drop();
        }
      }
    }
    console.log(`import of ${IMPORT} papers: schema 32 ${median(i32).toFixed(0)} papers/s, schema 33 (triggers) ${median(i33).toFixed(0)} papers/s (medians of ${IMPORT_RUNS}: ${i32.map((x) => x.toFixed(0)).join(', ')} / ${i33.map((x) => x.toFixed(0)).join(', ')})`);
    console.log(`one-paper inserts meanwhile: schema 32 p50 ${ms(median(w32))} / p95 ${ms(p95(w32))} ms (${w32.length}), schema 33 p50 ${ms(median(w33))} / p95 ${ms(p95(w33))} ms (${w33.length})`);
    return {
      engine, importRate, pipelineAntiJoin, pipelineMark,
      batchAntiJoin: median(batchA), batchMark: median(batchM), emptyAntiJoin: median(emptyA), emptyMark: median(emptyM),
      import32: median(i32), import33: median(i33),
      probe32: { p50: median(w32), p95: p95(w32) }, probe33: { p50: median(w33), p95: p95(w33) },
    };
  } finally {
    await drop();
  }
}

async function main(): Promise<void> {
  const tmp = mkdtempSync(path.join(tmpdir(), 'dailypapers-embed-pending-'));
  try {
    const corpus = path.join(tmp, 'corpus.jsonl');
    await generate(corpus, N);
    const arrivals = path.join(tmp, 'arrivals.jsonl');
    writeFileSync(arrivals, Array.from({ length: NEW }, (_, i) => syntheticLine(N + i)).join('\n') + '\n');
    const importCorpus = path.join(tmp, 'import.jsonl');
    await generate(importCorpus, IMPORT);
    console.log(`${N} papers, ${NEW} new ones, ${RUNS} runs per median, batches of ${BATCH}; import comparison with ${IMPORT} papers × ${IMPORT_RUNS}`);
    const rows: Figures[] = [];
    for (const engine of engines) rows.push(await benchEngine(engine, tmp, corpus, arrivals, importCorpus));

    const ratio = (a: number, b: number) => `×${(a / b).toFixed(a / b >= 10 ? 0 : 1)}`;
    console.log(`\n${N} papers, ${NEW} new                        ${rows.map((r) => r.engine.padStart(28)).join('')}`);
    const line = (what: string, f: (r: Figures) => string) => console.log(what.padEnd(48) + rows.map((r) => f(r).padStart(28)).join(''));
    line('next batch of 512, anti-join / mark (ms)', (r) => `${ms(r.batchAntiJoin)} / ${ms(r.batchMark)} (${ratio(r.batchAntiJoin, r.batchMark)})`);
    line('empty run, anti-join / mark (ms)', (r) => `${ms(r.emptyAntiJoin)} / ${ms(r.emptyMark)} (${ratio(r.emptyAntiJoin, r.emptyMark)})`);
    line('pipeline, zero-cost embedder (papers/s)', (r) => `${r.pipelineAntiJoin.toFixed(0)} / ${r.pipelineMark.toFixed(0)} (${ratio(r.pipelineMark, r.pipelineAntiJoin)})`);
    line(`import ${IMPORT}, schema 32 / 33 (papers/s)`, (r) => `${r.import32.toFixed(0)} / ${r.import33.toFixed(0)} (${ratio(r.import33, r.import32)})`);
    line('one-paper insert during it, p50/p95 32 (ms)', (r) => `${ms(r.probe32.p50)} / ${ms(r.probe32.p95)}`);
    line('one-paper insert during it, p50/p95 33 (ms)', (r) => `${ms(r.probe33.p50)} / ${ms(r.probe33.p95)}`);
    line(`import ${N} with triggers (papers/s)`, (r) => r.importRate.toFixed(0));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
