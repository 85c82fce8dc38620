/**
 * Broad keyword queries (src/search/keyword.ts, TIER_BUDGET): when a query's common words match more
 * papers than one tier ranks, the "some words" tier is restricted to the papers with its rarer words,
 * which are then all ranked, on both engines. (PostgreSQL ranks at most RANK_POOL matches of a tier: before
 * the restriction it ranked the first 1,000 the index gave and missed a paper imported after them.)
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql, type RootOperationNode } from 'kysely';
import { parseDatabaseUrl } from '../../src/config.ts';
import { openDatabase, type Database } from '../../src/db/connection.ts';
import { parseSearchQuery } from '../../src/domain/search-query.ts';
import { importFiles } from '../../src/importers/import-files.ts';
import { COUNT_CAP, keywordSearch, RANK_POOL } from '../../src/search/keyword.ts';
import { ENGINES, openTestDatabase } from '../helpers/db.ts';

const COMMON = RANK_POOL + 200;

/** A statement as the engine gets it, with its parameters inlined (to tell which term a count is of). */
function compiled(database: Database, node: RootOperationNode): string {
  const q = database.db.getExecutor().compileQuery(node, { queryId: 'test' } as never);
  return `${q.sql} ${JSON.stringify(q.parameters)}`;
}
/** The database with every statement it runs recorded (compiled, parameters inlined). */
function watching(database: Database): { watched: Database; statements: string[] } {
  const statements: string[] = [];
  const db = database.db.withPlugin({
    transformQuery: (a) => {
      statements.push(compiled(database, a.node));
      return a.node;
    },
    transformResult: async (a) => a.result,
  });
  return { watched: { ...database, db }, statements };
}
/**
 * PostgreSQL: `number omega zeta` finds the target, and of its words only the absent one is counted through the
 * index: "number" is in every paper but one (and was never counted on this database: counts are cached).
 */
async function commonWordNotCounted(database: Database): Promise<void> {
  const { watched, statements } = watching(database);
  const r = await keywordSearch(watched, parseSearchQuery('number omega zeta'), { limit: 10, offset: 0 });
  assert.equal(r.hits[0]?.paperId, TARGET);
  const counts = statements.filter((q) => /select count\(\*\) as n from \(select 1 from paper_search/.test(q)).join('\n');
  assert.ok(!counts.includes('"number"'), `"number" counted:\n${counts}`);
  assert.ok(counts.includes('"zeta"'), `"zeta" not counted:\n${counts}`);
}
const TARGET = `2501.${String(COMMON).padStart(5, '0')}`;
const BETA = 50;

function dayFile(): string {
  const entries = Array.from({ length: COMMON + 1 }, (_, i) => {
    const id = `2501.${String(i).padStart(5, '0')}`;
    // Every paper has the common word; the last one imported also has the rare one.
    const title = id === TARGET ? 'Alpha methods meet the omega constraint' : `Alpha methods, study ${i}`;
    // The first BETA papers also have "beta": a tier bigger than a page and smaller than the pool.
    // The target's title has "omega constraint" spaced, its summary hyphenated (a hyphenated query on PostgreSQL matches it as written).
    const summary = id === TARGET ? 'An alpha study of the omega-constraint.' : `An alpha study number ${i} of ${i < BETA ? 'beta ' : ''}methods.`;
    return entry(id, title, summary);
  });
  return writeDay(entries);
}

/** A daily-papers entry in Hugging Face's format. */
function entry(id: string, title: string, summary: string) {
  return {
    paper: { id, title, summary, upvotes: 0, publishedAt: '2025-01-05T00:00:00.000Z', authors: [{ _id: `${id}-0`, name: 'Anon Author', hidden: false }] },
    publishedAt: '2025-01-06T08:00:00.000Z', title, numComments: 0,
  };
}

function writeDay(entries: unknown[]): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'dp-broad-')), '2025-01-06.json');
  writeFileSync(file, JSON.stringify(entries));
  return file;
}

for (const engine of ENGINES) {
  describe(`broad keyword queries on ${engine}`, () => {
    let database: Awaited<ReturnType<typeof openTestDatabase>>;
    before(async () => {
      database = await openTestDatabase(engine);
      const r = await importFiles(database, [dayFile()]);
      assert.equal(r.rejected, 0);
      assert.equal(r.new, COMMON + 1);
    });
    after(async () => {
      await database?.close();
    });

    test('the "some words" tier of a common word ranks the papers with the rarer word, wherever they are in the index', async () => {
      // No paper has all three words; "alpha" is in every paper, "omega" in one, "zeta" in none.
      const r = await keywordSearch(database, parseSearchQuery('alpha omega zeta'), { limit: 10, offset: 0 });
      assert.equal(r.hits[0]?.paperId, TARGET, JSON.stringify(r.hits.slice(0, 3)));
    });

    test('a phrase (quoted with stop words, or hyphenated) among common words leads the "some words" tier to its paper', async () => {
      // PostgreSQL orders the terms by a phrase's rarest word (stop words not counted), not by counting the phrase.
      for (const q of ['alpha "the omega constraint" zeta', 'alpha omega-constraint zeta']) {
        const r = await keywordSearch(database, parseSearchQuery(q), { limit: 10, offset: 0 });
        assert.equal(r.hits[0]?.paperId, TARGET, `${q}: ${JSON.stringify(r.hits.slice(0, 3))}`);
      }
    });

    test('a word in several phrases is counted once per search (PostgreSQL counts a phrase by its words)', async () => {
      const { watched, statements } = watching(database);
      const r = await keywordSearch(watched, parseSearchQuery('alpha "omega constraint" "the omega study" omega-methods zeta'), { limit: 10, offset: 0 });
      assert.equal(r.hits[0]?.paperId, TARGET);
      const counts = statements.filter((q) => /select count\(\*\) as n from \(select (1 from paper_search|rowid from papers_fts)/.test(q));
      assert.ok(counts.length > 0, 'the tier counted its terms');
      assert.equal(new Set(counts).size, counts.length, `each count once:\n${counts.join('\n')}`);
    });

    if (engine === 'postgres') {
      test('once the table is analyzed, a common word is not counted through the index, even before the vocabulary is read', async () => {
        await sql`analyze paper_search`.execute(database.db);
        // A new connection pool: nothing cached, no vocabulary (it is read in the background, after the first count).
        const fresh = await openDatabase(parseDatabaseUrl(database.url));
        try {
          await commonWordNotCounted(fresh);
        } finally {
          await fresh.close();
        }
      });

      test('once PostgreSQL has read its vocabulary, a common word is not counted through the index (an absent one still is)', async () => {
        // The vocabulary is read in the background; "did you mean" needs it, so its answer says it is there.
        const deadline = Date.now() + 30_000;
        while ((await keywordSearch(database, parseSearchQuery('numbr'), { limit: 10, offset: 0 })).corrected === null) {
          assert.ok(Date.now() < deadline, 'the vocabulary was never read');
          await new Promise((r) => setTimeout(r, 100));
        }
        await commonWordNotCounted(database);
      });
    }

    test('a query of the common word alone still lists its papers, and counts stop at the cap', async () => {
      const r = await keywordSearch(database, parseSearchQuery('alpha'), { limit: 10, offset: 0 });
      assert.equal(r.hits.length, 10);
      assert.equal(r.totalCapped, true);
      const both = await keywordSearch(database, parseSearchQuery('alpha omega'), { limit: 10, offset: 0 });
      assert.equal(both.hits[0]?.paperId, TARGET, 'every word: first');
    });

    test('a tier bigger than a page is counted exactly, and limit 0 (the count semantic search shows) gives the same count without hits', async () => {
      const beta = await keywordSearch(database, parseSearchQuery('beta'), { limit: 10, offset: 0 });
      assert.equal(beta.hits.length, 10);
      assert.deepEqual([beta.total, beta.totalCapped], [BETA, false]);
      const page5 = await keywordSearch(database, parseSearchQuery('beta'), { limit: 10, offset: 40 });
      assert.deepEqual([page5.hits.length, page5.total, page5.totalCapped], [10, BETA, false]);
      for (const q of ['beta', 'alpha', 'omega', 'alpha omega zeta', 'beta omega']) {
        const page = await keywordSearch(database, parseSearchQuery(q), { limit: 10, offset: 0 });
        const count = await keywordSearch(database, parseSearchQuery(q), { limit: 0, offset: 0 });
        assert.deepEqual(count.hits, [], q);
        assert.deepEqual([count.total, count.totalCapped], [page.total, page.totalCapped], q);
      }
      const both = await keywordSearch(database, parseSearchQuery('beta omega'), { limit: 0, offset: 0 });
      assert.deepEqual([both.total, both.totalCapped], [BETA + 1, false], 'the papers with either word');
    });
  });
}

describe('the "some words" tier of common words on postgres', () => {
  // "gamma" and "delta" are each in more than twice COUNT_CAP papers, and together in COUNT_CAP: the every-word
  // tier is not past the cap, the "some words" tier takes the total past it.
  const EACH = 2 * COUNT_CAP + 50;
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  before(async () => {
    database = await openTestDatabase('postgres');
    // The statistics are taken when the test says (autovacuum would take them at its next round).
    await sql`alter table paper_search set (autovacuum_enabled = false)`.execute(database.db);
    const n = 2 * EACH - COUNT_CAP;
    const entries = Array.from({ length: n }, (_, i) => {
      const id = `2502.${String(i).padStart(5, '0')}`;
      const words = [i < EACH ? 'gamma' : '', i >= n - EACH ? 'delta' : ''].join(' ');
      return entry(id, `Study ${i} of ${words}`, `Paper ${i}.`);
    });
    assert.equal((await importFiles(database, [writeDay(entries)])).new, n);
  });
  after(async () => {
    await database?.close();
  });

  const tierCounts = (statements: string[]) => statements.filter((q) => /^select count\(\*\) as n from \(select 1 from \(select .* as match/s.test(q));

  test('is not counted once the statistics say its rarer word alone takes the total past the cap', async () => {
    const search = async (db: Database) => {
      const { watched, statements } = watching(db);
      const r = await keywordSearch(watched, parseSearchQuery('gamma delta'), { limit: 10, offset: 0 });
      assert.equal(r.hits.length, 10);
      assert.deepEqual([r.total, r.totalCapped], [COUNT_CAP, true]);
      return tierCounts(statements);
    };
    // No statistics: the words are counted (up to the tier budget), and so is the tier.
    assert.equal((await search(database)).length, 1, 'counted without statistics');
    await sql`analyze paper_search`.execute(database.db);
    const fresh = await openDatabase(parseDatabaseUrl(database.url));
    try {
      assert.deepEqual(await search(fresh), [], 'not counted with them');
      // A filter, an excluded word or an author narrows the tiers: they are counted again.
      const { watched, statements } = watching(fresh);
      const narrowed = await keywordSearch(watched, parseSearchQuery('gamma delta -"study 1"'), { limit: 10, offset: 0 });
      assert.equal(narrowed.totalCapped, true);
      assert.equal(tierCounts(statements).length, 1, 'an excluded word: the tier counted');
    } finally {
      await fresh.close();
    }
  });
});
