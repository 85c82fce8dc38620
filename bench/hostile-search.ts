/**
 * Hostile searches against ordinary ones (docs/decisions/0014-search-budget.md; 0053 for searches without words): a
 * synthetic corpus of N papers (bench/search-corpus.ts, text from the bigram model of the real Hugging Face files)
 * imported into a fresh database on each engine, a few organizations attached to a third of the papers and a small
 * one (TINY_ORG) to 20 of them, then the site
 * served over real HTTP (in this process: the server's event loop is this one) and, per class of query,
 * CLIENTS concurrent clients sending REQUESTS searches (GET /api/search, the site's default hybrid mode,
 * which is keyword search here: no semantic index is built) while a prober asks GET /healthz every 10 ms.
 *
 * Prints per class: median and worst request time, the worst /healthz answer time seen meanwhile and the
 * worst event-loop delay (perf_hooks), each with its ratio to the ordinary class of the same run.
 *
 *   npm run bench:hostile-search -- [HF_DAILY_DIR] [--papers 30000] [--engines sqlite,postgres]
 *        [--clients 4] [--requests 24] [--work DIR] [--classes 'no words,only']
 *
 * --classes runs only the classes whose names contain one of these (and the ordinary one, the ratios' base).
 *
 * HF_DAILY_DIR defaults to ../shared/data/hf-daily. PostgreSQL: a fresh database `dailypapers_hostile_PID`
 * on postgres://postgres@127.0.0.1:5432, dropped afterwards. Files go to a temporary folder, removed at
 * the end. With --work DIR the corpus and the SQLite file are kept there, and the PostgreSQL database
 * `dailypapers_hostile_work_N` is kept, and a second run reuses them (drop it yourself when done).
 */
import { serve } from '@hono/node-server';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { parseDatabaseUrl } from '../src/config.ts';
import { openDatabase, type Database } from '../src/db/connection.ts';
import { migrate } from '../src/db/migrate.ts';
import { MAX_QUERY_CHARS } from '../src/domain/search-query.ts';
import { createMailer } from '../src/email/mailer.ts';
import { createApp } from '../src/http/app.ts';
import { importFiles } from '../src/importers/import-files.ts';
import { writeCorpus } from './search-corpus.ts';
import { learnTextModel, sampleQuery, seeded, type TextModel } from './text-model.ts';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    papers: { type: 'string', default: '30000' },
    engines: { type: 'string', default: 'sqlite,postgres' },
    clients: { type: 'string', default: '4' },
    requests: { type: 'string', default: '24' },
    work: { type: 'string' },
    classes: { type: 'string' },
  },
});
const hfDir = path.resolve(positionals[0] ?? '../shared/data/hf-daily');
const nPapers = Number(args.papers);
const clients = Number(args.clients);
const requests = Number(args.requests);
const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const ORGS = ['deepmind', 'openai', 'meta', 'nvidia'];
/** An organization with TINY_PAPERS papers spread over the corpus. */
const TINY_ORG = 'tinylab';
const TINY_PAPERS = 20;
const CATEGORIES = ['cs.CL', 'cs.LG', 'cs.AI', 'cs.CV', 'stat.ML', 'cs.RO', 'cs.IR', 'eess.AS', 'cs.SE', 'math.OC'];

/** Pieces joined up to the query length limit. */
function fill(piece: (i: number) => string, prefix = ''): string {
  let q = prefix;
  for (let i = 0; ; i++) {
    const p = piece(i);
    if (q.length + p.length + 1 > MAX_QUERY_CHARS) return q.trim();
    q += ` ${p}`;
  }
}

/** A misspelling of a word (one letter changed or dropped), new on every call, so no cache helps. */
function misspell(word: string, rand: () => number): string {
  const i = 1 + Math.floor(rand() * (word.length - 1));
  const letter = String.fromCharCode(97 + Math.floor(rand() * 26));
  return rand() < 0.5 ? word.slice(0, i) + word.slice(i + 1) : word.slice(0, i) + letter + word.slice(i + 1);
}

interface QueryClass {
  name: string;
  /** The i-th query of the class. */
  query: (i: number) => string;
  /** More of the URL's query string (`&sort=upvotes`). */
  params?: string;
}

function classes(model: TextModel): QueryClass[] {
  const rand = seeded(99);
  const long = model.vocabulary.map((v) => v.word).filter((w) => /^[a-z]{7,}$/.test(w));
  const longWord = () => long[Math.floor(rand() * long.length)]!;
  const surnames = ['Zhang', 'Smith', 'Wang', 'Garcia', 'Nguyen', 'Müller', 'Rossi', 'Tanaka', 'Ivanov', 'Patel'];
  return [
    { name: 'ordinary (1–3 words)', query: (i) => sampleQuery(model, rand, (i % 3) + 1) },
    { name: 'broad common words', query: () => 'model learning data results method approach performance training' },
    { name: '~140 org: filters', query: (i) => fill((j) => `org:${ORGS[j % ORGS.length]}${j >= ORGS.length ? j : ''}`, `model org:x${i}`) },
    { name: '~90 cat: filters', query: (i) => fill((j) => `cat:${CATEGORIES[(i + j) % CATEGORIES.length]}`, 'learning') },
    {
      name: 'mixed operators',
      query: (i) => fill((j) => [`org:${ORGS[j % 4]}`, `cat:${CATEGORIES[j % 10]}`, `author:${surnames[j % 10]}`, `"${sampleQuery(model, rand, 2)}"`, `-${longWord()}`, `year:${2020 + (j % 7)}`][j % 6]!, `model ${i}`),
    },
    { name: 'misspelt author: list', query: () => fill(() => `author:${misspell(rand() < 0.5 ? longWord() : surnames[Math.floor(rand() * 10)]!, rand)}`) },
    { name: 'misspelt words', query: () => fill(() => misspell(longWord(), rand)) },
    // Searches without words: what the filters leave out must not be read in one statement (src/search/filters-only.ts).
    { name: 'org: small, no words', query: () => `org:${TINY_ORG}`, params: '&sort=date' },
    { name: 'cat: empty, no words', query: (i) => `cat:${['hep-th', 'astro-ph.GA', 'q-bio.NC', 'nucl-th'][i % 4]}` },
    { name: '-common word only', query: (i) => `-${['model', 'learning', 'data', 'results'][i % 4]}` },
    { name: 'year: by upvotes', query: (i) => `year:${2021 + (i % 5)}`, params: '&sort=upvotes' },
    { name: 'code=1, no words', query: (i) => (i % 2 === 0 ? '' : 'year:2024'), params: '&code=1&offset=970' },
    // A filter that few papers pass, with a word most papers have: the keyword window reads matches until enough pass.
    { name: 'code=1, a common word', query: (i) => ['model', 'learning', 'data', 'results'][i % 4]!, params: '&code=1' },
  ];
}

let requestNumber = 0;

interface Row {
  name: string;
  median: number;
  worst: number;
  healthWorst: number;
  loopWorst: number;
  statuses: string;
}

async function runClass(base: string, c: QueryClass): Promise<Row> {
  const times: number[] = [];
  const statuses = new Map<number, number>();
  const errors = new Map<number, string>();
  let next = 0;
  let running = true;
  const health: number[] = [];
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const prober = (async () => {
    while (running) {
      const t = performance.now();
      await fetch(`${base}/healthz`).then((r) => r.arrayBuffer(), () => null);
      health.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  await Promise.all(Array.from({ length: clients }, async () => {
    for (let i = next++; i < requests; i = next++) {
      const q = c.query(i);
      const t = performance.now();
      // A distinct URL each time: the response cache would answer a repeated one.
      let status = 0;
      let body = '';
      try {
        const res = await fetch(`${base}/api/search?q=${encodeURIComponent(q)}${c.params ?? ''}&n=${++requestNumber}`);
        body = await res.text();
        status = res.status;
      } catch (e) {
        body = `${(e as Error).message}: ${((e as Error).cause as Error | undefined)?.message ?? ''}`; // status 0: no answer
      }
      times.push(performance.now() - t);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status !== 200 && !errors.has(status)) errors.set(status, body.slice(0, 160));
    }
  }));
  running = false;
  await prober;
  loop.disable();
  times.sort((a, b) => a - b);
  return {
    name: c.name,
    median: times[Math.floor(times.length / 2)]!,
    worst: times.at(-1)!,
    healthWorst: Math.max(...health),
    loopWorst: loop.max / 1e6,
    statuses: [...statuses].map(([s, n]) => `${n}×${s}`).join(' ') + [...errors].map(([s, m]) => ` (${s}: ${m})`).join(''),
  };
}

/** Waits (up to 5 minutes) until the site corrects a misspelt common word: its spelling vocabulary is read. */
async function vocabularyRead(base: string, model: TextModel): Promise<void> {
  const word = model.vocabulary.map((v) => v.word).find((w) => /^[a-z]{9,}$/.test(w))!;
  const typo = word.slice(0, 3) + word.slice(4);
  const t = performance.now();
  while (performance.now() - t < 300_000) {
    const body = (await (await fetch(`${base}/api/search?q=${encodeURIComponent(typo)}&n=${++requestNumber}`)).json()) as { corrected?: unknown[] };
    if ((body.corrected ?? []).length > 0) return void console.log(`spelling vocabulary ready after ${((performance.now() - t) / 1000).toFixed(1)} s`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  console.log('spelling vocabulary: not ready after 5 minutes');
}

async function prepare(database: Database, corpus: string): Promise<void> {
  await migrate(database);
  const have = Number((await sql<{ n: number }>`select count(*) as n from papers`.execute(database.db)).rows[0]!.n);
  if (have < nPapers) await importCorpus(database, corpus);
  else console.log(`import: ${have} papers already there`);
  if (!(await database.db.selectFrom('organizations').select('id').where('name', '=', TINY_ORG).executeTakeFirst())) {
    await database.db.insertInto('organizations').values({ name: TINY_ORG, fullname: 'A small lab', avatar_url: null, hf_id: null, created_at: new Date().toISOString() }).execute();
    for (let k = 0; k < TINY_PAPERS; k++) {
      await sql`update papers set organization_id = (select id from organizations where name = ${TINY_ORG})
        where id = (select id from papers order by id limit 1 offset ${Math.floor((k * nPapers) / TINY_PAPERS)})`.execute(database.db);
    }
  }
}

async function importCorpus(database: Database, corpus: string): Promise<void> {
  const t = performance.now();
  const r = await importFiles(database, [corpus], { format: 'arxiv-snapshot' });
  if (r.rejected > 0) throw new Error(r.rejections[0]!.reason);
  console.log(`import: ${r.new} papers in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  // Organizations for the org: filters: each of a third of the papers gets one.
  for (const name of ORGS) {
    await database.db.insertInto('organizations').values({ name, fullname: `${name} research`, avatar_url: null, hf_id: null, created_at: new Date().toISOString() }).execute();
  }
  const ids = await database.db.selectFrom('organizations').select('id').orderBy('id').execute();
  for (const [k, o] of ids.entries()) {
    await sql`update papers set organization_id = ${o.id} where id in (select id from papers order by id limit ${Math.floor(nPapers / 12)} offset ${k * Math.floor(nPapers / 12)})`.execute(database.db);
  }
}

async function main(): Promise<void> {
  const work = args.work ? path.resolve(args.work) : null;
  if (work) mkdirSync(work, { recursive: true });
  const tmp = work ?? mkdtempSync(path.join(tmpdir(), 'dailypapers-hostile-'));
  try {
    const model = learnTextModel(hfDir);
    const corpus = path.join(tmp, `corpus-${nPapers}.jsonl`);
    if (!existsSync(corpus)) await writeCorpus(model, corpus, nPapers);
    // --classes: only the classes whose names contain one of these (the ordinary one is always run: the ratios' base).
    const only = args.classes?.split(',').map((c) => c.trim()).filter(Boolean);
    const list = classes(model).filter((c, i) => i === 0 || !only || only.some((o) => c.name.includes(o)));
    for (const engine of args.engines!.split(',').map((e) => e.trim()).filter(Boolean)) {
      let url = `sqlite:${path.join(tmp, `hostile-${nPapers}.db`)}`;
      let drop = () => {};
      if (engine === 'postgres') {
        const name = work ? `dailypapers_hostile_work_${nPapers}` : `dailypapers_hostile_${process.pid}`;
        const exists = execFileSync('psql', [ADMIN_URL, '-tAc', `select 1 from pg_database where datname = '${name}'`]).toString().trim() === '1';
        if (!exists) execFileSync('psql', [ADMIN_URL, '-qc', `create database ${name}`]);
        url = `postgres://postgres@127.0.0.1:5432/${name}`;
        if (!work) drop = () => execFileSync('psql', [ADMIN_URL, '-qc', `drop database if exists ${name} with (force)`]);
      }
      const database = await openDatabase(parseDatabaseUrl(url));
      try {
        console.log(`\n== ${engine}, ${nPapers} papers; ${clients} clients × ${requests} requests per class; /healthz probed every 10 ms`);
        await prepare(database, corpus);
        const generous = { limit: 1_000_000, windowSeconds: 60 };
        const app = createApp({
          database, site: { name: 'Daily Papers', curators: 'AK', publicUrl: 'http://bench.test' },
          mailer: createMailer(database, { smtpUrl: null, from: 'Daily Papers <papers@bench.test>' }),
          rateLimits: { read: { name: 'read', ...generous }, write: { name: 'write', ...generous }, auth: { name: 'auth', ...generous } },
        });
        const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
          const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
        });
        const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        try {
          // Warm-up: the ordinary class once, and the spelling vocabulary (read in the background on PostgreSQL and on
          // SQLite past 20,000 papers): until a misspelt word is corrected.
          await runClass(base, { name: 'warm-up', query: list[0]!.query });
          await vocabularyRead(base, model);
          const rows: Row[] = [];
          for (const c of list) rows.push(await runClass(base, c));
          const o = rows[0]!;
          const ms = (x: number) => `${x.toFixed(0)} ms`;
          const ratio = (x: number, y: number) => `${(x / Math.max(y, 1)).toFixed(1)}×`;
          console.log(`${'class'.padEnd(24)} ${'median'.padStart(15)} ${'worst'.padStart(15)} ${'/healthz worst'.padStart(16)} ${'loop delay worst'.padStart(18)}  answers`);
          for (const r of rows) {
            console.log(`${r.name.padEnd(24)} ${`${ms(r.median)} ${ratio(r.median, o.median)}`.padStart(15)} ${`${ms(r.worst)} ${ratio(r.worst, o.worst)}`.padStart(15)} ${`${ms(r.healthWorst)} ${ratio(r.healthWorst, o.healthWorst)}`.padStart(16)} ${`${ms(r.loopWorst)} ${ratio(r.loopWorst, o.loopWorst)}`.padStart(18)}  ${r.statuses}`);
          }
        } finally {
          await new Promise<void>((r) => server.close(() => r()));
        }
      } finally {
        await database.close();
        drop();
      }
    }
  } finally {
    if (!work) rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
