import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { hashToken, newToken, sessionCsrfToken } from '../../src/auth/crypto.ts';
import type { Database } from '../../src/db/connection.ts';
import { createSession, createUser, markEmailVerified } from '../../src/db/queries/users.ts';
import { importFiles, listInputFiles } from '../../src/importers/import-files.ts';
import { ENGINES, openTestDatabase } from '../helpers/db.ts';
import { startTestServer, type TestServer } from '../helpers/http.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures');
const PAPER = '2511.01678'; // 5 upvotes imported from Hugging Face

/** A member with a session, made directly in the database (argon2 for 200 members would only slow the test). */
async function member(database: Database, username: string, verified = true) {
  const user = await createUser(database.db, { username, email: `${username}@example.org`, passwordHash: null });
  if (verified) await markEmailVerified(database.db, user.id);
  const session = newToken();
  await createSession(database.db, { tokenHash: hashToken(session), userId: user.id, expiresAt: new Date(Date.now() + 3_600_000).toISOString(), userAgent: null });
  const csrf = sessionCsrfToken(session); // bound to the session (src/http/middleware/csrf.ts)
  return {
    user,
    vote: (value: '0' | '1', opts: { json?: boolean; paper?: string } = {}) => (base: string) =>
      fetch(`${base}/papers/${opts.paper ?? PAPER}/vote`, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          cookie: `dp_session=${session}; dp_csrf=${csrf}`,
          'content-type': 'application/x-www-form-urlencoded',
          ...(opts.json ? { accept: 'application/json' } : {}),
        },
        body: new URLSearchParams({ _csrf: csrf, value, next: '/papers/date/2025-11-04' }).toString(),
      }),
    page: (p: string) => (base: string) => fetch(base + p, { headers: { cookie: `dp_session=${session}` } }).then((r) => r.text()),
  };
}

for (const engine of ENGINES) {
  describe(`upvotes on ${engine}`, () => {
    let database: Database;
    let server: TestServer;
    before(async () => {
      database = await openTestDatabase(engine);
      await importFiles(database, await listInputFiles([path.join(FIXTURES, 'hf-daily')]));
      server = await startTestServer(database);
    });
    after(async () => {
      await server.close();
      await database.close();
    });

    const shownUpvotes = async () => {
      const api = (await (await fetch(`${server.base}/api/papers/${PAPER}`)).json()) as { upvotes: number };
      return api.upvotes;
    };

    test('anonymous visitors are sent to log in and back; unconfirmed members are told why', async () => {
      const page = await (await fetch(`${server.base}/papers/date/2025-11-04`)).text();
      assert.match(page, /<a class="votes" href="\/login\?next=%2Fpapers%2Fdate%2F2025-11-04" title="Log in to upvote">/);
      const newbie = await member(database, 'newbie', false);
      const r = await newbie.vote('1')(server.base);
      assert.equal(r.status, 403);
      assert.match(await r.text(), /confirm your email first/i);
      assert.equal(await shownUpvotes(), 5);
    });

    test('vote without JavaScript: redirect back, the count and the button change; take it back', async () => {
      const ada = await member(database, 'ada');
      const r = await ada.vote('1')(server.base);
      assert.equal(r.status, 303);
      assert.equal(r.headers.get('location'), '/papers/date/2025-11-04');
      assert.equal(await shownUpvotes(), 6);
      const page = await ada.page('/papers/date/2025-11-04')(server.base);
      assert.match(page, /<input type="hidden" name="value" value="0">[\s\S]*?aria-pressed="true"[\s\S]*?<span class="count">6<\/span>/);
      const anon = await (await fetch(`${server.base}/papers/date/2025-11-04`)).text();
      assert.match(anon, /<span class="count">6<\/span>/, 'the cached anonymous page shows the new count');
      const back = await ada.vote('0', { json: true })(server.base);
      assert.deepEqual(await back.json(), { upvoted: false, upvotes: 5 });
    });

    test('a double click is one vote', async () => {
      const bob = await member(database, 'bob');
      const results = await Promise.all(Array.from({ length: 10 }, () => bob.vote('1', { json: true })(server.base)));
      assert.ok(results.every((r) => r.status === 200));
      assert.equal(await shownUpvotes(), 6);
      await bob.vote('0')(server.base);
      assert.equal(await shownUpvotes(), 5);
    });

    test('200 members voting at once give exactly 200 votes', async () => {
      const members = [];
      for (let i = 0; i < 200; i++) members.push(await member(database, `voter-${i}`));
      const results = await Promise.all(members.map((m) => m.vote('1', { json: true })(server.base)));
      assert.deepEqual([...new Set(results.map((r) => r.status))], [200]);
      assert.equal(await shownUpvotes(), 205);
      const rows = await database.db.selectFrom('votes').select((eb) => eb.fn.countAll<number>().as('n')).where('paper_id', '=', PAPER).executeTakeFirstOrThrow();
      assert.equal(Number(rows.n), 200);
    });

    test('bad votes: unknown paper 404, bad value 400, no CSRF token 403', async () => {
      const eve = await member(database, 'eve');
      assert.equal((await eve.vote('1', { paper: '2401.99999', json: true })(server.base)).status, 404);
      assert.equal((await eve.vote('2' as '1', { json: true })(server.base)).status, 400);
      const bad = await fetch(`${server.base}/papers/${PAPER}/vote`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: 'value=1',
      });
      assert.equal(bad.status, 403);
    });
  });
}
