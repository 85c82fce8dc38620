/**
 * Email subscriptions and digests against a real SMTP server, on both engines: double opt-in, the digest with
 * the right papers, RFC 8058 one-click unsubscribe, bounces, DKIM, and the preview pages.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Database } from '../../src/db/connection.ts';
import { deliverOutbox } from '../../src/email/delivery.ts';
import { runDigest } from '../../src/email/digest-run.ts';
import { createMailer } from '../../src/email/mailer.ts';
import { TestClient } from '../helpers/client.ts';
import { ENGINES, openTestDatabase } from '../helpers/db.ts';
import { seedPapers, seedSubscribers } from '../helpers/digest-data.ts';
import { startTestServer, type TestServer } from '../helpers/http.ts';
import { sessionMember } from '../helpers/members.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.ts';

/** Thursday 20 November 2025, 18:30 in New York: the evening of an arXiv announcement. */
const NOW = new Date('2025-11-20T23:30:00Z');
const SITE = { name: 'Daily Papers', curators: 'AK', publicUrl: 'http://papers.test' };

const PAPERS = [
  { id: '2511.00001', title: 'Diffusion language models', categories: 'cs.CL cs.LG', upvotes: 30, day: '2025-11-20' },
  { id: '2511.00002', title: 'Vision transformers at scale', categories: 'cs.CV', upvotes: 50, day: '2025-11-20', organization: 'meta' },
  { id: '2511.00003', title: 'Reinforcement learning from feedback', categories: 'cs.LG', upvotes: 10, day: '2025-11-20' },
  { id: '2511.00004', title: 'Yesterday’s translation paper', categories: 'cs.CL', upvotes: 100, day: '2025-11-19' },
  { id: '2511.00005', title: 'Sunday speech paper', categories: 'cs.CL', upvotes: 5, day: '2025-11-23' },
];

const linkIn = (text: string | undefined, prefix: string) => {
  const m = new RegExp(`${prefix.replace(/[.?]/g, '\\$&')}[^\\s]+`).exec(text ?? '');
  assert.ok(m, `no ${prefix} link in: ${text}`);
  return m[0];
};
const toOf = (m: { to?: unknown }) => JSON.stringify(m.to ?? '');

for (const engine of ENGINES) {
  describe(`digests on ${engine}`, () => {
    let database: Database;
    let server: TestServer;
    let smtp: TestSmtp;
    before(async () => {
      database = await openTestDatabase(engine);
      smtp = await startTestSmtp();
      server = await startTestServer(database, { smtpUrl: smtp.url, now: () => NOW });
      await seedPapers(database, PAPERS);
    });
    after(async () => {
      await server.close();
      await smtp.close();
      await database.close();
    });

    const digest = (date: string, extra: Record<string, unknown> = {}) => {
      const mailer = createMailer(database, { smtpUrl: smtp.url, from: 'Daily Papers <papers@papers.test>' });
      return runDigest(database, { period: 'daily', date, now: NOW, site: SITE, mailer, ...extra }).finally(() => mailer.close());
    };

    test('subscribe → confirmation mail → confirm → the digest with the right papers → one-click unsubscribe → no more mail', async () => {
      const reader = new TestClient(server.base);
      const res = await reader.submit('/subscribe', '/subscribe', {
        email: 'Reader@Example.org', frequency: 'daily', max_papers: '5', topics: 'some', categories: 'cs.CL', keywords: '', organizations: 'meta',
      });
      assert.equal(res.status, 200);
      assert.match(await res.text(), /Check your inbox/);

      // Nothing but the confirmation before it is clicked.
      const early = await digest('2025-11-20');
      assert.equal(early.enqueued, 0);
      const confirmation = await smtp.waitFor((m) => toOf(m).includes('reader@example.org'));
      assert.equal(confirmation.subject, 'Confirm your Daily Papers digest subscription');
      assert.equal(smtp.messages.filter((m) => toOf(m).includes('reader@example.org')).length, 1);
      const link = linkIn(confirmation.text, 'http://papers.test/subscribe/confirm?token=').replace('http://papers.test', '');

      // GET shows a button and confirms nothing (mail scanners open links); POST confirms.
      const page = await reader.get(link);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /Yes, subscribe me/);
      const stored = await database.db.selectFrom('subscribers').selectAll().where('email', '=', 'reader@example.org').executeTakeFirstOrThrow();
      assert.equal(stored.status, 'pending');
      assert.match(stored.confirm_token_hash ?? '', /^[0-9a-f]{64}$/, 'the token is stored hashed');
      assert.ok(!link.includes(stored.confirm_token_hash!));
      const token = new URL(`http://x${link}`).searchParams.get('token')!;
      const done = await reader.submit(link, '/subscribe/confirm', { token });
      assert.equal(done.status, 200);
      assert.match(await done.text(), /You are subscribed/);
      assert.equal((await reader.post('/subscribe/confirm', { _csrf: reader.cookies.get('dp_csrf')!, token })).status, 400, 'a confirmation link works once');

      const run = await digest('2025-11-20');
      assert.equal(run.enqueued, 1);
      assert.equal(run.delivery?.sent, 1);
      const mail = await smtp.waitFor((m) => toOf(m).includes('reader@example.org') && /Trending papers/.test(m.subject ?? ''));
      // cs.CL or the organization meta, listed on Thursday 20th; not cs.LG only, not Wednesday's paper.
      assert.match(mail.text ?? '', /Diffusion language models/);
      assert.match(mail.text ?? '', /Vision transformers at scale/);
      assert.doesNotMatch(mail.text ?? '', /Reinforcement learning/);
      assert.doesNotMatch(mail.text ?? '', /Yesterday/);
      assert.ok((mail.text ?? '').indexOf('Vision transformers') < (mail.text ?? '').indexOf('Diffusion language'), 'most noticed first');
      assert.match(mail.html || '', /https:\/\/arxiv\.org\/abs\/2511\.00002/);
      assert.match(mail.html || '', /http:\/\/papers\.test\/papers\/2511\.00001/);
      assert.match(mail.messageId ?? '', /^<digest\.daily\.2025-11-20\.\d+@papers\.test>$/);
      const header = (name: string) => mail.headerLines.find((h) => h.key === name)?.line.replace(/^[^:]+:\s*/, '').replace(/\r?\n\s+/g, ' ');
      assert.equal(header('list-unsubscribe-post'), 'List-Unsubscribe=One-Click');
      const listUnsubscribe = header('list-unsubscribe') ?? '';
      const oneClick = /^<(http:\/\/papers\.test\/unsubscribe\/one-click\?token=[\w.%-]+)>$/.exec(listUnsubscribe)?.[1];
      assert.ok(oneClick, `a one-click URL in List-Unsubscribe: ${listUnsubscribe}`);

      // Run again: enqueued once per (subscriber, period), so nothing more.
      const again = await digest('2025-11-20');
      assert.equal(again.enqueued, 0);
      assert.equal(again.alreadyQueued, 1);

      // The footer's unsubscribe link shows a button; GET unsubscribes no one.
      const unsubscribePage = linkIn(mail.text, 'http://papers.test/unsubscribe?token=').replace('http://papers.test', '');
      assert.match(await (await fetch(server.base + unsubscribePage)).text(), /Unsubscribe/);
      assert.equal((await database.db.selectFrom('subscribers').select('status').where('email', '=', 'reader@example.org').executeTakeFirstOrThrow()).status, 'active');

      // RFC 8058: a POST with List-Unsubscribe=One-Click, no cookie, no CSRF token.
      const forged = await fetch(server.base + oneClick.replace('http://papers.test', '').replace(/\.[\w-]+$/, '.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'), { method: 'POST', body: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      assert.equal(forged.status, 400);
      const one = await fetch(server.base + oneClick.replace('http://papers.test', ''), { method: 'POST', body: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      assert.equal(one.status, 200);
      assert.equal((await database.db.selectFrom('subscribers').select('status').where('email', '=', 'reader@example.org').executeTakeFirstOrThrow()).status, 'unsubscribed');

      const before = smtp.messages.length;
      const sunday = await digest('2025-11-23');
      assert.equal(sunday.enqueued, 0);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(smtp.messages.length, before, 'no more mail');
    });

    test('an invalid address gets a clear 400 and nothing is stored or sent', async () => {
      const c = new TestClient(server.base);
      const res = await c.submit('/subscribe', '/subscribe', { email: 'not-an-address', frequency: 'daily', topics: 'all' });
      assert.equal(res.status, 400);
      assert.match(await res.text(), /does not look like an email address/);
      const bad = await c.submit('/subscribe', '/subscribe', { email: 'x@example.org', frequency: 'hourly', topics: 'all' });
      assert.equal(bad.status, 400);
      assert.match(await bad.text(), /Choose daily or weekly/);
      const badCategory = await c.submit('/subscribe', '/subscribe', { email: 'x@example.org', frequency: 'daily', topics: 'some', categories: 'not a category!' });
      assert.equal(badCategory.status, 400);
      assert.match(await badCategory.text(), /is not an arXiv category/);
      assert.equal((await database.db.selectFrom('subscribers').select('id').where('email', 'in', ['not-an-address', 'x@example.org']).execute()).length, 0);
      assert.equal((await c.post('/subscribe', { email: 'y@example.org' })).status, 403, 'CSRF');
    });

    test('subscribing a pending address again sends no second mail within the resend interval; an active one is not told apart', async () => {
      const c = new TestClient(server.base);
      const form = { email: 'twice@example.org', frequency: 'weekly', topics: 'all' };
      const first = await (await c.submit('/subscribe', '/subscribe', form)).text();
      await smtp.waitFor((m) => toOf(m).includes('twice@example.org'));
      const second = await (await c.submit('/subscribe', '/subscribe', form)).text();
      const strip = (s: string) => s.replace(/name="_csrf" value="[^"]+"/g, '');
      assert.equal(strip(second), strip(first), 'the same answer');
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(smtp.messages.filter((m) => toOf(m).includes('twice@example.org')).length, 1);
    });

    test('a member with a confirmed address subscribes from settings without a confirmation mail', async () => {
      const member = await sessionMember(database, () => server.base, 'ada');
      const page = await member.page('/settings/subscription');
      assert.match(page, /ada@example.org/);
      const res = await member.form('/settings/subscription', { frequency: 'weekly', max_papers: '3', topics: 'some', keywords: 'transformers' });
      assert.equal(res.status, 303);
      const s = await database.db.selectFrom('subscribers').selectAll().where('email', '=', 'ada@example.org').executeTakeFirstOrThrow();
      assert.equal(s.status, 'active');
      assert.equal(s.user_id, member.user.id);
      assert.equal(s.frequency, 'weekly');
      assert.equal(s.max_papers, 3);
      assert.equal((await database.db.selectFrom('outbox').select('id').where('to_address', '=', 'ada@example.org').execute()).length, 0);
      const mailer = createMailer(database, { smtpUrl: smtp.url, from: 'Daily Papers <papers@papers.test>' });
      const weekly = await runDigest(database, { period: 'weekly', date: '2025-11-20', now: NOW, site: SITE, mailer, to: 'ada@example.org' });
      mailer.close();
      assert.equal(weekly.delivery?.sent, 1);
      const mail = await smtp.waitFor((m) => toOf(m).includes('ada@example.org'));
      assert.match(mail.subject ?? '', /The papers of the week of Nov 17: 1 paper/);
      assert.match(mail.text ?? '', /Vision transformers at scale/);
      assert.equal((await member.form('/settings/subscription/unsubscribe')).status, 303);
      assert.equal((await database.db.selectFrom('subscribers').select('status').where('email', '=', 'ada@example.org').executeTakeFirstOrThrow()).status, 'unsubscribed');
    });

    test('the preferences page, reached by the signed link, changes the choices', async () => {
      await seedSubscribers(database, [{ email: 'prefs@example.org' }]);
      const mailer = createMailer(database, { smtpUrl: smtp.url, from: 'Daily Papers <papers@papers.test>' });
      await runDigest(database, { period: 'daily', date: '2025-11-20', now: NOW, site: SITE, mailer, to: 'prefs@example.org' });
      mailer.close();
      const mail = await smtp.waitFor((m) => toOf(m).includes('prefs@example.org'));
      const prefs = linkIn(mail.text, 'http://papers.test/subscription?token=').replace('http://papers.test', '');
      const c = new TestClient(server.base);
      assert.match(await (await c.get(prefs)).text(), /prefs@example.org/);
      const token = new URL(`http://x${prefs}`).searchParams.get('token')!;
      const saved = await c.submit(prefs, '/subscription', { token, frequency: 'weekly', max_papers: '20', topics: 'some', categories: 'cs', keywords: '', organizations: '' });
      assert.equal(saved.status, 200);
      const s = await database.db.selectFrom('subscribers').selectAll().where('email', '=', 'prefs@example.org').executeTakeFirstOrThrow();
      assert.deepEqual([s.frequency, s.max_papers, JSON.parse(s.topics).categories], ['weekly', 20, ['cs']]);
      assert.equal((await c.get(prefs.replace(/\.[\w-]+$/, '.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'))).status, 400, 'a forged signature');
    });

    test('a recipient the server refuses with 550 is marked bounced and not mailed again', async () => {
      const sink = await startSmtpSink();
      sink.reject.add('gone@example.org');
      await seedSubscribers(database, [{ email: 'gone@example.org' }, { email: 'here@example.org' }]);
      const mailer = createMailer(database, { smtpUrl: sink.url, from: 'Daily Papers <papers@papers.test>' });
      try {
        const r1 = await runDigest(database, { period: 'daily', date: '2025-11-20', now: NOW, site: SITE, mailer, to: 'gone@example.org' });
        assert.equal(r1.delivery?.bounced, 1);
        const s = await database.db.selectFrom('subscribers').selectAll().where('email', '=', 'gone@example.org').executeTakeFirstOrThrow();
        assert.equal(s.status, 'bounced');
        assert.equal(s.bounce_count, 1);
        assert.match(s.last_bounce ?? '', /550/);
        const sunday = await runDigest(database, { period: 'daily', date: '2025-11-23', now: new Date('2025-11-24T00:00:00Z'), site: SITE, mailer });
        assert.ok(sunday.enqueued >= 1);
        assert.equal(sunday.delivery?.bounced, 0);
        assert.equal(sink.countByRecipient().get('gone@example.org') ?? 0, 0);
        assert.equal(sink.countByRecipient().get('here@example.org'), 1);
        const rows = await database.db.selectFrom('outbox').select('status').where('to_address', '=', 'gone@example.org').execute();
        assert.deepEqual(rows.map((r) => r.status), ['failed']);
      } finally {
        mailer.close();
        await sink.close();
      }
    });

    test('SMTP down, then up: every digest is delivered once, after the backoff', async () => {
      const { freePort } = await import('../helpers/cli.ts');
      const port = await freePort();
      const emails = Array.from({ length: 25 }, (_, i) => `outage${i}@example.org`);
      await seedSubscribers(database, emails.map((email) => ({ email, frequency: 'weekly' as const })));
      const mailer = createMailer(database, { smtpUrl: `smtp://127.0.0.1:${port}`, from: 'Daily Papers <papers@papers.test>' });
      try {
        const down = await runDigest(database, { period: 'weekly', date: '2025-11-20', now: NOW, site: SITE, mailer });
        assert.ok(down.enqueued >= 25); // and the weekly subscribers of earlier tests
        assert.equal(down.delivery?.sent, 0);
        assert.ok((down.delivery?.retrying ?? 0) > 0);
        const sink = await startSmtpSink({ port });
        try {
          const tooSoon = await deliverOutbox(database, mailer, { now: new Date(NOW.getTime() + 10_000) });
          assert.equal(tooSoon.sent, 0, 'not before the retry time');
          let sent = 0;
          for (let minutes = 2; minutes < 10 && sent < 25; minutes *= 2) sent += (await deliverOutbox(database, mailer, { now: new Date(NOW.getTime() + minutes * 60_000) })).sent;
          assert.ok(sent >= 25, `${sent} sent`);
          const counts = sink.countByRecipient();
          for (const e of emails) assert.equal(counts.get(e), 1, e);
          assert.equal((await deliverOutbox(database, mailer, { now: new Date(NOW.getTime() + 3_600_000) })).sent, 0);
          const rows = await database.db.selectFrom('outbox').select(['status', 'attempts']).where('to_address', 'like', 'outage%').execute();
          assert.ok(rows.every((r) => r.status === 'sent' && r.attempts >= 2));
        } finally {
          await sink.close();
        }
      } finally {
        mailer.close();
      }
    });

    test('mail is DKIM-signed when a key is configured', async () => {
      const sink = await startSmtpSink({ keep: true });
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
      const mailer = createMailer(database, { smtpUrl: sink.url, from: 'Daily Papers <papers@papers.test>', dkim: { domainName: 'papers.test', keySelector: 'dp2025', privateKey } });
      try {
        const r = await mailer.send({ to: 'dkim@example.org', subject: 'Signed', text: 'hello' });
        assert.equal(r.sent, true);
        const m = sink.accepted.find((a) => a.to.includes('dkim@example.org'))!;
        assert.match(m.headers, /^DKIM-Signature: .*d=papers\.test/m);
        assert.match(m.headers, /s=dp2025/);
      } finally {
        mailer.close();
        await sink.close();
      }
    });

    test('admins preview each mail in the browser; others may not', async () => {
      const admin = await sessionMember(database, () => server.base, 'root', { role: 'admin' });
      const member = await sessionMember(database, () => server.base, 'mia');
      for (const kind of ['confirmation', 'already-subscribed', 'daily', 'weekly']) {
        const res = await admin.get(`/admin/mail-preview/${kind}`);
        assert.equal(res.status, 200, kind);
        assert.match(await res.text(), /<table role="presentation"/);
        const text = await (await admin.get(`/admin/mail-preview/${kind}?format=text`)).text();
        assert.match(text, /^Subject: /);
      }
      assert.match(await (await admin.get("/admin/mail-preview/daily")).text(), /Sunday speech paper/, "the latest list");
      assert.equal((await admin.get('/admin/mail-preview/nope')).status, 404);
      assert.equal((await member.get('/admin/mail-preview/daily')).status, 403);
      assert.equal((await fetch(`${server.base}/admin/mail-preview/daily`, { redirect: 'manual' })).status, 303);
    });
  });
}
