/**
 * Turning stored text into safe HTML: paragraphs of hard-wrapped arXiv abstracts, and their TeX rendered
 * (`texHtml`: math as MathML by KaTeX, server side, no script or font download in the browser). Everything
 * outside the math is escaped; KaTeX escapes what it renders.
 */
import { raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import katex from 'katex';
import { mathToPlain, parseTex, type TexNode, type TexStyle } from '../../domain/tex.ts';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/** Longest TeX we render; a longer `$…$` is most likely two dollar signs in prose. */
export const MAX_MATH_LENGTH = 300;

/**
 * One TeX formula as MathML, or null when it is empty, too long or does not parse (an author's own
 * macro, say). Shared by `texHtml` and the comments' Markdown (src/http/views/markdown.ts).
 */
export function texToMathml(tex: string, display = false): string | null {
  if (tex.length > MAX_MATH_LENGTH || tex.trim() === '') return null;
  try {
    return katex.renderToString(tex, { output: 'mathml', throwOnError: true, displayMode: display, maxExpand: 100, strict: 'ignore' });
  } catch {
    return null;
  }
}

const STYLE_TAGS: Record<TexStyle, [string, string]> = {
  bold: ['<strong>', '</strong>'],
  italic: ['<em>', '</em>'],
  mono: ['<code>', '</code>'],
  smallcaps: ['<span class="tex-sc">', '</span>'],
  underline: ['<u>', '</u>'],
};

/**
 * TeX as HTML (docs/decisions/0027-tex-and-search-explanations.md): math as MathML (KaTeX, server side),
 * `\textbf`/`\emph`/`\texttt`… as <strong>/<em>/<code>, accents and escapes as characters, a formula
 * KaTeX cannot read as its plain-text reading (src/domain/tex.ts), never as raw TeX. `plain` turns the
 * text runs into HTML (escaping them; the search marks matched words there).
 */
export function texHtml(text: string, plain: (s: string) => string = escapeHtml): string {
  const render = (nodes: TexNode[]): string =>
    nodes
      .map((n) => {
        if (n.kind === 'text') return plain(n.text);
        if (n.kind === 'style') return STYLE_TAGS[n.style][0] + render(n.children) + STYLE_TAGS[n.style][1];
        return texToMathml(n.tex, n.display) ?? `<span class="tex-plain">${escapeHtml(mathToPlain(n.tex))}</span>`;
      })
      .join('');
  return render(parseTex(text));
}

/** Text with its TeX rendered (`texHtml`), ready for a template. */
export const mathText = (text: string): HtmlEscapedString => raw(texHtml(text));

/**
 * Paragraphs of an abstract: arXiv wraps lines at ~80 columns and starts a new paragraph with a blank
 * line or an indented line. Line breaks inside a paragraph become spaces.
 */
export function paragraphs(text: string): string[] {
  const parts = text.trim().split(/\n\s*\n|\n(?= {2,}\S)/);
  // An indented `$$…$$` display formula is not a new paragraph: parts are joined while a `$` is open.
  const joined: string[] = [];
  let open = false;
  for (const part of parts) {
    if (open) joined[joined.length - 1] += `\n${part}`;
    else joined.push(part);
    if ((part.replace(/\\\$/g, '').match(/\$\$|\$/g) ?? []).length % 2 === 1) open = !open;
  }
  return joined.map((p) => p.replace(/\s+/g, ' ').trim()).filter((p) => p !== '');
}

/** Plain text for meta descriptions and feeds: one paragraph, at most `max` characters. */
export function excerpt(text: string, max = 300): string {
  const s = text.replace(/\s+/g, ' ').trim();
  return s.length <= max ? s : `${s.slice(0, max - 1).replace(/\s+\S*$/, '')}…`;
}
