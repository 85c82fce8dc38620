/** Paper cards, as on the reference page: title, abstract cut to a few lines, a footer line. */
import { html, raw } from 'hono/html';
import type { Listing, Organization, PaperWithOrg } from '../../db/queries/lists.ts';
import { formatCardDate } from '../../domain/dates.ts';
import { mathText } from './text.ts';
import { abstractAroundMatch, highlightedMathText, markText } from './highlight.ts';
import { collectControl, type CollectChoices } from './collect.ts';
import type { HtmlEscapedString } from 'hono/utils/html';

export interface CardModel {
  id: string;
  title: string;
  abstract: string | null;
  authorsCount: number;
  organization: Organization | null;
  publishedAt: string | null;
  upvotes: number;
  numComments: number;
  /** An editor featured it on its day. */
  featured?: boolean;
  /** Search results: the words to mark in the title and abstract (src/http/views/highlight.ts). */
  highlight?: RegExp | null;
  /** Search results: the authors whose names matched the query (shown, since the card lists no authors). */
  matchedAuthors?: string[];
}

export const cardFromListing = (l: Listing): CardModel => ({
  id: l.paper.id, title: l.paper.title, abstract: l.paper.abstract, authorsCount: l.paper.authors.length,
  organization: l.organization, publishedAt: l.paper.publishedAt, upvotes: l.paper.upvotes, numComments: l.entry.numComments,
  featured: l.featured,
});

export const cardFromPaper = (p: PaperWithOrg): CardModel => ({
  id: p.paper.id, title: p.paper.title, abstract: p.paper.abstract, authorsCount: p.paper.authors.length,
  organization: p.organization, publishedAt: p.paper.publishedAt, upvotes: p.paper.upvotes, numComments: p.numComments ?? 0,
});

const COMMENT_ICON = html`<svg aria-hidden="true" width="13" height="13" viewBox="0 0 16 16" fill="none" stroke="currentColor" stroke-width="1.6"><path d="M2.5 3.5h11v7h-6l-3.5 3v-3h-1.5z" stroke-linejoin="round"/></svg>`;

/**
 * How the upvote control looks to this viewer: anonymous visitors get a link to log in (and come
 * back to `here`); members get a form that sets their vote, which works without JavaScript.
 */
export interface Voting {
  /** The page the vote is cast from, to come back to. */
  here: string;
  /** For members: the CSRF token, the papers they upvoted, and their collections (the "Save" control). */
  member?: { csrf: string; voted: Set<string>; collect?: CollectChoices };
}

export function voteControl(id: string, upvotes: number, voting: Voting, big = false) {
  const label = `${upvotes}`;
  const cls = `votes${upvotes > 0 ? '' : ' zero'}${big ? ' big' : ''}`;
  if (!voting.member) {
    return html`<a class="${cls}" href="/login?next=${encodeURIComponent(voting.here)}" title="Log in to upvote"><span class="arrow" aria-hidden="true">▲</span><span class="count">${label}</span><span class="visually-hidden"> upvotes; log in to upvote</span></a>`;
  }
  const voted = voting.member.voted.has(id);
  return html`<form class="vote" method="post" action="/papers/${id}/vote">
      <input type="hidden" name="_csrf" value="${voting.member.csrf}"><input type="hidden" name="value" value="${voted ? '0' : '1'}"><input type="hidden" name="next" value="${voting.here}">
      <button type="submit" class="${cls}${voted ? ' voted' : ''}" aria-pressed="${voted ? 'true' : 'false'}" title="${voted ? 'Remove your upvote' : 'Upvote'}"><span class="arrow" aria-hidden="true">▲</span><span class="count">${label}</span><span class="visually-hidden"> upvotes</span></button>
    </form>`;
}

/** `extra`: more in the card's body, below its footer line (a collection's note). */
export function paperCard(c: CardModel, now: Date, voting: Voting, extra?: HtmlEscapedString | Promise<HtmlEscapedString>) {
  const href = `/papers/${c.id}`;
  const who = c.organization
    ? html`<a class="org" href="/organizations/${encodeURIComponent(c.organization.name)}">${c.organization.fullname?.trim() || c.organization.name}</a>`
    : html`<span>• ${c.authorsCount} author${c.authorsCount === 1 ? '' : 's'}</span>`;
  // Separators (·) come from CSS, so that a wrapped line never starts or ends with one.
  return html`<li class="card${c.featured ? ' featured' : ''}" data-card id="paper-${c.id}">
  <div class="side">
    ${voteControl(c.id, c.upvotes, voting)}
    ${c.numComments > 0 ? html`<a class="comments" href="${href}#discussion" title="${c.numComments} comment${c.numComments === 1 ? '' : 's'}">${COMMENT_ICON} ${c.numComments}<span class="visually-hidden"> comment${c.numComments === 1 ? '' : 's'}</span></a>` : ''}
  </div>
  <div class="card-body">
    ${c.featured ? html`<span class="pill">Featured</span>` : ''}<a class="card-title" href="${href}">${c.highlight ? highlightedMathText(c.title, c.highlight) : mathText(c.title)}</a>
    ${c.abstract ? html`<p class="card-abstract">${c.highlight ? highlightedMathText(abstractAroundMatch(c.abstract, c.highlight), c.highlight) : mathText(c.abstract.replace(/\s+/g, ' '))}</p>` : ''}
    ${c.matchedAuthors?.length ? html`<p class="card-matched">Matched author${c.matchedAuthors.length === 1 ? '' : 's'}: ${raw(c.matchedAuthors.map((a) => markText(a, c.highlight ?? null)).join(', '))}</p>` : ''}
    <div class="meta-wrap"><p class="card-meta">${who}${c.publishedAt ? html`<time datetime="${c.publishedAt.slice(0, 10)}">${formatCardDate(c.publishedAt, now)}</time>` : ''}${c.upvotes > 0 ? html`<span>${c.upvotes} upvote${c.upvotes === 1 ? '' : 's'}</span>` : ''}</p></div>
    ${extra ?? ''}
    ${voting.member?.collect ? collectControl(c.id, voting.member.csrf, voting.member.collect, `${voting.here}#paper-${c.id}`) : ''}
  </div>
</li>`;
}

export function cardList(cards: CardModel[], now: Date, emptyMessage: string, voting: Voting, extra?: (c: CardModel, i: number) => HtmlEscapedString | Promise<HtmlEscapedString>) {
  if (cards.length === 0) return html`<p class="empty">${emptyMessage}</p>`;
  return html`<ol class="cards">${cards.map((c, i) => paperCard(c, now, voting, extra?.(c, i)))}</ol>`;
}

/** Page links: ‹ 1 2 3 › with the current page marked. `href(n)` gives the URL of page n (1-based). */
export function pager(page: number, pages: number, href: (n: number) => string) {
  if (pages <= 1) return '';
  const near = [...new Set([1, page - 2, page - 1, page, page + 1, page + 2, pages])].filter((n) => n >= 1 && n <= pages).sort((a, b) => a - b);
  return html`<nav class="pager" aria-label="Pages">
  ${page > 1 ? html`<a href="${href(page - 1)}" rel="prev">‹ Previous</a>` : ''}
  ${near.map((n) => (n === page ? html`<span aria-current="page">${n}</span>` : html`<a href="${href(n)}">${n}</a>`))}
  ${page < pages ? html`<a href="${href(page + 1)}" rel="next">Next ›</a>` : ''}
</nav>`;
}
