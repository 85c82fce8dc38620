/** The maintenance jobs: refresh-trending (refreshes cached pages when the ranking moved) and cleanup. */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Database } from '../../src/db/connection.ts';
import { dataVersion } from '../../src/db/queries/papers.ts';
import { createSession, createUser } from '../../src/db/queries/users.ts';
import { JOB_RUNS_KEPT } from '../../src/domain/jobs.ts';
import { importFiles, listInputFiles } from '../../src/importers/import-files.ts';
import { cleanup } from '../../src/jobs/cleanup.ts';
import { refreshTrending } from '../../src/jobs/refresh-trending.ts';
import { ENGINES, openTestDatabase } from '../helpers/db.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures');

for (const engine of ENGINES) {
  describe(`maintenance jobs on ${engine}`, () => {
    let database: Database;
    before(async () => {
      database = await openTestDatabase(engine);
      await importFiles(database, await listInputFiles([path.join(FIXTURES, 'hf-daily')]));
    });
    after(() => database.close());

    test('refresh-trending records the order, leaves caches alone while it holds, and refreshes them when it moved', async () => {
      const now = new Date('2025-11-06T12:00:00Z');
      assert.match(await refreshTrending(database, now), /^\d+ trending papers, order recorded$/);
      const v = await dataVersion(database.db);
      assert.match(await refreshTrending(database, now), /order unchanged/);
      assert.equal(await dataVersion(database.db), v, 'nothing to refresh');
      // Another ranking than the one recorded (scores decayed, votes came in elsewhere…).
      await database.db.updateTable('site_state').set({ value: 12345 }).where('key', '=', 'trending_order').execute();
      assert.match(await refreshTrending(database, now), /order changed: cached pages refreshed/);
      assert.equal(await dataVersion(database.db), v + 1);
    });

    test('cleanup deletes expired sessions and links, old sent mail and old runs; keeps the rest', async () => {
      const now = new Date('2025-11-20T12:00:00Z');
      const user = await createUser(database.db, { username: 'ada', email: 'ada@example.org', passwordHash: null, role: 'member' });
      await createSession(database.db, { tokenHash: 'expired', userId: user.id, expiresAt: '2025-11-19T00:00:00.000Z', userAgent: null });
      await createSession(database.db, { tokenHash: 'live', userId: user.id, expiresAt: '2025-12-19T00:00:00.000Z', userAgent: null });
      await database.db.insertInto('user_tokens').values([
        { token_hash: 'old', user_id: user.id, purpose: 'verify', expires_at: '2025-11-01T00:00:00.000Z', used_at: null, created_at: '2025-10-31T00:00:00.000Z' },
        { token_hash: 'recent', user_id: user.id, purpose: 'verify', expires_at: '2025-11-19T00:00:00.000Z', used_at: null, created_at: '2025-11-18T00:00:00.000Z' },
      ]).execute();
      const runs = Array.from({ length: JOB_RUNS_KEPT + 5 }, (_, i) => ({ name: 'cleanup', owner: 'x', started_at: new Date(now.getTime() - i * 60_000).toISOString(), finished_at: null, status: 'ok' as const }));
      await database.db.insertInto('job_runs').values(runs).execute();
      await database.db.insertInto('job_runs').values({ name: 'harvest-arxiv', owner: 'x', started_at: '2025-01-01T00:00:00.000Z', status: 'ok' }).execute();
      const counts = await cleanup(database, now);
      assert.deepEqual({ sessions: counts.sessions, tokens: counts.tokens, jobRuns: counts.jobRuns }, { sessions: 1, tokens: 1, jobRuns: 6 });
      const sessions = await database.db.selectFrom('sessions').select('token_hash').execute();
      assert.deepEqual(sessions.map((s) => s.token_hash), ['live']);
      const left = await database.db.selectFrom('job_runs').select('name').where('name', '=', 'cleanup').execute();
      assert.equal(left.length, JOB_RUNS_KEPT);
    });
  });
}
