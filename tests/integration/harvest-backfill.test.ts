/**
 * `dailypapers harvest hf` and `dailypapers harvest arxiv` against local servers replaying recorded answers
 * (tests/fixtures/hf-range, tests/fixtures/harvest): exactly the requested days are imported, a re-run of a
 * settled range makes no request, a failure mid-range keeps the days before it and the next run resumes,
 * Retry-After is honoured (and capped), bad dates are usage errors, and --json prints the summary.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { Database } from '../../src/db/connection.ts';
import { getHarvestState } from '../../src/db/queries/harvest.ts';
import { lastJsonLine, runCli } from '../helpers/cli.ts';
import { ENGINES, openTestDatabase } from '../helpers/db.ts';
import { arxivOai as arxiv, hfRange } from '../helpers/hf-range-stub.ts';
import { startUpstreamStub, type UpstreamStub } from '../helpers/upstream-stub.ts';

for (const engine of ENGINES) {
  describe(`dailypapers harvest on ${engine}`, () => {
    let database: Database & { url: string };
    let stub: UpstreamStub;
    before(async () => {
      stub = await startUpstreamStub(hfRange);
    });
    after(() => stub.close());
    beforeEach(async () => {
      await database?.close();
      database = await openTestDatabase(engine);
      stub.requests.length = 0;
      stub.setHandler(hfRange);
    });
    after(() => database.close());

    const env = (extra: Record<string, string> = {}) => ({
      DATABASE_URL: database.url, HF_API_URL: stub.base, ARXIV_OAI_URL: `${stub.base}/oai2`, HARVEST_DELAY_SECONDS: '0.01', HARVEST_TIMEOUT_SECONDS: '5', ...extra,
    });
    const hf = (args: string[], extra?: Record<string, string>) => runCli(['harvest', 'hf', ...args], env(extra));
    const paperIds = async () => (await database.db.selectFrom('papers').select('id').orderBy('id').execute()).map((r) => r.id);
    const listedDays = async () => (await database.db.selectFrom('daily_entries').select('day').distinct().orderBy('day').execute()).map((r) => r.day);
    const asked = () => stub.requests.map((r) => r.query.get('date'));

    test('imports exactly the requested days, one polite request each, and says so in --json', async () => {
      const r = await hf(['--from', '2025-11-04', '--to', '2025-11-06', '--json']);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(asked(), ['2025-11-04', '2025-11-05', '2025-11-06']);
      assert.match(String(stub.requests[0]!.headers['user-agent']), /Daily Papers harvester/);
      assert.deepEqual(await paperIds(), ['2511.00003', '2511.00004', '2511.00005', '2511.00006', '2511.00007']);
      assert.deepEqual(await listedDays(), ['2025-11-04', '2025-11-05', '2025-11-06']);
      assert.deepEqual(lastJsonLine(r.stdout), {
        from: '2025-11-04', to: '2025-11-06', days: 3, fetched: 3, skipped: 0, requests: 3, entries: 5, new: 5, updated: 0, unchanged: 0,
      });
    });

    test('a re-run of a settled range makes no request; a failure mid-range keeps the days before it and the next run resumes', async () => {
      let broken = true;
      stub.setHandler((r, i) => (r.query.get('date') === '2025-11-05' && broken ? { status: 500, body: 'upstream exploded' } : hfRange(r, i)));
      const failed = await hf(['--from', '2025-11-03', '--to', '2025-11-06', '--json']);
      assert.equal(failed.code, 1, failed.stderr);
      assert.match(failed.stderr, /Hugging Face: GET .*date=2025-11-05 answered 500.*run the same command again/);
      assert.deepEqual(asked(), ['2025-11-03', '2025-11-04', '2025-11-05']);
      assert.equal(lastJsonLine(failed.stdout).fetched, 2);
      assert.deepEqual(await listedDays(), ['2025-11-03', '2025-11-04']);

      stub.requests.length = 0;
      broken = false;
      const resumed = await hf(['--from', '2025-11-03', '--to', '2025-11-06', '--json']);
      assert.equal(resumed.code, 0, resumed.stderr);
      assert.deepEqual(asked(), ['2025-11-05', '2025-11-06'], 'only the days not done');
      assert.deepEqual(await listedDays(), ['2025-11-03', '2025-11-04', '2025-11-05', '2025-11-06']);

      stub.requests.length = 0;
      const again = await hf(['--from', '2025-11-03', '--to', '2025-11-06', '--json']);
      assert.equal(again.code, 0, again.stderr);
      assert.equal(stub.requests.length, 0, 'a settled range is never asked again');
      assert.deepEqual(lastJsonLine(again.stdout), { from: '2025-11-03', to: '2025-11-06', days: 4, fetched: 0, skipped: 4, requests: 0, entries: 0, new: 0, updated: 0, unchanged: 0 });
    });

    test('a recent day is asked again on the next run (its list may still grow)', async () => {
      const today = new Date().toISOString().slice(0, 10);
      const first = await hf(['--from', today, '--json']);
      assert.equal(first.code, 0, first.stderr);
      const second = await hf(['--from', today, '--json']);
      assert.equal(second.code, 0, second.stderr);
      assert.deepEqual(asked(), [today, today]);
    });

    test('429 and 503 with Retry-After are waited out; a wait longer than HARVEST_RETRY_AFTER_MAX_SECONDS fails the run', async () => {
      stub.setHandler((r, i) => (i === 0 ? { status: 429, headers: { 'retry-after': '1' }, body: 'slow down' } : i === 1 ? { status: 503, headers: { 'retry-after': '1' } } : hfRange(r, i)));
      const r = await hf(['--from', '2025-11-05', '--to', '2025-11-05', '--json']);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(asked(), ['2025-11-05', '2025-11-05', '2025-11-05']);
      assert.ok(stub.requests[1]!.at - stub.requests[0]!.at >= 950, 'waited the second asked for after the 429');
      assert.ok(stub.requests[2]!.at - stub.requests[1]!.at >= 950, 'and after the 503');
      assert.match(r.stderr, /retry after 1 s/);
      assert.equal(lastJsonLine(r.stdout).requests, 3);
      assert.deepEqual(await paperIds(), ['2511.00005']);

      stub.requests.length = 0;
      stub.setHandler(() => ({ status: 429, headers: { 'retry-after': '3600' } }));
      const capped = await hf(['--from', '2025-11-06', '--to', '2025-11-06'], { HARVEST_RETRY_AFTER_MAX_SECONDS: '2' });
      assert.equal(capped.code, 1);
      assert.match(capped.stderr, /answered 429 asking to retry after 3600 s, longer than the 2 s allowed/);
      assert.equal(stub.requests.length, 1);
    });

    // The other rules of ranges: tests/unit/backfill.test.ts.
    test('bad dates are usage errors (exit 2) with a clear message, and nothing is asked', async () => {
      const cases: [string[], RegExp][] = [
        [[], /give the first day: --from YYYY-MM-DD/],
        [['--from', '2025-13-01'], /"2025-13-01" is not a day: write it YYYY-MM-DD/],
        [['--from', '2025-11-06', '--to', '2025-11-03'], /the range ends \(2025-11-03\) before it starts \(2025-11-06\)/],
        [['--from', '2025-11-06', '--delay', 'soon'], /expected a number of seconds/],
      ];
      for (const [args, message] of cases) {
        const r = await hf(args);
        assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, message);
        assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      }
      assert.equal(stub.requests.length, 0);
    });

    test('harvest arxiv lists the range with a position of its own (the scheduled one untouched); a settled range is not asked again', async () => {
      stub.setHandler(arxiv);
      const r = await runCli(['harvest', 'arxiv', '--from', '2013-02-01', '--to', '2013-02-10', '--categories', 'cs.AI,cs.CL,cs.LG,stat.ML', '--json'], env());
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(stub.requests.map((q) => Object.fromEntries(q.query)), [
        { verb: 'ListRecords', metadataPrefix: 'arXiv', set: 'cs', from: '2013-02-01', until: '2013-02-10' },
        { verb: 'ListRecords', resumptionToken: '6961461|1001' },
        { verb: 'ListRecords', metadataPrefix: 'arXiv', set: 'stat', from: '2013-02-01', until: '2013-02-10' },
      ]);
      const summary = lastJsonLine(r.stdout);
      assert.equal(summary.requests, 3);
      assert.equal(summary.new, (await paperIds()).length);
      assert.ok(summary.new > 0);
      assert.equal(await getHarvestState(database.db, 'arxiv-oai:cs'), undefined, 'the scheduled harvest’s position is untouched');
      assert.ok((await getHarvestState(database.db, 'arxiv-oai:cs:2013-02-01..2013-02-10'))?.cursor);

      stub.requests.length = 0;
      const again = await runCli(['harvest', 'arxiv', '--from', '2013-02-01', '--to', '2013-02-10', '--categories', 'cs.AI,cs.CL,cs.LG,stat.ML', '--json'], env());
      assert.equal(again.code, 0, again.stderr);
      assert.equal(stub.requests.length, 0);
      assert.equal(lastJsonLine(again.stdout).requests, 0);

      const bad = await runCli(['harvest', 'arxiv', '--from', '2013-02-01', '--categories', 'CS AI!'], env());
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /expected arXiv categories/);
    });
  });
}
