/** GET /, /papers, /papers/date/:day, /papers/week/:week, /papers/month/:month, /papers/date?date= */
import type { Context } from 'hono';
import { latestListingDay, latestListingDayIn, listingsInRange, neighbourDays } from '../../db/queries/lists.ts';
import {
  formatLongDay, formatMonth, formatRange, isoWeekOf, monthOf, parseDay, parseIsoWeek, parseMonth, type DayRange,
} from '../../domain/dates.ts';
import { DAY_LIST_CAP, htmlError, PAGE_SIZE, pageParam, frame, votingFor, type Deps } from '../context.ts';
import { cardFromListing } from '../views/cards.ts';
import { withStoredImages } from '../card-images.ts';
import { listPage, type Period } from '../views/list-page.ts';

const FEEDS = [
  { title: 'Daily papers', path: '/feeds/daily' },
  { title: 'Weekly papers', path: '/feeds/weekly' },
];

interface Shown {
  period: Period;
  range: DayRange;
  label: string;
  canonical: string;
}

async function render(c: Context, deps: Deps, shown: Shown) {
  const page = pageParam(c);
  if (page === null) return htmlError(c, deps, 400, 'Bad page number', 'The page number (?p=) must be a whole number from 1.');
  const { db } = deps.database;
  const size = shown.period === 'daily' ? DAY_LIST_CAP : PAGE_SIZE;
  const list = await listingsInRange(db, shown.range, { limit: size, offset: (page - 1) * size });
  const pages = Math.max(1, Math.ceil(list.total / size));
  const { prev, next } = await neighbourDays(db, shown.range);
  // The switch and the picker go to the newest day of the period that has a list (or its first day).
  const day = shown.period === 'daily' ? shown.range.from : ((await latestListingDayIn(db, shown.range)) ?? shown.range.from);
  const link = (d: string | null) => {
    if (d === null) return null;
    if (shown.period === 'daily') return { href: `/papers/date/${d}`, label: formatLongDay(d) };
    if (shown.period === 'weekly') return { href: `/papers/week/${isoWeekOf(d)}`, label: formatRange(parseIsoWeek(isoWeekOf(d))!) };
    return { href: `/papers/month/${monthOf(d)}`, label: formatMonth(monthOf(d)) };
  };
  return c.html(
    listPage(frame(c, deps), {
      ...shown,
      switchTo: { daily: `/papers/date/${day}`, weekly: `/papers/week/${isoWeekOf(day)}`, monthly: `/papers/month/${monthOf(day)}` },
      prev: link(prev),
      next: link(next),
      pickerDay: day,
      cards: await withStoredImages(db, list.items.map(cardFromListing)),
      voting: await votingFor(c, deps, list.items.map((l) => l.paper.id)),
      page,
      pages,
      total: list.total,
      now: deps.now(),
      feeds: FEEDS,
      // No list at all yet: a new site (the welcome page, not an empty list with nowhere to go).
      emptySite: list.total === 0 && (await latestListingDay(db)) === null,
    }),
  );
}

const dayShown = (day: string): Shown => ({
  period: 'daily', range: { from: day, to: day }, label: formatLongDay(day), canonical: `/papers/date/${day}`,
});

/** The latest day that has papers (today's list once it is out). */
export const latestDay = (deps: Deps) => async (c: Context) => {
  const day = (await latestListingDay(deps.database.db)) ?? deps.now().toISOString().slice(0, 10);
  return render(c, deps, dayShown(day));
};

export const dayPage = (deps: Deps) => async (c: Context) => {
  const day = parseDay(c.req.param('day') ?? '');
  if (!day) return htmlError(c, deps, 400, 'Not a date', 'Days are written YYYY-MM-DD, for example /papers/date/2024-11-08.');
  return render(c, deps, dayShown(day));
};

export const weekPage = (deps: Deps) => async (c: Context) => {
  const week = c.req.param('week') ?? '';
  const range = parseIsoWeek(week);
  if (!range) return htmlError(c, deps, 400, 'Not a week', 'Weeks are written as ISO weeks, YYYY-Www, for example /papers/week/2024-W45.');
  return render(c, deps, { period: 'weekly', range, label: formatRange(range), canonical: `/papers/week/${week}` });
};

export const monthPage = (deps: Deps) => async (c: Context) => {
  const month = c.req.param('month') ?? '';
  const range = parseMonth(month);
  if (!range) return htmlError(c, deps, 400, 'Not a month', 'Months are written YYYY-MM, for example /papers/month/2024-11.');
  return render(c, deps, { period: 'monthly', range, label: formatMonth(month), canonical: `/papers/month/${month}` });
};

/** The date picker's form (GET /papers/date?date=YYYY-MM-DD) lands here without JavaScript. */
export const pickDay = (deps: Deps) => (c: Context) => {
  const day = parseDay(c.req.query('date') ?? '');
  if (!day) return htmlError(c, deps, 400, 'Not a date', 'Pick a day, written YYYY-MM-DD.');
  return c.redirect(`/papers/date/${day}`, 302);
};
