import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import Parser from 'rss-parser';
import type { Database } from '../../src/db/connection.ts';
import { parseSearchQuery } from '../../src/domain/search-query.ts';
import { importFiles } from '../../src/importers/import-files.ts';
import { keywordSearch } from '../../src/search/keyword.ts';
import { ENGINES, openTestDatabase } from '../helpers/db.ts';
import { FixedSemanticIndex } from '../helpers/fixed-semantic.ts';
import { startTestServer, type TestServer } from '../helpers/http.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures');

function dayFile(day: string, entries: unknown[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'dp-search-'));
  const file = path.join(dir, `${day}.json`);
  writeFileSync(file, JSON.stringify(entries));
  return file;
}

interface Spec {
  id: string;
  title: string;
  summary: string;
  authors?: string[];
  upvotes?: number;
  publishedAt: string;
  extra?: Record<string, unknown>;
}
const entry = (s: Spec) => ({
  paper: {
    id: s.id, title: s.title, summary: s.summary, upvotes: s.upvotes ?? 0, publishedAt: s.publishedAt,
    authors: (s.authors ?? ['Anon Author']).map((name, i) => ({ _id: `${s.id}-${i}`, name, hidden: false })), ...s.extra,
  },
  publishedAt: '2025-01-06T08:00:00.000Z',
  title: s.title,
  numComments: 0,
});

const SPEC = '2501.00101';
const QUANT_TITLE = '2501.00102';
const SURVEY = '2501.00103';
const LINEAR = '2501.00104';
const ZURICH = '2501.00105';
const SCRIPTS = '2501.00106';
const HOSTILE = '2501.00107';
const ATTENTION = '1706.03762'; // from the arXiv snapshot fixture: cs.CL, never on a daily list

const PAPERS: Spec[] = [
  {
    id: SPEC, title: 'Speculative Decoding with a Small Draft Model', upvotes: 30, publishedAt: '2025-01-03T00:00:00.000Z',
    summary: 'We speed up inference of large language models by drafting tokens with a small model and verifying them in parallel.',
    authors: ['Yaniv Leviathan', 'Matan Kalman'],
    extra: { githubRepo: 'https://github.com/example/spec', organization: { _id: 'g1', name: 'google', fullname: 'Google' } },
  },
  { id: QUANT_TITLE, title: 'Quantization of Transformer Weights', summary: 'A study of four-bit weights for transformers, as in GPT-4.', upvotes: 5, publishedAt: '2024-06-01T00:00:00.000Z', authors: ['Ada Lovelace'] },
  {
    id: SURVEY, title: 'A Survey of Efficient Inference', upvotes: 50, publishedAt: '2023-02-02T00:00:00.000Z',
    summary: 'Covers pruning, distillation and quantization among other methods for efficient inference of neural networks.',
  },
  {
    id: LINEAR, title: '$O(n)$ Linear Attention for Long Context', upvotes: 1, publishedAt: '2025-01-04T00:00:00.000Z', authors: ['Grace Hopper'],
    summary: 'Linear attention with $\\mathcal{O}(n)$ cost handles long context; unlike speculative decoding it changes the model.',
  },
  { id: ZURICH, title: 'Zürich Robotics: Learning to Grasp', summary: 'Robots learn grasping from demonstrations.', publishedAt: '2024-12-01T00:00:00.000Z', authors: ['Jürgen Schmidhuber'] },
  { id: SCRIPTS, title: 'Mixed Scripts 日本語 и русский текст', summary: 'Multilingual text with 中文 and Ελληνικά.', publishedAt: '2024-11-01T00:00:00.000Z' },
  { id: HOSTILE, title: '<script>alert("x")</script> Speculative & "quoted"', summary: 'An <img src=x onerror=alert(1)> abstract.', publishedAt: '2024-10-01T00:00:00.000Z' },
  ...Array.from({ length: 35 }, (_, i): Spec => ({
    id: `2501.${String(200 + i).padStart(5, '0')}`, title: `Benchmark study number ${i}`, summary: `The benchmark number ${i} of a series.`,
    upvotes: i, publishedAt: `2024-01-${String((i % 28) + 1).padStart(2, '0')}T00:00:00.000Z`,
  })),
];

/** The hostile queries of issue 5 §5. */
const HOSTILE_QUERIES = [
  '', ' ', '   \t  ', 'the', 'the of and', 'a an the OR AND NOT', 'x'.repeat(10_240), 'speculative '.repeat(1000), '"unbalanced quote', 'unbalanced (paren',
  '((((', '))))', '""', '"', '-', '--', '-"', 'NEAR(', 'NEAR(speculative decoding, 2)', '*', 'spec*', ':', 'title:', '^', '^speculative', 'a:b:c',
  'author:', 'author:""', 'cat:', 'cat:)))', 'org:', 'year:', 'year:99999', '\u0000\u0001\u0007\u001b[31m', 'speculative\u0000decoding',
  '日本語 русский Ελληνικά عربى עברית 😀 speculative', '\ud800', 'AND OR NOT', 'OR', 'NOT speculative', '%', "'; drop table papers; --", '\\', '{}[]|&!',
  '-speculative', 'https://example.com/abs/xyz', 'arxiv.org/abs/', '9999.99999',
];

for (const engine of ENGINES) {
  describe(`search on ${engine}`, () => {
    let database: Database;
    let server: TestServer;
    let semanticServer: TestServer;
    before(async () => {
      database = await openTestDatabase(engine);
      const r = await importFiles(database, [path.join(FIXTURES, 'arxiv-snapshot', 'snapshot.jsonl'), dayFile('2025-01-06', PAPERS.map(entry))]);
      assert.equal(r.rejected, 0, JSON.stringify(r.rejections));
      server = await startTestServer(database);
      semanticServer = await startTestServer(database, { semantic: new FixedSemanticIndex([ZURICH, SPEC, ATTENTION, SCRIPTS]) });
    });
    after(async () => {
      await server.close();
      await semanticServer.close();
      await database.close();
    });

    const api = async (p: string, status = 200, s = server) => {
      const res = await s.get(p);
      const body = await res.json();
      assert.equal(res.status, status, `${p}: ${JSON.stringify(body).slice(0, 300)}`);
      return body as any;
    };
    const ids = async (q: string, extra = '', s = server) =>
      (await api(`/api/search?mode=keyword&limit=100&q=${encodeURIComponent(q)}${extra}`, 200, s)).results.map((r: { id: string }) => r.id) as string[];
    const page = async (p: string, status = 200, s = server) => {
      const res = await s.get(p);
      assert.equal(res.status, status, p);
      return res.text();
    };

    test('keyword search finds papers by title, abstract and author', async () => {
      assert.equal((await ids('speculative decoding'))[0], SPEC);
      assert.deepEqual(await ids('verifying'), [SPEC]);
      assert.deepEqual(await ids('Leviathan'), [SPEC]);
      assert.deepEqual(await ids('author:Leviathan'), [SPEC]);
      assert.deepEqual(await ids('author:"Yaniv Leviathan"'), [SPEC]);
      assert.deepEqual(await ids('author:"Leviathan Kalman" speculative'), [SPEC]);
      assert.deepEqual(await ids('author:verifying'), [], 'author: looks in the authors only');
      assert.deepEqual(await ids('zurich schmidhuber'), [ZURICH], 'accents folded');
      assert.deepEqual(await ids('Vaswani'), [ATTENTION], 'papers never on a list are searched too');
      assert.ok((await ids('日本語')).includes(SCRIPTS) || engine === 'postgres', 'CJK run as a token (SQLite unicode61)');
      assert.deepEqual(await ids('русский'), [SCRIPTS]);
    });

    test('a title match outranks an abstract-only match; papers with all the words come first', async () => {
      const found = await ids('quantization');
      assert.deepEqual(found, [QUANT_TITLE, SURVEY]);
      const two = await ids('efficient quantization');
      assert.equal(two[0], SURVEY, 'has both words');
      assert.ok(two.includes(QUANT_TITLE), 'has one of them: still found');
    });

    test('phrases and exclusions', async () => {
      assert.deepEqual(await ids('"draft model"'), [SPEC]);
      assert.deepEqual(await ids('"model draft"'), []);
      assert.ok((await ids('attention')).includes(LINEAR));
      const noLinear = await ids('attention -linear');
      assert.ok(noLinear.includes(ATTENTION) && !noLinear.includes(LINEAR), JSON.stringify(noLinear));
      assert.ok(!(await ids('speculative -"small draft"')).includes(SPEC));
      // Hyphenated words: a compound of words (PostgreSQL matches its own lexeme) and one with a number (a phrase there).
      for (const q of ['four-bit', '"four bit"', 'gpt-4', 'four-bit GPT-4', 'weights four-bit']) assert.deepEqual(await ids(q), [QUANT_TITLE], q);
      assert.deepEqual(await ids('quantization -four-bit'), [SURVEY]);
      assert.deepEqual(await ids('quantization -gpt-4'), [SURVEY]);
    });

    test('filters: category, organization, code, daily list, dates, year', async () => {
      assert.deepEqual(await ids('attention cat:cs.CL'), [ATTENTION]);
      assert.deepEqual(await ids('attention', '&cat=cs.CL'), [ATTENTION]);
      assert.deepEqual(await ids('attention', '&listed=1'), [LINEAR]);
      assert.deepEqual(await ids('inference org:Google'), [SPEC]);
      assert.deepEqual(await ids('inference', '&org=google'), [SPEC]);
      assert.deepEqual(await ids('inference', '&code=1'), [SPEC]);
      assert.deepEqual(await ids('inference year:2023'), [SURVEY]);
      assert.deepEqual(await ids('inference', '&from=2024-01-01&to=2025-12-31'), [SPEC]);
      assert.deepEqual(await ids('inference', '&to=2023-02-02'), [SURVEY], 'the last day is included');
      const onlyFilter = await api('/api/search?q=cat:cs.CL&mode=keyword');
      assert.deepEqual(onlyFilter.results.map((r: { id: string }) => r.id), [ATTENTION], 'a filter without words lists papers');
    });

    test('sorts: relevance, date, upvotes', async () => {
      assert.deepEqual(await ids('inference', '&sort=upvotes'), [SURVEY, SPEC]);
      assert.deepEqual(await ids('inference', '&sort=date'), [SPEC, SURVEY]);
      const byDate = await ids('benchmark', '&sort=date');
      assert.equal(byDate[0], '2501.00227', 'Jan 28 is the newest');
    });

    test('pagination on the page and in the API', async () => {
      const first = await page('/papers/search?q=benchmark&mode=keyword');
      assert.match(first, /35 papers match/);
      assert.equal((first.match(/class="card"/g) ?? []).length, 30);
      assert.match(first, /href="\/papers\/search\?q=benchmark&amp;mode=keyword&amp;p=2" rel="next"/);
      const second = await page('/papers/search?q=benchmark&mode=keyword&p=2');
      assert.equal((second.match(/class="card"/g) ?? []).length, 5);
      const a = await api('/api/search?q=benchmark&mode=keyword&limit=20');
      const b = await api('/api/search?q=benchmark&mode=keyword&limit=20&offset=20');
      assert.equal(a.total, 35);
      assert.equal(a.results.length + b.results.length, 35);
      assert.equal(new Set([...a.results, ...b.results].map((r: { id: string }) => r.id)).size, 35);
      await page('/papers/search?q=benchmark&p=0', 400);
      await page('/papers/search?q=benchmark&p=x', 400);
    });

    test('matched words are marked in titles and abstracts, safely, with TeX rendered', async () => {
      const html = await page('/papers/search?q=speculative+attention&mode=keyword');
      assert.match(html, /<mark>Speculative<\/mark> Decoding/);
      assert.match(html, /<mark>speculative<\/mark> decoding it changes/);
      assert.match(html, /<math[^>]*>.*<\/math><\/span> Linear <mark>Attention<\/mark>/s);
      assert.match(html, /&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt; <mark>Speculative<\/mark> &amp;/);
      assert.doesNotMatch(html, /<script>alert/);
      assert.doesNotMatch(html, /<img src=x/);
      assert.match(html, /<input type="search" id="q" name="q" value="speculative attention"/);
    });

    test('an arXiv id or URL goes to the paper', async () => {
      for (const q of [SPEC, `arXiv:${SPEC}v2`, `https://arxiv.org/abs/${SPEC}v2`, `https://arxiv.org/pdf/${SPEC}`]) {
        const res = await server.get(`/papers/search?q=${encodeURIComponent(q)}`);
        assert.equal(res.status, 302, q);
        assert.equal(res.headers.get('location'), `/papers/${SPEC}`);
      }
      const res = await server.get(`/search?q=${SPEC}`);
      assert.equal(res.headers.get('location'), `/papers/${SPEC}`);
      const viaApi = await api(`/api/search?q=${SPEC}`);
      assert.equal(viaApi.match, 'arxiv-id');
      assert.equal(viaApi.results[0].id, SPEC);
      const hf = await api(`/api/papers/search?q=${SPEC}`);
      assert.equal(hf[0].paper.id, SPEC);
    });

    test('the page: search box in every header, mode tabs, filters, feeds, /search', async () => {
      const home = await page('/papers/trending');
      assert.match(home, /<form class="site-search" action="\/papers\/search" method="get" role="search">.*<input type="search" id="site-q" name="q"/s);
      const html = await page('/search?q=speculative&sort=date', 200, semanticServer);
      assert.match(html, /<nav class="switch search-modes" aria-label="Search mode"><a href="\/papers\/search\?q=speculative&amp;sort=date" aria-current="page">Hybrid<\/a><a href="\/papers\/search\?q=speculative&amp;mode=keyword&amp;sort=date">Keyword<\/a><a href="\/papers\/search\?q=speculative&amp;mode=semantic&amp;sort=date">Semantic<\/a><\/nav>/);
      assert.match(html, /<link rel="alternate" type="application\/rss\+xml" title="[^"]*" href="\/papers\/search\/feed.rss\?q=speculative&amp;sort=date">/);
      assert.match(html, /name="from"/);
      assert.match(html, /<option value="date" selected>/);
      assert.doesNotMatch(html, /id="site-q"/, 'one search box on the search page');
      const empty = await page('/papers/search');
      assert.match(empty, /Search every paper by title, authors and abstract/);
    });

    test('without semantic search the page offers no Hybrid/Semantic modes; ?mode=semantic gets the message, not an error', async () => {
      const html = await page('/search?q=speculative&sort=date');
      assert.doesNotMatch(html, /search-modes|mode=semantic|>Hybrid<|>Semantic</);
      assert.match(html, /<ol class="search-results"/, 'keyword results');
      assert.match(html, /semantic search is not available on this site yet/, 'hybrid says quietly that it ran as keyword');
      assert.doesNotMatch(await page('/papers/search'), /Hybrid mode|semantic mode/i, 'the help names no mode the site lacks');
      assert.doesNotMatch(await page('/papers/search?q=zzzqqqxx'), /another mode/);
      const semantic = await page('/papers/search?q=speculative&mode=semantic');
      assert.match(semantic, /<p class="notice search-message" role="status">[^<]*semantic search is not available on this site yet/);
      assert.doesNotMatch(semantic, /search-modes/);
      // An index that is there but not ready (still loading, or of another model) counts as none.
      const notReady = await startTestServer(database, { semantic: Object.assign(new FixedSemanticIndex([SPEC]), { available: false }) });
      try {
        const res = await notReady.get('/papers/search?q=speculative');
        assert.equal(res.status, 200);
        assert.doesNotMatch(await res.text(), /search-modes/);
      } finally {
        await notReady.close();
      }
    });

    test('feeds of a search: RSS, Atom and JSON Feed, newest first', async () => {
      const parser = new Parser();
      const rss = await server.get('/papers/search/feed.rss?q=speculative');
      assert.equal(rss.status, 200);
      assert.match(rss.headers.get('content-type') ?? '', /rss/);
      const feed = await parser.parseString(await rss.text());
      assert.deepEqual(feed.items.map((i) => i.link), [LINEAR, SPEC, HOSTILE].map((id) => `http://papers.test/papers/${id}`));
      assert.match(feed.title ?? '', /Search: speculative/);
      const atom = await parser.parseString(await (await server.get('/papers/search/feed.atom?q=speculative&mode=keyword')).text());
      assert.equal(atom.items.length, 3);
      const json = await api('/papers/search/feed.json?q=author:Lovelace');
      assert.equal(json.version, 'https://jsonfeed.org/version/1.1');
      assert.deepEqual(json.items.map((i: { url: string }) => i.url), [`http://papers.test/papers/${QUANT_TITLE}`]);
      assert.equal(json.feed_url, 'http://papers.test/papers/search/feed.json?q=author%3ALovelace');
      await api('/papers/search/feed.json', 400);
      await api('/papers/search/feed.json?q=the', 400);
      await api('/papers/search/nope.xml', 404);
    });

    test('GET /api/papers/search answers in Hugging Face’s format', async () => {
      const results = await api('/api/papers/search?q=speculative+decoding&limit=2');
      assert.ok(Array.isArray(results) && results.length === 2);
      assert.equal(results[0].paper.id, SPEC);
      // paper_info adds the linked repositories (linkedModels…, numTotal…) after the paper's keys; search results do not.
      const info = async (id: string) => Object.fromEntries(Object.entries(await api(`/api/papers/${id}`)).filter(([k]) => !/^(linked|numTotal)/.test(k)));
      assert.deepEqual(results[0].paper, await info(SPEC), 'the same paper object as /api/papers/ID');
      assert.equal(results[0].title, 'Speculative Decoding with a Small Draft Model');
      assert.equal(typeof results[0].numComments, 'number');
      const unlisted = await api('/api/papers/search?q=vaswani');
      assert.equal(unlisted[0].paper.id, ATTENTION);
      assert.deepEqual(unlisted[0].paper, await info(ATTENTION));
      assert.match((await api(`/api/papers/search?q=${'a'.repeat(251)}`, 400)).error, /^q: at most 250 characters/);
      await api(`/api/papers/search?q=${'a'.repeat(250)}`);
      assert.match((await api('/api/papers/search', 400)).error, /^q:/);
      assert.match((await api('/api/papers/search?q=x&limit=0', 400)).error, /^limit:/);
      assert.match((await api('/api/papers/search?q=x&limit=121', 400)).error, /^limit:/);
      await api('/api/papers/search?q=x&limit=120');
    });

    test('GET /api/search: scores, mode used, total, and 400s naming the parameter', async () => {
      const r = await api('/api/search?q=speculative+decoding&mode=keyword');
      assert.equal(r.mode, 'keyword');
      assert.equal(r.total, r.results.length);
      assert.equal(r.results[0].id, SPEC);
      assert.equal(typeof r.results[0].score, 'number');
      assert.ok(r.results[0].score >= r.results[1].score);
      assert.equal(r.results[0].paper.id, SPEC);
      const hybrid = await api('/api/search?q=speculative');
      assert.equal(hybrid.requestedMode, 'hybrid');
      assert.equal(hybrid.mode, 'keyword', 'no semantic index: keyword');
      assert.match((await api('/api/search?q=speculative&mode=semantic', 400)).error, /semantic search is not available on this site yet$/);
      assert.match((await api('/api/search?q=x&mode=fuzzy', 400)).error, /^mode:/);
      assert.match((await api('/api/search?q=x&sort=best', 400)).error, /^sort:/);
      assert.match((await api('/api/search?q=x&from=2024-13-01', 400)).error, /^from:/);
      assert.match((await api('/api/search?q=x&cat=;drop', 400)).error, /^cat:/);
      assert.match((await api('/api/search?q=x&limit=101', 400)).error, /^limit:/);
      assert.match((await api('/api/search?q=x&offset=-1', 400)).error, /^offset:/);
      assert.match((await api('/api/search', 400)).error, /^q:/);
      assert.match((await api('/api/search?q=the+of', 400)).error, /very common words/);
      const openapi = await api('/api/openapi.json');
      assert.ok(openapi.paths['/api/search'] && openapi.paths['/api/papers/search']);
    });

    test('hybrid and semantic modes with a semantic index', async () => {
      const sem = await api('/api/search?q=speculative&mode=semantic', 200, semanticServer);
      assert.equal(sem.mode, 'semantic');
      assert.equal(sem.model, 'test-fixed@1');
      assert.deepEqual(sem.results.map((r: { id: string }) => r.id), [ZURICH, SPEC, ATTENTION, SCRIPTS]);
      const hyb = await api('/api/search?q=speculative', 200, semanticServer);
      assert.equal(hyb.mode, 'hybrid');
      assert.equal(hyb.results[0].id, SPEC, 'ranked by both engines');
      assert.deepEqual([hyb.results[0].keywordRank, hyb.results[0].semanticRank], [2, 2]);
      const all = hyb.results.map((r: { id: string }) => r.id);
      assert.ok(all.includes(ZURICH) && all.includes(LINEAR));
      // Filters apply to the semantic candidates too.
      const filtered = await api('/api/search?q=speculative&cat=cs.CL', 200, semanticServer);
      assert.deepEqual(filtered.results.map((r: { id: string }) => r.id), [ATTENTION]);
      const listed = await api('/api/search?q=speculative&mode=semantic&listed=1&sort=date', 200, semanticServer);
      assert.deepEqual(listed.results.map((r: { id: string }) => r.id), [SPEC, ZURICH, SCRIPTS]);
      const excluded = await api('/api/search?q=speculative+-robots&mode=semantic', 200, semanticServer);
      assert.ok(!excluded.results.some((r: { id: string }) => r.id === ZURICH));
      const page = await (await semanticServer.get('/papers/search?q=speculative')).text();
      assert.doesNotMatch(page, /not available on this site/);
    });

    test('typos: nothing matched, so the closest indexed word is used', async () => {
      const r = await api('/api/search?q=speculatve&mode=keyword');
      assert.equal(r.results[0]?.id === SPEC || r.results.some((x: { id: string }) => x.id === SPEC), true, JSON.stringify(r));
      assert.ok(r.notices.some((n: string) => /showing results for/.test(n)));
      const author = await api('/api/search?q=Leviathn&mode=keyword');
      assert.deepEqual(author.results.map((x: { id: string }) => x.id), [SPEC]);
    });

    test('hostile queries get results or a message, never a 500', async () => {
      for (const q of HOSTILE_QUERIES) {
        const enc = encodeURIComponent(q.replace(/[\ud800-\udfff]/g, '\ufffd'));
        for (const p of [`/papers/search?q=${enc}`, `/papers/search?q=${enc}&mode=keyword`, `/api/search?q=${enc}`, `/api/papers/search?q=${enc}`, `/papers/search/feed.rss?q=${enc}`]) {
          const res = await server.get(p);
          assert.ok([200, 302, 400].includes(res.status), `${p.slice(0, 80)}: ${res.status}`);
          const body = await res.text();
          if (res.status === 400) assert.ok(/error|<h1>/.test(body) && body.length > 20, `${p.slice(0, 80)} explains`);
        }
      }
      // Raw bytes in the URL that are not UTF-8 and a lone surrogate escape.
      for (const p of ['/papers/search?q=%FF%FE', '/api/search?q=%ED%A0%80', '/papers/search?q=%00']) {
        const res = await server.get(p);
        assert.ok([200, 400].includes(res.status), `${p}: ${res.status}`);
      }
    });

    test('property: random strings never make the keyword search fail', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.string({ maxLength: 80 }),
            fc.string({ unit: 'binary', maxLength: 80 }),
            fc.string({ unit: fc.constantFrom('"', '-', '(', ')', '*', ':', '^', ' ', 'NEAR', 'OR', 'AND', 'NOT', 'author:', 'cat:', 'speculative', 'the', '日本', '\u0000'), maxLength: 20 }),
          ),
          fc.constantFrom('relevance', 'date', 'upvotes') as fc.Arbitrary<'relevance' | 'date' | 'upvotes'>,
          async (s, sort) => {
            const r = await keywordSearch(database, parseSearchQuery(s), { sort, limit: 5, offset: 0 });
            assert.ok(r.total >= r.hits.length);
          },
        ),
        { numRuns: 200 },
      );
    });

    test('the index stays current: imports and re-imports are searchable at once', async () => {
      const id = '2501.00999';
      const spec = { id, title: 'Holographic Tensor Networks', summary: 'Entanglement renormalization.', publishedAt: '2025-01-05T00:00:00.000Z' };
      assert.deepEqual(await ids('holographic'), []);
      await importFiles(database, [dayFile('2025-01-07', [entry(spec)])]);
      assert.deepEqual(await ids('holographic'), [id]);
      // arXiv owns the bibliographic fields: its record of the paper replaces the title.
      const dir = mkdtempSync(path.join(tmpdir(), 'dp-search-'));
      const snapshot = path.join(dir, 'update.jsonl');
      writeFileSync(snapshot, `${JSON.stringify({
        id, submitter: 'A. Author', authors: 'A. Author', title: 'Holographic Codes\n  Revisited', comments: null, 'journal-ref': null, doi: null, 'report-no': null,
        categories: 'hep-th', license: null, abstract: '  Entanglement renormalization.\n', versions: [{ version: 'v2', created: 'Wed, 8 Jan 2025 10:00:00 GMT' }],
        update_date: '2025-01-08', authors_parsed: [['Author', 'A.', '']],
      })}\n`);
      const r = await importFiles(database, [snapshot]);
      assert.equal(r.rejected, 0, JSON.stringify(r.rejections));
      assert.deepEqual(await ids('revisited'), [id]);
      assert.deepEqual(await ids('"tensor networks"'), [], 'the old title is gone from the index');
      assert.deepEqual(await ids('entanglement'), [id]);
      await database.db.deleteFrom('daily_entries').where('paper_id', '=', id).execute();
      await database.db.deleteFrom('papers').where('id', '=', id).execute();
      assert.deepEqual((await keywordSearch(database, parseSearchQuery('revisited'), { limit: 5, offset: 0 })).hits, []);
    });
  });
}
