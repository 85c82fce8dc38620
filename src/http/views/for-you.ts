/** The For-you pages: the feed with its slider and explained cards, the start (seeds) page, the visitors' invitation. */
import { html } from 'hono/html';
import { explain, type Explanation } from '../../domain/for-you.ts';
import { plainLine } from '../../domain/tex.ts';
import { layout, type Frame } from './layout.ts';
import { cardList, pager, type CardModel, type Voting } from './cards.ts';

export const FOR_YOU_PATH = '/papers/for-you';
export const FOR_YOU_START_PATH = '/papers/for-you/start';

/** The Daily / Weekly / Monthly / For you switch, on the For-you pages. */
export function periodSwitch(current: 'for-you' | null) {
  return html`<nav class="switch" aria-label="Period"><a href="/papers">Daily</a><a href="/papers/week">Weekly</a><a href="/papers/month">Monthly</a><a href="${FOR_YOU_PATH}"${current === 'for-you' ? html` aria-current="page"` : ''}>For you</a></nav>`;
}

export function forYouVisitorPage(frame: Frame) {
  const next = encodeURIComponent(FOR_YOU_PATH);
  return layout(
    frame,
    { title: 'For you', description: 'New papers picked for you, from what you upvote, save and ask for.', canonical: FOR_YOU_PATH },
    html`<div class="form-page for-you-invite">
  <h1>Papers picked for you</h1>
  <p>Members get a feed of new papers ranked for them: from the papers they upvote and save, the ones they mark “more like this” or “not interested”, blended with what the community is reading, in proportions they choose. Every paper says why it is there.</p>
  <p><a class="button" href="/login?next=${next}">Log in</a> or <a href="/signup?next=${next}">create an account</a> to get yours.</p>
  <p>Meanwhile, see what is <a href="/papers/trending">trending</a>.</p>
</div>`,
  );
}

export interface ForYouCard extends CardModel {
  why: Explanation;
}

export interface ForYouPageModel {
  cards: ForYouCard[];
  voting: Voting;
  csrf: string;
  heat: number;
  signals: number;
  windowDays: number;
  page: number;
  pages: number;
  now: Date;
  notice: string | null;
}

function feedbackForms(id: string, csrf: string, here: string) {
  const form = (kind: 'more' | 'less', label: string, text: string) => html`<form method="post" action="${FOR_YOU_PATH}/feedback">
      <input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="paper" value="${id}"><input type="hidden" name="kind" value="${kind}"><input type="hidden" name="next" value="${here}">
      <button type="submit" class="button ghost small" data-feedback="${kind}" aria-label="${label}">${text}</button>
    </form>`;
  return html`<div class="feedback">${form('more', 'More like this', 'More like this')}${form('less', 'Not interested', 'Not interested')}</div>`;
}

export function forYouPage(frame: Frame, m: ForYouPageModel) {
  const here = m.page === 1 ? FOR_YOU_PATH : `${FOR_YOU_PATH}?p=${m.page}`;
  const cold = m.signals === 0;
  return layout(
    frame,
    { title: 'For you', description: 'New papers picked for you.', canonical: FOR_YOU_PATH, noindex: true },
    html`<div class="list-head">
  <div><h1>For you</h1><p class="byline">Papers listed in the last ${m.windowDays} days, ranked for you.</p></div>
</div>
<div class="controls">
  ${periodSwitch('for-you')}
  <form class="blend" method="post" action="${FOR_YOU_PATH}/blend">
    <input type="hidden" name="_csrf" value="${m.csrf}">
    <label for="f-heat">Yours <span aria-hidden="true">↔</span> community</label>
    <input id="f-heat" name="heat" type="range" min="0" max="100" step="10" value="${m.heat}" aria-describedby="f-heat-hint">
    <span id="f-heat-hint" class="hint">${m.heat}% community heat</span>
    <button type="submit" class="button ghost small">Apply</button>
  </form>
</div>
${m.notice ? html`<p class="notice" role="status">${m.notice}</p>` : ''}
${cold
  ? html`<section class="for-you-start"><h2>Tell us what you read</h2><p>You have not upvoted, saved or picked any paper yet, so these are simply what the community is reading. <a class="button" href="${FOR_YOU_START_PATH}">Pick a few papers you like</a></p></section>`
  : html`<div class="for-you-tools"><a href="${FOR_YOU_START_PATH}">Pick more papers</a> · <form class="inline" method="post" action="${FOR_YOU_PATH}/reset"><input type="hidden" name="_csrf" value="${m.csrf}"><button type="submit" class="link">Reset what you told this feed</button></form></div>`}
${cardList(m.cards, m.now, `No paper was listed in the last ${m.windowDays} days.`, m.voting, (c) => {
  // Plain text: a quoted title's TeX reads as text here (docs/decisions/0027-tex-and-search-explanations.md).
  const why = explain((c as ForYouCard).why).map(plainLine);
  return html`${why.length ? html`<p class="why"><span class="visually-hidden">Why: </span>${why.map((w, i) => html`${i ? ' · ' : ''}<span>${i === 0 ? w[0]!.toUpperCase() + w.slice(1) : w}</span>`)}</p>` : ''}${feedbackForms(c.id, m.csrf, `${here}#paper-${c.id}`)}`;
})}
${pager(m.page, m.pages, (n) => (n === 1 ? FOR_YOU_PATH : `${FOR_YOU_PATH}?p=${n}`))}`,
  );
}

export interface StartPageModel {
  csrf: string;
  q: string;
  /** Search results, or recent popular papers when there is no query. */
  cards: CardModel[];
  seeds: { paperId: string; title: string }[];
  voting: Voting;
  now: Date;
  message: string | null;
}

export function forYouStartPage(frame: Frame, m: StartPageModel) {
  const here = m.q ? `${FOR_YOU_START_PATH}?q=${encodeURIComponent(m.q)}` : FOR_YOU_START_PATH;
  const seeded = new Set(m.seeds.map((s) => s.paperId));
  return layout(
    frame,
    { title: 'Pick papers you like · For you', description: 'Pick a few papers: your feed starts from them.', canonical: FOR_YOU_START_PATH, noindex: true },
    html`<div class="form-page wide">
  <h1>Pick a few papers you like</h1>
  <p>Your <a href="${FOR_YOU_PATH}">For-you feed</a> ranks new papers by how close they are to the ones you pick here (and to those you upvote and save). Three to five are enough to start.</p>
  ${m.seeds.length
    ? html`<h2>Picked (${m.seeds.length})</h2><ul class="seeds">${m.seeds.map(
        (s) => html`<li><a href="/papers/${s.paperId}">${s.title}</a> <form class="inline" method="post" action="${FOR_YOU_PATH}/feedback"><input type="hidden" name="_csrf" value="${m.csrf}"><input type="hidden" name="paper" value="${s.paperId}"><input type="hidden" name="kind" value="clear"><input type="hidden" name="next" value="${here}"><button type="submit" class="link">Remove<span class="visually-hidden"> ${s.title}</span></button></form></li>`,
      )}</ul><p><a class="button" href="${FOR_YOU_PATH}">See your feed</a></p>`
    : ''}
  <form class="seed-search" method="get" action="${FOR_YOU_START_PATH}" role="search">
    <label for="f-seed-q">Find papers by title, words or arXiv id</label>
    <div class="row"><input id="f-seed-q" name="q" type="search" value="${m.q}" maxlength="300">
    <button type="submit" class="button ghost">Search</button></div>
  </form>
  ${m.message ? html`<p class="notice" role="status">${m.message}</p>` : ''}
  <h2>${m.q ? 'Results' : 'Popular lately'}</h2>
</div>
${cardList(m.cards, m.now, m.q ? 'No paper matches: try other words.' : 'No paper yet.', m.voting, (c) =>
  seeded.has(c.id)
    ? html`<p class="why">Picked</p>`
    : html`<form method="post" action="${FOR_YOU_PATH}/feedback"><input type="hidden" name="_csrf" value="${m.csrf}"><input type="hidden" name="paper" value="${c.id}"><input type="hidden" name="kind" value="seed"><input type="hidden" name="next" value="${here}#paper-${c.id}"><button type="submit" class="button small" data-seed="${c.id}">Pick<span class="visually-hidden"> ${c.title}</span></button></form>`,
)}`,
  );
}

/** The settings section of private feed addresses; `created` is a just-made token, shown this once. */
export function feedTokenSection(csrf: string, hasToken: string | null, created: string | null, base: string) {
  return html`<h2 id="private-feeds">Private feeds</h2>
  <p>Secret addresses for your For-you feed and your notifications in a feed reader (RSS, Atom or JSON Feed). Anyone with the address can read the feed: keep it to yourself, and make a new one if it leaks (the old one stops working).</p>
  ${created
    ? html`<p class="notice" role="status">Your new addresses (shown this once; copy them now):</p><ul class="feed-addresses">${(['for-you', 'notifications'] as const).flatMap((name) => (['rss', 'atom', 'json'] as const).map((f) => html`<li><code>${base}/feeds/private/${created}/${name}.${f}</code></li>`))}</ul>`
    : hasToken
      ? html`<p>You made a private address on ${hasToken.slice(0, 10)}. It is shown only once; make a new one to see it again.</p>`
      : ''}
  <form method="post" action="/settings/feed-token"><input type="hidden" name="_csrf" value="${csrf}"><button class="button ghost" type="submit">${hasToken || created ? 'Reset: make a new address' : 'Make a private address'}</button></form>
  ${hasToken || created ? html`<form method="post" action="/settings/feed-token/delete"><input type="hidden" name="_csrf" value="${csrf}"><button class="link" type="submit">Turn private feeds off</button></form>` : ''}`;
}
