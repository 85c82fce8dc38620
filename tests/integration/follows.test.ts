/**
 * Following and notifications on both engines (docs/decisions/0031-follows-and-notifications.md): the storage
 * (follows, the inbox), the scan of new papers (a real import of a file in arXiv's listing format) with one
 * batched mail to a real SMTP server when the kind's mail is on and none when off, replies and claim decisions
 * in the inbox, and the pages over real HTTP: CSRF, sign-in, nobody reads or marks another member's notifications.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Database } from '../../src/db/connection.ts';
import { follow, followedTopics, followsOf, isFollowing, unfollow } from '../../src/db/queries/follows.ts';
import { addNotification, emailSettings, listNotifications, markAllRead, markRead, setEmailSettings, unreadCount } from '../../src/db/queries/notifications.ts';
import { MAX_FOLLOWS } from '../../src/domain/follows.ts';
import { createMailer } from '../../src/email/mailer.ts';
import { importFiles } from '../../src/importers/import-files.ts';
import { notifyNewPapers } from '../../src/notify/new-papers.ts';
import { followedPapers, FOLLOWED_TITLE } from '../../src/notify/digest-section.ts';
import { activateSubscription } from '../../src/db/queries/subscribers.ts';
import { runDigest } from '../../src/email/digest-run.ts';
import { ENGINES, openTestDatabase } from '../helpers/db.ts';
import { seedPapers } from '../helpers/digest-data.ts';
import { startTestServer, type TestServer } from '../helpers/http.ts';
import { sessionMember, type SessionMember } from '../helpers/members.ts';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.ts';

const SITE = { name: 'Daily Papers', curators: 'AK', publicUrl: 'http://papers.test' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One arXiv listing record (the `arxiv-listing` import format). */
const listing = (id: string, title: string, authors: string[], categories: string[], summary = 'An abstract.') =>
  JSON.stringify({ id, categories, pdf: `https://arxiv.org/pdf/${id}`, abs: `https://arxiv.org/abs/${id}`, authors, title, comment: null, summary });

for (const engine of ENGINES) {
  describe(`following and notifications on ${engine}`, () => {
    let database: Database;
    let server: TestServer;
    let smtp: TestSmtp;
    let alice: SessionMember;
    let bob: SessionMember;
    let dir: string;
    const importLines = async (name: string, lines: string[]) => {
      const file = path.join(dir, `${name}.jsonl`);
      writeFileSync(file, `${lines.join('\n')}\n`);
      const r = await importFiles(database, [file]);
      assert.equal(r.rejected, 0);
    };
    const run = async () => {
      const mailer = createMailer(database, { smtpUrl: smtp.url, from: 'Daily Papers <papers@papers.test>' });
      try {
        return await notifyNewPapers(database, { site: SITE, mailer });
      } finally {
        mailer.close();
      }
    };

    before(async () => {
      database = await openTestDatabase(engine);
      smtp = await startTestSmtp();
      server = await startTestServer(database, { smtpUrl: smtp.url, now: () => new Date() });
      alice = await sessionMember(database, () => server.base, 'alice');
      bob = await sessionMember(database, () => server.base, 'bob');
      dir = mkdtempSync(path.join(tmpdir(), 'follows-test-'));
    });
    after(async () => {
      await server.close();
      await smtp.close();
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    });

    test('storage: follow once, unfollow, the topics for ranking, the cap', async () => {
      const { db } = database;
      const now = new Date();
      assert.deepEqual(await follow(db, { userId: bob.user.id, kind: 'category', value: 'cs.CV', now }), { ok: true, added: true });
      assert.deepEqual(await follow(db, { userId: bob.user.id, kind: 'category', value: 'cs.CV', now }), { ok: true, added: false });
      await follow(db, { userId: bob.user.id, kind: 'keyword', value: 'gesture', now });
      assert.deepEqual((await followedTopics(db, bob.user.id)).sort((a, b) => a.kind.localeCompare(b.kind)), [{ kind: 'category', value: 'cs.CV' }, { kind: 'keyword', value: 'gesture' }]);
      assert.equal(await unfollow(db, { userId: bob.user.id, kind: 'keyword', value: 'gesture' }), true);
      assert.equal(await unfollow(db, { userId: bob.user.id, kind: 'keyword', value: 'gesture' }), false);
      assert.equal(await isFollowing(db, bob.user.id, 'category', 'cs.CV'), true);
      // Another member's saved search is not followed.
      assert.deepEqual(await follow(db, { userId: bob.user.id, kind: 'saved_search', value: '999', now }), { ok: false, problem: 'no-saved-search' });
      // The cap, on a member of its own.
      const carol = await sessionMember(database, () => server.base, 'carol');
      for (let i = 0; i < MAX_FOLLOWS; i++) await db.insertInto('follows').values({ user_id: carol.user.id, kind: 'keyword', value: `word${i}`, created_at: now.toISOString() }).execute();
      assert.deepEqual(await follow(db, { userId: carol.user.id, kind: 'keyword', value: 'one more', now }), { ok: false, problem: 'limit' });
      await db.deleteFrom('users').where('id', '=', carol.user.id).execute();
    });

    test('storage: a notification is recorded once, listed newest first, read only by its owner', async () => {
      const { db } = database;
      const [p] = ['2401.00001'];
      await seedPapers(database, [{ id: p!, title: 'Seeded', categories: 'math.CO', upvotes: 0, day: '2025-11-20' }]);
      const n = { userId: bob.user.id, kind: 'mention' as const, dedupeKey: 'test:1', paperId: p, now: new Date(), emailStatus: 'skipped' as const };
      assert.equal(await addNotification(db, n), true);
      assert.equal(await addNotification(db, n), false);
      assert.equal(await addNotification(db, { ...n, dedupeKey: 'test:2', now: new Date(Date.now() + 1) }), true);
      const list = await listNotifications(db, bob.user.id, { limit: 10 });
      assert.deepEqual(list.map((x) => x.paperTitle), ['Seeded', 'Seeded']);
      assert.ok(list[0]!.id > list[1]!.id, 'newest first');
      assert.equal(await unreadCount(db, bob.user.id), 2);
      assert.equal(await markRead(db, alice.user.id, list[0]!.id, new Date()), false, 'not alice’s');
      assert.equal(await markRead(db, bob.user.id, list[0]!.id, new Date()), true);
      assert.equal(await unreadCount(db, bob.user.id), 1);
      assert.equal(await markAllRead(db, bob.user.id, new Date()), 1);
      assert.equal(await unreadCount(db, bob.user.id), 0);
      await setEmailSettings(db, bob.user.id, { reply: true, mention: false, paper: true, claim: true });
      assert.deepEqual(await emailSettings(db, bob.user.id), { reply: true, mention: false, paper: true, claim: true });
      await db.deleteFrom('notifications').execute();
    });

    test('follow forms: CSRF enforced, visitors sent to log in, bad values refused with a message', async () => {
      const noCsrf = await alice.form('/follow', { kind: 'author', value: 'Ada Lovelace', next: '/following' }, false);
      assert.equal(noCsrf.status, 403);
      const anon = await fetch(`${server.base}/follow`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'kind=author&value=X' });
      assert.ok(anon.status === 403 || anon.status === 303, `visitor: ${anon.status}`);
      const bad = await alice.form('/follow', { kind: 'planet', value: 'Mars' });
      assert.equal(bad.status, 400);
      assert.match(await bad.text(), /What to follow is one of/);
      const short = await alice.form('/follow', { kind: 'keyword', value: 'ab' });
      assert.equal(short.status, 400);
      const ok = await alice.form('/follow', { kind: 'author', value: '  Ada   Lovelace ', next: '/papers/search?q=author%3A%22Ada+Lovelace%22' });
      assert.equal(ok.status, 303);
      assert.equal(ok.headers.get('location'), '/papers/search?q=author%3A%22Ada+Lovelace%22');
      const evil = await alice.form('/follow', { kind: 'category', value: 'cs.LG', next: '//evil.example/' });
      assert.equal(evil.headers.get('location'), '/');
      assert.deepEqual((await followsOf(database.db, alice.user.id)).map((f) => [f.kind, f.value]), [['author', 'ada lovelace'], ['category', 'cs.LG']]);
      // The author's search shows the button as followed; a category page offers to follow.
      const search = await alice.page('/papers/search?q=author%3A%22Ada+Lovelace%22');
      assert.match(search, /Following Ada Lovelace · unfollow/);
      const cat = await alice.page('/papers/category/cs.CV');
      assert.match(cat, /<form class="follow-control inline" method="post" action="\/follow">/);
      const visitor = await (await server.get('/papers/category/cs.CV')).text();
      assert.match(visitor, /Log in to follow cs\.CV/);
    });

    test('a followed author’s imported paper: one notification, one mail with the kind on, none with it off; never twice', async () => {
      // Bob follows the same author, with that mail off.
      assert.equal((await bob.form('/follow', { kind: 'author', value: 'Ada Lovelace' })).status, 303);
      assert.equal((await bob.form('/notifications/settings', { email_reply: '1', email_mention: '1', email_claim: '1' })).status, 303);
      await sleep(5); // the paper enters after the follows
      await importLines('first', [
        listing('2512.00001', 'Notes on the Analytical Engine', ['Ada Lovelace', 'Charles Babbage'], ['cs.LO']),
        listing('2512.00002', 'Unrelated work', ['Someone Else'], ['math.AG']),
      ]);
      const r = await run();
      assert.equal(r.notifications, 2, 'alice and bob, for the one paper');
      assert.equal(r.mails, 1);
      const mail = await smtp.waitFor((m) => JSON.stringify(m.to).includes('alice@example.org'));
      assert.match(mail.subject ?? '', /Notes on the Analytical Engine/);
      assert.match(mail.text ?? '', /by Ada Lovelace/);
      assert.match(mail.text ?? '', /http:\/\/papers\.test\/papers\/2512\.00001/);
      const again = await run();
      assert.equal(again.notifications, 0);
      assert.equal(again.mails, 0);
      await sleep(200);
      assert.equal(smtp.messages.filter((m) => JSON.stringify(m.to).includes('alice@example.org')).length, 1);
      assert.equal(smtp.messages.filter((m) => JSON.stringify(m.to).includes('bob@example.org')).length, 0, 'bob turned that mail off');
      const inbox = await bob.page('/notifications');
      assert.match(inbox, /New paper by Ada Lovelace: <a href="\/papers\/2512\.00001">Notes on the Analytical Engine<\/a>/);
      assert.match(inbox, /class="unread-count" aria-hidden="true">1</);
      // A category followed after a paper arrived does not bring it back.
      assert.doesNotMatch(inbox, /Unrelated work/);
    });

    test('a big import sends one mail per member, not one per paper (batched, at most hourly)', async () => {
      await alice.form('/follow', { kind: 'keyword', value: 'quantum walks' });
      await sleep(5);
      await importLines('big', Array.from({ length: 30 }, (_, i) => listing(`2512.1${String(i).padStart(4, '0')}`, `Quantum walks on graph family ${i}`, ['Someone Else'], ['quant-ph'])));
      const r = await run();
      assert.equal(r.notifications, 30);
      assert.equal(r.mails, 0, 'alice was mailed less than an hour ago: the papers wait for the next mail');
      const pending = await database.db.selectFrom('notifications').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', alice.user.id).where('email_status', '=', 'pending').executeTakeFirstOrThrow();
      assert.equal(Number(pending.n), 30);
      // An hour later (the last mail moved back), one mail for all thirty.
      await database.db.updateTable('outbox').set({ created_at: new Date(Date.now() - 2 * 3_600_000).toISOString() }).where('dedupe_key', 'like', 'follows:%').execute();
      const later = await run();
      assert.equal(later.mails, 1);
      const mail = await smtp.waitFor((m) => /30 new papers/.test(m.subject ?? ''));
      assert.match(mail.text ?? '', /and 10 more/);
    });

    test('replies and claim decisions reach the inbox; nobody reads or marks another member’s notifications', async () => {
      const paperId = '2512.00001';
      const posted = await alice.form(`/papers/${paperId}/comments`, { body: 'A first comment by alice.' });
      assert.equal(posted.status, 303);
      const parent = await database.db.selectFrom('comments').select('id').where('user_id', '=', alice.user.id).executeTakeFirstOrThrow();
      assert.equal((await bob.form(`/papers/${paperId}/comments`, { body: 'Bob replies.', parent_id: String(parent.id) })).status, 303);
      const aliceInbox = await alice.page('/notifications');
      assert.match(aliceInbox, /<a href="\/users\/bob">bob<\/a> replied to your comment on/);
      // The reply mail waits in the outbox for the deliver-outbox job.
      const queued = await database.db.selectFrom('outbox').select('subject').where('dedupe_key', 'like', 'reply.%').execute();
      assert.deepEqual(queued.map((q) => q.subject), ['bob replied to you on Daily Papers']);

      // A claim, approved by a moderator: the claimant's inbox says so.
      const mod = await sessionMember(database, () => server.base, 'mod', { role: 'moderator' });
      assert.equal((await bob.form(`/papers/${paperId}/claim`, { author: '0' })).status, 303);
      const claim = await database.db.selectFrom('author_claims').select('id').where('user_id', '=', bob.user.id).executeTakeFirstOrThrow();
      assert.equal((await mod.form(`/claims/${claim.id}/approve`, { reason: '' })).status, 303);
      assert.match(await bob.page('/notifications'), /Your claim to be Ada Lovelace of <a href="\/papers\/2512\.00001">Notes on the Analytical Engine<\/a> was approved/);
      // The claimed author's profile offers to follow that author.
      assert.match(await mod.page('/users/bob'), /Follow Ada Lovelace</);

      // Authorization: alice's notification ids are a 404 for bob, and never on his page.
      const aliceIds = (await listNotifications(database.db, alice.user.id, { limit: 100 })).map((n) => n.id);
      const bobPage = await bob.page('/notifications');
      for (const id of aliceIds) assert.doesNotMatch(bobPage, new RegExp(`id="n-${id}"`));
      const foreign = await bob.form(`/notifications/${aliceIds[0]}/read`, {});
      assert.equal(foreign.status, 404);
      assert.equal((await listNotifications(database.db, alice.user.id, { limit: 1 }))[0]!.readAt, null);
      assert.equal((await alice.form(`/notifications/${aliceIds[0]}/read`, {}, false)).status, 403, 'CSRF');
      assert.equal((await alice.form(`/notifications/${aliceIds[0]}/read`, {})).status, 303);
      assert.equal((await alice.form('/notifications/read-all', {})).status, 303);
      assert.equal(await unreadCount(database.db, alice.user.id), 0);
      const anon = await server.get('/notifications');
      assert.equal(anon.status, 303);
    });

    test('the next digest has a section of the papers from what the member follows', async () => {
      const day = new Date().toISOString().slice(0, 10);
      await seedPapers(database, [{ id: '2512.20001', title: 'Top paper of the day', categories: 'cs.CL', upvotes: 5, day }]);
      await activateSubscription(database.db, alice.user.email, { frequency: 'daily', maxPapers: 3, topics: 'all' }, new Date(), alice.user.id);
      const mailer = createMailer(database, { smtpUrl: smtp.url, from: 'Daily Papers <papers@papers.test>' });
      try {
        const r = await runDigest(database, { period: 'daily', date: day, now: new Date(), site: SITE, mailer, dailyDays: [0, 1, 2, 3, 4, 5, 6], extraSections: [followedPapers()] });
        assert.equal(r.enqueued, 1);
      } finally {
        mailer.close();
      }
      const mail = await smtp.waitFor((m) => JSON.stringify(m.to).includes('alice@example.org') && /Top paper of the day/.test(m.text ?? ''));
      const text = mail.text ?? '';
      assert.ok(text.includes(`== ${FOLLOWED_TITLE} ==`), text);
      const section = text.slice(text.indexOf(`== ${FOLLOWED_TITLE} ==`));
      assert.match(section, /Quantum walks on graph family 29/);
      assert.match(section, /the newest 10 here/);
    });

    test('/following lists each followed thing with unfollow and what is new in it', async () => {
      const page = await alice.page('/following');
      assert.match(page, /ada lovelace/);
      assert.match(page, /<a href="\/papers\/2512\.00001">Notes on the Analytical Engine<\/a>/);
      assert.match(page, /Quantum walks on graph family 29/);
      assert.match(page, /Unfollow<span class="visually-hidden"> cs.LG<\/span>/);
      assert.equal((await alice.form('/unfollow', { kind: 'category', value: 'cs.LG', next: '/following' })).status, 303);
      assert.doesNotMatch(await alice.page('/following'), /Unfollow<span class="visually-hidden"> cs.LG/);
    });
  });
}
