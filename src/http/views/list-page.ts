/** The daily, weekly and monthly list pages. */
import { html } from 'hono/html';
import { layout, type FeedLink, type Frame } from './layout.ts';
import { cardList, pager, type CardModel, type Voting } from './cards.ts';

export type Period = 'daily' | 'weekly' | 'monthly';

export interface ListPageModel {
  period: Period;
  /** What is shown: `Friday, Nov 8, 2024`, `Nov 4 – 10, 2024`, `November 2024`. */
  label: string;
  canonical: string;
  /** Links of the Daily / Weekly / Monthly switch for the shown period. */
  switchTo: Record<Period, string>;
  prev: { href: string; label: string } | null;
  next: { href: string; label: string } | null;
  /** The day shown in the date picker. */
  pickerDay: string;
  cards: CardModel[];
  voting: Voting;
  page: number;
  pages: number;
  total: number;
  now: Date;
  feeds: FeedLink[];
  /** The site has no list at all yet (a new site): a welcome instead of empty lists and dead Previous/Next. */
  emptySite?: boolean;
}

export function listPage(frame: Frame, m: ListPageModel) {
  const { site } = frame;
  const byline = `by ${site.curators ? `${site.curators} and ` : ''}the research community`;
  const sw = (p: Period, label: string) =>
    html`<a href="${m.switchTo[p]}"${m.period === p ? html` aria-current="page"` : ''}>${label}</a>`;
  const head = html`<div class="list-head">
  <div>
    <h1>${site.name}</h1>
    <p class="byline">${byline}</p>
  </div>
  <div class="cta"><p>Get trending papers in your email inbox!</p><a class="button" href="/subscribe">Subscribe</a></div>
</div>`;
  const body = m.emptySite
    ? html`${head}
<section class="empty-site">
  <h2>No papers yet</h2>
  <p>This site has just opened and its first papers are on their way. Come back soon, or subscribe to get them by email.</p>
  ${frame.viewer?.role === 'admin' ? html`<p class="admin-note">You are an admin: <a href="/admin/setup">set up the site</a> to get papers in.</p>` : ''}
</section>`
    : html`${head}
<div class="controls">
  <nav class="date-nav" aria-label="Dates">
    ${m.prev ? html`<a href="${m.prev.href}" rel="prev" title="${m.prev.label}">← Previous</a>` : html`<span class="disabled" aria-disabled="true">← Previous</span>`}
    <span class="current" aria-live="polite">${m.label}</span>
    ${m.next ? html`<a href="${m.next.href}" rel="next" title="${m.next.label}">Next →</a>` : html`<span class="disabled" aria-disabled="true">Next →</span>`}
  </nav>
  <nav class="switch" aria-label="Period">${sw('daily', 'Daily')}${sw('weekly', 'Weekly')}${sw('monthly', 'Monthly')}${frame.viewer ? html`<a href="/papers/for-you" class="for-you-tab">For you</a>` : ''}</nav>
  <form class="date-picker" action="/papers/date" method="get">
    <label class="visually-hidden" for="pick-day">Go to a day</label>
    <input type="date" id="pick-day" name="date" value="${m.pickerDay}" required>
    <button type="submit">Go</button>
  </form>
</div>
<p class="visually-hidden">${m.total} paper${m.total === 1 ? '' : 's'}</p>
${cardList(m.cards, m.now, 'No papers were listed for this period. Use Previous and Next to find the nearest lists.', m.voting)}
${pager(m.page, m.pages, (n) => (n === 1 ? m.canonical : `${m.canonical}?p=${n}`))}`;
  return layout(
    frame,
    {
      title: m.period === 'daily' ? `Daily Papers · ${m.label}` : `${m.period === 'weekly' ? 'Weekly' : 'Monthly'} Papers · ${m.label}`,
      description: `The papers of ${m.label}, ${byline}.`,
      canonical: m.canonical,
      feeds: m.feeds,
      nav: m.period === 'daily' ? 'daily' : undefined,
    },
    body,
  );
}
