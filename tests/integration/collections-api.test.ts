/** GET /api/collections in Hugging Face's shape (huggingface_hub's list_collections), on both engines. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { addToCollection, createCollection } from '../../src/db/queries/collections.ts';
import { createUser } from '../../src/db/queries/users.ts';
import { ENGINES } from '../helpers/db.ts';
import { startTestSite, type TestSite } from '../helpers/site.ts';

const PAPER = '2511.01678';
const OTHER = '2510.22115';
const NOW = new Date('2025-11-20T12:00:00.000Z');

for (const engine of ENGINES) {
  describe(`GET /api/collections on ${engine}`, () => {
    let site: TestSite;
    before(async () => {
      site = await startTestSite(engine, { now: () => NOW });
      const { db } = site.database;
      const ada = await createUser(db, { username: 'ada', email: 'ada@example.org', passwordHash: null, role: 'member' });
      const bob = await createUser(db, { username: 'bob', email: 'bob@example.org', passwordHash: null, role: 'member' });
      const make = async (userId: number, name: string, isPublic: boolean, papers: string[], at: string) => {
        const r = await createCollection(db, { userId, name, isPublic, now: new Date(at), maxCollections: 10 });
        assert.ok(r.ok);
        for (const [i, p] of papers.entries()) {
          await addToCollection(db, { collectionId: r.collection.id, userId, paperId: p, note: i === 0 ? 'Start <here>' : null, now: new Date(Date.parse(at) + (i + 1) * 1000), maxPapers: 10 });
        }
      };
      await make(ada.id, 'Relighting 100% reads', true, [PAPER, OTHER], '2025-11-10T00:00:00Z');
      await make(ada.id, 'Private picks', false, [PAPER], '2025-11-11T00:00:00Z');
      await make(bob.id, 'Reasoning', true, [OTHER], '2025-11-12T00:00:00Z');
      await make(bob.id, 'Vision', true, [PAPER], '2025-11-13T00:00:00Z');
    });
    after(() => site.close());

    const list = async (query: string) => {
      const res = await site.server.get(`/api/collections${query}`);
      return { status: res.status, body: (await res.json()) as any };
    };

    test('item=papers/ID: the public collections holding the paper, in HF\'s shape', async () => {
      const { status, body } = await list(`?item=papers/${PAPER}`);
      assert.equal(status, 200);
      assert.deepEqual(body.map((c: { title: string }) => c.title), ['Vision', 'Relighting 100% reads']);
      const ada = body[1];
      assert.equal(ada.slug, 'ada/relighting-100-reads');
      assert.deepEqual(ada.owner, { name: 'ada', fullname: 'ada', type: 'user' });
      assert.equal(ada.private, false);
      assert.equal(ada.position, 1);
      assert.equal(typeof ada.lastUpdated, 'string');
      assert.equal(ada.shareUrl, 'http://papers.test/users/ada/collections/relighting-100-reads');
      for (const key of ['theme', 'upvotes', 'items']) assert.ok(key in ada, key);
      // Items as huggingface_hub's CollectionItem reads them (_id, id, type, position, note.text), newest first.
      assert.deepEqual(ada.items.map((i: any) => [i.id, i.type, i.position, typeof i._id, i.note?.text ?? null]), [
        [OTHER, 'paper', 0, 'string', null],
        [PAPER, 'paper', 1, 'string', 'Start <here>'],
      ]);
      assert.equal(ada.items[1].note.html, 'Start &#60;here&#62;');
      // A version in the id names the same paper.
      assert.deepEqual((await list(`?item=papers/${PAPER}v2`)).body.length, 2);
    });

    test('owner, q (case-insensitive, % is literal), limit; no filter lists every public collection', async () => {
      assert.deepEqual((await list('?owner=bob')).body.map((c: any) => c.title), ['Vision', 'Reasoning']);
      assert.deepEqual((await list(`?owner=ada&item=papers/${PAPER}`)).body.map((c: any) => c.title), ['Relighting 100% reads']);
      assert.deepEqual((await list('?q=RELIGHT')).body.map((c: any) => c.title), ['Relighting 100% reads']);
      assert.deepEqual((await list('?q=100%25')).body.map((c: any) => c.title), ['Relighting 100% reads']);
      assert.deepEqual((await list('?q=0%25r')).body, []);
      assert.deepEqual((await list('?limit=1')).body.map((c: any) => c.title), ['Vision']);
      assert.deepEqual((await list('?sort=upvotes')).body.map((c: any) => c.title), ['Vision', 'Reasoning', 'Relighting 100% reads']);
      assert.deepEqual((await list('?owner=nobody')).body, []);
      assert.deepEqual((await list('?item=papers/2101.00001')).body, []);
      assert.deepEqual((await list('?item=models/meta-llama/Llama-3-8B')).body, []);
    });

    test('bad parameters: 400 naming the parameter', async () => {
      for (const [query, pattern] of [
        ['?item=papers/not-an-id', /item/], ['?item=whatever', /item/], ['?limit=0', /limit/], ['?limit=101', /limit/],
        ['?sort=new', /sort/], ['?owner=%3Cscript%3E', /owner/], [`?q=${'x'.repeat(101)}`, /q:/],
      ] as const) {
        const { status, body } = await list(query);
        assert.equal(status, 400, query);
        assert.match(body.error, pattern, query);
      }
    });
  });
}
