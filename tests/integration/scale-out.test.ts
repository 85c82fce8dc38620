/**
 * Scale-out on PostgreSQL (issue 12 item 6, docs/decisions/0023-scale-out-and-no-restarts.md): three real
 * `dailypapers serve` processes on one database behave as one site. A comment and an import made through
 * one (or a CLI process) show on the others' cached pages (LISTEN/NOTIFY, decision 0018), a vote at once to
 * members and within the votes' staleness bound to visitors; a due job runs once whichever instances race
 * for it (decision 0012); the log-in limit is one budget across the three (decision 0016).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openDatabase, type Database } from '../../src/db/connection.ts';
import { migrate } from '../../src/db/migrate.ts';
import { getJobRow } from '../../src/db/queries/jobs.ts';
import { AUTH_TIER } from '../../src/http/middleware/rate-limit.ts';
import { importFiles, listInputFiles } from '../../src/importers/import-files.ts';
import { runCli } from '../helpers/cli.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { sessionMember, type SessionMember } from '../helpers/members.ts';
import { FIXTURES } from '../helpers/site.ts';
import { eventually, startServe, type ServeProcess } from '../helpers/serve.ts';

const PAPER = '2511.01678'; // 5 upvotes imported from Hugging Face, on the list of 2025-11-04
const NEW_DAY = '2025-02-14';
const NEW_PAPER = '2502.30001';
/** Every job but refresh-trending off; refresh-trending only when the test makes it due. */
const JOBS = {
  ...Object.fromEntries(
    ['harvest-arxiv', 'mirror-hf', 'github-stars', 'embed-new-papers', 'digest-daily', 'digest-weekly', 'saved-search-alerts', 'deliver-outbox', 'cleanup']
      .map((n) => [`SCHEDULE_${n.toUpperCase().replace(/-/g, '_')}`, 'off']),
  ),
  SCHEDULE_REFRESH_TRENDING: '0 0 1 1 *',
};

describe('three serve processes on one PostgreSQL database', () => {
  let t: TestDatabase;
  let database: Database;
  let dir: string;
  let servers: ServeProcess[] = [];
  let ada: SessionMember;
  let bob: SessionMember;

  before(async () => {
    t = await createTestDatabase('postgres');
    database = await openDatabase(t.config);
    await migrate(database);
    await importFiles(database, await listInputFiles([path.join(FIXTURES, 'hf-daily')]));
    ada = await sessionMember(database, () => servers[0]!.url, 'ada');
    bob = await sessionMember(database, () => servers[2]!.url, 'bob');
    dir = mkdtempSync(path.join(tmpdir(), 'dp-scale-'));
    servers = await Promise.all([0, 1, 2].map((i) => startServe({
      DATABASE_URL: t.url, EMBEDDER: 'none', EMBEDDINGS_DIR: path.join(dir, `i${i}`), JOBS_TICK_SECONDS: '0.1', JOBS_TIMEZONE: 'UTC', ...JOBS,
    })));
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await database.close();
    await t.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const json = async (base: string, p: string) => (await fetch(base + p)).json() as Promise<any>;
  const others = () => servers.slice(1);

  test('a comment made on one instance shows on the others\' cached pages', async () => {
    for (const s of others()) assert.equal((await json(s.url, `/api/papers/${PAPER}/comments`)).comments.length, 0, 'cached empty');
    assert.equal((await ada.form(`/papers/${PAPER}/comments`, { body: 'Seen from every instance.' })).status, 303);
    for (const s of others()) {
      const list = await eventually(async () => {
        const l = (await json(s.url, `/api/papers/${PAPER}/comments`)) as { comments: unknown[] };
        return l.comments.length > 0 ? l : undefined;
      }, 5000, 20);
      assert.equal(JSON.stringify(list).includes('Seen from every instance.'), true);
    }
  });

  test('a vote on one instance: at once for members on the others, within the staleness bound for visitors', async () => {
    const upvotes = async (base: string, m?: SessionMember) =>
      ((await (m ? m.get(`/api/papers/${PAPER}`, base) : fetch(`${base}/api/papers/${PAPER}`)).then((r) => r.json())) as { upvotes: number }).upvotes;
    for (const s of others()) assert.equal(await upvotes(s.url), 5);
    assert.equal((await ada.form(`/papers/${PAPER}/vote`, { value: '1' })).status, 303);
    for (const s of others()) assert.equal(await upvotes(s.url, bob), 6, `a member on ${s.url} sees it at once`);
    for (const s of others()) assert.equal(await eventually(async () => ((await upvotes(s.url)) === 6 ? 6 : undefined), 15_000, 100), 6);
  });

  test('an import (a CLI process) shows on every instance\'s cached day page', async () => {
    for (const s of servers) assert.doesNotMatch(await (await fetch(`${s.url}/papers/date/${NEW_DAY}`)).text(), new RegExp(NEW_PAPER));
    const file = path.join(dir, `${NEW_DAY}.json`);
    writeFileSync(file, JSON.stringify([{
      paper: { id: NEW_PAPER, title: 'Three instances, one site', summary: 'Caches follow the database.', upvotes: 1, authors: [{ _id: 'a1', name: 'Ada Lovelace', hidden: false }], publishedAt: `${NEW_DAY}T00:00:00.000Z` },
      publishedAt: `${NEW_DAY}T08:00:00.000Z`, title: 'Three instances, one site', numComments: 0,
    }]));
    const imported = await runCli(['import', file], { DATABASE_URL: t.url });
    assert.equal(imported.code, 0, imported.stderr);
    for (const s of servers) {
      await eventually(async () => ((await (await fetch(`${s.url}/papers/date/${NEW_DAY}`)).text()).includes('Three instances, one site') ? true : undefined), 5000, 20);
    }
  });

  test('a due job runs once, whichever of the three instances claims it', async () => {
    const rounds = 4;
    const runs = async () => Number((await database.db.selectFrom('job_runs').select((eb) => eb.fn.countAll<string>().as('n')).where('name', '=', 'refresh-trending').executeTakeFirstOrThrow()).n);
    assert.equal(await runs(), 0);
    for (let i = 1; i <= rounds; i++) {
      await database.db.updateTable('jobs').set({ next_run_at: new Date().toISOString() }).where('name', '=', 'refresh-trending').execute();
      await eventually(async () => {
        const r = (await getJobRow(database.db, 'refresh-trending'))!;
        return (await runs()) >= i && r.last_status === 'ok' && r.lease_until === null ? true : undefined;
      }, 15_000, 50);
    }
    // Ten more ticks of every instance: nothing runs it again (it is due next 1 January).
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(await runs(), rounds, 'one run per time it was due, across three instances ticking every 100 ms');
    const owners = await database.db.selectFrom('job_runs').select(['owner', 'status']).where('name', '=', 'refresh-trending').execute();
    assert.ok(owners.every((o) => o.status === 'ok'));
  });

  test('the log-in limit is one budget across the three instances', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < AUTH_TIER.limit + 2; i++) {
      const s = servers[i % servers.length]!;
      const res = await fetch(`${s.url}/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=nobody&password=wrong' });
      statuses.push(res.status);
      await res.body?.cancel();
    }
    assert.equal(statuses.filter((s) => s === 429).length, 2, `statuses: ${statuses.join(' ')}`);
    assert.ok(statuses.slice(0, AUTH_TIER.limit).every((s) => s !== 429), `statuses: ${statuses.join(' ')}`);
  });
});
