/**
 * Keyword ranking at scale on SQLite (docs/decisions/0044-ranking-at-scale.md): bm25_idf (native/bm25-idf.c)
 * ranks with cached IDFs instead of FTS5's whole-index pass per query, and a tier with more than
 * RANK_WINDOW matches is ranked in bands (the newest title matches, then the other newest matches).
 * Checked here: bm25_idf gives the order bm25() gives; a broad tier still puts the papers with the word in
 * the title first, even the oldest; its pages never repeat a paper; and the site works without the
 * extension (SQLITE_RANK_EXTENSION=off); a filter few papers pass (`?code=1`, `?listed=1`) is tested on the index's
 * rows as a set of docs. PostgreSQL ranks otherwise (tests/integration/search-broad.test.ts).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { openDatabase, RANK_EXTENSION, type Database } from '../../src/db/connection.ts';
import { migrate } from '../../src/db/migrate.ts';
import { parseSearchQuery } from '../../src/domain/search-query.ts';
import { importFiles } from '../../src/importers/import-files.ts';
import { keywordSearch, RANK_WINDOW } from '../../src/search/keyword.ts';

const PAPERS = RANK_WINDOW + 300;
/** The oldest papers (the lowest rowids, outside the newest window) have "graph" in their titles. */
const TITLED = 20;
const id = (i: number) => `2501.${String(i).padStart(5, '0')}`;

function dayFile(): string {
  const entries = Array.from({ length: PAPERS }, (_, i) => {
    const title = i < TITLED ? `Graph methods, part ${i}` : `Paper number ${i}`;
    // Every paper has "graph" in its abstract; a few have "omega" a different number of times, some "delta" too.
    const omega = i % 97 === 0 ? ` ${'omega '.repeat(1 + (i % 5))}` : '';
    const delta = i % 3 === 0 ? ' delta' : '';
    const summary = `We study the graph of item ${i}.${omega}${delta} ${'filler '.repeat(i % 13)}`;
    return {
      paper: { id: id(i), title, summary, upvotes: 0, publishedAt: '2025-01-05T00:00:00.000Z', authors: [{ _id: `${id(i)}-0`, name: 'Anon Author', hidden: false }] },
      publishedAt: '2025-01-06T08:00:00.000Z', title, numComments: 0,
    };
  });
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'dp-rank-')), '2025-01-06.json');
  writeFileSync(file, JSON.stringify(entries));
  return file;
}

async function open(file: string, extension: boolean): Promise<Database> {
  const before = process.env.SQLITE_RANK_EXTENSION;
  process.env.SQLITE_RANK_EXTENSION = extension ? 'on' : 'off';
  try {
    return await openDatabase({ engine: 'sqlite', path: file });
  } finally {
    if (before === undefined) delete process.env.SQLITE_RANK_EXTENSION;
    else process.env.SQLITE_RANK_EXTENSION = before;
  }
}

/** `database` with every statement's SQL recorded (a new database object: the search's caches start empty for it). */
function watching(database: Database): { watched: Database; statements: string[] } {
  const statements: string[] = [];
  const db = database.db.withPlugin({
    transformQuery(args) {
      statements.push(database.db.getExecutor().compileQuery(args.node, args.queryId).sql);
      return args.node;
    },
    transformResult: async (args) => args.result,
  });
  return { watched: { ...database, db }, statements };
}

describe('keyword ranking at scale on sqlite', () => {
  let withIdf: Database;
  let plain: Database;
  before(async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'dp-rank-db-')), 'site.db');
    withIdf = await open(file, true);
    await migrate(withIdf);
    const r = await importFiles(withIdf, [dayFile()]);
    assert.equal(r.new, PAPERS);
    plain = await open(file, false);
  });
  after(async () => {
    await withIdf?.close();
    await plain?.close();
  });

  test('the extension is built by npm install and loaded; SQLITE_RANK_EXTENSION=off leaves it out', () => {
    assert.ok(existsSync(RANK_EXTENSION), `${RANK_EXTENSION} is missing: scripts/build-native.mjs did not run or failed`);
    assert.equal(withIdf.rankWithIdf, true);
    assert.equal(plain.rankWithIdf, false);
  });

  test('bm25_idf ranks as bm25() does (same papers, same order, same scores)', async () => {
    // Tiers below RANK_WINDOW (a broader one is ranked in bands, on purpose not as bm25() would).
    for (const q of ['omega', 'omega delta', '"graph of item" omega', 'omega -delta']) {
      const a = await keywordSearch(withIdf, parseSearchQuery(q), { limit: 50, offset: 0 });
      const b = await keywordSearch(plain, parseSearchQuery(q), { limit: 50, offset: 0 });
      assert.ok(a.hits.length > 0, q);
      assert.deepEqual(a.hits.map((h) => h.paperId), b.hits.map((h) => h.paperId), q);
      for (let i = 0; i < a.hits.length; i++) assert.ok(Math.abs(a.hits[i]!.score - b.hits[i]!.score) < 1e-6 * Math.max(1, Math.abs(b.hits[i]!.score)), `${q}: ${a.hits[i]!.score} vs ${b.hits[i]!.score}`);
      assert.equal(a.total, b.total, q);
    }
  });

  test('a broad tier puts the papers with the word in the title first, even the oldest, and counts to the cap', async () => {
    for (const database of [withIdf, plain]) {
      const r = await keywordSearch(database, parseSearchQuery('graph'), { limit: TITLED, offset: 0 });
      assert.deepEqual(new Set(r.hits.map((h) => h.paperId)), new Set(Array.from({ length: TITLED }, (_, i) => id(i))));
      assert.equal(r.totalCapped, true);
    }
  });

  test('the pages of a broad tier never repeat a paper, across its bands', async () => {
    const seen = new Set<string>();
    for (let offset = 0; offset < 400; offset += 20) {
      const r = await keywordSearch(withIdf, parseSearchQuery('graph'), { limit: 20, offset });
      assert.equal(r.hits.length, 20, `offset ${offset}`);
      for (const h of r.hits) {
        assert.ok(!seen.has(h.paperId), `${h.paperId} again at offset ${offset}`);
        seen.add(h.paperId);
      }
    }
  });

  test('a broad tier sorted by upvotes, or filtered, is read newest first to the window, the filter inside it', async () => {
    const newest = id(PAPERS - 1);
    const next = id(PAPERS - 2);
    const old = id(TITLED + 30);
    await sql`update papers set upvotes = case id when ${newest} then 5 when ${next} then 9 when ${old} then 100 end where id in (${newest}, ${next}, ${old})`.execute(withIdf.db);
    const byVotes = await keywordSearch(withIdf, parseSearchQuery('graph'), { limit: 10, offset: 0, sort: 'upvotes' });
    assert.deepEqual(byVotes.hits.slice(0, 2).map((h) => h.paperId), [next, newest]);
    assert.ok(!byVotes.hits.some((h) => h.paperId === old), 'older than the newest RANK_WINDOW matches');
    await sql`update papers set github_repo = 'https://github.com/a/b' where id in (${id(3)}, ${newest}, ${old})`.execute(withIdf.db);
    const withCode = await keywordSearch(withIdf, parseSearchQuery('graph'), { limit: 10, offset: 0, filters: { hasCode: true } });
    assert.deepEqual(withCode.hits.map((h) => h.paperId)[0], id(3), 'the title match first');
    assert.deepEqual(new Set(withCode.hits.map((h) => h.paperId)), new Set([id(3), newest, old]));
    assert.equal(withCode.total, 3);
  });

  test('the words of one query share one read of the IDF sample', async () => {
    // A database object of its own: its caches start empty.
    const { watched, statements } = watching(withIdf);
    // The three words are in every paper, more than IDF_EXACT_MAX: their IDFs are estimated from the newest papers.
    const r = await keywordSearch(watched, parseSearchQuery('graph item study'), { limit: 10, offset: 0 });
    assert.equal(r.hits.length, 10);
    assert.equal(statements.filter((s) => s.includes('order by doc desc limit 1 offset')).length, 1, statements.join('\n'));
  });

  test('a filter few papers pass is tested as the set of their docs, on the keyword index\'s rows, with the same answers', async () => {
    const { watched, statements } = watching(withIdf);
    await sql`update papers set github_repo = 'https://github.com/a/b' where id in (${id(3)}, ${id(PAPERS - 1)}, ${id(TITLED + 30)})`.execute(withIdf.db);
    for (const sort of ['relevance', 'date', 'upvotes'] as const) {
      statements.length = 0;
      const withCode = await keywordSearch(watched, parseSearchQuery('graph'), { limit: 10, offset: 0, sort, filters: { hasCode: true } });
      assert.deepEqual(new Set(withCode.hits.map((h) => h.paperId)), new Set([id(3), id(PAPERS - 1), id(TITLED + 30)]), sort);
      assert.equal(withCode.total, 3, sort);
      assert.ok(statements.some((s) => s.includes('+papers_fts.rowid in (select d.doc from papers_fts_docs d where d.paper_id in (select s.id from papers s where s.github_repo')), `${sort}: ${statements.join('\n')}`);
    }
    // Every paper here was on the one daily list: the listed filter changes nothing, pages included.
    for (const offset of [0, 4_990]) {
      const all = await keywordSearch(withIdf, parseSearchQuery('graph delta'), { limit: 20, offset });
      statements.length = 0;
      const listed = await keywordSearch(watched, parseSearchQuery('graph delta'), { limit: 20, offset, filters: { listed: true } });
      assert.deepEqual(listed.hits.map((h) => h.paperId), all.hits.map((h) => h.paperId), `offset ${offset}`);
      assert.equal(listed.total, all.total);
      assert.ok(statements.some((s) => s.includes('(select s.paper_id from daily_entries s')));
    }
  });

  test('a broad tier of two words and a date sort still answer', async () => {
    const r = await keywordSearch(withIdf, parseSearchQuery('graph item'), { limit: 10, offset: 0 });
    assert.equal(r.hits.length, 10);
    assert.ok(r.hits.slice(0, 10).every((h) => Number(h.paperId.slice(5)) < TITLED), JSON.stringify(r.hits.slice(0, 3)));
    const byDate = await keywordSearch(withIdf, parseSearchQuery('graph'), { limit: 10, offset: 0, sort: 'date' });
    assert.equal(byDate.hits.length, 10);
  });
});
