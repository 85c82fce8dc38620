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
  /** The remote thumbnail the data names (shown only once stored on this site: `images`). */
  thumbnailUrl?: string | null;
  /** Who put it on the day's list. */
  submitter?: { username: string; fullname: string | null; avatarUrl: string | null } | null;
  githubRepo?: string | null;
  githubStars?: number | null;
  /** Remote image address → `/images/HASH.webp` on this site (src/http/card-images.ts); missing: a placeholder. */
  images?: Map<string, string>;
}

export const cardFromListing = (l: Listing): CardModel => ({
  id: l.paper.id, title: l.paper.title, abstract: l.paper.abstract, authorsCount: l.paper.authors.length,
  organization: l.organization, publishedAt: l.paper.publishedAt, upvotes: l.paper.upvotes, numComments: l.entry.numComments,
  featured: l.featured, thumbnailUrl: l.entry.thumbnail, githubRepo: l.paper.githubRepo, githubStars: l.paper.githubStars,
  submitter: l.submitter ? { username: l.submitter.username, fullname: l.submitter.fullname, avatarUrl: l.submitter.avatarUrl } : null,
});

export const cardFromPaper = (p: PaperWithOrg): CardModel => ({
  id: p.paper.id, title: p.paper.title, abstract: p.paper.abstract, authorsCount: p.paper.authors.length,
  organization: p.organization, publishedAt: p.paper.publishedAt, upvotes: p.paper.upvotes, numComments: p.numComments ?? 0,
  githubRepo: p.paper.githubRepo, githubStars: p.paper.githubStars,
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

const GITHUB_ICON = html`<svg aria-hidden="true" width="13" height="13" viewBox="0 0 16 16" fill="currentColor"><path d="M8 0C3.58 0 0 3.58 0 8c0 3.54 2.29 6.53 5.47 7.59.4.07.55-.17.55-.38 0-.19-.01-.82-.01-1.49-2.01.37-2.53-.49-2.69-.94-.09-.23-.48-.94-.82-1.13-.28-.15-.68-.52-.01-.53.63-.01 1.08.58 1.23.82.72 1.21 1.87.87 2.33.66.07-.52.28-.87.51-1.07-1.78-.2-3.64-.89-3.64-3.95 0-.87.31-1.59.82-2.15-.08-.2-.36-1.02.08-2.12 0 0 .67-.21 2.2.82.64-.18 1.32-.27 2-.27.68 0 1.36.09 2 .27 1.53-1.04 2.2-.82 2.2-.82.44 1.1.16 1.92.08 2.12.51.56.82 1.27.82 2.15 0 3.07-1.87 3.75-3.65 3.95.29.25.54.73.54 1.48 0 1.07-.01 1.93-.01 2.2 0 .21.15.46.55.38A8.013 8.013 0 0016 8c0-4.42-3.58-8-8-8z"/></svg>`;

/** Stars as people say them: 950, 1.6k, 12k. */
export function formatStars(n: number): string {
  if (n < 1000) return String(n);
  const k = n / 1000;
  return `${k < 10 ? k.toFixed(1).replace(/\.0$/, '') : Math.round(k)}k`;
}

/** A stored avatar, or the first letter of the name on a coloured square (no request, no other site). */
function avatar(url: string | null | undefined, name: string, images: Map<string, string> | undefined, cls: string) {
  const src = url ? images?.get(url) : undefined;
  if (src) return html`<img class="${cls}" src="${src}" alt="" width="20" height="20" loading="lazy" decoding="async">`;
  const letter = (name.trim()[0] ?? '?').toUpperCase();
  let h = 0;
  for (const ch of name) h = (h * 31 + ch.charCodeAt(0)) % 360;
  // The letter comes from CSS (attr()), so it is not part of the card's text (the name follows it).
  return html`<span class="${cls} avatar-letter" aria-hidden="true" data-letter="${letter}" style="--hue:${h}"></span>`;
}

/** `extra`: more in the card's body, below its footer line (a collection's note). */
export function paperCard(c: CardModel, now: Date, voting: Voting, extra?: HtmlEscapedString | Promise<HtmlEscapedString>) {
  const href = `/papers/${c.id}`;
  const orgName = c.organization ? c.organization.fullname?.trim() || c.organization.name : '';
  const who = c.organization
    ? html`<a class="org" href="/organizations/${encodeURIComponent(c.organization.name)}">${avatar(c.organization.avatarUrl, orgName, c.images, 'org-avatar')}<span class="org-name">${orgName}</span></a>`
    : html`<span>• ${c.authorsCount} author${c.authorsCount === 1 ? '' : 's'}</span>`;
  const thumb = c.thumbnailUrl ? c.images?.get(c.thumbnailUrl) : undefined;
  const sub = c.submitter;
  const subName = sub ? sub.fullname?.trim() || sub.username : '';
  const repo = c.githubRepo && /^https:\/\/github\.com\//.test(c.githubRepo) ? c.githubRepo : null;
  // Separators (·) come from CSS, so that a wrapped line never starts or ends with one.
  return html`<li class="card${c.featured ? ' featured' : ''}" data-card id="paper-${c.id}">
  <a class="card-thumb${thumb ? '' : ' placeholder'}" href="${href}" tabindex="-1" aria-hidden="true">${
    thumb ? html`<img src="${thumb}" alt="" width="640" height="336" loading="lazy" decoding="async">` : html`<span>arXiv ${c.id}</span>`
  }</a>
  <div class="side">
    ${voteControl(c.id, c.upvotes, voting)}
    <a class="comments" href="${href}#discussion" title="${c.numComments} comment${c.numComments === 1 ? '' : 's'}">${COMMENT_ICON} ${c.numComments}<span class="visually-hidden"> comment${c.numComments === 1 ? '' : 's'}</span></a>
  </div>
  <div class="card-body">
    ${c.featured ? html`<span class="pill">Featured</span>` : ''}<a class="card-title" href="${href}">${c.highlight ? highlightedMathText(c.title, c.highlight) : mathText(c.title)}</a>
    ${c.abstract ? html`<p class="card-abstract">${c.highlight ? highlightedMathText(abstractAroundMatch(c.abstract, c.highlight), c.highlight) : mathText(c.abstract.replace(/\s+/g, ' '))}</p>` : ''}
    ${c.matchedAuthors?.length ? html`<p class="card-matched">Matched author${c.matchedAuthors.length === 1 ? '' : 's'}: ${raw(c.matchedAuthors.map((a) => markText(a, c.highlight ?? null)).join(', '))}</p>` : ''}
    ${sub ? html`<p class="card-submitter">${avatar(sub.avatarUrl, subName, c.images, 'user-avatar')}<span>Submitted by <span class="submitter-name">${subName}</span></span></p>` : ''}
    <div class="meta-wrap"><p class="card-meta">${who}${c.publishedAt ? html`<time datetime="${c.publishedAt.slice(0, 10)}">${formatCardDate(c.publishedAt, now)}</time>` : ''}${
      repo
        ? html`<a class="code-badge" href="${repo}" rel="noopener nofollow" title="Code on GitHub${c.githubStars != null ? `: ${c.githubStars} stars` : ''}">${GITHUB_ICON}<span>Code</span>${c.githubStars != null ? html`<span class="stars">★ ${formatStars(c.githubStars)}<span class="visually-hidden"> stars</span></span>` : ''}</a>`
        : ''
    }</p></div>
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
/**
 * Previous / Next links of a list paged by cursor (category and organization pages; docs/decisions/0041): the
 * same bar as `pager` without page numbers, which a keyset list does not know.
 */
export function cursorPager(prev: string | null, next: string | null) {
  if (prev === null && next === null) return '';
  return html`<nav class="pager" aria-label="Pages">
  ${prev !== null ? html`<a href="${prev}" rel="prev">‹ Previous</a>` : ''}
  ${next !== null ? html`<a href="${next}" rel="next">Next ›</a>` : ''}
</nav>`;
}

export function pager(page: number, pages: number, href: (n: number) => string) {
  if (pages <= 1) return '';
  const near = [...new Set([1, page - 2, page - 1, page, page + 1, page + 2, pages])].filter((n) => n >= 1 && n <= pages).sort((a, b) => a - b);
  return html`<nav class="pager" aria-label="Pages">
  ${page > 1 ? html`<a href="${href(page - 1)}" rel="prev">‹ Previous</a>` : ''}
  ${near.map((n) => (n === page ? html`<span aria-current="page">${n}</span>` : html`<a href="${href(n)}">${n}</a>`))}
  ${page < pages ? html`<a href="${href(page + 1)}" rel="next">Next ›</a>` : ''}
</nav>`;
}
