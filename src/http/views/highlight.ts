/**
 * Matched words of a search marked in result cards: the text is escaped first (and its `$…$` TeX
 * rendered, as everywhere), then the matches in the escaped-free plain parts are wrapped in <mark>.
 * Matching is by a crude stem (the word without a common English ending) at the start of a word, so
 * `models` marks `model`, `modeling`; it is only a visual aid, the index decides what matches.
 */
import { raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { escapeHtml, texHtml } from './text.ts';

const ENDINGS = /(?:ations?|ations|ings?|ies|ions?|ed|es|ers?|ly|s)$/u;

/** The crude stem of a lower-case word (at least 3 characters are kept). */
export function crudeStem(word: string): string {
  const stripped = word.replace(ENDINGS, '');
  return stripped.length >= 3 ? stripped : word;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A pattern that finds the words (by their crude stems), or null when there are none. */
export function highlightPattern(words: string[]): RegExp | null {
  const stems = [...new Set(words.filter((w) => w.length >= 2).map(crudeStem))].sort((a, b) => b.length - a.length).slice(0, 40);
  if (stems.length === 0) return null;
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${stems.map(escapeRegExp).join('|')})[\\p{L}\\p{N}]*`, 'giu');
}

/** Escaped text with the pattern's matches in <mark> (pattern may be null: just escaped). */
export function markText(text: string, pattern: RegExp | null): string {
  if (!pattern) return escapeHtml(text);
  let out = '';
  let last = 0;
  for (const m of text.matchAll(pattern)) {
    if (m[0] === '') continue;
    out += `${escapeHtml(text.slice(last, m.index))}<mark>${escapeHtml(m[0])}</mark>`;
    last = m.index! + m[0].length;
  }
  return out + escapeHtml(text.slice(last));
}

/** Like mathText (src/http/views/text.ts): TeX rendered, the rest escaped, and the words marked outside the math. */
export function highlightedMathText(text: string, pattern: RegExp | null): HtmlEscapedString {
  return raw(texHtml(text, (s) => markText(s, pattern)));
}

/** Where to start showing an abstract so that its first match is visible: a sentence start before it ("…" prepended). */
export function abstractAroundMatch(abstract: string, pattern: RegExp | null, lead = 240): string {
  const text = abstract.replace(/\s+/g, ' ').trim();
  if (!pattern) return text;
  pattern.lastIndex = 0;
  const first = text.search(pattern);
  if (first < lead) return text;
  const before = text.slice(0, first);
  const sentence = Math.max(before.lastIndexOf('. '), before.lastIndexOf('? '), before.lastIndexOf('! '));
  const start = sentence >= 0 && first - sentence < lead ? sentence + 2 : Math.max(0, before.lastIndexOf(' ', first - 60) + 1);
  // Never start inside a $…$ formula: an odd number of dollars before the cut means we are in one.
  if ((text.slice(0, start).match(/\$/g) ?? []).length % 2 === 1) return text;
  return `…${text.slice(start)}`;
}
