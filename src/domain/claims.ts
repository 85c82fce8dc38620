/**
 * Authorship claims: a member says "I am this author" of one entry of a paper's author list, and a
 * moderator approves or denies it. A claim names the entry by its position and keeps the name it had,
 * because a later arXiv version may reorder the list: the name decides where the claim now points.
 */

export type ClaimStatus = 'pending' | 'approved' | 'denied';

/** Lists on a profile page (papers, submissions, comments), newest first; older ones are not shown. */
export const PROFILE_LIST_LIMIT = 50;

/** How long a profile's comment excerpts are. */
export const PROFILE_EXCERPT_LENGTH = 200;

/** Names compared the way people read them: case, accents and spacing do not matter. */
export const sameAuthorName = (a: string, b: string): boolean => normalizeName(a) === normalizeName(b);

const normalizeName = (s: string): string =>
  s.normalize('NFKD').replace(/\p{M}/gu, '').replace(/[\s.]+/g, ' ').trim().toLowerCase();

/**
 * Where a claim on (position, name) points in today's author list: the same position while it still
 * holds that name, else the first entry with that name, else nowhere (null).
 */
export function authorPosition(authors: readonly { name: string }[], index: number, name: string): number | null {
  if (authors[index] && sameAuthorName(authors[index].name, name)) return index;
  const found = authors.findIndex((a) => sameAuthorName(a.name, name));
  return found >= 0 ? found : null;
}

/** Approved claims of a paper as position → username, for linking its author list. */
export function authorLinks(authors: readonly { name: string }[], claims: readonly { authorIndex: number; authorName: string; username: string }[]): Map<number, string> {
  const links = new Map<number, string>();
  for (const c of claims) {
    const at = authorPosition(authors, c.authorIndex, c.authorName);
    if (at !== null && !links.has(at)) links.set(at, c.username);
  }
  return links;
}
