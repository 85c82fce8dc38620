import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generate } from '../../bench/synthetic.ts';
import { parseDatabaseUrl } from '../../src/config.ts';
import { openDatabase } from '../../src/db/connection.ts';
import { migrate } from '../../src/db/migrate.ts';
import { migrations } from '../../src/db/migrations/index.ts';
import { countPapers } from '../../src/db/queries/papers.ts';
import { importFiles } from '../../src/importers/import-files.ts';
import { lastJsonLine, runCli, startCli } from '../helpers/cli.ts';
import { createTestDatabase, ENGINES, type TestDatabase } from '../helpers/db.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures');

test('--help lists the commands; unknown commands and options are usage errors (exit 2)', async () => {
  const help = await runCli(['--help']);
  assert.equal(help.code, 0);
  for (const cmd of ['serve', 'migrate', 'import']) assert.match(help.stdout, new RegExp(`\\b${cmd}\\b`));
  const importHelp = await runCli(['import', '--help']);
  assert.match(importHelp.stdout, /--format <format>/);
  assert.match(importHelp.stdout, /--json/);
  assert.equal((await runCli(['frobnicate'])).code, 2);
  const badFormat = await runCli(['import', '--format', 'csv', FIXTURES]);
  assert.equal(badFormat.code, 2);
  assert.match(badFormat.stderr, /Allowed choices are auto, hf-daily, arxiv-oai, arxiv-atom, arxiv-snapshot, arxiv-listing/);
});

test('a long migration says what it does before it runs, on a database with papers only', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'dp-cli-migrate-'));
  const fresh = await runCli(['migrate'], { DATABASE_URL: `sqlite:${path.join(dir, 'new.db')}` });
  assert.equal(fresh.code, 0, fresh.stderr);
  assert.doesNotMatch(fresh.stderr, /schema 38/, 'a new site has nothing to index again');
  const file = path.join(dir, 'site.db');
  const older = await openDatabase(parseDatabaseUrl(`sqlite:${file}`));
  try {
    await migrate(older, migrations.filter((m) => m.version < 38));
    assert.ok((await importFiles(older, [path.join(FIXTURES, 'arxiv-snapshot', 'snapshot.jsonl')])).new > 0);
  } finally {
    await older.close();
  }
  const upgrade = await runCli(['migrate'], { DATABASE_URL: `sqlite:${file}` });
  assert.equal(upgrade.code, 0, upgrade.stderr);
  assert.match(upgrade.stderr, /dailypapers: schema 38 \(compound-words\): indexing every paper's hyphenated words/);
  assert.match(upgrade.stdout, /applied 38 compound-words/);
});

test('bad configuration: exit 2 with the variable named', async () => {
  const r = await runCli(['migrate'], { PORT: 'eighty', DATABASE_URL: 'sqlite::memory:' });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /PORT: expected a whole number/);
});

test('an unreachable PostgreSQL is a clear error, not a stack trace', async () => {
  const r = await runCli(['migrate'], { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nowhere' });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /cannot connect to PostgreSQL at 127\.0\.0\.1:1\/nowhere/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});

for (const engine of ENGINES) {
  describe(`dailypapers import on ${engine}`, () => {
    let t: TestDatabase;
    let tmp: string;
    before(async () => {
      t = await createTestDatabase(engine);
      tmp = mkdtempSync(path.join(tmpdir(), 'dp-cli-'));
    });
    after(async () => {
      await t.drop();
      rmSync(tmp, { recursive: true, force: true });
    });

    test('migrate, then import --json: the last line is the summary; exit 0, then 1 with a rejection', async () => {
      const m = await runCli(['migrate'], { DATABASE_URL: t.url });
      assert.equal(m.code, 0, m.stderr);
      assert.match(m.stdout, /applied 1 papers/);

      const ok = await runCli(['import', path.join(FIXTURES, 'hf-daily'), '--json'], { DATABASE_URL: t.url });
      assert.equal(ok.code, 0, ok.stderr);
      assert.deepEqual(lastJsonLine(ok.stdout), { read: 12, new: 12, updated: 0, unchanged: 0, rejected: 0 });

      const again = await runCli(['import', path.join(FIXTURES, 'hf-daily'), '--json'], { DATABASE_URL: t.url });
      assert.deepEqual(lastJsonLine(again.stdout), { read: 12, new: 0, updated: 0, unchanged: 12, rejected: 0 });

      const bad = await runCli(['import', path.join(FIXTURES, 'hf-daily-malformed'), '--json'], { DATABASE_URL: t.url });
      assert.equal(bad.code, 1);
      assert.deepEqual(lastJsonLine(bad.stdout), { read: 0, new: 0, updated: 0, unchanged: 0, rejected: 4 });
      assert.match(bad.stderr, /rejected .*2024-12-11\.json: .*Python repr/);

      const human = await runCli(['import', path.join(FIXTURES, 'arxiv-snapshot', 'snapshot.jsonl')], { DATABASE_URL: t.url });
      assert.equal(human.code, 0);
      assert.match(human.stdout, /read 6, new 6, updated 0, unchanged 0, rejected 0 files \(of 1\)/);
    });

    test('a path that does not exist is a usage error (exit 2)', async () => {
      const r = await runCli(['import', path.join(tmp, 'missing.json')], { DATABASE_URL: t.url });
      assert.equal(r.code, 2);
      assert.match(r.stderr, /cannot read .*missing\.json/);
    });

    test('kill -9 while a big file is being read leaves nothing of it; a re-run discards the stage and imports it', async () => {
      const lines = 20_000;
      const file = path.join(tmp, 'big.jsonl');
      await generate(file, lines);
      const child = startCli(['import', file, '--json'], { DATABASE_URL: t.url });
      const exited = once(child, 'exit');
      // Wait until the import is staging the file (some of it written, not yet applied), then kill it.
      // (Killed while applying, the next import finishes it: tests/integration/writers.test.ts.)
      const database = await openDatabase(t.config);
      try {
        const before = await countPapers(database.db);
        let staging = false;
        for (let i = 0; i < 600 && !staging; i++) {
          await new Promise((r) => setTimeout(r, 20));
          const run = await database.db.selectFrom('import_runs').select(['status', 'staged']).executeTakeFirst().catch(() => undefined);
          staging = run?.status === 'staging' && run.staged > 0;
        }
        assert.ok(staging, 'the import never started staging');
        child.kill('SIGKILL');
        await exited;
        assert.equal(await countPapers(database.db), before, 'no part of the file is visible after the crash');
      } finally {
        await database.close();
      }
      const rerun = await runCli(['import', file, '--json'], { DATABASE_URL: t.url });
      assert.equal(rerun.code, 0, rerun.stderr);
      assert.deepEqual(lastJsonLine(rerun.stdout), { read: lines, new: lines, updated: 0, unchanged: 0, rejected: 0 });
      const check = await openDatabase(t.config);
      try {
        const left = await check.db.selectFrom('import_staging').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
        assert.equal(Number(left.n), 0, 'the killed run\'s stage was discarded');
      } finally {
        await check.close();
      }
    });
  });
}

test('dailypapers users create | list | set-role', async () => {
  const t = await createTestDatabase('sqlite');
  try {
    const env = { DATABASE_URL: t.url };
    const created = await runCli(['users', 'create', '--email', 'Ada@Example.org', '--admin'], env);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /created ada <ada@example.org> as admin\npassword: \S{20}/);
    assert.equal((await runCli(['users', 'create', '--email', 'bob@example.org', '--password', 'long enough pw'], env)).code, 0);
    assert.equal((await runCli(['users', 'set-role', 'bob', 'moderator'], env)).code, 0);
    const list = JSON.parse((await runCli(['users', 'list', '--json'], env)).stdout);
    assert.deepEqual(list.map((u: { username: string; role: string; emailVerified: boolean }) => [u.username, u.role, u.emailVerified]), [['ada', 'admin', true], ['bob', 'moderator', true]]);
    const dup = await runCli(['users', 'create', '--email', 'ada@example.org'], env);
    assert.equal(dup.code, 2);
    assert.match(dup.stderr, /an account with that (username|email) exists/);
    assert.equal((await runCli(['users', 'set-role', 'nobody', 'admin'], env)).code, 2);
    assert.equal((await runCli(['users', 'set-role', 'bob', 'king'], env)).code, 2);
    assert.match((await runCli(['users', 'create', '--email', 'root@example.org', '--username', 'root'], env)).stderr, /username "root": .*reserved/);
    // A derived username that is reserved or taken is numbered: the operator's admin@… address works.
    const admin = await runCli(['users', 'create', '--email', 'admin@example.org', '--admin'], env);
    assert.equal(admin.code, 0, admin.stderr);
    assert.match(admin.stdout, /created admin-2 <admin@example.org> as admin/);
    const ada2 = await runCli(['users', 'create', '--email', 'ada@elsewhere.example', '--password', 'long enough pw'], env);
    assert.match(ada2.stdout, /created ada-2 <ada@elsewhere.example> as member/);
  } finally {
    await t.drop();
  }
});
