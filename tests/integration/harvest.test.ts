/**
 * The harvester against recorded upstream answers served by a local HTTP server: arXiv OAI-PMH (resumption
 * tokens, datestamps, 503 + Retry-After, slow and refused connections, an error mid-list, an expired
 * token, a process killed mid-list), Hugging Face's daily lists and GitHub's repository API. Each run goes
 * through the scheduler and the real registry, so what the jobs page shows is what is checked.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import path from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import type { Database } from '../../src/db/connection.ts';
import { getJobRow } from '../../src/db/queries/jobs.ts';
import { getHarvestState } from '../../src/db/queries/harvest.ts';
import { importFiles } from '../../src/importers/import-files.ts';
import { jobDefinitions } from '../../src/jobs/registry.ts';
import { Scheduler } from '../../src/jobs/scheduler.ts';
import { startCli } from '../helpers/cli.ts';
import { ENGINES, openTestDatabase } from '../helpers/db.ts';
import { FIXTURES, startUpstreamStub, type StubHandler, type StubRequest, type UpstreamStub } from '../helpers/upstream-stub.ts';

const PAGE_1 = 'harvest/listrecords-cs-page1.xml';
const PAGE_2 = 'harvest/listrecords-cs-page2.xml';
const TOKEN = '6961461|1001';
const KEPT = ['1302.0689', '1302.0723', '1302.0785', '1302.0870'];

/** arXiv as recorded: set cs is a two-page list, set stat has nothing new. */
const arxiv: StubHandler = (r) => {
  if (r.path !== '/oai2') return { status: 404 };
  if (r.query.get('resumptionToken') === TOKEN) return { fixture: PAGE_2 };
  if (r.query.get('resumptionToken')) return { fixture: 'arxiv-oai/error-badResumptionToken.xml' };
  if (r.query.get('set') === 'cs') return { fixture: PAGE_1 };
  if (r.query.get('set') === 'stat') return { fixture: 'arxiv-oai/error-noRecordsMatch.xml' };
  return { fixture: 'arxiv-oai/error-badArgument.xml' };
};

const csRequests = (stub: UpstreamStub) => stub.requests.filter((r) => r.query.get('set') === 'cs' || r.query.has('resumptionToken'));
const describeRequest = (r: StubRequest) => Object.fromEntries(r.query);

for (const engine of ENGINES) {
  describe(`harvester on ${engine}`, () => {
    let database: Database & { url: string };
    let stub: UpstreamStub;
    before(async () => {
      stub = await startUpstreamStub(arxiv);
    });
    after(() => stub.close());
    beforeEach(async () => {
      await database?.close();
      database = await openTestDatabase(engine);
      stub.requests.length = 0;
      stub.setHandler(arxiv);
    });
    after(() => database.close());

    const env = (extra: Record<string, string> = {}) => ({
      ARXIV_OAI_URL: `${stub.base}/oai2`, HARVEST_DELAY_SECONDS: '0.01', HARVEST_TIMEOUT_SECONDS: '0.5', HARVEST_FIRST_DAYS: '3',
      JOBS_TIMEZONE: 'UTC', SITE_NAME: 'Test Papers', PUBLIC_URL: 'https://papers.example.org', ...extra,
    });
    const scheduler = (extra: Record<string, string> = {}, now?: () => Date) => {
      const config = loadConfig(env(extra));
      const lines: string[] = [];
      const s = new Scheduler({ database, jobs: jobDefinitions(config, { database }), timezone: 'UTC', tickMs: 1000, log: (l) => lines.push(l), ...(now ? { now } : {}) });
      return Object.assign(s, { lines });
    };
    const paperIds = async () => (await database.db.selectFrom('papers').select('id').orderBy('id').execute()).map((r) => r.id);

    test('follows the resumption token to the end, keeps the configured categories, stores the newest datestamp; the next run asks from it', async () => {
      const s = scheduler();
      const report = await s.runNow('harvest-arxiv');
      assert.equal(report?.status, 'ok', report?.error ?? '');
      const threeDaysAgo = new Date(Date.now() - 3 * 86_400_000).toISOString().slice(0, 10);
      assert.deepEqual(stub.requests.map(describeRequest), [
        { verb: 'ListRecords', metadataPrefix: 'arXiv', set: 'cs', from: threeDaysAgo },
        { verb: 'ListRecords', resumptionToken: TOKEN },
        { verb: 'ListRecords', metadataPrefix: 'arXiv', set: 'stat', from: threeDaysAgo },
      ]);
      assert.match(String(stub.requests[0]!.headers['user-agent']), /^Test Papers \(Daily Papers harvester; https:\/\/papers\.example\.org\)$/);
      assert.deepEqual(await paperIds(), KEPT);
      const cs = await getHarvestState(database.db, 'arxiv-oai:cs');
      assert.equal(cs?.cursor, '2013-02-07');
      assert.equal(cs?.resumption_token, null);
      assert.equal((await getHarvestState(database.db, 'arxiv-oai:stat'))?.cursor, threeDaysAgo, 'an empty list moves the cursor to its from');
      assert.match(report!.result!, /cs: 2 pages, 7 records, 4 kept \(4 new, 0 updated\), next from 2013-02-07/);

      stub.requests.length = 0;
      const again = await s.runNow('harvest-arxiv');
      assert.equal(again?.status, 'ok');
      assert.deepEqual(describeRequest(stub.requests[0]!), { verb: 'ListRecords', metadataPrefix: 'arXiv', set: 'cs', from: '2013-02-07' });
      assert.deepEqual(await paperIds(), KEPT, 'no duplicates');
      assert.match(again!.result!, /4 kept \(0 new, 0 updated\)/);
      const row = await getJobRow(database.db, 'harvest-arxiv');
      assert.equal(row?.last_status, 'ok');
      assert.equal(row?.lease_owner, null);
    });

    test('a 503 with Retry-After is waited out, then the request is made again', async () => {
      let refused = false;
      stub.setHandler((r, i) => {
        if (!refused && r.query.get('set') === 'cs') {
          refused = true;
          return { status: 503, headers: { 'retry-after': '1' }, fixture: 'harvest/arxiv-503.txt' };
        }
        return arxiv(r, i);
      });
      const s = scheduler();
      const report = await s.runNow('harvest-arxiv');
      assert.equal(report?.status, 'ok', report?.error ?? '');
      const [first, retry] = stub.requests;
      assert.deepEqual(describeRequest(first!), describeRequest(retry!), 'the same request again');
      assert.ok(retry!.at - first!.at >= 1000, `retried after ${retry!.at - first!.at} ms, not before the 1 s asked`);
      assert.ok(s.lines.some((l) => /arXiv asked to retry after 1 s/.test(l)));
      assert.deepEqual(await paperIds(), KEPT);
    });

    test('a Retry-After longer than allowed fails the run with a clear message and writes nothing', async () => {
      stub.setHandler(() => ({ status: 503, headers: { 'retry-after': '3600' }, fixture: 'harvest/arxiv-503.txt' }));
      const report = await scheduler().runNow('harvest-arxiv');
      assert.equal(report?.status, 'error');
      assert.match(report!.error!, /retry after 3600 s, longer than the 600 s allowed/);
      assert.deepEqual(await paperIds(), []);
    });

    test('a slow answer hits the timeout: the job records the error and nothing is written', async () => {
      stub.setHandler(() => ({ delayMs: 5000, fixture: PAGE_1 }));
      const report = await scheduler().runNow('harvest-arxiv');
      assert.equal(report?.status, 'error');
      assert.match(report!.error!, /^arXiv OAI-PMH: GET http:\/\/127\.0\.0\.1:\d+\/oai2\?verb=ListRecords&metadataPrefix=arXiv&set=cs&from=\S+ failed: no answer within 0\.5 s$/);
      const row = await getJobRow(database.db, 'harvest-arxiv');
      assert.equal(row?.last_status, 'error');
      assert.equal(row?.last_error, report!.error);
      assert.equal(row?.attempts, 1);
      assert.deepEqual(await paperIds(), []);
      assert.equal(await getHarvestState(database.db, 'arxiv-oai:cs'), undefined);
    });

    test('offline (connection refused): a clear error in the job state and the log; the next run succeeds', async () => {
      await stub.down();
      const s = scheduler();
      try {
        const report = await s.runNow('harvest-arxiv');
        assert.equal(report?.status, 'error');
        assert.match(report!.error!, /arXiv OAI-PMH: GET http:\/\/127\.0\.0\.1:\d+\/oai2\?\S+ failed: connection refused/);
        const row = await getJobRow(database.db, 'harvest-arxiv');
        assert.equal(row?.last_status, 'error');
        assert.match(row!.last_error!, /connection refused/);
        assert.ok(row!.next_run_at > new Date().toISOString(), 'retried later, with backoff');
        const logLine = s.lines.find((l) => /harvest-arxiv failed/.test(l));
        assert.ok(logLine && !logLine.includes('\n'), 'one log line');
        assert.match(logLine!, /failure 1 in a row; next try .*connection refused/);
      } finally {
        await stub.up();
      }
      const report = await s.runNow('harvest-arxiv');
      assert.equal(report?.status, 'ok', report?.error ?? '');
      const row = await getJobRow(database.db, 'harvest-arxiv');
      assert.equal(row?.last_status, 'ok');
      assert.equal(row?.last_error, null);
      assert.equal(row?.attempts, 0);
      assert.deepEqual(await paperIds(), KEPT);
    });

    test('an error on page 2 leaves page 1 committed with its token; the next run resumes from the token without duplicates', async () => {
      let failed = false;
      stub.setHandler((r, i) => {
        if (!failed && r.query.get('resumptionToken') === TOKEN) {
          failed = true;
          return { status: 500, body: 'Internal Server Error' };
        }
        return arxiv(r, i);
      });
      const s = scheduler();
      const first = await s.runNow('harvest-arxiv');
      assert.equal(first?.status, 'error');
      assert.match(first!.error!, /answered 500 Internal Server Error/);
      assert.deepEqual(await paperIds(), ['1302.0689', '1302.0723'], 'page 1 is in');
      const mid = await getHarvestState(database.db, 'arxiv-oai:cs');
      assert.equal(mid?.resumption_token, TOKEN);
      assert.equal(mid?.cursor, null, 'the cursor moves only when the list is complete');

      stub.requests.length = 0;
      const second = await s.runNow('harvest-arxiv');
      assert.equal(second?.status, 'ok', second?.error ?? '');
      assert.deepEqual(describeRequest(stub.requests[0]!), { verb: 'ListRecords', resumptionToken: TOKEN });
      assert.deepEqual(await paperIds(), KEPT);
      const cats = await database.db.selectFrom('paper_categories').select(['paper_id', 'category']).where('paper_id', '=', '1302.0689').execute();
      assert.equal(cats.length, 1, 'no duplicate rows');
      assert.equal((await getHarvestState(database.db, 'arxiv-oai:cs'))?.cursor, '2013-02-07');
    });

    test('an expired resumption token starts that list again from its from', async () => {
      await database.db.insertInto('harvest_state').values({
        source: 'arxiv-oai:cs', cursor: '2013-02-01', resumption_token: 'expired|5001', list_from: '2013-02-04', list_max_datestamp: '2013-02-04', updated_at: new Date().toISOString(),
      }).execute();
      const report = await scheduler().runNow('harvest-arxiv');
      assert.equal(report?.status, 'ok', report?.error ?? '');
      assert.deepEqual(csRequests(stub).map(describeRequest).slice(0, 2), [
        { verb: 'ListRecords', resumptionToken: 'expired|5001' },
        { verb: 'ListRecords', metadataPrefix: 'arXiv', set: 'cs', from: '2013-02-04' },
      ]);
      assert.deepEqual(await paperIds(), KEPT);
    });

    test('a harvest killed mid-list (SIGKILL) resumes from the stored token once its lease has expired', async () => {
      stub.setHandler((r, i) => (r.query.get('resumptionToken') === TOKEN ? { hang: true } : arxiv(r, i)));
      const child = startCli(['jobs', 'run', 'harvest-arxiv'], { DATABASE_URL: database.url, ...env({ HARVEST_TIMEOUT_SECONDS: '60' }) });
      try {
        for (let i = 0; i < 200 && !stub.requests.some((r) => r.query.get('resumptionToken') === TOKEN); i++) await new Promise((r) => setTimeout(r, 50));
        assert.ok(stub.requests.some((r) => r.query.get('resumptionToken') === TOKEN), 'the child reached page 2');
      } finally {
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
      assert.deepEqual(await paperIds(), ['1302.0689', '1302.0723']);
      const held = await getJobRow(database.db, 'harvest-arxiv');
      assert.ok(held?.lease_owner, 'the dead process still holds the lease');
      stub.setHandler(arxiv);
      assert.equal(await scheduler().runNow('harvest-arxiv'), null, 'not run while the lease holds');
      // Time passes: the lease expires (LEASE_MS without a heartbeat).
      await database.db.updateTable('jobs').set({ lease_until: new Date(Date.now() - 1000).toISOString() }).where('name', '=', 'harvest-arxiv').execute();
      stub.requests.length = 0;
      const report = await scheduler().runNow('harvest-arxiv');
      assert.equal(report?.status, 'ok', report?.error ?? '');
      assert.deepEqual(describeRequest(stub.requests[0]!), { verb: 'ListRecords', resumptionToken: TOKEN });
      assert.deepEqual(await paperIds(), KEPT);
      const runs = await database.db.selectFrom('job_runs').select(['status', 'error']).where('name', '=', 'harvest-arxiv').orderBy('id').execute();
      assert.equal(runs.length, 2);
      assert.equal(runs[0]!.status, 'error');
      assert.match(runs[0]!.error!, /interrupted/);
      assert.equal(runs[1]!.status, 'ok');
    });

    test('Hugging Face mirror: the lists of today and the days before, with their upvotes', async () => {
      stub.setHandler((r) => {
        if (r.path !== '/api/daily_papers') return { status: 404 };
        return r.query.get('date') === '2025-11-04' ? { fixture: 'hf-daily/2025-11-04.json' } : { body: '[]', headers: { 'content-type': 'application/json' } };
      });
      const s = scheduler({ HF_MIRROR: 'true', HF_API_URL: stub.base, HF_MIRROR_DAYS: '2' }, () => new Date('2025-11-05T12:00:00Z'));
      const report = await s.runNow('mirror-hf');
      assert.equal(report?.status, 'ok', report?.error ?? '');
      assert.deepEqual(stub.requests.map((r) => r.query.get('date')), ['2025-11-05', '2025-11-04']);
      assert.match(report!.result!, /2025-11-05: 0 papers .*2025-11-04: 2 papers \(2 new, 0 updated\)/);
      const rows = await database.db.selectFrom('papers').select(['id', 'upvotes']).orderBy('id').execute();
      assert.deepEqual(rows, [{ id: '2510.22115', upvotes: 47 }, { id: '2511.01678', upvotes: 5 }]);
      const entries = await database.db.selectFrom('daily_entries').select('day').distinct().execute();
      assert.deepEqual(entries, [{ day: '2025-11-04' }]);
      assert.equal((await s.runNow('mirror-hf'))?.result?.includes('(0 new, 0 updated)'), true, 'again: nothing changes');
    });

    test('GitHub stars: oldest-read first, 404 recorded, a rate limit stops the run cleanly; the token is sent', async () => {
      await importFiles(database, [path.join(FIXTURES, 'hf-daily/2025-03-12.json'), path.join(FIXTURES, 'hf-daily/2025-06-26.json'), path.join(FIXTURES, 'hf-daily/2025-11-04.json')]);
      const limited = { status: 403, fixture: 'harvest/github-rate-limited.json', headers: { 'x-ratelimit-limit': '60', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1764000000' } };
      stub.setHandler((r) => {
        if (r.path === '/repos/alibaba-damo-academy/Lumos-Custom') return { status: 404, fixture: 'harvest/github-not-found.json' };
        if (r.path === '/repos/dmis-lab/Outlier-Safe-Pre-Training') return limited;
        return { fixture: 'harvest/github-repo-yue.json' };
      });
      const s = scheduler({ GITHUB_TOKEN: 'ghp_test', GITHUB_API_BASE: stub.base });
      const first = await s.runNow('github-stars');
      assert.equal(first?.status, 'ok', first?.error ?? '');
      assert.match(first!.result!, /1 repositories read, 0 star counts changed, 1 not found; stopped: GitHub's rate limit is reached until 2025-11-24T\d\d:\d\d:00\.000Z/);
      assert.deepEqual(stub.requests.map((r) => r.path), ['/repos/alibaba-damo-academy/Lumos-Custom', '/repos/dmis-lab/Outlier-Safe-Pre-Training']);
      assert.equal(stub.requests[0]!.headers.authorization, 'Bearer ghp_test');
      assert.equal(stub.requests[0]!.headers.accept, 'application/vnd.github+json');

      stub.requests.length = 0;
      stub.setHandler(() => ({ fixture: 'harvest/github-repo-yue.json' }));
      const second = await s.runNow('github-stars');
      assert.equal(second?.status, 'ok');
      assert.deepEqual(stub.requests.map((r) => r.path), ['/repos/dmis-lab/Outlier-Safe-Pre-Training', '/repos/multimodal-art-projection/YuE'], 'the one read recently is skipped');
      const yue = await database.db.selectFrom('papers').select('github_stars').where('id', '=', '2503.08638').executeTakeFirstOrThrow();
      assert.equal(yue.github_stars, 5512);
    });

    test('GitHub stars are off without a token unless asked for', () => {
      const off = jobDefinitions(loadConfig(env()), { database }).find((j) => j.name === 'github-stars');
      assert.match(off!.off!, /GITHUB_TOKEN/);
      const on = jobDefinitions(loadConfig(env({ GITHUB_STARS: 'true' })), { database }).find((j) => j.name === 'github-stars');
      assert.equal(on!.off, null);
    });
  });
}
