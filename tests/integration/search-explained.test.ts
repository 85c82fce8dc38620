/**
 * Search results say why they matched (issue 14): the matched author's name, a "Related by meaning"
 * heading before hybrid's semantic-only tail (and the API in the same order), one way of counting per
 * mode, "Did you mean" for a rare misspelling, arXiv/Hugging Face addresses without a scheme, and one
 * ordered column of results. Both engines.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Database } from '../../src/db/connection.ts';
import { importFiles } from '../../src/importers/import-files.ts';
import { ENGINES, openTestDatabase } from '../helpers/db.ts';
import { FixedSemanticIndex } from '../helpers/fixed-semantic.ts';
import { startTestServer, type TestServer } from '../helpers/http.ts';

const MOE = '2501.00301';
const TYPO = '2501.00302';
const LECUN = '2501.00303';
const ROBOTS = '2501.00304';
const TEX = '2501.00305';

const paper = (id: string, title: string, summary: string, authors = ['Anon Author']) => ({
  paper: { id, title, summary, upvotes: 1, publishedAt: '2025-01-03T00:00:00.000Z', authors: authors.map((name, i) => ({ _id: `${id}-${i}`, name, hidden: false })) },
  publishedAt: '2025-01-06T08:00:00.000Z',
  title,
  numComments: 0,
});

const ENTRIES = [
  paper(MOE, 'Sparse Mixture of Experts for Language Models', 'A mixture of experts routes each token to two experts.'),
  paper(TYPO, 'Mixure Models Revisited', 'Clustering with a typo in the title.'),
  paper(LECUN, 'Energy-Based Models', 'Learning energies for prediction.', ['Yann LeCun', 'Ada Lovelace']),
  paper(ROBOTS, 'Robots Learn to Grasp', 'Grasping from demonstrations.'),
  paper(TEX, '$δ$-mem: Erd\\H{o}s Meets \\textbf{Memory}', 'We propose \\method, \\textit{fast} and $O(n^2)$.'),
  // `mixture` is common: 24 more papers have it.
  ...Array.from({ length: 24 }, (_, i) => paper(`2501.${String(400 + i).padStart(5, '0')}`, `Gaussian mixture study ${i}`, `A mixture model number ${i}.`)),
];

for (const engine of ENGINES) {
  describe(`search explained on ${engine}`, () => {
    let database: Database;
    let server: TestServer;
    before(async () => {
      database = await openTestDatabase(engine);
      const dir = mkdtempSync(path.join(tmpdir(), 'dp-explained-'));
      const file = path.join(dir, '2025-01-06.json');
      writeFileSync(file, JSON.stringify(ENTRIES));
      const r = await importFiles(database, [file]);
      assert.equal(r.rejected, 0, JSON.stringify(r.rejections));
      // Meaning puts an unrelated paper first: it must still come after every paper with the words.
      server = await startTestServer(database, { semantic: new FixedSemanticIndex([ROBOTS, MOE, LECUN]) });
    });
    after(async () => {
      await server.close();
      await database.close();
    });

    const page = async (q: string, extra = '') => {
      const res = await server.get(`/papers/search?q=${encodeURIComponent(q)}${extra}`);
      assert.equal(res.status, 200);
      return res.text();
    };
    const api = async (q: string, extra = '') => {
      const res = await server.get(`/api/search?q=${encodeURIComponent(q)}${extra}`);
      assert.equal(res.status, 200);
      return (await res.json()) as any;
    };

    test('an author match names the author, in every mode that finds it', async () => {
      for (const q of ['lecun', 'author:LeCun']) {
        const html = await page(q, '&mode=keyword');
        assert.match(html, /Matched author: Yann <mark>LeCun<\/mark>/, q);
        assert.doesNotMatch(html, /Ada Lovelace/, 'only the matched author is named');
      }
      assert.doesNotMatch(await page('energy', '&mode=keyword'), /Matched author/, 'no author matched: nothing said');
    });

    test('hybrid: papers with the words first, then "Related by meaning"; the API has the same order', async () => {
      const html = await page('mixture experts');
      const divider = html.indexOf('Related by meaning');
      assert.ok(divider > 0, 'the divider is shown');
      assert.ok(html.indexOf(`/papers/${MOE}"`) < divider, 'a keyword match above it');
      assert.ok(html.indexOf(`/papers/${ROBOTS}"`) > divider, 'the semantic-only paper below it');
      assert.match(html, /<ol class="search-results" start="1">/);
      assert.doesNotMatch(html, /class="cards"/, 'not the grid of the daily lists');
      const body = await api('mixture experts', '&limit=100');
      const ranks = body.results.map((r: any) => r.keywordRank);
      const firstTail = ranks.indexOf(null);
      assert.ok(firstTail > 0 && ranks.slice(firstTail).every((r: unknown) => r === null), JSON.stringify(ranks));
      assert.equal(body.results[firstTail].id, ROBOTS);
      assert.deepEqual(body.keywordMatches, { total: firstTail, capped: false });
    });

    test('counts: said one way per mode, never a bare "+"', async () => {
      const count = (html: string) => /<p class="search-count"[^>]*>([^<]*)/.exec(html)![1]!.replace(/\s*·\s*$/, '').trim();
      assert.equal(count(await page('mixture', '&mode=keyword')), '25 papers match');
      assert.equal(count(await page('energy', '&mode=keyword')), '1 paper matches');
      assert.equal(count(await page('mixture experts')), '25 papers have the words, then papers related by meaning');
      assert.equal(count(await page('mixture', '&mode=semantic')), 'The 3 papers closest in meaning (25 papers have the words)');
      assert.equal(count(await page('zzzunknownword')), 'No paper has these words: 3 papers related by meaning');
    });

    test('"Did you mean" for a rare misspelling of a common word, as people write it', async () => {
      const html = await page('mixure of experts');
      assert.match(html, /Did you mean <a href="\/papers\/search\?q=mixture\+of\+experts"><em>mixture of experts<\/em><\/a>\?/);
      assert.ok(html.includes(`/papers/${TYPO}"`), 'the paper with the typo is still listed');
      assert.equal((await api('mixure of experts')).suggestion, 'mixture of experts');
      assert.equal((await api('mixture of experts')).suggestion, null, 'a common word: no suggestion');
      assert.doesNotMatch(await page('mixture of experts'), /Did you mean/);
    });

    test('arXiv and Hugging Face addresses without a scheme go to the paper', async () => {
      for (const q of [`arxiv.org/abs/${MOE}`, `hf.co/papers/${MOE}`, `huggingface.co/papers/${MOE}v2`]) {
        const res = await server.get(`/papers/search?q=${encodeURIComponent(q)}`);
        assert.equal(res.status, 302, q);
        assert.equal(res.headers.get('location'), `/papers/${MOE}`);
      }
    });

    test('TeX in results and on the paper page: rendered, and plain in the page title and meta tags', async () => {
      const html = await page('memory', '&mode=keyword');
      assert.match(html, /Erdős/);
      assert.match(html, /<strong><mark>Memory<\/mark><\/strong>/);
      assert.doesNotMatch(html, /\\H\{o\}|\\textbf|\\method/);
      const res = await server.get(`/papers/${TEX}`);
      const p = await res.text();
      assert.match(p, /<title>δ-mem: Erdős Meets Memory · /);
      assert.match(p, /<meta property="og:title" content="δ-mem: Erdős Meets Memory">/);
      assert.match(p, /"headline":"δ-mem: Erdős Meets Memory"/);
      assert.match(p, /<h1><span class="katex"><math/);
      assert.doesNotMatch(p.replace(/<annotation[\s\S]*?<\/annotation>/g, ''), /\\textbf|\\H\{|\\method|\$δ\$/);
      const rss = await (await server.get('/papers/search/feed.rss?q=memory')).text();
      assert.match(rss, /<title>δ-mem: Erdős Meets Memory<\/title>/);
      assert.match(rss, /We propose method, fast and O\(n²\)\./);
    });
  });
}
