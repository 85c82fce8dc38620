/**
 * Searches sorted by date, on both engines (docs/decisions/0052-search-by-date.md): every page holds exactly the
 * matches a full sort would put there (newest arXiv date first, then id descending, papers without a date last),
 * with filters, after a paper's date changes, and on SQLite after migration 39 keys an existing index by day.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { openDatabase } from '../../src/db/connection.ts';
import { migrate } from '../../src/db/migrate.ts';
import { DOC_DAY_BITS } from '../../src/db/migrations/0039-date-order.ts';
import { migrations } from '../../src/db/migrations/index.ts';
import { parseSearchQuery } from '../../src/domain/search-query.ts';
import { importFiles } from '../../src/importers/import-files.ts';
import { keywordSearch, type SearchFilters } from '../../src/search/keyword.ts';
import { createTestDatabase, ENGINES, openTestDatabase } from '../helpers/db.ts';

interface Fixture {
  id: string;
  created: Date;
  words: string[];
  category: string;
}

/**
 * 90 papers over 12 days, several a day at different hours and some at the same second (ties broken by id), written
 * out of date order; every one has `graph`, one in three `sparse`, one in five is in math.OC.
 */
const PAPERS: Fixture[] = Array.from({ length: 90 }, (_, i) => {
  const day = (i * 7) % 12;
  // Papers imported later are earlier in their day: the index's order within a day is not the date's.
  const hour = 2 - (Math.floor(i / 12) % 3);
  return {
    id: `2501.${String(10_000 + i)}`,
    created: new Date(Date.UTC(2025, 0, 1 + day, 8 + hour, 0, 0)),
    words: ['graph', ...(i % 3 === 0 ? ['sparse'] : [])],
    category: i % 5 === 0 ? 'math.OC' : 'cs.LG',
  };
});

function snapshotFile(papers: Fixture[]): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'dp-by-date-')), 'snapshot.jsonl');
  writeFileSync(file, papers.map((p) => JSON.stringify({
    id: p.id, submitter: 'Ada Lovelace', authors: 'Ada Lovelace', title: `Paper ${p.id} on ${p.words.join(' and ')}`,
    comments: null, 'journal-ref': null, doi: null, 'report-no': null, categories: p.category, license: null,
    abstract: `We study ${p.words.join(' and ')} methods.`, versions: [{ version: 'v1', created: p.created.toUTCString() }],
    update_date: '2025-02-01', authors_parsed: [['Lovelace', 'Ada', '']],
  })).join('\n') + '\n');
  return file;
}

type Db = Awaited<ReturnType<typeof openTestDatabase>>;

/** Every page of a date-sorted search, `size` at a time, concatenated; and the total the first page reported. */
async function allPages(database: Db, q: string, size: number, filters: SearchFilters = {}): Promise<{ ids: string[]; total: number }> {
  const ids: string[] = [];
  let total = -1;
  for (let offset = 0; ; offset += size) {
    const r = await keywordSearch(database, parseSearchQuery(q), { sort: 'date', limit: size, offset, filters, noSpelling: true });
    if (total < 0) total = r.total;
    ids.push(...r.hits.map((h) => h.paperId));
    if (r.hits.length < size) return { ids, total };
  }
}

/** The order a full sort gives: newest date first, then id descending; no date last. */
async function expected(database: Db, keep: (f: Fixture) => boolean): Promise<string[]> {
  const dates = new Map((await sql<{ id: string; published_at: string | null }>`select id, published_at from papers`.execute(database.db)).rows.map((r) => [r.id, r.published_at]));
  return PAPERS.filter(keep).map((f) => ({ id: f.id, at: dates.get(f.id) ?? null }))
    .sort((a, b) => (a.at === b.at ? 0 : a.at === null ? 1 : b.at === null ? -1 : a.at < b.at ? 1 : -1) || (a.id < b.id ? 1 : -1))
    .map((x) => x.id);
}

for (const engine of ENGINES) {
  describe(`search sorted by date on ${engine}`, () => {
    let database: Db;
    before(async () => {
      database = await openTestDatabase(engine);
      assert.equal((await importFiles(database, [snapshotFile(PAPERS)], { format: 'arxiv-snapshot' })).new, PAPERS.length);
    });
    after(async () => {
      await database?.close();
    });

    test('every page holds what a full sort puts there, for a word in every paper and one in a third of them', async () => {
      for (const size of [1, 7, 30]) {
        const all = await allPages(database, 'graph', size);
        assert.deepEqual(all.ids, await expected(database, () => true), `graph, ${size} a page`);
        assert.equal(all.total, PAPERS.length);
        assert.deepEqual((await allPages(database, 'sparse', size)).ids, await expected(database, (f) => f.words.includes('sparse')), `sparse, ${size} a page`);
      }
    });

    test('date filters keep exactly their days, sorted by date or by relevance', async () => {
    const within = (f: Fixture) => f.created >= new Date('2025-01-04T00:00:00Z') && f.created < new Date('2025-01-08T00:00:00Z');
    const filters = { from: '2025-01-04', to: '2025-01-07' };
    assert.deepEqual((await allPages(database, 'graph', 6, filters)).ids, await expected(database, within));
    const relevance = await keywordSearch(database, parseSearchQuery('graph'), { limit: 100, offset: 0, filters, noSpelling: true });
    assert.deepEqual(relevance.hits.map((h) => h.paperId).sort(), PAPERS.filter(within).map((f) => f.id).sort());
    assert.deepEqual((await allPages(database, 'graph', 6, { to: '2024-12-31' })).ids, []);
  });

  test('with a filter, the pages hold the matches that pass it, in the same order', async () => {
      const all = await allPages(database, 'graph', 4, { category: 'math.OC' });
      assert.deepEqual(all.ids, await expected(database, (f) => f.category === 'math.OC'));
      assert.deepEqual((await allPages(database, 'sparse', 2, { from: '2025-01-06' })).ids,
        (await expected(database, (f) => f.words.includes('sparse'))).filter((id) => PAPERS.find((f) => f.id === id)!.created >= new Date('2025-01-06T00:00:00Z')));
    });

    test('a paper whose date changes moves with it; papers without a date come last', async () => {
      const [oldest, other] = [PAPERS[1]!.id, PAPERS[2]!.id];
      await sql`update papers set published_at = ${'2025-03-01T00:00:00.000Z'} where id = ${oldest}`.execute(database.db);
      await sql`update papers set published_at = null where id = ${other}`.execute(database.db);
      const all = await allPages(database, 'graph', 7);
      assert.equal(all.ids[0], oldest);
      assert.equal(all.ids.at(-1), other);
      assert.deepEqual(all.ids, await expected(database, () => true));
      assert.deepEqual((await allPages(database, 'graph', 7)).ids.length, PAPERS.length, 'each paper once');
    });

    if (engine === 'sqlite') {
      test('the keyword index is keyed by day, and the migration keys an index that was not', async () => {
        const t = await createTestDatabase('sqlite');
        const older = await openDatabase(t.config);
        try {
          const said: string[] = [];
          await migrate(older, migrations.filter((m) => m.version < 39), (line) => said.push(line));
          assert.equal(said.length, 0, 'an empty database is migrated without a notice');
          assert.equal((await importFiles(older, [snapshotFile(PAPERS)], { format: 'arxiv-snapshot' })).new, PAPERS.length);
          await migrate(older, migrations, (line) => said.push(line));
          assert.equal(said.length, 1);
          assert.match(said[0]!, /^schema 39 \(date-order\): indexing every paper again in date order.*the site starts once it is done/);
          const docs = await sql<{ doc: number; day: number }>`select d.doc, cast(unixepoch(p.published_at) / 86400 as integer) as day
            from papers_fts_docs d join papers p on p.id = d.paper_id`.execute(older.db);
          assert.equal(docs.rows.length, PAPERS.length);
          for (const r of docs.rows) assert.equal(Math.floor(Number(r.doc) / 2 ** DOC_DAY_BITS), Number(r.day));
          assert.equal(Number((await sql<{ n: number }>`select count(*) as n from papers_fts where papers_fts match 'graph'`.execute(older.db)).rows[0]!.n), PAPERS.length, 'every paper indexed once');
          assert.deepEqual((await allPages(older as Db, 'graph', 7)).ids, await expected(older as Db, () => true));
        } finally {
          await older.close();
          await t.drop();
        }
      });
    }
  });
}
