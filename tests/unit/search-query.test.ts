import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  MAX_QUERY_CHARS, MAX_TERMS, normalizeCategory, parseSearchQuery, sqliteExcludedMatch, sqliteMatch, sqliteMatchPhrases, websearchText, type ParsedQuery,
} from '../../src/domain/search-query.ts';
import { fuse, RRF_K, SEMANTIC_WEIGHT } from '../../src/search/hybrid.ts';
import { stemDistance } from '../../src/search/keyword.ts';
import { abstractAroundMatch, crudeStem, highlightedMathText, highlightPattern, markText } from '../../src/http/views/highlight.ts';

const words = (q: ParsedQuery) => q.terms.map((t) => t.words.join(' '));

describe('search query parser', () => {
  test('words, phrases, exclusions and operators', () => {
    const q = parseSearchQuery('speculative "draft model" -survey -"large language" author:"Yaniv Leviathan" author:kalman cat:cs.cl org:google year:2024');
    assert.deepEqual(words(q), ['speculative', 'draft model']);
    assert.equal(q.terms[1]!.phrase, true);
    assert.deepEqual(q.excluded.map((t) => t.words.join(' ')), ['survey', 'large language']);
    assert.deepEqual(q.authors, [['yaniv', 'leviathan'], ['kalman']]);
    assert.deepEqual(q.categories, ['cs.CL']);
    assert.deepEqual(q.organizations, ['google']);
    assert.deepEqual(q.year, { from: 2024, to: 2024 });
    assert.equal(q.arxivId, null);
  });

  test('year ranges; bad years and categories are ignored with a notice', () => {
    assert.deepEqual(parseSearchQuery('year:2020-2023 x').year, { from: 2020, to: 2023 });
    const q = parseSearchQuery('year:20x cat:@@ attention');
    assert.equal(q.year, null);
    assert.deepEqual(q.categories, []);
    assert.equal(q.notices.length, 2);
    assert.deepEqual(words(q), ['attention']);
  });

  test('an arXiv id or URL is a redirect target', () => {
    for (const s of ['2401.01234', ' arXiv:2401.01234v2 ', 'https://arxiv.org/abs/2401.01234v3', 'http://arxiv.org/pdf/2401.01234.pdf', 'hep-th/9901001']) {
      const id = s.includes('hep-th') ? 'hep-th/9901001' : '2401.01234';
      assert.equal(parseSearchQuery(s).arxivId, id, s);
    }
    assert.equal(parseSearchQuery('2401.01234 attention').arxivId, null);
  });

  test('stop words are dropped, and a query of only stop words says so', () => {
    assert.deepEqual(words(parseSearchQuery('the attention of all')), ['attention']);
    const q = parseSearchQuery('the of and AND OR NOT');
    assert.equal(q.terms.length, 0);
    assert.equal(q.stopWordsOnly, true);
    assert.deepEqual(words(parseSearchQuery('"the who"')), ['the who'], 'kept inside quotes');
  });

  test('FTS operator syntax is plain text', () => {
    const q = parseSearchQuery('NEAR(a b, 2) title:foo* ^bar (x OR y) col:"z');
    assert.deepEqual(words(q), ['near a', 'b', '2', 'title foo', 'bar', 'x', 'y', 'col', 'z']);
    assert.deepEqual(words(parseSearchQuery('state-of-the-art GPT-4 cs.CL')), ['state of the art', 'gpt 4', 'cs cl']);
  });

  test('a word joined by hyphens only is marked hyphenated, and PostgreSQL gets it as written', () => {
    const q = parseSearchQuery('state-of-the-art GPT-4 cs.CL "self reasoning" self--reasoning -non-causal');
    assert.deepEqual(q.terms.map((t) => [t.words.join(' '), t.phrase, t.hyphenated ?? false]), [
      ['state of the art', true, true],
      ['gpt 4', true, true],
      ['cs cl', true, false],
      ['self reasoning', true, false],
    ], 'a dot, quotes or a doubled hyphen are not a hyphenated word (the last collapses into the quoted phrase)');
    assert.deepEqual(q.excluded.map((t) => t.hyphenated ?? false), [true]);
    assert.deepEqual(q.terms.map(websearchText), ['state-of-the-art', 'gpt-4', '"cs cl"', '"self reasoning"']);
  });

  test('unbalanced quotes run to the end; control characters vanish; length is capped', () => {
    assert.deepEqual(words(parseSearchQuery('alpha "beta gamma')), ['alpha', 'beta gamma']);
    assert.deepEqual(words(parseSearchQuery('al\u0000pha\u200b be\u0007ta\nzeta')), ['alpha', 'beta', 'zeta']);
    const long = parseSearchQuery('word '.repeat(3000));
    assert.ok(long.text.length <= MAX_QUERY_CHARS);
    assert.equal(long.terms.length, 1, 'duplicates collapse');
    const many = parseSearchQuery(Array.from({ length: 100 }, (_, i) => `w${i}`).join(' '));
    assert.equal(many.terms.length, MAX_TERMS);
    assert.ok(many.notices.some((n) => /first 32/.test(n)));
  });

  test('mixed scripts keep their words', () => {
    assert.deepEqual(words(parseSearchQuery('日本語 русский Ελληνικά naïve')), ['日本語', 'русский', 'ελληνικά', 'naïve']);
  });

  test('category spelling', () => {
    assert.equal(normalizeCategory('CS.cl'), 'cs.CL');
    assert.equal(normalizeCategory('hep-th'), 'hep-th');
    assert.equal(normalizeCategory('astro-ph.ga'), 'astro-ph.GA');
    assert.equal(normalizeCategory('drop table'), null);
  });

  test('FTS5 expressions are built from quoted tokens', () => {
    const q = parseSearchQuery('attention "long context" -linear author:"Ada Lovelace"');
    assert.equal(sqliteMatch(q, 'any'), '("attention" OR "long context") AND authors : NEAR("ada" "lovelace", 2) NOT "linear"');
    assert.equal(sqliteMatch(q, 'all'), '("attention" AND "long context") AND authors : NEAR("ada" "lovelace", 2) NOT "linear"');
    assert.equal(sqliteMatch(q, 'anyNotAll'), '((("attention" OR "long context") NOT ("attention" AND "long context"))) AND authors : NEAR("ada" "lovelace", 2) NOT "linear"'.replace('(((', '((').replace('))) AND', ')) AND'));
    assert.equal(sqliteExcludedMatch(q), '"linear"');
    // A broad tier restricted to papers with one of its rarer terms; every term is still in the expression.
    const broad = parseSearchQuery('model learning sparse');
    assert.equal(
      sqliteMatch(broad, 'anyNotAll', [broad.terms[2]!]),
      '(("model" OR "learning" OR "sparse") NOT ("model" AND "learning" AND "sparse")) AND ("sparse")',
    );
    assert.equal(sqliteMatch(broad, 'anyNotAll', broad.terms), sqliteMatch(broad, 'anyNotAll'), 'all terms: no restriction');
    assert.equal(sqliteMatch(parseSearchQuery('cat:cs.CL')), null);
    assert.equal(websearchText(q.terms[1]!), '"long context"');
  });

  test('the phrases of an FTS5 expression are listed in FTS5\'s numbering (bm25_idf takes one IDF each)', () => {
    const q = parseSearchQuery('attention "long context" -linear author:"Ada Lovelace"');
    const [attention, long] = q.terms;
    assert.deepEqual(sqliteMatchPhrases(q, 'all')!.phrases, [attention, long, 'author', 'author', 'excluded']);
    assert.deepEqual(sqliteMatchPhrases(q, 'anyNotAll', [long!])!.phrases, [attention, long, attention, long, long, 'author', 'author', 'excluded']);
    assert.equal(sqliteMatchPhrases(q, 'all', undefined, '{title authors}')!.match, '{title authors} : ("attention" AND "long context") AND authors : NEAR("ada" "lovelace", 2) NOT "linear"');
    // Every phrase is one quoted string, and each quoted string is one phrase.
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', 'b', ' ', '"', '-', 'author:', 'x*', 'é'), maxLength: 40 }), fc.constantFrom('all', 'any', 'anyNotAll'), (s, mode) => {
        const m = sqliteMatchPhrases(parseSearchQuery(s), mode as 'all');
        if (m) assert.equal(m.match.match(/"(?:[^"]|"")*"/g)!.length, m.phrases.length, m.match);
      }),
    );
  });

  test('property: any string parses without throwing into safe tokens', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 }), fc.string({ unit: fc.constantFrom('"', '-', '(', ')', '*', ':', '^', 'a', ' ', 'author:', 'NEAR', 'OR', '\u0000', 'é', '\ud800'), maxLength: 60 })), (s) => {
        const q = parseSearchQuery(s);
        for (const t of [...q.terms, ...q.excluded]) {
          assert.ok(t.words.length > 0);
          for (const w of t.words) assert.match(w, /^[\p{L}\p{N}\p{M}]+$/u);
        }
        for (const a of q.authors) for (const w of a) assert.match(w, /^[\p{L}\p{N}\p{M}]+$/u);
        const m = sqliteMatch(q, 'any');
        if (m !== null) {
          // Outside the quoted strings, only our own operators.
          const outside = m.replace(/"[^"]*"/g, '').replace(/authors :/g, '');
          assert.match(outside, /^[\sA-Z():,2*]*$/);
        }
        assert.equal(q.text.includes('\u0000'), false);
        assert.ok(q.text.length <= MAX_QUERY_CHARS);
        encodeURIComponent(q.text); // no lone surrogates
      }),
      { numRuns: 1000 },
    );
  });
});

describe('fusion and spelling', () => {
  test('fusion: a paper both engines rank well beats one ranked first by one', () => {
    const similarity = new Map([['b', 0.9], ['d', 0.8], ['x', 0.1], ['c', 0.2]]);
    const fused = fuse(['x', 'b', 'c'], ['b', 'd'], similarity);
    assert.deepEqual(fused.map((h) => h.paperId), ['b', 'x', 'c', 'd']);
    // b: keyword rank 2, and the best semantic match (relative similarity 1).
    assert.equal(fused[0]!.score, 1 / (RRF_K + 2) + SEMANTIC_WEIGHT);
    assert.deepEqual([fused[0]!.keywordRank, fused[0]!.semanticRank], [2, 1]);
    assert.equal(fused.find((h) => h.paperId === 'c')!.semanticRank, null);
    // A keyword result the semantic list missed still gets its similarity: c is scored by 0.2 / 0.9.
    assert.ok(Math.abs(fused.find((h) => h.paperId === 'c')!.score - (1 / (RRF_K + 3) + (SEMANTIC_WEIGHT * 0.2) / 0.9)) < 1e-12);
  });

  test('fusion: keyword first beats semantic first; a closer semantic match lifts a lower keyword result', () => {
    assert.deepEqual(fuse(['k'], ['s'], new Map([['s', 0.7], ['k', 0]])).map((h) => h.paperId), ['k', 's']);
    // Second and third in the keyword list: the one far closer to the query comes first.
    const sims = new Map([['a', 0.1], ['b', 0.2], ['c', 0.9]]);
    assert.deepEqual(fuse(['a', 'b', 'c'], ['c'], sims).map((h) => h.paperId), ['c', 'a', 'b']);
    // No vectors at all: the keyword order.
    assert.deepEqual(fuse(['a', 'b', 'c'], [], new Map()).map((h) => h.paperId), ['a', 'b', 'c']);
  });

  test('stem distance allows a stripped suffix', () => {
    assert.equal(stemDistance('transfomer', 'transform', 2), 1);
    assert.equal(stemDistance('attention', 'attent', 1), 0);
    assert.ok(stemDistance('banana', 'transform', 2) > 2);
  });
});

describe('highlighting', () => {
  test('escapes first, then marks; TeX still renders', () => {
    const p = highlightPattern(['models', 'attention']);
    assert.equal(markText('<b>Models</b> & modeling "attention"', p), '&lt;b&gt;<mark>Models</mark>&lt;/b&gt; &amp; <mark>modeling</mark> &quot;<mark>attention</mark>&quot;');
    assert.equal(markText('modern', p), 'modern');
    const html = String(highlightedMathText('$O(n)$ attention', p));
    assert.match(html, /<math/);
    assert.match(html, /<mark>attention<\/mark>/);
    assert.equal(crudeStem('models'), 'model');
    assert.equal(highlightPattern([]), null);
  });

  test('a word that looks like markup or a regex is only text', () => {
    const p = highlightPattern(['mark', 'a+b', 'lt']);
    assert.equal(markText('<mark> a+b axb', p), '&lt;<mark>mark</mark>&gt; <mark>a+b</mark> axb', 'literal, not a pattern');
  });

  test('the abstract starts near its first match', () => {
    const text = `${'Filler sentence here. '.repeat(30)}The quantization part.`;
    const out = abstractAroundMatch(text, highlightPattern(['quantization']));
    assert.ok(out.startsWith('…The quantization'));
    assert.equal(abstractAroundMatch('short quantization', highlightPattern(['quantization'])), 'short quantization');
  });
});
