/**
 * The LaTeXML → Markdown converter (src/domain/fulltext-html.ts) and the PDF text shaping (src/fulltext/pdf.ts)
 * on real fixtures (tests/fixtures/fulltext/README.md): what survives, what is left out, how it is escaped.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import katex from 'katex';
import { countLatexml, latexmlToMarkdown, looksLikeLatexml } from '../../src/domain/fulltext-html.ts';
import { followsNumbering, pdfToMarkdown, textToMarkdown } from '../../src/fulltext/pdf.ts';
import { pageBase, versionFrom } from '../../src/fulltext/fetch.ts';
import { renderFullText } from '../../src/http/views/reading.ts';

const DIR = path.resolve(import.meta.dirname, '../fixtures/fulltext');
const page = (name: string) => readFileSync(path.join(DIR, name), 'utf8');
/** Every `$$…$$` and `$…$` span of a Markdown text. */
const mathSpans = (md: string) => [...md.matchAll(/\$\$([^$]+)\$\$|(?<!\\)\$((?:\\\$|[^$\n])+?)\$/g)].map((m) => ({ tex: (m[1] ?? m[2])!, display: m[1] !== undefined }));

describe('LaTeXML pages → Markdown', () => {
  test('SVM note: sections with stable anchors, equations as TeX with their numbers, theorem, references; no page chrome', () => {
    const r = latexmlToMarkdown(page('svm-polytope.html'), 'https://arxiv.org/html/2310.00001v1/');
    assert.deepEqual(r.sections, [
      { anchor: 's1', title: 'Hard-margin SVM', level: 2 },
      { anchor: 'references', title: 'References', level: 2 },
    ]);
    assert.deepEqual(r.counts, countLatexml(page('svm-polytope.html')));
    assert.deepEqual(r.counts, { sections: 2, equations: 4, figures: 0, tables: 0, references: 1 });
    const md = r.markdown;
    // The group of equation (1): two aligned rows, \displaystyle dropped, LaTeXML's "%\n" continuation joined.
    assert.ok(md.includes('$$\\begin{aligned}\\min_{\\bm{\\mu},\\bm{\\lambda}}\\quad & \\frac{1}{2}\\|\\bm{P\\mu}-\\bm{Q\\lambda}\\|^{2} \\\\ \\text{s.t.} & \\bm{1}^{T}\\bm{\\mu}=1\\quad\\bm{1}^{T}\\bm{\\lambda}=1\\quad\\bm{\\mu},\\bm{\\lambda}\\geq 0,\\end{aligned}\\tag{1}$$'), md);
    // A row with an empty first cell keeps its alignment.
    assert.match(md, / \\\\ {2}& \\bm\{Q\}\^\{T\}\\bm\{w\}\\leq\\beta\\bm\{1\}\.\\end\{aligned\}\\tag\{2\}\$\$/);
    assert.match(md, /given two point sets \$P=\\\{\\bm\{u\}_\{1\},\\dots,\\bm\{u\}_\{n_\{1\}\}\\\}\$ and/i);
    assert.match(md, /^\*\*Theorem 1\.\*\*$/m);
    assert.match(md, /^\*Problem \(1\) and Problem \(2\) are dual of each other\.\*$/m);
    assert.match(md, /^- \\\[1\\\] K\. P\. Bennett and E\. J\. Bredensteiner \(2000\) Duality and geometry in svm classifiers\. In ICML, Vol\. 2000, pp\. 57–64\.$/m);
    // "Cited by" back-links, the footer, the title and the date are not the paper's text.
    assert.doesNotMatch(md, /Cited by|Generated|LaTeXML|October 2023|SVM and Polytope Distance/);
    // `>` from alttext's entity stays TeX, not HTML.
    assert.match(md, /\$\\tilde\{\\alpha\}-\\tilde\{\\beta\}>0\$/);
  });

  test('every formula of every fixture is TeX that KaTeX reads', () => {
    for (const name of ['svm-polytope.html', 'causal-horizons.html']) {
      const spans = mathSpans(latexmlToMarkdown(page(name)).markdown);
      assert.ok(spans.length >= 10, `${name}: ${spans.length} formulas`);
      for (const s of spans) assert.doesNotThrow(() => katex.renderToString(s.tex, { output: 'mathml', throwOnError: true, displayMode: s.display, strict: 'ignore' }), `${name}: ${s.tex}`);
    }
  });

  test('recent LaTeXML: math in a heading, one <tbody> per aligned row, lists; the abstract and metadata are left out', () => {
    const r = latexmlToMarkdown(page('causal-horizons.html'));
    assert.deepEqual(r.sections.map((s) => s.anchor), ['s1', 's2', 's3', 's4']);
    assert.equal(r.sections[2]!.title, '3. Formalizing the Epistemic Horizon (do(B))');
    assert.match(r.markdown, /^## 3\. Formalizing the Epistemic Horizon \(\$do\(B\)\$\)$/m);
    assert.match(r.markdown, /^\$\$\\begin\{aligned\}Z\\rightarrow E \\\\ B\\rightarrow C\\end\{aligned\}\$\$$/m);
    assert.match(r.markdown, /^- \$Z\$: The narrative prompt \(semantic framing\)\.$/m);
    assert.match(r.markdown, /^\$\$P\(Y\\mid do\(B\)\)=\\sum_\{E\}P\(Y\\mid E,B\)P\(E\)\$\$$/m);
    assert.doesNotMatch(r.markdown, /Abstract|release of the Native|Judea Pearl/);
  });

  test('an old conversion without TeX keeps each formula as its text, numbered; headings to level 4', () => {
    const r = latexmlToMarkdown(page('acl-uws-smt.html'));
    assert.deepEqual(r.sections.map((s) => [s.anchor, s.level]), [['s1', 2], ['s2', 2], ['s2-ss1', 3], ['s2-ss1-sss1', 4]]);
    assert.equal(r.counts.equations, 0);
    assert.match(r.markdown, /^F\^\(ℱ\)=argmaxF∈ℱP\(F\\\|ℱ,ℳ\), \(1\)$/m);
    assert.match(r.markdown, /^F\^\(ℱ,E\)=argmaxF∈ℱ∑aP\(F,a\\\|ℱ,E,ℬ\), \(2\)$/m);
    assert.match(r.markdown, /^- the first bilingual UWS method practical for large corpora;$/m);
    assert.deepEqual(countLatexml(page('acl-uws-smt.html')).equations, 2);
  });

  test('figures with absolute addresses (relative ones resolved against the page), captions, a table with spans', () => {
    const r = latexmlToMarkdown(page('figures-and-table.html'), 'https://arxiv.org/html/2412.07626v2/');
    assert.equal(r.counts.figures, 2);
    assert.equal(r.counts.tables, 1);
    assert.match(r.markdown, /^!\[Figure 1: Results of End-to-End Text Recognition on OmniDocBench across 9 PDF page types\.\]\(https:\/\/arxiv\.org\/html\/2412\.07626v2\/radar_0324_new\.png\)$/m);
    assert.match(r.markdown, /^!\[Figure 1: Four complementary competencies that memory agents should have\.\]\(https:\/\/arxiv\.org\/html\/2507\.05257\/assets\/figures\/intro\.png\)$/m);
    assert.match(r.markdown, /^\*Figure 1: Four complementary competencies that memory agents should have\.\*$/m);
    const table = r.markdown.split('\n').filter((l) => l.startsWith('|'));
    assert.equal(table[0], '| Benchmark | Document Domain | Annotaion Type |   |   |   |   |');
    assert.equal(table[1], '| --- | --- | --- | --- | --- | --- | --- |');
    assert.equal(table[3], '| Robust Reading \\[20\\] | 1 | ✔ | ✔ |   |   |   |');
    // Without a base, a relative figure is dropped rather than pointing nowhere.
    assert.doesNotMatch(latexmlToMarkdown(page('figures-and-table.html')).markdown, /\]\(\/html/);
  });

  test('text is escaped: markup characters in the source do not become Markdown or HTML', () => {
    const html = '<article class="ltx_document"><section id="S1" class="ltx_section"><h2 class="ltx_title">1 A *star* &lt;b&gt;</h2><div class="ltx_para"><p class="ltx_p"># not a heading, costs $5 and [a](javascript:alert(1)) <a href="javascript:alert(1)">x</a> <a href="https://example.org/a_(b)">ok</a></p></div></section></article>';
    const r = latexmlToMarkdown(html);
    assert.match(r.markdown, /^## 1 A \\\*star\\\* \\<b\\>$/m);
    assert.match(r.markdown, /^\\# not a heading, costs \\\$5 and \\\[a\\\]\(javascript:alert\(1\)\) x \[ok\]\(https:\/\/example\.org\/a_%28b%29\)$/m);
    const rendered = renderFullText({ version: 'v1', source: 'html', markdown: r.markdown, sections: r.sections });
    assert.doesNotMatch(rendered, /<b>|href="javascript/);
    assert.match(rendered, /<h2 id="s1">/);
  });

  test('floats of text (algorithms) keep their content, listings keep their lines, a caption with `*` stays whole', () => {
    const html = `<article class="ltx_document"><section id="S3" class="ltx_section"><h2 class="ltx_title ltx_title_section">3 Method</h2>
<figure id="alg1" class="ltx_float ltx_algorithm"><figcaption class="ltx_caption"><span class="ltx_tag ltx_tag_float">Algorithm 1</span> Greedy decoding with <math alttext="x^{*}" display="inline"><mi>x</mi></math></figcaption>
<div id="alg1.l1" class="ltx_listingline"><span class="ltx_tag ltx_tag_listingline">1:</span> <span class="ltx_text ltx_font_bold">for</span> each step <span class="ltx_text ltx_font_bold">do</span></div></figure>
<div class="ltx_listing ltx_lst_language_Python"><div class="ltx_listingline" id="lst1.1">def f(x):</div><div class="ltx_listingline" id="lst1.2">    return x</div></div>
</section></article>`;
    const md = latexmlToMarkdown(html).markdown;
    assert.match(md, /^Algorithm 1 Greedy decoding with \$x\^\{\*\}\$$/m);
    assert.match(md, /1: \*\*for\*\* each step \*\*do\*\*/);
    assert.ok(md.includes('```\ndef f(x):\n    return x\n```'), md);
  });

  test('a page that is not LaTeXML is recognized', () => {
    assert.equal(looksLikeLatexml(page('svm-polytope.html')), true);
    assert.equal(looksLikeLatexml('<html><body>No HTML is available for this paper.</body></html>'), false);
  });

  test('the version an answer came from, and the base of relative figures', () => {
    assert.equal(versionFrom('https://arxiv.org/html/2401.01234v3', null), 'v3');
    assert.equal(versionFrom('https://arxiv.org/html/2401.01234v3/', 2), 'v3');
    assert.equal(versionFrom('https://arxiv.org/html/2401.01234', 2), 'v2');
    assert.equal(versionFrom('https://arxiv.org/html/2401.01234', null), 'latest');
    assert.equal(pageBase('<html><head><base href="/html/2401.01234v3/"></head>', 'https://arxiv.org/html/2401.01234'), 'https://arxiv.org/html/2401.01234v3/');
    assert.equal(pageBase('<html></html>', 'https://arxiv.org/html/2401.01234v3'), 'https://arxiv.org/html/2401.01234v3/');
  });
});

describe('PDF text → Markdown', () => {
  test('a pdfTeX PDF: numbered sections in order, running text joined into paragraphs', async () => {
    const r = await pdfToMarkdown(readFileSync(path.join(DIR, 'shared-mime-info-spec.pdf')));
    assert.equal(r.pages, 17);
    const titles = r.sections.map((s) => s.title);
    assert.deepEqual(titles.slice(0, 5), ['1. Introduction', '1.1. Version', '1.2. What is this spec?', '1.3. Language used in this specification', '2. Unified system']);
    assert.ok(titles.includes('3. Contributors') && titles.at(-1) === 'References', titles.join(' | '));
    // Lines of a binary layout table ("2 CARD16 MAJOR_VERSION 1") are not taken for headings.
    assert.ok(!titles.some((t) => /CARD/.test(t)));
    assert.equal(r.sections.find((s) => s.title === '2.1. Directory layout')!.level, 3);
    assert.match(r.markdown, /This is version 0\.21 of the Shared MIME-info Database specification, last updated 2 October 2018\./);
  });

  test('a Chromium PDF: headings, subsections and one list item per reference', async () => {
    const r = await pdfToMarkdown(readFileSync(path.join(DIR, 'svm-note-chromium.pdf')));
    assert.deepEqual(r.sections.map((s) => [s.anchor, s.level]), [['sec-1', 2], ['sec-2', 2], ['sec-2-1', 3], ['sec-2-2', 3], ['references', 2]]);
    assert.equal(r.counts.references, 2);
    assert.match(r.markdown, /^- \\\[2\\\] C\. Cortes and V\. Vapnik\. Support-vector networks\./m);
  });

  test('not a PDF: an error, not an empty text', async () => {
    await assert.rejects(pdfToMarkdown(new TextEncoder().encode('<html>not a pdf</html>')));
  });

  test('hyphenated line ends are joined; page numbers alone are dropped; numbering must follow', () => {
    const r = textToMarkdown(['1 Introduction\nWe study the poly-\ntope distance.\n3\n\n2 Method\nA list:\n5 Apples and pears\n']);
    assert.deepEqual(r.sections.map((s) => s.title), ['1 Introduction', '2 Method']);
    assert.match(r.markdown, /We study the polytope distance\./);
    assert.doesNotMatch(r.markdown, /distance\. 3/);
    assert.equal(followsNumbering([2, 9], [2, 10]), true);
    assert.equal(followsNumbering([2, 9], [3]), true);
    assert.equal(followsNumbering([2, 9], [2]), false);
    assert.equal(followsNumbering([2], [2, 1]), true);
    assert.equal(followsNumbering([], [5]), false);
  });
});
