import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Database } from '../../src/db/connection.ts';
import { afterResponseIdle } from '../../src/http/after-response.ts';
import { TestClient } from '../helpers/client.ts';
import { ENGINES, openTestDatabase } from '../helpers/db.ts';
import { startTestServer, type TestServer } from '../helpers/http.ts';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.ts';

const PASSWORD = 'correct horse battery';

/** The link in a mail's text that starts with `prefix`. */
const linkIn = (text: string | undefined, prefix: string) => {
  const m = new RegExp(`${prefix.replace(/[.?]/g, '\\$&')}[^\\s]+`).exec(text ?? '');
  assert.ok(m, `no ${prefix} link in: ${text}`);
  return m[0];
};

for (const engine of ENGINES) {
  describe(`accounts on ${engine}`, () => {
    let database: Database;
    let server: TestServer;
    let smtp: TestSmtp;
    before(async () => {
      database = await openTestDatabase(engine);
      smtp = await startTestSmtp();
      server = await startTestServer(database, { smtpUrl: smtp.url, now: () => new Date() });
    });
    after(async () => {
      await server.close();
      await smtp.close();
      await database.close();
    });

    /** Signs up, and waits for what the form does after its answer (the account, the mail). */
    const signup = async (client: TestClient, username: string, email: string, password = PASSWORD, extra: Record<string, string> = {}) => {
      const res = await client.submit('/signup', '/signup', { username, email, password, ...extra });
      await afterResponseIdle();
      return res;
    };

    test('sign up → check your mail → the link confirms and signs in; the first account is a plain member; sessions are stored hashed', async () => {
      const ada = new TestClient(server.base);
      const res = await signup(ada, 'ada', 'Ada@Example.org');
      assert.equal(res.status, 303);
      assert.equal(res.headers.get('location'), '/signup/sent');
      assert.equal(ada.cookies.has('dp_session'), false, 'no session before the address is confirmed');
      assert.match(await (await ada.get('/signup/sent')).text(), /Check your mail/);

      const mail = await smtp.waitFor((m) => m.to !== undefined && JSON.stringify(m.to).includes('ada@example.org'));
      assert.equal(mail.subject, 'Confirm your email for Daily Papers');
      assert.match(mail.html || '', /Confirm my email/);
      const link = linkIn(mail.text, 'http://papers.test/verify?token=');
      const confirm = await ada.get(link.replace('http://papers.test', ''));
      assert.equal(confirm.status, 303);
      assert.equal(confirm.headers.get('location'), '/settings?notice=verified');
      const session = ada.cookies.get('dp_session')!;
      assert.ok(session.length >= 43, 'the link signs in');
      const settings = await (await ada.get('/settings')).text();
      assert.match(settings, /Signed in as <strong>ada<\/strong> \(ada@example.org\) · member/, 'being first on the web makes no one admin');
      assert.match(settings, /Your email address is confirmed/);
      assert.equal((await ada.get(link.replace('http://papers.test', ''))).status, 400, 'a link works once');

      const rows = await database.db.selectFrom('sessions').select('token_hash').execute();
      assert.ok(rows.length >= 1);
      assert.ok(rows.every((r) => r.token_hash !== session && /^[0-9a-f]{64}$/.test(r.token_hash)), 'only hashes are stored');
      const second = new TestClient(server.base);
      await signup(second, 'bob', 'bob@example.org');
      assert.equal((await second.submit('/login', '/login', { login: 'bob', password: PASSWORD })).status, 303);
      assert.match(await (await second.get('/settings')).text(), /· member/);
      const roles = await database.db.selectFrom('users').select('role').execute();
      assert.deepEqual(roles.map((r) => r.role), ['member', 'member']);
    });

    test('sign-up problems are shown next to their fields and nothing is created', async () => {
      const c = new TestClient(server.base);
      const bad = await signup(c, 'A', 'not-an-email', 'short');
      assert.equal(bad.status, 400);
      const page = await bad.text();
      assert.match(page, /Usernames have 3 to 32 lowercase letters/);
      assert.match(page, /does not look like an email address/);
      assert.match(page, /at least 10 characters/);
      assert.equal((await signup(c, 'admin', 'x@example.org')).status, 400, 'reserved name');
      const dupName = await signup(c, 'ada', 'other@example.org');
      assert.equal(dupName.status, 409);
      assert.match(await dupName.text(), /That username is taken/, 'usernames are public: a taken one is said so');
      const bot = await signup(c, 'robot', 'robot@example.org', PASSWORD, { website: 'http://spam.example' });
      assert.equal(bot.status, 400, 'the honeypot');
      const users = await database.db.selectFrom('users').select('username').execute();
      assert.deepEqual(users.map((u) => u.username).sort(), ['ada', 'bob']);
    });

    test('sign-up with an address that has an account answers like a new one, and mails the owner instead', async () => {
      const known = new TestClient(server.base);
      const fresh = new TestClient(server.base);
      const a = await signup(known, 'ada2', 'ADA@example.org'); // emails compare without case
      const b = await signup(fresh, 'newcomer', 'newcomer@example.org');
      assert.equal(a.status, b.status);
      assert.equal(a.headers.get('location'), b.headers.get('location'));
      assert.equal(a.headers.getSetCookie().length, b.headers.getSetCookie().length);
      assert.equal(await (await known.get('/signup/sent')).text(), await (await fresh.get('/signup/sent')).text());
      const notice = await smtp.waitFor((m) => JSON.stringify(m.to).includes('ada@example.org') && /tried to sign up/.test(m.subject ?? ''));
      assert.match(notice.text ?? '', /already uses/);
      assert.match(notice.text ?? '', /http:\/\/papers\.test\/reset/);
      await smtp.waitFor((m) => JSON.stringify(m.to).includes('newcomer@example.org'));
      const users = await database.db.selectFrom('users').select(['username', 'email']).orderBy('id').execute();
      assert.deepEqual(users.map((u) => u.username), ['ada', 'bob', 'newcomer'], 'no second account with the address');
      assert.equal(users[0]!.email, 'ada@example.org');
    });

    test('log in, log out; a wrong password is refused the same way as an unknown account', async () => {
      const c = new TestClient(server.base);
      const wrong = await c.submit('/login', '/login', { login: 'ada', password: 'wrong password!' });
      assert.equal(wrong.status, 401);
      assert.match(await wrong.text(), /do not match an account/);
      const unknown = await c.submit('/login', '/login', { login: 'nobody@example.org', password: PASSWORD });
      assert.equal(unknown.status, 401);
      const ok = await c.submit('/login?next=%2Fpapers%2Ftrending', '/login?next=%2Fpapers%2Ftrending', { login: 'ADA@example.org', password: PASSWORD });
      assert.equal(ok.status, 303);
      assert.equal(ok.headers.get('location'), '/papers/trending');
      const home = await (await c.get('/')).text();
      assert.match(home, /<summary>[^]*<span class="menu-name">ada<\/span><\/summary>[^]*<a href="\/settings" class="me">Settings<\/a>/);
      assert.doesNotMatch(await (await fetch(server.base + '/')).text(), /class="me"/, 'anonymous visitors never get a member’s page');
      const token = c.cookies.get('dp_session')!;
      const out = await c.submit('/settings', '/logout', {});
      assert.equal(out.status, 303);
      assert.equal(c.cookies.has('dp_session'), false);
      const replay = await fetch(server.base + '/settings', { headers: { cookie: `dp_session=${token}` }, redirect: 'manual' });
      assert.equal(replay.status, 303, 'the old session is gone');
      const evil = await c.submit('/login', '/login?next=%2F%2Fevil.example', { login: 'ada', password: PASSWORD });
      assert.equal(evil.headers.get('location'), '/', 'no open redirect');
    });

    test('CSRF: a post without the token, with another token, or from another site is refused', async () => {
      const c = new TestClient(server.base);
      const token = await c.csrfFrom('/login');
      const none = await c.post('/login', { login: 'ada', password: PASSWORD });
      assert.equal(none.status, 403);
      assert.match(await none.text(), /security token is missing or out of date/);
      assert.equal((await c.post('/login', { _csrf: 'x'.repeat(43), login: 'ada', password: PASSWORD })).status, 403);
      assert.equal((await c.post('/login', { _csrf: token, login: 'ada', password: PASSWORD }, { origin: 'https://evil.example' })).status, 403);
      assert.equal((await c.post('/login', { _csrf: token, login: 'ada', password: PASSWORD }, { 'sec-fetch-site': 'cross-site' })).status, 403);
      const other = new TestClient(server.base);
      const forged = await other.post('/login', { _csrf: token, login: 'ada', password: PASSWORD });
      assert.equal(forged.status, 403, 'a token is worth nothing without its cookie');
      assert.equal((await c.post('/login', { _csrf: token, login: 'ada', password: PASSWORD }, { origin: server.base })).status, 303);
    });

    test('password reset by mail: single use; sessions end; no hint whether an account exists', async () => {
      const logged = new TestClient(server.base);
      await logged.submit('/login', '/login', { login: 'bob', password: PASSWORD });
      const c = new TestClient(server.base);
      const before = smtp.messages.length;
      const unknown = await c.submit('/reset', '/reset', { email: 'ghost@example.org' });
      const known = await c.submit('/reset', '/reset', { email: 'bob@example.org' });
      assert.equal(unknown.status, 200);
      assert.equal(await unknown.text(), await known.text());
      const mail = await smtp.waitFor((m) => m.subject === 'Reset your Daily Papers password');
      assert.equal(smtp.messages.length, before + 1, 'no mail for an unknown address');
      const link = linkIn(mail.text, 'http://papers.test/reset/confirm?token=').replace('http://papers.test', '');
      const token = new URL(link, server.base).searchParams.get('token')!;
      assert.equal((await c.submit(link, '/reset/confirm', { token, password: 'short' })).status, 400);
      const done = await c.submit(link, '/reset/confirm', { token, password: 'a brand new passphrase' });
      assert.equal(done.status, 303);
      assert.equal(done.headers.get('location'), '/login?notice=password-changed');
      assert.equal((await c.submit(link, '/reset/confirm', { token, password: 'another new passphrase' })).status, 400, 'once only');
      assert.equal((await logged.get('/settings')).status, 303, 'the old sessions ended');
      assert.equal((await c.submit('/login', '/login', { login: 'bob', password: PASSWORD })).status, 401);
      assert.equal((await c.submit('/login', '/login', { login: 'bob', password: 'a brand new passphrase' })).status, 303);
    });

    test('settings need a session; log out everywhere keeps only this one', async () => {
      assert.equal((await new TestClient(server.base).get('/settings')).headers.get('location'), '/login?next=%2Fsettings');
      const a = new TestClient(server.base);
      const b = new TestClient(server.base);
      await a.submit('/login', '/login', { login: 'ada', password: PASSWORD });
      await b.submit('/login', '/login', { login: 'ada', password: PASSWORD });
      const r = await a.submit('/settings', '/settings/logout-everywhere', {});
      assert.equal(r.status, 303);
      assert.equal((await a.get('/settings')).status, 200);
      assert.equal((await b.get('/settings')).status, 303);
    });
  });
}

describe('rate limits', () => {
  let database: Database;
  let server: TestServer;
  before(async () => {
    database = await openTestDatabase('sqlite');
    server = await startTestServer(database, {
      rateLimits: { auth: { name: 'auth', limit: 3, windowSeconds: 600 }, read: { name: 'read', limit: 1000, windowSeconds: 60 } },
    });
  });
  after(async () => {
    await server.close();
    await database.close();
  });

  test('log-in attempts beyond the auth tier get 429 with Retry-After and RateLimit headers', async () => {
    const c = new TestClient(server.base);
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 5; i++) {
      last = await c.submit('/login', '/login', { login: 'x', password: 'wrong password' });
      statuses.push(last.status);
    }
    assert.deepEqual(statuses, [401, 401, 401, 429, 429]);
    assert.equal(last!.headers.get('ratelimit-limit'), '3');
    assert.equal(last!.headers.get('ratelimit-remaining'), '0');
    assert.ok(Number(last!.headers.get('retry-after')) > 0);
    assert.match(await last!.text(), /Too many requests; try again in \d+ seconds/);
    assert.equal((await c.get('/papers')).status, 200, 'reading is another tier');
  });
});
