/**
 * A digest subscription belongs to whoever proves the address: an account registered with someone
 * else's address (unconfirmed) neither sees nor changes nor ends that person's subscription. And a
 * confirmation mail, sent to any address anyone types, carries none of the text the requester typed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Database } from '../../src/db/connection.ts';
import { activateSubscription } from '../../src/db/queries/subscribers.ts';
import { TestClient } from '../helpers/client.ts';
import { ENGINES, openTestDatabase } from '../helpers/db.ts';
import { startTestServer, type TestServer } from '../helpers/http.ts';
import { sessionMember } from '../helpers/members.ts';

const NOW = new Date('2025-11-20T12:00:00.000Z');
const SPAM = 'Your account is locked call 555 0100 now';

for (const engine of ENGINES) {
  describe(`subscription ownership on ${engine}`, () => {
    let database: Database;
    let server: TestServer;
    before(async () => {
      database = await openTestDatabase(engine);
      server = await startTestServer(database, { now: () => NOW });
    });
    after(async () => {
      await server.close();
      await database.close();
    });

    const row = (email: string) => database.db.selectFrom('subscribers').selectAll().where('email', '=', email).executeTakeFirstOrThrow();

    test('an unconfirmed account with the subscriber’s address cannot see, change or end the subscription', async () => {
      await activateSubscription(database.db, 'victim@example.org', { frequency: 'daily', maxPapers: 7, topics: { categories: ['cs.CL'], keywords: ['private interest'], organizations: [] } }, NOW, null);
      const before = await row('victim@example.org');
      // sessionMember gives USERNAME@example.org: the attacker signs up with the victim's address and never confirms it.
      const attacker = await sessionMember(database, () => server.base, 'victim', { verified: false });

      const page = await attacker.page('/settings/subscription');
      assert.doesNotMatch(page, /private interest|The digest goes to|Unsubscribe/, 'nothing of the subscription shows');

      const change = await attacker.form('/settings/subscription', { frequency: 'weekly', max_papers: '1', topics: 'some', keywords: 'attacker' });
      assert.equal(change.status, 303);
      const stop = await attacker.form('/settings/subscription/unsubscribe');
      assert.equal(stop.status, 403);
      const after = await row('victim@example.org');
      assert.deepEqual(
        { status: after.status, frequency: after.frequency, max: after.max_papers, topics: after.topics, user: after.user_id },
        { status: before.status, frequency: before.frequency, max: before.max_papers, topics: before.topics, user: null },
        'the subscription is as the victim left it, bound to no account',
      );

      // Once the address is confirmed, the account manages it.
      await database.db.updateTable('users').set({ email_verified_at: NOW.toISOString() }).where('id', '=', attacker.user.id).execute();
      assert.match(await attacker.page('/settings/subscription'), /The digest goes to/);
    });

    test('the confirmation mail and page show the category codes, not the typed keywords or organizations; the preferences do after', async () => {
      const c = new TestClient(server.base);
      const r = await c.submit('/subscribe', '/subscribe', { email: 'someone@example.org', frequency: 'daily', topics: 'some', categories: 'cs.CL', keywords: SPAM, organizations: 'Visit evil.example' });
      assert.equal(r.status, 200);
      const mail = await database.db.selectFrom('outbox').selectAll().where('to_address', '=', 'someone@example.org').executeTakeFirstOrThrow();
      for (const body of [mail.text_body, mail.html_body ?? '', mail.subject]) {
        assert.doesNotMatch(body, /555 0100|locked|evil\.example/, 'no typed text in the mail');
      }
      assert.match(mail.text_body, /cs\.CL/);
      assert.match(mail.text_body, /2 keywords or organizations \(shown once you confirm\)/);

      const link = /http:\/\/papers\.test(\/subscribe\/confirm\?token=[\w-]+)/.exec(mail.text_body)![1]!;
      const confirmPage = await (await fetch(server.base + link)).text();
      assert.doesNotMatch(confirmPage, /555 0100|evil\.example/);
      const token = new URL(link, server.base).searchParams.get('token')!;
      const done = await c.submit(link, '/subscribe/confirm', { token });
      assert.equal(done.status, 200);
      const prefs = /href="(\/subscription\?token=[^"]+)"/.exec(await done.text())![1]!.replaceAll('&amp;', '&');
      assert.match(await (await fetch(server.base + prefs)).text(), /555 0100/, 'the confirmed subscriber sees their keywords');
    });
  });
}
