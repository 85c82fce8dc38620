/**
 * No raw TeX in any text a person sees (issue 14): every title and abstract of the real corpus through
 * the plain-text renderer (page titles, meta tags, feeds, mails) and the HTML one (pages), counting what
 * is left: control words (`\textbf`) and `$…$` pairs outside the rendered MathML.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { plainLine, texLeftovers } from '../../src/domain/tex.ts';
import { paragraphs, texHtml } from '../../src/http/views/text.ts';
import { corpusMissing, readCorpus } from '../helpers/tex-corpus.ts';

const missing = corpusMissing();

/** The text a reader sees in rendered HTML: MathML (which keeps its TeX in an annotation) and tags removed. */
const visibleText = (h: string) =>
  h.replace(/<math\b[\s\S]*?<\/math>/g, ' ').replace(/<[^>]*>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

function count(texts: string[], render: (s: string) => string): { n: number; examples: string[] } {
  let n = 0;
  const examples: string[] = [];
  for (const t of texts) {
    const left = texLeftovers(render(t));
    if (left.length === 0) continue;
    n++;
    if (examples.length < 5) examples.push(`${left.slice(0, 3).join(' ')} in: ${t.slice(0, 120)}`);
  }
  return { n, examples };
}

test('the real corpus: no TeX left in plain or HTML titles and abstracts', { skip: missing ?? false }, () => {
  const { titles, abstracts } = readCorpus();
  assert.ok(titles.length > 10_000 && abstracts.length > 1_000, 'the corpus was read');
  const withTex = (xs: string[]) => xs.filter((x) => /[\\$]/.test(x)).length;
  const results = {
    'titles, plain': count(titles, plainLine),
    'titles, HTML': count(titles, (t) => visibleText(texHtml(t))),
    'abstracts, plain': count(abstracts, plainLine),
    'abstracts, HTML': count(abstracts, (a) => visibleText(paragraphs(a).map((p) => texHtml(p)).join('\n'))),
  };
  console.log(`# corpus: ${titles.length} titles (${withTex(titles)} with \\ or $), ${abstracts.length} abstracts (${withTex(abstracts)} with \\ or $)`);
  for (const [k, r] of Object.entries(results)) console.log(`# leftovers, ${k}: ${r.n}${r.examples.length ? `\n#   ${r.examples.join('\n#   ')}` : ''}`);
  for (const [k, r] of Object.entries(results)) assert.equal(r.n, 0, `${k}: ${r.examples.join(' | ')}`);
});
