/**
 * No restarts (issue 12, docs/decisions/0023-scale-out-and-no-restarts.md): a running `dailypapers serve`
 * follows the database. `embeddings train` while it serves turns semantic search on without a restart
 * (visitors saw a neutral "not available yet" before, never an operator's command), and a schedule set with
 * `dailypapers jobs schedule` is in force in the running scheduler; a bad cron expression is refused clearly.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openDatabase, type Database } from '../../src/db/connection.ts';
import { migrate } from '../../src/db/migrate.ts';
import { getJobRow } from '../../src/db/queries/jobs.ts';
import { importFiles, listInputFiles } from '../../src/importers/import-files.ts';
import { lastJsonLine, runCli } from '../helpers/cli.ts';
import { createTestDatabase, ENGINES, type TestDatabase } from '../helpers/db.ts';
import { FIXTURES } from '../helpers/site.ts';
import { eventually, startServe, type ServeProcess } from '../helpers/serve.ts';

/** Every job but refresh-trending off: nothing else runs (or reaches out) while the test looks. */
const QUIET_JOBS = Object.fromEntries(
  ['harvest-arxiv', 'mirror-hf', 'github-stars', 'embed-new-papers', 'digest-daily', 'digest-weekly', 'saved-search-alerts', 'deliver-outbox', 'cleanup']
    .map((n) => [`SCHEDULE_${n.toUpperCase().replace(/-/g, '_')}`, 'off']),
);

for (const engine of ENGINES) {
  describe(`a running server follows the database (${engine})`, () => {
    let t: TestDatabase;
    let database: Database;
    let dir: string;
    let env: Record<string, string>;
    let serve: ServeProcess;

    before(async () => {
      t = await createTestDatabase(engine);
      database = await openDatabase(t.config);
      await migrate(database);
      await importFiles(database, await listInputFiles([path.join(FIXTURES, 'hf-daily')]));
      dir = mkdtempSync(path.join(tmpdir(), 'dp-follow-'));
      env = { DATABASE_URL: t.url, EMBEDDER: 'builtin', JOBS_TIMEZONE: 'UTC' };
      serve = await startServe({
        ...env, ...QUIET_JOBS, EMBEDDINGS_DIR: path.join(dir, 'server'), SEMANTIC_FOLLOW_MS: '200', JOBS_TICK_SECONDS: '0.1', JOBS_SCHEDULE_REFRESH_SECONDS: '0.2',
      });
    });
    after(async () => {
      await serve?.stop();
      await database.close();
      await t.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    const api = async (p: string) => {
      const res = await fetch(serve.url + p);
      return { status: res.status, body: (await res.json()) as Record<string, any> };
    };

    test('`embeddings train` while serving turns semantic search on without a restart; visitors never see the command', async () => {
      const before = await api('/api/search?q=language+model&mode=semantic');
      assert.equal(before.status, 400);
      assert.match(before.body.error, /semantic search is not available on this site yet/);
      assert.doesNotMatch(before.body.error, /dailypapers|embeddings train/);
      const page = await (await fetch(`${serve.url}/papers/search?q=language+model`)).text();
      assert.match(page, /semantic search is not available on this site yet/);
      assert.doesNotMatch(page, /dailypapers embeddings|embeddings train/);
      // The operator's next step is in the server's log.
      assert.match(serve.output(), /not trained yet; run `dailypapers embeddings train`/);

      const train = await runCli(['embeddings', 'train', '--dims', '16', '--json'], { ...env, EMBEDDINGS_DIR: path.join(dir, 'trainer') });
      assert.equal(train.code, 0, train.stderr);
      const model = String(lastJsonLine(train.stdout).model);

      const on = await eventually(async () => {
        const r = await api('/api/search?q=language+model&mode=semantic');
        return r.status === 200 && r.body.results.length > 0 ? r.body : undefined;
      });
      assert.equal(on.mode, 'semantic');
      assert.equal(on.model, model);
      const hybrid = await api('/api/search?q=language+model');
      assert.equal(hybrid.body.mode, 'hybrid');
      const after = await (await fetch(`${serve.url}/papers/search?q=language+model`)).text();
      assert.doesNotMatch(after, /not available on this site/);
      assert.match(serve.output(), new RegExp(`the site's model changed to ${model.replace(/[.@]/g, '\\$&')}`));
      assert.equal(serve.child.exitCode, null, 'the same process, never restarted');
    });

    test('`jobs schedule` changes a running scheduler\'s schedule; a bad expression or job is refused clearly', async () => {
      const [bad, fields, unknown] = await Promise.all([
        runCli(['jobs', 'schedule', 'refresh-trending', '61 * * * *'], env),
        runCli(['jobs', 'schedule', 'refresh-trending', '* * *'], env),
        runCli(['jobs', 'schedule', 'no-such-job', '* * * * *'], env),
      ]);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /"61 \* \* \* \*" is not a valid cron expression \(.+\); expected 5 fields/);
      assert.equal(fields.code, 2);
      assert.match(fields.stderr, /not a valid cron expression/);
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /no job named no-such-job/);
      assert.equal((await getJobRow(database.db, 'refresh-trending'))!.custom_schedule, null, 'nothing stored by a refused command');

      const set = await runCli(['jobs', 'schedule', 'refresh-trending', '0 0 1 1 *'], env);
      assert.equal(set.code, 0, set.stderr);
      assert.match(set.stdout, /refresh-trending: 0 0 1 1 \* \(stored in the database; next run \d{4}-01-01 00:00 UTC/);
      await serve.waitFor(/\[jobs\] refresh-trending: schedule now 0 0 1 1 \*/, 20_000);

      // Due now (as "Run now" on /admin/jobs makes it): the running server runs it, then schedules the next run
      // by the new expression (next 1 January), not by the configuration's (every 15 minutes).
      const startedBefore = (await getJobRow(database.db, 'refresh-trending'))!.last_started_at;
      await database.db.updateTable('jobs').set({ next_run_at: new Date().toISOString() }).where('name', '=', 'refresh-trending').execute();
      const row = await eventually(async () => {
        const r = (await getJobRow(database.db, 'refresh-trending'))!;
        return r.last_status === 'ok' && r.last_started_at !== startedBefore ? r : undefined;
      });
      const next = new Date(row.next_run_at);
      assert.equal(next.toISOString().slice(5, 16), '01-01T00:00', `next run ${row.next_run_at}`);

      const listed = await runCli(['jobs', 'list', '--json'], env);
      const mine = (JSON.parse(listed.stdout) as { name: string; schedule: string; customSchedule: string | null }[]).find((j) => j.name === 'refresh-trending')!;
      assert.deepEqual([mine.schedule, mine.customSchedule], ['0 0 1 1 *', '0 0 1 1 *']);

      const reset = await runCli(['jobs', 'schedule', 'refresh-trending', '--reset'], env);
      assert.equal(reset.code, 0, reset.stderr);
      await serve.waitFor(/\[jobs\] refresh-trending: schedule now \*\/15 \* \* \* \*/, 20_000);
      const back = (await getJobRow(database.db, 'refresh-trending'))!;
      assert.deepEqual([back.schedule, back.custom_schedule], ['*/15 * * * *', null]);
    });
  });
}
