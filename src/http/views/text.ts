/**
 * Turning stored text into safe HTML: paragraphs of hard-wrapped arXiv abstracts, and TeX between
 * `$…$` rendered as MathML (KaTeX, server side: no script or font download in the browser). Everything
 * outside the math is escaped; KaTeX escapes what it renders.
 */
import { raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import katex from 'katex';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/** Longest TeX we render; a longer `$…$` is most likely two dollar signs in prose. */
export const MAX_MATH_LENGTH = 300;

/**
 * One TeX formula as MathML (inline), or null when it is empty, too long or does not parse. Shared by
 * `mathText` and the comments' Markdown (src/http/views/markdown.ts).
 */
export function texToMathml(tex: string): string | null {
  if (tex.length > MAX_MATH_LENGTH || tex.trim() === '') return null;
  try {
    return katex.renderToString(tex, { output: 'mathml', throwOnError: true, displayMode: false, maxExpand: 100, strict: 'ignore' });
  } catch {
    return null;
  }
}

/** Text with `$…$` (and `$$…$$`) rendered as MathML; a bad formula stays as its escaped source. */
export function mathText(text: string): HtmlEscapedString {
  let out = '';
  let last = 0;
  for (const m of text.matchAll(/\$\$([^$]+)\$\$|\$([^$\n]+?)\$/g)) {
    const tex = (m[1] ?? m[2])!;
    if (tex.length > MAX_MATH_LENGTH || tex.trim() === '') continue;
    out += escapeHtml(text.slice(last, m.index));
    out += texToMathml(tex) ?? escapeHtml(m[0]);
    last = m.index! + m[0].length;
  }
  return raw(out + escapeHtml(text.slice(last)));
}

/**
 * Paragraphs of an abstract: arXiv wraps lines at ~80 columns and starts a new paragraph with a blank
 * line or an indented line. Line breaks inside a paragraph become spaces.
 */
export function paragraphs(text: string): string[] {
  return text
    .trim()
    .split(/\n\s*\n|\n(?= {2,}\S)/)
    .map((p) => p.replace(/\s+/g, ' ').trim())
    .filter((p) => p !== '');
}

/** Plain text for meta descriptions and feeds: one paragraph, at most `max` characters. */
export function excerpt(text: string, max = 300): string {
  const s = text.replace(/\s+/g, ' ').trim();
  return s.length <= max ? s : `${s.slice(0, max - 1).replace(/\s+\S*$/, '')}…`;
}
