/**
 * First run, as a new operator meets it: an empty site shows visitors a friendly "No papers yet" page (no
 * operator instructions, no dead Previous/Next) and the admin a link to /admin/setup; the setup page is the
 * admin's only; its one-click actions (CSRF-protected) are queued and run by the setup-requests job against
 * recorded upstreams (Hugging Face's lists, arXiv's OAI-PMH), leading to a populated site; the date range is
 * checked and capped. And `dailypapers serve` on an empty site starts the first harvest at once and says so.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { openDatabase, type Database } from '../../src/db/connection.ts';
import { siteModel } from '../../src/db/queries/embedding-models.ts';
import { countPapers } from '../../src/db/queries/papers.ts';
import { jobDefinitions } from '../../src/jobs/registry.ts';
import { Scheduler } from '../../src/jobs/scheduler.ts';
import { freePort, startCli } from '../helpers/cli.ts';
import { createTestDatabase, ENGINES, openTestDatabase } from '../helpers/db.ts';
import { startTestServer, type TestServer } from '../helpers/http.ts';
import { sessionMember, type SessionMember } from '../helpers/members.ts';
import { upstreams } from '../helpers/hf-range-stub.ts';
import { startUpstreamStub, type UpstreamStub } from '../helpers/upstream-stub.ts';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const engine of ENGINES) {
  describe(`first run on ${engine}`, () => {
    let database: Database;
    let server: TestServer;
    let stub: UpstreamStub;
    let scheduler: Scheduler;
    let admin: SessionMember;
    let member: SessionMember;
    before(async () => {
      database = await openTestDatabase(engine);
      stub = await startUpstreamStub(upstreams);
      const config = loadConfig({ ARXIV_OAI_URL: `${stub.base}/oai2`, HF_API_URL: stub.base, JOBS_TIMEZONE: 'UTC', HARVEST_DELAY_SECONDS: '0', EMBEDDINGS_DIR: mkdtempSync(path.join(tmpdir(), 'dailypapers-first-run-')) });
      const jobs = jobDefinitions(config, { database });
      scheduler = new Scheduler({ database, jobs, timezone: 'UTC', tickMs: 1000, log: () => {} });
      await scheduler.sync();
      server = await startTestServer(database, { jobs });
      admin = await sessionMember(database, () => server.base, 'root', { role: 'admin' });
      member = await sessionMember(database, () => server.base, 'ada');
    });
    after(async () => {
      await server.close();
      await stub.close();
      await database.close();
    });
    const queued = async () => (await database.db.selectFrom('setup_requests').selectAll().orderBy('id').execute());

    test('an empty site: visitors see "No papers yet" with no operator instructions and no dead Previous/Next; the admin gets a link to the setup page', async () => {
      const res = await server.get('/');
      assert.equal(res.status, 200);
      const page = await res.text();
      assert.match(page, /<h1>Daily Papers<\/h1>/);
      assert.match(page, /No papers yet/);
      assert.doesNotMatch(page, /Previous|Next →/);
      assert.doesNotMatch(page, /admin\/setup|dailypapers |JOBS_|HF_MIRROR|run `/);
      assert.doesNotMatch(await member.page('/'), /admin\/setup/);
      assert.match(await admin.page('/'), /<a href="\/admin\/setup">set up the site<\/a>/);
    });

    test('the setup page is the admin’s: anonymous visitors log in, members get 403, also for the actions', async () => {
      const anon = await server.get('/admin/setup');
      assert.equal(anon.status, 303);
      assert.equal(anon.headers.get('location'), '/login?next=%2Fadmin%2Fsetup');
      assert.equal((await member.get('/admin/setup')).status, 403);
      assert.equal((await member.form('/admin/setup/harvest-arxiv')).status, 403);
      assert.equal((await member.form('/admin/setup/mirror-hf', { from: '2025-11-03', to: '2025-11-07' })).status, 403);
      assert.deepEqual(await queued(), []);
      const page = await admin.page('/admin/setup');
      assert.match(page, /<td id="setup-papers">0<\/td>/);
      assert.match(page, new RegExp(engine === 'sqlite' ? 'SQLite' : 'PostgreSQL'));
      assert.match(page, /no SMTP_URL/);
      assert.match(page, /off in this instance \(JOBS_ENABLED=false\)/);
      for (const action of ['harvest-arxiv', 'mirror-hf', 'train-embedder']) assert.match(page, new RegExp(`action="/admin/setup/${action}"`));
    });

    test('actions need the CSRF token; the range is checked and capped; an unknown action is a 404; nothing is queued by any of them', async () => {
      assert.equal((await admin.form('/admin/setup/harvest-arxiv', {}, false)).status, 403);
      const long = await admin.form('/admin/setup/mirror-hf', { from: '2024-01-01', to: '2025-11-07' });
      assert.equal(long.status, 400);
      assert.match(await long.text(), /No request made: 677 days is more than the 366 a request may cover/);
      const bad = await admin.form('/admin/setup/mirror-hf', { from: '2025-11-31', to: '2025-11-07' });
      assert.equal(bad.status, 400);
      assert.match(await bad.text(), /&quot;2025-11-31&quot; is not a day|"2025-11-31" is not a day/);
      const backwards = await admin.form('/admin/setup/mirror-hf', { from: '2025-11-07', to: '2025-11-03' });
      assert.equal(backwards.status, 400);
      assert.equal((await admin.form('/admin/setup/drop-tables')).status, 404);
      assert.deepEqual(await queued(), []);
    });

    test('one click each: queued at once, run by the setup-requests job against the recorded upstreams, and the site is populated', async () => {
      const click = await admin.form('/admin/setup/mirror-hf', { from: '2025-11-03', to: '2025-11-07' });
      assert.equal(click.status, 303);
      assert.equal(click.headers.get('location'), '/admin/setup#requests');
      // A second click while it waits queues nothing more.
      await admin.form('/admin/setup/mirror-hf', { from: '2025-11-03', to: '2025-11-07' });
      assert.equal((await admin.form('/admin/setup/harvest-arxiv')).status, 303);
      assert.deepEqual((await queued()).map((r) => [r.action, r.status]), [['mirror-hf', 'queued'], ['harvest-arxiv', 'queued']]);
      assert.equal(stub.requests.length, 0, 'the web request only queued the work');
      const waiting = await admin.page('/admin/setup');
      assert.match(waiting, /http-equiv="refresh"/);
      assert.match(waiting, /data-status="queued"/);
      const due = await database.db.selectFrom('jobs').select('next_run_at').where('name', '=', 'setup-requests').executeTakeFirstOrThrow();
      assert.ok(due.next_run_at <= new Date().toISOString(), 'the job is due at once');

      const report = await scheduler.runNow('setup-requests');
      assert.equal(report?.status, 'ok', report?.error ?? '');
      assert.deepEqual(stub.requests.filter((r) => r.path === '/api/daily_papers').map((r) => r.query.get('date')), ['2025-11-03', '2025-11-04', '2025-11-05', '2025-11-06', '2025-11-07']);
      assert.ok(stub.requests.some((r) => r.query.get('set') === 'cs'), 'arXiv was harvested');
      const done = await queued();
      assert.deepEqual(done.map((r) => r.status), ['ok', 'ok'], JSON.stringify(done));
      assert.match(done[0]!.result!, /2025-11-03 to 2025-11-07: 5 days fetched .* 9 listings \(9 new papers/);
      assert.equal(await countPapers(database.db), 9 + 4);

      // The visitor's home page is the newest list now.
      const home = await (await server.get('/')).text();
      assert.doesNotMatch(home, /No papers yet/);
      assert.match(home, /Retrieval-Augmented Planning for Web Agents/);
      assert.match(home, /Previous/);
      const page = await admin.page('/admin/setup');
      assert.match(page, /<td id="setup-papers">13<\/td>/);
      assert.doesNotMatch(page, /http-equiv="refresh"/);

      // Train the embedder: the site gets its model, semantic search has what it needs.
      await admin.form('/admin/setup/train-embedder');
      const trained = await scheduler.runNow('setup-requests');
      assert.equal(trained?.status, 'ok', trained?.error ?? '');
      const last = (await queued()).at(-1)!;
      assert.equal(last.status, 'ok', last.result ?? '');
      assert.match(last.result!, /trained builtin.* on 13 papers/);
      assert.ok((await siteModel(database.db)).model, 'the site has a model');
    });
  });

  test(`dailypapers serve on an empty ${engine} site starts the first harvest at once and says so`, async () => {
    const t = await createTestDatabase(engine);
    const stub = await startUpstreamStub(upstreams);
    const port = await freePort();
    const child = startCli(['serve'], {
      DATABASE_URL: t.url, PORT: String(port), JOBS_TICK_SECONDS: '0.2', ARXIV_OAI_URL: `${stub.base}/oai2`, HARVEST_DELAY_SECONDS: '0', EMBEDDER: 'none', JOBS_TIMEZONE: 'UTC',
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const database = await openDatabase(t.config);
    try {
      for (let i = 0; i < 600 && !/first arXiv harvest starts now/.test(out); i++) await wait(100);
      assert.match(out, /The site has no papers yet: the first arXiv harvest starts now \(cs\.AI .*\)\. For more .* open http:\/\/127\.0\.0\.1:\d+\/admin\/setup as the admin\./);
      assert.equal(stub.requests[0]?.query.get('verb'), 'Identify');
      for (let i = 0; i < 600 && !/harvest-arxiv (ok|failed)/.test(out); i++) await wait(100);
      assert.match(out, /\[jobs\] harvest-arxiv ok/);
      assert.equal(await countPapers(database.db), 4, out);
    } finally {
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      await database.close();
      await stub.close();
      await t.drop();
      assert.equal(code, 0, out);
    }
  });
}

