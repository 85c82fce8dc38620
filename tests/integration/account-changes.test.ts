import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Database } from '../../src/db/connection.ts';
import { markEmailVerified } from '../../src/db/queries/users.ts';
import { DELETED_ACCOUNT } from '../../src/domain/accounts.ts';
import { importFiles, listInputFiles } from '../../src/importers/import-files.ts';
import { afterResponseIdle } from '../../src/http/after-response.ts';
import { TestClient } from '../helpers/client.ts';
import { ENGINES, openTestDatabase } from '../helpers/db.ts';
import { startTestServer, type TestServer } from '../helpers/http.ts';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures');
const PAPER = '2511.01678';
const PASSWORD = 'correct horse battery';

/** The link in a mail's text that starts with `prefix`, as a path on the test server. */
const linkIn = (text: string | undefined, prefix: string) => {
  const m = new RegExp(`${prefix.replace(/[.?]/g, '\\$&')}[^\\s]+`).exec(text ?? '');
  assert.ok(m, `no ${prefix} link in: ${text}`);
  return m[0].replace('http://papers.test', '');
};
const sentTo = (address: string) => (m: { to?: unknown }) => JSON.stringify(m.to ?? '').includes(address);

for (const engine of ENGINES) {
  describe(`changing the email address and deleting the account on ${engine}`, () => {
    let database: Database;
    let server: TestServer;
    let smtp: TestSmtp;
    before(async () => {
      database = await openTestDatabase(engine);
      await importFiles(database, await listInputFiles([path.join(FIXTURES, 'hf-daily')]));
      smtp = await startTestSmtp();
      server = await startTestServer(database, { smtpUrl: smtp.url, now: () => new Date() });
    });
    after(async () => {
      await server.close();
      await smtp.close();
      await database.close();
    });

    async function signup(username: string, email = `${username}@example.org`) {
      const client = new TestClient(server.base);
      const r = await client.submit('/signup', '/signup', { username, email, password: PASSWORD });
      assert.equal(r.status, 303, `sign-up of ${username}`);
      // Sign-up answers "check your mail" without a session (whether or not the address had an account), and makes
      // the account after the answer: log in once it is made.
      await afterResponseIdle();
      assert.equal((await client.submit('/login', '/login', { login: username, password: PASSWORD })).status, 303, `log-in of ${username}`);
      return client;
    }
    const login = (loginName: string, password = PASSWORD) => new TestClient(server.base).submit('/login', '/login', { login: loginName, password });
    const userRow = (id: number) => database.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

    test('a new address takes effect when the link mailed to it is opened; the old address gets a notice', async () => {
      const ada = await signup('ada');
      await signup('bob');
      const settings = await (await ada.get('/settings')).text();
      assert.match(settings, /<form method="post" action="\/settings\/email">[\s\S]*?name="_csrf"[\s\S]*?name="email"[\s\S]*?name="current"/);

      assert.equal((await ada.submit('/settings', '/settings/email', { email: 'ada.new@example.org', current: 'wrong password!' })).status, 403);
      assert.equal((await ada.submit('/settings', '/settings/email', { email: 'not an address', current: PASSWORD })).status, 400);
      assert.equal((await ada.submit('/settings', '/settings/email', { email: 'ADA@example.org', current: PASSWORD })).status, 400, 'the same address');
      assert.equal((await ada.submit('/settings', '/settings/email', { email: 'bob@example.org', current: PASSWORD })).status, 409, 'another account’s');

      const asked = await ada.submit('/settings', '/settings/email', { email: 'Ada.New@Example.org', current: PASSWORD });
      assert.equal(asked.status, 303);
      assert.equal(asked.headers.get('location'), '/settings?notice=email-sent');
      const confirm = await smtp.waitFor(sentTo('ada.new@example.org'));
      assert.equal(confirm.subject, 'Confirm your new email for Daily Papers');
      assert.match(confirm.html || '', /Use this address/);
      const notice = await smtp.waitFor((m) => sentTo('ada@example.org')(m) && m.subject === 'Your Daily Papers email address is about to change');
      assert.match(notice.text ?? '', /ada\.new@example\.org/);
      assert.doesNotMatch(notice.text ?? '', /\/settings\/email\/confirm/, 'the notice carries no link that makes the change');

      // Nothing changes before the link is opened.
      assert.match(await (await ada.get('/settings')).text(), /\(ada@example\.org\)/);
      assert.equal((await login('ada.new@example.org')).status, 401);

      const link = linkIn(confirm.text, 'http://papers.test/settings/email/confirm?token=');
      const opened = await ada.get(link);
      assert.equal(opened.status, 303);
      assert.equal(opened.headers.get('location'), '/settings?notice=email-changed');
      const after = await (await ada.get('/settings')).text();
      assert.match(after, /\(ada\.new@example\.org\)/);
      assert.match(after, /Your email address is confirmed/);
      assert.equal((await ada.get(link)).status, 400, 'a link works once');
      assert.equal((await login('ada.new@example.org')).status, 303);
      assert.equal((await login('ada@example.org')).status, 401);
      await signup('ada-two', 'ada@example.org'); // the old address is free

      // An address another account takes before the link is opened stays theirs.
      await ada.submit('/settings', '/settings/email', { email: 'contested@example.org', current: PASSWORD });
      const late = await smtp.waitFor(sentTo('contested@example.org'));
      await signup('quick', 'contested@example.org');
      const refused = await new TestClient(server.base).get(linkIn(late.text, 'http://papers.test/settings/email/confirm?token='));
      assert.equal(refused.status, 409);
      assert.equal((await new TestClient(server.base).get('/settings/email/confirm?token=nonsense')).status, 400);
    });

    test('deleting the account: its comments stay as “[deleted account]”, its votes count, it cannot log in, its sessions and tokens end, its names are free', async () => {
      const carol = await signup('carol');
      const user = await database.db.selectFrom('users').select('id').where('username', '=', 'carol').executeTakeFirstOrThrow();
      await markEmailVerified(database.db, user.id);
      const other = new TestClient(server.base);
      assert.equal((await other.submit('/login', '/login', { login: 'carol', password: PASSWORD })).status, 303);

      assert.equal((await carol.submit(`/papers/${PAPER}`, `/papers/${PAPER}/comments`, { body: 'A comment that should outlive its author' })).status, 303);
      assert.equal((await carol.submit(`/papers/${PAPER}`, `/papers/${PAPER}/vote`, { value: '1' })).status, 303);
      const upvotes = async () => ((await (await fetch(`${server.base}/api/papers/${PAPER}`)).json()) as { upvotes: number }).upvotes;
      const votedCount = await upvotes();
      assert.equal((await carol.submit('/users/carol/collections', '/collections', { name: 'Public picks', public: '1' })).status, 303);
      assert.equal((await fetch(`${server.base}/users/carol/collections/public-picks`)).status, 200);
      const created = await (await carol.submit('/settings', '/settings/tokens', { name: 'bot' })).text();
      const apiToken = /<code class="token">(dp_[\w-]+)<\/code>/.exec(created)![1]!;
      assert.equal((await fetch(`${server.base}/api/papers/${PAPER}`, { headers: { authorization: `Bearer ${apiToken}` } })).status, 200);
      assert.match(await (await fetch(`${server.base}/papers/${PAPER}`)).text(), /<span class="comment-author">carol<\/span>/);

      const settings = await (await carol.get('/settings')).text();
      assert.match(settings, /<form method="post" action="\/settings\/delete">[\s\S]*?name="_csrf"[\s\S]*?name="password"/);
      const wrong = await carol.submit('/settings', '/settings/delete', { password: 'wrong password!' });
      assert.equal(wrong.status, 403);
      assert.equal((await userRow(user.id)).deleted_at, null);

      const done = await carol.submit('/settings', '/settings/delete', { password: PASSWORD });
      assert.equal(done.status, 303);
      assert.equal(done.headers.get('location'), '/login?notice=account-deleted');
      assert.equal(carol.cookies.has('dp_session'), false);
      assert.match(await (await new TestClient(server.base).get('/login?notice=account-deleted')).text(), /Your account is deleted/);

      // Sessions, tokens and log-in are gone.
      assert.equal((await other.get('/settings')).status, 303, 'the other session ended');
      const sessions = await database.db.selectFrom('sessions').select('token_hash').where('user_id', '=', user.id).execute();
      assert.equal(sessions.length, 0);
      assert.equal((await fetch(`${server.base}/api/papers/${PAPER}`, { headers: { authorization: `Bearer ${apiToken}` } })).status, 401);
      assert.equal((await login('carol')).status, 401);
      assert.equal((await login('carol@example.org')).status, 401);

      // The comment stays, from "[deleted account]"; the vote still counts; the collection is gone.
      const page = await (await fetch(`${server.base}/papers/${PAPER}`)).text();
      assert.match(page, /<span class="comment-author">\[deleted account\]<\/span>/);
      assert.match(page, /A comment that should outlive its author/);
      assert.doesNotMatch(page, /comment-author">carol</);
      const thread = (await (await fetch(`${server.base}/api/papers/${PAPER}/comments`)).json()) as { comments: { author: { username: string } | null }[] };
      assert.deepEqual(thread.comments.map((c) => c.author?.username), [DELETED_ACCOUNT]);
      assert.equal(await upvotes(), votedCount);
      assert.equal((await fetch(`${server.base}/users/carol/collections/public-picks`)).status, 404);
      assert.equal((await fetch(`${server.base}/users/carol/collections`)).status, 404);

      // The row stays, anonymized; the username and the address are free for someone else.
      const row = await userRow(user.id);
      assert.ok(row.deleted_at);
      assert.equal(row.username, `deleted:${user.id}`);
      assert.equal(row.password_hash, null);
      assert.doesNotMatch(row.email, /carol/);
      await signup('carol', 'carol@example.org');
      const later = await (await fetch(`${server.base}/papers/${PAPER}`)).text();
      assert.match(later, /comment-author">\[deleted account\]</);
      assert.doesNotMatch(later, /comment-author">carol</, 'the new carol does not inherit the comment');
    });

    test('deleting needs a session and the CSRF token', async () => {
      const anon = new TestClient(server.base);
      const r = await anon.submit('/login', '/settings/delete', { password: PASSWORD });
      assert.equal(r.status, 303);
      assert.equal(r.headers.get('location'), '/login?next=%2Fsettings');
      const bob = new TestClient(server.base);
      await bob.submit('/login', '/login', { login: 'bob', password: PASSWORD });
      assert.equal((await bob.post('/settings/delete', { password: PASSWORD })).status, 403);
      assert.equal((await login('bob')).status, 303, 'bob is still here');
    });
  });
}
