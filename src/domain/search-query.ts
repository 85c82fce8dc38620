/**
 * The search box's query language, parsed into a structure (pure; no database). The engines never see
 * the user's text: src/search/keyword.ts builds each engine's full-text expression from the tokens here,
 * which hold only letters, digits and marks (`sqliteMatch` below for FTS5; PostgreSQL gets each token
 * through `websearch_to_tsquery`, which accepts any text).
 *
 *   words                 any of them (ranked by BM25: papers with more, and rarer, words first)
 *   "quoted phrase"       the words next to each other
 *   -word, -"a phrase"    papers without it
 *   author:NAME, author:"First Last"   an author's name (all its words, in the authors field)
 *   cat:cs.CL             an arXiv category (primary or cross-list)
 *   org:NAME              an organization (its short name or full name)
 *   year:2024, year:2020-2024          the arXiv publication year
 *   2401.01234, arXiv:2401.01234, https://arxiv.org/abs/2401.01234v2   that paper (a redirect)
 *
 * Everything else is plain text: FTS operators (`NEAR(`, `*`, `^`, `:`, AND/OR/NOT, parentheses) are
 * punctuation or common words here; unbalanced quotes end at the end of the query; control characters
 * are dropped; the query is cut to MAX_QUERY_CHARS.
 */
import { ARXIV_CATEGORY, parseArxivReference } from './arxiv-id.ts';

/** Longest query parsed (characters); the rest is ignored, with a notice. The HF-compatible API allows 250. */
export const MAX_QUERY_CHARS = 1000;

/*
 * Caps on the operators of one query (docs/decisions/0014-search-budget.md). Every operator costs the
 * engines work (a full-text term, a filter, a spelling lookup), and 1,000 characters hold a hundred of
 * them; past a cap the rest are dropped and a notice says so ("only the first N … were used"). The values
 * are far above what a person types: the real corpus's titles have ~10 words, the known-item benchmark's
 * longest queries (AI summaries) are cut at 32 words already, and a paper has 1–3 categories and one
 * organization, so more than a few of those filters (which must all hold) can only match nothing.
 */
/** Words and phrases to find (each a full-text term; all of them are ranked together). */
export const MAX_TERMS = 32;
/** Of those, phrases (quoted, or hyphenated words): each reads word positions, dearer than a word. */
export const MAX_PHRASES = 16;
/** Words in one phrase (a whole title pasted in quotes still fits). */
export const MAX_PHRASE_WORDS = 32;
/** Words in one author: name ("Maria del Carmen García López" has five). */
export const MAX_AUTHOR_WORDS = 8;
/** -excluded words and phrases. */
export const MAX_EXCLUDED = 16;
/** author: names (each must match: two or three co-authors is the most a person narrows by). */
export const MAX_AUTHORS = 4;
/** cat: filters (a paper has 1–3 categories, and every cat: must hold). */
export const MAX_CATEGORIES = 4;
/** org: filters (a paper has one organization; each org: must name it, by short or full name). */
export const MAX_ORGANIZATIONS = 2;
/** Longest single word kept: nothing in a title is longer; a longer run is noise. */
const MAX_WORD_CHARS = 64;

/**
 * English stop words (PostgreSQL's `english` list, the Snowball one). Unquoted stop words are dropped
 * when the query has other words, on both engines, so that "the of and" means the same everywhere: a
 * message, not every paper. Inside quoted phrases they stay.
 */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  ('i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers herself ' +
    'it its itself they them their theirs themselves what which who whom this that these those am is are was were be ' +
    'been being have has had having do does did doing a an the and but if or because as until while of at by for with ' +
    'about against between into through during before after above below to from up down in out on off over under again ' +
    'further then once here there when where why how all any both each few more most other some such no nor not only own ' +
    'same so than too very s t can will just don should now').split(' '),
);

export interface QueryTerm {
  /** Lower-case words (letters, digits, marks only); more than one is a phrase. */
  words: string[];
  /** Typed in quotes (or hyphenated: `state-of-the-art`). */
  phrase: boolean;
  /**
   * A bare word whose parts are joined by hyphens only (`self-reasoning`, not `cs.CL` nor a quoted phrase).
   * PostgreSQL matches it as written, hyphens included, when its parser indexes the compound as a word of its own
   * (not `gpt-4`: a number is a token apart; that stays a phrase), and
   * matching the spaced phrase instead read every paper with both parts (1.2 s for `self-reasoning` at 1M papers;
   * docs/decisions/0049-word-counts-from-statistics.md). SQLite matches it as written too: its index holds each
   * hyphenated word as a token of its own (fts5Term, migration 0038).
   */
  hyphenated?: boolean;
  /** PostgreSQL: a hyphenated word's compound lexeme, as keyword search looked it up (src/search/keyword.ts, pgTerm). */
  lexeme?: string;
  /** Match any word starting with the last word (set by the spelling fallback, never by users). */
  prefix?: boolean;
}

export interface YearRange {
  from: number;
  to: number;
}

export interface ParsedQuery {
  /** The query as used: control characters removed, cut to MAX_QUERY_CHARS, spaces collapsed. */
  text: string;
  /** Words and phrases to find (any of them). */
  terms: QueryTerm[];
  /** Words and phrases the papers must not have. */
  excluded: QueryTerm[];
  /** `author:` names, each as its words; a paper must match every one. */
  authors: string[][];
  categories: string[];
  organizations: string[];
  year: YearRange | null;
  /** The whole query is an arXiv id or URL: go to that paper. */
  arxivId: string | null;
  /** The query had words, but only common ones (all dropped). */
  stopWordsOnly: boolean;
  /** What was ignored or changed, to show beside the results. */
  notices: string[];
}

// Control and format characters (and lone surrogates, which no URL or JSON can carry) become nothing.
const CONTROL = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}]/gu;
const WORD_CHARS = /[\p{L}\p{N}\p{M}]+/gu;
const OPERATOR = /^(author|cat|category|org|year):/i;

/** Removes control characters and lone surrogates, collapses whitespace, caps the length (by code points). */
export function cleanQueryText(input: string, max = MAX_QUERY_CHARS): { text: string; cut: boolean } {
  const wellFormed = typeof input === 'string' ? input.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, ' ') : '';
  const chars = Array.from(wellFormed.replace(/[\t\n\r\f\v]/g, ' ').replace(CONTROL, ''));
  const cut = chars.length > max;
  return { text: (cut ? chars.slice(0, max) : chars).join('').replace(/\s+/g, ' ').trim(), cut };
}

/** The words of a piece of text: lower case, letters/digits/marks only, each at most MAX_WORD_CHARS. */
export function wordsOf(s: string): string[] {
  return (s.normalize('NFC').toLowerCase().match(WORD_CHARS) ?? []).map((w) => Array.from(w).slice(0, MAX_WORD_CHARS).join(''));
}

/** arXiv's spelling of a category typed in any case: archive lower case, a two-letter subject class upper case. */
export function normalizeCategory(raw: string): string | null {
  const m = /^([a-z-]+)(?:\.([a-z-]+))?$/i.exec(raw.trim());
  if (!m) return null;
  const archive = m[1]!.toLowerCase();
  const subject = m[2] === undefined ? '' : `.${m[2].length === 2 ? m[2].toUpperCase() : m[2]}`;
  const cat = archive + subject;
  return ARXIV_CATEGORY.test(cat) ? cat : null;
}

function parseYear(raw: string): YearRange | null {
  const m = /^(\d{4})(?:(?:-|\.\.)(\d{4}))?$/.exec(raw.trim());
  if (!m) return null;
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  if (from < 1900 || to > 2999 || to < from) return null;
  return { from, to };
}

interface Piece {
  negated: boolean;
  operator: string | null;
  value: string;
  quoted: boolean;
}

/** Splits the text into pieces: bare words, "quoted runs" (to the end when unbalanced), -negations, op:values. */
function pieces(text: string): Piece[] {
  const out: Piece[] = [];
  let i = 0;
  const n = text.length;
  const readQuoted = (): string => {
    // text[i] is the opening quote; an unbalanced quote runs to the end.
    const close = text.indexOf('"', i + 1);
    const value = text.slice(i + 1, close < 0 ? n : close);
    i = close < 0 ? n : close + 1;
    return value;
  };
  const readBare = (): string => {
    const start = i;
    while (i < n && text[i] !== ' ' && text[i] !== '"') i++;
    return text.slice(start, i);
  };
  while (i < n) {
    if (text[i] === ' ') {
      i++;
      continue;
    }
    let negated = false;
    if (text[i] === '-' && i + 1 < n && text[i + 1] !== ' ' && text[i + 1] !== '-') {
      negated = true;
      i++;
    }
    const op = OPERATOR.exec(text.slice(i, i + 12));
    if (op) {
      i += op[0].length;
      const quoted = text[i] === '"';
      const value = quoted ? readQuoted() : readBare();
      out.push({ negated, operator: op[1]!.toLowerCase(), value, quoted });
      continue;
    }
    if (text[i] === '"') {
      out.push({ negated, operator: null, value: readQuoted(), quoted: true });
      continue;
    }
    const value = readBare();
    if (value === '') {
      i++; // a lone quote after a minus, for instance
      continue;
    }
    out.push({ negated, operator: null, value, quoted: false });
  }
  return out;
}

/** Parses what was typed in the search box (any string: never throws). */
export function parseSearchQuery(input: string): ParsedQuery {
  const { text, cut } = cleanQueryText(input);
  const q: ParsedQuery = {
    text, terms: [], excluded: [], authors: [], categories: [], organizations: [], year: null, arxivId: null,
    stopWordsOnly: false, notices: [],
  };
  if (cut) q.notices.push(`Only the first ${MAX_QUERY_CHARS} characters of the query were used.`);
  if (text === '') return q;
  if (text.length < 300 && !/\s/.test(text)) {
    const ref = parseArxivReference(text);
    if (ref) {
      q.arxivId = ref.id;
      return q;
    }
  }
  // Operators past a cap are dropped; `over` counts them per kind, for one notice each.
  const over = new Map<string, number>();
  const drop = (kind: string) => over.set(kind, (over.get(kind) ?? 0) + 1);
  // A message about a malformed operator is given for its first occurrence only.
  const once = (kind: string, notice: string) => {
    if (!over.has(kind)) q.notices.push(notice);
    over.set(kind, 0);
  };
  let stopWords = 0;
  const addTerm = (list: QueryTerm[], words: string[], phrase: boolean, hyphenated = false) => {
    if (words.length === 0) return;
    if (words.length > MAX_PHRASE_WORDS) {
      drop('phraseWords');
      words = words.slice(0, MAX_PHRASE_WORDS);
    }
    const key = words.join(' ');
    if (list.some((t) => t.words.join(' ') === key)) return;
    const isPhrase = phrase || words.length > 1;
    if (list === q.excluded) {
      if (list.length >= MAX_EXCLUDED) return void drop('excluded');
    } else if (list.length >= MAX_TERMS) return void drop('terms');
    else if (isPhrase && list.filter((t) => t.phrase).length >= MAX_PHRASES) return void drop('phrases');
    list.push({ words, phrase: isPhrase, ...(hyphenated && words.length > 1 ? { hyphenated: true } : {}) });
  };
  for (const p of pieces(text)) {
    if (p.operator === 'author') {
      const words = wordsOf(p.value);
      if (words.length === 0) continue;
      if (p.negated) once('negatedAuthor', `-author: is not supported; author:${p.value.slice(0, 40)} was ignored.`);
      else if (q.authors.some((a) => a.join(' ') === words.join(' '))) continue;
      else if (q.authors.length >= MAX_AUTHORS) drop('authors');
      else {
        if (words.length > MAX_AUTHOR_WORDS) drop('authorWords');
        q.authors.push(words.slice(0, MAX_AUTHOR_WORDS));
      }
      continue;
    }
    if (p.operator === 'cat' || p.operator === 'category') {
      const cat = normalizeCategory(p.value);
      if (!cat || p.negated) once('badCategory', `“${p.value.slice(0, 40)}” is not an arXiv category (for example cat:cs.CL); it was ignored.`);
      else if (q.categories.includes(cat)) continue;
      else if (q.categories.length >= MAX_CATEGORIES) drop('categories');
      else q.categories.push(cat);
      continue;
    }
    if (p.operator === 'org') {
      const name = p.value.trim().slice(0, 100);
      if (name === '' || p.negated || q.organizations.includes(name)) continue;
      if (q.organizations.length >= MAX_ORGANIZATIONS) drop('organizations');
      else q.organizations.push(name);
      continue;
    }
    if (p.operator === 'year') {
      const year = parseYear(p.value);
      if (!year || p.negated) once('badYear', `“${p.value.slice(0, 20)}” is not a year (for example year:2024 or year:2022-2024); it was ignored.`);
      else if (q.year && (q.year.from !== year.from || q.year.to !== year.to)) drop('years');
      else q.year = year;
      continue;
    }
    if (p.quoted) {
      addTerm(p.negated ? q.excluded : q.terms, wordsOf(p.value), true);
      continue;
    }
    // A bare word: punctuation inside it splits it (a hyphenated word or `cs.CL` is a phrase).
    const words = wordsOf(p.value);
    if (words.length === 1 && STOP_WORDS.has(words[0]!)) {
      stopWords++;
      continue;
    }
    addTerm(p.negated ? q.excluded : q.terms, words, false, p.value.normalize('NFC').toLowerCase() === words.join('-'));
  }
  const capNotices: [string, string][] = [
    ['terms', `Only the first ${MAX_TERMS} words and phrases of the query were used.`],
    ['phrases', `Only the first ${MAX_PHRASES} phrases of the query were used.`],
    ['phraseWords', `Only the first ${MAX_PHRASE_WORDS} words of a phrase were used.`],
    ['excluded', `Only the first ${MAX_EXCLUDED} -excluded words and phrases were used.`],
    ['authors', `Only the first ${MAX_AUTHORS} author: names were used.`],
    ['authorWords', `Only the first ${MAX_AUTHOR_WORDS} words of an author: name were used.`],
    ['categories', `Only the first ${MAX_CATEGORIES} cat: filters were used.`],
    ['organizations', `Only the first ${MAX_ORGANIZATIONS} org: filters were used.`],
    ['years', 'Only the first year: filter was used.'],
  ];
  for (const [kind, notice] of capNotices) if ((over.get(kind) ?? 0) > 0) q.notices.push(notice);
  q.stopWordsOnly = stopWords > 0 && q.terms.length === 0 && q.authors.length === 0;
  return q;
}

/** The query has something to search for with the full-text index: words, phrases or authors. */
export const hasTextCriteria = (q: ParsedQuery): boolean => q.terms.length > 0 || q.authors.length > 0;

/** The query restricts papers some way (text, exclusions, or a field filter). */
export const hasAnyCriteria = (q: ParsedQuery): boolean =>
  hasTextCriteria(q) || q.excluded.length > 0 || q.categories.length > 0 || q.organizations.length > 0 || q.year !== null;

/** Every word that should be highlighted in results: the terms' and the authors' words. */
export const highlightWords = (q: ParsedQuery): string[] => [...new Set([...q.terms.flatMap((t) => t.words), ...q.authors.flat()])];

// --- FTS5 (SQLite) --------------------------------------------------------------------------------

/** An FTS5 string: double-quoted, a double quote inside doubled. Its words form a phrase. */
export const fts5String = (s: string): string => `"${s.replace(/"/g, '""')}"`;

/**
 * What joins the parts of a hyphenated word in the SQLite index, where `self-reasoning` is also the one token
 * `self\uE000reasoning` (migration 0038): a private-use character, which FTS5's tokenizer keeps inside a token and
 * no query word has.
 */
export const COMPOUND_JOINER = '\uE000';

/** One term as FTS5 matches it: a word, a phrase, or a hyphenated word's single compound token. */
export const fts5Term = (t: QueryTerm): string => fts5String(t.words.join(t.hyphenated ? COMPOUND_JOINER : ' ')) + (t.prefix ? ' *' : '');

/**
 * How the words and phrases of a query combine: `all` of them, `any` of them, or any but not all (the
 * second tier of a relevance search, after the papers that have them all).
 */
export type TermsMode = 'all' | 'any' | 'anyNotAll';


/**
 * The FTS5 MATCH expression of a query, built only from its tokens (each a quoted string), or null when
 * it has no words, phrases or authors. With `required`, only papers with at least one of those terms match.
 */
export function sqliteMatch(q: Pick<ParsedQuery, 'terms' | 'excluded' | 'authors'>, mode: TermsMode = 'any', required?: readonly QueryTerm[]): string | null {
  return sqliteMatchPhrases(q, mode, required)?.match ?? null;
}

/** A phrase of an FTS5 expression: a query term, an author's name word, or an excluded term. */
export type MatchPhrase = QueryTerm | 'author' | 'excluded';

/**
 * sqliteMatch's expression with its phrases in FTS5's numbering (the order they are written), for
 * bm25_idf's IDF arguments. `columns` (e.g. `{title authors}`) restricts the terms, not the authors' names
 * or the exclusions.
 */
export function sqliteMatchPhrases(q: Pick<ParsedQuery, 'terms' | 'excluded' | 'authors'>, mode: TermsMode = 'any', required?: readonly QueryTerm[], columns?: string): { match: string; phrases: MatchPhrase[] } | null {
  const parts: string[] = [];
  const phrases: MatchPhrase[] = [];
  if (q.terms.length > 0) {
    const all = `(${q.terms.map(fts5Term).join(' AND ')})`;
    const any = `(${q.terms.map(fts5Term).join(' OR ')})`;
    const terms = mode === 'all' ? all : mode === 'any' ? any : `(${any} NOT ${all})`;
    parts.push(columns ? `${columns} : ${terms}` : terms);
    phrases.push(...q.terms, ...(mode === 'anyNotAll' ? q.terms : []));
    // Candidates restricted to papers with one of these terms (the rarer words of a broad query); every
    // term still counts in the score.
    if (required && required.length > 0 && required.length < q.terms.length) {
      parts.push(`(${required.map(fts5Term).join(' OR ')})`);
      phrases.push(...required);
    }
  }
  for (const a of q.authors) {
    // The name's words close together in the authors column ("Geoffrey Hinton" finds "Geoffrey E. Hinton").
    parts.push(a.length === 1 ? `authors : ${fts5String(a[0]!)}` : `authors : NEAR(${a.map(fts5String).join(' ')}, 2)`);
    phrases.push(...a.map(() => 'author' as const));
  }
  if (parts.length === 0) return null;
  let match = parts.join(' AND ');
  for (const t of q.excluded) {
    match = `${match} NOT ${fts5Term(t)}`;
    phrases.push('excluded');
  }
  return { match, phrases };
}

/** The FTS5 expression matching any of the excluded terms (for a search without words), or null. */
export function sqliteExcludedMatch(q: Pick<ParsedQuery, 'excluded'>): string | null {
  return q.excluded.length === 0 ? null : q.excluded.map(fts5Term).join(' OR ');
}

// --- PostgreSQL -----------------------------------------------------------------------------------

/**
 * The text handed to `websearch_to_tsquery('english', …)` for one term: its words only (letters,
 * digits, marks), in quotes for a phrase. websearch_to_tsquery never fails on any input; the quotes
 * are the only syntax it sees from us.
 */
export const websearchText = (t: QueryTerm): string => (t.hyphenated ? t.words.join('-') : t.words.length > 1 ? `"${t.words.join(' ')}"` : t.words[0] ?? '');
