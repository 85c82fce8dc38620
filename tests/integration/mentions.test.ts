/**
 * Mention mails: enqueued for the deliver-outbox job (a comment never waits on the relay), at most
 * MAX_MENTIONS_PER_COMMENT members per comment, and at most MENTION_MAILS_PER_RECIPIENT to one member
 * per MENTION_MAIL_PERIOD_HOURS, whoever mentions them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Database } from '../../src/db/connection.ts';
import { MAX_MENTIONS_PER_COMMENT, MENTION_MAIL_PERIOD_HOURS, MENTION_MAILS_PER_RECIPIENT } from '../../src/domain/comments.ts';
import { deliverOutbox } from '../../src/email/delivery.ts';
import { createMailer } from '../../src/email/mailer.ts';
import { ENGINES } from '../helpers/db.ts';
import type { TestServer } from '../helpers/http.ts';
import { sessionMember, type SessionMember } from '../helpers/members.ts';
import type { TestSmtp } from '../helpers/smtp.ts';
import { startTestSite, type TestSite } from '../helpers/site.ts';

const PAPER = '2511.01678';
const START = new Date('2025-11-20T12:00:00.000Z');

for (const engine of ENGINES) {
  describe(`mention mails on ${engine}`, () => {
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

    const member = (name: string) => sessionMember(database, () => server.base, name);
    const say = async (m: SessionMember, body: string) => {
      const r = await m.form(`/papers/${PAPER}/comments`, { body });
      assert.equal(r.status, 303, await r.clone().text());
    };
    const mentionMails = (to?: string) => {
      let q = database.db.selectFrom('outbox').select(['to_address', 'status']).where('kind', '=', 'mention');
      if (to) q = q.where('to_address', '=', to);
      return q.execute();
    };

    test('enqueued, not sent inline: the relay gets them when the deliver-outbox job runs', async () => {
      const ada = await member('ada');
      await member('frank');
      const before = smtp.messages.length;
      await say(ada, 'What do you think, @frank?');
      assert.deepEqual(await mentionMails('frank@example.org'), [{ to_address: 'frank@example.org', status: 'queued' }]);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(smtp.messages.length, before, 'nothing sent by the request');
      const mailer = createMailer(database, { smtpUrl: smtp.url, from: 'Daily Papers <papers@papers.test>' });
      try {
        assert.equal((await deliverOutbox(database, mailer)).sent, 1);
      } finally {
        mailer.close();
      }
      await smtp.waitFor((m) => JSON.stringify(m.to).includes('frank@example.org'));
    });

    test(`one comment mails at most ${MAX_MENTIONS_PER_COMMENT} members`, async () => {
      const names = Array.from({ length: MAX_MENTIONS_PER_COMMENT + 3 }, (_, i) => `crowd${i}`);
      for (const n of names) await member(n);
      const bob = await member('bob');
      await say(bob, names.map((n) => `@${n}`).join(' '));
      const mailed = (await mentionMails()).filter((m) => m.to_address.startsWith('crowd'));
      assert.equal(mailed.length, MAX_MENTIONS_PER_COMMENT);
    });

    test(`one member gets at most ${MENTION_MAILS_PER_RECIPIENT} mention mails a period, whoever mentions them; mentions are still recorded`, async () => {
      const target = await member('target');
      const authors = await Promise.all(Array.from({ length: MENTION_MAILS_PER_RECIPIENT + 3 }, (_, i) => member(`pinger${i}`)));
      for (const a of authors) await say(a, `Look, @target!`);
      assert.equal((await mentionMails('target@example.org')).length, MENTION_MAILS_PER_RECIPIENT);
      const recorded = await database.db.selectFrom('comment_mentions').select('mailed_at').where('user_id', '=', target.user.id).execute();
      assert.equal(recorded.length, authors.length, 'every mention is recorded');
      assert.equal(recorded.filter((r) => r.mailed_at === null).length, authors.length - MENTION_MAILS_PER_RECIPIENT);

      // Once the period is over, a mention is mailed again.
      clock = new Date(START.getTime() + (MENTION_MAIL_PERIOD_HOURS + 1) * 3_600_000);
      await say(authors[0]!, 'Again, @target.');
      assert.equal((await mentionMails('target@example.org')).length, MENTION_MAILS_PER_RECIPIENT + 1);
    });
  });
}
