/** The search page: the query box, mode tabs, filters and sort, then result cards with the matched words marked. */
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { SearchMode } from '../../search/hybrid.ts';
import type { SearchParams } from '../search-params.ts';
import { searchQueryString } from '../search-params.ts';
import { pager, paperCard, type CardModel, type Voting } from './cards.ts';
import { layout, type Frame } from './layout.ts';

export interface SearchPageModel {
  params: SearchParams;
  /** What happened: results (with their count), a message, or nothing asked yet. */
  state:
    | { kind: 'empty' }
    | { kind: 'message'; message: string }
    | {
        kind: 'results'; mode: SearchMode; total: number; totalCapped: boolean; cards: SearchCard[]; page: number; pages: number; notices: string[];
        /** "Did you mean" (src/domain/spelling.ts): the query to offer, or null. */
        suggestion?: string | null;
        /** Papers matching the words, in any mode (src/search/hybrid.ts). */
        keywordMatches?: { total: number; capped: boolean } | null;
        sort?: string;
        /** Results per page (numbering goes on across pages). */
        perPage?: number;
      };
  semanticAvailable: boolean;
  voting: Voting;
  now: Date;
  /** Signed in: the "Save search / get alerts" form posts with this CSRF token; null for visitors (a sign-in link). */
  save?: { csrf: string } | null;
  /** The follow button of an author's search or a keyword (src/http/follow-control.ts). */
  follow?: HtmlEscapedString | string;
}

/** A result card, and whether the paper matched the words (hybrid lists those first, then the ones related by meaning). */
export type SearchCard = CardModel & { keywordMatch?: boolean };

/** "12 papers", "more than 1,000 papers": the one way counts are said on this page. */
export const countPhrase = (n: number, capped: boolean, noun = 'paper') =>
  `${capped ? 'more than ' : ''}${n.toLocaleString('en-US')} ${noun}${n === 1 && !capped ? '' : 's'}`;

/**
 * What the count line says, per mode (docs/decisions/0027-tex-and-search-explanations.md): keyword
 * counts papers with the words; semantic ranks every paper by meaning, so it says how many are shown
 * at most and how many have the words; hybrid says both parts.
 */
export function countLine(mode: SearchMode, total: number, totalCapped: boolean, kw: { total: number; capped: boolean } | null | undefined): string {
  const matches = kw ? countPhrase(kw.total, kw.capped) : null;
  if (mode === 'keyword') return `${countPhrase(total, totalCapped)} ${total === 1 && !totalCapped ? 'matches' : 'match'}`;
  if (mode === 'semantic') return `The ${total.toLocaleString('en-US')} papers closest in meaning${matches ? ` (${matches} have the words)` : ''}`;
  if (!kw || kw.total === 0) return `No paper has these words: ${total.toLocaleString('en-US')} papers related by meaning`;
  const related = total - Math.min(total, kw.total);
  return `${matches} ${kw.total === 1 && !kw.capped ? 'has' : 'have'} the words${related > 0 ? `, then papers related by meaning` : ''}`;
}

const MODE_LABELS: Record<SearchMode, string> = { hybrid: 'Hybrid', keyword: 'Keyword', semantic: 'Semantic' };

export const searchPath = (p: SearchParams, extra: Record<string, string | number> = {}) => `/papers/search${searchQueryString(p, extra)}`;

/** Saves this search (src/http/handlers/saved-searches.ts); visitors get a link to sign in first. */
function saveForm(p: SearchParams, save: { csrf: string } | null) {
  if (!save) return html`<p class="save-search hint"><a href="/login?next=${encodeURIComponent(searchPath(p))}">Sign in</a> to save this search and get new papers by mail.</p>`;
  const f = p.filters;
  const hidden = (name: string, value: string | null | undefined) => (value ? html`<input type="hidden" name="${name}" value="${value}">` : '');
  return html`<form class="save-search inline" method="post" action="/settings/alerts">
<input type="hidden" name="_csrf" value="${save.csrf}">${hidden('q', p.q)}${hidden('mode', p.mode)}${hidden('from', f.from)}${hidden('to', f.to)}${hidden('cat', f.category)}${hidden('org', f.organization)}${hidden('code', f.hasCode ? '1' : null)}${hidden('listed', f.listed ? '1' : null)}
<label class="visually-hidden" for="save-name">Name</label><input type="text" id="save-name" name="name" maxlength="100" placeholder="Name (optional)" size="18">
<button type="submit" class="button small">Save search / get alerts</button>
</form>`;
}

/**
 * The results as one ordered column; in hybrid mode (by relevance) the papers that only relate by
 * meaning follow under their own heading, numbering going on. `first`: how many came on earlier pages.
 */
function resultLists(cards: SearchCard[], split: boolean, first: number, m: SearchPageModel) {
  if (cards.length === 0) return html`<p class="empty">No papers match this search. Try fewer or different words${m.semanticAvailable ? ', or another mode' : ''}.</p>`;
  const list = (cs: SearchCard[], start: number) => html`<ol class="search-results" start="${start + 1}">${cs.map((c) => paperCard(c, m.now, m.voting))}</ol>`;
  const cut = split ? cards.findIndex((c) => c.keywordMatch === false) : -1;
  if (cut < 0) return list(cards, first);
  return html`${cut > 0 ? list(cards.slice(0, cut), first) : ''}
<h2 class="results-divider" id="related-by-meaning">Related by meaning</h2>
<p class="results-divider-note">These papers do not have the words but are close in meaning.</p>
${list(cards.slice(cut), first + cut)}`;
}

export function searchPage(frame: Frame, m: SearchPageModel) {
  const p = m.params;
  const f = p.filters;
  const tab = (mode: SearchMode) =>
    html`<a href="${searchPath({ ...p, mode })}"${p.mode === mode ? html` aria-current="page"` : ''}>${MODE_LABELS[mode]}</a>`;
  const sortOption = (value: string, label: string) => html`<option value="${value}"${p.sort === value ? html` selected` : ''}>${label}</option>`;
  const s = m.state;
  const count = s.kind === 'results' ? countLine(s.mode, s.total, s.totalCapped, s.keywordMatches) : '';
  const fallbackNote = s.kind === 'results' && p.mode === 'hybrid' && s.mode === 'keyword' && p.q.trim() !== ''
    ? (m.semanticAvailable ? '' : 'Keyword results: semantic search is not available on this site yet.')
    : '';
  const body = html`<section class="search-page">
<h1>Search papers</h1>
<form class="search-form" action="/papers/search" method="get" role="search">
  <div class="search-row">
    <label class="visually-hidden" for="q">Search</label>
    <input type="search" id="q" name="q" value="${p.q}" maxlength="1000" placeholder="Words, &quot;phrases&quot;, -excluded, author:Name, cat:cs.CL, org:Name, year:2024, or an arXiv id" autofocus>
    ${p.mode !== 'hybrid' ? html`<input type="hidden" name="mode" value="${p.mode}">` : ''}
    <button type="submit">Search</button>
  </div>
  <details class="search-filters"${f.from || f.to || f.category || f.organization || f.hasCode || f.listed || p.sort !== 'relevance' ? html` open` : ''}>
    <summary>Filters and sort</summary>
    <div class="filter-grid">
      <label>Published from <input type="date" name="from" value="${f.from ?? ''}"></label>
      <label>to <input type="date" name="to" value="${f.to ?? ''}"></label>
      <label>Category <input type="text" name="cat" value="${f.category ?? ''}" placeholder="cs.CL" size="10"></label>
      <label>Organization <input type="text" name="org" value="${f.organization ?? ''}" size="14"></label>
      <label class="check"><input type="checkbox" name="code" value="1"${f.hasCode ? html` checked` : ''}> Has code</label>
      <label class="check"><input type="checkbox" name="listed" value="1"${f.listed ? html` checked` : ''}> Was on a daily list</label>
      <label>Sort <select name="sort">${sortOption('relevance', 'Relevance')}${sortOption('date', 'Newest')}${sortOption('upvotes', 'Most upvoted')}</select></label>
      <button type="submit" class="ghost">Apply</button>
    </div>
  </details>
</form>
${m.semanticAvailable ? html`<nav class="switch search-modes" aria-label="Search mode">${tab('hybrid')}${tab('keyword')}${tab('semantic')}</nav>` : ''}
${s.kind === 'message' ? html`<p class="notice search-message" role="status">${s.message}</p>` : ''}
${s.kind === 'empty' ? html`<p class="search-help">Search every paper by title, authors and abstract. ${m.semanticAvailable ? 'Hybrid mode mixes keyword matches with papers of similar meaning; keyword mode finds the words; semantic mode finds the meaning. ' : ''}Press <kbd>/</kbd> anywhere to search.</p>` : ''}
${s.kind === 'results'
  ? html`<p class="search-count" aria-live="polite">${count}${fallbackNote ? html` <span class="search-note">${fallbackNote}</span>` : ''}
  · <a href="/papers/search/feed.rss${searchQueryString(p)}">RSS</a> <a href="/papers/search/feed.atom${searchQueryString(p)}">Atom</a> <a href="/papers/search/feed.json${searchQueryString(p)}">JSON Feed</a></p>
${saveForm(p, m.save ?? null)}${m.follow ?? ''}
${s.suggestion ? html`<p class="did-you-mean">Did you mean <a href="${searchPath({ ...p, q: s.suggestion })}"><em>${s.suggestion}</em></a>?</p>` : ''}
${s.notices.map((n) => html`<p class="notice search-notice" role="status">${n}</p>`)}
${resultLists(s.cards, s.mode === 'hybrid' && (s.sort ?? 'relevance') === 'relevance', (s.page - 1) * (s.perPage ?? s.cards.length), m)}
${pager(s.page, s.pages, (n) => searchPath(p, n === 1 ? {} : { p: n }))}`
  : ''}
</section>`;
  const title = p.q.trim() ? `Search: ${p.q.trim().slice(0, 80)}` : 'Search';
  return layout(
    frame,
    {
      title,
      description: 'Search every paper by title, authors and abstract.',
      canonical: searchPath(p),
      feeds: s.kind === 'results' ? [{ title: `Search “${p.q.trim().slice(0, 60)}”`, path: '/papers/search/feed', query: searchQueryString(p) }] : [],
      noindex: true,
      noSearchBox: true,
    },
    body,
  );
}
