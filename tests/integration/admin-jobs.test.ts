/**
 * /admin/jobs over real HTTP: admins see every job with its schedule, status and error (a harvest that
 * could not reach arXiv), and the recent runs; others are refused; "Run now" and disable/enable post with
 * the CSRF token.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import type { Database } from '../../src/db/connection.ts';
import { getJobRow } from '../../src/db/queries/jobs.ts';
import { jobDefinitions } from '../../src/jobs/registry.ts';
import { Scheduler } from '../../src/jobs/scheduler.ts';
import type { JobDefinition } from '../../src/jobs/types.ts';
import { ENGINES, openTestDatabase } from '../helpers/db.ts';
import { startTestServer, type TestServer } from '../helpers/http.ts';
import { sessionMember, type SessionMember } from '../helpers/members.ts';
import { freePort } from '../helpers/cli.ts';

const NOW = new Date('2025-11-20T12:00:00.000Z');

for (const engine of ENGINES) {
  describe(`admin jobs page on ${engine}`, () => {
    let database: Database;
    let server: TestServer;
    let jobs: JobDefinition[];
    let admin: SessionMember;
    let member: SessionMember;
    before(async () => {
      database = await openTestDatabase(engine);
      // arXiv at an address where nothing listens: the harvest fails the way an offline site does.
      const closedPort = await freePort();
      jobs = jobDefinitions(loadConfig({ ARXIV_OAI_URL: `http://127.0.0.1:${closedPort}/oai2`, JOBS_TIMEZONE: 'UTC', HARVEST_DELAY_SECONDS: '0' }), { database });
      const scheduler = new Scheduler({ database, jobs, timezone: 'UTC', tickMs: 1000, log: () => {} });
      await scheduler.runNow('harvest-arxiv');
      await scheduler.runNow('cleanup');
      server = await startTestServer(database, { now: () => NOW, jobs });
      admin = await sessionMember(database, () => server.base, 'root', { role: 'admin' });
      member = await sessionMember(database, () => server.base, 'ada');
    });
    after(async () => {
      await server.close();
      await database.close();
    });

    test('anonymous visitors log in; members get 403', async () => {
      const anon = await server.get('/admin/jobs');
      assert.equal(anon.status, 303);
      assert.equal(anon.headers.get('location'), '/login?next=%2Fadmin%2Fjobs');
      assert.equal((await member.get('/admin/jobs')).status, 403);
      assert.equal((await member.form('/admin/jobs/cleanup/run')).status, 403);
    });

    test('admins see every job: schedule, status, the harvest error, the result, off jobs with the reason, recent runs', async () => {
      const res = await admin.get('/admin/jobs');
      assert.equal(res.status, 200);
      const page = await res.text();
      const row = (name: string) => new RegExp(`<tr id="job-${name}" data-status="([^"]+)">([\\s\\S]*?)</tr>`).exec(page);
      const harvest = row('harvest-arxiv');
      assert.equal(harvest?.[1], 'error');
      assert.match(harvest![2]!, /<code>0 \*\/6 \* \* \*<\/code>/);
      assert.match(harvest![2]!, /arXiv OAI-PMH: GET http:\/\/127\.0\.0\.1:\d+\/oai2\?verb=ListRecords&amp;metadataPrefix=arXiv&amp;set=cs&amp;from=\S+ failed: connection refused/);
      assert.match(harvest![2]!, /1 failure in a row/);
      assert.match(harvest![2]!, /Run now/);
      const cleanup = row('cleanup');
      assert.equal(cleanup?.[1], 'ok');
      assert.match(cleanup![2]!, /&quot;sessions&quot;:0/);
      const mirror = row('mirror-hf');
      assert.equal(mirror?.[1], 'off');
      assert.match(mirror![2]!, /set HF_MIRROR=true/);
      assert.doesNotMatch(mirror![2]!, /Run now/);
      assert.match(page, /<h2>Recent runs<\/h2>/);
      assert.match(page, /<td>harvest-arxiv<\/td><td>[^<]+<\/td><td>[^<]+<\/td><td>error<\/td>/);
      assert.match(page, /href="\/admin\/outbox"/);
    });

    test('Run now makes the job due at once (with the CSRF token only); disable and enable', async () => {
      assert.equal((await admin.form('/admin/jobs/cleanup/run', {}, false)).status, 403, 'no CSRF token');
      assert.notEqual((await getJobRow(database.db, 'cleanup'))?.next_run_at, NOW.toISOString());
      const res = await admin.form('/admin/jobs/cleanup/run');
      assert.equal(res.status, 303);
      assert.equal(res.headers.get('location'), '/admin/jobs#job-cleanup');
      assert.equal((await getJobRow(database.db, 'cleanup'))?.next_run_at, NOW.toISOString());

      assert.equal((await admin.form('/admin/jobs/cleanup/disable')).status, 303);
      assert.equal((await getJobRow(database.db, 'cleanup'))?.enabled, 0);
      assert.match(await admin.page('/admin/jobs'), /<tr id="job-cleanup" data-status="disabled">[\s\S]*?Enable/);
      assert.equal((await admin.form('/admin/jobs/cleanup/enable')).status, 303);
      assert.equal((await getJobRow(database.db, 'cleanup'))?.enabled, 1);
      assert.equal((await admin.form('/admin/jobs/no-such-job/run')).status, 404);
    });
  });
}
