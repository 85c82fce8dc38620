/**
 * Hostile searches stay within a budget (docs/decisions/0014-search-budget.md): caps on query operators
 * with a notice, one SQL condition per kind of filter, a bounded spelling fallback, and a time budget per
 * search, on both engines, over real HTTP.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { sql } from 'kysely';
import type { Database } from '../../src/db/connection.ts';
import {
  MAX_AUTHOR_WORDS, MAX_AUTHORS, MAX_CATEGORIES, MAX_EXCLUDED, MAX_ORGANIZATIONS, MAX_PHRASE_WORDS, MAX_PHRASES, MAX_QUERY_CHARS, MAX_TERMS,
  parseSearchQuery,
} from '../../src/domain/search-query.ts';
import { importFiles } from '../../src/importers/import-files.ts';
import { SearchTooSlow, withSearchBudget } from '../../src/search/budget.ts';
import { search, SEARCH_MODES, SEARCH_SORTS } from '../../src/search/hybrid.ts';
import { filterConditions, MAX_SPELLING_WORDS } from '../../src/search/keyword.ts';
import { ENGINES, openTestDatabase } from '../helpers/db.ts';
import { startTestServer, type TestServer } from '../helpers/http.ts';

const CATEGORIES = ['cs.AI', 'cs.CL', 'cs.CV', 'cs.LG', 'cs.RO', 'cs.IR', 'stat.ML', 'math.OC', 'eess.AS', 'hep-th', 'quant-ph', 'astro-ph.GA'];
const WORDS = ['speculative', 'decoding', 'benchmark', 'quantization', 'inference', 'attention', 'transformer', 'robotics', 'grasping', 'survey'];

/** Pieces repeated up to MAX_QUERY_CHARS characters (different ones, so that no duplicate collapses). */
const fill = (piece: (i: number) => string, prefix = ''): string => {
  let q = prefix;
  for (let i = 0; q.length + piece(i).length + 1 <= MAX_QUERY_CHARS; i++) q += ` ${piece(i)}`;
  return q.trim();
};
/** A letter-only tag for i (digits would make a word uncorrectable or split it). */
const tag = (i: number): string => String.fromCharCode(97 + (i % 26)) + String.fromCharCode(97 + Math.floor(i / 26) % 26);

/** 1,000-character queries of one operator each, and the notice each must give. */
const FLOODS: [string, string, RegExp][] = [
  ['org:', fill((i) => `org:lab${tag(i)}`), new RegExp(`first ${MAX_ORGANIZATIONS} org: filters`)],
  ['cat:', fill((i) => `cat:${CATEGORIES[i % CATEGORIES.length]}`), new RegExp(`first ${MAX_CATEGORIES} cat: filters`)],
  ['author:', fill((i) => `author:Smith${tag(i)}`), new RegExp(`first ${MAX_AUTHORS} author: names`)],
  ['author: words', fill((i) => `name${tag(i)}`, 'author:"'), new RegExp(`first ${MAX_AUTHOR_WORDS} words of an author: name`)],
  ['phrases', fill((i) => `"speculative ${tag(i)}"`), new RegExp(`first ${MAX_PHRASES} phrases`)],
  ['phrase words', fill((i) => `word${tag(i)}`, '"'), new RegExp(`first ${MAX_PHRASE_WORDS} words of a phrase`)],
  ['-words', fill((i) => `-excluded${tag(i)}`, 'speculative'), new RegExp(`first ${MAX_EXCLUDED} -excluded`)],
  ['words', fill((i) => `word${tag(i)}`), new RegExp(`first ${MAX_TERMS} words and phrases`)],
  ['year:', fill((i) => `year:${2000 + (i % 26)}`, 'speculative'), /first year: filter/],
];

/** Misspellings of the corpus's words (one letter dropped): each alone matches nothing and has a correction. */
const MISSPELT = WORDS.flatMap((w) => [1, 2, 3].map((k) => w.slice(0, k) + w.slice(k + 1)));

function dayFile(entries: unknown[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'dp-hostile-'));
  const file = path.join(dir, '2025-01-06.json');
  writeFileSync(file, JSON.stringify(entries));
  return file;
}

const PAPERS = WORDS.map((w, i) => ({
  paper: {
    id: `2501.${String(100 + i).padStart(5, '0')}`, title: `A ${w} study`, summary: `We study ${w} and ${WORDS[(i + 1) % WORDS.length]}.`, upvotes: i,
    publishedAt: `2024-0${(i % 9) + 1}-01T00:00:00.000Z`, authors: [{ _id: `a${i}`, name: `Yaniv Leviathan${i}`, hidden: false }],
    ...(i < 3 ? { organization: { _id: `o${i}`, name: `lab${i}`, fullname: `Laboratory ${i}` } } : {}),
  },
  publishedAt: '2025-01-06T08:00:00.000Z',
  title: `A ${w} study`,
  numComments: 0,
}));

/** Queries from the grammar's pieces: words, phrases, exclusions, every operator, and arbitrary text. */
const piece = fc.oneof(
  fc.constantFrom(...WORDS, ...MISSPELT, 'the', 'of', 'NEAR(', 'OR', 'AND', 'NOT', '*', '^', ':', '(', ')', '日本語', 'русский', '😀'),
  fc.constantFrom(...WORDS).map((w) => `"${w} study"`),
  fc.constantFrom(...WORDS, ...MISSPELT).map((w) => `-${w}`),
  fc.constantFrom(...MISSPELT, 'Leviathan1', '"Yaniv Leviathan2"', '""', '').map((w) => `author:${w}`),
  fc.constantFrom(...CATEGORIES, 'cs.cl', 'nope!', '').map((c) => `cat:${c}`),
  fc.constantFrom('lab0', 'Laboratory 1', '"Laboratory 2"', 'x', '').map((o) => `org:${o}`),
  fc.constantFrom('2024', '2020-2024', '2024..2025', '99999', '').map((y) => `year:${y}`),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
);
const grammarQuery = fc.oneof(
  { weight: 4, arbitrary: fc.array(piece, { maxLength: 120 }).map((ps) => ps.join(' ')) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 1200 }) },
);

test('the parser never throws and respects the caps, for any query of the grammar or any text', () => {
  fc.assert(
    fc.property(grammarQuery, (q) => {
      const p = parseSearchQuery(q);
      assert.ok(p.text.length <= MAX_QUERY_CHARS);
      assert.ok(p.terms.length <= MAX_TERMS);
      assert.ok(p.terms.filter((t) => t.phrase).length <= MAX_PHRASES);
      assert.ok([...p.terms, ...p.excluded].every((t) => t.words.length >= 1 && t.words.length <= MAX_PHRASE_WORDS));
      assert.ok(p.excluded.length <= MAX_EXCLUDED);
      assert.ok(p.authors.length <= MAX_AUTHORS && p.authors.every((a) => a.length >= 1 && a.length <= MAX_AUTHOR_WORDS));
      assert.ok(p.categories.length <= MAX_CATEGORIES);
      assert.ok(p.organizations.length <= MAX_ORGANIZATIONS);
      // One message per kind: a flood of one malformed operator is not a flood of notices.
      assert.ok(p.notices.length <= 12, JSON.stringify(p.notices));
    }),
    { numRuns: 1000 },
  );
});

for (const engine of ENGINES) {
  describe(`hostile searches on ${engine}`, () => {
    let database: Database;
    let server: TestServer;
    before(async () => {
      database = await openTestDatabase(engine);
      const r = await importFiles(database, [dayFile(PAPERS)]);
      assert.equal(r.rejected, 0, JSON.stringify(r.rejections));
      server = await startTestServer(database);
    });
    after(async () => {
      await server.close();
      await database.close();
    });

    const api = async (q: string, extra = '') => {
      const res = await server.get(`/api/search?mode=keyword&q=${encodeURIComponent(q)}${extra}`);
      return { status: res.status, body: (await res.json()) as any };
    };

    test('1,000 characters of one operator: a 200 with a notice, in the API and on the page', async () => {
      for (const [what, q, notice] of FLOODS) {
        assert.ok(q.length <= MAX_QUERY_CHARS, what);
        const { status, body } = await api(q);
        assert.equal(status, 200, `${what}: ${JSON.stringify(body).slice(0, 300)}`);
        assert.ok(body.notices.some((n: string) => notice.test(n)), `${what}: ${JSON.stringify(body.notices)}`);
        const page = await server.get(`/papers/search?q=${encodeURIComponent(q)}`);
        assert.equal(page.status, 200, what);
        assert.match(await page.text(), /class="notice search-notice"[^>]*>Only the first/, what);
      }
    });

    test('the operators within the caps still filter as before', async () => {
      const ids = async (q: string) => (await api(q)).body.results.map((r: { id: string }) => r.id) as string[];
      assert.deepEqual(await ids('study org:lab0'), ['2501.00100']);
      assert.deepEqual(await ids('study org:lab0 org:"Laboratory 0"'), ['2501.00100'], 'short and full name of one organization');
      assert.deepEqual(await ids('study org:lab0 org:lab1'), [], 'a paper has one organization');
      assert.deepEqual(await ids('study org:nobody'), []);
      assert.deepEqual((await api('study', '&org=LAB1')).body.results.map((r: { id: string }) => r.id), ['2501.00101']);
    });

    test('filters are one SQL condition per kind, however many operators', async () => {
      const q = parseSearchQuery(`${CATEGORIES.map((c) => `cat:${c}`).join(' ')} ${fill((i) => `org:lab${tag(i)}`)}`);
      const conds = await filterConditions(database, q, { category: 'cs.SE', organization: 'lab0' });
      assert.equal(conds.length, 2);
      const compiled = conds.map((c) => c.compile(database.db).sql).join(' ');
      assert.ok((compiled.match(/select/gi)?.length ?? 0) <= 1, compiled);
    });

    test('a long list of misspelt words and authors: at most MAX_SPELLING_WORDS are corrected', async () => {
      const words = await api(MISSPELT.join(' '));
      assert.equal(words.status, 200);
      assert.ok(words.body.corrected.length > 0, 'corrections still happen');
      assert.ok(words.body.corrected.length <= MAX_SPELLING_WORDS, JSON.stringify(words.body.corrected));
      const authors = await api(fill((i) => `author:${MISSPELT[i % MISSPELT.length]}${i >= MISSPELT.length ? tag(i) : ''}`));
      assert.equal(authors.status, 200);
      assert.ok(authors.body.corrected.length <= MAX_SPELLING_WORDS);
    });

    test('garbage, unicode and control characters: a 200 or a 400 with a message; /healthz answers meanwhile', async () => {
      const garbage = [
        '\u0000'.repeat(1000), '\u202e\u200b'.repeat(500), '😀'.repeat(500), '"'.repeat(1000), '-'.repeat(1000), ':'.repeat(1000),
        // Hyphenated words (PostgreSQL looks up each one's compound lexeme), with quotes and backslashes in them.
        fill((i) => `w${tag(i)}-x${tag(i)}`), fill((i) => `o'b${tag(i)}-\\'x-${i}`), "a'-'b \\-\\ -'-' x--y -a-b-",
        'author:'.repeat(140), 'cat:'.repeat(250), 'org:"'.repeat(200), 'year:'.repeat(200), 'NEAR('.repeat(200),
        fill((i) => `-"${WORDS[i % WORDS.length]} ${tag(i)}"`),
        fill((i) => `org:lab${tag(i)} cat:${CATEGORIES[i % CATEGORIES.length]} author:${MISSPELT[i % MISSPELT.length]}`),
      ];
      // Encoded for the URL; bytes that are not UTF-8 (a lone surrogate, 0xFF) as they would come from a client.
      const encoded = [...[...garbage, ...FLOODS.map(([, q]) => q)].map(encodeURIComponent), '%ED%A0%80x'.repeat(150), '%FF%FE%00'.repeat(100)];
      const searches = encoded.flatMap((q) => [server.get(`/api/search?q=${q}`), server.get(`/papers/search?q=${q}`)]);
      const health = server.get('/healthz');
      const answers = await Promise.all(searches);
      assert.equal((await health).status, 200);
      for (const res of answers) {
        assert.ok(res.status === 200 || res.status === 400, `${res.url}: ${res.status}`);
        const body = await res.text();
        if (res.status === 400 && res.url.includes('/api/')) assert.ok(JSON.parse(body).error.length > 0);
      }
      assert.equal((await server.get('/healthz')).status, 200, 'still up');
    });

    test('searches through the engine never throw, for any query of the grammar, mode and sort', async () => {
      await fc.assert(
        fc.asyncProperty(grammarQuery, fc.constantFrom(...SEARCH_MODES.filter((m) => m !== 'semantic')), fc.constantFrom(...SEARCH_SORTS), async (q, mode, sort) => {
          const outcome = await search({ database, semantic: null }, { q, mode, sort, limit: 10, offset: 0 });
          assert.ok(['results', 'invalid', 'empty', 'redirect'].includes(outcome.kind), outcome.kind);
        }),
        { numRuns: 40 },
      );
    });

    test('many budgeted searches at once that also read through the main pool (as hybrid does) all finish', async () => {
      // A search used to hold a main-pool connection in a transaction while its semantic part asked the same pool
      // for another: ten at once waited on each other until the connect timeout.
      const results = await Promise.allSettled(
        Array.from({ length: 24 }, () =>
          withSearchBudget(database, async (d) => {
            await sql`select 1`.execute(d.db);
            return (await sql<{ n: number }>`select 2 as n`.execute(database.db)).rows[0]!.n;
          }),
        ),
      );
      assert.deepEqual(results.map((r) => (r.status === 'fulfilled' ? r.value : String(r.reason))), Array(24).fill(2));
    });

    test('a search past its time budget ends with SearchTooSlow; the connection is left as it was', async () => {
      const outcome = await search({ database, semantic: null }, { q: 'speculative decoding org:lab0', mode: 'keyword', limit: 10, offset: 0 }, 0);
      assert.equal(outcome.kind, 'too-slow');
      if (engine === 'postgres') {
        // No statement follows the sleep: only the server's statement_timeout can end it with an error.
        await assert.rejects(withSearchBudget(database, (d) => sql`select pg_sleep(20)`.execute(d.db), 300), SearchTooSlow);
        // The budget is the bounded pool's: the main pool's connections keep the server's default.
        const shown = await Promise.all(Array.from({ length: 3 }, () => sql<{ statement_timeout: string }>`show statement_timeout`.execute(database.db)));
        for (const r of shown) assert.notEqual(r.rows[0]!.statement_timeout, '300ms');
      }
      const fine = await search({ database, semantic: null }, { q: 'speculative', mode: 'keyword', limit: 10, offset: 0 });
      assert.equal(fine.kind, 'results');
    });
  });
}
