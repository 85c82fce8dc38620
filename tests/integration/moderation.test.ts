import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { newToken } from '../../src/auth/crypto.ts';
import type { Database } from '../../src/db/connection.ts';
import type { Role } from '../../src/db/schema.ts';
import { importFiles, listInputFiles } from '../../src/importers/import-files.ts';
import { LOCKED_NOTICE } from '../../src/http/views/comments.ts';
import { sessionMember, type SessionMember } from '../helpers/members.ts';
import { ENGINES, openTestDatabase } from '../helpers/db.ts';
import { startTestServer, type TestServer } from '../helpers/http.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures');
const PAPER = '2511.01678'; // on the list of 2025-11-04
const OTHER = '2510.22115'; // the same day
const DAY = '2025-11-04';
const NOW = new Date('2025-11-20T12:00:00.000Z');

for (const engine of ENGINES) {
  describe(`moderation on ${engine}`, () => {
    let database: Database;
    let server: TestServer;
    before(async () => {
      database = await openTestDatabase(engine);
      await importFiles(database, await listInputFiles([path.join(FIXTURES, 'hf-daily')]));
      server = await startTestServer(database, { now: () => NOW });
    });
    after(async () => {
      await server.close();
      await database.close();
    });

    const member = (username: string, role: Role = 'member') => sessionMember(database, () => server.base, username, { role });
    type Member = SessionMember;

    const anonPage = async (p: string) => (await fetch(server.base + p)).text();
    /** Posts a comment through the form and returns its id. */
    const say = async (m: Member, body: string, paper = PAPER, parentId?: number) => {
      const r = await m.form(`/papers/${paper}/comments`, { body, ...(parentId ? { parent_id: String(parentId) } : {}) });
      assert.equal(r.status, 303, await r.clone().text());
      return Number(/#comment-(\d+)$/.exec(r.headers.get('location')!)![1]);
    };
    const logRows = () => database.db.selectFrom('moderation_log').selectAll().orderBy('id').execute();
    const countOf = async (paper = PAPER) => (await database.db.selectFrom('papers').select('comments_count').where('id', '=', paper).executeTakeFirstOrThrow()).comments_count;

    let admin: Member;
    let mod: Member;
    let ada: Member;
    let bob: Member;
    before(async () => {
      admin = await member('root-admin', 'admin');
      mod = await member('mona', 'moderator');
      ada = await member('ada');
      bob = await member('bob');
    });

    test('the queue and the log: anonymous visitors are sent to log in, members get 403, moderators and admins read them', async () => {
      for (const p of ['/moderation', '/moderation/log']) {
        const anon = await fetch(server.base + p, { redirect: 'manual' });
        assert.equal(anon.status, 303);
        assert.equal(anon.headers.get('location'), `/login?next=${encodeURIComponent(p)}`);
        assert.equal((await ada.get(p)).status, 403);
        assert.equal((await mod.get(p)).status, 200);
        assert.equal((await admin.get(p)).status, 200);
      }
      assert.match(await mod.page('/moderation'), /No open flags\.[\s\S]*No claims waiting\./);
      assert.match(await mod.page('/moderation/log'), /Nothing has been moderated yet\./);
      // An anonymous form post (with a valid CSRF pair, as from the log-in page) is sent to log in too.
      const csrf = newToken();
      const anonPost = await fetch(`${server.base}/papers/${PAPER}/lock`, {
        method: 'POST', redirect: 'manual', headers: { cookie: `dp_csrf=${csrf}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrf, reason: 'x', next: `/papers/${PAPER}` }).toString(),
      });
      assert.equal(anonPost.status, 303);
      assert.match(anonPost.headers.get('location')!, /^\/login\?next=/);
    });

    test('members flag a comment with a reason; one open flag per member per comment; the queue shows it', async () => {
      const id = await say(bob, 'Buy cheap watches at example.com');
      const page = await ada.page(`/papers/${PAPER}`);
      assert.match(page, new RegExp(`<a class="comment-flag" href="/comments/${id}/flag" rel="nofollow">Flag</a>`));
      assert.doesNotMatch(page, new RegExp(`action="/comments/${id}/hide"`), 'members have no hide button');
      assert.doesNotMatch(await anonPage(`/papers/${PAPER}`), /comment-flag/, 'anonymous readers have no flag links');
      const anon = await fetch(`${server.base}/comments/${id}/flag`, { redirect: 'manual' });
      assert.equal(anon.status, 303);
      assert.equal(anon.headers.get('location'), `/login?next=${encodeURIComponent(`/comments/${id}/flag`)}`);
      const form = await ada.page(`/comments/${id}/flag`);
      assert.match(form, /<blockquote class="flagged-text">Buy cheap watches at example\.com<\/blockquote>/);
      assert.match(form, new RegExp(`<form class="mod-form" method="post" action="/comments/${id}/flag">\\s*<input type="hidden" name="_csrf" value="[\\w-]{43}">`));
      assert.match(form, /<input type="radio" name="reason" value="spam" required> Spam or advertising/);

      const r = await ada.form(`/comments/${id}/flag`, { reason: 'spam', details: 'an advert' });
      assert.equal(r.status, 303);
      assert.equal(r.headers.get('location'), `/papers/${PAPER}?notice=flagged#comment-${id}`);
      assert.match(await ada.page(`/papers/${PAPER}?notice=flagged`), /the moderators will look at what you flagged/);
      const again = await ada.form(`/comments/${id}/flag`, { reason: 'abuse' });
      assert.equal(again.status, 409);
      assert.match(await again.text(), /flagged this already/);
      const bad = await ada.form(`/comments/${id}/flag`, { reason: 'nonsense', details: 'kept <as> written' });
      assert.equal(bad.status, 400);
      assert.match(await bad.text(), /Choose a reason[\s\S]*>kept &lt;as&gt; written<\/textarea>/, 'the form again, with what was written');
      assert.equal((await ada.form(`/comments/${id}/flag`, { reason: 'other', details: '  ' })).status, 400, '"other" says what');
      assert.equal((await ada.form(`/comments/${id}/flag`, { reason: 'spam', details: 'x'.repeat(501) })).status, 400);
      assert.equal((await bob.form(`/comments/${id}/flag`, { reason: 'spam' })).status, 403, 'not one’s own comment');
      assert.equal((await ada.form('/comments/999999/flag', { reason: 'spam' })).status, 404);
      const rows = await database.db.selectFrom('flags').selectAll().where('comment_id', '=', id).execute();
      assert.equal(rows.length, 1);
      assert.deepEqual({ reason: rows[0]!.reason, details: rows[0]!.details, resolved: rows[0]!.resolved_at }, { reason: 'spam', details: 'an advert', resolved: null });

      const queue = await mod.page('/moderation');
      assert.match(queue, /Open flags \(1\)/);
      assert.match(queue, new RegExp(`Comment <a href="/comments/${id}">#${id}</a></strong> by <a href="/users/bob">bob</a>`));
      assert.match(queue, /Buy cheap watches at example\.com/);
      assert.match(queue, /<strong>Spam or advertising<\/strong>: “an advert” · flagged by ada/);
    });

    test('a member cannot hide another’s comment; a moderator can: removed, out of the count, flags answered, logged; restore', async () => {
      const id = (await database.db.selectFrom('comments').select('id').where('body', 'like', 'Buy cheap%').executeTakeFirstOrThrow()).id;
      const before = await countOf();
      const denied = await ada.form(`/comments/${id}/hide`, { reason: 'spam', next: `/papers/${PAPER}` });
      assert.equal(denied.status, 403);
      assert.match(await anonPage(`/papers/${PAPER}`), /Buy cheap watches/);
      assert.equal((await mod.form(`/comments/${id}/hide`, { reason: '' })).status, 400, 'a reason is required');

      const hide = await mod.form(`/comments/${id}/hide`, { reason: 'Advertising' });
      assert.equal(hide.status, 303);
      assert.equal(hide.headers.get('location'), `/papers/${PAPER}#comment-${id}`);
      const page = await anonPage(`/papers/${PAPER}`);
      assert.doesNotMatch(page, /Buy cheap watches/);
      assert.match(page, new RegExp(`id="comment-${id}">[\\s\\S]*?\\[removed by a moderator\\]`));
      assert.equal(await countOf(), before - 1, 'a hidden comment leaves the count, like a deleted one');
      const api = (await (await fetch(`${server.base}/api/papers/${PAPER}/comments`)).json()) as { comments: { id: number; deleted: boolean; body: string | null }[] };
      assert.deepEqual(api.comments.find((c) => c.id === id), { ...api.comments.find((c) => c.id === id), deleted: true, body: null });
      assert.equal((await mod.form(`/comments/${id}/hide`, { reason: 'again' })).status, 409, 'hiding twice changes nothing');
      assert.equal(await countOf(), before - 1);

      const flag = await database.db.selectFrom('flags').selectAll().where('comment_id', '=', id).executeTakeFirstOrThrow();
      assert.equal(flag.resolution, 'actioned');
      assert.equal(flag.resolved_by, mod.user.id);
      assert.match(await mod.page('/moderation'), /Open flags \(0\)/);
      // The author cannot edit or delete it any more, nor can anyone reply to it.
      assert.equal((await bob.form(`/comments/${id}/delete`)).status, 409);
      assert.equal((await ada.form(`/papers/${PAPER}/comments`, { body: 'reply', parent_id: String(id) })).status, 409);

      const modView = await mod.page(`/papers/${PAPER}`);
      assert.match(modView, new RegExp(`action="/comments/${id}/restore"`));
      assert.equal((await ada.form(`/comments/${id}/restore`)).status, 403);
      assert.equal((await mod.form(`/comments/${id}/restore`, { next: `/papers/${PAPER}#discussion` })).status, 303);
      assert.match(await anonPage(`/papers/${PAPER}`), /Buy cheap watches/);
      assert.equal(await countOf(), before);

      const log = await logRows();
      assert.deepEqual(
        log.map((r) => ({ moderator: r.moderator_id, action: r.action, type: r.target_type, target: r.target_id, paper: r.paper_id, member: r.user_id, reason: r.reason, at: r.created_at })),
        [
          { moderator: mod.user.id, action: 'hide-comment', type: 'comment', target: String(id), paper: PAPER, member: bob.user.id, reason: 'Advertising', at: NOW.toISOString() },
          { moderator: mod.user.id, action: 'restore-comment', type: 'comment', target: String(id), paper: PAPER, member: bob.user.id, reason: null, at: NOW.toISOString() },
        ],
      );
      const logPage = await mod.page('/moderation/log');
      assert.match(logPage, new RegExp(`<tr data-action="restore-comment">[\\s\\S]*?mona</td><td>restored a comment</td><td><a href="/comments/${id}">comment #${id}</a>`));
      assert.match(logPage, /<tr data-action="hide-comment">[\s\S]*?<a href="\/users\/bob">bob<\/a><\/td><td>Advertising<\/td>/);

    });

    test('a locked discussion takes no comments, replies or edits; the page says so; moderators may still write; unlock', async () => {
      const first = await say(ada, 'Before the lock');
      assert.equal((await ada.form(`/papers/${PAPER}/lock`, { reason: 'heated' })).status, 403);
      assert.equal((await mod.form(`/papers/${PAPER}/lock`, { reason: '' })).status, 400);
      const lock = await mod.form(`/papers/${PAPER}/lock`, { reason: 'Flame war', next: `/papers/${PAPER}#discussion` });
      assert.equal(lock.status, 303);
      assert.equal(lock.headers.get('location'), `/papers/${PAPER}#discussion`);
      assert.equal((await mod.form(`/papers/${PAPER}/lock`, { reason: 'again' })).status, 409);

      const refused = await ada.form(`/papers/${PAPER}/comments`, { body: 'After the lock' });
      assert.equal(refused.status, 409);
      assert.match(await refused.text(), /locked by a moderator/);
      assert.equal((await bob.form(`/papers/${PAPER}/comments`, { body: 'A reply', parent_id: String(first) })).status, 409);
      assert.equal((await ada.form(`/comments/${first}/edit`, { body: 'Edited' })).status, 409);
      const api = await ada.api('POST', `/api/papers/${PAPER}/comments`, { body: 'By API' });
      assert.equal(api.status, 409);
      assert.match(((await api.json()) as { error: string }).error, /locked/);
      const anon = await anonPage(`/papers/${PAPER}`);
      assert.ok(anon.includes(LOCKED_NOTICE), 'anonymous readers are told');
      assert.doesNotMatch(anon, /Log in to comment/);
      const memberView = await ada.page(`/papers/${PAPER}`);
      assert.ok(memberView.includes(LOCKED_NOTICE));
      assert.doesNotMatch(memberView, /id="new-comment"|<summary>Reply<\/summary>/, 'no comment or reply forms');
      assert.match(await mod.page(`/papers/${PAPER}`), /Add a comment \(as a moderator\)/);
      await say(mod, 'Locked: please keep it civil.');
      // Other papers are not affected.
      await say(ada, 'Elsewhere', OTHER);

      assert.equal((await mod.form(`/papers/${PAPER}/unlock`)).status, 303);
      assert.ok(!(await anonPage(`/papers/${PAPER}`)).includes(LOCKED_NOTICE));
      await say(ada, 'After the unlock');
      const log = (await logRows()).filter((r) => r.target_type === 'paper');
      assert.deepEqual(log.map((r) => [r.action, r.target_id, r.reason]), [['lock-thread', PAPER, 'Flame war'], ['unlock-thread', PAPER, null]]);
    });

    test('flag a submission; a member cannot remove it; a moderator removes it from the day, flags answered, logged', async () => {
      assert.match(await ada.page(`/papers/${OTHER}`), new RegExp(`<a href="/papers/${OTHER}/flag\\?day=${DAY}" rel="nofollow">Flag its entry on the list of Tuesday, Nov 4, 2025</a>`));
      const form = await ada.page(`/papers/${OTHER}/flag?day=${DAY}`);
      assert.match(form, new RegExp(`action="/papers/${OTHER}/flag">[\\s\\S]*?name="day" value="${DAY}"`));
      assert.equal((await ada.get(`/papers/${OTHER}/flag?day=2025-11-05`)).status, 404);
      const r = await ada.form(`/papers/${OTHER}/flag`, { day: DAY, reason: 'off-topic' });
      assert.equal(r.status, 303);
      assert.equal(r.headers.get('location'), `/papers/${OTHER}?notice=flagged`);
      assert.equal((await ada.form(`/papers/${OTHER}/flag`, { day: DAY, reason: 'spam' })).status, 409);
      assert.equal((await bob.form(`/papers/${OTHER}/flag`, { day: '2025-11-05', reason: 'spam' })).status, 404, 'not on that day');
      assert.equal((await bob.form(`/papers/${OTHER}/flag`, { day: DAY, reason: 'spam' })).status, 303, 'another member flags it too');
      const queue = await mod.page('/moderation');
      assert.match(queue, /Open flags \(2\)/);
      assert.match(queue, new RegExp(`<strong>Submission</strong> of <a href="/papers/${OTHER}">`));
      assert.equal((queue.match(new RegExp(`action="/papers/${OTHER}/remove-submission"`, 'g')) ?? []).length, 1, 'one item, two flags');

      assert.equal((await bob.form(`/papers/${OTHER}/remove-submission`, { day: DAY, reason: 'spam' })).status, 403);
      assert.match(await anonPage(`/papers/date/${DAY}`), new RegExp(`id="paper-${OTHER}"`));
      const removed = await mod.form(`/papers/${OTHER}/remove-submission`, { day: DAY, reason: 'Not a research paper', next: '/moderation' });
      assert.equal(removed.status, 303);
      assert.equal(removed.headers.get('location'), '/moderation');
      assert.doesNotMatch(await anonPage(`/papers/date/${DAY}`), new RegExp(`id="paper-${OTHER}"`));
      assert.equal((await mod.form(`/papers/${OTHER}/remove-submission`, { day: DAY, reason: 'again' })).status, 404);
      const flags = await database.db.selectFrom('flags').select(['resolution', 'entry_id', 'day']).where('paper_id', '=', OTHER).execute();
      assert.deepEqual(flags, [{ resolution: 'actioned', entry_id: null, day: DAY }, { resolution: 'actioned', entry_id: null, day: DAY }]);
      const log = (await logRows()).at(-1)!;
      assert.deepEqual([log.action, log.target_type, log.paper_id, log.day, log.reason], ['remove-submission', 'submission', OTHER, DAY, 'Not a research paper']);
      assert.match(await mod.page('/moderation/log'), new RegExp(`removed a submission</td><td><a href="/papers/${OTHER}">${OTHER}</a> on <a href="/papers/date/${DAY}">${DAY}</a>`));
    });

    test('dismiss a flag: the item stays, the flag closes, the log says so; members cannot', async () => {
      const id = await say(bob, 'An honest opinion');
      await ada.form(`/comments/${id}/flag`, { reason: 'other', details: 'I disagree' });
      const flag = await database.db.selectFrom('flags').select('id').where('comment_id', '=', id).executeTakeFirstOrThrow();
      assert.equal((await ada.form(`/moderation/flags/${flag.id}/dismiss`)).status, 403);
      const r = await mod.form(`/moderation/flags/${flag.id}/dismiss`, { reason: 'Disagreement is fine', next: '/moderation' });
      assert.equal(r.status, 303);
      assert.equal((await mod.form(`/moderation/flags/${flag.id}/dismiss`)).status, 409);
      assert.equal((await mod.form('/moderation/flags/999999/dismiss')).status, 404);
      const row = await database.db.selectFrom('flags').select(['resolution', 'resolved_by']).where('id', '=', flag.id).executeTakeFirstOrThrow();
      assert.deepEqual(row, { resolution: 'dismissed', resolved_by: mod.user.id });
      assert.match(await anonPage(`/papers/${PAPER}`), /An honest opinion/);
      const log = (await logRows()).at(-1)!;
      assert.deepEqual([log.action, log.target_id, log.user_id, log.reason], ['dismiss-flag', String(flag.id), ada.user.id, 'Disagreement is fine']);
      // A new flag may be made once the old one is closed.
      assert.equal((await ada.form(`/comments/${id}/flag`, { reason: 'spam' })).status, 303);
    });

    test('twenty flags from one member at once make one open flag', async () => {
      const id = await say(bob, 'Flag me many times');
      const answers = await Promise.all(Array.from({ length: 20 }, () => ada.form(`/comments/${id}/flag`, { reason: 'abuse' })));
      assert.deepEqual([...new Set(answers.map((r) => r.status))].sort(), [303, 409]);
      assert.equal(answers.filter((r) => r.status === 303).length, 1);
      const rows = await database.db.selectFrom('flags').select('id').where('comment_id', '=', id).where('resolved_at', 'is', null).execute();
      assert.equal(rows.length, 1);
    });

    test('suspension: who may suspend whom; a suspended member cannot post, vote, submit, flag or claim; unsuspend', async () => {
      const carol = await member('carol');
      const own = await say(carol, 'Carol was here');
      const byBob = await say(bob, 'Bob again');
      assert.equal((await ada.form('/users/carol/suspend', { reason: 'spam' })).status, 403, 'members cannot');
      assert.equal((await mod.form('/users/carol/suspend', { reason: '' })).status, 400);
      assert.equal((await mod.form('/users/root-admin/suspend', { reason: 'coup' })).status, 403, 'admins are not suspended from the site');
      assert.equal((await mod.form('/users/mona/suspend', { reason: 'tired' })).status, 403, 'nor oneself');
      assert.equal((await mod.form('/users/nobody-here/suspend', { reason: 'x' })).status, 404);
      const profile = await mod.page('/users/carol');
      assert.match(profile, /action="\/users\/carol\/suspend"/);
      const r = await mod.form('/users/carol/suspend', { reason: 'Repeated spam', next: '/users/carol' });
      assert.equal(r.status, 303);
      assert.equal(r.headers.get('location'), '/users/carol');
      assert.equal((await mod.form('/users/carol/suspend', { reason: 'again' })).status, 409);
      assert.match(await mod.page('/moderation'), /<a href="\/users\/carol">carol<\/a> · since/);
      assert.doesNotMatch(await anonPage('/users/carol'), /suspended/, 'readers are not told');

      assert.equal((await carol.form(`/papers/${PAPER}/comments`, { body: 'Still here?' })).status, 403, 'no comments');
      assert.equal((await carol.api('POST', `/api/papers/${PAPER}/comments`, { body: 'API?' })).status, 403, 'not through the API either');
      assert.equal((await carol.form(`/comments/${own}/edit`, { body: 'edit' })).status, 403, 'no edits');
      assert.equal((await carol.form(`/papers/${PAPER}/vote`, { value: '1' })).status, 403, 'no paper votes');
      assert.equal((await carol.form(`/comments/${byBob}/vote`, { value: '1' })).status, 403, 'no comment votes');
      const submitted = await carol.form('/submit', { paper: PAPER });
      assert.equal(submitted.status, 403, 'no submissions');
      assert.match(await submitted.text(), /suspended/);
      assert.equal((await carol.form(`/comments/${byBob}/flag`, { reason: 'spam' })).status, 403, 'no flags');
      assert.equal((await carol.form(`/papers/${PAPER}/claim`, { author: '0' })).status, 403, 'no claims');
      assert.match(await carol.page(`/papers/${PAPER}`), /Your account is suspended/);

      // A suspended moderator no longer moderates; a suspended editor no longer edits the lists.
      const ed = await member('eddie', 'editor');
      await admin.form('/users/eddie/suspend', { reason: 'test' });
      assert.equal((await ed.form(`/papers/${PAPER}/list`, { day: '2025-11-19' })).status, 403);
      const mod2 = await member('moe', 'moderator');
      assert.equal((await mod.form('/users/moe/suspend', { reason: 'x' })).status, 403, 'only admins suspend moderators');
      assert.equal((await admin.form('/users/moe/suspend', { reason: 'Compromised account' })).status, 303);
      assert.equal((await mod2.get('/moderation')).status, 403);

      assert.equal((await ada.form('/users/carol/unsuspend')).status, 403);
      assert.equal((await mod.form('/users/carol/unsuspend')).status, 303);
      await say(carol, 'Back again');
      const log = (await logRows()).filter((x) => x.target_type === 'user');
      assert.deepEqual(
        log.map((x) => [x.action, x.target_id, x.user_id, x.reason]),
        [
          ['suspend-user', 'carol', carol.user.id, 'Repeated spam'],
          ['suspend-user', 'eddie', ed.user.id, 'test'],
          ['suspend-user', 'moe', mod2.user.id, 'Compromised account'],
          ['unsuspend-user', 'carol', carol.user.id, null],
        ],
      );
    });

    test('posts without the CSRF token are refused and change nothing', async () => {
      const id = await say(bob, 'Keep me');
      const logBefore = (await logRows()).length;
      for (const [who, p, fields] of [
        [mod, `/comments/${id}/hide`, { reason: 'x' }],
        [mod, `/papers/${PAPER}/lock`, { reason: 'x' }],
        [mod, `/papers/${PAPER}/remove-submission`, { day: DAY, reason: 'x' }],
        [mod, '/users/bob/suspend', { reason: 'x' }],
        [ada, `/comments/${id}/flag`, { reason: 'spam' }],
        [ada, `/papers/${PAPER}/flag`, { day: DAY, reason: 'spam' }],
      ] as const) {
        const r = await who.form(p, fields, false);
        assert.equal(r.status, 403, p);
        assert.match(await r.text(), /security token is missing/);
      }
      assert.equal((await logRows()).length, logBefore);
      assert.equal((await database.db.selectFrom('flags').select('id').where('comment_id', '=', id).execute()).length, 0);
      assert.match(await anonPage(`/papers/${PAPER}`), /Keep me/);
      assert.doesNotMatch(await anonPage(`/papers/${PAPER}`), new RegExp(LOCKED_NOTICE.slice(0, 20)));
    });
  });
}
