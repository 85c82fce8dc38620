/**
 * The account security findings (docs/decisions/0015-account-hardening.md): API tokens reach the API only and end
 * with the password; a password-less account needs a fresh sign-in to change its address; CSRF tokens are bound
 * to the session and `Origin: null` is refused; `next` never makes a 500 nor leaves the site; being first makes
 * no one admin (the setup link does); mail asked for on a request is sent off the request.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { hashPassword, newToken } from '../../src/auth/crypto.ts';
import type { Database } from '../../src/db/connection.ts';
import { createUser, markEmailVerified, setRole } from '../../src/db/queries/users.ts';
import { setupLinkIfNoAdmin } from '../../src/http/handlers/setup.ts';
import { afterResponseIdle } from '../../src/http/after-response.ts';
import { TestClient } from '../helpers/client.ts';
import { ENGINES, openTestDatabase } from '../helpers/db.ts';
import { startTestServer, type TestServer } from '../helpers/http.ts';
import { sessionMember } from '../helpers/members.ts';
import { startSmtpSink } from '../helpers/smtp-sink.ts';
import type { TestSmtp } from '../helpers/smtp.ts';
import { startTestSite, type TestSite } from '../helpers/site.ts';

const PAPER = '2511.01678'; // on the list of 2025-11-04
const PASSWORD = 'correct horse battery';
const START = new Date('2025-11-20T12:00:00.000Z');

/** The link in a mail's text that starts with `prefix`, as a path on the test server. */
const pathIn = (text: string | undefined, prefix: string) => {
  const m = new RegExp(`${prefix.replace(/[.?]/g, '\\$&')}[^\\s]+`).exec(text ?? '');
  assert.ok(m, `no ${prefix} link in: ${text}`);
  return m[0].replace('http://papers.test', '');
};
const sentTo = (address: string) => (m: { to?: unknown }) => JSON.stringify(m.to ?? '').includes(address);

for (const engine of ENGINES) {
  describe(`account hardening on ${engine}`, () => {
    let database: Database;
    let server: TestServer;
    let smtp: TestSmtp;
    let site: TestSite;
    let clock = START;
    before(async () => {
      site = await startTestSite(engine, { smtp: true, now: () => clock });
      ({ database, server } = site);
      smtp = site.smtp!;
    });
    after(() => site.close());

    /** A member with a password and a confirmed address, logged in through the form. */
    async function member(username: string) {
      const user = await createUser(database.db, { username, email: `${username}@example.org`, passwordHash: await hashPassword(PASSWORD) });
      await markEmailVerified(database.db, user.id);
      const client = new TestClient(server.base);
      assert.equal((await client.submit('/login', '/login', { login: username, password: PASSWORD })).status, 303);
      return { user, client };
    }
    /** Makes an API token in settings, as a member would, and reads it from the page. */
    async function makeToken(client: TestClient, name = 'bot') {
      const page = await (await client.post('/settings/tokens', { _csrf: await client.csrfFrom('/settings'), name })).text();
      const token = /<code class="token">(dp_[\w-]+)<\/code>/.exec(page)?.[1];
      assert.ok(token, 'the new token is shown once');
      return token;
    }
    const bearer = (token: string, method: string, p: string, body?: Record<string, string> | object, form = false) =>
      fetch(server.base + p, {
        method,
        redirect: 'manual',
        headers: { authorization: `Bearer ${token}`, 'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json' },
        body: body === undefined ? undefined : form ? new URLSearchParams(body as Record<string, string>).toString() : JSON.stringify(body),
      });
    const tokenRows = (userId: number) => database.db.selectFrom('api_tokens').selectAll().where('user_id', '=', userId).orderBy('id').execute();

    test('a leaked token reads and acts through the API, but cannot mint tokens, read or change the email, change the password, nor reach /admin', async () => {
      const { user, client } = await member('ada');
      await setRole(database.db, 'ada', 'admin');
      const token = await makeToken(client);
      assert.equal((await bearer(token, 'GET', '/api/daily_papers?date=2025-11-04')).status, 200);
      const vote = await bearer(token, 'POST', `/api/papers/${PAPER}/vote`, { value: 1 });
      assert.equal(vote.status, 200, 'community actions work');

      const refused: [string, string, Record<string, string>?][] = [
        ['POST', '/settings/tokens', { name: 'another' }],
        ['POST', '/settings/email', { email: 'thief@evil.example', current: '' }],
        ['POST', '/settings/password', { current: PASSWORD, password: 'the thief’s passphrase' }],
        ['POST', '/settings/logout-everywhere', {}],
        ['POST', '/settings/delete', { confirm: 'ada' }],
        ['GET', '/settings'],
        ['GET', '/admin/outbox'],
        ['GET', '/admin/jobs'],
        ['GET', '/moderation'],
        ['POST', `/papers/${PAPER}/vote`, { value: '1' }],
      ];
      for (const [method, p, body] of refused) {
        const res = await bearer(token, method, p, body, true);
        assert.equal(res.status, 403, `${method} ${p}`);
        assert.match(((await res.json()) as { error: string }).error, /API token works only on the \/api\/ routes/, `${method} ${p}`);
      }
      assert.equal((await tokenRows(user.id)).length, 1, 'no token was made');
      const row = await database.db.selectFrom('users').select(['email', 'deleted_at']).where('id', '=', user.id).executeTakeFirstOrThrow();
      assert.deepEqual(row, { email: 'ada@example.org', deleted_at: null });
      assert.equal((await new TestClient(server.base).submit('/login', '/login', { login: 'ada', password: PASSWORD })).status, 303, 'the password is unchanged');
    });

    test('tokens are revoked by a password change, a password reset and “log out everywhere”', async () => {
      const { client } = await member('bob');
      const works = async (token: string) => (await bearer(token, 'GET', `/api/papers/${PAPER}/claims`)).status;
      const first = await makeToken(client, 'one');
      assert.equal(await works(first), 200);
      const changed = await client.submit('/settings', '/settings/password', { current: PASSWORD, password: 'a second passphrase' });
      assert.equal(changed.status, 303);
      assert.equal(await works(first), 401, 'a password change revokes the tokens');

      const second = await makeToken(client, 'two');
      assert.equal(await works(second), 200);
      await new TestClient(server.base).submit('/reset', '/reset', { email: 'bob@example.org' });
      const mail = await smtp.waitFor((m) => sentTo('bob@example.org')(m) && /Reset your/.test(m.subject ?? ''));
      const link = pathIn(mail.text, 'http://papers.test/reset/confirm?token=');
      const reset = new TestClient(server.base);
      const token = new URL(link, server.base).searchParams.get('token')!;
      assert.equal((await reset.submit(link, '/reset/confirm', { token, password: 'a third passphrase' })).status, 303);
      assert.equal(await works(second), 401, 'a reset revokes the tokens');

      const again = new TestClient(server.base);
      assert.equal((await again.submit('/login', '/login', { login: 'bob', password: 'a third passphrase' })).status, 303);
      const third = await makeToken(again, 'three');
      assert.equal(await works(third), 200);
      const out = await again.submit('/settings', '/settings/logout-everywhere', {});
      assert.equal(out.status, 303);
      assert.equal(await works(third), 401, 'log out everywhere revokes the tokens');
      assert.match(await (await again.get(out.headers.get('location')!)).text(), /API tokens are revoked/);
    });

    test('settings show when each token was last used; it is written at most once a minute', async () => {
      const { user, client } = await member('carol');
      clock = START;
      const token = await makeToken(client);
      assert.match(await (await client.get('/settings')).text(), /never used/);
      const lastUsed = async () => (await tokenRows(user.id))[0]!.last_used_at;
      await bearer(token, 'GET', '/api/daily_papers');
      assert.equal(await lastUsed(), '2025-11-20T12:00:00.000Z');
      assert.match(await (await client.get('/settings')).text(), /last used 2025-11-20 12:00 UTC/);
      clock = new Date(START.getTime() + 30_000);
      await bearer(token, 'GET', '/api/daily_papers');
      assert.equal(await lastUsed(), '2025-11-20T12:00:00.000Z', 'not written again within the minute');
      clock = new Date(START.getTime() + 90_000);
      await bearer(token, 'GET', '/api/daily_papers');
      assert.equal(await lastUsed(), '2025-11-20T12:01:30.000Z');
      assert.match(await (await client.get('/settings')).text(), /last used 2025-11-20 12:01 UTC/);
      clock = START;
    });

    test('an account without a password changes its email address only soon after signing in', async () => {
      const dana = await sessionMember(database, () => server.base, 'dana');
      const asked = await dana.form('/settings/email', { email: 'dana.new@example.org' });
      assert.equal(asked.status, 303, 'a fresh sign-in');
      await database.db.updateTable('sessions').set({ created_at: '2025-11-20T11:00:00.000Z' }).where('user_id', '=', dana.user.id).execute();
      const stale = await dana.form('/settings/email', { email: 'dana.other@example.org' });
      assert.equal(stale.status, 403);
      assert.match(await stale.text(), /sign in again/);
      const tokens = await database.db.selectFrom('user_tokens').select('new_email').where('user_id', '=', dana.user.id).where('purpose', '=', 'email').execute();
      assert.deepEqual(tokens.map((t) => t.new_email), ['dana.new@example.org']);
    });

    test('CSRF: a token is bound to its session; a planted cookie does not help; Origin: null is refused', async () => {
      const eve = await sessionMember(database, () => server.base, 'eve');
      const finn = await sessionMember(database, () => server.base, 'finn');
      const post = (cookie: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
        fetch(`${server.base}/settings/verify`, {
          method: 'POST', redirect: 'manual',
          headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', ...headers },
          body: new URLSearchParams(fields).toString(),
        });
      assert.equal((await post(eve.cookie, { _csrf: eve.csrf })).status, 303, 'its own token works');
      assert.equal((await post(eve.cookie, { _csrf: eve.csrf }, { origin: server.base })).status, 303);
      assert.equal((await post(finn.cookie, { _csrf: eve.csrf })).status, 403, 'another session’s token is refused');
      const planted = newToken();
      assert.equal((await post(`${finn.cookie}; dp_csrf=${planted}`, { _csrf: planted })).status, 403, 'a double-submit pair does not stand in for the session’s token');
      const nullOrigin = await post(eve.cookie, { _csrf: eve.csrf }, { origin: 'null' });
      assert.equal(nullOrigin.status, 403);
      assert.match(await nullOrigin.text(), /does not say which site it came from/);
      const anonymous = new TestClient(server.base);
      const csrf = await anonymous.csrfFrom('/login');
      assert.equal((await anonymous.post('/login', { _csrf: csrf, login: 'nobody', password: PASSWORD }, { origin: 'null' })).status, 403);
      assert.equal((await anonymous.post('/login', { _csrf: csrf, login: 'nobody', password: PASSWORD })).status, 401, 'the anonymous double submit still works');
    });

    test('next= with control characters, backslashes or encoded slashes sends to /, never a 500', async () => {
      const gina = await sessionMember(database, () => server.base, 'gina');
      // A NUL anywhere in the address is refused before any handler (src/http/app.ts): 400, never a 500.
      const nul = await gina.get('/login?next=/%00x');
      assert.equal(nul.status, 400);
      const hostile = ['/%01x', '/%0d%0aSet-Cookie:%20x=y', '/x%0aLocation:%20//evil', '/%5Cevil', '/%5C%5Cevil', '//evil', '/%2F%2Fevil', '%2F%252F%252Fevil', '%2F%255Cevil', '/%E2%80%A8x', 'https://evil'];
      for (const next of hostile) {
        const res = await gina.get(`/login?next=${next}`);
        assert.equal(res.status, 303, next);
        assert.equal(res.headers.get('location'), '/', next);
      }
      assert.equal((await gina.get('/login?next=%2Fpapers%2Ftrending')).headers.get('location'), '/papers/trending', 'a plain path is kept');
      for (const next of ['/\u0000x', '/\r\nSet-Cookie: x=y', '/\\evil', '/%2F%2Fevil']) {
        const res = await gina.form(`/papers/${PAPER}/vote`, { value: '1', next });
        assert.equal(res.status, 303, JSON.stringify(next));
        // A form's NUL is dropped before any handler (src/http/middleware/body-limit.ts): '/\u0000x' arrives as '/x'.
        assert.equal(res.headers.get('location'), next === '/\u0000x' ? '/x' : '/', JSON.stringify(next));
      }
      const anon = new TestClient(server.base);
      const login = await anon.submit('/login?next=%2F%01x', '/login?next=%2F%01x', { login: 'ada', password: PASSWORD });
      assert.equal(login.status, 303);
      assert.equal(login.headers.get('location'), '/');
    });
  });

  describe(`the first admin on ${engine}`, () => {
    let database: Database;
    let server: TestServer;
    before(async () => {
      database = await openTestDatabase(engine);
      server = await startTestServer(database, { now: () => new Date() });
    });
    after(async () => {
      await server.close();
      await database.close();
    });
    const linkPath = (link: string | null) => {
      assert.ok(link);
      return link.replace('http://papers.test', '');
    };

    test('the setup link makes a signed-in confirmed member the admin, once; visitors without it see nothing', async () => {
      const ida = await sessionMember(database, () => server.base, 'ida');
      const unconfirmed = await sessionMember(database, () => server.base, 'jon', { verified: false });
      const link = linkPath(await setupLinkIfNoAdmin(database, server.site.publicUrl));
      const token = new URL(link, server.base).searchParams.get('token')!;
      for (const p of ['/setup', '/setup?token=wrong', `/setup?token=${'x'.repeat(43)}`]) {
        const res = await ida.get(p);
        assert.equal(res.status, 404, p);
        assert.doesNotMatch(await res.text(), /admin/i, p);
      }
      assert.match(await unconfirmed.page(link), /Confirm your email address first/);
      assert.equal((await unconfirmed.form('/setup', { token })).status, 403);
      assert.match(await ida.page(link), /Make ida the admin/);
      const done = await ida.form('/setup', { token });
      assert.equal(done.status, 303);
      assert.equal(done.headers.get('location'), '/settings?notice=admin');
      const roles = await database.db.selectFrom('users').select(['username', 'role']).orderBy('id').execute();
      assert.deepEqual(roles, [{ username: 'ida', role: 'admin' }, { username: 'jon', role: 'member' }]);
      assert.equal((await ida.get(link)).status, 404, 'used, and there is an admin now');
      assert.equal((await unconfirmed.form('/setup', { token })).status, 404);
      assert.equal(await setupLinkIfNoAdmin(database, server.site.publicUrl), null, 'no new link once there is an admin');
      const stored = await database.db.selectFrom('setup_tokens').select('token_hash').execute();
      assert.ok(stored.every((r) => r.token_hash !== token && /^[0-9a-f]{64}$/.test(r.token_hash)), 'only the hash is stored');
    });

    test('opened signed out, the setup link makes a new account, the admin; a second link works while there is no admin', async () => {
      await setRole(database.db, 'ida', 'member');
      const link = linkPath(await setupLinkIfNoAdmin(database, server.site.publicUrl));
      const token = new URL(link, server.base).searchParams.get('token')!;
      const kim = new TestClient(server.base);
      assert.match(await (await kim.get(link)).text(), /Create the admin account/);
      const bad = await kim.submit(link, '/setup', { token, username: 'admin', email: 'kim@example.org', password: PASSWORD });
      assert.equal(bad.status, 400);
      assert.match(await bad.text(), /reserved/);
      const made = await kim.submit(link, '/setup', { token, username: 'kim', email: 'kim@example.org', password: PASSWORD });
      assert.equal(made.status, 303);
      assert.match(await (await kim.get('/settings')).text(), /Signed in as <strong>kim<\/strong> \(kim@example.org\) · admin/);
      assert.equal((await new TestClient(server.base).submit('/login', '/setup', { token, username: 'lee', email: 'lee@example.org', password: PASSWORD })).status, 404, 'once only');
      assert.equal((await database.db.selectFrom('users').select('id').where('username', '=', 'lee').execute()).length, 0);
    });
  });

  describe(`mail asked for on a request, on ${engine}`, () => {
    test('is enqueued and sent off the request: /reset and /signup answer while the relay holds the mail', async () => {
      const database = await openTestDatabase(engine);
      const sink = await startSmtpSink();
      const server = await startTestServer(database, { smtpUrl: sink.url, now: () => new Date() });
      try {
        await createUser(database.db, { username: 'mia', email: 'mia@example.org', passwordHash: await hashPassword(PASSWORD) });
        sink.setStalled(true); // the relay never answers the message's data: an inline send would wait for its timeout
        const c = new TestClient(server.base);
        const csrf = await c.csrfFrom('/reset');
        // Bounded, so that a request waiting on the relay fails here instead of hanging for the relay's timeout (minutes).
        const known = await fetch(`${server.base}/reset`, {
          method: 'POST', redirect: 'manual', signal: AbortSignal.timeout(20_000),
          headers: { cookie: `dp_csrf=${c.cookies.get('dp_csrf')}`, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ _csrf: csrf, email: 'mia@example.org' }).toString(),
        });
        assert.equal(known.status, 200);
        const unknown = await c.submit('/reset', '/reset', { email: 'nobody@example.org' });
        assert.equal(await known.text(), await unknown.text(), 'the same answer');
        const again = await c.submit('/signup', '/signup', { username: 'mia-two', email: 'mia@example.org', password: PASSWORD });
        assert.equal(again.status, 303);
        await afterResponseIdle();
        const queued = await database.db.selectFrom('outbox').select(['to_address', 'subject', 'status']).orderBy('id').execute();
        assert.deepEqual(queued.map((r) => [r.to_address, r.status]), [['mia@example.org', 'queued'], ['mia@example.org', 'queued']], 'enqueued; nothing for the unknown address');
        sink.setStalled(false);
      } finally {
        await server.close();
        await sink.close();
        await database.close();
      }
    });
  });
}
