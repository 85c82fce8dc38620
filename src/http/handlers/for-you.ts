/**
 * The For-you feed (docs/decisions/0029-for-you-feed.md): GET /papers/for-you (members; visitors get an
 * invitation), the start page of seeds, and the forms that teach it (👍/👎, seeds, the heat slider, reset).
 * Private feeds: /feeds/private/TOKEN/for-you.rss|atom|json, and the settings forms of that token.
 * Every POST goes through the app's CSRF check and write rate limit (src/http/app.ts).
 */
import { notificationsFeed } from './notifications.ts';
import type { Context } from 'hono';
import { html } from 'hono/html';
import { newToken, hashToken } from '../../auth/crypto.ts';
import { clearFeedback, feedbackOf, resetFeedback, setFeedback, setHeat } from '../../db/queries/for-you.ts';
import { deleteFeedToken, feedTokenCreatedAt, setFeedToken, userForFeedToken } from '../../db/queries/feed-tokens.ts';
import { papersByIds } from '../../db/queries/lists.ts';
import { parseArxivId, parseArxivReference } from '../../domain/arxiv-id.ts';
import { explain } from '../../domain/for-you.ts';
import { forYouFeed, FOR_YOU_WINDOW_DAYS } from '../../search/for-you.ts';
import { search } from '../../search/hybrid.ts';
import { withStoredImages } from '../card-images.ts';
import { buildFeed, FEED_SIZE, send, splitFile } from '../feeds/feeds.ts';
import { csrfToken, frame, htmlError, PAGE_SIZE, pageParam, safeNext, votingFor, type Ctx, type Deps } from '../context.ts';
import { cardFromListing, cardFromPaper } from '../views/cards.ts';
import { layout } from '../views/layout.ts';
import { feedTokenSection, forYouPage, forYouStartPage, forYouVisitorPage, FOR_YOU_PATH, FOR_YOU_START_PATH, type ForYouCard } from '../views/for-you.ts';
import { trendingListings } from './trending.ts';

const field = (body: Record<string, unknown>, name: string): string => (typeof body[name] === 'string' ? (body[name] as string) : '');

const NOTICES: Record<string, string> = {
  less: 'Not interested: that paper is gone, and papers like it now rank lower.',
  more: 'More like this: papers like it now rank higher.',
  reset: 'Reset: the feed forgot your “more like this”, “not interested” and picks (your upvotes and collections stay).',
  blend: 'Blend saved.',
};

/** GET /papers/for-you */
export const forYouPageHandler = (deps: Deps) => async (c: Ctx) => {
  const viewer = c.get('viewer');
  if (!viewer) return c.html(forYouVisitorPage(frame(c, deps)));
  const page = pageParam(c);
  if (page === null) return htmlError(c, deps, 400, 'Bad page number', 'The page number (?p=) must be a whole number from 1.');
  const feed = await forYouFeed(deps.database, deps.semantic, viewer.id, deps.now());
  const pages = Math.max(1, Math.ceil(feed.items.length / PAGE_SIZE));
  const shown = feed.items.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE);
  const cards: ForYouCard[] = await withStoredImages(deps.database.db, shown.map((i) => ({ ...cardFromListing(i.listing), why: i.why })));
  const voting = await votingFor(c, deps, cards.map((x) => x.id));
  return c.html(
    forYouPage(frame(c, deps), {
      cards, voting, csrf: csrfToken(c, deps), heat: feed.heat, signals: feed.signals, windowDays: FOR_YOU_WINDOW_DAYS,
      page, pages, now: deps.now(), notice: NOTICES[c.req.query('done') ?? ''] ?? null,
    }),
  );
};

/** GET /papers/for-you/start?q= : pick seeds, from a search or from what is popular lately. */
export const forYouStartHandler = (deps: Deps) => async (c: Ctx) => {
  const viewer = c.get('viewer');
  if (!viewer) return c.redirect(`/login?next=${encodeURIComponent(FOR_YOU_START_PATH)}`, 303);
  const q = (c.req.query('q') ?? '').trim().slice(0, 300);
  let ids: string[] = [];
  let message: string | null = null;
  if (q) {
    const ref = parseArxivReference(q);
    if (ref) ids = [ref.id];
    else {
      const outcome = await search(deps, { q, mode: 'keyword', limit: PAGE_SIZE, offset: 0 });
      if (outcome.kind === 'results') ids = outcome.hits.map((h) => h.paperId);
      else if (outcome.kind === 'invalid' || outcome.kind === 'too-slow') message = outcome.message;
    }
  } else {
    ids = (await trendingListings(deps.database, deps.now())).slice(0, PAGE_SIZE).map((l) => l.paper.id);
    if (ids.length < PAGE_SIZE) {
      const feed = await forYouFeed(deps.database, null, viewer.id, deps.now(), { heat: 100 });
      for (const i of feed.items) if (ids.length < PAGE_SIZE && !ids.includes(i.paperId)) ids.push(i.paperId);
    }
  }
  const found = await papersByIds(deps.database.db, ids);
  const cards = await withStoredImages(deps.database.db, ids.flatMap((id) => (found.has(id) ? [cardFromPaper(found.get(id)!)] : [])));
  const seeds = (await feedbackOf(deps.database.db, viewer.id)).filter((f) => f.kind === 'seed').map((f) => ({ paperId: f.paperId, title: f.title }));
  const voting = await votingFor(c, deps, cards.map((x) => x.id));
  return c.html(forYouStartPage(frame(c, deps), { csrf: csrfToken(c, deps), q, cards, seeds, voting, now: deps.now(), message }));
};

/** POST /papers/for-you/feedback: paper=ID, kind=more|less|seed|clear, next. */
export const forYouFeedback = (deps: Deps) => async (c: Ctx) => {
  const viewer = c.get('viewer');
  const body = await c.req.parseBody();
  const next = safeNext(field(body, 'next') || FOR_YOU_PATH);
  if (!viewer) return c.redirect(`/login?next=${encodeURIComponent(next)}`, 303);
  const ref = parseArxivId(field(body, 'paper'));
  if (!ref) return htmlError(c, deps, 400, 'Not an arXiv id', 'paper must be an arXiv id, such as 2401.01234.');
  const kind = field(body, 'kind');
  if (kind === 'clear') {
    await clearFeedback(deps.database.db, viewer.id, ref.id);
    return c.redirect(next, 303);
  }
  if (kind !== 'more' && kind !== 'less' && kind !== 'seed') return htmlError(c, deps, 400, 'Bad feedback', 'kind must be more, less, seed or clear.');
  if (!(await setFeedback(deps.database.db, viewer.id, ref.id, kind, deps.now()))) {
    return htmlError(c, deps, 404, 'Paper not found', `There is no paper ${ref.id} here.`);
  }
  // Back to the feed with a word on what changed (the card is gone after 👎); the seeds page returns as it was.
  if (kind === 'seed') return c.redirect(next, 303);
  const url = new URL(next, 'http://x');
  url.searchParams.set('done', kind);
  return c.redirect(`${url.pathname}${url.search}${kind === 'less' ? '' : url.hash}`, 303);
};

/** POST /papers/for-you/blend: heat=0..100 (percent community heat). */
export const forYouBlend = (deps: Deps) => async (c: Ctx) => {
  const viewer = c.get('viewer');
  if (!viewer) return c.redirect(`/login?next=${encodeURIComponent(FOR_YOU_PATH)}`, 303);
  const raw = field(await c.req.parseBody(), 'heat').trim();
  const heat = /^\d{1,3}$/.test(raw) ? Number(raw) : NaN;
  if (!(heat >= 0 && heat <= 100)) return htmlError(c, deps, 400, 'Bad blend', 'heat must be a whole number from 0 (only your signals) to 100 (only community heat).');
  await setHeat(deps.database.db, viewer.id, heat, deps.now());
  return c.redirect(`${FOR_YOU_PATH}?done=blend`, 303);
};

/** POST /papers/for-you/reset: forgets the member's feedback and seeds (not their votes or collections). */
export const forYouReset = (deps: Deps) => async (c: Ctx) => {
  const viewer = c.get('viewer');
  if (!viewer) return c.redirect(`/login?next=${encodeURIComponent(FOR_YOU_PATH)}`, 303);
  await resetFeedback(deps.database.db, viewer.id);
  return c.redirect(`${FOR_YOU_PATH}?done=reset`, 303);
};

/** The settings page's section (account.ts shows it). */
export async function privateFeedsSection(deps: Deps, userId: number, csrf: string, created: string | null = null) {
  return feedTokenSection(csrf, await feedTokenCreatedAt(deps.database.db, userId), created, deps.site.publicUrl);
}

/** POST /settings/feed-token: makes (or replaces) the member's private feed token and shows its addresses once. */
export const createFeedToken = (deps: Deps) => async (c: Ctx) => {
  const viewer = c.get('viewer');
  if (!viewer) return c.redirect('/login?next=%2Fsettings', 303);
  const token = newToken();
  await setFeedToken(deps.database.db, viewer.id, hashToken(token), deps.now());
  const csrf = csrfToken(c, deps);
  return c.html(layout(frame(c, deps), { title: 'Private feeds', noindex: true }, html`<div class="form-page">${await privateFeedsSection(deps, viewer.id, csrf, token)}<p><a href="/settings">Back to settings</a></p></div>`));
};

/** POST /settings/feed-token/delete */
export const removeFeedToken = (deps: Deps) => async (c: Ctx) => {
  const viewer = c.get('viewer');
  if (!viewer) return c.redirect('/login?next=%2Fsettings', 303);
  await deleteFeedToken(deps.database.db, viewer.id);
  return c.redirect('/settings#private-feeds', 303);
};

/** The member a private feed's token names, or null (an unknown token: a 404 that says nothing more). */
export async function feedTokenUser(deps: Deps, token: string): Promise<number | null> {
  if (!/^[\w-]{43}$/.test(token)) return null;
  return (await userForFeedToken(deps.database.db, hashToken(token))) ?? null;
}

/** GET /feeds/private/:token/:file — for-you.rss|atom|json, notifications.rss|atom|json */
export const privateFeed = (deps: Deps) => async (c: Context) => {
  const token = c.req.param('token') ?? '';
  const f = splitFile(c.req.param('file') ?? '');
  const userId = f && (f.name === 'for-you' || f.name === 'notifications') ? await feedTokenUser(deps, token) : null;
  c.header('Cache-Control', 'private, no-store');
  c.header('X-Robots-Tag', 'noindex');
  if (!f || userId === null) return c.json({ error: 'no such feed' }, 404);
  if (f.name === 'notifications') return send(c, f.format, await notificationsFeed(deps, userId, `/feeds/private/${token}/notifications`, FEED_SIZE));
  const feed = await forYouFeed(deps.database, deps.semantic, userId, deps.now());
  const items = feed.items.slice(0, FEED_SIZE).map((i) => ({
    paper: i.listing.paper,
    date: i.listing.entry.listedAt ?? `${i.listing.entry.day}T00:00:00.000Z`,
    note: explain(i.why).join(' · ') || null,
  }));
  return send(c, f.format, buildFeed(deps, `/feeds/private/${token}/for-you`, 'For you', 'New papers ranked for you.', FOR_YOU_PATH, items));
};
