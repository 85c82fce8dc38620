/**
 * No dead ends (issue 14): bare /papers/week and /papers/month go to the current one, unknown categories and
 * papers are 404s that show a way on, "Submit to today's list" is offered only when the rules take it, the
 * header highlights the right tab, /admin links the admin pages by role, and members edit their profile.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ENGINES } from '../helpers/db.ts';
import { sessionMember, type SessionMember } from '../helpers/members.ts';
import { startTestSite, type TestSite } from '../helpers/site.ts';

for (const engine of ENGINES) {
  describe(`dead ends on ${engine}`, () => {
    let site: TestSite;
    let ada: SessionMember;
    let unverified: SessionMember;
    let admin: SessionMember;
    let moderator: SessionMember;
    const page = async (p: string) => {
      const r = await site.server.get(p);
      return { status: r.status, location: r.headers.get('location'), body: await r.text() };
    };

    before(async () => {
      // 2511.01678 was published on Nov 3 (7 days before), 2510.22115 on Oct 25 (16 days: older than the 14 the rules take).
      site = await startTestSite(engine, { now: () => new Date('2025-11-10T12:00:00Z') });
      const base = () => site.server.base;
      ada = await sessionMember(site.database, base, 'ada');
      unverified = await sessionMember(site.database, base, 'newbie', { verified: false });
      admin = await sessionMember(site.database, base, 'root', { role: 'admin' });
      moderator = await sessionMember(site.database, base, 'mod', { role: 'moderator' });
    });
    after(() => site?.close());

    test('/papers/week and /papers/month without an argument go to the newest list’s week and month', async () => {
      assert.deepEqual(await page('/papers/week').then((r) => [r.status, r.location]), [302, '/papers/week/2025-W45']);
      assert.deepEqual(await page('/papers/month').then((r) => [r.status, r.location]), [302, '/papers/month/2025-11']);
      assert.equal((await page('/papers/week/2025-W45')).status, 200);
    });

    test('the header highlights Daily on a day’s list only; the period switch says weekly and monthly', async () => {
      const current = (body: string) => [...body.matchAll(/<a href="([^"]+)"[^>]*aria-current="page"/g)].map((m) => m[1]);
      assert.deepEqual(current((await page('/papers/date/2025-11-04')).body), ['/papers', '/papers/date/2025-11-04']);
      assert.deepEqual(current((await page('/papers/week/2025-W45')).body), ['/papers/week/2025-W45']);
      assert.deepEqual(current((await page('/papers/month/2025-11')).body), ['/papers/month/2025-11']);
    });

    test('a category page names the category and shows its feed; an unknown one is a 404 listing arXiv’s', async () => {
      const cl = await page('/papers/category/cs.CL');
      assert.equal(cl.status, 200);
      assert.match(cl.body, /<h1>Computation and Language<\/h1>/);
      assert.match(cl.body, /<a class="button ghost small-feed" href="\/feeds\/categories\/cs\.CL\.rss">RSS feed<\/a>/);
      assert.equal((await page('/papers/category/cond-mat.stat-mech')).status, 200, 'hyphenated physics subjects are categories');
      const unknown = await page('/papers/category/cs.XX');
      assert.equal(unknown.status, 404);
      assert.match(unknown.body, /arXiv has no category “cs\.XX”/);
      assert.match(unknown.body, /<a href="\/papers\/category\/cs\.CL"><code>cs\.CL<\/code> Computation and Language<\/a>/);
      assert.equal((await page('/papers/category/not..a..category')).status, 400);
    });

    test('an unknown arXiv id is a 404 linking to arXiv and offering to fetch it, which survives the log-in', async () => {
      const r = await page('/papers/2601.00001');
      assert.equal(r.status, 404);
      assert.match(r.body, /<a href="https:\/\/arxiv\.org\/abs\/2601\.00001" rel="noopener">arXiv:2601\.00001 ↗<\/a>/);
      assert.match(r.body, /<form class="fetch-offer" method="get" action="\/submit"><input type="hidden" name="paper" value="2601\.00001">/);
      assert.doesNotMatch(r.body, /It may exist on arXiv: https:/, 'no address printed as text');
      const anon = await page('/submit?paper=2601.00001');
      assert.equal(anon.status, 303);
      assert.equal(anon.location, `/login?next=${encodeURIComponent('/submit?paper=2601.00001')}`);
      assert.match(await ada.page('/submit?paper=2601.00001'), /value="2601\.00001"/);
    });

    test('“Submit to today’s list” is offered only when the submission rules would take it', async () => {
      const OFFER = /Submit to today’s list/;
      assert.match(await ada.page('/papers/2511.01678'), OFFER, 'a 7-day-old paper');
      assert.doesNotMatch(await ada.page('/papers/2510.22115'), OFFER, 'a 16-day-old paper would be refused');
      assert.match(await admin.page('/papers/2510.22115'), OFFER, 'editors and up may list older papers');
      assert.doesNotMatch(await unverified.page('/papers/2511.01678'), OFFER, 'an unconfirmed address may not submit');
      assert.doesNotMatch((await page('/papers/2511.01678')).body, OFFER, 'visitors log in first');
      const posted = await ada.form('/submit', { paper: '2511.01678' });
      assert.equal(posted.status, 303);
      assert.doesNotMatch(await ada.page('/papers/2511.01678'), OFFER, 'already on today’s list');
    });

    test('the comment count links to Hugging Face’s thread when the comments are there', async () => {
      assert.match((await page('/papers/2510.22115')).body, /1 comment: <a href="https:\/\/huggingface\.co\/papers\/2510\.22115#community" rel="noopener">1 on Hugging Face<\/a>, 0 here\./);
    });

    test('/admin links the admin pages each role opens, and the member menu links /admin', async () => {
      assert.equal((await page('/admin')).status, 303);
      assert.equal((await ada.get('/admin')).status, 403);
      const all = await admin.page('/admin');
      for (const href of ['/admin/outbox', '/admin/jobs', '/admin/organizations', '/admin/mail-preview', '/moderation', '/moderation/log']) {
        assert.match(all, new RegExp(`<a href="${href}">`), href);
      }
      const mod = await moderator.page('/admin');
      assert.match(mod, /<a href="\/moderation">/);
      assert.doesNotMatch(mod, /<a href="\/admin\/jobs">/);
      assert.match(await admin.page('/papers'), /<details class="member-menu">[\s\S]*<a href="\/admin">Admin<\/a>/);
      assert.doesNotMatch(await ada.page('/papers'), /<a href="\/admin">/);
    });

    test('members set a display name and bio, escaped and length-limited; the profile shows them with a drawn avatar', async () => {
      assert.equal((await ada.form('/settings/profile', { display_name: 'Ada <i>L</i>', bio: 'Hi <script>x()</script>' }, false)).status, 403, 'CSRF');
      const saved = await ada.form('/settings/profile', { display_name: '  Ada <i>L</i> ', bio: 'Hi <script>x()</script>' });
      assert.equal(saved.status, 303);
      const profile = (await page('/users/ada')).body;
      assert.match(profile, /<h1>Ada &lt;i&gt;L&lt;\/i&gt; <span class="meta-line">@ada<\/span><\/h1>/);
      assert.match(profile, /<p class="bio">Hi &lt;script&gt;x\(\)&lt;\/script&gt;<\/p>/);
      assert.match(profile, /<svg class="avatar"[^>]*role="img"[^>]*>.*<text[^>]*>AI<\/text><\/svg>/, 'initials of the display name: Ada, <i>…');
      assert.match(await ada.page('/settings'), /<textarea id="f-bio" name="bio" rows="3" maxlength="300">Hi &lt;script&gt;/);
      const long = await ada.form('/settings/profile', { display_name: 'Ada', bio: 'x'.repeat(301) });
      assert.equal(long.status, 400);
      assert.match(await long.text(), /at most 300 characters/);
      assert.match((await page('/users/ada')).body, /<p class="bio">Hi &lt;script&gt;/, 'nothing half-written');
    });

    test('API docs show code as code, not backticks; /admin/jobs has no empty column header', async () => {
      const docs = (await page('/docs/api')).body;
      assert.match(docs, /<code>/);
      assert.doesNotMatch(docs.replace(/<pre>[\s\S]*?<\/pre>/g, '').replace(/<script[\s\S]*?<\/script>/g, ''), /`/);
      assert.doesNotMatch(await admin.page('/admin/jobs'), /<th><\/th>/);
    });
  });
}
