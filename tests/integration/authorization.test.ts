/**
 * Authorization rules that hold both ways (src/domain/permissions.ts): undoing a suspension needs the
 * right to impose it and the suspender's rank; nobody acts on an equal or higher rank but admins;
 * editors take others' entries off a list only with a reason, logged; a suspended account holds no
 * privilege anywhere (the outbox holds live reset links).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Database } from '../../src/db/connection.ts';
import type { Role } from '../../src/db/schema.ts';
import { addEntry } from '../../src/db/queries/submissions.ts';
import { sessionMember, type SessionMember } from '../helpers/members.ts';
import { ENGINES } from '../helpers/db.ts';
import type { TestServer } from '../helpers/http.ts';
import { startTestSite, type TestSite } from '../helpers/site.ts';

const PAPER = '2511.01678'; // on the list of 2025-11-04
const OTHER = '2510.22115';
const DAY = '2025-11-20';
const NOW = new Date('2025-11-20T12:00:00.000Z');

for (const engine of ENGINES) {
  describe(`authorization on ${engine}`, () => {
    let database: Database;
    let server: TestServer;
    let n = 0;
    let site: TestSite;
    before(async () => {
      site = await startTestSite(engine, { now: () => NOW });
      ({ database, server } = site);
    });
    after(() => site.close());

    const member = (role: Role = 'member') => sessionMember(database, () => server.base, `${role}${++n}`, { role });
    const suspendedAt = async (m: SessionMember) => (await database.db.selectFrom('users').select('suspended_at').where('id', '=', m.user.id).executeTakeFirstOrThrow()).suspended_at;
    const logRows = () => database.db.selectFrom('moderation_log').selectAll().orderBy('id').execute();
    const listed = async (paper: string) => (await database.db.selectFrom('daily_entries').select('id').where('paper_id', '=', paper).where('day', '=', DAY).execute()).length;

    test('a moderator cannot lift a suspension an admin imposed, on a moderator or on a member; the admin can', async () => {
      const admin = await member('admin');
      const mod = await member('moderator');
      const otherMod = await member('moderator');
      const ada = await member();
      const profileOf = (m: SessionMember) => `/users/${m.user.username}`;

      assert.equal((await admin.form(`${profileOf(otherMod)}/suspend`, { reason: 'spam wave' })).status, 303);
      assert.equal((await admin.form(`${profileOf(ada)}/suspend`, { reason: 'abuse' })).status, 303);
      const before = (await logRows()).length;

      for (const target of [otherMod, ada]) {
        const r = await mod.form(`${profileOf(target)}/unsuspend`, { reason: '' });
        assert.equal(r.status, 403, `the moderator lifts ${target.user.username}'s suspension`);
        assert.notEqual(await suspendedAt(target), null, 'still suspended');
        assert.doesNotMatch(await mod.page(profileOf(target)), /action="[^"]*\/unsuspend"/, 'no unsuspend form offered');
      }
      // The API twin answers the same.
      assert.equal((await mod.api('POST', `/api/users/${otherMod.user.username}/unsuspend`, { reason: '' })).status, 403);
      assert.equal((await logRows()).length, before, 'nothing logged');

      assert.equal((await admin.form(`${profileOf(ada)}/unsuspend`, { reason: '' })).status, 303);
      assert.equal(await suspendedAt(ada), null);

      // What a moderator suspends, a moderator may lift; a moderator never acts on another moderator.
      assert.equal((await mod.form(`${profileOf(ada)}/suspend`, { reason: 'again' })).status, 303);
      const mod2 = await member('moderator');
      assert.equal((await mod2.form(`${profileOf(ada)}/unsuspend`, {})).status, 303);
      assert.equal((await mod2.form(`${profileOf(mod)}/suspend`, { reason: 'x' })).status, 403);
    });

    test('a moderator cannot hide an admin’s or another moderator’s comment, or remove their submission; an admin can', async () => {
      const admin = await member('admin');
      const mod = await member('moderator');
      const otherMod = await member('moderator');
      const say = async (m: SessionMember, body: string) => {
        const r = await m.form(`/papers/${PAPER}/comments`, { body });
        assert.equal(r.status, 303);
        return Number(/#comment-(\d+)$/.exec(r.headers.get('location')!)![1]);
      };
      const adminComment = await say(admin, 'A word from the admin');
      const modComment = await say(otherMod, 'A word from a moderator');
      for (const id of [adminComment, modComment]) {
        assert.equal((await mod.form(`/comments/${id}/hide`, { reason: 'x' })).status, 403);
        assert.equal((await database.db.selectFrom('comments').select('hidden_at').where('id', '=', id).executeTakeFirstOrThrow()).hidden_at, null);
      }
      assert.equal((await admin.form(`/comments/${modComment}/hide`, { reason: 'off-topic' })).status, 303);

      // What an admin hid, a moderator does not restore; what a moderator hid, another moderator may.
      const ada = await member();
      const adaComment = await say(ada, 'Buy watches');
      assert.equal((await admin.form(`/comments/${adaComment}/hide`, { reason: 'spam' })).status, 303);
      assert.equal((await mod.form(`/comments/${adaComment}/restore`, {})).status, 403);
      assert.notEqual((await database.db.selectFrom('comments').select('hidden_at').where('id', '=', adaComment).executeTakeFirstOrThrow()).hidden_at, null);
      assert.equal((await otherMod.form(`/comments/${adaComment}/restore`, {})).status, 403, 'nor does a moderator');
      assert.equal((await admin.form(`/comments/${adaComment}/restore`, {})).status, 303);
      assert.equal((await mod.form(`/comments/${adaComment}/hide`, { reason: 'spam again' })).status, 303);
      assert.equal((await otherMod.form(`/comments/${adaComment}/restore`, {})).status, 303);

      await addEntry(database.db, { paperId: OTHER, day: DAY, userId: otherMod.user.id, comment: null, now: NOW });
      assert.equal((await mod.form(`/papers/${OTHER}/remove-submission`, { day: DAY, reason: 'x' })).status, 403);
      assert.equal(await listed(OTHER), 1);
      assert.equal((await admin.form(`/papers/${OTHER}/remove-submission`, { day: DAY, reason: 'duplicate' })).status, 303);
      assert.equal(await listed(OTHER), 0);
    });

    test('an editor removes someone else’s submission only with a reason, logged in the same step; their own without', async () => {
      const editor = await member('editor');
      const ada = await member();
      const mod = await member('moderator');
      await database.db.deleteFrom('daily_entries').where('day', '=', DAY).execute();
      await addEntry(database.db, { paperId: PAPER, day: DAY, userId: ada.user.id, comment: null, now: NOW });
      const before = (await logRows()).length;

      const noReason = await editor.form(`/papers/${PAPER}/unlist`, { day: DAY });
      assert.equal(noReason.status, 400);
      assert.match(await noReason.text(), /Give a reason/);
      assert.equal(await listed(PAPER), 1, 'still listed');
      assert.equal((await logRows()).length, before, 'nothing logged');

      assert.equal((await editor.form(`/papers/${PAPER}/unlist`, { day: DAY, reason: 'Not a research paper' })).status, 303);
      assert.equal(await listed(PAPER), 0);
      const rows = (await logRows()).slice(before);
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.action, 'remove-submission');
      assert.equal(rows[0]!.moderator_id, editor.user.id);
      assert.equal(rows[0]!.user_id, ada.user.id);
      assert.equal(rows[0]!.reason, 'Not a research paper');
      assert.equal(rows[0]!.day, DAY);

      // Their own entry: no reason needed, nothing to log.
      assert.equal((await editor.form(`/papers/${PAPER}/list`, { day: DAY })).status, 303);
      assert.equal((await editor.form(`/papers/${PAPER}/unlist`, { day: DAY })).status, 303);
      assert.equal(await listed(PAPER), 0);
      assert.equal((await logRows()).length, before + 1);

      // A moderator's entry is out of an editor's reach.
      await addEntry(database.db, { paperId: PAPER, day: DAY, userId: mod.user.id, comment: null, now: NOW });
      assert.equal((await editor.form(`/papers/${PAPER}/unlist`, { day: DAY, reason: 'x' })).status, 403);
      assert.equal(await listed(PAPER), 1);
    });

    test('a suspended admin has no privilege: outbox, jobs, mail previews, moderation, editor tools', async () => {
      const admin = await member('admin');
      for (const p of ['/admin/outbox', '/admin/jobs', '/admin/mail-preview', '/moderation']) assert.equal((await admin.get(p)).status, 200, p);
      await database.db.updateTable('users').set({ suspended_at: NOW.toISOString() }).where('id', '=', admin.user.id).execute();
      for (const p of ['/admin/outbox', '/admin/jobs', '/admin/mail-preview', '/moderation']) {
        const r = await admin.get(p);
        assert.equal(r.status, 403, p);
        assert.doesNotMatch(await r.text(), /reset|Outbox<\/h1>/, `${p} shows nothing of the outbox`);
      }
      assert.equal((await admin.form(`/papers/${OTHER}/feature`, { day: DAY })).status, 403);
      assert.doesNotMatch(await admin.page(`/papers/${PAPER}`), /class="editor-tools"/);
      assert.doesNotMatch(await admin.page('/'), /href="\/moderation"/);
    });
  });
}
