/**
 * Category and organization pages at depth (issue 17; docs/decisions/0041-keyset-pagination.md): OFFSET paging as
 * the site did it before migration 34 against keyset paging (src/db/queries/lists.ts), exact against capped
 * counts, and the whole page over HTTP.
 *
 * The corpus, on each engine: the real Hugging Face daily lists of HF_DAILY_DIR (with their organizations), then
 * synthetic papers (bench/search-corpus.ts, text from the real lists' word model) up to --papers, imported with the
 * real importer. Nine synthetic papers in ten are also in cs.LG (the big category) and eight in ten belong to the
 * organization `bench-lab` (the big organization), so both lists have most of the corpus; ties on the date are
 * common (dates are whole hours).
 *
 * Prints median and p95 (ms, --samples runs after a warm-up) for each list: page 1000 and the last page by OFFSET
 * and by keyset (the real page function, from a cursor at the same depth), the exact count against the capped one
 * (LIMIT 10001), and the whole page over HTTP (the app on a port, response cache off) at --samples depths spread
 * over the list; the plans of the keyset queries (EXPLAIN QUERY PLAN on SQLite, EXPLAIN on PostgreSQL); and the
 * search page (keyword mode, by relevance and by date) of words with 100k+ matches at 1M papers, at page 1, page 50
 * (the deepest it offers) and pages spread between.
 *
 *   npm run bench:list-pages -- [HF_DAILY_DIR] [--papers 100000] [--samples 20] [--offset-samples N] [--engines sqlite,postgres]
 *
 * --offset-samples (default: --samples) times the OFFSET baselines fewer times: at 1M papers one OFFSET last page
 * takes seconds.
 *
 * HF_DAILY_DIR defaults to ../shared/data/hf-daily. PostgreSQL: a fresh database `dailypapers_bench_lists_PID` on
 * postgres://postgres@127.0.0.1:5432, dropped afterwards; SQLite in a temporary folder, removed afterwards.
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import { sql, type Kysely } from 'kysely';
import { parseDatabaseUrl } from '../src/config.ts';
import { DEFAULT_BUDGET, openDatabase, type Database } from '../src/db/connection.ts';
import { migrate } from '../src/db/migrate.ts';
import type { DB } from '../src/db/schema.ts';
import { importFiles } from '../src/importers/import-files.ts';
import { categoryPapers, LIST_COUNT_CAP, organizationPapers, paperQuery } from '../src/db/queries/lists.ts';
import { encodeCursor, type ListCursor } from '../src/domain/list-cursor.ts';
import { createMailer } from '../src/email/mailer.ts';
import { createApp } from '../src/http/app.ts';
import { PAGE_SIZE } from '../src/http/context.ts';
import { syntheticPaper } from './search-corpus.ts';
import { learnTextModel } from './text-model.ts';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    papers: { type: 'string', default: '100000' },
    samples: { type: 'string', default: '20' },
    'offset-samples': { type: 'string' },
    engines: { type: 'string', default: 'sqlite,postgres' },
  },
});
const hfDir = path.resolve(positionals[0] ?? '../shared/data/hf-daily');
const nPapers = Number(args.papers);
const samples = Number(args.samples);
const offsetSamples = Number(args['offset-samples'] ?? samples);
const engines = args.engines!.split(',').map((e) => e.trim()).filter(Boolean);
const BIG_CATEGORY = 'cs.LG';
const BIG_ORG = 'bench-lab';
/** The target of issue 17 for a list page at any depth. */
const TARGET_MS = 30;
/** Requests before the HTTP timings: the first ones load and compile the page's modules. */
const HTTP_WARMUP = 10;
/** Searches with 100k+ matches at 1M papers (words the text model uses most), timed over HTTP at depth. */
const SEARCHES = ['model', 'language models'];

const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const fmt = (ms: number) => (ms < 10 ? ms.toFixed(2) : ms.toFixed(1));

function stats(ms: number[]): { p50: number; p95: number } {
  const s = [...ms].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!;
  return { p50: at(0.5), p95: at(0.95) };
}

/** Runs `fn` `warmup` times, then `n` times: the timings (ms). */
async function time(fn: (i: number) => Promise<unknown>, warmup = 3, n = samples): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn(n + i);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    out.push(performance.now() - t);
  }
  return out;
}

/** The synthetic part of the corpus: snapshot lines, most in the big category. */
async function writeSynthetic(file: string, n: number): Promise<void> {
  const model = learnTextModel(hfDir);
  const out = createWriteStream(file);
  for (let i = 0; i < n; i++) {
    const rec = JSON.parse(syntheticPaper(model, i)) as { categories: string };
    if (i % 10 !== 0) rec.categories = [...new Set([BIG_CATEGORY, ...rec.categories.split(' ')])].join(' ');
    if (!out.write(JSON.stringify(rec) + '\n')) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(r));
}

/** The queries the site ran before keyset paging (OFFSET, newest arXiv date first), as they were. */
function offsetQueries(db: Kysely<DB>) {
  return {
    category: (offset: number) =>
      paperQuery(db).innerJoin('paper_categories as c', 'c.paper_id', 'papers.id').where('c.category', '=', BIG_CATEGORY)
        .orderBy('papers.published_at', 'desc').orderBy('papers.id', 'desc').limit(PAGE_SIZE).offset(offset).execute(),
    organization: (offset: number) =>
      paperQuery(db).where('o.name', '=', BIG_ORG).orderBy('papers.published_at', 'desc').orderBy('papers.id', 'desc').limit(PAGE_SIZE).offset(offset).execute(),
    categoryCount: () => db.selectFrom('paper_categories').select((eb) => eb.fn.countAll<number>().as('n')).where('category', '=', BIG_CATEGORY).executeTakeFirstOrThrow(),
    organizationCount: () =>
      db.selectFrom('papers').innerJoin('organizations as o', 'o.id', 'papers.organization_id').select((eb) => eb.fn.countAll<number>().as('n')).where('o.name', '=', BIG_ORG).executeTakeFirstOrThrow(),
  };
}

/** The plan of the keyset queries (the SQL of src/db/queries/lists.ts, written out). */
async function plans(database: Database, orgId: number, cat: ListCursor, org: ListCursor): Promise<void> {
  const { db, engine } = database;
  const categorySql = sql`select papers.* from paper_categories c join papers on papers.id = c.paper_id left join organizations o on o.id = papers.organization_id
    where c.category = ${BIG_CATEGORY} and (c.sort_date <= ${cat.date} and (c.sort_date < ${cat.date} or c.paper_id < ${cat.id}))
    order by c.sort_date desc, c.paper_id desc limit ${PAGE_SIZE + 1}`;
  const orgSql = sql`select papers.* from papers left join organizations o on o.id = papers.organization_id
    where papers.organization_id = ${orgId} and (coalesce(papers.published_at, '') <= ${org.date} and (coalesce(papers.published_at, '') < ${org.date} or papers.id < ${org.id}))
    order by coalesce(papers.published_at, '') desc, papers.id desc limit ${PAGE_SIZE + 1}`;
  for (const [name, q] of [['category keyset', categorySql], ['organization keyset', orgSql]] as const) {
    const explained = engine === 'sqlite' ? sql`explain query plan ${q}` : sql`explain ${q}`;
    const rows = (await explained.execute(db)).rows as Record<string, unknown>[];
    const lines = rows.map((r) => String(engine === 'sqlite' ? r.detail : r['QUERY PLAN']));
    console.log(`  plan, ${name}: ${lines.map((l) => l.trim()).join(' | ')}`);
  }
}

interface Row {
  list: string;
  what: string;
  p50: number;
  p95: number;
}

async function benchEngine(engine: string, synthetic: string, hfFiles: string[], tmp: string): Promise<Row[]> {
  console.log(`\n== ${engine}`);
  let url: string;
  let drop = () => {};
  if (engine === 'sqlite') url = `sqlite:${path.join(tmp, 'lists.db')}`;
  else {
    const admin = 'postgres://postgres@127.0.0.1:5432/postgres';
    const name = `dailypapers_bench_lists_${process.pid}`;
    execFileSync('psql', [admin, '-qc', `create database ${name}`]);
    url = `postgres://postgres@127.0.0.1:5432/${name}`;
    drop = () => execFileSync('psql', [admin, '-qc', `drop database if exists ${name} with (force)`]);
  }
  // No statement timeout: at 1M papers the setup's update of 800,000 papers runs past the web's 30 s.
  const database = await openDatabase(parseDatabaseUrl(url), { ...DEFAULT_BUDGET, statementTimeoutMs: 0 });
  const rows: Row[] = [];
  const add = (list: string, what: string, ms: number[]) => {
    const s = stats(ms);
    rows.push({ list, what, ...s });
    console.log(`  ${list.padEnd(13)} ${what.padEnd(34)} p50 ${fmt(s.p50).padStart(7)} ms   p95 ${fmt(s.p95).padStart(7)} ms`);
  };
  try {
    await migrate(database);
    const { db } = database;
    let t = performance.now();
    const real = await importFiles(database, hfFiles);
    const syn = await importFiles(database, [synthetic], { format: 'arxiv-snapshot' });
    if (real.rejected + syn.rejected > 0) console.log(`  (rejected: ${real.rejected + syn.rejected})`);
    console.log(`  import: ${real.new} real + ${syn.new} synthetic papers in ${sec(performance.now() - t)} (paper_categories.sort_date kept by the migration's triggers)`);
    t = performance.now();
    await db.insertInto('organizations').values({ name: BIG_ORG, fullname: 'Bench Lab', avatar_url: null, hf_id: null, created_at: new Date().toISOString() }).execute();
    const orgId = (await db.selectFrom('organizations').select('id').where('name', '=', BIG_ORG).executeTakeFirstOrThrow()).id;
    // Eight synthetic papers in ten (by the last digit of the id), whatever organization they had.
    await sql`update papers set organization_id = ${orgId} where organization_id is null and metadata_source = 'arxiv' and substr(id, length(id), 1) not in ('0', '5')`.execute(db);
    // Statistics (and, on PostgreSQL, the visibility map that index-only scans need), as autovacuum would leave them.
    await sql.raw(engine === 'postgres' ? 'vacuum analyze' : 'analyze').execute(db);
    const nCat = Number((await offsetQueries(db).categoryCount()).n);
    const nOrg = Number((await offsetQueries(db).organizationCount()).n);
    console.log(`  ${BIG_CATEGORY}: ${nCat} papers, ${BIG_ORG}: ${nOrg} papers (set up in ${sec(performance.now() - t)})`);

    const off = offsetQueries(db);
    const lists = [
      {
        name: `category ${BIG_CATEGORY}`, n: nCat, offset: off.category, list: categoryPapers(db, BIG_CATEGORY), exact: off.categoryCount,
        path: `/papers/category/${BIG_CATEGORY}`,
      },
      {
        name: `org ${BIG_ORG}`, n: nOrg, offset: off.organization, list: organizationPapers(db, orgId), exact: off.organizationCount,
        path: `/organizations/${BIG_ORG}`,
      },
    ];
    const cursors: ListCursor[] = [];
    for (const l of lists) {
      const keyset = (after?: ListCursor) => l.list.page(after ? { limit: PAGE_SIZE, after } : { limit: PAGE_SIZE });
      const lastStart = Math.floor((l.n - 1) / PAGE_SIZE) * PAGE_SIZE;
      // Page 1000, or the one before the last on a list too short for it.
      const depth = Math.min(999 * PAGE_SIZE, lastStart - PAGE_SIZE);
      const depthName = `page ${depth / PAGE_SIZE + 1}`;
      const [atDepth] = await l.list.keysAt(depth - 1);
      const [atLast] = await l.list.keysAt(lastStart - 1);
      cursors.push(atDepth!);
      // Same rows both ways: the keyset page at the depth is the OFFSET page (checked once, not timed).
      const a = (await l.offset(depth)).map((r) => r.id);
      const b = (await keyset(atDepth)).items.map((i) => i.paper.id);
      if (a.join() !== b.join()) console.log(`  note: ${l.name} ${depthName} differs between OFFSET and keyset`);
      add(l.name, 'page 1 (keyset)', await time(() => keyset()));
      add(l.name, `${depthName}, OFFSET (before)`, await time(() => l.offset(depth), 1, offsetSamples));
      add(l.name, `${depthName}, keyset`, await time(() => keyset(atDepth)));
      add(l.name, `last page (${lastStart / PAGE_SIZE + 1}), OFFSET (before)`, await time(() => l.offset(lastStart), 1, offsetSamples));
      add(l.name, `last page (${lastStart / PAGE_SIZE + 1}), keyset`, await time(() => keyset(atLast)));
      add(l.name, 'count, exact (before)', await time(() => l.exact(), 1, offsetSamples));
      add(l.name, `count, capped at ${LIST_COUNT_CAP}`, await time(() => l.list.count()));
    }
    await plans(database, orgId, cursors[0]!, cursors[1]!);

    // The whole page over HTTP, response cache off (every request builds the page), at depths spread over the list.
    const app = createApp({
      database, site: { name: 'Daily Papers', curators: 'AK', publicUrl: 'http://bench.test' },
      mailer: createMailer(database, { smtpUrl: null, from: 'Daily Papers <papers@bench.test>' }), cache: { maxBytes: 0 },
    });
    const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      for (const l of lists) {
        const pages = Math.ceil(l.n / PAGE_SIZE);
        const urls: string[] = [];
        for (let i = 0; i < samples + HTTP_WARMUP; i++) {
          const page = 2 + Math.floor(((i * 7919) % 1000) / 1000 * (pages - 1));
          const [key] = await l.list.keysAt((page - 1) * PAGE_SIZE - 1);
          urls.push(`${l.path}?after=${encodeCursor(key!)}`);
        }
        add(l.name, 'whole page over HTTP, any depth', await time(async (i) => {
          const r = await fetch(base + urls[i % urls.length]);
          if (r.status !== 200) throw new Error(`${r.status} for ${urls[i % urls.length]}`);
          await r.text();
        }, HTTP_WARMUP));
      }
      // A search with 100k+ matches: its pages go 50 deep (the search handler's MAX_PAGE), by relevance and by date.
      for (const q of SEARCHES) {
        const counted = engine === 'sqlite'
          ? sql<{ n: number }>`select count(*) as n from papers_fts where papers_fts match ${q}`
          : sql<{ n: number }>`select count(*) as n from paper_search where document @@ plainto_tsquery('english', ${q})`;
        const matches = Number((await counted.execute(db)).rows[0]!.n);
        const get = async (u: string) => {
          const r = await fetch(base + u);
          if (r.status !== 200) throw new Error(`${r.status} for ${u}`);
          await r.text();
        };
        for (const sort of ['relevance', 'date']) {
          const url = (page: number) => `/search?q=${encodeURIComponent(q)}&mode=keyword&sort=${sort}${page > 1 ? `&p=${page}` : ''}`;
          const name = `search "${q}" (${matches} matches), by ${sort}`;
          add(name, 'page 1 over HTTP', await time(() => get(url(1))));
          add(name, 'page 50 over HTTP', await time(() => get(url(50))));
          add(name, 'pages 2–50 over HTTP', await time((i) => get(url(2 + ((i * 7) % 49))), HTTP_WARMUP));
        }
      }
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  } finally {
    await database.close();
    drop();
  }
  return rows;
}

async function main(): Promise<void> {
  const tmp = mkdtempSync(path.join(tmpdir(), 'dailypapers-list-pages-'));
  try {
    const hfFiles = readdirSync(hfDir).filter((f) => f.endsWith('.json')).sort().map((f) => path.join(hfDir, f));
    const synthetic = path.join(tmp, 'synthetic.jsonl');
    // The real lists hold ~8,700 papers; the rest is synthetic.
    const nSynthetic = Math.max(0, nPapers - 8_700);
    let t = performance.now();
    await writeSynthetic(synthetic, nSynthetic);
    console.log(`corpus: ${hfFiles.length} real daily lists from ${hfDir} + ${nSynthetic} synthetic papers (written in ${sec(performance.now() - t)})`);
    const all: [string, Row[]][] = [];
    for (const engine of engines) all.push([engine, await benchEngine(engine, synthetic, hfFiles, tmp)]);
    console.log(`\n| engine | list | measure | p50 ms | p95 ms | ≤ ${TARGET_MS} ms |`);
    console.log('|---|---|---|---:|---:|---|');
    for (const [engine, rows] of all) {
      for (const r of rows) {
        const judged = /keyset|capped|HTTP/.test(r.what) ? (r.p95 <= TARGET_MS ? 'yes' : 'NO') : '';
        console.log(`| ${engine} | ${r.list} | ${r.what} | ${fmt(r.p50)} | ${fmt(r.p95)} | ${judged} |`);
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
