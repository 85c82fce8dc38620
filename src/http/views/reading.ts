/**
 * The reading view of a paper's full text (/papers/ID/read; docs/decisions/0034-full-text.md): the Markdown made
 * from arXiv's HTML or PDF (src/domain/fulltext-html.ts), rendered on the server so it reads without JavaScript:
 *
 * - headings get the anchors of the stored sections, in order, and a table of contents links to them;
 * - `$…$` and `$$…$$` become MathML with KaTeX (the same call as abstracts and comments); a formula KaTeX cannot
 *   read stays as its TeX;
 * - figures are never hot-linked (img-src is 'self'): a figure stored in the image store shows from
 *   /images/HASH.webp, any other one as its caption with a link to the picture on arXiv;
 * - no raw HTML from the Markdown (`html: false`), links only to http(s) addresses and to anchors.
 */
import { html, raw } from 'hono/html';
import MarkdownIt, { type StateInline } from 'markdown-it';
import type { FullText } from '../../db/queries/fulltext.ts';
export { figureUrls } from '../../domain/fulltext-html.ts';
import { arxivAbsUrl } from '../../domain/arxiv-id.ts';
import type { Paper } from '../../domain/merge.ts';
import { layout, type Frame } from './layout.ts';
import { mathText, texToMathml } from './text.ts';

/** Formulas rendered per paper; beyond it they stay as TeX (KaTeX is the costly part; a few papers have thousands). */
export const MAX_FORMULAS = 5000;

interface Env {
  anchors: string[];
  heading: number;
  formulas: number;
  /** Figure address → stored image hash. */
  images: ReadonlyMap<string, string>;
}

const md = new MarkdownIt('default', { html: false, linkify: false, typographer: false });
md.validateLink = (url) => /^(https?:\/\/|#)/i.test(url.trim());

// `$$…$$` (display) and `$…$` (inline); a `\$` is a dollar sign (the converter escapes literal ones).
const MATH = /\$\$([^$]+)\$\$|\$((?:\\\$|[^$\n])+?)\$/y;
function math(state: StateInline, silent: boolean): boolean {
  if (state.src.charCodeAt(state.pos) !== 0x24 /* $ */) return false;
  MATH.lastIndex = state.pos;
  const m = MATH.exec(state.src);
  if (!m) return false;
  if (!silent) {
    const env = state.env as Env;
    const display = m[1] !== undefined;
    const tex = (m[1] ?? m[2])!;
    const rendered = env.formulas < MAX_FORMULAS ? texToMathml(tex, display) : null;
    env.formulas++;
    if (rendered === null) state.push('text', '', 0).content = m[0];
    else state.push('math_inline', 'math', 0).content = display ? `<span class="math-display">${rendered}</span>` : rendered;
  }
  state.pos += m[0].length;
  return true;
}
md.inline.ruler.after('escape', 'math', math);
// KaTeX made (and escaped) this MathML.
md.renderer.rules.math_inline = (tokens, idx) => tokens[idx]!.content;

md.renderer.rules.heading_open = (tokens, idx, options, env: Env, self) => {
  const anchor = env.anchors[env.heading++];
  if (anchor) tokens[idx]!.attrSet('id', anchor);
  return self.renderToken(tokens, idx, options);
};

md.renderer.rules.link_open = (tokens, idx, options, _env, self) => {
  const href = tokens[idx]!.attrGet('href') ?? '';
  if (!href.startsWith('#')) tokens[idx]!.attrSet('rel', 'nofollow noopener');
  return self.renderToken(tokens, idx, options);
};

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

md.renderer.rules.image = (tokens, idx, _options, env: Env) => {
  const t = tokens[idx]!;
  const src = t.attrGet('src') ?? '';
  const alt = t.children ? t.children.map((c) => c.content).join('') : t.content;
  const hash = env.images.get(src);
  if (hash) return `<img src="/images/${escape(hash)}.webp" alt="${escape(alt)}" loading="lazy">`;
  return /^https?:\/\//i.test(src) ? `<a class="figure-link" href="${escape(src)}" rel="nofollow noopener">Figure on arXiv ↗</a>` : '';
};

/** The full text as HTML: headings with the stored anchors, math as MathML. */
export function renderFullText(text: FullText, images: ReadonlyMap<string, string> = new Map()): string {
  const env: Env = { anchors: text.sections.map((s) => s.anchor), heading: 0, formulas: 0, images };
  return md.render(text.markdown, env);
}

/** The table of contents: a nested list following the headings' levels. */
function contents(sections: FullText['sections']) {
  interface Node {
    anchor: string;
    title: string;
    children: Node[];
  }
  const root: Node[] = [];
  const stack: { level: number; children: Node[] }[] = [{ level: -Infinity, children: root }];
  for (const s of sections) {
    while (stack.length > 1 && stack[stack.length - 1]!.level >= s.level) stack.pop();
    const node: Node = { anchor: s.anchor, title: s.title, children: [] };
    stack[stack.length - 1]!.children.push(node);
    stack.push({ level: s.level, children: node.children });
  }
  const list = (nodes: Node[]): string =>
    nodes.length === 0 ? '' : `<ol>${nodes.map((n) => `<li><a href="#${escape(n.anchor)}">${escape(n.title)}</a>${list(n.children)}</li>`).join('')}</ol>`;
  return raw(list(root));
}

export interface ReadingModel {
  paper: Paper;
  text: FullText;
  body: string;
}

export function readingPage(frame: Frame, m: ReadingModel) {
  const p = m.paper;
  const from = m.text.source === 'html' ? `arXiv’s HTML version${m.text.version !== 'latest' ? ` (${m.text.version})` : ''}` : `the PDF${m.text.version !== 'latest' ? ` (${m.text.version})` : ''}, as extracted text: formulas and figures are not kept`;
  return layout(
    frame,
    { title: `${p.title} (full text)`, canonical: `/papers/${p.id}/read`, description: `The full text of arXiv:${p.id}` },
    html`<article class="reading">
  <header class="reading-head">
    <p class="meta-line"><a href="/papers/${p.id}">← Paper page</a> · <a href="${arxivAbsUrl(p.id)}" rel="noopener">arXiv:${p.id} ↗</a> · <a href="/papers/${p.id}.md">Markdown</a></p>
    <h1>${mathText(p.title)}</h1>
    <p class="meta-line">${p.authors.slice(0, 12).map((a) => a.name).join(', ')}${p.authors.length > 12 ? ` and ${p.authors.length - 12} more` : ''}</p>
    <p class="hint">Converted from ${from}. Some layout may be lost; the <a href="${arxivAbsUrl(p.id)}" rel="noopener">arXiv page</a> has the original.</p>
  </header>
  ${m.text.sections.length > 0 ? html`<nav class="toc" aria-label="Contents"><details open><summary>Contents</summary>${contents(m.text.sections)}</details></nav>` : ''}
  <div class="fulltext">${raw(m.body)}</div>
</article>`,
  );
}
