/** The JSON API: GET /api/daily_papers and GET /api/papers/:id, in Hugging Face's format. */
import type { Context } from 'hono';
import { z } from 'zod';
import { listingsInRange, paperWithListings } from '../../db/queries/lists.ts';
import { parseArxivId } from '../../domain/arxiv-id.ts';
import { parseDay, parseIsoWeek, parseMonth, type DayRange } from '../../domain/dates.ts';
import type { Deps } from '../context.ts';
import { trendingListings } from '../handlers/trending.ts';
import { hfDailyPaper, hfPaper } from './hf-format.ts';

/** `{"error": "…"}` with a status: what every API failure looks like. */
export const apiError = (c: Context, status: 400 | 404 | 405 | 429 | 503, message: string) => c.json({ error: message }, status);

const ALL_DAYS: DayRange = { from: '0000-01-01', to: '9999-12-31' };
export const MAX_LIMIT = 100;

const DailyPapersQuery = z
  .object({
    p: z.string().regex(/^\d{1,6}$/, 'p: expected a page number from 0').transform(Number).default(0),
    limit: z
      .string()
      .regex(/^\d{1,3}$/, `limit: expected a whole number from 1 to ${MAX_LIMIT}`)
      .transform(Number)
      .refine((n) => n >= 1 && n <= MAX_LIMIT, `limit: expected a whole number from 1 to ${MAX_LIMIT}`)
      .default(50),
    date: z.string().transform((s, ctx) => parseDay(s) ?? (ctx.addIssue({ code: 'custom', message: 'date: expected a day, YYYY-MM-DD' }), z.NEVER)).optional(),
    week: z.string().transform((s, ctx) => parseIsoWeek(s) ?? (ctx.addIssue({ code: 'custom', message: 'week: expected an ISO week, YYYY-Www' }), z.NEVER)).optional(),
    month: z.string().transform((s, ctx) => parseMonth(s) ?? (ctx.addIssue({ code: 'custom', message: 'month: expected a month, YYYY-MM' }), z.NEVER)).optional(),
    submitter: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,95}$/, 'submitter: expected a username').optional(),
    sort: z.enum(['publishedAt', 'trending'], { error: 'sort: expected publishedAt or trending' }).optional(),
  })
  .refine((q) => [q.date, q.week, q.month].filter(Boolean).length <= 1, 'give at most one of date, week and month');

/** GET /api/daily_papers?p=&limit=&date=|week=|month=&submitter=&sort= */
export const dailyPapers = (deps: Deps) => async (c: Context) => {
  const parsed = DailyPapersQuery.safeParse(c.req.query());
  if (!parsed.success) return apiError(c, 400, parsed.error.issues[0]!.message);
  const q = parsed.data;
  const page = { limit: q.limit, offset: q.p * q.limit };
  if (q.sort === 'trending') {
    let ranked = await trendingListings(deps.database, deps.now());
    if (q.submitter) ranked = ranked.filter((l) => l.submitter?.username === q.submitter);
    return c.json(ranked.slice(page.offset, page.offset + page.limit).map(hfDailyPaper));
  }
  const range = q.date ? { from: q.date, to: q.date } : (q.week ?? q.month ?? ALL_DAYS);
  // A day's list is ordered by upvotes, as on its page; without a period, the newest listings come first.
  const sort = q.sort ?? (range === ALL_DAYS ? 'publishedAt' : 'upvotes');
  const list = await listingsInRange(deps.database.db, range, page, sort, q.submitter);
  return c.json(list.items.map(hfDailyPaper));
};

/** GET /api/papers/:id (and /api/papers/:archive/:number for old-style ids) */
export const paperById = (deps: Deps) => async (c: Context) => {
  const archive = c.req.param('archive');
  const raw = archive ? `${archive}/${c.req.param('number')}` : (c.req.param('id') ?? '');
  const ref = parseArxivId(raw);
  if (!ref) return apiError(c, 400, `id: "${raw.slice(0, 100)}" is not an arXiv id`);
  const found = await paperWithListings(deps.database.db, ref.id);
  if (!found) return apiError(c, 404, `paper ${ref.id} not found`);
  return c.json(hfPaper(found.paper, found.organization, found.listings[0]));
};
