/**
 * The trending score: how much a paper is being noticed now. It rises with upvotes and comments and
 * decays with the time since the paper was put on a daily list, like Hacker News's ranking
 * (points / (age + 2)^1.8). Explained to users at /about/ranking; golden values in
 * tests/unit/trending.test.ts pin it down, so a change here is a deliberate one.
 */

/** A comment says more than an upvote: it took a reader minutes, not a click. */
export const COMMENT_WEIGHT = 2;

/** Hours added to the age so that a paper listed a minute ago does not divide by ~0. */
export const AGE_OFFSET_HOURS = 2;

/**
 * How fast attention fades. 1.8 (Hacker News) is tuned for hour-long news cycles; papers are read over
 * days, so ours decays more slowly: against a paper listed yesterday, one listed the day before
 * needs ~2.2× the votes to tie (HF's lists come out once a day), one listed a week ago ~9.5×.
 */
export const GRAVITY = 1.2;

/** Papers listed longer ago than this are not candidates at all. */
export const TRENDING_WINDOW_DAYS = 7;

export interface TrendingInput {
  upvotes: number;
  comments: number;
  /** Hours since the paper was put on a list (negative values count as 0). */
  ageHours: number;
}

export function trendingScore({ upvotes, comments, ageHours }: TrendingInput): number {
  const points = Math.max(0, upvotes) + COMMENT_WEIGHT * Math.max(0, comments);
  return points / Math.pow(Math.max(0, ageHours) + AGE_OFFSET_HOURS, GRAVITY);
}

/**
 * The moment ages are measured from: now, or, for a site whose lists stopped (an archive, a demo with
 * imported data), one day after its newest listing, so that the trending page still shows that week.
 */
export function trendingReference(now: Date, newestListing: Date | null): Date {
  if (!newestListing) return now;
  const cap = new Date(newestListing.getTime() + 86_400_000);
  return cap < now ? cap : now;
}

export interface Rankable {
  paperId: string;
  upvotes: number;
  comments: number;
  /** When the paper was put on a list (ISO). */
  listedAt: string;
}

/**
 * Items by trending score, highest first, each paper once (its best listing). Ties go to the
 * fresher listing, then to the paper id, so the order is stable.
 */
export function rankTrending<T extends Rankable>(items: T[], reference: Date): { item: T; score: number }[] {
  const best = new Map<string, { item: T; score: number }>();
  for (const item of items) {
    const ageHours = (reference.getTime() - new Date(item.listedAt).getTime()) / 3_600_000;
    const score = trendingScore({ upvotes: item.upvotes, comments: item.comments, ageHours });
    const seen = best.get(item.paperId);
    if (!seen || score > seen.score) best.set(item.paperId, { item, score });
  }
  return [...best.values()].sort(
    (a, b) => b.score - a.score || b.item.listedAt.localeCompare(a.item.listedAt) || a.item.paperId.localeCompare(b.item.paperId),
  );
}
