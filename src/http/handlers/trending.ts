/** GET /papers/trending: papers ranked by the trending score (src/domain/trending.ts). */
import type { Context } from 'hono';
import { html } from 'hono/html';
import type { Database } from '../../db/connection.ts';
import { latestListingTime, listingsBetween, listingsSince, type Listing } from '../../db/queries/lists.ts';
import { addDays, type DayRange } from '../../domain/dates.ts';
import { rankTrending, trendingReference, TRENDING_WINDOW_DAYS } from '../../domain/trending.ts';
import { htmlError, PAGE_SIZE, pageParam, frame, votingFor, type Deps } from '../context.ts';
import { cardFromListing, cardList, pager } from '../views/cards.ts';
import { withStoredImages } from '../card-images.ts';
import { layout } from '../views/layout.ts';

/** Listings ranked by trending score, best first: shared by the page, the feeds and the API. */
export async function trendingListings(database: Database, now: Date, period?: DayRange): Promise<Listing[]> {
  if (period) return rankListings(await listingsBetween(database.db, period), periodReference(now, period));
  const reference = trendingReference(now, await latestListingTime(database.db));
  const since = addDays(reference.toISOString().slice(0, 10), -TRENDING_WINDOW_DAYS);
  return rankListings(await listingsSince(database.db, since), reference);
}

/** Within a day, week or month: ages counted from the end of that period (or now, while it runs). */
function periodReference(now: Date, period: DayRange): Date {
  const end = new Date(`${addDays(period.to, 1)}T00:00:00.000Z`);
  return end < now ? end : now;
}

function rankListings(listings: Listing[], reference: Date): Listing[] {
  const ranked = rankTrending(
    listings.map((l) => ({
      paperId: l.paper.id, upvotes: l.paper.upvotes, comments: l.entry.numComments,
      listedAt: l.entry.listedAt ?? `${l.entry.day}T00:00:00.000Z`, listing: l,
    })),
    reference,
  );
  return ranked.map((r) => r.item.listing);
}

export const trendingPage = (deps: Deps) => async (c: Context) => {
  const page = pageParam(c);
  if (page === null) return htmlError(c, deps, 400, 'Bad page number', 'The page number (?p=) must be a whole number from 1.');
  const all = await trendingListings(deps.database, deps.now());
  const pages = Math.max(1, Math.ceil(all.length / PAGE_SIZE));
  const cards = await withStoredImages(deps.database.db, all.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE).map(cardFromListing));
  const voting = await votingFor(c, deps, cards.map((x) => x.id));
  return c.html(
    layout(
      frame(c, deps),
      {
        title: 'Trending papers',
        description: 'Papers the community is upvoting and discussing right now.',
        canonical: '/papers/trending',
        feeds: [{ title: 'Trending papers', path: '/feeds/trending' }],
        nav: 'trending',
      },
      html`<div class="list-head">
  <div><h1>Trending papers</h1><p class="byline">What the community is upvoting and discussing now. <a href="/about/ranking">How the ranking works</a></p></div>
  <div class="cta"><p>Get trending papers in your email inbox!</p><a class="button" href="/subscribe">Subscribe</a></div>
</div>
${cardList(cards, deps.now(), `No paper was listed in the last ${TRENDING_WINDOW_DAYS} days.`, voting)}
${pager(page, pages, (n) => (n === 1 ? '/papers/trending' : `/papers/trending?p=${n}`))}`,
    ),
  );
};
