/**
 * Collections: members' named lists of papers, each paper with a note. Each rule is a named constant
 * with its reason; the validators are pure and return a message for people, or null when fine.
 */

/** How many collections and papers a member may keep; the defaults, overridable per app (tests use small ones). */
export interface CollectionLimits {
  /** Collections per member: enough for every topic one follows, few enough to choose from in a menu on every card. */
  maxCollections: number;
  /** Papers per collection: a reading list or a survey's bibliography, not a mirror of arXiv. */
  maxPapers: number;
}

export const DEFAULT_COLLECTION_LIMITS: CollectionLimits = { maxCollections: 50, maxPapers: 500 };

/** A name is a heading and a menu entry, not a description. */
export const MAX_COLLECTION_NAME_LENGTH = 80;

/** A note says why the paper is here in a few sentences (characters, as a textarea's maxlength counts). */
export const MAX_NOTE_LENGTH = 1000;

/** Slugs (the last part of the URL) are cut to this many characters. */
export const MAX_SLUG_LENGTH = 60;

/** Collapses white space; names are one line. */
export const normalizeCollectionName = (s: string): string => s.replace(/\s+/g, ' ').trim();

/** Notes keep their line breaks (\r\n as \n) and lose surrounding white space. */
export const normalizeNote = (s: string): string => s.replace(/\r\n?/g, '\n').trim();

export function collectionNameProblem(name: string): string | null {
  if (name === '') return 'Give the collection a name.';
  if (name.length > MAX_COLLECTION_NAME_LENGTH) return `Collection names have at most ${MAX_COLLECTION_NAME_LENGTH} characters.`;
  return null;
}

export function noteProblem(note: string): string | null {
  return note.length > MAX_NOTE_LENGTH ? `Notes have at most ${MAX_NOTE_LENGTH} characters.` : null;
}

/**
 * The URL part made from a name: lowercase ASCII letters and digits joined by single hyphens
 * (accents dropped: "Détection d’objets" → "detection-d-objets"); "collection" when nothing is left.
 * A collection keeps its slug when renamed, so that links and feed subscriptions keep working.
 */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, MAX_SLUG_LENGTH)
    .replace(/^-+|-+$/g, '');
  return slug === '' ? 'collection' : slug;
}

/** `base`, or `base-2`, `base-3`… : the first that is not in `taken`. */
export function uniqueSlug(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) {
    const suffix = `-${i}`;
    const candidate = `${base.slice(0, MAX_SLUG_LENGTH - suffix.length).replace(/-+$/, '')}${suffix}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/** A slug as it may appear in a URL. */
export const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
