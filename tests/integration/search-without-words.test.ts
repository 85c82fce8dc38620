/**
 * Searches without words (filters and exclusions only), on both engines (src/search/filters-only.ts;
 * docs/decisions/0053-searches-without-words.md): every page holds exactly what a full sort puts there, whichever
 * index drives the walk (an organization's, a category's, the papers with code's, the date order) and however small its chunks (ties on the
 * date across a chunk's edge, papers without a date last); the total is right; a sort by upvotes ranks the newest
 * window; over HTTP a filter that no paper passes answers at once with nothing.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { parseSearchQuery } from '../../src/domain/search-query.ts';
import { hasCodeSql } from '../../src/db/migrations/0040-with-code-order.ts';
import { importFiles } from '../../src/importers/import-files.ts';
import { filtersOnlyPage } from '../../src/search/filters-only.ts';
import { COUNT_CAP, exclusionOf, filterConditions, filterPaperIds, keywordSearch, type SearchFilters, type SearchSort } from '../../src/search/keyword.ts';
import { ENGINES, openTestDatabase } from '../helpers/db.ts';

interface Fixture {
  id: string;
  created: Date;
  categories: string[];
  word: string;
}

/**
 * 60 papers over 9 days, written out of date order, many at the same second (ties broken by id). One in three is in
 * math.OC beside cs.LG; one in four has `sparse` in its abstract, the others `dense`.
 */
const PAPERS: Fixture[] = Array.from({ length: 60 }, (_, i) => ({
  id: `2502.${String(20_000 + i)}`,
  created: new Date(Date.UTC(2025, 1, 1 + ((i * 5) % 9), 9 + (i % 2), 0, 0)),
  categories: i % 3 === 0 ? ['cs.LG', 'math.OC'] : ['cs.LG'],
  word: i % 4 === 0 ? 'sparse' : 'dense',
}));
/** The papers of the small organization, and those with code. */
const SMALL_LAB = new Set(PAPERS.filter((_, i) => i % 7 === 2).map((p) => p.id));
const WITH_CODE = new Set(PAPERS.filter((_, i) => i % 5 === 1).map((p) => p.id));
/** The papers on a daily list (one of them on two; one without a date). */
const LISTED = new Set(PAPERS.filter((_, i) => i % 4 === 1).map((p) => p.id));
/** Papers whose date is removed (they come last, by id). */
const UNDATED = new Set([PAPERS[4]!.id, PAPERS[9]!.id, PAPERS[11]!.id]);

function snapshotFile(papers: Fixture[]): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'dp-no-words-')), 'snapshot.jsonl');
  writeFileSync(file, papers.map((p) => JSON.stringify({
    id: p.id, submitter: 'Ada Lovelace', authors: 'Ada Lovelace', title: `Paper ${p.id}`,
    comments: null, 'journal-ref': null, doi: null, 'report-no': null, categories: p.categories.join(' '), license: null,
    abstract: `We study ${p.word} methods.`, versions: [{ version: 'v1', created: p.created.toUTCString() }],
    update_date: '2025-03-01', authors_parsed: [['Lovelace', 'Ada', '']],
  })).join('\n') + '\n');
  return file;
}

type Db = Awaited<ReturnType<typeof openTestDatabase>>;

/** The papers a full sort by date gives (newest first, then id descending; without a date last, by id descending). */
async function expected(database: Db, keep: (f: Fixture) => boolean): Promise<string[]> {
  const rows = (await sql<{ id: string; published_at: string | null }>`select id, published_at from papers`.execute(database.db)).rows;
  const dates = new Map(rows.map((r) => [r.id, r.published_at]));
  return PAPERS.filter(keep).map((f) => ({ id: f.id, at: dates.get(f.id) ?? null }))
    .sort((a, b) => (a.at === b.at ? 0 : a.at === null ? 1 : b.at === null ? -1 : a.at < b.at ? 1 : -1) || (a.id < b.id ? 1 : -1))
    .map((x) => x.id);
}

/** Every page, `size` at a time, of a search without words, with at most `chunkMax` rows a statement. */
async function allPages(database: Db, q: string, filters: SearchFilters, size: number, chunkMax: number, sort: SearchSort = 'date'): Promise<{ ids: string[]; total: number }> {
  const query = parseSearchQuery(q);
  const conds = await filterConditions(database, query, filters);
  const ids: string[] = [];
  let total = -1;
  for (let offset = 0; ; offset += size) {
    const page = await filtersOnlyPage(database, query, filters, conds, exclusionOf(database, query), { sort, limit: size, offset, countCap: COUNT_CAP, window: 1000, chunkMax });
    if (total < 0) total = page.total;
    ids.push(...page.ids);
    if (page.ids.length < size) return { ids, total };
  }
}

const inCat = (c: string) => (f: Fixture) => f.categories.includes(c);
const dayOf = (f: Fixture) => f.created.toISOString().slice(0, 10);

for (const engine of ENGINES) {
  describe(`searches without words on ${engine}`, () => {
    let database: Db;
    before(async () => {
      database = await openTestDatabase(engine);
      assert.equal((await importFiles(database, [snapshotFile(PAPERS)], { format: 'arxiv-snapshot' })).new, PAPERS.length);
      await database.db.insertInto('organizations').values({ name: 'smalllab', fullname: 'A Small Lab', avatar_url: null, hf_id: null, created_at: new Date().toISOString() }).execute();
      await database.db.insertInto('organizations').values({ name: 'nobody', fullname: 'A lab without papers', avatar_url: null, hf_id: null, created_at: new Date().toISOString() }).execute();
      await sql`update papers set organization_id = (select id from organizations where name = 'smalllab') where id in (${sql.join([...SMALL_LAB])})`.execute(database.db);
      await sql`update papers set github_repo = 'https://github.com/a/b' where id in (${sql.join([...WITH_CODE])})`.execute(database.db);
      await sql`update papers set published_at = null where id in (${sql.join([...UNDATED])})`.execute(database.db);
      const listings = [...LISTED].map((id, i) => ({ id, day: `2025-02-${String(1 + (i % 9)).padStart(2, '0')}` }));
      listings.push({ id: listings[0]!.id, day: '2025-02-20' });
      for (const { id, day } of listings) {
        await sql`insert into daily_entries (paper_id, day, num_comments, created_at, modified_at) values (${id}, ${day}, 0, ${new Date().toISOString()}, ${new Date().toISOString()})`.execute(database.db);
      }
    });
    after(async () => {
      await database?.close();
    });

    const cases: { name: string; q: string; filters?: SearchFilters; keep: (f: Fixture) => boolean }[] = [
      { name: 'a category (its index drives)', q: 'cat:math.OC', keep: inCat('math.OC') },
      { name: 'a category in every paper', q: '', filters: { category: 'cs.LG' }, keep: inCat('cs.LG') },
      { name: 'an organization (its index drives)', q: 'org:smalllab', keep: (f) => SMALL_LAB.has(f.id) },
      { name: 'an organization and a category', q: 'org:smalllab cat:math.OC', keep: (f) => SMALL_LAB.has(f.id) && inCat('math.OC')(f) },
      { name: 'a date range (the date order drives)', q: '', filters: { from: '2025-02-03', to: '2025-02-06' }, keep: (f) => !UNDATED.has(f.id) && dayOf(f) >= '2025-02-03' && dayOf(f) <= '2025-02-06' },
      { name: 'a year and a category', q: 'year:2025 cat:math.OC', keep: (f) => !UNDATED.has(f.id) && inCat('math.OC')(f) },
      { name: 'code only (the index of papers with code drives)', q: '', filters: { hasCode: true }, keep: (f) => WITH_CODE.has(f.id) },
      { name: 'code and a category', q: 'cat:math.OC', filters: { hasCode: true }, keep: (f) => WITH_CODE.has(f.id) && inCat('math.OC')(f) },
      { name: 'listed only (the listed papers drive)', q: '', filters: { listed: true }, keep: (f) => LISTED.has(f.id) },
      { name: 'listed and a category', q: 'cat:math.OC', filters: { listed: true }, keep: (f) => LISTED.has(f.id) && inCat('math.OC')(f) },
      { name: 'listed and code', q: '', filters: { listed: true, hasCode: true }, keep: (f) => LISTED.has(f.id) && WITH_CODE.has(f.id) },
      { name: 'code and a date range', q: '', filters: { hasCode: true, from: '2025-02-02', to: '2025-02-07' }, keep: (f) => WITH_CODE.has(f.id) && !UNDATED.has(f.id) && dayOf(f) >= '2025-02-02' && dayOf(f) <= '2025-02-07' },
      { name: 'an exclusion', q: '-sparse', keep: (f) => f.word !== 'sparse' },
      { name: 'a category no paper has', q: 'cat:hep-th', keep: () => false },
      { name: 'an organization without papers', q: 'org:nobody', keep: () => false },
      { name: 'an organization nobody is named', q: 'org:unknown-lab', keep: () => false },
    ];

    test('every page holds what a full sort by date puts there, chunks of 1, 4 and the default', async () => {
      for (const c of cases) {
        const want = await expected(database, c.keep);
        for (const [size, chunkMax] of [[1, 1], [7, 4], [30, undefined]] as const) {
          const all = await allPages(database, c.q, c.filters ?? {}, size, chunkMax ?? 20_000);
          assert.deepEqual(all.ids, want, `${c.name}: ${size} a page, chunks of ${chunkMax ?? 'default'}`);
          assert.equal(all.total, want.length, `${c.name}: total`);
        }
      }
    });

    test('the papers with code are read from their own index (its predicate is the search\'s condition)', async () => {
      // Both planners use a partial index only for a query whose conditions contain its predicate.
      const walk = sql`select p.id from papers p where ${sql.raw(hasCodeSql('p.'))} order by coalesce(p.published_at, '') desc, p.id desc limit 5`;
      const plan = engine === 'sqlite'
        ? (await sql<{ detail: string }>`explain query plan ${walk}`.execute(database.db)).rows.map((r) => r.detail).join(' | ')
        : await database.db.transaction().execute(async (trx) => {
          // A table of 60 papers is cheaper to sort than to read by an index: the question is whether it can be.
          await sql`set local enable_seqscan = off`.execute(trx);
          return (await sql<{ 'QUERY PLAN': string }>`explain ${walk}`.execute(trx)).rows.map((r) => r['QUERY PLAN']).join(' | ');
        });
      assert.match(plan, /papers_with_code_order/, plan);
      assert.doesNotMatch(plan, /TEMP B-TREE|Sort/, plan);
    });

    test('keywordSearch answers a query without words the same way, with its count', async () => {
      for (const c of cases) {
        const r = await keywordSearch(database, parseSearchQuery(c.q), { filters: c.filters ?? {}, sort: 'date', limit: 5, offset: 5 });
        const want = await expected(database, c.keep);
        assert.deepEqual(r.hits.map((h) => h.paperId), want.slice(5, 10), c.name);
        assert.equal(r.total, want.length, c.name);
      }
    });

    test('with a word: an organization, a category or code (on SQLite a set of docs) keep the papers they should', async () => {
      const withWord = (w: string, keep: (f: Fixture) => boolean) => (f: Fixture) => f.word === w && keep(f);
      const cases: { q: string; filters?: SearchFilters; keep: (f: Fixture) => boolean }[] = [
        { q: 'sparse org:smalllab', keep: withWord('sparse', (f) => SMALL_LAB.has(f.id)) },
        { q: 'dense cat:math.OC', keep: withWord('dense', inCat('math.OC')) },
        { q: 'dense org:smalllab cat:math.OC', keep: withWord('dense', (f) => SMALL_LAB.has(f.id) && inCat('math.OC')(f)) },
        { q: 'dense', filters: { hasCode: true, category: 'math.OC' }, keep: withWord('dense', (f) => WITH_CODE.has(f.id) && inCat('math.OC')(f)) },
        { q: 'dense', filters: { listed: true }, keep: withWord('dense', (f) => LISTED.has(f.id)) },
        { q: 'sparse cat:hep-th', keep: () => false },
        { q: 'sparse org:nobody', keep: () => false },
      ];
      for (const c of cases) {
        for (const sort of ['date', 'relevance'] as const) {
          const r = await keywordSearch(database, parseSearchQuery(c.q), { filters: c.filters ?? {}, sort, limit: 100, offset: 0 });
          const want = await expected(database, c.keep);
          if (sort === 'date') assert.deepEqual(r.hits.map((h) => h.paperId), want, c.q);
          else assert.deepEqual(new Set(r.hits.map((h) => h.paperId)), new Set(want), c.q);
          assert.equal(r.total, want.length, c.q);
        }
      }
    });

    test('semantic candidates: excluded terms looked up per paper (common ones, on SQLite) or listed give the same papers', async () => {
      const ids = PAPERS.map((p) => p.id).reverse();
      const query = parseSearchQuery('-sparse cat:math.OC');
      const want = new Set(PAPERS.filter((f) => f.word !== 'sparse' && inCat('math.OC')(f)).map((f) => f.id));
      assert.ok(want.size > 0);
      assert.deepEqual(await filterPaperIds(database, ids, query, {}, 0), want, 'per paper');
      assert.deepEqual(await filterPaperIds(database, ids, query, {}, Number.MAX_SAFE_INTEGER), want, 'listed');
    });

    test('by upvotes: the most upvoted of the newest window that pass, ties by id', async () => {
      const votes = new Map(PAPERS.map((p, i) => [p.id, (i * 37) % 11]));
      for (const [id, v] of votes) await sql`update papers set upvotes = ${v} where id = ${id}`.execute(database.db);
      const byVotes = (ids: string[]) => [...ids].sort((a, b) => votes.get(b)! - votes.get(a)! || (a < b ? -1 : 1));
      const cats = await expected(database, inCat('math.OC'));
      assert.deepEqual((await allPages(database, 'cat:math.OC', {}, 3, 2, 'upvotes')).ids, byVotes(cats));
      // A window of 5: the five newest that pass, ranked.
      const query = parseSearchQuery('cat:math.OC');
      const page = await filtersOnlyPage(database, query, {}, await filterConditions(database, query, {}), null, { sort: 'upvotes', limit: 10, offset: 0, countCap: COUNT_CAP, window: 5, chunkMax: 2 });
      assert.deepEqual(page.ids, byVotes(cats.slice(0, 5)));
      assert.equal(page.total, cats.length);
    });
  });
}
