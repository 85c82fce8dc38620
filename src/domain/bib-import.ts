/**
 * Reading a reference-manager file (BibTeX, RIS, CSL-JSON; Zotero and Better BibTeX export these) into entries
 * that name a paper by arXiv id or DOI (docs/decisions/0033-portable-libraries.md). Pure and strict: a file that
 * cannot be read whole is refused with a message naming the entry (its key, or its line), never read in part.
 * The work is linear in the file's size, and both the size and the number of entries are capped.
 */
import { parseArxivId, parseArxivReference } from './arxiv-id.ts';
import { withoutControlChars } from './text.ts';
import { MAX_NOTE_LENGTH } from './collections.ts';

/** A file a member uploads: a few thousand references are well under 1 MB; 2 MB leaves room for long abstracts. */
export const MAX_IMPORT_BYTES = 2 * 1024 * 1024;
/** Entries per file: four times what a collection holds (DEFAULT_COLLECTION_LIMITS), for libraries with many non-arXiv items. */
export const MAX_IMPORT_ENTRIES = 2000;
/** A key longer than this is not a citation key. */
const MAX_KEY_LENGTH = 200;

export type ImportFormat = 'bibtex' | 'ris' | 'csl-json';

/** One entry of the file, with what names its paper. */
export interface LibraryEntry {
  /** The citation key (BibTeX key, RIS ID, CSL id), or where it is ("line 12", "item 3"). */
  key: string;
  title: string;
  /** arXiv id (canonical, without version) when the entry names one. */
  arxivId: string | null;
  /** A DOI that is not arXiv's own (lowercase). */
  doi: string | null;
  /** The reader's note on it, if the file carries one. */
  note: string | null;
}

export class LibraryFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LibraryFileError';
  }
}

/** The file's bytes as text, or an error for a file that is not text (binary, or not UTF-8). */
export function decodeText(bytes: Uint8Array): string {
  if (bytes.length > MAX_IMPORT_BYTES) throw new LibraryFileError(`The file is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MB. Export fewer references at a time.`);
  if (bytes.includes(0)) throw new LibraryFileError('This is not a text file (it holds NUL bytes). Export BibTeX, RIS or CSL-JSON from your reference manager.');
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new LibraryFileError('This file is not UTF-8 text. Export it again as UTF-8 (Zotero and JabRef do so by default).');
  }
}

/** The format, from the content (the name's extension only breaks ties). */
export function detectFormat(text: string, filename = ''): ImportFormat | null {
  const head = text.replace(/^\uFEFF/, '').trimStart();
  if (head.startsWith('[') || head.startsWith('{')) return 'csl-json';
  if (/^TY {2}-/m.test(text.slice(0, 4096))) return 'ris';
  if (/@[A-Za-z]+\s*[{(]/.test(text.slice(0, 65536))) return 'bibtex';
  if (/\.bib$/i.test(filename)) return 'bibtex';
  if (/\.ris$/i.test(filename)) return 'ris';
  return null;
}

export function parseLibrary(text: string, format: ImportFormat): LibraryEntry[] {
  const entries = format === 'bibtex' ? parseBibtex(text) : format === 'ris' ? parseRis(text) : parseCslJson(text);
  return entries;
}

// ---- identifiers

const ARXIV_DOI = /^10\.48550\/arxiv\.(.+)$/i;
const ARXIV_IN_TEXT = /arxiv:\s*([a-z-]+(?:\.[a-z]{2})?\/\d{7}|\d{4}\.\d{4,5})(?:v\d+)?/i;

/** A DOI as written (bare, doi:, https://doi.org/…), lowercase; null when it is not one. */
export function normalizeDoi(raw: string): string | null {
  const s = raw.trim().replace(/^(?:doi:\s*|https?:\/\/(?:dx\.)?doi\.org\/)/i, '');
  return /^10\.\d{4,9}\/\S+$/.test(s) ? s.toLowerCase() : null;
}

/** What names the paper, from the usual places, most explicit first. */
function identify(fields: { eprint?: string[]; dois?: string[]; urls?: string[]; texts?: string[] }): { arxivId: string | null; doi: string | null } {
  let doi: string | null = null;
  for (const e of fields.eprint ?? []) {
    const id = parseArxivReference(e);
    if (id) return { arxivId: id.id, doi: null };
  }
  for (const d of fields.dois ?? []) {
    const n = normalizeDoi(d);
    if (!n) continue;
    const m = ARXIV_DOI.exec(n);
    const id = m ? parseArxivId(m[1]!) : null;
    if (id) return { arxivId: id.id, doi: null };
    doi ??= n;
  }
  for (const u of fields.urls ?? []) {
    const id = parseArxivReference(u);
    if (id) return { arxivId: id.id, doi: null };
    if (!doi && /doi\.org\//i.test(u)) doi = normalizeDoi(u);
  }
  for (const t of fields.texts ?? []) {
    const m = ARXIV_IN_TEXT.exec(t);
    const id = m ? parseArxivId(m[1]!) : null;
    if (id) return { arxivId: id.id, doi: null };
  }
  return { arxivId: null, doi };
}

/** A note as collections keep it: control characters out, line breaks kept, cut to the note length. */
function cleanNote(s: string | undefined): string | null {
  if (!s) return null;
  let t = withoutControlChars(s).replace(/\r\n?/g, '\n');
  // Zotero writes its notes as HTML.
  if (/^\s*<(p|div|h[1-6]|ul|ol|blockquote|pre)\b/i.test(t)) {
    t = t.replace(/<br\s*\/?>/gi, '\n').replace(/<\/(p|div|h[1-6]|li)>/gi, '\n').replace(/<[^>]*>/g, '')
      .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&nbsp;/g, ' ').replace(/&amp;/g, '&');
    t = t.replace(/[ \t]+\n/g, '\n').replace(/\n{3,}/g, '\n\n');
  }
  t = t.trim();
  return t === '' ? null : t.slice(0, MAX_NOTE_LENGTH);
}

/** A Zotero "extra" line that only names the arXiv id ("arXiv:2401.01234 [cs]"): an identifier, not a note. */
const ID_ONLY_NOTE = /^\s*arxiv:\s*\S+(\s*\[[^\]]*\])?\s*$/i;

const tooMany = () => new LibraryFileError(`The file holds more than ${MAX_IMPORT_ENTRIES} entries. Split it, or export one collection at a time.`);

// ---- BibTeX

const MONTH_NAMES: Record<string, string> = {
  jan: 'January', feb: 'February', mar: 'March', apr: 'April', may: 'May', jun: 'June',
  jul: 'July', aug: 'August', sep: 'September', oct: 'October', nov: 'November', dec: 'December',
};

/**
 * TeX in a field value as plain text: escapes and accents decoded, grouping braces dropped, `$…$` math kept as
 * written (it is how arXiv titles carry math), white space collapsed (but for notes, whose lines are kept).
 * The inverse of texEscape in src/domain/bib-export.ts.
 */
export function texToText(s: string, keepLines = false): string {
  // Pieces joined once at the end: appending char by char to one string is quadratic in V8 on megabyte values.
  const out: string[] = [];
  const special = keepLines ? /[\\${}]/g : /[\\${}~]/g;
  let i = 0;
  const n = s.length;
  while (i < n) {
    special.lastIndex = i;
    const found = special.exec(s);
    const at = found ? found.index : n;
    if (at > i) out.push(s.slice(i, at));
    i = at;
    if (i >= n) break;
    const ch = s[i]!;
    if (ch === '\\') {
      const next = s[i + 1] ?? '';
      if ('&%$#_{}\\ '.includes(next) && next !== '') {
        out.push(next === '\\' ? '\n' : next);
        i += 2;
        continue;
      }
      if (ACCENTS[next] !== undefined) {
        // \"u, \"{u}, \'{\i}
        let j = i + 2;
        let base = '';
        if (s[j] === '{') {
          const close = s.indexOf('}', j);
          base = close < 0 ? '' : s.slice(j + 1, close);
          j = close < 0 ? n : close + 1;
        } else if (/[a-zA-Z]/.test(next) && s[j] === ' ') {
          j++;
          base = s[j] ?? '';
          j++;
        } else {
          base = s[j] ?? '';
          j++;
        }
        base = base.replace(/^\\([ij])$/, '$1');
        out.push((base + ACCENTS[next]).normalize('NFC'));
        i = j;
        continue;
      }
      const m = /^[a-zA-Z]+/.exec(s.slice(i + 1, i + 40));
      if (m) {
        const name = m[0];
        let j = i + 1 + name.length;
        if (WORDS[name] !== undefined) {
          if (s.slice(j, j + 2) === '{}') j += 2;
          else if (s[j] === ' ') j++;
          out.push(WORDS[name]);
        } else if (s[j] === ' ') j++; // an unknown command (\emph, \textit): its argument stays, braces dropped below
        i = j;
        continue;
      }
      i++;
      continue;
    }
    if (ch === '$') {
      const close = s.indexOf('$', i + 1);
      if (close > i + 1) {
        out.push(s.slice(i, close + 1));
        i = close + 1;
        continue;
      }
      out.push('$');
      i++;
      continue;
    }
    if (ch === '~') out.push('\u00a0');
    // Grouping braces are dropped.
    i++;
  }
  const text = out.join('');
  return keepLines ? text.trim() : text.replace(/\s+/g, ' ').trim();
}

const ACCENTS: Record<string, string> = {
  '"': '\u0308', "'": '\u0301', '`': '\u0300', '^': '\u0302', '~': '\u0303', '=': '\u0304', '.': '\u0307',
  c: '\u0327', v: '\u030c', u: '\u0306', H: '\u030b', r: '\u030a', k: '\u0328', d: '\u0323', b: '\u0331',
};

const WORDS: Record<string, string> = {
  textbackslash: '\\', textasciitilde: '~', textasciicircum: '^', textunderscore: '_', textbar: '|', textless: '<', textgreater: '>',
  ss: 'ß', o: 'ø', O: 'Ø', ae: 'æ', AE: 'Æ', oe: 'œ', OE: 'Œ', aa: 'å', AA: 'Å', l: 'ł', L: 'Ł', i: 'ı', j: 'ȷ',
  textendash: '–', textemdash: '—', ldots: '…', dots: '…', textquoteright: '’', textquoteleft: '‘',
};

interface RawBibEntry {
  type: string;
  key: string;
  line: number;
  fields: Map<string, string>;
}

/** Where an error is: the entry's key when it has one, and its line. */
const at = (key: string, line: number) => (key ? `entry “${key}” (line ${line})` : `the entry on line ${line}`);

/** Parses BibTeX (and biblatex) text into entries; throws LibraryFileError naming the entry for malformed ones. */
export function parseBibtexRaw(text: string): RawBibEntry[] {
  const entries: RawBibEntry[] = [];
  const macros = new Map<string, string>(Object.entries(MONTH_NAMES));
  const n = text.length;
  let i = 0;
  let line = 1;
  // Line numbers without rescanning: newlines counted as the cursor moves forward.
  let counted = 0;
  const lineAt = (pos: number) => {
    for (; counted < pos; counted++) if (text.charCodeAt(counted) === 10) line++;
    return line;
  };
  const skipSpace = () => {
    while (i < n && /\s/.test(text[i]!)) i++;
  };
  /** The end of a braced group opened at `open` (its `}`); -1 if it is never closed. */
  const closeOf = (open: number): number => {
    let depth = 0;
    for (let j = open; j < n; j++) {
      const c = text[j];
      if (c === '\\') j++;
      else if (c === '{') depth++;
      else if (c === '}' && --depth === 0) return j;
    }
    return -1;
  };
  while (i < n) {
    const at_ = text.indexOf('@', i);
    if (at_ < 0) break;
    i = at_ + 1;
    const start = lineAt(at_);
    const typeMatch = /^[A-Za-z]+/.exec(text.slice(i, i + 40));
    if (!typeMatch) continue; // an @ in free text between entries is a comment, as BibTeX reads it
    const type = typeMatch[0].toLowerCase();
    i += typeMatch[0].length;
    skipSpace();
    const opener = text[i];
    if (opener !== '{' && opener !== '(') {
      if (type === 'comment') continue;
      throw new LibraryFileError(`BibTeX: the entry on line ${start} (@${typeMatch[0]}) has no “{” after its type.`);
    }
    const closer = opener === '{' ? '}' : ')';
    if (type === 'comment' || type === 'preamble') {
      const end = opener === '{' ? closeOf(i) : text.indexOf(')', i);
      if (end < 0) throw new LibraryFileError(`BibTeX: the @${type} on line ${start} is never closed (a “${opener}” without its “${closer}”).`);
      i = end + 1;
      continue;
    }
    i++;
    let key = '';
    if (type !== 'string') {
      skipSpace();
      const keyMatch = /^[^,\s{}()"=#%]*/.exec(text.slice(i, i + MAX_KEY_LENGTH + 1))!;
      key = keyMatch[0];
      if (key.length > MAX_KEY_LENGTH) throw new LibraryFileError(`BibTeX: the entry on line ${start} has a key longer than ${MAX_KEY_LENGTH} characters.`);
      i += key.length;
      skipSpace();
      if (text[i] === closer) {
        i++;
        entries.push({ type, key, line: start, fields: new Map() });
        if (entries.length > MAX_IMPORT_ENTRIES) throw tooMany();
        continue;
      }
      if (text[i] !== ',') throw new LibraryFileError(`BibTeX: ${at(key, start)}: expected a comma after the key “${key}”, found ${describe(text[i])}.`);
      i++;
    }
    const fields = new Map<string, string>();
    for (;;) {
      skipSpace();
      if (i >= n) throw new LibraryFileError(`BibTeX: ${at(key, start)} is never closed: the file ends inside it (a “${opener}” without its “${closer}”).`);
      if (text[i] === closer) {
        i++;
        break;
      }
      const nameMatch = /^[A-Za-z0-9_\-:.+/]+/.exec(text.slice(i, i + 100));
      if (!nameMatch) throw new LibraryFileError(`BibTeX: ${at(key, start)}: expected a field name on line ${lineAt(i)}, found ${describe(text[i])}.`);
      const name = nameMatch[0].toLowerCase();
      i += nameMatch[0].length;
      skipSpace();
      if (text[i] !== '=') throw new LibraryFileError(`BibTeX: ${at(key, start)}: the field “${name}” on line ${lineAt(i)} has no “=”.`);
      i++;
      let value = '';
      for (;;) {
        skipSpace();
        const c = text[i];
        if (c === '{') {
          const end = closeOf(i);
          if (end < 0) throw new LibraryFileError(`BibTeX: ${at(key, start)}: the value of “${name}” (line ${lineAt(i)}) opens a “{” that is never closed.`);
          value += text.slice(i + 1, end);
          i = end + 1;
        } else if (c === '"') {
          let depth = 0;
          let j = i + 1;
          for (; j < n; j++) {
            const d = text[j];
            if (d === '\\') j++;
            else if (d === '{') depth++;
            else if (d === '}') depth--;
            else if (d === '"' && depth === 0) break;
          }
          if (j >= n) throw new LibraryFileError(`BibTeX: ${at(key, start)}: the value of “${name}” (line ${lineAt(i)}) opens a quote that is never closed.`);
          value += text.slice(i + 1, j);
          i = j + 1;
        } else if (c !== undefined && /[0-9]/.test(c)) {
          const m = /^[0-9]+/.exec(text.slice(i, i + 20))!;
          value += m[0];
          i += m[0].length;
        } else if (c !== undefined && /[A-Za-z]/.test(c)) {
          const m = /^[A-Za-z][A-Za-z0-9_\-:.+]*/.exec(text.slice(i, i + 100))!;
          // An undefined @string name (a journal abbreviation from another file) stands for itself.
          value += macros.get(m[0].toLowerCase()) ?? m[0];
          i += m[0].length;
        } else {
          throw new LibraryFileError(`BibTeX: ${at(key, start)}: the field “${name}” on line ${lineAt(i)} has no value (found ${describe(c)}).`);
        }
        skipSpace();
        if (text[i] === '#') {
          i++;
          continue;
        }
        break;
      }
      if (type === 'string') macros.set(name, value);
      else if (!fields.has(name)) fields.set(name, value);
      skipSpace();
      if (text[i] === ',') i++;
      else if (text[i] !== closer) {
        if (i >= n) throw new LibraryFileError(`BibTeX: ${at(key, start)} is never closed: the file ends inside it (a “${opener}” without its “${closer}”).`);
        throw new LibraryFileError(`BibTeX: ${at(key, start)}: expected a comma or “${closer}” after the field “${name}” on line ${lineAt(i)}, found ${describe(text[i])}.`);
      }
    }
    if (type !== 'string') {
      entries.push({ type, key, line: start, fields });
      if (entries.length > MAX_IMPORT_ENTRIES) throw tooMany();
    }
  }
  return entries;
}

const describe = (c: string | undefined) => (c === undefined ? 'the end of the file' : c === '\n' ? 'a line break' : `“${c}”`);

export function parseBibtex(text: string): LibraryEntry[] {
  return parseBibtexRaw(text).map((e) => {
    const f = (k: string) => e.fields.get(k);
    const prefix = (f('archiveprefix') ?? f('eprinttype') ?? 'arxiv').toLowerCase();
    const { arxivId, doi } = identify({
      eprint: prefix === 'arxiv' && f('eprint') ? [texToText(f('eprint')!)] : [],
      dois: f('doi') ? [texToText(f('doi')!)] : [],
      urls: [f('url'), f('howpublished'), f('pdf'), f('eprint')].filter((v): v is string => !!v).map((v) => texToText(v).replace(/^\\url/, '')),
      texts: [f('journal'), f('note'), f('number'), f('howpublished'), f('eprint'), f('arxivid'), f('arxiv'), f('booktitle'), f('extra')].filter((v): v is string => !!v).map((v) => texToText(v)),
    });
    const arxivField = f('arxivid') ?? f('arxiv');
    const fromField = !arxivId && arxivField ? parseArxivReference(texToText(arxivField))?.id ?? null : null;
    return {
      key: e.key || `line ${e.line}`,
      title: texToText(f('title') ?? '').slice(0, 300),
      arxivId: arxivId ?? fromField,
      doi: arxivId || fromField ? null : doi,
      note: cleanNote(f('annote') !== undefined ? texToText(f('annote')!, true) : undefined),
    };
  });
}

// ---- RIS

/** Parses RIS (TY … ER records); a record that is cut off or a tag outside a record is refused, naming its line. */
export function parseRis(text: string): LibraryEntry[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const out: LibraryEntry[] = [];
  let cur: { line: number; tags: Map<string, string[]>; last: string } | null = null;
  /** Blank lines since the last tag: inside a wrapped note they are its paragraph breaks, else they separate records. */
  let pending: string[] = [];
  for (let ln = 0; ln < lines.length; ln++) {
    const raw = lines[ln]!;
    const m = /^([A-Z][A-Z0-9]) {2}-(?: (.*)|\s*)$/.exec(raw);
    if (!m) {
      if (raw.trim() === '') {
        pending.push(raw);
        continue;
      }
      if (!cur) throw new LibraryFileError(`RIS: line ${ln + 1} is outside any record (records start with “TY  - ”).`);
      // A continuation of the previous tag's value (long abstracts and notes are wrapped by some exporters).
      const values = cur.tags.get(cur.last)!;
      for (const l of [...pending, raw]) values[values.length - 1] += `\n${l.replace(/^ /, '')}`;
      pending = [];
      continue;
    }
    pending = [];
    const tag = m[1]!;
    const value = (m[2] ?? '').trim();
    if (tag === 'TY') {
      if (cur) throw new LibraryFileError(`RIS: ${risWhere(cur)} has no “ER  - ” line before the next record on line ${ln + 1}.`);
      cur = { line: ln + 1, tags: new Map(), last: 'TY' };
      cur.tags.set('TY', [value]);
      continue;
    }
    if (!cur) throw new LibraryFileError(`RIS: line ${ln + 1} (${tag}) is outside any record (records start with “TY  - ”).`);
    if (tag === 'ER') {
      out.push(risEntry(cur));
      if (out.length > MAX_IMPORT_ENTRIES) throw tooMany();
      cur = null;
      continue;
    }
    const list = cur.tags.get(tag) ?? [];
    list.push(m[2] ?? '');
    cur.tags.set(tag, list);
    cur.last = tag;
  }
  if (cur) throw new LibraryFileError(`RIS: ${risWhere(cur)} is cut off: the file ends before its “ER  - ” line.`);
  return out;
}

function risWhere(cur: { line: number; tags: Map<string, string[]> }): string {
  const id = cur.tags.get('ID')?.[0]?.trim();
  return id ? `the record “${id}” (line ${cur.line})` : `the record on line ${cur.line}`;
}

function risEntry(cur: { line: number; tags: Map<string, string[]> }): LibraryEntry {
  const all = (...tags: string[]) => tags.flatMap((t) => cur.tags.get(t) ?? []).map((v) => v.trim()).filter((v) => v !== '');
  const notes = all('N1');
  const { arxivId, doi } = identify({
    dois: all('DO', 'DI'),
    urls: all('UR', 'L1', 'L2', 'L3', 'LK'),
    texts: all('AN', 'M1', 'M3', 'N1', 'JO', 'JF', 'T2', 'SN', 'ST', 'C1', 'C2', 'ET'),
  });
  const note = notes.filter((v) => !ID_ONLY_NOTE.test(v)).join('\n\n');
  return {
    key: all('ID')[0]?.slice(0, MAX_KEY_LENGTH) ?? `line ${cur.line}`,
    title: (all('TI', 'T1', 'CT', 'BT')[0] ?? '').replace(/\s+/g, ' ').slice(0, 300),
    arxivId,
    doi,
    note: cleanNote(note),
  };
}

// ---- CSL-JSON

export function parseCslJson(text: string): LibraryEntry[] {
  let data: unknown;
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    // V8 names the position in some messages, and quotes the text around the fault in others.
    const message = String((e as Error).message);
    const where = /position (\d+)/.exec(message);
    const line = where ? text.slice(0, Number(where[1])).split('\n').length : null;
    throw new LibraryFileError(`CSL-JSON: the file is not valid JSON${line ? ` (line ${line})` : ''}: ${message.slice(0, 160)}`);
  }
  // One item alone, or Better BibTeX's {items: […]} shape, are read too.
  const items = Array.isArray(data) ? data : data && typeof data === 'object' && Array.isArray((data as { items?: unknown }).items) ? (data as { items: unknown[] }).items : data && typeof data === 'object' ? [data] : null;
  if (!items) throw new LibraryFileError('CSL-JSON: expected an array of items.');
  if (items.length > MAX_IMPORT_ENTRIES) throw tooMany();
  return items.map((item, index) => {
    if (!item || typeof item !== 'object' || Array.isArray(item)) throw new LibraryFileError(`CSL-JSON: item ${index + 1} is not an object.`);
    const o = item as Record<string, unknown>;
    const str = (k: string): string | undefined => (typeof o[k] === 'string' ? (o[k] as string) : typeof o[k] === 'number' ? String(o[k]) : undefined);
    const key = (str('id') ?? str('citation-key') ?? str('citationKey') ?? `item ${index + 1}`).slice(0, MAX_KEY_LENGTH);
    if (o.title !== undefined && typeof o.title !== 'string') throw new LibraryFileError(`CSL-JSON: item “${key}” (item ${index + 1}): its title is not text.`);
    const { arxivId, doi } = identify({
      dois: [str('DOI'), str('doi')].filter((v): v is string => !!v),
      urls: [str('URL'), str('url')].filter((v): v is string => !!v),
      texts: [str('number'), str('note'), str('archive_location'), str('container-title'), str('eprint')].filter((v): v is string => !!v),
    });
    return {
      key,
      title: (str('title') ?? '').replace(/\s+/g, ' ').trim().slice(0, 300),
      arxivId,
      doi,
      note: cleanNote(str('annote')),
    };
  });
}

// ---- matching entries to papers

/** An entry that names no paper here, and why. */
export interface Unmatched {
  key: string;
  title: string;
  why: string;
}

/**
 * Which entries are papers here (in file order, with their notes) and which are not, with the reason for each.
 * `ids`: the arXiv ids that are papers here; `byDoi`: lowercase DOI → paper id.
 */
export function matchEntries(entries: readonly LibraryEntry[], found: { ids: ReadonlySet<string>; byDoi: ReadonlyMap<string, string> }): { items: { paperId: string; note: string | null }[]; unmatched: Unmatched[] } {
  const items: { paperId: string; note: string | null }[] = [];
  const unmatched: Unmatched[] = [];
  for (const e of entries) {
    if (e.arxivId && found.ids.has(e.arxivId)) items.push({ paperId: e.arxivId, note: e.note });
    else if (e.doi && found.byDoi.has(e.doi)) items.push({ paperId: found.byDoi.get(e.doi)!, note: e.note });
    else {
      const why = e.arxivId
        ? `arXiv ${e.arxivId} is not on this site`
        : e.doi
          ? `no paper here has the DOI ${e.doi}`
          : 'the entry names no arXiv id or DOI';
      unmatched.push({ key: e.key, title: e.title, why });
    }
  }
  return { items, unmatched };
}
