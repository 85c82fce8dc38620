/** The JSON API: GET /api/daily_papers and GET /api/papers/:id, in Hugging Face's format. */
import type { Context } from 'hono';
import { z } from 'zod';
import { listingsInRange, paperWithListings } from '../../db/queries/lists.ts';
import { parseArxivId } from '../../domain/arxiv-id.ts';
import { parseDay, parseIsoWeek, parseMonth, type DayRange } from '../../domain/dates.ts';
import type { Deps } from '../context.ts';
import { trendingListings } from '../handlers/trending.ts';
import { hfDailyPaper, hfLinkedRepos, hfPaper } from './hf-format.ts';

/** `{"error": "…"}` with a status: what every API failure looks like. */
export const apiError = (c: Context, status: 400 | 404 | 405 | 429 | 503, message: string) => c.json({ error: message }, status);

const ALL_DAYS: DayRange = { from: '0000-01-01', to: '9999-12-31' };
export const MAX_LIMIT = 100;
/**
 * /api/daily_papers pages through the newest entries only: page p of a period-less list is an OFFSET over every
 * listing (at 100k listings a deep page reads them all). Past it, a 400 that says to ask for a day, week or month
 * (docs/decisions/0041-keyset-pagination.md).
 */
export const DAILY_PAPERS_MAX_DEPTH = 10_000;

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
  const offset = q.p * q.limit;
  if (offset >= DAILY_PAPERS_MAX_DEPTH) {
    return apiError(c, 400, `p: this API pages through the first ${DAILY_PAPERS_MAX_DEPTH.toLocaleString('en-US')} entries only (p × limit must be below ${DAILY_PAPERS_MAX_DEPTH}); ask for a date, week or month to reach older papers`);
  }
  // A page that straddles the depth is cut at it.
  const page = { limit: Math.min(q.limit, DAILY_PAPERS_MAX_DEPTH - offset), offset };
  const range = q.date ? { from: q.date, to: q.date } : (q.week ?? q.month ?? ALL_DAYS);
  if (q.sort === 'trending') {
    // Trending within the day, week or month asked for; without one, trending now.
    let ranked = await trendingListings(deps.database, deps.now(), range === ALL_DAYS ? undefined : range);
    if (q.submitter) ranked = ranked.filter((l) => l.submitter?.username === q.submitter);
    nextLink(c, q.p, page.offset + page.limit < Math.min(ranked.length, DAILY_PAPERS_MAX_DEPTH));
    return c.json(ranked.slice(page.offset, page.offset + page.limit).map(hfDailyPaper));
  }
  // A day's list is ordered by upvotes, as on its page; without a period, the newest listings come first.
  const sort = q.sort ?? (range === ALL_DAYS ? 'publishedAt' : 'upvotes');
  // Counted only as far as the next page needs (one row past this page): not every listing of the site.
  const list = await listingsInRange(deps.database.db, range, page, sort, q.submitter, page.offset + page.limit + 1);
  nextLink(c, q.p, page.offset + page.limit < Math.min(list.total, DAILY_PAPERS_MAX_DEPTH));
  return c.json(list.items.map(hfDailyPaper));
};

/** `Link: <…?p=N+1>; rel="next"` when there is a next page (clients page until it is gone), as Hugging Face sends. */
export function nextLink(c: Context, p: number, more: boolean): void {
  if (!more) return;
  const url = new URL(c.req.url);
  url.searchParams.set('p', String(p + 1));
  c.header('Link', `<${url.toString()}>; rel="next"`);
}

/** An id in arXiv's shape (`1234.56789`, `hep-th/9901001`), whether or not such a paper can exist: unknown → 404. */
const WELL_FORMED_ID = /^(?:\d{4}\.\d{4,5}|[a-z]+(?:-[a-z]+)*(?:\.[A-Za-z]{2})?\/\d{7})(?:v\d+)?$/;

/** GET /api/papers/:id (and /api/papers/:archive/:number for old-style ids) */
export const paperById = (deps: Deps) => async (c: Context) => {
  const archive = c.req.param('archive');
  const raw = archive ? `${archive}/${c.req.param('number')}` : (c.req.param('id') ?? '');
  const ref = parseArxivId(raw);
  if (!ref) {
    // Hugging Face answers 404 for an id in the right shape that names no paper (`1234.56789`), 400 for the rest.
    if (WELL_FORMED_ID.test(raw)) return apiError(c, 404, `paper ${raw} not found`);
    return apiError(c, 400, `id: "${raw.slice(0, 100)}" is not an arXiv id`);
  }
  const found = await paperWithListings(deps.database.db, ref.id);
  if (!found) return apiError(c, 404, `paper ${ref.id} not found`);
  return c.json({ ...hfPaper(found.paper, found.organization, found.listings[0]), ...hfLinkedRepos(found.paper) });
};

/** GET /api/arxiv/:id/repos: the models, datasets and Spaces linked to a paper (empty lists when none were imported). */
export const arxivRepos = (deps: Deps) => async (c: Context) => {
  const archive = c.req.param('archive');
  const raw = archive ? `${archive}/${c.req.param('number')}` : (c.req.param('id') ?? '');
  const ref = parseArxivId(raw);
  if (!ref) return WELL_FORMED_ID.test(raw) ? apiError(c, 404, `paper ${raw} not found`) : apiError(c, 400, `id: "${raw.slice(0, 100)}" is not an arXiv id`);
  const found = await paperWithListings(deps.database.db, ref.id);
  const r = found?.paper.hfRepos ?? { models: [], datasets: [], spaces: [] };
  return c.json({ models: r.models, datasets: r.datasets, spaces: r.spaces });
};
