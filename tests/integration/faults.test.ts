/**
 * Database faults (docs/decisions/0013-budgets-and-faults.md). PostgreSQL's are made by a TCP proxy between
 * a child `dailypapers serve` and the shared server (tests/helpers/tcp-proxy.ts) and by pg_terminate_backend on
 * this test's own database: the process must stay up, the requests caught in the fault answer 503 (never hang:
 * every fetch has a timeout), /healthz goes 503 then 200, and later requests succeed without a restart.
 * SQLite's full disk is made with PRAGMA max_page_count. Start-up errors go through the CLI.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import type { ChildProcess } from 'node:child_process';
import { openDatabase, POOL_IDLE_MS, type Database } from '../../src/db/connection.ts';
import { parseDatabaseUrl } from '../../src/config.ts';
import { databaseFault } from '../../src/db/errors.ts';
import { migrate } from '../../src/db/migrate.ts';
import { importFiles, listInputFiles } from '../../src/importers/import-files.ts';
import { freePort, runCli, startCli } from '../helpers/cli.ts';
import { createTestDatabase, openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { startTestServer, type TestServer } from '../helpers/http.ts';
import { sessionMember } from '../helpers/members.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures');
/** Longer than any budget below: a request still running then is a hang. */
const HANG_MS = 20_000;
const STACK = /\n\s+at /;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` passes or `ms` is up, then returns the last value. */
async function until<T>(ms: number, fn: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > end) return v;
    await sleep(200);
  }
}

describe('PostgreSQL faults under a running `dailypapers serve`', () => {
  let t: TestDatabase;
  let proxy: TcpProxy;
  let child: ChildProcess;
  let base: string;
  let stderr = '';
  let admin: pg.Client;
  const dbName = () => new URL(t.url).pathname.slice(1);

  const get = async (p: string) => {
    const r = await fetch(base + p, { signal: AbortSignal.timeout(HANG_MS) });
    return { status: r.status, retryAfter: r.headers.get('retry-after'), body: await r.text() };
  };
  const health = () => get('/healthz').catch(() => ({ status: 0, retryAfter: null, body: '' }));
  const alive = () => assert.equal(child.exitCode, null, `serve exited; it printed:\n${stderr}`);
  /**
   * A request for a page not cached yet waits on a lock this test holds on papers, so its query is in flight on
   * a connection checked out of the pool (the case where a drop used to crash the process: no 'error' listener).
   */
  async function inFlight(page: string): Promise<{ response: Promise<Awaited<ReturnType<typeof get>>>; release: () => Promise<void> }> {
    await admin.query('begin');
    await admin.query('lock table papers in access exclusive mode');
    const response = get(page);
    response.catch(() => {});
    const waiting = await until(10_000, async () => (await admin.query('select count(*)::int as n from pg_locks l join pg_stat_activity a on a.pid = l.pid where not l.granted and a.datname = $1', [dbName()])).rows[0].n as number, (n) => n > 0);
    assert.ok(waiting > 0, 'the request never reached the database');
    return { response, release: () => admin.query('rollback').then(() => {}) };
  }

  before(async () => {
    t = await createTestDatabase('postgres');
    const d = await openDatabase(t.config);
    await migrate(d);
    await importFiles(d, await listInputFiles([path.join(FIXTURES, 'hf-daily')]));
    await d.close();
    admin = new pg.Client({ connectionString: t.url });
    await admin.connect();
    const target = new URL(t.url);
    proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = startCli(['serve'], {
      DATABASE_URL: proxy.url(t.url), PORT: String(port), JOBS_ENABLED: 'false', EMBEDDER: 'none',
      // Small budgets so that the black hole is found in seconds.
      DATABASE_STATEMENT_TIMEOUT_SECONDS: '2', DATABASE_CONNECT_TIMEOUT_SECONDS: '2',
    });
    child.stderr!.on('data', (d) => (stderr += d));
    child.stdout!.resume();
    const up = await until(30_000, health, (r) => r.status === 200);
    assert.equal(up.status, 200, `serve did not come up:\n${stderr}`);
  });
  after(async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    await admin?.end();
    await proxy?.close();
    await t?.drop();
  });

  test('every connection dropped mid-query: the request in flight gets 503, the process stays up, the next ones work', async () => {
    const { response, release } = await inFlight('/');
    proxy.dropAll();
    const r = await response.catch((e: Error) => assert.fail(`no answer (${e.message}); serve printed:\n${stderr}`));
    await release();
    assert.equal(r.status, 503, r.body);
    assert.equal(r.retryAfter, '5');
    assert.match(r.body, /The database is unavailable for a moment/);
    assert.doesNotMatch(r.body, STACK);
    alive();
    assert.match(stderr, /\[db\] GET \/: 503, database unavailable/);
    assert.equal((await until(10_000, health, (h) => h.status === 200)).status, 200);
    assert.equal((await get('/')).status, 200);
    assert.equal((await get('/api/daily_papers')).status, 200);
    alive();
  });

  test('a black hole (connections accepted, nothing forwarded): 503 within the budget, /healthz 503, then 200 when it clears', async () => {
    // A query in flight when its connection falls into the black hole: the answer never comes back.
    const { response, release } = await inFlight('/papers/trending');
    proxy.setMode('blackhole');
    try {
      await release();
      const r = await response;
      assert.equal(r.status, 503, r.body);
      assert.match(r.body, /The server is too busy to answer right now/);
      const h = await health();
      assert.equal(h.status, 503);
      assert.equal(JSON.parse(h.body).status, 'unavailable');
      alive();
    } finally {
      proxy.setMode('forward');
    }
    assert.equal((await until(15_000, health, (h) => h.status === 200)).status, 200);
    // The connections that timed out were thrown away, not handed to the next requests (they would wait for an
    // answer that never comes): every request succeeds now, even when they use every pooled connection at once.
    const after = await Promise.all(Array.from({ length: 12 }, (_, i) => get(`/api/daily_papers?date=2025-11-04&limit=${i + 1}`).then((r) => r.status)));
    assert.deepEqual(after, after.map(() => 200));
    alive();
  });

  test('a connection that went silent mid-query: the client-side timeout answers, and that connection is never reused', async () => {
    const d = await openDatabase({ engine: 'postgres', url: proxy.url(t.url) }, { statementTimeoutMs: 3000, idleInTransactionTimeoutMs: 0, connectTimeoutMs: 2000 });
    try {
      const q = sql`select pg_sleep(2)`.execute(d.db).then(() => null, (e: Error) => e);
      const running = await until(5000, async () => (await admin.query("select count(*)::int as n from pg_stat_activity where datname = $1 and query like 'select pg_sleep(2)%'", [dbName()])).rows[0].n as number, (n) => n > 0);
      assert.ok(running > 0);
      proxy.setMode('blackhole');
      let err: Error | null;
      try {
        err = await q;
      } finally {
        proxy.setMode('forward');
      }
      assert.equal(databaseFault(err)?.kind, 'timeout', String(err));
      // pg would hand that connection out again, still waiting for the lost answer: every later query would time out.
      for (let i = 0; i < 3; i++) await sql`select 1`.execute(d.db);
    } finally {
      await d.close();
    }
  });

  test('a server that refuses connections for a while (a restart): 503 and /healthz 503, then 200 without restarting serve', async () => {
    proxy.setMode('refuse');
    try {
      const r = await get('/papers/date/2025-11-04');
      assert.equal(r.status, 503, r.body);
      assert.doesNotMatch(r.body, STACK);
      const api = await get('/api/daily_papers?date=2025-11-04');
      assert.equal(api.status, 503);
      assert.equal(api.retryAfter, '5');
      assert.deepEqual(JSON.parse(api.body), { error: 'The database is unavailable for a moment. Please try again shortly.' });
      assert.deepEqual(JSON.parse((await health()).body).status, 'unavailable');
      alive();
    } finally {
      proxy.setMode('forward');
    }
    assert.equal((await until(10_000, health, (h) => h.status === 200)).status, 200);
    assert.equal((await get('/papers/date/2025-11-04')).status, 200);
    alive();
  });

  test('pg_terminate_backend of every backend of the database: the request in flight gets 503, the pool reconnects', async () => {
    const { response, release } = await inFlight('/papers/2511.01678');
    await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [dbName()]);
    const r = await response;
    await release();
    assert.equal(r.status, 503, r.body);
    alive();
    assert.equal((await until(10_000, () => get('/papers/2511.01678'), (x) => x.status === 200)).status, 200);
    assert.equal((await health()).status, 200);
    alive();
  });
});

describe('SQLite: a full disk', () => {
  let database: Database;
  let server: TestServer;
  before(async () => {
    database = await openTestDatabase('sqlite');
    await importFiles(database, await listInputFiles([path.join(FIXTURES, 'hf-daily')]));
    server = await startTestServer(database);
  });
  after(async () => {
    await server.close();
    await database.close();
  });

  test('a write answers 503 "disk is full", /healthz says so, reads go on, and writes resume once there is room', async () => {
    const ada = await sessionMember(database, () => server.base, 'ada');
    const paper = '2511.01678';
    const pages = Number((await sql<{ page_count: number }>`pragma page_count`.execute(database.db)).rows[0]!.page_count);
    // The file may not grow past its size now: fill what room is left in its pages, the way a full disk does.
    await sql.raw(`pragma max_page_count = ${pages}`).execute(database.db);
    for (const size of [4000, 1000, 100]) {
      for (let i = 0; ; i++) {
        const ok = await sql`insert into site_state (key, value) values (${`filler-${size}-${i}`}, ${'x'.repeat(size)})`.execute(database.db).then(() => true, () => false);
        if (!ok) break;
      }
    }
    const r = await ada.api('POST', `/api/papers/${paper}/comments`, { body: 'a long comment '.repeat(600) });
    assert.equal(r.status, 503);
    assert.equal(r.headers.get('retry-after'), '60');
    assert.match((await r.json()).error, /disk is full/);
    const h = await server.get('/healthz');
    assert.equal(h.status, 503);
    assert.deepEqual(await h.json(), { status: 'unavailable', database: 'disk full' });
    assert.equal((await server.get('/healthz/live')).status, 200);
    assert.equal((await server.get(`/api/papers/${paper}`)).status, 200);

    await sql.raw(`pragma max_page_count = ${pages * 10}`).execute(database.db);
    const again = await ada.api('POST', `/api/papers/${paper}/comments`, { body: 'a long comment '.repeat(600) });
    assert.equal(again.status, 201);
  });
});

describe('start-up errors: one clear line, no stack trace', () => {
  let tmp: string;
  let silent: Server;
  let silentPort: number;
  const sockets = new Set<Socket>();
  before(async () => {
    tmp = mkdtempSync(path.join(tmpdir(), 'dp-faults-'));
    // A port that accepts connections and never answers (a firewall that drops, a wrong service).
    silent = createServer((s) => {
      sockets.add(s);
      s.on('error', () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentPort = (silent.address() as { port: number }).port;
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => silent.close(resolve));
    rmSync(tmp, { recursive: true, force: true });
  });

  for (const command of ['migrate', 'serve']) {
    test(`${command}: an empty DATABASE_URL is a configuration error naming it (exit 2)`, async () => {
      const r = await runCli([command], { DATABASE_URL: '' });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /DATABASE_URL: set but empty/);
      assert.doesNotMatch(r.stderr, STACK);
    });

    test(`${command}: a file that is not a database (exit 1)`, async () => {
      const file = path.join(tmp, 'notes.txt');
      writeFileSync(file, 'these are my notes, not a database\n'.repeat(200));
      const r = await runCli([command], { DATABASE_URL: `sqlite:${file}`, PORT: String(await freePort()) });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /^dailypapers: cannot open SQLite database .*notes\.txt: it is not a SQLite database/m);
      assert.doesNotMatch(r.stderr, STACK);
    });

    test(`${command}: a folder it may not write in (exit 1)`, async () => {
      // As root chmod stops nothing; /proc/1 exists and takes no new files for anyone.
      const file = process.getuid?.() === 0 ? '/proc/1/dailypapers.db' : path.join(tmp, 'ro', 'dailypapers.db');
      if (process.getuid?.() !== 0) {
        (await import('node:fs')).mkdirSync(path.dirname(file), { mode: 0o555 });
      }
      const r = await runCli([command], { DATABASE_URL: `sqlite:${file}`, PORT: String(await freePort()) });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /^dailypapers: cannot open SQLite database .*dailypapers\.db: .*this user may write there|not writable/m);
      assert.doesNotMatch(r.stderr, STACK);
    });

    test(`${command}: a PostgreSQL port that never answers fails within the connect timeout, naming the host`, async () => {
      const r = await runCli([command], { DATABASE_URL: `postgres://postgres@127.0.0.1:${silentPort}/nowhere`, DATABASE_CONNECT_TIMEOUT_SECONDS: '1', PORT: String(await freePort()) });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`cannot connect to PostgreSQL at 127\\.0\\.0\\.1:${silentPort}/nowhere: no answer within 1 s; check that the server is up`));
      assert.doesNotMatch(r.stderr, STACK);
    });
  }

  test('serve: a refused PostgreSQL port (exit 1)', async () => {
    const r = await runCli(['serve'], { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nowhere', PORT: String(await freePort()) });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /cannot connect to PostgreSQL at 127\.0\.0\.1:1\/nowhere/);
    assert.doesNotMatch(r.stderr, STACK);
  });
});

describe('PostgreSQL: pooled connections outlive a quiet spell; the searches\' own settings', () => {
  let database: Database & { url: string };
  before(async () => {
    database = await openTestDatabase('postgres');
  });
  after(() => database.close());

  test('after 11 s without a query (pg closes idle connections after 10 s by default), the next query and search reuse their backends', async () => {
    const pid = async (db: Database['db']) => Number((await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db)).rows[0]!.pid);
    const searches = database.bounded(5_000)!;
    const before = [await pid(database.db), await pid(searches)];
    await new Promise((r) => setTimeout(r, 11_000));
    // A new backend would plan the site's first searches with cold catalog caches (docs/decisions/0048-import-at-scale-and-three-million-papers.md).
    assert.deepEqual([await pid(database.db), await pid(searches)], before);
    assert.ok(POOL_IDLE_MS > 11_000);
  });

  test('searches plan without parallel workers; other queries keep the server default; options in the URL are kept', async () => {
    const setting = async (db: Database['db'], name: string) => (await sql.raw<Record<string, string>>(`show ${name}`).execute(db)).rows[0]![name];
    const serverDefault = await setting(database.db, 'max_parallel_workers_per_gather');
    assert.notEqual(serverDefault, '0', 'the test needs a server that plans parallel queries');
    assert.equal(await setting(database.bounded(5_000)!, 'max_parallel_workers_per_gather'), '0');
    // An operator's own settings in DATABASE_URL (node-postgres would let them replace the searches').
    const u = new URL(database.url);
    u.searchParams.set('options', '-c work_mem=7MB');
    const withOptions = await openDatabase(parseDatabaseUrl(u.toString()));
    try {
      assert.equal(await setting(withOptions.db, 'work_mem'), '7MB');
      assert.equal(await setting(withOptions.db, 'max_parallel_workers_per_gather'), serverDefault);
      const searches = withOptions.bounded(5_000)!;
      assert.equal(await setting(searches, 'work_mem'), '7MB');
      assert.equal(await setting(searches, 'max_parallel_workers_per_gather'), '0');
    } finally {
      await withOptions.close();
    }
  });
});
