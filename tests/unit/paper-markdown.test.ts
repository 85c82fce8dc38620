import assert from 'node:assert/strict';
import { test } from 'node:test';
import MarkdownIt from 'markdown-it';
import { escapeMarkdown, paperMarkdown, prefersMarkdown, type PaperMarkdownInput } from '../../src/domain/paper-markdown.ts';

const base: PaperMarkdownInput = {
  id: '2511.01678',
  title: 'A Paper',
  authors: ['Ada Lovelace', 'Alan Turing'],
  abstract: 'We study things.',
  publishedAt: '2025-11-03T18:59:01.000Z',
  upvotes: 12,
  githubRepo: null,
  projectPage: null,
  aiSummary: null,
  aiKeywords: null,
  pageUrl: 'http://papers.test/papers/2511.01678',
  fullText: null,
};
const md = new MarkdownIt();
/** What a reader sees: the rendered text of a Markdown fragment, tags stripped. */
const rendered = (s: string) => md.renderInline(s).replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&').replace(/&quot;/g, '"');

test('a title with Markdown specials renders as typed', () => {
  for (const title of ['*Attention* is all you need', '<script>alert(1)</script> [link](http://x) `code`', 'a_b_c & R&D &copy; ~~no~~', 'C# and \\emph']) {
    const escaped = escapeMarkdown(title);
    assert.equal(rendered(escaped), title, escaped);
    assert.doesNotMatch(md.renderInline(escaped), /<(em|strong|a|code|script|s)\b/, escaped);
  }
});

test('TeX math is kept verbatim, outside text still escaped', () => {
  assert.equal(escapeMarkdown('Bounds on $x_1^*$ and $$\\sum_i a_i$$ with \\(y_2\\) for *all*'), 'Bounds on $x_1^*$ and $$\\sum_i a_i$$ with \\(y_2\\) for \\*all\\*');
  // A literal (escaped) dollar does not open math.
  assert.equal(escapeMarkdown('costs \\$5 and_more'), 'costs \\\\$5 and\\_more');
});

test('block markers at the start of a line are escaped', () => {
  assert.equal(escapeMarkdown('# not a heading'), '\\# not a heading');
  assert.equal(escapeMarkdown('- not a list'), '\\- not a list');
  assert.equal(escapeMarkdown('2024. A year'), '2024\\. A year');
  assert.equal(escapeMarkdown('> quote'), '\\> quote');
  assert.equal(md.render(escapeMarkdown('1. one')).trim(), '<p>1. one</p>');
});

test('the document: title, authors, links, abstract paragraphs; no full text section without one', () => {
  const doc = paperMarkdown({ ...base, title: 'A  *Bold*\n  Title', abstract: 'First line\ncontinues here.\n\nSecond paragraph.', githubRepo: 'https://github.com/a/b', aiKeywords: ['LLM', 'RL'] });
  const lines = doc.split('\n');
  assert.equal(lines[0], '# A \\*Bold\\* Title');
  assert.match(doc, /^\*\*Authors:\*\* Ada Lovelace, Alan Turing$/m);
  assert.match(doc, /^\*\*Published on arXiv:\*\* 2025-11-03$/m);
  assert.match(doc, /\[arXiv\]\(https:\/\/arxiv\.org\/abs\/2511\.01678\) · \[PDF\]\(https:\/\/arxiv\.org\/pdf\/2511\.01678\) · \[Paper page\]\(http:\/\/papers\.test\/papers\/2511\.01678\) · \[Code\]\(https:\/\/github\.com\/a\/b\)/);
  assert.match(doc, /## Abstract\n\nFirst line continues here\.\n\nSecond paragraph\.\n/);
  assert.match(doc, /\*\*Keywords:\*\* LLM, RL/);
  assert.doesNotMatch(doc, /## Full text/);
  const html = md.render(doc);
  assert.match(html, /<h1>A \*Bold\* Title<\/h1>/);
});

test('the full text seam: appended as Markdown when the site has it', () => {
  const doc = paperMarkdown({ ...base, fullText: '## 1 Introduction\n\nText with *emphasis*.' });
  assert.match(doc, /## Full text\n\n## 1 Introduction\n\nText with \*emphasis\*\.\n$/);
});

test('links that are not http(s) are left out; no abstract says so', () => {
  const doc = paperMarkdown({ ...base, githubRepo: 'javascript:alert(1)', projectPage: 'https://example.org/a_(b)', abstract: null });
  assert.doesNotMatch(doc, /javascript:|\[Code\]/);
  assert.match(doc, /\[Project page\]\(https:\/\/example\.org\/a_%28b%29\)/);
  assert.doesNotMatch(paperMarkdown({ ...base, projectPage: 'https://example.org/a b' }), /Project page/);
  assert.match(doc, /_No abstract is available\._/);
});

test('Accept negotiation: Markdown only when asked for over HTML', () => {
  assert.equal(prefersMarkdown('text/markdown'), true);
  assert.equal(prefersMarkdown('text/markdown, text/html;q=0.9'), true);
  assert.equal(prefersMarkdown('text/html, text/markdown'), false);
  assert.equal(prefersMarkdown('text/markdown;q=0.5, text/html'), false);
  assert.equal(prefersMarkdown('text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'), false);
  assert.equal(prefersMarkdown('*/*'), false);
  assert.equal(prefersMarkdown(undefined), false);
  assert.equal(prefersMarkdown('text/markdown;q=0'), false);
  assert.equal(prefersMarkdown('text/plain, text/markdown;q=0.8'), true);
});
