import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { hashToken, newToken } from '../../src/auth/crypto.ts';
import type { Database } from '../../src/db/connection.ts';
import { createCollection, addToCollection, setNote } from '../../src/db/queries/collections.ts';
import { importIntoCollection, resolveReferences, savedPapers, searchSaved, setPrivateNote } from '../../src/db/queries/library.ts';
import { createApiToken } from '../../src/db/queries/tokens.ts';
import { importFiles, listInputFiles } from '../../src/importers/import-files.ts';
import { ENGINES, openTestDatabase } from '../helpers/db.ts';
import { startTestServer, type TestServer } from '../helpers/http.ts';
import { sessionMember, type SessionMember } from '../helpers/members.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures');
const PAPER = '2511.01678';
const OTHER = '2510.22115';
const NOW = new Date('2025-11-20T12:00:00Z');
const LIMITS = { maxPapers: 500, maxCollections: 50 };

for (const engine of ENGINES) {
  describe(`portable libraries on ${engine}`, () => {
    let database: Database;
    let server: TestServer;
    let ada: SessionMember;
    let bob: SessionMember;
    let adaCol: number;
    let third: string;
    before(async () => {
      database = await openTestDatabase(engine);
      await importFiles(database, await listInputFiles([path.join(FIXTURES, 'hf-daily')]));
      server = await startTestServer(database);
      ada = await sessionMember(database, () => server.base, 'ada');
      bob = await sessionMember(database, () => server.base, 'bob');
      third = (await database.db.selectFrom('papers').select('id').where('id', 'not in', [PAPER, OTHER]).orderBy('id').executeTakeFirstOrThrow()).id;
      await database.db.updateTable('papers').set({ doi: '10.1234/Journal.Version' }).where('id', '=', third).execute();
      const r = await createCollection(database.db, { userId: ada.user.id, name: 'Reading group', isPublic: true, now: NOW, maxCollections: 50, paperId: PAPER, note: 'Public note' });
      assert.ok(r.ok);
      adaCol = r.collection.id;
      assert.equal(await addToCollection(database.db, { collectionId: adaCol, userId: ada.user.id, paperId: OTHER, note: null, now: NOW, maxPapers: 500 }), 'added');
      assert.ok(await setPrivateNote(database.db, { collectionId: adaCol, userId: ada.user.id, paperId: OTHER, note: 'Private: read §3 & check $x_1$\nsecond line' }));
    });
    after(async () => {
      await server.close();
      await database.close();
    });

    const importForm = (m: SessionMember, file: string | Uint8Array, fields: Record<string, string>, name = 'library.bib', withCsrf = true) => {
      const form = new FormData();
      if (withCsrf) form.set('_csrf', m.csrf);
      for (const [k, v] of Object.entries(fields)) form.set(k, v);
      form.set('file', new Blob([file as BlobPart]), name);
      return fetch(`${server.base}/collections/import`, { method: 'POST', headers: { cookie: m.cookie }, body: form, redirect: 'manual' });
    };
    const rowsOf = (collectionId: number) =>
      database.db.selectFrom('collection_papers').select(['paper_id', 'note', 'private_note']).where('collection_id', '=', collectionId).orderBy('paper_id').execute();
    const collectionNamed = (userId: number, name: string) => database.db.selectFrom('collections').selectAll().where('user_id', '=', userId).where('name', '=', name).executeTakeFirst();

    test('storage: resolving ids and DOIs, exports that hold both notes, the search over saved papers', async () => {
      const found = await resolveReferences(database.db, [PAPER, '2401.99999'], ['10.1234/journal.version', '10.9/none']);
      assert.deepEqual([...found.ids], [PAPER]);
      assert.deepEqual([...found.byDoi], [['10.1234/journal.version', third]]);
      const rows = await savedPapers(database.db, [adaCol]);
      assert.deepEqual(rows.map((r) => [r.id, r.note, r.privateNote]).sort(), [[OTHER, null, 'Private: read §3 & check $x_1$\nsecond line'], [PAPER, 'Public note', null]].sort());
      assert.ok(rows[0]!.authors.length > 0 && rows[0]!.categories.length >= 0);
      assert.deepEqual((await searchSaved(database.db, ada.user.id, 'READ §3')).map((h) => h.paperId), [OTHER], 'private notes, case-insensitive');
      assert.deepEqual((await searchSaved(database.db, ada.user.id, 'public NOTE')).map((h) => h.paperId), [PAPER]);
      const title = (await database.db.selectFrom('papers').select('title').where('id', '=', PAPER).executeTakeFirstOrThrow()).title;
      assert.deepEqual((await searchSaved(database.db, ada.user.id, title.split(' ')[0]!)).map((h) => h.paperId).includes(PAPER), true, 'titles');
      assert.deepEqual(await searchSaved(database.db, bob.user.id, 'read'), [], 'another member’s notes are not searched');
      assert.deepEqual(await searchSaved(database.db, ada.user.id, '100%_'), [], 'LIKE wildcards are literal');
    });

    test('storage: an import is all or nothing, and importing again adds nothing', async () => {
      const items = [{ paperId: PAPER, note: 'n1' }, { paperId: OTHER, note: null }, { paperId: PAPER, note: 'dup' }];
      const refused = await importIntoCollection(database.db, { userId: bob.user.id, target: { newName: 'Too small' }, items, now: NOW, maxPapers: 1, maxCollections: 50 });
      assert.deepEqual(refused, { ok: false, problem: 'papers-cap', room: 1 });
      assert.equal(await collectionNamed(bob.user.id, 'Too small'), undefined, 'the new collection is rolled back with the rest');
      const first = await importIntoCollection(database.db, { userId: bob.user.id, target: { newName: 'Imported' }, items, now: NOW, ...LIMITS });
      assert.ok(first.ok);
      assert.deepEqual([first.added, first.already, first.notesSet], [2, 0, 1]);
      const again = await importIntoCollection(database.db, { userId: bob.user.id, target: { collectionId: first.collection.id }, items, now: NOW, ...LIMITS });
      assert.ok(again.ok);
      assert.deepEqual([again.added, again.already, again.notesSet], [0, 2, 0]);
      assert.deepEqual(await rowsOf(first.collection.id), [{ paper_id: OTHER, note: null, private_note: null }, { paper_id: PAPER, note: null, private_note: 'n1' }].sort((a, b) => a.paper_id.localeCompare(b.paper_id)));
      assert.deepEqual(await importIntoCollection(database.db, { userId: bob.user.id, target: { collectionId: adaCol }, items, now: NOW, ...LIMITS }), { ok: false, problem: 'no-collection' }, 'another member’s collection');
    });

    test('exports: a public collection for anyone, without private notes; the owner gets theirs', async () => {
      const url = '/users/ada/collections/reading-group/export';
      const anon = await server.get(`${url}/bibtex`);
      assert.equal(anon.status, 200);
      assert.equal(anon.headers.get('content-type'), 'application/x-bibtex; charset=utf-8');
      assert.equal(anon.headers.get('content-disposition'), 'attachment; filename="ada-reading-group.bib"');
      const bib = await anon.text();
      assert.match(bib, new RegExp(`eprint = \\{${PAPER}\\},\\n  archiveprefix = \\{arXiv\\}`));
      assert.match(bib, /annote = \{Public note\}/);
      assert.doesNotMatch(bib, /Private/);
      const own = await (await ada.get(`${url}/bibtex`)).text();
      assert.match(own, /annote = \{Private: read §3 \\& check \\\$x\\_1\\\$\nsecond line\}/);
      assert.match(await (await server.get(`${url}/ris`)).text(), new RegExp(`AN  - arXiv:${OTHER}`));
      assert.equal((JSON.parse(await (await server.get(`${url}/csl-json`)).text()) as unknown[]).length, 2);
      const bad = await server.get(`${url}/endnote`);
      assert.equal(bad.status, 400);
      assert.match(await bad.text(), /must be one of: bibtex, ris, csl-json/);
      // Everything saved: for the owner, all of it; for others, what public collections hold.
      assert.match(await (await ada.get('/users/ada/collections/export/ris')).text(), /Private: read/);
      assert.doesNotMatch(await (await server.get('/users/ada/collections/export/ris')).text(), /Private/);
      assert.equal((await server.get('/users/nobody/collections/export/ris')).status, 404);
      const doc = (await (await server.get('/api/openapi.json')).json()) as { paths: Record<string, unknown> };
      for (const p of ['/api/users/{username}/collections/{slug}/export/{format}', '/api/users/{username}/collections/export/{format}', '/api/collections/import']) assert.ok(doc.paths[p], p);
      assert.match(await (await server.get('/docs/api')).text(), /importLibrary|Import a BibTeX, RIS or CSL-JSON file/);
    });

    test('exports: a private collection only for its owner, also through the API with a token', async () => {
      await database.db.updateTable('collections').set({ is_public: 0 }).where('id', '=', adaCol).execute();
      try {
        const url = '/users/ada/collections/reading-group/export/bibtex';
        assert.equal((await server.get(url)).status, 404);
        assert.equal((await bob.get(url)).status, 404);
        assert.equal((await ada.get(url)).status, 200);
        assert.doesNotMatch(await (await server.get('/users/ada/collections/export/bibtex')).text(), /@misc|@article/, 'private collections are left out for others');
        const token = `dp_${newToken()}`;
        await createApiToken(database.db, ada.user.id, 'zotero sync', hashToken(token), NOW);
        const api = await fetch(`${server.base}/api${url}`, { headers: { authorization: `Bearer ${token}` } });
        assert.equal(api.status, 200);
        assert.match(await api.text(), /Private: read/);
        const other = await fetch(`${server.base}/api${url}`);
        assert.equal(other.status, 404);
        assert.deepEqual(await other.json(), { error: 'There is no such collection, or its owner keeps it private.' });
        assert.equal((await fetch(`${server.base}${url}`, { headers: { authorization: `Bearer ${token}` } })).status, 403, 'a token works on /api/ only');
      } finally {
        await database.db.updateTable('collections').set({ is_public: 1 }).where('id', '=', adaCol).execute();
      }
    });

    for (const format of ['bibtex', 'ris', 'csl-json'] as const) {
      test(`round trip (${format}): ada's export imported by carol loses nothing; again adds nothing`, async () => {
        const carol = await sessionMember(database, () => server.base, `carol_${format.replace('-', '')}`);
        const file = await (await ada.get(`/users/ada/collections/reading-group/export/${format}`)).text();
        const r = await importForm(carol, file, { new_name: `From ada ${format}` }, `x.${format}`);
        assert.equal(r.status, 200);
        const page = await r.text();
        assert.match(page, /2 entries read · 2 papers added · 0 already there · 2 notes saved · 0 not found/);
        const col = await collectionNamed(carol.user.id, `From ada ${format}`);
        assert.equal(col!.is_public, 0, 'imported collections are private');
        const want = (await rowsOf(adaCol)).map((r) => ({ paper_id: r.paper_id, private_note: r.private_note ?? r.note }));
        assert.deepEqual((await rowsOf(col!.id)).map((r) => ({ paper_id: r.paper_id, private_note: r.private_note })), want);
        const again = await importForm(carol, file, { collection: String(col!.id) }, `x.${format}`);
        assert.match(await again.text(), /2 entries read · 0 papers added · 2 already there · 0 notes saved/);
        assert.equal((await rowsOf(col!.id)).length, 2);
      });
    }

    test('import: entries not found are reported by key, title and why; DOIs resolve; the API answers JSON', async () => {
      const dave = await sessionMember(database, () => server.base, 'dave');
      const file = `@misc{found, title={Found}, eprint={${PAPER}v2}, archiveprefix={arXiv}}
@article{bydoi, title={Journal version}, doi={https://doi.org/10.1234/JOURNAL.VERSION}, annote={via <doi>}}
@misc{missing, title={Not {here} \\& gone}, url={https://arxiv.org/abs/2401.99999}}
@book{book, title={A <b>book</b>}}`;
      const r = await importForm(dave, file, { new_name: 'Mixed' });
      const page = await r.text();
      assert.equal(r.status, 200);
      assert.match(page, /4 entries read · 2 papers added · 0 already there · 1 notes saved · 2 not found/);
      assert.match(page, /<td><code>missing<\/code><\/td><td>Not here &amp; gone<\/td><td>arXiv 2401.99999 is not on this site<\/td>/);
      assert.match(page, /<td><code>book<\/code><\/td><td>A &lt;b&gt;book&lt;\/b&gt;<\/td><td>the entry names no arXiv id or DOI<\/td>/);
      const col = await collectionNamed(dave.user.id, 'Mixed');
      assert.deepEqual((await rowsOf(col!.id)).map((x) => [x.paper_id, x.private_note]).sort(), [[PAPER, null], [third, 'via <doi>']].sort());

      const token = `dp_${newToken()}`;
      await createApiToken(database.db, dave.user.id, 'script', hashToken(token), NOW);
      const api = await fetch(`${server.base}/api/collections/import?collection=${col!.id}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-bibtex' }, body: file });
      assert.equal(api.status, 200);
      const json = (await api.json()) as Record<string, unknown>;
      assert.deepEqual([json.entries, json.added, json.already], [4, 0, 2]);
      assert.deepEqual((json.notFound as { key: string }[]).map((u) => u.key), ['missing', 'book']);
      const badApi = await fetch(`${server.base}/api/collections/import?new_name=x`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: '@misc{oops, title={x' });
      assert.equal(badApi.status, 400);
      assert.match(((await badApi.json()) as { error: string }).error, /entry “oops” \(line 1\)/);
    });

    test('import: malformed, binary, oversized or unknown files are refused with a clear message and nothing is written', async () => {
      const erin = await sessionMember(database, () => server.base, 'erin');
      const before = await database.db.selectFrom('collection_papers').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const cases: [string | Uint8Array, number, RegExp][] = [
        [`@misc{ok, eprint={${PAPER}}}\n@misc{broken,\n  title = {unterminated\n`, 400, /entry “broken” \(line 2\)/],
        [`TY  - GEN\nID  - first\nUR  - https://arxiv.org/abs/${PAPER}\nER  - \nTY  - GEN\nID  - cut\n`, 400, /the record “cut” \(line 5\) is cut off/],
        ['[{"id": "a", "URL": "https://arxiv.org/abs/2511.01678"}, 7]', 400, /item 2 is not an object/],
        [new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d]), 400, /not a text file/],
        ['just words, no references', 400, /No references were found in this BibTeX file/],
        ['[]', 400, /No references were found in this CSL-JSON file/],
        ['', 400, /Choose a file|file is empty/],
        [new Uint8Array(3 * 1024 * 1024).fill(0x41), 413, /larger than 2 MB/],
        ['plain words, no entries', 400, /not a BibTeX, RIS or CSL-JSON file/],
      ];
      for (const [file, status, message] of cases) {
        const r = await importForm(erin, file, { new_name: 'Should not exist' }, typeof file === 'string' && file.startsWith('just') ? 'notes.bib' : 'upload');
        assert.equal(r.status, status, String(message));
        assert.match(await r.text(), message);
      }
      assert.equal(await collectionNamed(erin.user.id, 'Should not exist'), undefined);
      const afterCount = await database.db.selectFrom('collection_papers').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      assert.equal(Number(afterCount.n), Number(before.n));
      // No target, another member's collection, no CSRF token, not logged in.
      assert.match(await (await importForm(erin, `@misc{a, eprint={${PAPER}}}`, {})).text(), /Choose one of your collections, or name a new one/);
      assert.equal((await importForm(erin, `@misc{a, eprint={${PAPER}}}`, { collection: String(adaCol) })).status, 404);
      assert.equal((await importForm(erin, `@misc{a, eprint={${PAPER}}}`, { new_name: 'x' }, 'a.bib', false)).status, 403);
      const anon = new FormData();
      anon.set('file', new Blob(['@misc{a}']), 'a.bib');
      assert.equal((await fetch(`${server.base}/collections/import`, { method: 'POST', body: anon, redirect: 'manual' })).status, 403, 'no session: no CSRF token either');
      assert.equal((await fetch(`${server.base}/collections/import`, { redirect: 'manual' })).status, 303, 'the form asks to log in');
    });

    test(`import: at most 10 a member an hour (429 after)`, async () => {
      const fay = await sessionMember(database, () => server.base, 'fay');
      for (let i = 0; i < 10; i++) assert.equal((await importForm(fay, `@misc{a, eprint={${PAPER}}}`, { new_name: 'Rate' })).status, 200);
      const r = await importForm(fay, `@misc{a, eprint={${PAPER}}}`, { new_name: 'Rate' });
      assert.equal(r.status, 429);
      assert.match(await r.text(), /At most 10 imports an hour/);
      assert.ok(Number(r.headers.get('retry-after')) > 0);
    });

    test('private notes: edited with a form (CSRF), shown to the owner only, searchable', async () => {
      const r = await ada.form(`/collections/${adaCol}/private-note`, { paper: PAPER, note: 'Mine & only mine <script>' });
      assert.equal(r.status, 303);
      assert.equal(r.headers.get('location'), `/users/ada/collections/reading-group#paper-${PAPER}`);
      assert.equal((await ada.form(`/collections/${adaCol}/private-note`, { paper: PAPER, note: 'x' }, false)).status, 403);
      assert.equal((await bob.form(`/collections/${adaCol}/private-note`, { paper: PAPER, note: 'x' })).status, 404);
      assert.equal((await ada.form(`/collections/${adaCol}/private-note`, { paper: '2401.99999', note: 'x' })).status, 404);
      assert.equal((await ada.form(`/collections/${adaCol}/private-note`, { paper: PAPER, note: 'x'.repeat(1001) })).status, 400);
      const own = await ada.page('/users/ada/collections/reading-group');
      assert.match(own, /<span class="private-label">Your private note:<\/span> Mine &amp; only mine &lt;script&gt;/);
      assert.match(own, /href="\/users\/ada\/collections\/reading-group\/export\/bibtex" download>BibTeX<\/a>/);
      assert.doesNotMatch(await bob.page('/users/ada/collections/reading-group'), /only mine/);
      assert.doesNotMatch(await (await server.get('/users/ada/collections/reading-group')).text(), /only mine/);
      const search = await ada.page('/collections/search?q=only+mine');
      assert.match(search, /<p class="private-note"><span class="visually-hidden">Your private note: <\/span>Mine &amp; only mine &lt;script&gt;<\/p>/);
      assert.doesNotMatch(await bob.page('/collections/search?q=only+mine'), /private-note/);
      assert.equal((await server.get('/collections/search?q=x')).status, 303);
      assert.equal((await ada.get(`/collections/search?q=${'a'.repeat(201)}`)).status, 400);
      // Clearing.
      await ada.form(`/collections/${adaCol}/private-note`, { paper: PAPER, note: '' });
      assert.equal((await rowsOf(adaCol)).find((x) => x.paper_id === PAPER)!.private_note, null);
      // The public note keeps working beside it.
      assert.ok(await setNote(database.db, { collectionId: adaCol, userId: ada.user.id, paperId: PAPER, note: 'Public note', now: NOW }));
    });
  });
}
