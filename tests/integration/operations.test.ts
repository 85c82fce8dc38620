/**
 * Running it (docs/decisions/0022-operations.md): `--version`; one-line errors for a port in use, an unwritable
 * SQLite path and a bad DATABASE_URL; `npm start` stops the server on SIGTERM; graceful shutdown lets requests
 * under way finish; `backup` copies a live SQLite database that opens with the same papers, accounts and votes.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { openDatabase, type Database } from '../../src/db/connection.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createUser } from '../../src/db/queries/users.ts';
import { setVote } from '../../src/db/queries/votes.ts';
import { importFiles, listInputFiles } from '../../src/importers/import-files.ts';
import { drainable } from '../../src/ops/shutdown.ts';
import { freePort, lastJsonLine, ROOT, runCli, startCli, type CliResult } from '../helpers/cli.ts';
import { createTestDatabase } from '../helpers/db.ts';
import { FIXTURES } from '../helpers/site.ts';

/** What `serve` needs to start quickly in a test: no jobs, no embedder. */
const QUIET = { JOBS_ENABLED: 'false', EMBEDDER: 'none' };

/** One line on stderr naming the problem, no stack trace. */
function assertOneLine(r: CliResult, pattern: RegExp): void {
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
}

test('--version prints the version of package.json', async () => {
  const { version } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const r = await runCli(['--version']);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, `${version}\n`);
});

test('serve stops with one line and a non-zero code on a port in use, an unwritable SQLite path, a bad DATABASE_URL', async () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'dp-ops-'));
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const port = (taken.address() as { port: number }).port;
  const aFile = path.join(tmp, 'a-file');
  writeFileSync(aFile, 'not a folder');
  try {
    const [inUse, underFile, readOnlyFs, unparseable, scheme, unreachable] = await Promise.all([
      runCli(['serve'], { ...QUIET, DATABASE_URL: `sqlite:${path.join(tmp, 'db.sqlite')}`, PORT: String(port) }),
      runCli(['serve'], { ...QUIET, DATABASE_URL: `sqlite:${path.join(aFile, 'data', 'db.sqlite')}`, PORT: String(port) }),
      // Nobody, root included, may create a file in /proc.
      runCli(['serve'], { ...QUIET, DATABASE_URL: 'sqlite:/proc/dailypapers-test.db', PORT: String(port) }),
      runCli(['serve'], { ...QUIET, DATABASE_URL: 'postgres://user@[bad host/db', PORT: String(port) }),
      runCli(['serve'], { ...QUIET, DATABASE_URL: 'mysql://user@127.0.0.1/papers', PORT: String(port) }),
      runCli(['serve'], { ...QUIET, DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nowhere', PORT: String(port) }),
    ]);
    assert.equal(inUse.code, 1, inUse.stderr);
    assert.match(inUse.stderr, new RegExp(`^dailypapers: port ${port} on 127\\.0\\.0\\.1 is in use by another program .*set PORT to a free port$`, 'm'));
    assert.doesNotMatch(inUse.stderr, /\n\s+at |EADDRINUSE/);
    assert.equal(underFile.code, 1);
    assertOneLine(underFile, /^dailypapers: cannot open SQLite database .*a-file\/data\/db\.sqlite: .*check that its folder exists and this user may write there/);
    assert.equal(readOnlyFs.code, 1);
    assertOneLine(readOnlyFs, /^dailypapers: cannot open SQLite database \/proc\/dailypapers-test\.db: .*this user may write/);
    assert.equal(unparseable.code, 2);
    assertOneLine(unparseable, /DATABASE_URL: .* is not a valid postgres:\/\/ URL/);
    assert.equal(scheme.code, 2);
    assertOneLine(scheme, /DATABASE_URL: unsupported scheme in "mysql:\/\/user@127\.0\.0\.1\/papers"/);
    assert.equal(unreachable.code, 1);
    assertOneLine(unreachable, /^dailypapers: cannot connect to PostgreSQL at 127\.0\.0\.1:1\/nowhere/);
  } finally {
    taken.close();
    rmSync(tmp, { recursive: true, force: true });
  }
});

/** Resolves once the child printed a line matching `pattern` on stdout. */
function waitForLine(child: ReturnType<typeof spawn>, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.on('data', (d) => {
      out += d;
      const m = pattern.exec(out);
      if (m) resolve(m[0]);
    });
    child.once('exit', (code) => reject(new Error(`exited (${code}) before printing ${pattern}: ${out}\n${err}`)));
  });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('npm start: SIGTERM to npm stops the server it started', { timeout: 300_000 }, async () => {
  // `npm start` runs bin/dailypapers.js, which runs the build (made by `npm install`'s prepare step).
  if (!existsSync(path.join(ROOT, 'dist/cli.js'))) execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'ignore' });
  const t = await createTestDatabase('sqlite');
  const port = await freePort();
  const npm = spawn('npm', ['start', '--silent'], { cwd: ROOT, env: { ...process.env, ...QUIET, DATABASE_URL: t.url, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    await waitForLine(npm, /Daily Papers on http:\/\/127\.0\.0\.1:\d+/);
    assert.equal((await fetch(`http://127.0.0.1:${port}/healthz/live`)).status, 200);
    // The processes under npm's: the server, whatever shell line the start script is.
    const below = (pid: number): number[] => {
      let kids: number[] = [];
      try {
        kids = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).trim().split(/\s+/).filter(Boolean).map(Number);
      } catch {
        // ps exits 1 when there is none.
      }
      return kids.flatMap((k) => [k, ...below(k)]);
    };
    const children = below(npm.pid!);
    assert.ok(children.length > 0, 'npm started the server');
    const exited = once(npm, 'exit');
    npm.kill('SIGTERM');
    await exited;
    for (let i = 0; i < 100 && children.some(alive); i++) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(children.filter(alive), [], 'the server is gone');
    await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz/live`));
  } finally {
    if (npm.exitCode === null) npm.kill('SIGKILL');
    await t.drop();
  }
});

test('graceful shutdown: a request under way finishes, new connections are refused; one that outlasts the timeout is cut', async () => {
  let entered!: () => void;
  let release!: () => void;
  const inHandler = new Promise<void>((r) => (entered = r));
  const released = new Promise<void>((r) => (release = r));
  const app = new Hono();
  app.get('/slow', async (c) => {
    entered();
    await released;
    return c.text('finished');
  });
  app.get('/forever', () => new Promise<Response>(() => {}));
  const start = () => new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const server = await start();
  const http = drainable(server as Server);
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const slow = fetch(`${base}/slow`);
  await inHandler;
  assert.equal(http.inFlight(), 1);
  const drained = http.drain(10_000);
  await assert.rejects(fetch(`${base}/slow`, { headers: { Connection: 'close' } }), 'no new connection once stopping');
  release();
  const r = await slow;
  assert.equal(r.status, 200);
  assert.equal(await r.text(), 'finished');
  assert.equal(await drained, 'drained');
  assert.equal(http.inFlight(), 0);

  const stuck = await start();
  const stuckHttp = drainable(stuck as Server);
  const forever = fetch(`http://127.0.0.1:${(stuck.address() as { port: number }).port}/forever`);
  while (stuckHttp.inFlight() === 0) await new Promise((r) => setTimeout(r, 10));
  assert.equal(await stuckHttp.drain(200), 'timeout');
  await assert.rejects(forever);
});

/** Papers, accounts and votes, in an order both copies agree on. */
async function snapshot(database: Database) {
  const { db } = database;
  return {
    papers: (await db.selectFrom('papers').select(['id', 'title', 'upvotes']).orderBy('id').execute()),
    users: (await db.selectFrom('users').select(['id', 'username', 'email', 'role']).orderBy('id').execute()),
    votes: (await db.selectFrom('votes').select(['user_id', 'paper_id']).orderBy('user_id').orderBy('paper_id').execute()),
  };
}

test('backup of a SQLite database while serve runs: refuses to overwrite without --force; the copy opens with the same papers, accounts and votes; restored, serve runs on it', async () => {
  const t = await createTestDatabase('sqlite');
  const tmp = mkdtempSync(path.join(tmpdir(), 'dp-backup-'));
  const target = path.join(tmp, 'backup.db');
  let server: ReturnType<typeof startCli> | null = null;
  try {
    const database = await openDatabase(t.config);
    await migrate(database);
    await importFiles(database, await listInputFiles([path.join(FIXTURES, 'hf-daily')]));
    const ada = await createUser(database.db, { username: 'ada', email: 'ada@example.org', passwordHash: null, verified: true });
    const bob = await createUser(database.db, { username: 'bob', email: 'bob@example.org', passwordHash: null, role: 'admin', verified: true });
    const [p1, p2] = (await database.db.selectFrom('papers').select('id').orderBy('id').limit(2).execute()).map((p) => p.id);
    await setVote(database.db, ada.id, p1!, true, new Date());
    await setVote(database.db, bob.id, p1!, true, new Date());
    await setVote(database.db, bob.id, p2!, true, new Date());
    const original = await snapshot(database);
    await database.close();
    assert.ok(original.papers.length > 0 && original.votes.length === 3);

    server = startCli(['serve'], { ...QUIET, DATABASE_URL: t.url, PORT: String(await freePort()) });
    await waitForLine(server, /Daily Papers on/);

    const made = await runCli(['backup', target, '--json'], { DATABASE_URL: t.url });
    assert.equal(made.code, 0, made.stderr);
    const summary = lastJsonLine(made.stdout) as unknown as { path: string; bytes: number; engine: string };
    assert.equal(summary.path, target);
    assert.equal(summary.engine, 'sqlite');
    assert.ok(summary.bytes > 0);
    const again = await runCli(['backup', target], { DATABASE_URL: t.url });
    assert.equal(again.code, 1);
    assertOneLine(again, /backup\.db exists; pass --force to replace it/);
    const forced = await runCli(['backup', target, '--force'], { DATABASE_URL: t.url });
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stdout, /^backed up .* to .*backup\.db \(\d+\.\d MB, \d+ pages\) in \d+ ms$/m);
    const nowhere = await runCli(['backup', path.join(tmp, 'missing', 'b.db')], { DATABASE_URL: t.url });
    assert.equal(nowhere.code, 1);
    assertOneLine(nowhere, /the folder .*missing does not exist/);

    const stopped = once(server, 'exit');
    server.kill('SIGTERM');
    assert.deepEqual(await stopped, [0, null]);
    server = null;

    const copy = await openDatabase({ engine: 'sqlite', path: target });
    try {
      assert.deepEqual(await snapshot(copy), original);
    } finally {
      await copy.close();
    }
    // Restore, as the README says: with the server stopped, the backup replaces the database file (and its -wal, -shm).
    const live = (t.config as { path: string }).path;
    for (const suffix of ['-wal', '-shm']) rmSync(live + suffix, { force: true });
    copyFileSync(target, live);
    const migrated = await runCli(['migrate'], { DATABASE_URL: t.url });
    assert.equal(migrated.code, 0, migrated.stderr);
    assert.match(migrated.stdout, /up to date/);
  } finally {
    server?.kill('SIGKILL');
    await t.drop();
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('backup on PostgreSQL says how to use pg_dump and pg_restore, without the password', async () => {
  const r = await runCli(['backup', '/tmp/site.dump'], { DATABASE_URL: 'postgres://papers:s3cret@db.example:5432/papers' });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /pg_dump --format=custom --file=\/tmp\/site\.dump "postgres:\/\/papers@db\.example:5432\/papers"/);
  assert.match(r.stderr, /pg_restore --clean --if-exists --no-owner --dbname="postgres:\/\/papers@db\.example:5432\/papers" \/tmp\/site\.dump/);
  assert.doesNotMatch(r.stderr, /s3cret/);
});
