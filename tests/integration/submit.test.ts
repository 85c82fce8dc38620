import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { hashPassword } from '../../src/auth/crypto.ts';
import type { Database } from '../../src/db/connection.ts';
import { createUser, markEmailVerified } from '../../src/db/queries/users.ts';
import { DEFAULT_RULES } from '../../src/domain/submission-rules.ts';
import { startArxivStub, type ArxivStub } from '../helpers/arxiv-stub.ts';
import { TestClient } from '../helpers/client.ts';
import { ENGINES, openTestDatabase } from '../helpers/db.ts';
import { startTestServer, type TestServer } from '../helpers/http.ts';

const PASSWORD = 'correct horse battery';
// The clock stands three days after 2102.03929 first appeared on arXiv (2021-02-07).
const NOW = new Date('2021-02-10T15:00:00Z');
const TODAY = '2021-02-10';

for (const engine of ENGINES) {
  describe(`submitting on ${engine}`, () => {
    let database: Database;
    let server: TestServer;
    let arxiv: ArxivStub;
    const client = async (username: string, role: 'member' | 'editor' | 'admin' = 'member', verified = true) => {
      const user = await createUser(database.db, { username, email: `${username}@example.org`, passwordHash: await hashPassword(PASSWORD), role });
      if (verified) await markEmailVerified(database.db, user.id);
      const c = new TestClient(server.base);
      const r = await c.submit('/login', '/login', { login: username, password: PASSWORD });
      assert.equal(r.status, 303);
      return c;
    };

    before(async () => {
      database = await openTestDatabase(engine);
      arxiv = await startArxivStub({ '2102.03929': 'feed-2025.xml', '1711.09828': 'feed-2025.xml' });
      server = await startTestServer(database, { now: () => NOW, arxivApiUrl: arxiv.url, submissionRules: { ...DEFAULT_RULES, dailyCap: 2 } });
    });
    after(async () => {
      await server.close();
      await arxiv.close();
      await database.close();
    });

    test('a member submits by link: fetched from arXiv, listed today with its submitter', async () => {
      const ada = await client('ada', 'admin');
      const mia = await client('mia');
      const r = await mia.submit('/submit', '/submit', { paper: 'https://arxiv.org/abs/2102.03929v2', comment: 'Worth a read' });
      assert.equal(r.status, 303, await r.clone().text());
      assert.equal(r.headers.get('location'), `/papers/date/${TODAY}#paper-2102.03929`);
      assert.deepEqual(arxiv.requests, ['/api/query?id_list=2102.03929&max_results=1']);
      const day = (await (await mia.get(`/papers/date/${TODAY}`)).text());
      assert.match(day, /id="paper-2102.03929"/);
      const api = (await (await fetch(`${server.base}/api/daily_papers?date=${TODAY}`)).json()) as any[];
      assert.equal(api.length, 1);
      assert.equal(api[0].submittedBy.name, 'mia');
      assert.equal(api[0].paper.id, '2102.03929');
      assert.ok(ada);
    });

    test('refusals say why: already listed, not an id, too old, unknown on arXiv, daily cap, unconfirmed', async () => {
      const mia = new TestClient(server.base);
      await mia.submit('/login', '/login', { login: 'mia', password: PASSWORD });
      const again = await mia.submit('/submit', '/submit', { paper: '2102.03929' });
      assert.equal(again.status, 409);
      assert.match(await again.text(), /already on today’s list/);
      const junk = await mia.submit('/submit', '/submit', { paper: 'https://example.org/nothing' });
      assert.equal(junk.status, 400);
      assert.match(await junk.text(), /not an arXiv id or link/);
      const old = await mia.submit('/submit', '/submit', { paper: '1711.09828' });
      assert.equal(old.status, 403);
      assert.match(await old.text(), /first appeared on arXiv \d+ days ago; the list takes papers up to 14 days old/);
      const unknown = await mia.submit('/submit', '/submit', { paper: '2102.99999' });
      assert.equal(unknown.status, 404);
      assert.match(await unknown.text(), /arXiv has no paper 2102.99999/);
      const newbie = await client('newbie', 'member', false);
      const unconfirmed = await newbie.submit('/submit', '/submit', { paper: '2102.03929' });
      assert.equal(unconfirmed.status, 403);
      assert.match(await unconfirmed.text(), /confirm your email/);
    });

    test('an editor lists, features and removes papers on any day; members cannot', async () => {
      const ed = await client('eddie', 'editor');
      const r = await ed.submit('/papers/1711.09828', '/papers/1711.09828/list', { day: '2021-02-09' });
      assert.equal(r.status, 303);
      await ed.submit('/papers/1711.09828', '/papers/1711.09828/feature', { day: '2021-02-09' });
      const day = await (await fetch(`${server.base}/papers/date/2021-02-09`)).text();
      assert.match(day, /class="card featured"[^>]*id="paper-1711.09828"/);
      const mia = new TestClient(server.base);
      await mia.submit('/login', '/login', { login: 'mia', password: PASSWORD });
      const token = await mia.csrfFrom('/settings');
      assert.equal((await mia.post('/papers/1711.09828/unlist', { _csrf: token, day: '2021-02-09' })).status, 403);
      assert.equal((await ed.submit('/papers/1711.09828', '/papers/1711.09828/unlist', { day: '2021-02-09' })).status, 303);
      assert.doesNotMatch(await (await fetch(`${server.base}/papers/date/2021-02-09`)).text(), /paper-1711.09828/);
    });

    test('programs submit with a personal access token; revoked tokens stop working', async () => {
      const bot = await client('botmaker');
      const page = await bot.submit('/settings', '/settings/tokens', { name: 'my bot' });
      assert.equal(page.status, 200);
      const html = await page.text();
      const token = /<code class="token">(dp_[\w-]+)<\/code>/.exec(html)?.[1];
      assert.ok(token, 'the token is shown once');
      const rows = await database.db.selectFrom('api_tokens').select('token_hash').execute();
      assert.ok(rows.every((r) => r.token_hash !== token), 'stored hashed');
      assert.doesNotMatch(await (await bot.get('/settings')).text(), new RegExp(token), 'never shown again');

      const post = (body: unknown, auth = `Bearer ${token}`) =>
        fetch(`${server.base}/api/daily_papers`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      await database.db.deleteFrom('daily_entries').execute();
      const ok = await post({ paper: 'arXiv:2102.03929', comment: 'from my bot' });
      assert.equal(ok.status, 201);
      assert.deepEqual(await ok.json(), { paper: '2102.03929', day: TODAY });
      assert.equal((await post({ paper: '2102.03929' })).status, 409);
      assert.equal((await post({ nope: 1 })).status, 400);
      assert.equal((await post({ paper: '2102.03929' }, 'Bearer dp_wrong')).status, 401);
      const anon = await fetch(`${server.base}/api/daily_papers`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      assert.equal(anon.status, 403, 'a browser post without a token needs CSRF');

      const id = (await database.db.selectFrom('api_tokens').select('id').executeTakeFirstOrThrow()).id;
      await bot.submit('/settings', `/settings/tokens/${id}/revoke`, {});
      assert.equal((await post({ paper: '2102.03929' })).status, 401);
    });

    test('arXiv offline: a clear message, nothing listed', async () => {
      const offline = await startTestServer(database, { now: () => NOW, arxivApiUrl: 'http://127.0.0.1:9/api/query' });
      try {
        const c = new TestClient(offline.base);
        await c.submit('/login', '/login', { login: 'mia', password: PASSWORD });
        const r = await c.submit('/submit', '/submit', { paper: '2102.04444' });
        assert.equal(r.status, 503);
        assert.match(await r.text(), /2102.04444 is not in our database yet, and arXiv could not be reached/);
      } finally {
        await offline.close();
      }
    });

    test('the outbox is for admins', async () => {
      const ada = new TestClient(server.base);
      await ada.submit('/login', '/login', { login: 'ada', password: PASSWORD });
      assert.equal((await ada.get('/admin/outbox')).status, 200);
      const mia = new TestClient(server.base);
      await mia.submit('/login', '/login', { login: 'mia', password: PASSWORD });
      assert.equal((await mia.get('/admin/outbox')).status, 403);
    });
  });
}
