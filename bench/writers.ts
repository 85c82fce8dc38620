/**
 * Writers benchmark (docs/decisions/0017-imports-in-short-batches.md): import throughput (papers/s) of a
 * child `dailypapers import`, alone and while 25 voters and 25 readers hit the site over HTTP on the same
 * database, on each engine, with the same load alone (after the import, same data) as the readers' baseline; and, in-process, how long one write transaction lasts per batch size, against
 * the former design (one transaction for the whole file) measured in the same run.
 *
 *   npm run bench:writers -- [--lines 20000] [--file SNAPSHOT.jsonl] [--engines sqlite,postgres] [--sizes 250,500,1000,2000]
 *
 * No real snapshot is big enough in ../shared/data (arxiv-kaggle has 200 lines): --file takes the full
 * Kaggle arxiv-metadata-oai-snapshot.json (or a head of it) when you have it.
 *
 * PostgreSQL: fresh databases on BENCH_DATABASE_URL or TEST_DATABASE_URL (default the local server).
 */
import { createReadStream, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import type { Database, Engine } from '../src/db/connection.ts';
import { applyStaged, createRun, markReady, stageRecords } from '../src/db/queries/import-runs.ts';
import { applyRecords } from '../src/db/queries/papers.ts';
import type { ImportRecord } from '../src/domain/paper.ts';
import { parseSnapshotLine } from '../src/importers/arxiv-snapshot/parse.ts';
import { importFiles } from '../src/importers/import-files.ts';
import { BATCH_SIZE } from '../src/importers/staged.ts';
import { startCli } from '../tests/helpers/cli.ts';
import { openTestDatabase } from '../tests/helpers/db.ts';
import { startTestServer, type TestServer } from '../tests/helpers/http.ts';
import { sessionMember, type SessionMember } from '../tests/helpers/members.ts';
import { generate, syntheticLine } from './synthetic.ts';

const { values: args } = parseArgs({
  options: {
    lines: { type: 'string', default: '20000' },
    file: { type: 'string' },
    engines: { type: 'string', default: 'sqlite,postgres' },
    sizes: { type: 'string', default: '250,500,1000,2000' },
  },
});
const VOTERS = 25;
const READERS = 25;
/** Papers stored before the import, for the voters: synthetic ids far from the file's (ids 9999.xxxxx). */
const SEEDED = 4000;
/** How long the load runs alone, for its baseline figures. */
const BASELINE_SECONDS = 10;

const dir = mkdtempSync(path.join(tmpdir(), 'dailypapers-bench-writers-'));
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? NaN;

async function seedFile(): Promise<string> {
  const file = path.join(dir, 'seed.jsonl');
  writeFileSync(file, Array.from({ length: SEEDED }, (_, i) => syntheticLine(i).replace(/"id":"\d{4}\./, '"id":"9912.')).join('\n') + '\n');
  return file;
}

interface Load {
  seconds: number;
  votes: number;
  votesLost: number;
  reads: number;
  readP50: number;
  readP99: number;
  errors5xx: number;
}

/** VOTERS members upvote seeded papers one by one and READERS visitors read pages, until `until` settles. */
async function hammer(database: Database, server: TestServer, prefix: string, until: Promise<unknown>): Promise<Load> {
  const seedIds = (await database.db.selectFrom('papers').select('id').where('id', 'like', '9912.%').orderBy('id').execute()).map((r) => r.id);
  const members = await Promise.all(Array.from({ length: VOTERS }, (_, v) => sessionMember(database, () => server.base, `${prefix}${v}`)));
  const votesBefore = await countVotes(database);
  let going = true;
  void until.finally(() => (going = false));
  const t0 = performance.now();
  let votes = 0;
  let errors5xx = 0;
  const readTimes: number[] = [];
  const voter = async (m: SessionMember, v: number) => {
    for (let k = v; going && k < seedIds.length; k += VOTERS) {
      const r = await m.form(`/papers/${seedIds[k]}/vote`, { value: '1' });
      await r.arrayBuffer();
      if (r.status >= 500) errors5xx++;
      if (r.status === 303) votes++;
    }
  };
  const pages = ['/', '/healthz', '/papers/search?q=quantum+graph', `/papers/${seedIds[7]}`, '/api/daily_papers'];
  const reader = async (n: number) => {
    for (let k = n; going; k++) {
      const t = performance.now();
      const r = await server.get(pages[k % pages.length]!);
      await r.arrayBuffer();
      readTimes.push(performance.now() - t);
      if (r.status >= 500) errors5xx++;
    }
  };
  await Promise.all([...members.map(voter), ...Array.from({ length: READERS }, (_, n) => reader(n)), until]);
  const seconds = (performance.now() - t0) / 1000;
  const votesLost = votes - ((await countVotes(database)) - votesBefore);
  return { seconds, votes, votesLost, reads: readTimes.length, readP50: pct(readTimes, 0.5), readP99: pct(readTimes, 0.99), errors5xx };
}

async function countVotes(database: Database): Promise<number> {
  const r = await database.db.selectFrom('votes').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Runs a child `dailypapers import` of `file`; resolves with its duration. */
function childImport(database: Database & { url: string }, file: string): Promise<number> {
  const t0 = performance.now();
  const child = startCli(['import', file, '--json'], { DATABASE_URL: database.url });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) =>
    child.on('close', (code) => (code === 0 ? resolve((performance.now() - t0) / 1000) : reject(new Error(`import exited ${code}: ${stderr}`)))),
  );
}

const describeLoad = (l: Load) =>
  `${l.votes} votes (${(l.votes / l.seconds).toFixed(0)}/s, ${l.votesLost} lost), ${l.reads} reads (${(l.reads / l.seconds).toFixed(0)}/s, ` +
  `p50 ${l.readP50.toFixed(0)} ms, p99 ${l.readP99.toFixed(0)} ms), ${l.errors5xx} 5xx`;

/** On a fresh database each: the import alone then the load alone (baseline), and the import under load. */
async function importWithAndWithoutLoad(engine: Engine, file: string, seed: string, records: number): Promise<void> {
  for (const loaded of [false, true]) {
    const database = await openTestDatabase(engine);
    const server = await startTestServer(database);
    try {
      await importFiles(database, [seed]);
      if (!loaded) {
        const seconds = await childImport(database, file);
        const base = await hammer(database, server, 'base', new Promise((r) => setTimeout(r, BASELINE_SECONDS * 1000)));
        alone = records / seconds;
        console.log(`  ${engine.padEnd(8)} import alone: ${alone.toFixed(0).padStart(6)} papers/s (${seconds.toFixed(1)} s); load alone (after it, ${BASELINE_SECONDS} s): ${describeLoad(base)}`);
      } else {
        const importing = childImport(database, file);
        const load = await hammer(database, server, 'load', importing);
        const seconds = await importing;
        const rate = records / seconds;
        console.log(`  ${engine.padEnd(8)} import loaded: ${rate.toFixed(0).padStart(6)} papers/s (${seconds.toFixed(1)} s, ${(rate / alone).toFixed(2)}× alone); during it: ${describeLoad(load)}`);
      }
    } finally {
      await server.close();
      await database.close();
    }
  }
}
let alone = NaN;

async function parseFile(file: string, limit: number): Promise<ImportRecord[]> {
  const out: ImportRecord[] = [];
  let n = 0;
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    if (line.trim() === '') continue;
    out.push(parseSnapshotLine(line, ++n));
    if (out.length >= limit) break;
  }
  return out;
}

/** In-process: the longest write transaction per batch size (staging and applying), and the former one-transaction design. */
async function batchSizes(engine: Engine, records: ImportRecord[], sizes: number[]): Promise<void> {
  const database = await openTestDatabase(engine);
  try {
    const { db, maxParams } = database;
    const slice = Math.floor(records.length / (sizes.length + 1));
    // Former design: one transaction for the file (applyRecords in batches of 1,000 inside it).
    const old = records.slice(0, slice);
    let t0 = performance.now();
    await db.transaction().execute(async (trx) => {
      for (let i = 0; i < old.length; i += 1000) await applyRecords(trx, old.slice(i, i + 1000), maxParams);
    });
    const oldMs = performance.now() - t0;
    const oldRate = old.length / (oldMs / 1000);
    console.log(`  ${engine.padEnd(8)} one transaction (former): ${oldRate.toFixed(0).padStart(6)} papers/s, one write transaction of ${oldMs.toFixed(0)} ms for ${old.length} papers`);
    for (const [k, size] of sizes.entries()) {
      const recs = records.slice(slice * (k + 1), slice * (k + 2));
      const owner = `bench:${process.pid}:${size}`;
      const lease = new Date(Date.now() + 3_600_000).toISOString();
      const runId = await createRun(db, { file: 'bench', format: 'arxiv-snapshot', owner, leaseUntil: lease, now: new Date().toISOString() });
      const stageMs: number[] = [];
      const applyMs: number[] = [];
      t0 = performance.now();
      for (let i = 0; i < recs.length; i += size) {
        const t = performance.now();
        await stageRecords(db, runId, owner, lease, i, recs.slice(i, i + size));
        stageMs.push(performance.now() - t);
      }
      await markReady(db, runId, owner, lease);
      for (let i = 0; i < recs.length; i += size) {
        const batch = recs.slice(i, i + size).map((record, j) => ({ seq: i + j, record }));
        const t = performance.now();
        await applyStaged(db, runId, owner, lease, batch, maxParams);
        applyMs.push(performance.now() - t);
      }
      const rate = recs.length / ((performance.now() - t0) / 1000);
      console.log(
        `  ${engine.padEnd(8)} batches of ${String(size).padStart(4)}${size === BATCH_SIZE ? ' (BATCH_SIZE)' : '             '}: ${rate.toFixed(0).padStart(6)} papers/s ` +
          `(${(rate / oldRate).toFixed(2)}× former); write transaction median/max: stage ${pct(stageMs, 0.5).toFixed(0)}/${Math.max(...stageMs).toFixed(0)} ms, ` +
          `apply ${pct(applyMs, 0.5).toFixed(0)}/${Math.max(...applyMs).toFixed(0)} ms`,
      );
    }
  } finally {
    await database.close();
  }
}

async function main(): Promise<void> {
  const file = args.file ?? path.join(dir, `snapshot-${args.lines}.jsonl`);
  if (!args.file) await generate(file, Number(args.lines));
  const seed = await seedFile();
  const engines = args.engines!.split(',') as Engine[];
  const lines = (await parseFile(file, Infinity)).length;
  console.log(`file: ${file} (${(statSync(file).size / 1e6).toFixed(1)} MB, ${lines} records); ${VOTERS} voters + ${READERS} readers over HTTP for "loaded"`);
  console.log('child `dailypapers import`, alone and under load:');
  for (const engine of engines) await importWithAndWithoutLoad(engine, file, seed, lines);
  console.log('write transactions by batch size (in-process):');
  const sizes = args.sizes!.split(',').map(Number);
  const records = await parseFile(file, Infinity);
  for (const engine of engines) await batchSizes(engine, records, sizes);
}

try {
  await main();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
