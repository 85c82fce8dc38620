import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { hashToken, newToken } from '../../src/auth/crypto.ts';
import type { Database } from '../../src/db/connection.ts';
import type { Role } from '../../src/db/schema.ts';
import { createApiToken } from '../../src/db/queries/tokens.ts';
import { createUser, markEmailVerified } from '../../src/db/queries/users.ts';
import { importFiles, listInputFiles } from '../../src/importers/import-files.ts';
import { ENGINES, openTestDatabase } from '../helpers/db.ts';
import { startTestServer, type TestServer } from '../helpers/http.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures');
const PAPER = '2511.01678'; // on the list of 2025-11-04
const OTHER = '2510.22115'; // the same day
const DAY = '2025-11-04';
const NOW = new Date('2025-11-20T12:00:00.000Z');

for (const engine of ENGINES) {
  describe(`the community API on ${engine}`, () => {
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

    /** A member with a personal access token, made in the database; `call` speaks JSON with it. */
    async function member(username: string, role: Role = 'member', verified = true) {
      const user = await createUser(database.db, { username, email: `${username}@example.org`, passwordHash: null, role });
      if (verified) await markEmailVerified(database.db, user.id);
      const token = `dp_${newToken()}`;
      await createApiToken(database.db, user.id, 'test', hashToken(token), NOW);
      const call = (method: string, p: string, body?: unknown) =>
        fetch(server.base + p, {
          method,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
        });
      return { user, call };
    }
    type Member = Awaited<ReturnType<typeof member>>;
    const anon = (method: string, p: string, body?: unknown) =>
      fetch(server.base + p, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const expect = async (r: Response | Promise<Response>, status: number, pattern?: RegExp) => {
      const res = await r;
      const body = (await res.json()) as any;
      assert.equal(res.status, status, JSON.stringify(body));
      if (status >= 400) assert.equal(typeof body.error, 'string');
      if (pattern) assert.match(body.error, pattern);
      return body;
    };

    let admin: Member;
    let mod: Member;
    let ada: Member;
    let bob: Member;
    let commentId: number;
    before(async () => {
      admin = await member('root-admin', 'admin');
      mod = await member('mona', 'moderator');
      ada = await member('ada');
      bob = await member('bob');
      commentId = (await expect(bob.call('POST', `/api/papers/${PAPER}/comments`, { body: 'Buy cheap watches' }), 201)).id;
    });

    test('a member with a token upvotes a paper and takes it back', async () => {
      const on = await expect(ada.call('POST', `/api/papers/${PAPER}/vote`, { value: 1 }), 200);
      assert.equal(on.upvoted, true);
      const off = await expect(ada.call('POST', `/api/papers/${PAPER}/vote`, { value: 0 }), 200);
      assert.deepEqual(off, { upvoted: false, upvotes: on.upvotes - 1 });
      await expect(ada.call('POST', `/api/papers/${PAPER}/vote`, { value: 2 }), 400, /value/);
      await expect(ada.call('POST', `/api/papers/${PAPER}/vote`, 'not json'), 400, /JSON object/);
      await expect(ada.call('POST', `/api/papers/${PAPER}/vote`, [1]), 400, /JSON object/);
      await expect(ada.call('POST', '/api/papers/2501.99999/vote', { value: 1 }), 404);
    });

    test('a member claims an author entry and reads their claims', async () => {
      await expect(ada.call('POST', `/api/papers/${PAPER}/claims`, { author: 'first' }), 400, /author/);
      await expect(ada.call('POST', `/api/papers/${PAPER}/claims`, { author: 9999 }), 400, /authors/);
      await expect(ada.call('POST', '/api/papers/2501.99999/claims', { author: 0 }), 404);
      const made = await expect(ada.call('POST', `/api/papers/${PAPER}/claims`, { author: 0 }), 201);
      assert.equal(made.status, 'pending');
      assert.equal(made.author, 0);
      assert.equal(made.username, 'ada');
      await expect(ada.call('POST', `/api/papers/${PAPER}/claims`, { author: 1 }), 409, /claim on this paper already/);
      const mine = await expect(ada.call('GET', `/api/papers/${PAPER}/claims`), 200);
      assert.deepEqual(mine.claims.map((x: any) => x.id), [made.id]);
      assert.deepEqual((await expect(bob.call('GET', `/api/papers/${PAPER}/claims`), 200)).claims, [], 'only your own');
      await expect(ada.call('GET', '/api/papers/2501.99999/claims'), 404);
      await expect(anon('GET', `/api/papers/${PAPER}/claims`), 401);
    });

    test('a member flags a comment and submissions', async () => {
      await expect(ada.call('POST', `/api/comments/${commentId}/flags`, { reason: 'nonsense' }), 400, /reason/);
      await expect(ada.call('POST', `/api/comments/${commentId}/flags`, { reason: 'other' }), 400, /few words/);
      await expect(ada.call('POST', `/api/comments/${commentId}/flags`, { reason: 'spam', details: 7 }), 400, /details/);
      const f = await expect(ada.call('POST', `/api/comments/${commentId}/flags`, { reason: 'spam', details: 'an ad' }), 201);
      assert.equal(f.paperId, PAPER);
      await expect(ada.call('POST', `/api/comments/${commentId}/flags`, { reason: 'spam' }), 409, /already/);
      await expect(bob.call('POST', `/api/comments/${commentId}/flags`, { reason: 'spam' }), 403, /yourself/);
      await expect(ada.call('POST', '/api/comments/999999/flags', { reason: 'spam' }), 404);
      await expect(ada.call('POST', `/api/papers/${PAPER}/flags`, { reason: 'misleading', day: DAY }), 201);
      await expect(ada.call('POST', `/api/papers/${OTHER}/flags`, { reason: 'off-topic' }), 201, undefined); // its latest day
      await expect(ada.call('POST', `/api/papers/${PAPER}/flags`, { reason: 'spam', day: 'yesterday' }), 400, /day/);
      await expect(ada.call('POST', `/api/papers/${PAPER}/flags`, { reason: 'spam', day: '2025-11-05' }), 404);
      await expect(ada.call('POST', '/api/papers/2501.99999/flags', { reason: 'spam' }), 404);
    });

    test('a moderator with a token works the queue: flags, hide, claims, lock, suspend, the log', async () => {
      const queue = await expect(mod.call('GET', '/api/moderation/flags'), 200);
      assert.equal(queue.open, 3);
      const flagged = queue.flags.find((f: any) => f.commentId === commentId);
      assert.equal(flagged.reason, 'spam');
      assert.equal(flagged.flagger, 'ada');

      await expect(mod.call('POST', `/api/comments/${commentId}/hide`), 400, /reason/);
      await expect(mod.call('POST', `/api/comments/${commentId}/hide`, { reason: 7 }), 400, /reason/);
      assert.deepEqual(await expect(mod.call('POST', `/api/comments/${commentId}/hide`, { reason: 'spam' }), 200), { action: 'hide-comment', page: `/papers/${PAPER}#comment-${commentId}` });
      await expect(mod.call('POST', `/api/comments/${commentId}/hide`, { reason: 'spam' }), 409);
      const thread = (await (await fetch(`${server.base}/api/papers/${PAPER}/comments`)).json()) as any;
      assert.equal(thread.comments.find((x: any) => x.id === commentId).body, null);
      await expect(mod.call('POST', '/api/comments/999999/hide', { reason: 'spam' }), 404);
      assert.equal((await expect(mod.call('GET', '/api/moderation/flags'), 200)).open, 2, 'hiding closes its flag');

      const pending = await expect(mod.call('GET', '/api/moderation/claims'), 200);
      const claim = pending.claims.find((x: any) => x.username === 'ada');
      await expect(mod.call('POST', `/api/claims/${claim.id}/approve`), 200);
      await expect(mod.call('POST', `/api/claims/${claim.id}/approve`), 409, /decided/);
      await expect(mod.call('POST', '/api/claims/999999/deny', { reason: 'no' }), 404);
      assert.equal((await expect(ada.call('GET', `/api/papers/${PAPER}/claims`), 200)).claims[0].status, 'approved');

      await expect(mod.call('POST', `/api/papers/${PAPER}/lock`, {}), 400, /reason/);
      await expect(mod.call('POST', `/api/papers/${PAPER}/lock`, { reason: 'heated' }), 200);
      await expect(bob.call('POST', `/api/papers/${PAPER}/comments`, { body: 'more' }), 409, /locked/);
      await expect(mod.call('POST', `/api/papers/${PAPER}/unlock`), 200);
      await expect(mod.call('POST', '/api/papers/2501.99999/lock', { reason: 'x' }), 404);

      await expect(mod.call('POST', '/api/users/bob/suspend', { reason: 'spam' }), 200);
      await expect(bob.call('POST', `/api/papers/${PAPER}/vote`, { value: 1 }), 403, /[Ss]uspended/);
      await expect(bob.call('POST', `/api/papers/${PAPER}/flags`, { reason: 'spam', day: DAY }), 403, /suspended/);
      await expect(mod.call('POST', '/api/users/bob/suspend', { reason: 'spam' }), 409);
      await expect(mod.call('POST', '/api/users/bob/unsuspend'), 200);
      await expect(mod.call('POST', '/api/users/root-admin/suspend', { reason: 'x' }), 403, /Admins/);
      await expect(mod.call('POST', '/api/users/nobody/suspend', { reason: 'x' }), 404);

      const other = (await expect(mod.call('GET', '/api/moderation/flags'), 200)).flags.find((f: any) => f.paperId === OTHER);
      await expect(mod.call('POST', `/api/moderation/flags/${other.id}/dismiss`), 200);
      await expect(mod.call('POST', `/api/moderation/flags/${other.id}/dismiss`), 409);
      await expect(mod.call('POST', `/api/papers/${PAPER}/remove-submission`, { reason: 'dup' }), 400, /day/);

      const log = await expect(admin.call('GET', '/api/moderation/log'), 200);
      assert.deepEqual(
        log.entries.map((e: any) => e.action).reverse(),
        ['hide-comment', 'approve-claim', 'lock-thread', 'unlock-thread', 'suspend-user', 'unsuspend-user', 'dismiss-flag'],
      );
      assert.equal(log.entries.at(-1).reason, 'spam');
      assert.equal(log.entries.at(-1).moderator, 'mona');
      await expect(mod.call('GET', '/api/moderation/log?p=zero'), 400);
    });

    test('refusals: a member is not a moderator, no token is no member, an unconfirmed member does not vote', async () => {
      await expect(ada.call('GET', '/api/moderation/flags'), 403);
      await expect(ada.call('GET', '/api/moderation/claims'), 403);
      await expect(ada.call('GET', '/api/moderation/log'), 403);
      await expect(ada.call('POST', `/api/comments/${commentId}/restore`), 403);
      await expect(ada.call('POST', '/api/users/bob/suspend', { reason: 'x' }), 403);
      await expect(ada.call('POST', '/api/claims/1/approve'), 403);
      await expect(ada.call('POST', `/api/papers/${PAPER}/lock`, { reason: 'x' }), 403);

      await expect(anon('GET', '/api/moderation/flags'), 401);
      await expect(anon('GET', '/api/moderation/log'), 401);
      for (const p of [`/api/papers/${PAPER}/vote`, `/api/papers/${PAPER}/claims`, `/api/comments/${commentId}/flags`, `/api/comments/${commentId}/hide`]) {
        const r = await anon('POST', p, {});
        assert.ok(r.status === 401 || r.status === 403, `${p}: ${r.status}`);
      }
      const wrong = await fetch(`${server.base}/api/papers/${PAPER}/vote`, { method: 'POST', headers: { authorization: 'Bearer dp_nope', 'content-type': 'application/json' }, body: '{"value":1}' });
      assert.equal(wrong.status, 401);

      const newbie = await member('newbie', 'member', false);
      await expect(newbie.call('POST', `/api/papers/${PAPER}/vote`, { value: 1 }), 403, /confirm/);
      await expect(newbie.call('POST', `/api/papers/${PAPER}/claims`, { author: 2 }), 403, /confirm/);
    });

    test('the OpenAPI description lists the community endpoints', async () => {
      const doc = (await (await fetch(`${server.base}/api/openapi.json`)).json()) as any;
      for (const p of [
        '/api/papers/{id}/vote', '/api/papers/{id}/claims', '/api/comments/{commentId}/flags', '/api/papers/{id}/flags',
        '/api/moderation/flags', '/api/moderation/log', '/api/moderation/claims', '/api/comments/{commentId}/hide', '/api/comments/{commentId}/restore',
        '/api/papers/{id}/lock', '/api/papers/{id}/unlock', '/api/users/{username}/suspend', '/api/users/{username}/unsuspend',
        '/api/claims/{claimId}/approve', '/api/claims/{claimId}/deny',
      ]) {
        assert.ok(doc.paths[p], `${p} is documented`);
      }
      assert.ok(doc.paths['/api/papers/{id}/claims'].get && doc.paths['/api/papers/{id}/claims'].post);
      assert.ok(doc.components.schemas.Claim);
      const docs = await (await fetch(`${server.base}/docs/api`)).text();
      assert.match(docs, /\/api\/moderation\/log/);
    });
  });
}
