import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { hashToken, newToken, sessionCsrfToken } from '../../src/auth/crypto.ts';
import type { Database } from '../../src/db/connection.ts';
import { createSession, createUser, markEmailVerified } from '../../src/db/queries/users.ts';
import { EDIT_WINDOW_MINUTES, MAX_COMMENT_LENGTH } from '../../src/domain/comments.ts';
import { importFiles, listInputFiles } from '../../src/importers/import-files.ts';
import { ENGINES, openTestDatabase } from '../helpers/db.ts';
import { startTestServer, type TestServer } from '../helpers/http.ts';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { createMailer } from '../../src/email/mailer.ts';
import { deliverOutbox } from '../../src/email/delivery.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures');
const PAPER = '2511.01678'; // listed on 2025-11-04 with 1 comment counted on Hugging Face
const OTHER = '2510.22115'; // the same day, 1 comment on Hugging Face
const DAY = '2025-11-04';
const START = new Date('2025-11-20T12:00:00.000Z');

interface CommentJson {
  id: number;
  paperId: string;
  parentId: number | null;
  depth?: number;
  author: { username: string } | null;
  body: string | null;
  html: string | null;
  createdAt: string;
  editedAt: string | null;
  deleted: boolean;
  score: number;
  upvoted: boolean;
  editable: boolean;
}
interface Thread {
  paperId: string;
  sort: string;
  numComments: number;
  comments: CommentJson[];
}

for (const engine of ENGINES) {
  describe(`discussion on ${engine}`, () => {
    let database: Database;
    let server: TestServer;
    let smtp: TestSmtp;
    let clock = START;
    before(async () => {
      database = await openTestDatabase(engine);
      await importFiles(database, await listInputFiles([path.join(FIXTURES, 'hf-daily'), path.join(FIXTURES, 'arxiv-snapshot/snapshot.jsonl')]));
      smtp = await startTestSmtp();
      server = await startTestServer(database, { smtpUrl: smtp.url, now: () => clock });
    });
    after(async () => {
      await server.close();
      await smtp.close();
      await database.close();
    });

    /** Runs the deliver-outbox job once. */
    const deliver = async () => {
      const mailer = createMailer(database, { smtpUrl: smtp.url, from: 'Daily Papers <papers@papers.test>' });
      try {
        await deliverOutbox(database, mailer);
      } finally {
        mailer.close();
      }
    };

    /** A member with a session and a CSRF token, made directly in the database; posts forms and calls the API. */
    async function member(username: string, opts: { verified?: boolean } = {}) {
      const user = await createUser(database.db, { username, email: `${username}@example.org`, passwordHash: null });
      if (opts.verified !== false) await markEmailVerified(database.db, user.id);
      const session = newToken();
      await createSession(database.db, { tokenHash: hashToken(session), userId: user.id, expiresAt: new Date(Date.now() + 3_600_000).toISOString(), userAgent: null });
      const csrf = sessionCsrfToken(session); // bound to the session (src/http/middleware/csrf.ts)
      const cookie = `dp_session=${session}; dp_csrf=${csrf}`;
      return {
        user,
        form: (p: string, fields: Record<string, string>, withCsrf = true) =>
          fetch(server.base + p, {
            method: 'POST',
            redirect: 'manual',
            headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams(withCsrf ? { _csrf: csrf, ...fields } : fields).toString(),
          }),
        api: (method: string, p: string, body?: unknown, headers: Record<string, string> = {}) =>
          fetch(server.base + p, {
            method,
            headers: { cookie, 'x-csrf-token': csrf, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
            body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
          }),
        page: (p: string) => fetch(server.base + p, { headers: { cookie } }).then((r) => r.text()),
      };
    }
    type Member = Awaited<ReturnType<typeof member>>;

    const thread = async (paper = PAPER, query = '') => (await (await fetch(`${server.base}/api/papers/${paper}/comments${query}`)).json()) as Thread;
    const anonPage = async (p: string) => (await fetch(server.base + p)).text();
    /** Posts through the API and returns the new comment. */
    const say = async (m: Member, body: string, opts: { paper?: string; parentId?: number } = {}) => {
      const r = await m.api('POST', `/api/papers/${opts.paper ?? PAPER}/comments`, { body, ...(opts.parentId ? { parentId: opts.parentId } : {}) });
      assert.equal(r.status, 201, await r.clone().text());
      return (await r.json()) as CommentJson;
    };

    let ada: Member;
    let bob: Member;
    before(async () => {
      ada = await member('ada');
      bob = await member('bob');
    });

    test('anonymous visitors read the discussion and get a link to log in and come back', async () => {
      const page = await anonPage(`/papers/${PAPER}`);
      assert.match(page, /<section id="discussion"[\s\S]*1 comment: <a href="https:\/\/huggingface\.co\/papers\/[^"]+#community" rel="noopener">1 on Hugging Face<\/a>, 0 here\./);
      assert.match(page, /<a class="button ghost" href="\/login\?next=%2Fpapers%2F2511\.01678%23discussion">Log in to comment<\/a>/);
      assert.doesNotMatch(page, /<textarea/);
      assert.deepEqual(await thread(), { paperId: PAPER, sort: 'best', numComments: 1, comments: [] });
      const signedIn = await ada.page(`/papers/${PAPER}`);
      assert.match(signedIn, /<form class="comment-form" method="post" action="\/papers\/2511\.01678\/comments">\s*<input type="hidden" name="_csrf" value="[\w-]{43}">/);
    });

    test('post and reply without JavaScript: 303 back to the comment, Markdown and math rendered, replies nested', async () => {
      const r = await ada.form(`/papers/${PAPER}/comments`, { body: 'A **strong** result: $x^2$, `code()` and https://example.org/a\r\n\r\n```py\nprint(1 < 2)\n```' });
      assert.equal(r.status, 303);
      const m = /^\/papers\/2511\.01678#comment-(\d+)$/.exec(r.headers.get('location') ?? '');
      assert.ok(m, r.headers.get('location') ?? 'no location');
      const first = Number(m[1]);
      const reply = await bob.form(`/papers/${PAPER}/comments`, { body: 'Agreed.', parent_id: String(first) });
      assert.equal(reply.status, 303);
      const second = Number(/#comment-(\d+)$/.exec(reply.headers.get('location')!)![1]);

      const page = await anonPage(`/papers/${PAPER}`);
      assert.match(page, /<strong>strong<\/strong> result: <span class="katex"><math/);
      assert.match(page, /<code>code\(\)<\/code>/);
      assert.match(page, /<a href="https:\/\/example\.org\/a" rel="nofollow ugc noopener">https:\/\/example\.org\/a<\/a>/);
      assert.match(page, /<pre><code class="language-py">print\(1 &lt; 2\)\n<\/code><\/pre>/);
      assert.match(page, new RegExp(`<li class="comment" id="comment-${first}">[\\s\\S]*?<span class="comment-author">ada</span>[\\s\\S]*?<ol class="comments replies"><li class="comment" id="comment-${second}">[\\s\\S]*?<span class="comment-author">bob</span>`));

      const t = await thread();
      assert.equal(t.comments.length, 2);
      const [a, b] = t.comments;
      assert.deepEqual({ id: a!.id, parentId: a!.parentId, depth: a!.depth, author: a!.author, deleted: a!.deleted, score: a!.score, editedAt: a!.editedAt }, { id: first, parentId: null, depth: 0, author: { username: 'ada' }, deleted: false, score: 0, editedAt: null });
      assert.equal(a!.body, 'A **strong** result: $x^2$, `code()` and https://example.org/a\n\n```py\nprint(1 < 2)\n```', 'the source as written, line breaks as \\n');
      assert.equal(a!.createdAt, START.toISOString());
      assert.deepEqual({ id: b!.id, parentId: b!.parentId, depth: b!.depth, html: b!.html }, { id: second, parentId: first, depth: 1, html: '<p>Agreed.</p>\n' });
    });

    test('hostile input is escaped: no script, no javascript: link, no raw HTML, no image', async () => {
      const evil = '<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)> <a href="javascript:alert(2)">y</a> ![i](https://evil.example/i.png) <b onmouseover=alert(3)>b</b>';
      const c = await say(bob, evil);
      assert.doesNotMatch(c.html!, /<script|<img|<b |href="javascript/i);
      assert.match(c.html!, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
      assert.match(c.html!, /\[x\]\(javascript:alert\(1\)\)/);
      assert.match(c.html!, /!<a href="https:\/\/evil\.example\/i\.png" rel="nofollow ugc noopener">i<\/a>/);
      const page = await anonPage(`/papers/${PAPER}`);
      assert.doesNotMatch(page, /<script>alert|<img src=x|href="javascript:/);
      // The source comes back as written in the API (JSON-escaped); in the page it is only ever in a textarea, escaped.
      assert.equal(c.body, evil);
      const own = await bob.page(`/papers/${PAPER}`);
      assert.match(own, /<textarea id="edit-\d+"[^>]*>\n&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
      assert.equal((await bob.api('DELETE', `/api/comments/${c.id}`)).status, 200);
    });

    test(`edit within ${EDIT_WINDOW_MINUTES} minutes by the author only; refused after; someone else cannot edit or delete (403)`, async () => {
      const c = await say(ada, 'First version');
      assert.equal(c.editable, true);
      clock = new Date(START.getTime() + 5 * 60_000);
      const edited = await ada.form(`/comments/${c.id}/edit`, { body: 'Second *version*' });
      assert.equal(edited.status, 303);
      assert.equal(edited.headers.get('location'), `/papers/${PAPER}#comment-${c.id}`);
      const byApi = await ada.api('PATCH', `/api/comments/${c.id}`, { body: 'Third *version*' });
      assert.equal(byApi.status, 200);
      const json = (await byApi.json()) as CommentJson;
      assert.equal(json.html, '<p>Third <em>version</em></p>\n');
      assert.equal(json.editedAt, clock.toISOString());
      assert.match(await anonPage(`/papers/${PAPER}`), new RegExp(`id="comment-${c.id}">[\\s\\S]*?<span class="comment-edited"[^>]*>edited</span>[\\s\\S]*?<p>Third <em>version</em></p>`));

      const mallory = await member('mallory');
      assert.equal((await mallory.api('PATCH', `/api/comments/${c.id}`, { body: 'pwned' })).status, 403);
      assert.equal((await mallory.form(`/comments/${c.id}/edit`, { body: 'pwned' })).status, 403);
      assert.equal((await mallory.api('DELETE', `/api/comments/${c.id}`)).status, 403);
      assert.equal((await mallory.form(`/comments/${c.id}/delete`, {})).status, 403);

      clock = new Date(START.getTime() + (EDIT_WINDOW_MINUTES + 1) * 60_000);
      const late = await ada.api('PATCH', `/api/comments/${c.id}`, { body: 'Too late' });
      assert.equal(late.status, 409);
      assert.match(((await late.json()) as { error: string }).error, /15 minutes/);
      const lateForm = await ada.form(`/comments/${c.id}/edit`, { body: 'Too late' });
      assert.equal(lateForm.status, 409);
      assert.doesNotMatch(await ada.page(`/papers/${PAPER}`), new RegExp(`id="edit-${c.id}"`), 'no edit form once the window has closed');
      const t = await thread();
      assert.equal(t.comments.find((x) => x.id === c.id)!.body, 'Third *version*');
      clock = START;
    });

    test('delete keeps the replies; the comment shows [deleted] and cannot be replied to or voted on', async () => {
      const carol = await member('carol');
      const dave = await member('dave');
      const parent = await say(carol, 'I will regret this');
      const child = await say(dave, 'A reply that stays', { parentId: parent.id });
      const before = (await thread()).numComments;
      const r = await carol.form(`/comments/${parent.id}/delete`, {});
      assert.equal(r.status, 303);
      assert.equal(r.headers.get('location'), `/papers/${PAPER}#comment-${parent.id}`);
      const t = await thread();
      assert.equal(t.numComments, before - 1);
      const gone = t.comments.find((x) => x.id === parent.id)!;
      assert.deepEqual({ deleted: gone.deleted, author: gone.author, body: gone.body, html: gone.html }, { deleted: true, author: null, body: null, html: null });
      const kept = t.comments.find((x) => x.id === child.id)!;
      assert.deepEqual({ parentId: kept.parentId, depth: kept.depth, body: kept.body }, { parentId: parent.id, depth: 1, body: 'A reply that stays' });
      const page = await anonPage(`/papers/${PAPER}`);
      assert.match(page, new RegExp(`id="comment-${parent.id}">[\\s\\S]*?<p class="comment-gone">\\[deleted\\]</p>[\\s\\S]*?id="comment-${child.id}">[\\s\\S]*?A reply that stays`));
      assert.doesNotMatch(page, /I will regret this/);
      assert.equal((await dave.api('POST', `/api/papers/${PAPER}/comments`, { body: 'hello?', parentId: parent.id })).status, 409);
      assert.equal((await dave.api('POST', `/api/comments/${parent.id}/vote`, { value: 1 })).status, 409);
      const again = await carol.api('DELETE', `/api/comments/${parent.id}`);
      assert.equal(again.status, 200, 'deleting twice is not an error');
      assert.equal((await thread()).numComments, before - 1, 'and counts once');
    });

    test('upvotes on comments: 50 at once count 50; a double click is one vote; set, not toggle; not your own', async () => {
      const erin = await member('erin');
      const c = await say(erin, 'Vote for me');
      const voters: Member[] = [];
      for (let i = 0; i < 50; i++) voters.push(await member(`cvoter-${i}`));
      const results = await Promise.all(voters.map((v) => v.api('POST', `/api/comments/${c.id}/vote`, { value: 1 })));
      assert.deepEqual([...new Set(results.map((r) => r.status))], [200]);
      const score = async () => (await thread()).comments.find((x) => x.id === c.id)!.score;
      assert.equal(await score(), 50);
      const twice = await Promise.all(Array.from({ length: 10 }, () => voters[0]!.api('POST', `/api/comments/${c.id}/vote`, { value: 1 })));
      assert.ok(twice.every((r) => r.status === 200));
      assert.deepEqual(await twice[0]!.json(), { upvoted: true, score: 50 });
      const form = await voters[1]!.form(`/comments/${c.id}/vote`, { value: '0', next: `/papers/${PAPER}?sort=new#comment-${c.id}` });
      assert.equal(form.status, 303);
      assert.equal(form.headers.get('location'), `/papers/${PAPER}?sort=new#comment-${c.id}`);
      assert.equal(await score(), 49);
      assert.equal((await voters[1]!.api('POST', `/api/comments/${c.id}/vote`, { value: 0 })).status, 200);
      assert.equal(await score(), 49, 'taking back twice is one');
      const rows = await database.db.selectFrom('comment_votes').select((eb) => eb.fn.countAll<number>().as('n')).where('comment_id', '=', c.id).executeTakeFirstOrThrow();
      assert.equal(Number(rows.n), 49);
      assert.equal((await erin.api('POST', `/api/comments/${c.id}/vote`, { value: 1 })).status, 403);
      const voted = await voters[0]!.page(`/papers/${PAPER}`);
      assert.match(voted, new RegExp(`action="/comments/${c.id}/vote">[\\s\\S]*?name="value" value="0"[\\s\\S]*?aria-pressed="true"[\\s\\S]*?<span class="count">49</span>`));
      const mine = (await thread('' + PAPER)).comments.find((x) => x.id === c.id)!;
      assert.equal(mine.upvoted, false, 'anonymous readers have upvoted nothing');
      assert.equal(((await (await voters[0]!.api('GET', `/api/papers/${PAPER}/comments`)).json()) as Thread).comments.find((x) => x.id === c.id)!.upvoted, true);
    });

    test('order: best by Wilson score (ties to the older), ?sort=new newest first; replies under their parent', async () => {
      const fans: Member[] = [];
      for (let i = 0; i < 3; i++) fans.push(await member(`fan-${i}`));
      const c1 = await say(ada, 'oldest, no votes', { paper: OTHER });
      clock = new Date(START.getTime() + 60_000);
      const c2 = await say(ada, 'middle, three votes', { paper: OTHER });
      clock = new Date(START.getTime() + 120_000);
      const c3 = await say(ada, 'newest, one vote', { paper: OTHER });
      clock = new Date(START.getTime() + 180_000);
      const r1 = await say(bob, 'reply to the oldest', { paper: OTHER, parentId: c1.id });
      clock = START;
      for (const f of fans) await f.api('POST', `/api/comments/${c2.id}/vote`, { value: 1 });
      await fans[0]!.api('POST', `/api/comments/${c3.id}/vote`, { value: 1 });
      const best = await thread(OTHER);
      assert.deepEqual(best.comments.map((c) => c.id), [c2.id, c3.id, c1.id, r1.id]);
      const fresh = await thread(OTHER, '?sort=new');
      assert.equal(fresh.sort, 'new');
      assert.deepEqual(fresh.comments.map((c) => c.id), [c3.id, c2.id, c1.id, r1.id]);
      const order = (html: string) => [...html.matchAll(/<li class="comment[^"]*" id="comment-(\d+)">/g)].map((m) => Number(m[1]));
      assert.deepEqual(order(await anonPage(`/papers/${OTHER}`)), [c2.id, c3.id, c1.id, r1.id]);
      const newPage = await anonPage(`/papers/${OTHER}?sort=new`);
      assert.deepEqual(order(newPage), [c3.id, c2.id, c1.id, r1.id]);
      assert.match(newPage, /<a href="\/papers\/2510\.22115\?sort=new#discussion" aria-current="page">Newest<\/a>/);
      assert.equal((await fetch(`${server.base}/api/papers/${OTHER}/comments?sort=top`)).status, 400);
    });

    test('deep threads nest up to the cap; deeper replies say whom they answer', async () => {
      let parent: number | undefined;
      const ids: number[] = [];
      for (let i = 0; i < 9; i++) {
        const c = await say(i % 2 ? bob : ada, `level ${i}`, { paper: OTHER, parentId: parent });
        ids.push(c.id);
        parent = c.id;
      }
      const t = await thread(OTHER);
      assert.equal(t.comments.find((c) => c.id === ids[8])!.depth, 8);
      const page = await anonPage(`/papers/${OTHER}`);
      const chain = page.slice(page.indexOf(`id="comment-${ids[0]}"`));
      assert.equal(chain.split('<ol class="comments replies">').length - 1, 6, 'six levels of replies shown');
      assert.match(page, new RegExp(`id="comment-${ids[8]}">[\\s\\S]*?<a class="comment-parent" href="#comment-${ids[7]}">in reply to bob</a>`));
    });

    test('live counts: the day page, the paper page and /api/daily_papers add this site’s comments to Hugging Face’s', async () => {
      const numComments = async () => {
        const list = (await (await fetch(`${server.base}/api/daily_papers?date=${DAY}`)).json()) as { paper: { id: string }; numComments: number }[];
        return list.find((e) => e.paper.id === PAPER)!.numComments;
      };
      const local = (await thread()).comments.filter((c) => !c.deleted).length;
      assert.ok(local > 0);
      assert.equal(await numComments(), 1 + local);
      assert.equal((await thread()).numComments, 1 + local);
      const dayPage = await anonPage(`/papers/date/${DAY}`); // cached from here on
      assert.match(dayPage, new RegExp(`href="/papers/${PAPER}#discussion" title="${1 + local} comments"`));
      const c = await say(bob, 'One more');
      assert.equal(await numComments(), 2 + local);
      assert.match(await anonPage(`/papers/date/${DAY}`), new RegExp(`href="/papers/${PAPER}#discussion" title="${2 + local} comments"`), 'the cached page is refreshed');
      assert.match(await anonPage(`/papers/${PAPER}`), new RegExp(`${2 + local} comments: <a [^>]+>1 on Hugging Face</a>, ${1 + local} here\\.`));
      await bob.api('DELETE', `/api/comments/${c.id}`);
      assert.equal(await numComments(), 1 + local);
      const paper = await database.db.selectFrom('papers').select('comments_count').where('id', '=', PAPER).executeTakeFirstOrThrow();
      assert.equal(paper.comments_count, local);
    });

    test('old-style ids have threads too; a paper on no list counts only this site’s comments, on category pages as well', async () => {
      const r = await bob.form('/papers/hep-th/9711200/comments', { body: 'A classic.' });
      assert.equal(r.status, 303);
      const id = Number(/^\/papers\/hep-th\/9711200#comment-(\d+)$/.exec(r.headers.get('location') ?? '')?.[1]);
      assert.ok(id > 0, r.headers.get('location') ?? '');
      const t = await thread('hep-th/9711200');
      assert.deepEqual({ paperId: t.paperId, numComments: t.numComments, ids: t.comments.map((c) => c.id) }, { paperId: 'hep-th/9711200', numComments: 1, ids: [id] });
      assert.match(await anonPage('/papers/hep-th/9711200'), /<p class="meta-line">1 comment<\/p>/);
      assert.match(await anonPage('/papers/category/hep-th'), /href="\/papers\/hep-th\/9711200#discussion" title="1 comment"/);
    });

    test('mentions mail each existing member once per comment, never the author, not from code', async () => {
      const frank = await member('frank');
      const grace = await member('grace');
      await member('nomail', { verified: false });
      await deliver(); // the reply mails of earlier tests (src/notify/events.ts) go first
      await new Promise((r) => setTimeout(r, 200));
      const before = smtp.messages.length;
      const c = await say(ada, 'Thoughts, @frank? And @Frank again, @ada (myself), @nomail, @nobody-here, `@grace`.');
      await deliver(); // mentions are enqueued for the deliver-outbox job, not sent inline
      const mail = await smtp.waitFor((m) => JSON.stringify(m.to).includes('frank@example.org'));
      assert.equal(mail.subject, 'ada mentioned you on Daily Papers');
      assert.match(mail.text ?? '', new RegExp(`http://papers\\.test/papers/${PAPER}#comment-${c.id}`));
      assert.match(mail.text ?? '', /> Thoughts, @frank\?/);
      assert.equal(smtp.messages.length, before + 1, 'one mail: frank once; not ada, not an unconfirmed address, not from code');
      // An edit that adds a mention mails the new member only.
      assert.equal((await ada.api('PATCH', `/api/comments/${c.id}`, { body: 'Thoughts, @frank and @grace?' })).status, 200);
      await deliver();
      await smtp.waitFor((m) => JSON.stringify(m.to).includes('grace@example.org'));
      assert.equal(smtp.messages.length, before + 2);
      assert.ok(grace.user.id > 0);
      const rows = await database.db.selectFrom('comment_mentions').select('user_id').where('comment_id', '=', c.id).execute();
      assert.deepEqual(rows.map((r) => r.user_id).sort(), [frank.user.id, grace.user.id].sort());
    });

    test('unconfirmed and suspended members read but cannot post, edit, delete or vote', async () => {
      const newbie = await member('newbie', { verified: false });
      const r = await newbie.form(`/papers/${PAPER}/comments`, { body: 'hello' });
      assert.equal(r.status, 403);
      assert.match(await r.text(), /confirm your email address first/);
      assert.equal((await newbie.api('POST', `/api/papers/${PAPER}/comments`, { body: 'hello' })).status, 403);
      const page = await newbie.page(`/papers/${PAPER}`);
      assert.match(page, /Please confirm your email address to take part in the discussion/);
      assert.doesNotMatch(page, /<textarea/);

      const henry = await member('henry');
      const c = await say(henry, 'before the suspension');
      await database.db.updateTable('users').set({ suspended_at: clock.toISOString() }).where('id', '=', henry.user.id).execute();
      assert.equal((await henry.api('POST', `/api/papers/${PAPER}/comments`, { body: 'after' })).status, 403);
      assert.equal((await henry.api('PATCH', `/api/comments/${c.id}`, { body: 'after' })).status, 403);
      assert.equal((await henry.api('DELETE', `/api/comments/${c.id}`)).status, 403);
      assert.equal((await henry.api('POST', `/api/comments/${c.id}/vote`, { value: 1 })).status, 403);
      assert.match(await henry.page(`/papers/${PAPER}`), /Your account is suspended/);
    });

    test('no CSRF token 403; anonymous 401 (API) or sent to log in (forms)', async () => {
      assert.equal((await ada.form(`/papers/${PAPER}/comments`, { body: 'forged' }, false)).status, 403);
      const noHeader = await ada.api('POST', `/api/papers/${PAPER}/comments`, { body: 'forged' }, { 'x-csrf-token': '' });
      assert.equal(noHeader.status, 403);
      assert.match(((await noHeader.json()) as { error: string }).error, /forbidden/);
      const csrf = newToken();
      const anon = await fetch(`${server.base}/api/papers/${PAPER}/comments`, {
        method: 'POST',
        headers: { cookie: `dp_csrf=${csrf}`, 'x-csrf-token': csrf, 'content-type': 'application/json' },
        body: JSON.stringify({ body: 'who am I' }),
      });
      assert.equal(anon.status, 401);
      assert.deepEqual(await anon.json(), { error: 'log in to take part in discussions' });
      const anonForm = await fetch(`${server.base}/papers/${PAPER}/comments`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: `dp_csrf=${csrf}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrf, body: 'who am I' }).toString(),
      });
      assert.equal(anonForm.status, 303);
      assert.equal(anonForm.headers.get('location'), '/login?next=%2Fpapers%2F2511.01678%23discussion');
    });

    test('empty bodies 400, oversize 413, malformed input 400, unknown paper or comment 404; never 500', async () => {
      const status = async (r: Promise<Response>) => (await r).status;
      const error = async (r: Promise<Response>) => ((await (await r).json()) as { error: string }).error;
      assert.match(await error(ada.api('POST', `/api/papers/${PAPER}/comments`, { body: '' })), /cannot be empty/);
      assert.equal(await status(ada.api('POST', `/api/papers/${PAPER}/comments`, { body: ' \n ' })), 400);
      assert.match(await error(ada.api('POST', `/api/papers/${PAPER}/comments`, { body: 'x'.repeat(MAX_COMMENT_LENGTH + 1) })), /at most 10,000 characters/);
      assert.equal(await status(ada.api('POST', `/api/papers/${PAPER}/comments`, { body: 'x'.repeat(MAX_COMMENT_LENGTH) })), 201);
      assert.equal(await status(ada.api('POST', `/api/papers/${PAPER}/comments`, { body: 'x'.repeat(500_000) })), 413, 'refused before it is read');
      assert.equal(await status(ada.api('POST', `/api/papers/${PAPER}/comments`, '{"body": ')), 400);
      assert.equal(await status(ada.api('POST', `/api/papers/${PAPER}/comments`, '["body"]')), 400);
      assert.equal(await status(ada.api('POST', `/api/papers/${PAPER}/comments`, { body: 42 })), 400);
      assert.equal(await status(ada.api('POST', `/api/papers/${PAPER}/comments`, { body: 'hi', parentId: 'one' })), 400);
      assert.equal(await status(ada.api('POST', `/api/papers/${PAPER}/comments`, { body: 'hi', parentId: 99_999_999_999 })), 404);
      assert.equal(await status(ada.api('POST', `/api/papers/${PAPER}/comments`, { body: 'hi', parentId: 2_000_000_000 })), 404);
      const elsewhere = await say(ada, 'on the other paper', { paper: OTHER });
      assert.equal(await status(ada.api('POST', `/api/papers/${PAPER}/comments`, { body: 'hi', parentId: elsewhere.id })), 404, 'a parent on another paper');
      assert.equal(await status(ada.api('POST', `/api/comments/${elsewhere.id}/vote`, { value: 2 })), 400);
      assert.equal(await status(ada.api('PATCH', `/api/comments/${elsewhere.id}`, { text: 'wrong field' })), 400);

      // The form sends the text back with the problem, so that nothing typed is lost.
      const empty = await ada.form(`/papers/${PAPER}/comments`, { body: '   ' });
      assert.equal(empty.status, 400);
      const long = await ada.form(`/papers/${PAPER}/comments`, { body: `<b>draft</b> ${'y'.repeat(MAX_COMMENT_LENGTH)}` });
      assert.equal(long.status, 400);
      const longPage = await long.text();
      assert.match(longPage, /A comment has at most 10,000 characters/);
      assert.match(longPage, /<textarea id="retry-comment" name="body"[^>]*>\n&lt;b&gt;draft&lt;\/b&gt; y{100}/);

      assert.equal(await status(fetch(`${server.base}/api/papers/2401.99999/comments`)), 404);
      assert.equal(await status(ada.api('POST', '/api/papers/2401.99999/comments', { body: 'hi' })), 404);
      assert.equal(await status(ada.form('/papers/2401.99999/comments', { body: 'hi' })), 404);
      assert.equal(await status(fetch(`${server.base}/api/papers/not-an-id/comments`)), 400);
      for (const id of ['999999', '99999999999999999999']) {
        assert.equal(await status(ada.api('PATCH', `/api/comments/${id}`, { body: 'hi' })), 404, id);
        assert.equal(await status(ada.api('DELETE', `/api/comments/${id}`)), 404, id);
        assert.equal(await status(ada.api('POST', `/api/comments/${id}/vote`, { value: 1 })), 404, id);
        assert.equal(await status(ada.form(`/comments/${id}/delete`, {})), 404, id);
        assert.equal(await status(fetch(`${server.base}/comments/${id}`, { redirect: 'manual' })), 404, id);
      }
      const permalink = await fetch(`${server.base}/comments/${elsewhere.id}`, { redirect: 'manual' });
      assert.equal(permalink.status, 302);
      assert.equal(permalink.headers.get('location'), `/papers/${OTHER}#comment-${elsewhere.id}`);
    });
  });
}
