/**
 * The rules of backfills (docs/decisions/0021-first-run-and-backfill.md): which days a range holds, when a
 * Hugging Face day's list is settled (fetched once, never asked again), and how long a range may be. Pure.
 */
import { addDays, parseDay } from './dates.ts';

/**
 * A day's Hugging Face list is settled this many days after it: papers are put on a day's list during that
 * day and the next (time zones, late submissions); after that its membership no longer changes. Upvotes keep
 * moving, but those of recent days are kept fresh by the mirror-hf job, not by backfills.
 */
export const HF_DAY_SETTLED_AFTER_DAYS = 2;

/** The longest range one click of the setup page may ask for (a year of lists: ~366 requests, ~20 min politely). */
export const SETUP_RANGE_MAX_DAYS = 366;

/** True when a day's list is final, seen from `today` (YYYY-MM-DD, UTC). */
export function isSettled(day: string, today: string): boolean {
  return day <= addDays(today, -HF_DAY_SETTLED_AFTER_DAYS);
}

/** The days from `from` to `to`, both included, oldest first. */
export function daysInRange(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}

export interface DayRangeInput {
  from: string | undefined;
  to: string | undefined;
}

/**
 * Checks a requested range of days: both YYYY-MM-DD, `from` given, `to` (default today) not before `from` and
 * not in the future, at most `maxDays` long when given.
 * Answers the range or the reason it is refused, one sentence for a person.
 */
export function checkDayRange(
  input: DayRangeInput, today: string, opts: { maxDays?: number } = {},
): { from: string; to: string } | { problem: string } {
  if (!input.from) return { problem: 'give the first day: --from YYYY-MM-DD' };
  const from = parseDay(input.from);
  if (!from) return { problem: `"${input.from}" is not a day: write it YYYY-MM-DD, e.g. 2025-11-03` };
  const to = input.to === undefined || input.to === '' ? today : parseDay(input.to);
  if (!to) return { problem: `"${input.to}" is not a day: write it YYYY-MM-DD, e.g. 2025-11-07` };
  if (from > today || to > today) return { problem: `${from > today ? from : to} is in the future (today is ${today} UTC)` };
  if (to < from) return { problem: `the range ends (${to}) before it starts (${from})` };
  const days = daysInRange(from, to).length;
  if (opts.maxDays !== undefined && days > opts.maxDays) {
    return { problem: `${days} days is more than the ${opts.maxDays} a request may cover: ask for a shorter range` };
  }
  return { from, to };
}
