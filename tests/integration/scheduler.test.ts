/**
 * The scheduler over the database: a due job runs once across instances (two schedulers over two
 * connections; two `dailypapers jobs run` processes), failures back off, leases are renewed while a job
 * runs and released on stop, timeouts are recorded, and `dailypapers serve` stops on SIGTERM with its
 * running job's lease released.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, beforeEach, describe, test } from 'node:test';
import { openDatabase, type Database } from '../../src/db/connection.ts';
import { migrate } from '../../src/db/migrate.ts';
import { getJobRow } from '../../src/db/queries/jobs.ts';
import { RETRY_BASE_MS, RETRY_LIMIT, nextCronTime } from '../../src/domain/jobs.ts';
import { Scheduler } from '../../src/jobs/scheduler.ts';
import type { JobDefinition } from '../../src/jobs/types.ts';
import { freePort, runCli, startCli } from '../helpers/cli.ts';
import { createTestDatabase, ENGINES, type TestDatabase } from '../helpers/db.ts';
import { startUpstreamStub } from '../helpers/upstream-stub.ts';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PAST = '2000-01-01T00:00:00.000Z';

for (const engine of ENGINES) {
  describe(`scheduler on ${engine}`, () => {
    let t: TestDatabase;
    let a: Database;
    let b: Database;
    beforeEach(async () => {
      await a?.close();
      await b?.close();
      await t?.drop();
      t = await createTestDatabase(engine);
      a = await openDatabase(t.config);
      await migrate(a);
      b = await openDatabase(t.config);
    });
    after(async () => {
      await a.close();
      await b.close();
      await t.drop();
    });

    const job = (run: JobDefinition['run'], extra: Partial<JobDefinition> = {}): JobDefinition => ({
      name: 'test-job', description: 'a test', schedule: '0 3 * * *', off: null, timeoutMs: 10_000, run, ...extra,
    });
    const scheduler = (database: Database, def: JobDefinition, extra: Partial<ConstructorParameters<typeof Scheduler>[0]> = {}) =>
      new Scheduler({ database, jobs: [def], timezone: 'UTC', tickMs: 20, log: () => {}, ...extra });
    const makeDue = (database: Database) => database.db.updateTable('jobs').set({ next_run_at: PAST }).where('name', '=', 'test-job').execute();

    test('a new job is scheduled at its next cron time, not run at once', async () => {
      let runs = 0;
      const s = scheduler(a, job(async () => void runs++));
      await s.sync();
      assert.deepEqual(await s.tick(), []);
      const row = await getJobRow(a.db, 'test-job');
      assert.equal(row?.schedule, '0 3 * * *');
      assert.equal(row?.next_run_at, nextCronTime('0 3 * * *', 'UTC', new Date()).toISOString());
      assert.equal(runs, 0);
    });

    test('a changed schedule (SCHEDULE_<JOB>) moves the next run to the new expression’s next time, earlier or later', async () => {
      const clock = new Date('2026-03-02T10:30:00.000Z');
      await scheduler(a, job(async () => {}, { schedule: '*/10 * * * *' }), { now: () => clock }).sync();
      assert.equal((await getJobRow(a.db, 'test-job'))?.next_run_at, '2026-03-02T10:40:00.000Z');
      // Later: daily at 03:00 — the old 10:40 run must not happen.
      await scheduler(a, job(async () => {}, { schedule: '0 3 * * *' }), { now: () => clock }).sync();
      let row = await getJobRow(a.db, 'test-job');
      assert.equal(row?.schedule, '0 3 * * *');
      assert.equal(row?.next_run_at, '2026-03-03T03:00:00.000Z');
      // Earlier again: every five minutes.
      await scheduler(a, job(async () => {}, { schedule: '*/5 * * * *' }), { now: () => clock }).sync();
      assert.equal((await getJobRow(a.db, 'test-job'))?.next_run_at, '2026-03-02T10:35:00.000Z');
      // The same schedule: the stored next run (here: due, by "run now") is kept.
      await makeDue(a);
      await scheduler(a, job(async () => {}, { schedule: '*/5 * * * *' }), { now: () => clock }).sync();
      row = await getJobRow(a.db, 'test-job');
      assert.equal(row?.next_run_at, PAST);
    });

    test('a due job runs once across two schedulers sharing the database', async () => {
      let runs = 0;
      const def = job(async () => {
        runs++;
        await wait(200);
        return 'done';
      });
      const one = scheduler(a, def, { owner: 'one' });
      const two = scheduler(b, def, { owner: 'two' });
      await one.sync();
      await two.sync();
      await makeDue(a);
      const [x, y] = await Promise.all([one.tick(), two.tick()]);
      assert.equal(x.length + y.length, 1, 'one of them claimed it');
      // While it runs, the other cannot take it.
      assert.deepEqual([...(await one.tick()), ...(await two.tick())], []);
      await Promise.all([one.idle(), two.idle()]);
      assert.equal(runs, 1);
      const row = await getJobRow(a.db, 'test-job');
      assert.equal(row?.last_status, 'ok');
      assert.equal(row?.last_result, 'done');
      assert.equal(row?.lease_owner, null);
      assert.ok(row!.next_run_at > new Date().toISOString(), 'next at its cron time');
      const runsRows = await a.db.selectFrom('job_runs').selectAll().execute();
      assert.equal(runsRows.length, 1);
      assert.equal(runsRows[0]!.status, 'ok');
    });

    test('failures back off exponentially from the failure time, then the cron schedule takes over; success resets', async () => {
      let fail = true;
      let clock = new Date('2025-06-01T10:00:00.000Z');
      const def = job(async () => {
        if (fail) throw new Error('upstream down');
        return 'ok';
      }, { schedule: '0 3 * * *' });
      const s = scheduler(a, def, { now: () => clock });
      await s.sync();
      const seen: string[] = [];
      for (let i = 1; i <= RETRY_LIMIT + 1; i++) {
        await makeDue(a);
        assert.equal((await s.tick()).length, 1);
        await s.idle();
        const row = await getJobRow(a.db, 'test-job');
        assert.equal(row?.attempts, i);
        assert.equal(row?.last_error, 'upstream down');
        seen.push(row!.next_run_at);
      }
      const at = (ms: number) => new Date(clock.getTime() + ms).toISOString();
      assert.deepEqual(seen.slice(0, 4), [at(RETRY_BASE_MS), at(2 * RETRY_BASE_MS), at(4 * RETRY_BASE_MS), at(8 * RETRY_BASE_MS)]);
      assert.equal(seen[RETRY_LIMIT], '2025-06-02T03:00:00.000Z', 'past the retry limit: the next cron time');
      fail = false;
      clock = new Date('2025-06-01T11:00:00.000Z');
      await makeDue(a);
      await s.tick();
      await s.idle();
      const row = await getJobRow(a.db, 'test-job');
      assert.equal(row?.attempts, 0);
      assert.equal(row?.last_status, 'ok');
      assert.equal(row?.last_error, null);
      assert.equal(row?.next_run_at, '2025-06-02T03:00:00.000Z');
    });

    test('a backoff never goes past the next cron time', async () => {
      const clock = new Date('2025-06-01T02:59:30.000Z');
      const s = scheduler(a, job(async () => { throw new Error('x'); }), { now: () => clock });
      await s.sync();
      await makeDue(a);
      await s.tick();
      await s.idle();
      assert.equal((await getJobRow(a.db, 'test-job'))?.next_run_at, '2025-06-01T03:00:00.000Z');
    });

    test('the lease is renewed while a long job runs; an expired lease of a dead instance is taken over', async () => {
      const def = job(async () => {
        await wait(600);
      });
      const one = scheduler(a, def, { owner: 'one', leaseMs: 150 });
      const two = scheduler(b, def, { owner: 'two', leaseMs: 150 });
      await one.sync();
      await makeDue(a);
      assert.equal((await one.tick()).length, 1);
      for (let i = 0; i < 4; i++) {
        await wait(100);
        assert.deepEqual(await two.tick(), [], 'the heartbeat keeps the lease');
      }
      await one.idle();
      // A dead instance: a lease that ran out and a run left "running".
      await a.db.updateTable('jobs').set({ lease_owner: 'dead', lease_until: new Date(Date.now() - 1).toISOString(), next_run_at: PAST }).where('name', '=', 'test-job').execute();
      await a.db.insertInto('job_runs').values({ name: 'test-job', owner: 'dead', started_at: PAST, status: 'running' }).execute();
      assert.equal((await two.tick()).length, 1);
      await two.idle();
      const dead = await a.db.selectFrom('job_runs').selectAll().where('owner', '=', 'dead').executeTakeFirstOrThrow();
      assert.equal(dead.status, 'error');
      assert.match(dead.error!, /interrupted/);
    });

    test('a job that runs past its timeout is aborted and the timeout recorded', async () => {
      const def = job((ctx) => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason))), { timeoutMs: 100 });
      const s = scheduler(a, def);
      const report = await s.runNow('test-job');
      assert.equal(report?.status, 'error');
      assert.equal(report?.error, 'timed out after 0.1 s');
      assert.equal((await getJobRow(a.db, 'test-job'))?.last_error, 'timed out after 0.1 s');
    });

    test('stop(): running jobs are signalled, their leases released, and they stay due', async () => {
      let aborted = false;
      const def = job((ctx) => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => {
        aborted = true;
        reject(ctx.signal.reason);
      })));
      const s = scheduler(a, def);
      await s.sync();
      await makeDue(a);
      assert.equal((await s.tick()).length, 1);
      await s.stop(2000);
      assert.ok(aborted);
      const row = await getJobRow(a.db, 'test-job');
      assert.equal(row?.lease_owner, null);
      assert.equal(row?.lease_until, null);
      assert.equal(row?.next_run_at, PAST, 'still due: the next instance runs it');
      assert.match(row!.last_error!, /interrupted: the server stopped/);
      assert.deepEqual(await s.tick(), [], 'a stopped scheduler claims nothing');
    });

    test('stop(): a job that ignores the signal has its lease released after the grace period', async () => {
      let release!: () => void;
      const s = scheduler(a, job(() => new Promise<void>((r) => (release = r))));
      await s.sync();
      await makeDue(a);
      await s.tick();
      await s.stop(100);
      const row = await getJobRow(a.db, 'test-job');
      assert.equal(row?.lease_owner, null);
      assert.match(row!.last_error!, /grace/);
      release();
      await wait(20);
      assert.equal((await getJobRow(a.db, 'test-job'))?.last_status, 'error', 'its late end records nothing');
    });

    test('two `dailypapers jobs run` processes at once: one runs the harvest, the other says it is running elsewhere', async () => {
      let secondDone!: () => void;
      const untilSecondDone = new Promise<void>((r) => (secondDone = r));
      const stub = await startUpstreamStub((r) => {
        // The first page waits until the second process has tried (and found the job running).
        if (r.query.get('set') === 'cs') return { until: untilSecondDone, fixture: 'harvest/listrecords-cs-page1.xml' };
        if (r.query.get('resumptionToken')) return { fixture: 'harvest/listrecords-cs-page2.xml' };
        return { fixture: 'arxiv-oai/error-noRecordsMatch.xml' };
      });
      try {
        const env = { DATABASE_URL: t.url, ARXIV_OAI_URL: `${stub.base}/oai2`, HARVEST_DELAY_SECONDS: '0' };
        const first = runCli(['jobs', 'run', 'harvest-arxiv'], env);
        for (let i = 0; i < 200 && stub.requests.length === 0; i++) await wait(25);
        const second = await runCli(['jobs', 'run', 'harvest-arxiv'], env);
        secondDone();
        const one = await first;
        assert.equal(one.code, 0, one.stderr);
        assert.match(one.stdout, /harvest-arxiv ok in \d+ ms: cs: 2 pages/);
        assert.equal(second.code, 1);
        assert.match(second.stderr, /harvest-arxiv is running elsewhere/);
        assert.equal(stub.requests.filter((r) => r.query.get('set') === 'cs').length, 1, 'asked once');
      } finally {
        await stub.close();
      }
    });

    test('`dailypapers jobs list` and usage errors', async () => {
      const list = await runCli(['jobs', 'list', '--json'], { DATABASE_URL: t.url, HF_MIRROR: 'false' });
      assert.equal(list.code, 0, list.stderr);
      const jobs = JSON.parse(list.stdout) as { name: string; off: string | null }[];
      assert.deepEqual(jobs.map((j) => j.name).slice(0, 4), ['harvest-arxiv', 'mirror-hf', 'github-stars', 'refresh-trending']);
      assert.match(jobs.find((j) => j.name === 'mirror-hf')!.off!, /HF_MIRROR=true/);
      const unknown = await runCli(['jobs', 'run', 'nope'], { DATABASE_URL: t.url });
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /no job named nope/);
      const bad = await runCli(['jobs', 'list'], { DATABASE_URL: t.url, SCHEDULE_HARVEST_ARXIV: '0 25 * * *' });
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /SCHEDULE_HARVEST_ARXIV: expected a cron expression of 5 fields .*hour.* \(got "0 25 \* \* \*"\)/);
    });

    test('SIGTERM on `dailypapers serve` stops promptly with exit 0 and releases the running job’s lease', async () => {
      const stub = await startUpstreamStub(() => ({ hang: true }));
      const port = await freePort();
      // The harvest is due: serve claims it at its first tick and waits on the upstream that never answers.
      const s = scheduler(a, job(async () => {}, { name: 'harvest-arxiv', schedule: '0 */6 * * *' }));
      await s.sync();
      await a.db.updateTable('jobs').set({ next_run_at: PAST }).where('name', '=', 'harvest-arxiv').execute();
      const child = startCli(['serve'], { DATABASE_URL: t.url, PORT: String(port), JOBS_TICK_SECONDS: '0.05', ARXIV_OAI_URL: `${stub.base}/oai2`, HARVEST_TIMEOUT_SECONDS: '600' });
      let out = '';
      child.stdout!.on('data', (d) => (out += d));
      child.stderr!.on('data', (d) => (out += d));
      try {
        // Up to a minute: on a loaded machine, starting `serve` from source alone may take more than ten seconds.
        for (let i = 0; i < 2400 && stub.requests.length === 0 && child.exitCode === null; i++) await wait(25);
        assert.equal(stub.requests.length, 1, `the harvest did not start; serve printed: ${out}`);
        assert.ok((await getJobRow(a.db, 'harvest-arxiv'))?.lease_owner, 'leased while it runs');
      } catch (e) {
        child.kill('SIGKILL');
        await stub.close(); // a failed start must not leave the hanging upstream holding the test process
        throw e;
      } finally {
        child.kill('SIGTERM');
      }
      const [code] = await once(child, 'exit');
      await stub.close();
      assert.equal(code, 0, out);
      const row = await getJobRow(a.db, 'harvest-arxiv');
      assert.equal(row?.lease_owner, null);
      assert.equal(row?.lease_until, null);
      assert.match(row!.last_error!, /interrupted: the server stopped/);
      assert.equal(row?.next_run_at, PAST, 'due again for the next start');
    });
  });
}
