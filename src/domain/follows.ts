/**
 * Following, the pure part (docs/decisions/0031-follows-and-notifications.md): the kinds of things a member
 * follows, how a value from a form becomes the stored one, and whether a new paper matches a follow.
 * The queries are src/db/queries/follows.ts; the scan of new papers src/notify/new-papers.ts.
 */

export const FOLLOW_KINDS = ['author', 'organization', 'category', 'keyword', 'saved_search'] as const;
export type FollowKind = (typeof FOLLOW_KINDS)[number];
export const isFollowKind = (k: string): k is FollowKind => (FOLLOW_KINDS as readonly string[]).includes(k);

/** A member follows at most this many things (each costs a look-up per new paper in the scan). */
export const MAX_FOLLOWS = 200;
/** Longest value: an author's name or a keyword phrase. */
export const MAX_FOLLOW_VALUE = 200;
/** A keyword has at least this many letters or digits (shorter ones match nearly everything). */
export const MIN_KEYWORD_LENGTH = 3;

export const FOLLOW_KIND_LABELS: Record<FollowKind, string> = {
  author: 'Author', organization: 'Organization', category: 'Category', keyword: 'Keyword', saved_search: 'Saved search',
};

const collapse = (s: string) => s.normalize('NFC').replace(/\s+/g, ' ').trim();

/** The stored form of an author's name, for matching: case and spacing do not count. */
export const authorKey = (name: string): string => collapse(name).toLowerCase();

/**
 * The value stored for a follow, or a message saying what is wrong with it. Authors and keywords are kept in
 * lowercase (matching ignores case); categories as arXiv writes them; organizations by their name; saved
 * searches by id.
 */
export function normalizeFollowValue(kind: FollowKind, raw: string): { ok: true; value: string } | { ok: false; message: string } {
  const v = collapse(raw);
  if (v === '') return { ok: false, message: 'Say what to follow: the value is empty.' };
  if (v.length > MAX_FOLLOW_VALUE) return { ok: false, message: `A followed ${FOLLOW_KIND_LABELS[kind].toLowerCase()} has at most ${MAX_FOLLOW_VALUE} characters.` };
  switch (kind) {
    case 'author':
      return { ok: true, value: v.toLowerCase() };
    case 'keyword': {
      const letters = v.replace(/[^\p{L}\p{N}]/gu, '');
      if (letters.length < MIN_KEYWORD_LENGTH) return { ok: false, message: `A keyword has at least ${MIN_KEYWORD_LENGTH} letters or digits.` };
      return { ok: true, value: v.toLowerCase() };
    }
    case 'category':
      return /^[a-z-]+(\.[A-Za-z-]+)?$/.test(v) ? { ok: true, value: v } : { ok: false, message: `“${v}” is not an arXiv category (like cs.CL).` };
    case 'organization':
      return /^[\w.-]{1,100}$/.test(v) ? { ok: true, value: v } : { ok: false, message: `“${v}” is not an organization’s name.` };
    case 'saved_search':
      return /^[1-9][0-9]{0,9}$/.test(v) ? { ok: true, value: v } : { ok: false, message: 'That is not a saved search.' };
  }
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A matcher for a keyword: the phrase as whole words, ignoring case, in a text. "graph" matches "Graph neural
 * networks" and "graphs" (a plural or other ending is allowed after the last word), not "paragraph".
 */
export function keywordMatcher(keyword: string): (text: string) => boolean {
  const words = keyword.split(' ').map(escapeRegExp).join('\\s+');
  const re = new RegExp(`(?<![\\p{L}\\p{N}])${words}`, 'iu');
  return (text) => re.test(text);
}

/** What a new paper offers to match follows with. */
export interface PaperChannels {
  authors: string[];
  organization: string | null;
  categories: string[];
  /** Title and abstract (and AI keywords), for keywords. */
  text: string;
}

/** The channel that brought a paper to a member: shown in the inbox ("new paper by Jane Doe"). */
export interface MatchedChannel {
  kind: Exclude<FollowKind, 'saved_search'>;
  value: string;
}

/** Describes a matched channel in a few words. */
export function describeChannel(ch: { kind: string; value: string }, authorNames: string[] = []): string {
  switch (ch.kind) {
    case 'author': return `by ${authorNames.find((a) => authorKey(a) === ch.value) ?? ch.value}`;
    case 'organization': return `from ${ch.value}`;
    case 'category': return `in ${ch.value}`;
    case 'keyword': return `matching “${ch.value}”`;
    default: return ch.value;
  }
}
