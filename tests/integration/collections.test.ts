import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import Parser from 'rss-parser';
import { hashToken, newToken, sessionCsrfToken } from '../../src/auth/crypto.ts';
import type { Database } from '../../src/db/connection.ts';
import { createSession, createUser, markEmailVerified } from '../../src/db/queries/users.ts';
import { MAX_NOTE_LENGTH } from '../../src/domain/collections.ts';
import { importFiles, listInputFiles } from '../../src/importers/import-files.ts';
import { ENGINES, openTestDatabase } from '../helpers/db.ts';
import { startTestServer, type TestServer } from '../helpers/http.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures');
const DAY = '2025-11-04';
const PAPER = '2511.01678'; // on the list of 2025-11-04
const OTHER = '2510.22115'; // the same day

for (const engine of ENGINES) {
  describe(`collections on ${engine}`, () => {
    let database: Database;
    let server: TestServer;
    before(async () => {
      database = await openTestDatabase(engine);
      await importFiles(database, await listInputFiles([path.join(FIXTURES, 'hf-daily')]));
      server = await startTestServer(database);
    });
    after(async () => {
      await server.close();
      await database.close();
    });

    /** A member with a session and a CSRF token, made directly in the database; posts forms as a browser without JavaScript. */
    async function member(username: string, opts: { verified?: boolean } = {}) {
      const user = await createUser(database.db, { username, email: `${username}@example.org`, passwordHash: null });
      if (opts.verified !== false) await markEmailVerified(database.db, user.id);
      const session = newToken();
      await createSession(database.db, { tokenHash: hashToken(session), userId: user.id, expiresAt: new Date(Date.now() + 3_600_000).toISOString(), userAgent: null });
      const csrf = sessionCsrfToken(session); // bound to the session (src/http/middleware/csrf.ts)
      const cookie = `dp_session=${session}; dp_csrf=${csrf}`;
      return {
        user,
        form: (p: string, fields: Record<string, string>, base = server.base) =>
          fetch(base + p, {
            method: 'POST',
            redirect: 'manual',
            headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ _csrf: csrf, ...fields }).toString(),
          }),
        get: (p: string) => fetch(server.base + p, { headers: { cookie }, redirect: 'manual' }),
        page: async (p: string) => {
          const r = await fetch(server.base + p, { headers: { cookie }, redirect: 'manual' });
          assert.equal(r.status, 200, `GET ${p}`);
          return r.text();
        },
      };
    }
    type Member = Awaited<ReturnType<typeof member>>;
    const anonymous = (p: string) => fetch(server.base + p, { redirect: 'manual' });
    const collectionsOf = (userId: number) => database.db.selectFrom('collections').selectAll().where('user_id', '=', userId).orderBy('id').execute();
    const papersIn = async (collectionId: number) =>
      (await database.db.selectFrom('collection_papers').select(['paper_id', 'note']).where('collection_id', '=', collectionId).orderBy('paper_id').execute());

    let ada: Member;
    let adaCollection: number;
    const URL = '/users/ada/collections/relighting-video';

    test('members save a paper from a card to a new collection, without JavaScript; anonymous cards have no such form', async () => {
      ada = await member('ada');
      const list = await ada.page(`/papers/date/${DAY}`);
      assert.match(list, /<details class="collect">[\s\S]*?<form class="collect-form" method="post" action="\/collections\/add">/);
      assert.match(list, new RegExp(`<input type="hidden" name="paper" value="${PAPER}"><input type="hidden" name="next" value="/papers/date/${DAY}#paper-${PAPER}">`));
      assert.doesNotMatch(await (await anonymous(`/papers/date/${DAY}`)).text(), /collect-form/);

      const saved = await ada.form('/collections/add', { paper: PAPER, new_name: '  Relighting   & video ', collection: '', next: `/papers/date/${DAY}#paper-${PAPER}` });
      assert.equal(saved.status, 303);
      assert.equal(saved.headers.get('location'), `/papers/date/${DAY}#paper-${PAPER}`);
      const [col] = await collectionsOf(ada.user.id);
      assert.equal(col!.name, 'Relighting & video');
      assert.equal(col!.slug, 'relighting-video');
      assert.equal(col!.is_public, 0, 'a collection made from a card is private');
      adaCollection = col!.id;
      assert.deepEqual(await papersIn(adaCollection), [{ paper_id: PAPER, note: null }]);

      // The card now says it is saved, and the menu offers the collection (ticked for this paper).
      const after = await ada.page(`/papers/date/${DAY}`);
      assert.match(after, /★ Saved<span class="visually-hidden"> to a collection<\/span>/);
      assert.match(after, new RegExp(`<option value="${adaCollection}" disabled>✓ Relighting &amp; video</option>`));

      // From the paper page, into the existing collection, with a note; saving twice is one row.
      const paperPage = await ada.page(`/papers/${OTHER}`);
      assert.match(paperPage, /<input id="collect-2510.22115-note" name="note" type="text"/);
      for (let i = 0; i < 2; i++) {
        const r = await ada.form('/collections/add', { paper: OTHER, collection: String(adaCollection), new_name: '', note: 'The 1T model', next: `/papers/${OTHER}` });
        assert.equal(r.status, 303);
        assert.equal(r.headers.get('location'), `/papers/${OTHER}`);
      }
      assert.deepEqual(await papersIn(adaCollection), [{ paper_id: OTHER, note: 'The 1T model' }, { paper_id: PAPER, note: null }]);
      assert.equal((await ada.form('/collections/add', { paper: '2401.99999', collection: String(adaCollection) })).status, 404, 'an unknown paper');
      assert.equal((await ada.form('/collections/add', { paper: PAPER })).status, 400, 'neither a collection nor a name');
      assert.equal((await ada.form('/collections/add', { paper: 'nonsense', collection: String(adaCollection) })).status, 400);

      const mine = await ada.get('/collections');
      assert.equal(mine.headers.get('location'), '/users/ada/collections');
      const listPage = await ada.page('/users/ada/collections');
      assert.match(listPage, new RegExp(`<a class="collection-name" href="${URL}">Relighting &amp; video</a>`));
      assert.match(listPage, /<span class="pill">Private<\/span><span>2 papers<\/span>/);
    });

    test('private: the owner sees it; other members and visitors get 404, in lists, pages and feeds', async () => {
      assert.match(await ada.page(URL), /<h1>Relighting &amp; video<\/h1>/);
      const bob = await member('bob');
      assert.equal((await bob.get(URL)).status, 404);
      assert.equal((await anonymous(URL)).status, 404);
      assert.equal((await anonymous(`/feeds/users/ada/collections/relighting-video.rss`)).status, 404);
      assert.doesNotMatch(await (await anonymous('/users/ada/collections')).text(), /relighting/);
      assert.match(await bob.page('/users/ada/collections'), /No public collections yet/);
      assert.equal((await anonymous('/users/nobody/collections')).status, 404);
      assert.equal((await anonymous('/users/ada/collections/Bad_Slug')).status, 404);
    });

    test('notes, rename, visibility and removal by the owner, each a form answered with 303; pages escape what members write', async () => {
      const note = 'Read §3 <script>alert(1)</script>\r\nthen the appendix';
      const r = await ada.form(`/collections/${adaCollection}/note`, { paper: PAPER, note });
      assert.equal(r.status, 303);
      assert.equal(r.headers.get('location'), `${URL}#paper-${PAPER}`);
      const page = await ada.page(URL);
      assert.match(page, /<p class="collection-note">Read §3 &lt;script&gt;alert\(1\)&lt;\/script&gt;\nthen the appendix<\/p>/);
      assert.doesNotMatch(page, /<script>alert/);
      assert.equal((await ada.form(`/collections/${adaCollection}/note`, { paper: PAPER, note: 'x'.repeat(MAX_NOTE_LENGTH + 1) })).status, 400);
      assert.equal((await ada.form(`/collections/${adaCollection}/note`, { paper: '2401.99999', note: 'hi' })).status, 404);

      const renamed = await ada.form(`/collections/${adaCollection}/rename`, { name: 'Light <i>transport</i>' });
      assert.equal(renamed.status, 303);
      assert.equal(renamed.headers.get('location'), URL, 'the address stays when it is renamed');
      assert.match(await ada.page(URL), /<h1>Light &lt;i&gt;transport&lt;\/i&gt;<\/h1>/);
      assert.equal((await ada.form(`/collections/${adaCollection}/rename`, { name: '   ' })).status, 400);

      // Email not confirmed: private collections only.
      const newbie = await member('newbie', { verified: false });
      assert.equal((await newbie.form('/collections', { name: 'Mine', public: '1' })).status, 403);
      assert.equal((await newbie.form('/collections', { name: 'Mine' })).status, 303);

      const pub = await ada.form(`/collections/${adaCollection}/visibility`, { public: '1' });
      assert.equal(pub.status, 303);
      const seen = await anonymous(URL);
      assert.equal(seen.status, 200);
      const html = await seen.text();
      assert.match(html, /<h1>Light &lt;i&gt;transport&lt;\/i&gt;<\/h1>/);
      assert.match(html, /A collection by <a href="\/users\/ada\/collections">ada<\/a> · 2 papers/);
      assert.match(html, /<link rel="alternate" type="application\/rss\+xml" title="Light &lt;i&gt;transport&lt;\/i&gt; \(RSS\)" href="\/feeds\/users\/ada\/collections\/relighting-video.rss">/);
      assert.doesNotMatch(html, /collection-edit|action="\/collections\//, 'visitors get no owner forms');
      assert.match(await (await anonymous('/users/ada/collections')).text(), /1 public collection/);

      // Anonymous pages are cached: a change shows at once all the same.
      await ada.form(`/collections/${adaCollection}/rename`, { name: 'Light transport' });
      assert.match(await (await anonymous(URL)).text(), /<h1>Light transport<\/h1>/);

      const removed = await ada.form(`/collections/${adaCollection}/remove`, { paper: OTHER });
      assert.equal(removed.status, 303);
      assert.deepEqual((await papersIn(adaCollection)).map((p) => p.paper_id), [PAPER]);
      assert.doesNotMatch(await (await anonymous(URL)).text(), new RegExp(`id="paper-${OTHER}"`));
      assert.equal((await ada.form(`/collections/${adaCollection}/remove`, { paper: OTHER })).status, 404, 'removed already');
      await ada.form('/collections/add', { paper: OTHER, collection: String(adaCollection), note: 'Back, with a note' });
    });

    test('feeds of a public collection parse as RSS, Atom and JSON Feed, notes first', async () => {
      const text = async (p: string) => {
        const r = await anonymous(p);
        assert.equal(r.status, 200, p);
        return r.text();
      };
      const parser = new Parser();
      const rss = await parser.parseString(await text('/feeds/users/ada/collections/relighting-video.rss'));
      assert.equal(rss.title, 'Light transport · Daily Papers');
      assert.equal(rss.link, `http://papers.test${URL}`);
      assert.deepEqual(rss.items.map((i) => i.link), [`http://papers.test/papers/${OTHER}`, `http://papers.test/papers/${PAPER}`], 'the latest added first');
      assert.match(rss.items[0]!.contentSnippet ?? rss.items[0]!.content ?? '', /^Back, with a note/);
      const atom = await parser.parseString(await text('/feeds/users/ada/collections/relighting-video.atom'));
      assert.equal(atom.items.length, 2);
      const json = JSON.parse(await text('/feeds/users/ada/collections/relighting-video.json')) as { version: string; items: { url: string; summary: string }[] };
      assert.equal(json.version, 'https://jsonfeed.org/version/1.1');
      assert.match(json.items[1]!.summary, /^Read §3 <script>alert\(1\)<\/script>\nthen the appendix/);
      assert.equal((await anonymous('/feeds/users/ada/collections/nope.rss')).status, 404);
      assert.equal((await anonymous('/feeds/users/ada/collections/relighting-video.exe')).status, 404);
    });

    test('another member cannot change, fill or delete a collection that is not theirs (404, nothing changes); forms need the CSRF token', async () => {
      const eve = await member('eve');
      const before = JSON.stringify([await collectionsOf(ada.user.id), await papersIn(adaCollection)]);
      const tries: [string, Record<string, string>][] = [
        [`/collections/${adaCollection}/rename`, { name: 'Mine now' }],
        [`/collections/${adaCollection}/visibility`, { public: '0' }],
        [`/collections/${adaCollection}/note`, { paper: PAPER, note: 'spam' }],
        [`/collections/${adaCollection}/remove`, { paper: PAPER }],
        [`/collections/${adaCollection}/delete`, {}],
        ['/collections/add', { paper: OTHER, collection: String(adaCollection) }],
        ['/collections/999999/rename', { name: 'x' }],
      ];
      for (const [p, fields] of tries) assert.equal((await eve.form(p, fields)).status, 404, p);
      assert.equal(JSON.stringify([await collectionsOf(ada.user.id), await papersIn(adaCollection)]), before);

      const csrf = newToken();
      const visitor = await fetch(`${server.base}/collections/${adaCollection}/delete`, {
        method: 'POST', redirect: 'manual',
        headers: { cookie: `dp_csrf=${csrf}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: `_csrf=${csrf}`,
      });
      assert.equal(visitor.status, 303);
      assert.equal(visitor.headers.get('location'), '/login?next=%2Fcollections');
      const forged = await fetch(`${server.base}/collections/${adaCollection}/delete`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
      assert.equal(forged.status, 403);
      assert.equal((await collectionsOf(ada.user.id)).length, 1);
    });

    test('caps: collections per member and papers per collection', async () => {
      const small = await startTestServer(database, { collectionLimits: { maxCollections: 2, maxPapers: 2 } });
      try {
        const carol = await member('carol');
        const third = (await database.db.selectFrom('papers').select('id').where('id', 'not in', [PAPER, OTHER]).orderBy('id').executeTakeFirstOrThrow()).id;
        const made = await carol.form('/collections', { name: 'First', public: '1' }, small.base);
        assert.equal(made.status, 303);
        assert.equal(made.headers.get('location'), '/users/carol/collections/first');
        assert.equal((await carol.form('/collections', { name: 'First' }, small.base)).headers.get('location'), '/users/carol/collections/first-2', 'slugs stay unique');
        const over = await carol.form('/collections', { name: 'Third' }, small.base);
        assert.equal(over.status, 409);
        assert.match(await over.text(), /at most 2 collections/);
        assert.equal((await carol.form('/collections/add', { paper: PAPER, new_name: 'Fourth' }, small.base)).status, 409);
        assert.equal((await collectionsOf(carol.user.id)).length, 2);

        const first = (await collectionsOf(carol.user.id))[0]!.id;
        for (const p of [PAPER, OTHER]) assert.equal((await carol.form('/collections/add', { paper: p, collection: String(first) }, small.base)).status, 303);
        const full = await carol.form('/collections/add', { paper: third, collection: String(first) }, small.base);
        assert.equal(full.status, 409);
        assert.match(await full.text(), /at most 2 papers/);
        assert.equal((await papersIn(first)).length, 2);
        // Ten at once cannot pass the cap either.
        const second = (await collectionsOf(carol.user.id))[1]!.id;
        const ids = (await database.db.selectFrom('papers').select('id').orderBy('id').limit(10).execute()).map((r) => r.id);
        const statuses = (await Promise.all(ids.map((p) => carol.form('/collections/add', { paper: p, collection: String(second) }, small.base)))).map((r) => r.status);
        assert.deepEqual(statuses.filter((s) => s === 303).length, 2, `statuses: ${statuses}`);
        assert.ok(statuses.every((s) => s === 303 || s === 409), `statuses: ${statuses}`);
        assert.equal((await papersIn(second)).length, 2);
      } finally {
        await small.close();
      }
    });

    test('deleting a collection takes its papers and notes with it; its pages and feeds are gone', async () => {
      const r = await ada.form(`/collections/${adaCollection}/delete`, {});
      assert.equal(r.status, 303);
      assert.equal(r.headers.get('location'), '/users/ada/collections');
      assert.equal((await anonymous(URL)).status, 404);
      assert.equal((await anonymous('/feeds/users/ada/collections/relighting-video.json')).status, 404);
      assert.equal((await collectionsOf(ada.user.id)).length, 0);
      assert.equal((await papersIn(adaCollection)).length, 0);
      assert.match(await ada.page('/users/ada/collections'), /You have no collections yet/);
    });
  });
}
