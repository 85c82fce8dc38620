/**
 * Writers never stall the site (docs/decisions/0017-imports-in-short-batches.md): a big import runs as
 * a child `dailypapers import` process while members vote and visitors read over real HTTP on the same
 * database, on both engines: no 5xx, no vote lost. A killed import is finished by the next one; a
 * malformed line at the end of a big file leaves nothing visible; on SQLite a writer held too long
 * gives a 503 and a clean CLI failure, never a 500 or a stack trace.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { syntheticLine } from '../../bench/synthetic.ts';
import type { Database } from '../../src/db/connection.ts';
import { countPapers } from '../../src/db/queries/papers.ts';
import { importFiles } from '../../src/importers/import-files.ts';
import { BATCH_SIZE, finishInterruptedImports, SQLITE_IMPORT_WAL_PAGES, SQLITE_POLITE_MS } from '../../src/importers/staged.ts';
import { ANALYZE_AFTER_PAPERS } from '../../src/importers/statistics.ts';
import { createRun, markReady, stageRecords } from '../../src/db/queries/import-runs.ts';
import { parseSnapshotLine } from '../../src/importers/arxiv-snapshot/parse.ts';
import type { ImportRecord } from '../../src/domain/paper.ts';
import { freePort, lastJsonLine, runCli, startCli } from '../helpers/cli.ts';
import { ENGINES, openTestDatabase } from '../helpers/db.ts';
import { startTestServer, type TestServer } from '../helpers/http.ts';
import { sessionMember, type SessionMember } from '../helpers/members.ts';

/** Papers stored before the big import: what the voters vote on. */
const SEEDED = 600;
/** Lines of the big import: a dozen batches, so that it is staged and applied in several transactions. */
const BIG = 6000;
const VOTERS = 25;
const READERS = 25;

const dir = mkdtempSync(path.join(tmpdir(), 'dailypapers-writers-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Snapshot lines [from, to) in the real arXiv snapshot format, and how many category rows they make. */
function snapshot(name: string, from: number, to: number, tail = ''): { file: string; categories: number } {
  const lines: string[] = [];
  let categories = 0;
  for (let i = from; i < to; i++) {
    const line = syntheticLine(i);
    categories += (JSON.parse(line) as { categories: string }).categories.split(' ').length;
    lines.push(line);
  }
  const file = path.join(dir, name);
  writeFileSync(file, lines.join('\n') + '\n' + tail);
  return { file, categories };
}

const idOf = (i: number) => (JSON.parse(syntheticLine(i)) as { id: string }).id;

async function count(database: Database, table: 'votes' | 'paper_categories' | 'import_runs' | 'import_staging'): Promise<number> {
  const r = await database.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

/** `dailypapers import FILE --json` in a child process: its output so far, and whether it still runs. */
function childImport(url: string, file: string) {
  const child = startCli(['import', file, '--json'], { DATABASE_URL: url });
  const out = { stdout: '', stderr: '', importing: true, exited: new Promise<number | null>((resolve) => child.on('close', resolve)) };
  child.stdout!.on('data', (d) => (out.stdout += d));
  child.stderr!.on('data', (d) => (out.stderr += d));
  void out.exited.then(() => (out.importing = false));
  return out;
}

const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.99))] ?? NaN;

for (const engine of ENGINES) {
  describe(`writers on ${engine}`, () => {
    let database: Database & { url: string };
    let server: TestServer;
    const seeded = snapshot(`seed-${engine}.json`, 0, SEEDED);

    before(async () => {
      database = await openTestDatabase(engine);
      server = await startTestServer(database);
      const r = await importFiles(database, [seeded.file]);
      assert.equal(r.new, SEEDED);
    });
    after(async () => {
      await server.close();
      await database.close();
    });

    test('a big import in a child process while members vote and visitors read: no 5xx, no vote lost', async () => {
      const big = snapshot(`big-${engine}.json`, SEEDED, SEEDED + BIG);
      const members: SessionMember[] = [];
      for (let v = 0; v < VOTERS; v++) members.push(await sessionMember(database, () => server.base, `voter${v}`));
      const child = childImport(database.url, big.file);

      const statuses = new Map<number, number>();
      const note = (s: number) => statuses.set(s, (statuses.get(s) ?? 0) + 1);
      let votesOk = 0;
      const readTimes: number[] = [];
      // Each voter upvotes its own papers one after another, so each successful request is exactly one vote.
      const voter = async (m: SessionMember, v: number) => {
        for (let k = v; child.importing && k < SEEDED; k += VOTERS) {
          const r = await m.form(`/papers/${idOf(k)}/vote`, { value: '1' });
          await r.arrayBuffer();
          note(r.status);
          if (r.status === 303) votesOk++;
        }
      };
      const pages = ['/', '/healthz', '/papers/search?q=quantum+graph', `/papers/${idOf(7)}`, '/api/daily_papers'];
      const reader = async (n: number) => {
        for (let k = n; child.importing; k++) {
          const t0 = performance.now();
          const r = await server.get(pages[k % pages.length]!);
          await r.arrayBuffer();
          readTimes.push(performance.now() - t0);
          note(r.status);
        }
      };
      await Promise.all([...members.map(voter), ...Array.from({ length: READERS }, (_, n) => reader(n)), child.exited]);

      assert.equal(await child.exited, 0, child.stderr);
      assert.deepEqual(lastJsonLine(child.stdout), { read: BIG, new: BIG, updated: 0, unchanged: 0, rejected: 0 });
      const fives = [...statuses].filter(([s]) => s >= 500);
      assert.deepEqual(fives, [], `5xx answers: ${JSON.stringify(fives)}`);
      assert.ok(votesOk > 0, 'some votes were cast during the import');
      assert.equal(await count(database, 'votes'), votesOk);
      const sum = await database.db.selectFrom('papers').select((eb) => eb.fn.sum<number>('member_upvotes').as('n')).executeTakeFirstOrThrow();
      assert.equal(Number(sum.n), votesOk);
      assert.equal(await countPapers(database.db), SEEDED + BIG);
      assert.equal(await count(database, 'import_staging'), 0);
      assert.equal(await count(database, 'import_runs'), 0);
      if (engine === 'postgres') {
        // An import this big refreshes the planner's statistics when it ends (not left to autovacuum).
        assert.ok(BIG >= ANALYZE_AFTER_PAPERS);
        const stats = await sql<{ relname: string; last_analyze: Date | null }>`select relname, last_analyze from pg_stat_user_tables where relname in ('papers', 'paper_search')`.execute(database.db);
        assert.equal(stats.rows.filter((r) => r.last_analyze !== null).length, 2, JSON.stringify(stats.rows));
      }
      console.log(
        `${engine}: ${votesOk} votes and ${readTimes.length} reads during the import of ${BIG} papers; ` +
          `read p99 ${p99(readTimes).toFixed(0)} ms; statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
      );
    });

    /** Starts a child import of `file` and SIGKILLs it once its run is ready and some, not all, batches are applied. */
    async function killMidApply(file: string): Promise<void> {
      const before = await countPapers(database.db);
      const child = startCli(['import', file, '--json'], { DATABASE_URL: database.url });
      const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
      let killedAt = -1;
      while (killedAt < 0) {
        const run = await database.db.selectFrom('import_runs').select(['status', 'new']).executeTakeFirst();
        if (run?.status === 'ready' && run.new > 0) {
          child.kill('SIGKILL');
          killedAt = run.new;
        } else await new Promise((r) => setTimeout(r, 5));
      }
      await exited;
      const visible = (await countPapers(database.db)) - before;
      assert.ok(visible >= killedAt && visible < BIG, `killed mid-apply: ${visible} of ${BIG} papers visible`);
    }

    test('an import killed while applying is finished by the next one: counts exact, nothing duplicated', async () => {
      const from = SEEDED + BIG;
      const big = snapshot(`crash-${engine}.json`, from, from + BIG);
      const before = await countPapers(database.db);
      const categoriesBefore = await count(database, 'paper_categories');
      await killMidApply(big.file);

      const again = await runCli(['import', big.file, '--json'], { DATABASE_URL: database.url });
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stderr, new RegExp(`finished the interrupted import of .*crash-${engine}\\.json: new ${BIG}, updated 0, unchanged 0`));
      assert.deepEqual(lastJsonLine(again.stdout), { read: BIG, new: 0, updated: 0, unchanged: BIG, rejected: 0 });
      assert.equal(await countPapers(database.db), before + BIG);
      assert.equal(await count(database, 'paper_categories'), categoriesBefore + big.categories);
      assert.equal(await count(database, 'import_staging'), 0);
      assert.equal(await count(database, 'import_runs'), 0);
    });

    test('an import killed while applying is finished by `serve` at start', async () => {
      const from = SEEDED + 3 * BIG;
      const big = snapshot(`crash-serve-${engine}.json`, from, from + BIG);
      const before = await countPapers(database.db);
      await killMidApply(big.file);
      const serve = startCli(['serve'], { DATABASE_URL: database.url, PORT: String(await freePort()), JOBS_ENABLED: 'false', EMBEDDER: 'none' });
      let stderr = '';
      serve.stderr!.on('data', (d) => (stderr += d));
      const exited = new Promise<void>((resolve) => serve.on('close', () => resolve()));
      try {
        while (!/finished the interrupted import/.test(stderr)) {
          assert.equal(serve.exitCode, null, stderr);
          await new Promise((r) => setTimeout(r, 50));
        }
      } finally {
        serve.kill('SIGTERM');
        await exited;
      }
      assert.match(stderr, new RegExp(`finished the interrupted import of .*crash-serve-${engine}\\.json: new ${BIG}, updated 0, unchanged 0`));
      assert.equal(await countPapers(database.db), before + BIG);
      assert.equal(await count(database, 'import_runs'), 0);
    });

    test('a malformed line at the end of a big file: the file is rejected and nothing of it is visible', async () => {
      const from = SEEDED + 2 * BIG;
      const big = snapshot(`malformed-${engine}.json`, from, from + 3 * BATCH_SIZE, '{"id": "2401.99999", "title": \n');
      const before = await countPapers(database.db);
      const r = await runCli(['import', big.file, '--json'], { DATABASE_URL: database.url });
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`rejected .*malformed-${engine}\\.json: .*line ${3 * BATCH_SIZE + 1}`));
      assert.doesNotMatch(r.stderr, /\n\s+at /);
      assert.equal(await countPapers(database.db), before);
      assert.equal((await database.db.selectFrom('papers').select('id').where('id', '=', idOf(from)).executeTakeFirst()), undefined);
      assert.equal(await count(database, 'import_staging'), 0);
      assert.equal(await count(database, 'import_runs'), 0);
    });

    test('a staged run that cannot be applied (not a fault of the database) is dropped with a message, and later runs are finished', async () => {
      const now = new Date().toISOString();
      const gone = 'some-other-host:1'; // an owner whose lease has run out
      const past = new Date(Date.now() - 3_600_000).toISOString();
      const broken = await createRun(database.db, { file: 'broken.json', format: 'arxiv-snapshot', owner: gone, leaseUntil: now, now });
      await stageRecords(database.db, broken, gone, now, 1, [{ not: 'a record' } as unknown as ImportRecord]);
      await markReady(database.db, broken, gone, past);
      const good = await createRun(database.db, { file: 'good.json', format: 'arxiv-snapshot', owner: gone, leaseUntil: now, now });
      const record = parseSnapshotLine(syntheticLine(SEEDED + 5 * BIG), 1);
      await stageRecords(database.db, good, gone, now, 1, [record]);
      await markReady(database.db, good, gone, past);
      const errors: string[] = [];
      const log = console.error;
      console.error = (...args: unknown[]) => void errors.push(args.join(' '));
      try {
        const finished = await finishInterruptedImports(database);
        assert.deepEqual(finished.map((f) => f.file), ['good.json']);
      } finally {
        console.error = log;
      }
      assert.match(errors.join('\n'), /finishing the import of broken\.json failed: .*Import the file again/);
      assert.equal(await count(database, 'import_runs'), 0);
      assert.equal(await count(database, 'import_staging'), 0);
      assert.ok(await database.db.selectFrom('papers').select('id').where('id', '=', record.paper.id).executeTakeFirst(), 'the later run was applied');
    });

    if (engine === 'sqlite') {
      test('SQLite: an import that has had the database to itself still lets a lone writer in (a vote now and then: never a 503)', async () => {
        // The import leaves the lock free after every batch only while others write (SQLITE_POLITE_MS), else one batch
        // in SQLITE_PROBE_MS: each vote here comes after a longer silence, so it arrives while the import is alone.
        const start = 500_000;
        const lines = 20_000;
        const member = await sessionMember(database, () => server.base, 'lone');
        const child = childImport(database.url, snapshot('alone.json', start, start + lines).file);
        const during: number[] = [];
        for (let k = 0; child.importing && k < SEEDED; k++) {
          await Promise.race([child.exited, new Promise((r) => setTimeout(r, SQLITE_POLITE_MS + 300))]);
          if (!child.importing) break;
          const applying = await database.db.selectFrom('import_runs').select('status').executeTakeFirst();
          const vote = await member.form(`/papers/${idOf(k)}/vote`, { value: '1' });
          await vote.arrayBuffer();
          if (applying) during.push(vote.status);
        }
        assert.equal(await child.exited, 0, child.stderr);
        assert.equal(lastJsonLine(child.stdout).new, lines);
        assert.ok(during.length > 0, 'a vote was cast while the import ran');
        assert.deepEqual(during.filter((s) => s !== 303), [], `votes during the import: ${JSON.stringify(during)}`);
      });

      test('SQLite: a file imported alone checkpoints its WAL in bigger steps, then puts the default back with the WAL copied', async () => {
        const walFile = database.url.replace(/^sqlite:/, '') + '-wal';
        const walSize = () => (existsSync(walFile) ? statSync(walFile).size : 0);
        const before = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(database.db);
        const defaultPages = Number(before.rows[0]!.wal_autocheckpoint);
        assert.ok(defaultPages < SQLITE_IMPORT_WAL_PAGES);
        let biggest = 0;
        const sampler = setInterval(() => (biggest = Math.max(biggest, walSize())), 20);
        try {
          const r = await importFiles(database, [snapshot('wal.json', 700_000, 712_000).file]);
          assert.equal(r.new, 12_000);
        } finally {
          clearInterval(sampler);
        }
        // The default lets the WAL reach its threshold plus one transaction; the import let it grow well past that.
        const page = Number((await sql<{ page_size: number }>`pragma page_size`.execute(database.db)).rows[0]!.page_size);
        assert.ok(biggest > 3 * defaultPages * page, `the WAL reached ${biggest} bytes (default threshold ${defaultPages} pages of ${page} bytes)`);
        const after = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(database.db);
        assert.equal(Number(after.rows[0]!.wal_autocheckpoint), defaultPages, 'the default is back');
        const ckpt = await sql<{ busy: number; log: number; checkpointed: number }>`pragma wal_checkpoint(passive)`.execute(database.db);
        assert.equal(ckpt.rows[0]!.log, ckpt.rows[0]!.checkpointed, 'what the import left in the WAL was copied');
      });

      test('SQLite: a writer holding the lock past the budget gives votes a 503 and the import a clean exit', async () => {
        const member = await sessionMember(database, () => server.base, 'blocked');
        const other = new SQLite(database.url.replace(/^sqlite:/, ''));
        other.exec('begin immediate');
        try {
          const vote = await member.form(`/papers/${idOf(1)}/vote`, { value: '1' });
          assert.equal(vote.status, 503);
          assert.ok(vote.headers.get('retry-after'));
          const imp = await runCli(['import', snapshot('blocked.json', 0, 10).file, '--json'], { DATABASE_URL: database.url });
          assert.equal(imp.code, 1);
          assert.match(imp.stderr, /locked by another writer.*run the command again/);
          assert.doesNotMatch(imp.stderr, /\n\s+at /);
        } finally {
          other.exec('rollback');
          other.close();
        }
        const vote = await member.form(`/papers/${idOf(1)}/vote`, { value: '1' });
        assert.equal(vote.status, 303);
        const row = await sql<{ n: number }>`select count(*) as n from votes where paper_id = ${idOf(1)}`.execute(database.db);
        assert.ok(Number(row.rows[0]!.n) >= 1);
      });
    }
  });
}
