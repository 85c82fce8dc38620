/**
 * Submitting: who may submit is settled before the site calls arXiv or writes anything, and the
 * arXiv API calls submissions make are paced site-wide and capped per member. The arXiv stub counts
 * what reached "arXiv".
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { hashToken, newToken } from '../../src/auth/crypto.ts';
import type { Database } from '../../src/db/connection.ts';
import { createApiToken } from '../../src/db/queries/tokens.ts';
import { DEFAULT_RULES, type SubmissionRules } from '../../src/domain/submission-rules.ts';
import type { ArxivThrottle } from '../../src/domain/arxiv-throttle.ts';
import { startArxivStub, type ArxivStub } from '../helpers/arxiv-stub.ts';
import { ENGINES, openTestDatabase } from '../helpers/db.ts';
import { startTestServer, type TestServer } from '../helpers/http.ts';
import { sessionMember } from '../helpers/members.ts';

const NOW = new Date('2021-02-10T15:00:00Z');
const NEW_PAPER = '2102.03929'; // first version 2021-02-07: fresh enough for the list
const OLD_PAPER = '1711.09828';
const DAY_MS = 86_400_000;

for (const engine of ENGINES) {
  describe(`submission rights and arXiv pacing on ${engine}`, () => {
    let database: Database;
    let arxiv: ArxivStub;
    const servers: TestServer[] = [];
    let clock = NOW;
    let n = 0;

    before(async () => {
      database = await openTestDatabase(engine);
      arxiv = await startArxivStub({ [NEW_PAPER]: 'feed-2025.xml', [OLD_PAPER]: 'feed-2025.xml' });
    });
    after(async () => {
      for (const s of servers) await s.close();
      await arxiv.close();
      await database.close();
    });

    async function site(opts: { rules?: Partial<SubmissionRules>; throttle?: ArxivThrottle } = {}) {
      const server = await startTestServer(database, {
        now: () => clock,
        arxivApiUrl: arxiv.url,
        submissionRules: { ...DEFAULT_RULES, ...opts.rules },
        ...(opts.throttle ? { arxivThrottle: opts.throttle } : {}),
      });
      servers.push(server);
      return server;
    }
    const member = async (server: TestServer, opts: Parameters<typeof sessionMember>[3] = {}) => sessionMember(database, () => server.base, `m${++n}`, opts);
    const paperRows = async (id: string) => (await database.db.selectFrom('papers').select('id').where('id', '=', id).execute()).length;
    const reset = async () => {
      await database.db.deleteFrom('daily_entries').execute();
      await database.db.deleteFrom('papers').execute();
      await database.db.deleteFrom('throttle_slots').execute();
      await database.db.deleteFrom('arxiv_fetches').execute();
      arxiv.requests.length = 0;
      clock = NOW;
    };

    test('unconfirmed, suspended and not-allowed accounts are refused before any arXiv call or write (form and API)', async () => {
      await reset();
      const open = await site();
      const editorsOnly = await site({ rules: { who: 'editors' } });
      const claimedOnly = await site({ rules: { who: 'claimed' } });

      const unconfirmed = await member(open, { verified: false });
      const r1 = await unconfirmed.form('/submit', { paper: NEW_PAPER });
      assert.equal(r1.status, 403);
      assert.match(await r1.text(), /confirm your email/);
      const r2 = await unconfirmed.api('POST', '/api/daily_papers', { paper: NEW_PAPER });
      assert.equal(r2.status, 403);

      const suspended = await member(open);
      await database.db.updateTable('users').set({ suspended_at: NOW.toISOString() }).where('id', '=', suspended.user.id).execute();
      assert.equal((await suspended.form('/submit', { paper: NEW_PAPER })).status, 403);
      const token = `dp_${newToken()}`;
      await createApiToken(database.db, suspended.user.id, 'bot', hashToken(token), NOW);
      const r3 = await fetch(`${open.base}/api/daily_papers`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ paper: NEW_PAPER }) });
      assert.equal(r3.status, 403);
      assert.match(((await r3.json()) as { error: string }).error, /suspended/);

      const plain = await member(editorsOnly);
      const r4 = await plain.form('/submit', { paper: NEW_PAPER });
      assert.equal(r4.status, 403);
      assert.match(await r4.text(), /only editors/);
      const unclaimed = await member(claimedOnly);
      assert.equal((await unclaimed.api('POST', '/api/daily_papers', { paper: NEW_PAPER })).status, 403);

      assert.deepEqual(arxiv.requests, [], 'arXiv was never asked');
      assert.equal(await paperRows(NEW_PAPER), 0, 'no paper was written');
      assert.equal((await database.db.selectFrom('daily_entries').selectAll().execute()).length, 0);
    });

    test('a member at the daily cap is refused before fetching', async () => {
      await reset();
      const server = await site({ rules: { dailyCap: 1 } });
      const m = await member(server);
      assert.equal((await m.form('/submit', { paper: NEW_PAPER })).status, 303);
      assert.equal(arxiv.requests.length, 1);
      const capped = await m.api('POST', '/api/daily_papers', { paper: OLD_PAPER });
      assert.equal(capped.status, 403);
      assert.match(((await capped.json()) as { error: string }).error, /submitted 1 papers today/);
      assert.equal(arxiv.requests.length, 1, 'the capped submission did not reach arXiv');
      assert.equal(await paperRows(OLD_PAPER), 0);
    });

    test('site-wide: one arXiv call per interval; a submission beyond the wait is told when to come back', async () => {
      await reset();
      const server = await site({ throttle: { minIntervalMs: 60_000, maxWaitMs: 0, perMember: 100, periodMs: DAY_MS } });
      const a = await member(server);
      const b = await member(server);
      assert.equal((await a.form('/submit', { paper: NEW_PAPER })).status, 303);
      const busy = await b.api('POST', '/api/daily_papers', { paper: OLD_PAPER });
      assert.equal(busy.status, 503);
      assert.equal(busy.headers.get('retry-after'), '60');
      assert.match(((await busy.json()) as { error: string }).error, /Try again in 60 seconds/);
      assert.equal(arxiv.requests.length, 1, 'the second call waited for its turn: not made');
      const other = await site({ throttle: { minIntervalMs: 60_000, maxWaitMs: 0, perMember: 100, periodMs: DAY_MS } });
      assert.equal((await a.post(other.base, '/submit', { paper: '2102.00001' })).status, 503, 'another instance on the same database keeps the same pace');
      assert.equal(arxiv.requests.length, 1);
      clock = new Date(NOW.getTime() + 60_000);
      const later = await b.form('/submit', { paper: OLD_PAPER });
      assert.equal(later.status, 403, 'fetched now, then refused as too old');
      assert.equal(arxiv.requests.length, 2);
      assert.equal(await paperRows(OLD_PAPER), 1);
    });

    test('per member: at most `perMember` arXiv calls in the period; editors are not capped; a paper we have needs none', async () => {
      await reset();
      const server = await site({ throttle: { minIntervalMs: 0, maxWaitMs: 0, perMember: 2, periodMs: DAY_MS } });
      const m = await member(server);
      assert.equal((await m.form('/submit', { paper: '2102.00001' })).status, 404);
      assert.equal((await m.form('/submit', { paper: '2102.00002' })).status, 404);
      const capped = await m.form('/submit', { paper: NEW_PAPER });
      assert.equal(capped.status, 429);
      assert.match(await capped.text(), /fetch 2 papers from arXiv lately/);
      assert.equal(arxiv.requests.length, 2);

      const ed = await member(server, { role: 'editor' });
      for (const id of ['2102.00003', '2102.00004']) assert.equal((await ed.form('/submit', { paper: id })).status, 404);
      assert.equal((await ed.form('/submit', { paper: NEW_PAPER })).status, 303);
      assert.equal(arxiv.requests.length, 5);

      // The paper is in the database now: the capped member submits it without any call.
      await database.db.deleteFrom('daily_entries').execute();
      assert.equal((await m.form('/submit', { paper: NEW_PAPER })).status, 303);
      assert.equal(arxiv.requests.length, 5);

      // A day later the cap has room again.
      clock = new Date(NOW.getTime() + DAY_MS + 1000);
      assert.equal((await m.form('/submit', { paper: '2102.00005' })).status, 404);
      assert.equal(arxiv.requests.length, 6);
    });
  });
}
