/**
 * GET /papers/week and /papers/month without an argument: the week or month of the newest list (as /papers
 * shows the newest day), instead of a "not an id" error.
 */
import type { Context } from 'hono';
import { latestListingDay } from '../../db/queries/lists.ts';
import { isoWeekOf, monthOf } from '../../domain/dates.ts';
import type { Deps } from '../context.ts';

export const currentPeriod = (deps: Deps, period: 'week' | 'month') => async (c: Context) => {
  const day = (await latestListingDay(deps.database.db)) ?? deps.now().toISOString().slice(0, 10);
  return c.redirect(`/papers/${period}/${period === 'week' ? isoWeekOf(day) : monthOf(day)}`, 302);
};
