/**
 * Saved papers as reference-manager files: BibTeX, RIS and CSL-JSON (docs/decisions/0033-portable-libraries.md).
 * Pure: the caller gives the papers (and the notes the reader may see) and gets the file's text.
 *
 * Every entry names the paper the way reference managers and arXiv's own BibTeX do (eprint, archivePrefix,
 * primaryClass; the abstract page as url; the publisher's DOI when we know one), so that our own import
 * (src/domain/bib-import.ts) and Zotero, JabRef or Better BibTeX find it again. The member's note goes in
 * `annote` (BibTeX, CSL-JSON) or `N1` (RIS), the fields those tools keep for a reader's notes.
 */

/** One saved paper, as an export needs it. */
export interface ExportItem {
  id: string;
  title: string;
  /** Names as stored ("Given Family"). */
  authors: string[];
  abstract: string | null;
  /** ISO timestamp of the first version. */
  publishedAt: string | null;
  /** Primary first. */
  categories: string[];
  doi: string | null;
  journalRef: string | null;
  /** The note the reader may see (the owner's private note, else the collection's public note), or null. */
  note: string | null;
}

export type ExportFormat = 'bibtex' | 'ris' | 'csl-json';

export const EXPORT_FORMATS: readonly ExportFormat[] = ['bibtex', 'ris', 'csl-json'];

/** File name extension and media type of each format. */
export const FORMAT_FILE: Record<ExportFormat, { ext: string; type: string; label: string }> = {
  bibtex: { ext: 'bib', type: 'application/x-bibtex; charset=utf-8', label: 'BibTeX' },
  ris: { ext: 'ris', type: 'application/x-research-info-systems; charset=utf-8', label: 'RIS' },
  'csl-json': { ext: 'json', type: 'application/vnd.citationstyles.csl+json; charset=utf-8', label: 'CSL-JSON' },
};

export const arxivUrl = (id: string) => `https://arxiv.org/abs/${id}`;

/** Lowercase particles that belong to the family name ("van der Waals", "de la Cruz"). */
const PARTICLES = new Set(['van', 'von', 'der', 'den', 'de', 'del', 'della', 'di', 'da', 'dos', 'du', 'la', 'le', 'ter', 'ten', 'zu', 'af', 'av', 'bin', 'al']);
const SUFFIXES = /^(jr\.?|sr\.?|ii|iii|iv)$/i;

/** A stored name split into family and given parts; one word (a collaboration, a mononym) is all family. */
export function splitName(name: string): { family: string; given: string; suffix: string } {
  const n = name.replace(/\s+/g, ' ').trim();
  if (n.includes(',')) {
    // Already "Family, Given" (some sources write it so).
    const [family, ...rest] = n.split(',').map((s) => s.trim());
    return { family: family ?? '', given: rest.join(' ').trim(), suffix: '' };
  }
  const words = n.split(' ');
  let suffix = '';
  if (words.length > 2 && SUFFIXES.test(words[words.length - 1]!)) suffix = words.pop()!;
  if (words.length === 1) return { family: words[0]!, given: '', suffix };
  let start = words.length - 1;
  while (start > 1 && PARTICLES.has(words[start - 1]!)) start--;
  return { family: words.slice(start).join(' '), given: words.slice(0, start).join(' '), suffix };
}

/**
 * The citation key: family name of the first author, year, and the arXiv id ("vaswani2017_1706.03762"). Made
 * from the paper alone, so it is the same in every export and unique (one paper, one arXiv id); BibTeX-safe.
 */
export function citationKey(item: Pick<ExportItem, 'id' | 'authors' | 'publishedAt'>): string {
  const first = item.authors[0] ? splitName(item.authors[0]).family : '';
  const family = first.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z]/g, '').slice(0, 24) || 'arxiv';
  return `${family}${item.publishedAt?.slice(0, 4) ?? ''}_${item.id.replace('/', '_')}`;
}

const TEX_SPECIALS: Record<string, string> = {
  '\\': '\\textbackslash{}', '{': '\\{', '}': '\\}', '&': '\\&', '%': '\\%', $: '\\$', '#': '\\#', _: '\\_',
  '~': '\\textasciitilde{}', '^': '\\textasciicircum{}',
};

function balanced(s: string): boolean {
  // As BibTeX counts braces (every one: `\{` too), so that the field is read whole, and as TeX does (`\{` is a
  // character), so that the span typesets: `$\{}$` balances for the first, not the second (found by the property
  // test of tests/unit/bib-formats.test.ts: the entry lost its fields after the title).
  let raw = 0;
  let tex = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '\\') {
      const next = s[++i];
      if (next === '{') raw++;
      else if (next === '}' && --raw < 0) return false;
    } else if (ch === '{') {
      raw++;
      tex++;
    } else if (ch === '}' && (--raw < 0 || --tex < 0)) return false;
  }
  return raw === 0 && tex === 0;
}

const escapeRun = (s: string) => s.replace(/[\\{}&%$#_~^]/g, (ch) => TEX_SPECIALS[ch]!);

/**
 * Text as a BibTeX field value: TeX's special characters escaped, so that BibTeX and LaTeX print it as written.
 * With `math`, `$…$` spans (arXiv titles and abstracts carry TeX math) are kept as they are when their braces
 * balance; everything else, and every span of a note, is escaped. Non-ASCII letters stay UTF-8 (biber, bibtex8,
 * Zotero and JabRef read it).
 */
export function texEscape(s: string, math: boolean): string {
  if (!math) return escapeRun(s);
  let out = '';
  let last = 0;
  // TeX math as Pandoc reads it: "$" then no space, the closing "$" after no space (and not before a digit), so that
  // "costs $5 and $6" stays text.
  for (const m of s.matchAll(/\$[^\s$](?:[^$\n]*[^\s$\\])?\$(?!\d)/g)) {
    if (!balanced(m[0])) continue;
    out += escapeRun(s.slice(last, m.index)) + m[0];
    last = m.index + m[0].length;
  }
  return out + escapeRun(s.slice(last));
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

function bibtexEntry(item: ExportItem): string {
  const fields: [string, string][] = [];
  const put = (name: string, value: string | null | undefined, raw = false) => {
    if (value) fields.push([name, raw ? value : `{${value}}`]);
  };
  // Double braces keep the title's capitals as written (BibTeX styles lowercase them otherwise).
  put('title', `{${texEscape(oneLine(item.title), true)}}`);
  put('author', item.authors.map((a) => bibtexName(a)).join(' and '));
  put('year', item.publishedAt?.slice(0, 4));
  const month = item.publishedAt ? Number(item.publishedAt.slice(5, 7)) : NaN;
  if (month >= 1 && month <= 12) put('month', MONTHS[month - 1]!, true);
  put('eprint', item.id);
  put('archiveprefix', 'arXiv');
  put('primaryclass', item.categories[0]);
  put('url', arxivUrl(item.id));
  put('doi', item.doi ? texEscape(item.doi, false) : null);
  put('journal', item.journalRef ? texEscape(oneLine(item.journalRef), false) : null);
  put('abstract', item.abstract ? texEscape(oneLine(item.abstract), true) : null);
  put('annote', item.note ? texEscape(item.note, false) : null);
  const type = item.journalRef ? 'article' : 'misc';
  return `@${type}{${citationKey(item)},\n${fields.map(([k, v]) => `  ${k} = ${v}`).join(',\n')}\n}\n`;
}

/** "Family, Given" (or "Family, Jr., Given"), each part escaped; a one-word name is braced whole. */
function bibtexName(name: string): string {
  const { family, given, suffix } = splitName(name);
  const f = texEscape(family, false);
  // A family name of several words ("van der Waals" is fine; "Le Cun" is not a particle) is braced so that BibTeX keeps it whole.
  const fam = /\s/.test(family) && !PARTICLES.has(family.split(' ')[0]!) ? `{${f}}` : f;
  if (!given) return `{${f}}`;
  return suffix ? `${fam}, ${texEscape(suffix, false)}, ${texEscape(given, false)}` : `${fam}, ${texEscape(given, false)}`;
}

export function toBibtex(items: readonly ExportItem[], header: string): string {
  return `% ${oneLine(header)}\n% Encoding: UTF-8\n\n${items.map(bibtexEntry).join('\n')}`;
}

/** RIS lines are one line each: line breaks in a value become spaces, except in notes, which continue on the next lines. */
function risEntry(item: ExportItem): string {
  const lines: string[] = [];
  const put = (tag: string, value: string | null | undefined) => {
    if (value) lines.push(`${tag}  - ${value}`);
  };
  put('TY', item.journalRef ? 'JOUR' : 'GEN');
  put('ID', citationKey(item));
  put('TI', oneLine(item.title));
  for (const a of item.authors) {
    const { family, given, suffix } = splitName(a);
    put('AU', given ? `${family}, ${given}${suffix ? `, ${suffix}` : ''}` : family);
  }
  if (item.publishedAt) {
    put('PY', item.publishedAt.slice(0, 4));
    put('DA', item.publishedAt.slice(0, 10).replaceAll('-', '/'));
  }
  put('AB', item.abstract ? oneLine(item.abstract) : null);
  put('UR', arxivUrl(item.id));
  put('DO', item.doi);
  put('JO', item.journalRef ? oneLine(item.journalRef) : null);
  put('PB', 'arXiv');
  put('AN', `arXiv:${item.id}`);
  put('KW', item.categories[0]);
  // A note's further lines start with a space (which readers drop), so that none reads as a tag ("AB  - …").
  put('N1', item.note ? item.note.split('\n').join('\r\n ') : null);
  lines.push('ER  - ');
  return lines.join('\r\n');
}

export function toRis(items: readonly ExportItem[]): string {
  return items.map(risEntry).join('\r\n\r\n') + (items.length ? '\r\n' : '');
}

/** CSL-JSON (the format citeproc, Zotero, Pandoc and Mendeley read): an array of items. */
export function toCslJson(items: readonly ExportItem[]): string {
  const out = items.map((item) => {
    const parts = item.publishedAt ? [Number(item.publishedAt.slice(0, 4)), Number(item.publishedAt.slice(5, 7)), Number(item.publishedAt.slice(8, 10))] : null;
    const o: Record<string, unknown> = {
      id: citationKey(item),
      type: 'article',
      title: oneLine(item.title),
      author: item.authors.map((a) => {
        const { family, given, suffix } = splitName(a);
        return given ? { family, given, ...(suffix ? { suffix } : {}) } : { literal: family };
      }),
    };
    if (parts) o.issued = { 'date-parts': [parts] };
    if (item.abstract) o.abstract = oneLine(item.abstract);
    o.URL = arxivUrl(item.id);
    if (item.doi) o.DOI = item.doi;
    o.publisher = 'arXiv';
    o.number = `arXiv:${item.id}`;
    if (item.categories[0]) o.section = item.categories[0];
    if (item.journalRef) o['container-title'] = oneLine(item.journalRef);
    if (item.note) o.annote = item.note;
    return o;
  });
  return `${JSON.stringify(out, null, 2)}\n`;
}

export function serialize(format: ExportFormat, items: readonly ExportItem[], header: string): string {
  return format === 'bibtex' ? toBibtex(items, header) : format === 'ris' ? toRis(items) : toCslJson(items);
}
