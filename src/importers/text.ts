/** Small text helpers shared by the importers: whitespace, dates, author lists, TeX accents. */
import type { Author } from '../domain/paper.ts';
import { withoutControlChars } from '../domain/text.ts';
import { TEX_ACCENTS, TEX_LETTERS } from '../domain/tex.ts';

/** Collapses runs of white space (arXiv wraps long titles and names over lines) and trims. */
export function collapseWhitespace(s: string): string {
  return withoutControlChars(s).replace(/\s+/g, ' ').trim();
}

/**
 * A trimmed string without control characters (src/domain/text.ts), or undefined for null, undefined
 * or blank: sources write "no value" many ways.
 */
export function optionalText(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const t = withoutControlChars(v).trim();
  return t === '' ? undefined : t;
}

/**
 * A date as ISO 8601 in UTC (`2007-04-02T19:18:42.000Z`). Accepts ISO dates and timestamps and
 * RFC 2822 dates (`Mon, 2 Apr 2007 19:18:42 GMT`, used by arXiv's version history). A bare date is
 * taken as midnight UTC. Returns undefined for anything that is not a valid date.
 */
export function toIsoTimestamp(v: unknown): string | undefined {
  if (typeof v !== 'string' || v.trim() === '') return undefined;
  const s = v.trim();
  const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T00:00:00Z` : s);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

// TeX accent commands as they appear in arXiv metadata (`Bal\'azs`, `G\"odel`, `\c{c}`), mapped to
// Unicode combining marks; the result is NFC-normalized so `a` + U+0301 becomes `á`.
const ACCENTS = TEX_ACCENTS;
const LETTERS = TEX_LETTERS;

/** Turns TeX accents in names into Unicode (`Bal\'azs` → `Balázs`); leaves other TeX alone. */
export function texAccentsToUnicode(s: string): string {
  if (!s.includes('\\')) return s;
  const out = s
    // \'{a}, \'a, {\'a}, \c{c}, \v s
    .replace(/\{?\\(['`^"~=.])\s*\{?([A-Za-z]|\\i|\\j)\}?\}?/g, (_m, acc: string, ch: string) => combine(ch, acc))
    .replace(/\{?\\([uvHckr])(?:\{([A-Za-z]|\\i|\\j)\}|\s+([A-Za-z]))\}?/g, (_m, acc: string, a?: string, b?: string) =>
      combine((a ?? b)!, acc),
    )
    .replace(/\{?\\(ss|ae|AE|oe|OE|aa|AA|o|O|l|L)\b\}?(?:\{\})?/g, (_m, name: string) => LETTERS[name] ?? _m);
  return out.normalize('NFC');
}

function combine(ch: string, acc: string): string {
  const base = ch === '\\i' ? 'i' : ch === '\\j' ? 'j' : ch;
  return base + (ACCENTS[acc] ?? '');
}

/**
 * Splits an arXiv author string (`A. Smith, B. Jones (MIT) and C. Wu (Oxford, UK)`) into authors in
 * order. Commas and the word "and" separate authors only outside parentheses; a parenthesised part
 * after a name is that author's affiliation. A trailing `et al.` is dropped.
 */
export function splitAuthorString(raw: string): Author[] {
  const s = collapseWhitespace(texAccentsToUnicode(raw));
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === '(') depth++;
    if (ch === ')') depth = Math.max(0, depth - 1);
    if (depth === 0 && (ch === ',' || ch === ';')) {
      parts.push(cur);
      cur = '';
      continue;
    }
    if (depth === 0 && s.startsWith(' and ', i)) {
      parts.push(cur);
      cur = '';
      i += 4;
      continue;
    }
    cur += ch;
  }
  parts.push(cur);
  const authors: Author[] = [];
  for (let p of parts) {
    p = p.trim().replace(/^and\s+/, '');
    if (p === '' || /^et\.? al\.?$/i.test(p)) continue;
    const m = /^(.*?)\s*\((.*)\)\s*$/.exec(p);
    if (m && m[1]!.trim() !== '') authors.push({ name: m[1]!.trim(), affiliation: m[2]!.trim() });
    else authors.push({ name: p });
  }
  return authors;
}

/** `cs.CL cs.AI  cs.CL` → `['cs.CL', 'cs.AI']`: order kept (primary first), duplicates dropped. */
export function splitCategories(raw: string): string[] {
  return [...new Set(raw.split(/\s+/).filter((c) => c !== ''))];
}

/** Short fields (comments, journal-ref…) are wrapped at 80 columns by arXiv: unwrap them. */
export function optionalLine(v: string | undefined): string | undefined {
  return optionalText(collapseWhitespace(v ?? ''));
}

/** Drops keys whose value is undefined, so records compare and serialize cleanly. */
export function dropUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}
