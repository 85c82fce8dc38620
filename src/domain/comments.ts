/**
 * Discussion rules, each a named constant with its reason, and the pure parts of a thread: how
 * comments are ranked ("best" by the Wilson score lower bound, as Reddit and Lobsters do, or newest
 * first) and laid out (depth-first, nesting capped). Golden values in tests/unit/comments.test.ts.
 */

/** Longest comment, in characters (UTF-16 code units, as a textarea's maxlength counts): a long review, not a paper. */
export const MAX_COMMENT_LENGTH = 10_000;

/** Authors may fix a comment this long after posting it; later, what others replied to stays as it was. */
export const EDIT_WINDOW_MINUTES = 15;

/**
 * Replies nest this many levels below a top-level comment; deeper ones are shown at this level (with
 * "in reply to …"), so that a long exchange does not shrink to a sliver on a phone.
 */
export const MAX_DEPTH_SHOWN = 6;

/** At most this many members are mailed for the mentions of one comment: a comment is not a mailing list. */
export const MAX_MENTIONS_PER_COMMENT = 10;

/**
 * At most this many mention mails reach one member per MENTION_MAIL_PERIOD_HOURS, whoever mentions them:
 * a busy thread (or a few accounts taking turns) cannot flood an inbox; past it, mentions are recorded
 * and shown on the site, not mailed.
 */
export const MENTION_MAILS_PER_RECIPIENT = 5;
export const MENTION_MAIL_PERIOD_HOURS = 24;

/** z for 80% confidence: Reddit's and Lobsters' choice for comment ranking. */
export const WILSON_Z = 1.281551565545;

/**
 * The lower bound of the Wilson score interval for the share of positive votes: with few votes it
 * stays low (we are not sure yet), with many it approaches the observed share. Evan Miller, "How Not
 * To Sort By Average Rating" (2009). 0 when there are no votes. With upvotes only (as here, until
 * flags arrive) it grows with the upvotes: n / (n + z²).
 */
export function wilsonLowerBound(ups: number, downs = 0, z = WILSON_Z): number {
  const u = Math.max(0, ups);
  const n = u + Math.max(0, downs);
  if (n === 0) return 0;
  const p = u / n;
  const z2 = z * z;
  const bound = (p + z2 / (2 * n) - z * Math.sqrt((p * (1 - p) + z2 / (4 * n)) / n)) / (1 + z2 / n);
  // With no upvotes the bound is 0 exactly; floating point can leave -1e-17 there.
  return Math.max(0, bound);
}

export type CommentSort = 'best' | 'new';
export const COMMENT_SORTS: readonly CommentSort[] = ['best', 'new'];

export interface Rankable {
  id: number;
  parentId: number | null;
  createdAt: string;
  upvotes: number;
}

/**
 * Order among siblings. `best`: Wilson lower bound, highest first; ties (as with no votes) go to the
 * older comment, which the newer ones may be answering. `new`: newest first. The id settles the rest.
 */
export function compareComments(sort: CommentSort): (a: Rankable, b: Rankable) => number {
  if (sort === 'new') return (a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : b.id - a.id);
  return (a, b) =>
    wilsonLowerBound(b.upvotes) - wilsonLowerBound(a.upvotes) || (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id - b.id);
}

export interface Placed<T> {
  item: T;
  /** Levels below a top-level comment (0 for one). */
  depth: number;
}

/**
 * A thread in reading order: each comment followed by its replies (depth first), siblings in `sort`
 * order. A comment whose parent is missing counts as top-level. No recursion: a 10,000-deep chain is fine.
 */
export function orderThread<T extends Rankable>(items: readonly T[], sort: CommentSort): Placed<T>[] {
  const ids = new Set(items.map((c) => c.id));
  const children = new Map<number | null, T[]>();
  for (const c of items) {
    const key = c.parentId !== null && ids.has(c.parentId) ? c.parentId : null;
    const list = children.get(key);
    if (list) list.push(c);
    else children.set(key, [c]);
  }
  const cmp = compareComments(sort);
  for (const list of children.values()) list.sort(cmp);
  const out: Placed<T>[] = [];
  // A stack of (item, depth), pushed in reverse so that the first sibling comes out first.
  const stack: Placed<T>[] = [...(children.get(null) ?? [])].reverse().map((item) => ({ item, depth: 0 }));
  while (stack.length > 0) {
    const next = stack.pop()!;
    out.push(next);
    const kids = children.get(next.item.id) ?? [];
    for (let i = kids.length - 1; i >= 0; i--) stack.push({ item: kids[i]!, depth: next.depth + 1 });
  }
  return out;
}

/** What is wrong with a comment's text, for people, or null. `text` is as received (before trimming). */
export function commentBodyProblem(text: string): string | null {
  if (text.trim() === '') return 'A comment cannot be empty.';
  if (text.length > MAX_COMMENT_LENGTH) return `A comment has at most ${MAX_COMMENT_LENGTH.toLocaleString('en-US')} characters (this one has ${text.length.toLocaleString('en-US')}).`;
  return null;
}

/** Text as stored: line breaks as \n (forms send \r\n), trailing white space trimmed. */
export const normalizeCommentBody = (text: string): string => text.replace(/\r\n?/g, '\n').trimEnd();

/** Whether a comment written at `createdAt` may still be edited at `now`. */
export function withinEditWindow(createdAt: string, now: Date): boolean {
  return now.getTime() - Date.parse(createdAt) < EDIT_WINDOW_MINUTES * 60_000;
}

/**
 * Usernames mentioned as `@name` in a piece of plain text, lowercase, each once, in order. `@` must not
 * follow a letter, digit or dot (so `ada@example.org` is no mention). Names follow USERNAME_PATTERN.
 */
export function mentionsIn(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(/(?<![\w.@/-])@([a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,31})(?![\w-])/gi)) out.add(m[1]!.toLowerCase());
  return [...out];
}
