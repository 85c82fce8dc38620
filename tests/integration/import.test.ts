import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Database } from '../../src/db/connection.ts';
import { countPapers, getPaper } from '../../src/db/queries/papers.ts';
import { importFiles, listInputFiles } from '../../src/importers/import-files.ts';
import { ENGINES, openTestDatabase } from '../helpers/db.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures');
const fx = (...p: string[]) => path.join(FIXTURES, ...p);

for (const engine of ENGINES) {
  describe(`importing on ${engine}`, () => {
    let database: Database;
    before(async () => {
      database = await openTestDatabase(engine);
    });
    after(() => database.close());

    const entriesOf = (paperId: string) =>
      database.db.selectFrom('daily_entries').selectAll().where('paper_id', '=', paperId).orderBy('day').execute();

    test('Hugging Face day files of every schema generation, then again: nothing new', async () => {
      const files = await listInputFiles([fx('hf-daily')]);
      const first = await importFiles(database, files);
      assert.deepEqual(
        { read: first.read, new: first.new, updated: first.updated, unchanged: first.unchanged, rejected: first.rejected },
        { read: 12, new: 12, updated: 0, unchanged: 0, rejected: 0 },
      );
      const second = await importFiles(database, files);
      assert.deepEqual([second.read, second.new, second.updated, second.unchanged], [12, 0, 0, 12]);

      const p = await getPaper(database.db, '2510.22115');
      assert.ok(p);
      assert.ok(p.upvotes > 0);
      assert.ok(p.organization, 'the 2025-11 generation carries an organization');
      assert.ok(p.hfAuthors && p.hfAuthors.length > 0 && typeof p.hfAuthors[0]!._id === 'string');
      const [entry] = await entriesOf('2510.22115');
      assert.equal(entry!.day, '2025-11-04', 'a file named YYYY-MM-DD.json is that day’s list');
      assert.ok(entry!.submitter_id !== null);
    });

    test('a malformed file is rejected whole, with its name and reason, and the others go on', async () => {
      const before = await countPapers(database.db);
      const r = await importFiles(database, await listInputFiles([fx('hf-daily-malformed'), fx('arxiv-oai', 'getrecord-arxivraw.xml')]));
      assert.equal(r.rejected, 4);
      assert.equal(r.new, 1, 'the good file after the bad ones is imported');
      const reasons = Object.fromEntries(r.rejections.map((x) => [path.basename(x.file), x.reason]));
      assert.match(reasons['2024-12-11.json']!, /Python repr/);
      assert.match(reasons['2025-01-10.json']!, /wrapper/);
      assert.match(reasons['truncated.json']!, /invalid JSON/);
      assert.match(reasons['missing-paper-id.json']!, /entry 2: missing paper\.id/);
      assert.equal(await countPapers(database.db), before + 1, 'nothing of a rejected file was written');
    });

    test('a bad line deep in a snapshot rolls back the lines before it', async () => {
      const before = await countPapers(database.db);
      const r = await importFiles(database, [fx('arxiv-snapshot', 'snapshot-bad-line.jsonl')]);
      assert.equal(r.rejected, 1);
      assert.match(r.rejections[0]!.reason, /line 3: invalid JSON/);
      assert.equal(await countPapers(database.db), before);
    });

    test('OAI-PMH, Atom and snapshot samples import with counts equal to their records', async () => {
      const oai = await importFiles(database, await listInputFiles([fx('arxiv-oai')]));
      // 3 ListRecords/GetRecord pages with 2 + 2 + 1 records (one deleted record each is not a paper);
      // the 5 error responses are rejected, except noRecordsMatch, which is an empty page.
      assert.equal(oai.read, 5);
      assert.equal(oai.rejected, 4);
      for (const x of oai.rejections) assert.match(x.reason, /arXiv OAI-PMH error (badArgument|badResumptionToken|badVerb|idDoesNotExist)/);

      const atom = await importFiles(database, await listInputFiles([fx('arxiv-atom')]));
      assert.equal(atom.read, 5);
      assert.equal(atom.rejected, 1, 'the API error feed');
      assert.match(atom.rejections[0]!.reason, /arXiv API error incorrect_id_format/);

      const snap = await importFiles(database, [fx('arxiv-snapshot', 'snapshot.jsonl')]);
      assert.deepEqual([snap.read, snap.new, snap.rejected], [6, 6, 0]);
      const again = await importFiles(database, [fx('arxiv-snapshot', 'snapshot.jsonl')]);
      assert.deepEqual([again.new, again.updated, again.unchanged], [0, 0, 6]);

      const old = await getPaper(database.db, 'supr-con/9609003');
      assert.ok(old, 'old-style ids are stored as they are');
      assert.deepEqual(old.categories, ['supr-con', 'cond-mat.supr-con']);
    });

    test('the same paper from arXiv and Hugging Face keeps the fields of both', async () => {
      // 1706.03762 is in the snapshot fixture; list it on a day from Hugging Face with upvotes.
      const { writeFileSync, mkdtempSync } = await import('node:fs');
      const dir = mkdtempSync(path.join((await import('node:os')).tmpdir(), 'dp-merge-'));
      const file = path.join(dir, '2024-06-01.json');
      writeFileSync(
        file,
        JSON.stringify([
          {
            paper: {
              id: '1706.03762', title: 'Attention Is All You Need', upvotes: 99, summary: 'HF copy of the abstract',
              authors: [{ _id: 'hf1', name: 'Ashish Vaswani', hidden: false }], githubRepo: 'https://github.com/tensorflow/tensor2tensor',
            },
            publishedAt: '2024-06-01T08:00:00.000Z', title: 'Attention Is All You Need', numComments: 4,
          },
        ]),
      );
      const before = await getPaper(database.db, '1706.03762');
      assert.ok(before && before.categories.length > 0);
      const r = await importFiles(database, [file]);
      assert.deepEqual([r.new, r.updated], [0, 1]);
      const p = await getPaper(database.db, '1706.03762');
      assert.ok(p);
      assert.deepEqual(p.categories, before.categories, 'categories from arXiv are kept');
      assert.equal(p.abstract, before.abstract, 'arXiv owns the abstract');
      assert.equal(p.upvotes, 99, 'upvotes from Hugging Face are added');
      assert.equal(p.githubRepo, 'https://github.com/tensorflow/tensor2tensor');
      assert.equal(p.hfAuthors![0]!._id, 'hf1');
      const [entry] = await entriesOf('1706.03762');
      assert.equal(entry!.day, '2024-06-01');
      assert.equal(entry!.num_comments, 4);
      assert.equal(entry!.submitter_id, null);
    });

    test('a later record without submitter or organization keeps both', async () => {
      const [before] = await entriesOf('2510.22115');
      assert.ok(before!.submitter_id !== null);
      const input = JSON.parse((await import('node:fs')).readFileSync(fx('hf-daily', '2025-11-04.json'), 'utf8'));
      const bare = input.map((e: any) => ({ paper: { id: e.paper.id, title: e.paper.title, upvotes: e.paper.upvotes + 1 }, numComments: 9 }));
      const dir = (await import('node:fs')).mkdtempSync(path.join((await import('node:os')).tmpdir(), 'dp-bare-'));
      (await import('node:fs')).writeFileSync(path.join(dir, '2025-11-04.json'), JSON.stringify(bare));
      const r = await importFiles(database, [path.join(dir, '2025-11-04.json')]);
      assert.equal(r.updated, 2);
      const [after] = await entriesOf('2510.22115');
      assert.equal(after!.num_comments, 9);
      assert.equal(after!.submitter_id, before!.submitter_id, 'the submitter stays');
      assert.equal((await getPaper(database.db, '2510.22115'))?.organization, 'inclusionAI', 'the organization stays');
    });

    test('arXiv listing records add categories to Hugging Face papers and keep their upvotes', async () => {
      const before = await getPaper(database.db, '2510.22115');
      assert.deepEqual(before?.categories, []);
      const r = await importFiles(database, [fx('arxiv-listing', 'listing.jsonl')]);
      assert.deepEqual([r.read, r.new, r.updated, r.rejected], [3, 2, 1, 0]);
      const after = await getPaper(database.db, '2510.22115');
      assert.deepEqual(after?.categories, ['cs.LG', 'cs.CL']);
      assert.equal(after?.upvotes, before?.upvotes);
      assert.equal(after?.organization, before?.organization);
      const rows = await database.db.selectFrom('paper_categories').select('category').where('paper_id', '=', '2510.22115').orderBy('position').execute();
      assert.deepEqual(rows.map((x) => x.category), ['cs.LG', 'cs.CL']);
      const again = await importFiles(database, [fx('arxiv-listing', 'listing.jsonl')]);
      assert.deepEqual([again.new, again.updated, again.unchanged], [0, 0, 3]);
    });

    test('an entry taken off its list stays off when the list is imported again, until it is put back', async () => {
      const { removeEntry, addEntry } = await import('../../src/db/queries/submissions.ts');
      const day = fx('hf-daily', '2025-06-26.json');
      assert.equal((await entriesOf('2506.20639')).length, 1);
      assert.equal(await removeEntry(database.db, '2506.20639', '2025-06-26'), true);
      const again = await importFiles(database, [day]);
      assert.equal(again.rejected, 0);
      assert.equal((await entriesOf('2506.20639')).length, 0, 'the import does not bring it back');
      const user = await database.db
        .insertInto('users')
        .values({ username: 'ed', email: 'ed@example.org', password_hash: null, created_at: new Date().toISOString() })
        .returning('id')
        .executeTakeFirstOrThrow();
      assert.equal(await addEntry(database.db, { paperId: '2506.20639', day: '2025-06-26', userId: user.id, comment: null, now: new Date() }), true);
      await database.db.deleteFrom('daily_entries').where('paper_id', '=', '2506.20639').execute();
      await importFiles(database, [day]);
      assert.equal((await entriesOf('2506.20639')).length, 1, 'put back by hand, the list may bring it again');
    });

    test('arXiv records: the freshest version wins whatever the order', async () => {
      // hep-th/9901001 is v2 in the Atom feed ("Branes at Angles and Black Holes in Four Dimensions") and has no
      // version in the OAI page ("Branes at angles"). Both were imported above, OAI first: the v2 title won.
      const p = await getPaper(database.db, 'hep-th/9901001');
      assert.equal(p?.title, 'Branes at Angles and Black Holes in Four Dimensions');
      assert.equal(p?.version, 2);
      // Importing the older OAI record again does not roll it back.
      const r = await importFiles(database, [fx('arxiv-oai', 'listrecords-arxiv.xml')]);
      assert.equal(r.new + r.updated, 0);
      assert.equal((await getPaper(database.db, 'hep-th/9901001'))?.title, 'Branes at Angles and Black Holes in Four Dimensions');
    });
  });
}
