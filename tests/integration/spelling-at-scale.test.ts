/**
 * SQLite's spelling vocabulary past SQLITE_SYNC_VOCABULARY_MAX papers (docs/decisions/0054-spelling-vocabulary-off-the-event-loop.md):
 * the terms are read from fts5vocab in a worker thread, on a connection of its own, and a misspelt word is corrected
 * from them; the search's own connection never reads fts5vocab (each letter's read held the event loop 0.4–2.3 s at
 * 1M papers). readInWorker answers what the site's connection would, and fails with a message; a failed read is
 * logged and tried again after VOCABULARY_RETRY_MS.
 */
import assert from 'node:assert/strict';
import { after, before, describe, mock, test } from 'node:test';
import { sql } from 'kysely';
import { readInWorker } from '../../src/db/sqlite-read-worker.ts';
import { search } from '../../src/search/hybrid.ts';
import { VOCABULARY_RETRY_MS } from '../../src/search/keyword.ts';
import { openTestDatabase } from '../helpers/db.ts';

/** Papers written straight into the table (the importer would take seconds for this many). */
const PAPERS = 20_500;

describe('spelling on a big SQLite index', () => {
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  before(async () => {
    database = await openTestDatabase('sqlite');
    // Every paper has `grasping`; one in ten `quantization`, one in a hundred `decoding`.
    await sql`with recursive n(i) as (select 1 union all select i + 1 from n where i < ${PAPERS})
      insert into papers (id, title, abstract, authors, categories, metadata_source, created_at, modified_at, published_at)
      select printf('2401.%05d', i), 'Robotic grasping ' || case when i % 10 = 0 then 'with quantization' else 'at scale' end,
        'We study grasping' || case when i % 100 = 0 then ' and decoding' else '' end || '.', '[]', '["cs.RO"]', 'arxiv',
        '2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z', printf('2024-01-%02dT00:00:00.000Z', 1 + i % 28)
      from n`.execute(database.db);
  });
  after(async () => {
    await database?.close();
  });

  test('readInWorker reads what the site reads, and fails with a message', async () => {
    const q = `select term, doc from papers_fts_vocab where term >= ? and term < ? order by term`;
    const mine = (await sql.raw<{ term: string; doc: number }>(q.replace(/\?/, "'d'").replace(/\?/, "'h'")).execute(database.db)).rows.map((r) => [r.term, r.doc]);
    assert.deepEqual(await readInWorker(database.where, q, ['d', 'h']), mine);
    assert.ok(mine.some(([t]) => t === 'grasp'), JSON.stringify(mine));
    await assert.rejects(readInWorker(database.where, 'select * from no_such_table'), /no such table: no_such_table/);
    await assert.rejects(readInWorker(`${database.where}.missing`, 'select 1'), /reading .*\.missing in a worker thread/);
  });

  test('a misspelt word is corrected from the vocabulary read in the background, never read on the search connection', async () => {
    const read: string[] = [];
    const seen = database.db.withPlugin({
      transformQuery(args) {
        read.push(JSON.stringify(args.node));
        return args.node;
      },
      transformResult: async (args) => args.result,
    });
    const watched = { ...database, db: seen };
    let corrected: unknown = null;
    // The first searches may come before the worker has read the vocabulary: they answer without a correction.
    for (let i = 0; i < 100 && !corrected; i++) {
      const r = await search({ database: watched, semantic: null }, { q: 'quantizaton', mode: 'keyword', sort: 'relevance', limit: 10, offset: 0 });
      assert.equal(r.kind, 'results');
      if (r.kind === 'results' && r.corrected.length > 0) corrected = r.corrected;
      else await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.deepEqual(corrected, [['quantizaton', 'quantiz']]);
    assert.equal(read.filter((s) => s.includes('papers_fts_vocab')).length, 0, 'fts5vocab is read only in the worker');
  });

  test('a vocabulary read that fails is logged, searches go on without corrections, and it is tried again after VOCABULARY_RETRY_MS', async () => {
    // The worker opens the file by its name: a file moved away is a read that fails (the site's connection keeps it).
    const moved = { ...database, where: `${database.where}.moved` };
    const errors = mock.method(console, 'error', () => {});
    mock.timers.enable({ apis: ['Date'], now: Date.now() });
    try {
      const misspelt = async () => {
        const r = await search({ database: moved, semantic: null }, { q: 'quantizaton', mode: 'keyword', sort: 'relevance', limit: 10, offset: 0 });
        assert.equal(r.kind, 'results');
        return r.kind === 'results' ? r.corrected : null;
      };
      const failures = () => errors.mock.calls.filter((c) => /spelling corrections: reading the keyword index's vocabulary failed/.test(String(c.arguments[0]))).length;
      const failed = async (n: number) => {
        for (let i = 0; i < 100 && failures() < n; i++) await new Promise((r) => setImmediate(r)), await new Promise((r) => setTimeout(r, 20));
        return failures();
      };
      assert.deepEqual(await misspelt(), []);
      assert.equal(await failed(1), 1);
      assert.match(String(errors.mock.calls.at(-1)!.arguments[0]), /\.moved.*the next search after 5 minutes reads it again/);
      // Within the retry interval nothing is read again.
      mock.timers.tick(VOCABULARY_RETRY_MS - 1_000);
      assert.deepEqual(await misspelt(), []);
      assert.equal(await failed(2), 1);
      mock.timers.tick(2_000);
      assert.deepEqual(await misspelt(), []);
      assert.equal(await failed(2), 2);
    } finally {
      mock.timers.reset();
      errors.mock.restore();
    }
  });
});
