/**
 * A NUL character in what members send, on every write route, before any handler runs: PostgreSQL's text cannot
 * hold it, and the inserts it reached (comments, saved searches, token names) answered 500 there. A form's NULs
 * are dropped (invisible, nobody means them); a JSON body with one gets a 400 that says why.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { importFile } from '../../src/importers/import-files.ts';
import { ENGINES, openTestDatabase } from '../helpers/db.ts';
import { startTestServer, type TestServer } from '../helpers/http.ts';
import { sessionMember } from '../helpers/members.ts';

for (const engine of ENGINES) {
  describe(`NUL characters in what members send, on ${engine}`, () => {
    let database: Awaited<ReturnType<typeof openTestDatabase>>;
    let server: TestServer;
    let member: Awaited<ReturnType<typeof sessionMember>>;
    let paperId: string;
    before(async () => {
      database = await openTestDatabase(engine);
      server = await startTestServer(database);
      member = await sessionMember(database, () => server.base, 'nul-member');
      await importFile(database, new URL('../fixtures/hf-daily/2024-03-12.json', import.meta.url).pathname, 'auto');
      paperId = (await database.db.selectFrom('papers').select('id').executeTakeFirstOrThrow()).id;
    });
    after(async () => {
      await server.close();
      await database.close();
    });

    for (const [path, fields, stored] of [
      ['/papers/:id/comments', { body: 'before\u0000after' }, async () => (await database.db.selectFrom('comments').select('body').execute()).map((r) => r.body)],
      ['/settings/alerts', { q: 'transformers\u0000', name: 'mine\u0000' }, async () => (await database.db.selectFrom('saved_searches').select('name').execute()).map((r) => r.name)],
      ['/settings/tokens', { name: 'bot\u0000' }, async () => (await database.db.selectFrom('api_tokens').select('name').execute()).map((r) => r.name)],
    ] as const) {
      test(`a form to ${path} with a NUL is taken without it`, async () => {
        const res = await member.form(path.replace(':id', paperId), fields);
        assert.ok(res.status < 400, `status ${res.status}`);
        const values = await stored();
        assert.equal(values.length, 1);
        assert.ok(!values[0]!.includes('\u0000'), 'no NUL stored');
      });
    }

    test('JSON with an escaped NUL gets a 400 JSON error; the same comment without it is posted', async () => {
      const bad = await member.api('POST', `/api/papers/${paperId}/comments`, { body: 'x\u0000y' });
      assert.equal(bad.status, 400);
      assert.match(((await bad.json()) as { error: string }).error, /NUL character/);
      const good = await member.api('POST', `/api/papers/${paperId}/comments`, { body: 'x y' });
      assert.equal(good.status, 201);
      const comments = await database.db.selectFrom('comments').select('body').execute();
      assert.ok(comments.some((c) => c.body === 'x y') && comments.every((c) => !c.body.includes('\u0000')));
    });

    test('a NUL in the address is a 400 before any query (it was a 500 on PostgreSQL)', async () => {
      for (const path of ['/organizations/%00', '/users/%00/collections', '/feeds/users/%00/collections/x.rss', '/search?q=x&org=%00', '/api/papers/search?q=%00']) {
        const res = await server.get(path);
        assert.equal(res.status, 400, path);
        assert.match(await res.text(), /NUL character/, path);
      }
    });

    test('a body that says it is a multipart form and is not one is a 400, not a 500', async () => {
      const res = await fetch(`${server.base}/login`, { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=x' }, body: 'garbage' });
      assert.equal(res.status, 400);
      assert.match(await res.text(), /could not be read/);
    });

    test('JSON text that mentions "%00" is text like any other', async () => {
      const res = await member.api('POST', `/api/papers/${paperId}/comments`, { body: 'the URL ended in %00' });
      assert.equal(res.status, 201);
    });
  });
}
