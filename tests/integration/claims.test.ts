import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Database } from '../../src/db/connection.ts';
import type { Role } from '../../src/db/schema.ts';
import { addEntry } from '../../src/db/queries/submissions.ts';
import { DEFAULT_RULES } from '../../src/domain/submission-rules.ts';
import { importFiles, listInputFiles } from '../../src/importers/import-files.ts';
import { sessionMember, type SessionMember } from '../helpers/members.ts';
import { ENGINES, openTestDatabase } from '../helpers/db.ts';
import { startTestServer, type TestServer } from '../helpers/http.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures');
const PAPER = '2511.01678'; // authors: Tianyu Fu, Yu Wang
const OTHER = '2510.22115'; // authors: Ling-Team, Ang Li
const NOW = new Date('2025-11-20T12:00:00.000Z');

for (const engine of ENGINES) {
  describe(`authorship claims and profiles on ${engine}`, () => {
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

    const member = (username: string, opts: { role?: Role; verified?: boolean; base?: () => string } = {}) =>
      sessionMember(database, opts.base ?? (() => server.base), username, opts);
    type Member = SessionMember;

    const anonPage = async (p: string) => (await fetch(server.base + p)).text();
    const claimOf = (userId: number, paperId: string) =>
      database.db.selectFrom('author_claims').selectAll().where('user_id', '=', userId).where('paper_id', '=', paperId).orderBy('id', 'desc').executeTakeFirstOrThrow();

    let mod: Member;
    let yu: Member;
    let bob: Member;
    before(async () => {
      await member('site-admin', { role: 'admin' });
      mod = await member('mona', { role: 'moderator' });
      yu = await member('yu');
      bob = await member('bob');
    });

    test('claim → pending → a member cannot approve, a moderator approves → the name links to the profile, which lists the paper', async () => {
      const page = await yu.page(`/papers/${PAPER}`);
      assert.match(page, new RegExp(`<form class="mod-form" method="post" action="/papers/${PAPER}/claim">\\s*<input type="hidden" name="_csrf" value="[\\w-]{43}">`));
      assert.match(page, /<option value="0">Tianyu Fu<\/option><option value="1">Yu Wang<\/option>/);
      assert.doesNotMatch(await anonPage(`/papers/${PAPER}`), /\/claim"/, 'anonymous visitors have no claim form');

      const r = await yu.form(`/papers/${PAPER}/claim`, { author: '1' });
      assert.equal(r.status, 303);
      assert.equal(r.headers.get('location'), `/papers/${PAPER}?notice=claimed#authorship`);
      assert.match(await yu.page(`/papers/${PAPER}?notice=claimed`), /a moderator will check your claim[\s\S]*Your claim to be “Yu Wang” is pending/);
      assert.equal((await yu.form(`/papers/${PAPER}/claim`, { author: '0' })).status, 409, 'one pending claim per member per paper');
      assert.equal((await yu.form(`/papers/${PAPER}/claim`, { author: '7' })).status, 400);
      assert.equal((await yu.form(`/papers/${PAPER}/claim`, { author: 'x' })).status, 400);
      assert.equal((await yu.form('/papers/2401.99999/claim', { author: '0' })).status, 404);
      const unconfirmed = await member('newbie', { verified: false });
      assert.equal((await unconfirmed.form(`/papers/${PAPER}/claim`, { author: '1' })).status, 403, 'a confirmed email first');
      const claim = await claimOf(yu.user.id, PAPER);
      assert.deepEqual([claim.status, claim.author_index, claim.author_name], ['pending', 1, 'Yu Wang']);

      const queue = await mod.page('/moderation');
      assert.match(queue, /Authorship claims \(1\)/);
      assert.match(queue, new RegExp(`<a href="/users/yu">yu</a> says they are <strong>Yu Wang</strong> \\(author 2\\) of <a href="/papers/${PAPER}">`));
      assert.equal((await bob.form(`/claims/${claim.id}/approve`)).status, 403, 'members cannot approve');
      assert.equal((await yu.form(`/claims/${claim.id}/approve`)).status, 403, 'nor approve their own');
      assert.equal((await claimOf(yu.user.id, PAPER)).status, 'pending');

      const ok = await mod.form(`/claims/${claim.id}/approve`, { next: '/moderation' });
      assert.equal(ok.status, 303);
      assert.equal((await mod.form(`/claims/${claim.id}/approve`)).status, 409, 'decided already');
      const paper = await anonPage(`/papers/${PAPER}`);
      assert.match(paper, /<li><a class="author-search" href="[^"]*">Tianyu Fu<\/a><\/li><li><a class="author-link" href="\/users\/yu">Yu Wang<\/a><\/li>/);
      assert.match(await yu.page(`/papers/${PAPER}`), /You are <a href="\/users\/yu">listed<\/a> as the author “Yu Wang”/);
      const profile = await anonPage('/users/yu');
      assert.match(profile, new RegExp(`<h2 id="papers">Papers</h2>\\s*<ul class="profile-list"><li data-claim="${claim.id}"><a href="/papers/${PAPER}">`));
      const log = await database.db.selectFrom('moderation_log').selectAll().where('action', '=', 'approve-claim').execute();
      assert.deepEqual(log.map((l) => [l.moderator_id, l.target_type, l.target_id, l.paper_id, l.user_id]), [[mod.user.id, 'claim', String(claim.id), PAPER, yu.user.id]]);

      // The entry is taken: nobody else may claim it, and it is no longer offered.
      assert.equal((await bob.form(`/papers/${PAPER}/claim`, { author: '1' })).status, 409);
      assert.doesNotMatch(await bob.page(`/papers/${PAPER}`), /<option value="1">/);
      assert.equal((await yu.form(`/papers/${PAPER}/claim`, { author: '0' })).status, 409, 'an approved author claims no second entry');
    });

    test('the owner hides a paper from the profile and shows it again; nobody else can', async () => {
      const claim = await claimOf(yu.user.id, PAPER);
      assert.equal((await bob.form(`/claims/${claim.id}/hide`, { next: '/users/yu' })).status, 404);
      assert.equal((await yu.form(`/claims/${claim.id}/hide`, { next: '/users/yu' }, false)).status, 403, 'CSRF');
      const mine = await yu.page('/users/yu');
      assert.match(mine, new RegExp(`action="/claims/${claim.id}/hide"`));
      const r = await yu.form(`/claims/${claim.id}/hide`, { next: '/users/yu' });
      assert.equal(r.status, 303);
      assert.equal(r.headers.get('location'), '/users/yu');
      assert.doesNotMatch(await anonPage('/users/yu'), new RegExp(`href="/papers/${PAPER}"`), 'gone from the public profile');
      assert.match(await yu.page('/users/yu'), /hidden from your profile[\s\S]*Show on my profile/);
      assert.match(await anonPage(`/papers/${PAPER}`), /href="\/users\/yu">Yu Wang</, 'the paper page still names its author');
      await yu.form(`/claims/${claim.id}/show`, { next: '/users/yu' });
      assert.match(await anonPage('/users/yu'), new RegExp(`href="/papers/${PAPER}"`));
    });

    test('deny with a reason, shown to the member (not to others); the member claims again', async () => {
      assert.equal((await bob.form(`/papers/${OTHER}/claim`, { author: '1' })).status, 303);
      const claim = await claimOf(bob.user.id, OTHER);
      assert.equal((await bob.form(`/claims/${claim.id}/deny`, { reason: 'no' })).status, 403);
      assert.equal((await mod.form(`/claims/${claim.id}/deny`, { reason: ' ' })).status, 400, 'a denial says why');
      assert.equal((await mod.form(`/claims/${claim.id}/deny`, { reason: 'Ang Li’s address is at <another> institute' })).status, 303);
      const page = await bob.page(`/papers/${OTHER}`);
      assert.match(page, /Your claim to be “Ang Li” was denied: “Ang Li’s address is at &lt;another&gt; institute”\. You can claim again\./);
      assert.match(page, /<option value="1">Ang Li<\/option>/, 'the form is offered again');
      assert.match(await bob.page('/users/bob'), /claim denied: “Ang Li’s address is at &lt;another&gt; institute”/);
      assert.doesNotMatch(await anonPage('/users/bob'), /denied/);
      assert.doesNotMatch(await anonPage(`/papers/${OTHER}`), /\/users\/bob/);
      const log = await database.db.selectFrom('moderation_log').selectAll().where('action', '=', 'deny-claim').executeTakeFirstOrThrow();
      assert.equal(log.reason, 'Ang Li’s address is at <another> institute');

      assert.equal((await bob.form(`/papers/${OTHER}/claim`, { author: '1' })).status, 303, 'claim again');
      const again = await claimOf(bob.user.id, OTHER);
      assert.notEqual(again.id, claim.id);
      assert.equal(again.status, 'pending');
      assert.match(await bob.page(`/papers/${OTHER}`), /Your claim to be “Ang Li” is pending/);
      assert.equal((await mod.form(`/claims/${again.id}/approve`)).status, 303);
      assert.match(await anonPage(`/papers/${OTHER}`), /<a class="author-link" href="\/users\/bob">Ang Li<\/a>/);
    });

    test('a profile lists submissions and comments, not deleted or hidden ones; unknown members are 404', async () => {
      await addEntry(database.db, { paperId: PAPER, day: '2025-11-19', userId: yu.user.id, comment: 'Our paper', now: NOW });
      const post = async (body: string) => {
        const r = await yu.form(`/papers/${OTHER}/comments`, { body });
        return Number(/#comment-(\d+)$/.exec(r.headers.get('location')!)![1]);
      };
      await post('A kept comment about *this* <b>');
      const deleted = await post('A deleted comment');
      const hidden = await post('A hidden comment');
      assert.equal((await yu.form(`/comments/${deleted}/delete`)).status, 303);
      assert.equal((await mod.form(`/comments/${hidden}/hide`, { reason: 'off-topic' })).status, 303);
      const profile = await anonPage('/users/yu');
      assert.match(profile, /<h2 id="submissions">Submitted to the daily lists<\/h2>[\s\S]*?on the list of <a href="\/papers\/date\/2025-11-19">/);
      assert.match(profile, /<p>A kept comment about this &lt;b&gt;<\/p>/, 'the text of the comment, escaped');
      assert.doesNotMatch(profile, /A deleted comment|A hidden comment/);
      assert.equal((await fetch(`${server.base}/users/nobody-at-all`)).status, 404);
    });

    test('the `claimed` submission rule counts approved claims only', async () => {
      const strict = await startTestServer(database, { now: () => NOW, submissionRules: { ...DEFAULT_RULES, who: 'claimed', maxPaperAgeDays: 100_000 } });
      try {
        const zoe = await member('zoe', { base: () => strict.base });
        const refused = await zoe.post(strict.base, '/submit', { paper: PAPER });
        assert.equal(refused.status, 403);
        assert.match(await refused.text(), /once they have claimed authorship/);
        await zoe.post(strict.base, `/papers/${OTHER}/claim`, { author: '0' });
        assert.equal((await zoe.post(strict.base, '/submit', { paper: PAPER })).status, 403, 'a pending claim is not enough');
        const claim = await claimOf(zoe.user.id, OTHER);
        assert.equal((await mod.form(`/claims/${claim.id}/approve`)).status, 303);
        const ok = await zoe.post(strict.base, '/submit', { paper: PAPER });
        assert.equal(ok.status, 303, await ok.clone().text());
        assert.equal(ok.headers.get('location'), `/papers/date/2025-11-20#paper-${PAPER}`);
      } finally {
        await strict.close();
      }
    });
  });
}
