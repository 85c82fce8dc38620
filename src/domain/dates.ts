/**
 * Calendar days, ISO weeks and months as the list pages name them: `2024-11-08`, `2024-W45`, `2024-11`.
 * Days are plain `YYYY-MM-DD` strings, in UTC, everywhere (see docs/decisions/0003).
 */

export interface DayRange {
  /** First day, inclusive. */
  from: string;
  /** Last day, inclusive. */
  to: string;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MS_PER_DAY = 86_400_000;

const toDay = (d: Date): string => d.toISOString().slice(0, 10);
const dayDate = (day: string): Date => new Date(`${day}T00:00:00Z`);

/** A valid `YYYY-MM-DD` (a real date: no February 30th), or null. */
export function parseDay(s: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return null;
  const d = dayDate(s);
  return !Number.isNaN(d.getTime()) && toDay(d) === s ? s : null;
}

export function addDays(day: string, n: number): string {
  return toDay(new Date(dayDate(day).getTime() + n * MS_PER_DAY));
}

/** ISO 8601 week: weeks start on Monday; week 1 holds the year's first Thursday. */
export function isoWeekOf(day: string): string {
  const d = dayDate(day);
  const weekday = (d.getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  const thursday = new Date(d.getTime() + (3 - weekday) * MS_PER_DAY);
  const year = thursday.getUTCFullYear();
  const week = 1 + Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * MS_PER_DAY));
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** `2024-W45` → Monday to Sunday of that week, or null when it is no such week. */
export function parseIsoWeek(s: string): DayRange | null {
  const m = /^(\d{4})-W(\d{2})$/.exec(s);
  if (!m) return null;
  const year = Number(m[1]);
  const week = Number(m[2]);
  if (week < 1 || week > 53) return null;
  // The Monday of week 1 is the Monday on or before January 4th.
  const jan4 = Date.UTC(year, 0, 4);
  const monday1 = jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * MS_PER_DAY;
  const from = toDay(new Date(monday1 + (week - 1) * 7 * MS_PER_DAY));
  if (isoWeekOf(from) !== s) return null; // week 53 of a year that has 52
  return { from, to: addDays(from, 6) };
}

/** `2024-11` → its first and last day, or null. */
export function parseMonth(s: string): DayRange | null {
  const m = /^(\d{4})-(\d{2})$/.exec(s);
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  if (month < 1 || month > 12) return null;
  return { from: toDay(new Date(Date.UTC(year, month - 1, 1))), to: toDay(new Date(Date.UTC(year, month, 0))) };
}

export const monthOf = (day: string): string => day.slice(0, 7);

/**
 * The date on a card: `Nov 8, 2024`, or `Oct 1` in the current year (as the reference page does).
 * `now` is passed in so that the function stays pure.
 */
export function formatCardDate(iso: string, now: Date): string {
  const d = new Date(iso);
  const s = `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}`;
  return d.getUTCFullYear() === now.getUTCFullYear() ? s : `${s}, ${d.getUTCFullYear()}`;
}

/** `Friday, Nov 8, 2024`: a list's day as its page heading shows it. */
export function formatLongDay(day: string): string {
  const d = dayDate(day);
  return `${WEEKDAYS[d.getUTCDay()]}, ${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}, ${d.getUTCFullYear()}`;
}

/** `Nov 4 – 10, 2024` or `Dec 30, 2024 – Jan 5, 2025`. */
export function formatRange({ from, to }: DayRange): string {
  const a = dayDate(from);
  const b = dayDate(to);
  const left = `${MONTHS[a.getUTCMonth()]} ${a.getUTCDate()}`;
  if (a.getUTCFullYear() !== b.getUTCFullYear()) return `${left}, ${a.getUTCFullYear()} – ${MONTHS[b.getUTCMonth()]} ${b.getUTCDate()}, ${b.getUTCFullYear()}`;
  const right = a.getUTCMonth() === b.getUTCMonth() ? `${b.getUTCDate()}` : `${MONTHS[b.getUTCMonth()]} ${b.getUTCDate()}`;
  return `${left} – ${right}, ${b.getUTCFullYear()}`;
}

/** `November 2024`. */
export function formatMonth(month: string): string {
  const d = dayDate(`${month}-01`);
  return d.toLocaleString('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' });
}

/**
 * The top-level `publishedAt` Hugging Face gives a daily entry since 2025-03-11: the paper's arXiv time
 * written as US Eastern wall-clock time but labelled UTC (`2026-05-28T00:00:00Z` → `2026-05-27T20:00:00.000Z`).
 * Computed the same way for listings made here, so that clients see the same kind of value. Null for a bad time.
 */
export function hfEntryPublishedAt(arxivPublishedAt: string): string | null {
  const t = Date.parse(arxivPublishedAt);
  if (Number.isNaN(t)) return null;
  const parts = Object.fromEntries(EASTERN.formatToParts(new Date(t)).map((p) => [p.type, p.value]));
  const hour = parts.hour === '24' ? '00' : parts.hour; // some ICU versions write midnight as 24
  return `${parts.year}-${parts.month}-${parts.day}T${hour}:${parts.minute}:${parts.second}.000Z`;
}

const EASTERN = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/New_York', hourCycle: 'h23',
  year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
});
