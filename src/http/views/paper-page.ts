/** A paper's page: everything we know about it, with canonical URL, OpenGraph, Twitter and JSON-LD. */
import { linkedReposSection } from './linked-repos.ts';
import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { Listing, Organization, PaperWithOrg } from '../../db/queries/lists.ts';
import type { StoredExtract } from '../../db/queries/extracts.ts';
import { arxivAbsUrl, arxivPdfUrl } from '../../domain/arxiv-id.ts';
import { formatCardDate, formatLongDay } from '../../domain/dates.ts';
import type { Paper } from '../../domain/merge.ts';
import { layout, type Frame } from './layout.ts';
import { voteControl, type Voting } from './cards.ts';
import { collectControl } from './collect.ts';
import { excerpt, mathText, paragraphs } from './text.ts';
import { can } from '../../domain/permissions.ts';
import { plainLine } from '../../domain/tex.ts';

/** Only http(s) links from imported data become hrefs (no `javascript:`). */
export const safeUrl = (u: string | null): string | null => (u && /^https?:\/\/[^\s"'<>]+$/i.test(u) ? u : null);

/** JSON for a <script> element: `<` escaped so that no `</script>` can end it early. */
const scriptJson = (v: unknown) => raw(JSON.stringify(v).replace(/</g, '\\u003c'));

/** Authors shown before the rest fold into "and N more" (a paper may have hundreds). */
const AUTHORS_SHOWN = 24;

/** The search for an author's papers (author:"First Last"; quotes in a name would end the phrase). */
export const authorSearch = (name: string) => `/papers/search?q=${encodeURIComponent(`author:"${name.replace(/"/g, ' ').trim()}"`)}`;
/** The search for a keyword, as a phrase. */
export const keywordSearch = (k: string) => `/papers/search?q=${encodeURIComponent(`"${k.replace(/"/g, ' ').trim()}"`)}`;

/** Authors approved as members (position → username) link to their profiles. */
function authorList(p: Paper, links: ReadonlyMap<number, string> = new Map()) {
  if (p.authors.length === 0) return '';
  const name = (a: Paper['authors'][number], i: number) => {
    const member = links.get(i);
    return member ? html`<a class="author-link" href="/users/${member}">${a.name}</a>` : html`<a class="author-search" href="${authorSearch(a.name)}">${a.name}</a>`;
  };
  const item = (a: Paper['authors'][number], i: number) => html`<li>${name(a, i)}${a.affiliation ? html` <span class="affil">(${a.affiliation})</span>` : ''}</li>`;
  const shown = p.authors.slice(0, AUTHORS_SHOWN);
  const rest = p.authors.slice(AUTHORS_SHOWN);
  return html`<ul class="authors" aria-label="Authors" style="list-style:none;padding:0">${shown.map(item)}${rest.length > 0 ? html`<li><details class="more-authors"><summary>and ${rest.length} more</summary>${rest.map((a, i) => html`${i > 0 ? ', ' : ''}${name(a, AUTHORS_SHOWN + i)}${a.affiliation ? html` <span class="affil">(${a.affiliation})</span>` : ''}`)}</details></li>` : ''}</ul>`;
}

/** Editors put the paper on any day's list, take it off, or feature it there. */
function editorTools(id: string, csrf: string, now: Date) {
  const today = now.toISOString().slice(0, 10);
  // One form, one day; each button posts it to its own action.
  const button = (action: string, label: string) => html`<button type="submit" class="link" formaction="/papers/${id}/${action}">${label}</button>`;
  return html`<form class="editor-tools" method="post" action="/papers/${id}/list">
  <strong>Editor</strong>
  <input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="next" value="/papers/${id}">
  <label for="editor-day">Day</label><input id="editor-day" type="date" name="day" value="${today}" required>
  <label for="editor-reason">Reason</label><input id="editor-reason" name="reason" maxlength="500" placeholder="to remove someone else’s submission">
  <span class="actions">${button('list', 'Add to list')} · ${button('unlist', 'Remove')} · ${button('feature', 'Feature')} · ${button('unfeature', 'Unfeature')}</span>
</form>`;
}

/** A compact list of similar papers: title, who, date and upvotes. */
function similarSection(similar: PaperWithOrg[], now: Date) {
  return html`<section class="similar" aria-labelledby="similar-h"><h2 id="similar-h">Similar papers</h2>
      <ol class="similar-list">${similar.map(({ paper: s, organization: o }) => html`<li><a href="/papers/${s.id}">${mathText(s.title)}</a>
        <span class="meta-line">${o ? o.fullname?.trim() || o.name : `${s.authors[0]?.name ?? ''}${s.authors.length > 1 ? ' et al.' : ''}`}${s.publishedAt ? html` · ${formatCardDate(s.publishedAt, now)}` : ''}${s.upvotes > 0 ? html` · ${s.upvotes} upvote${s.upvotes === 1 ? '' : 's'}` : ''}</span></li>`)}</ol>
    </section>`;
}

export interface PaperPageModel {
  paper: Paper;
  organization: Organization | null;
  listings: Listing[];
  now: Date;
  voting: Voting;
  /** The thread, form and count of <section id="discussion"> (src/http/views/comments.ts). */
  discussion: HtmlEscapedString | Promise<HtmlEscapedString>;
  /** Authors approved as members, by position → username (src/http/handlers/paper-tools.ts). */
  authorLinks?: ReadonlyMap<number, string>;
  /** The viewer's claim, flag and moderator tools for the side column. */
  tools?: HtmlEscapedString | Promise<HtmlEscapedString>;
  /** A thank-you after a flag or a claim. */
  notice?: string | null;
  /** Whether to offer "Submit to today's list": the viewer may, and the paper may go on it (submission rules). */
  submitOffer?: boolean;
  /** The site has the paper's full text: a link to the reading view (/papers/ID/read). */
  hasFullText?: boolean;
  /** Papers nearest by embedding (src/http/handlers/similar.ts); the section is left out when empty. */
  similar?: PaperWithOrg[];
  /** The extracted summary and keywords (src/domain/extract.ts), shown where Hugging Face's summary is missing. */
  extract?: StoredExtract | null;
  /** The "Ask this paper" box (src/http/views/ask.ts); absent where the site has no language model. */
  ask?: HtmlEscapedString | Promise<HtmlEscapedString>;
  /** The model that wrote the AI summary here (LLM_MODEL); null: Hugging Face's own. */
  summaryModel?: string | null;
}

/** An extracted summary, labelled as such: sentences picked from the abstract, never passed off as Hugging Face's AI summary. */
export function extractedSection(x: StoredExtract | null | undefined, abstract: string | null) {
  if (!x?.summary) return '';
  // An abstract of one or two short sentences is its own summary: only the keywords are worth showing then.
  const whole = abstract !== null && plainLine(abstract) === x.summary;
  if (whole && x.keywords.length === 0) return '';
  return html`<section class="ai-summary extracted-summary" aria-labelledby="ex-h"><h2 id="ex-h">${whole ? 'Extracted keywords' : 'Extracted summary'}</h2>
      ${whole ? '' : html`<p>${x.summary}</p>`}
      <p class="extract-note">${whole ? 'Phrases picked from the abstract by this site, not by a model.' : 'Sentences picked from the abstract by this site, not written by a model.'}</p>
      ${x.keywords.length > 0 ? html`<ul class="tags" aria-label="Extracted keywords">${x.keywords.map((k) => html`<li><a href="${keywordSearch(k)}">${k}</a></li>`)}</ul>` : ''}</section>`;
}

export function paperPage(frame: Frame, { paper: p, organization: org, listings, now, voting, discussion, authorLinks, tools, notice, similar, submitOffer, hasFullText, extract, ask, summaryModel }: PaperPageModel) {
  const { site } = frame;
  const canonical = `/papers/${p.id}`;
  // Plain text where TeX cannot render (<title>, meta tags, JSON-LD): docs/decisions/0027-tex-and-search-explanations.md.
  const title = plainLine(p.title);
  const url = `${site.publicUrl}${canonical}`;
  const description = excerpt(plainLine(p.abstract ?? p.title), 300);
  const github = safeUrl(p.githubRepo);
  const project = safeUrl(p.projectPage);
  const first = listings.at(-1);
  const jsonLd = {
    '@context': 'https://schema.org',
    '@type': 'ScholarlyArticle',
    headline: title,
    name: title,
    abstract: p.abstract ? plainLine(p.abstract) : undefined,
    author: p.authors.map((a) => ({ '@type': 'Person', name: a.name, ...(a.affiliation ? { affiliation: a.affiliation } : {}) })),
    datePublished: p.publishedAt ?? undefined,
    dateModified: p.updatedAt ?? undefined,
    url,
    sameAs: arxivAbsUrl(p.id),
    identifier: `arXiv:${p.id}`,
    keywords: [...p.categories, ...(p.aiKeywords ?? [])].join(', ') || undefined,
    publisher: org ? { '@type': 'Organization', name: org.fullname?.trim() || org.name } : undefined,
  };
  const head = html`<meta property="og:type" content="article">
<meta property="og:site_name" content="${site.name}">
<meta property="og:title" content="${title}">
<meta property="og:description" content="${description}">
<meta property="og:url" content="${url}">
<meta name="twitter:card" content="summary">
<meta name="twitter:title" content="${title}">
<meta name="twitter:description" content="${description}">
${p.publishedAt ? html`<meta property="article:published_time" content="${p.publishedAt}">` : ''}
<script type="application/ld+json">${scriptJson(jsonLd)}</script>`;

  const body = html`<article class="paper">
  <div>
    <p class="meta-line">arXiv:${p.id}${p.version ? `v${p.version}` : ''}${p.publishedAt ? html` · published ${formatCardDate(p.publishedAt, now)}` : ''}${p.updatedAt && p.updatedAt !== p.publishedAt ? html` · updated ${formatCardDate(p.updatedAt, now)}` : ''}</p>
    ${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
    <h1>${mathText(p.title)}</h1>
    ${authorList(p, authorLinks)}
    ${p.aiSummary ? html`<section id="ai-summary" class="ai-summary" aria-labelledby="ai-h"><h2 id="ai-h">AI summary</h2>${summaryModel ? html`<p class="hint">Written on this site by the language model ${summaryModel} from the abstract.</p>` : ''}<p>${mathText(p.aiSummary)}</p>
      ${p.aiKeywords && p.aiKeywords.length > 0 ? html`<ul class="tags" aria-label="AI keywords">${p.aiKeywords.map((k) => html`<li><a href="${keywordSearch(k)}">${k}</a></li>`)}</ul>` : ''}</section>` : extractedSection(extract, p.abstract)}
    <section id="abstract" class="abstract" aria-labelledby="abs-h"><h2 id="abs-h">Abstract</h2>
      ${p.abstract ? paragraphs(p.abstract).map((para) => html`<p>${mathText(para)}</p>`) : html`<p>No abstract is known for this paper yet.</p>`}
    </section>
    ${ask ?? ''}
    ${p.categories.length > 0 ? html`<section aria-labelledby="cat-h"><h2 id="cat-h">Categories</h2><ul class="tags">${p.categories.map((cat) => html`<li><a href="/papers/category/${cat}">${cat}</a></li>`)}</ul></section>` : ''}
    ${p.comments || p.journalRef || p.doi ? html`<section aria-labelledby="pub-h"><h2 id="pub-h">Publication</h2><dl class="facts-inline">
      ${p.comments ? html`<dt>Comments</dt><dd>${p.comments}</dd>` : ''}
      ${p.journalRef ? html`<dt>Journal reference</dt><dd>${p.journalRef}</dd>` : ''}
      ${p.doi ? html`<dt>DOI</dt><dd>${p.doi.split(/\s+/).map((d) => html`<a href="https://doi.org/${d}">${d}</a> `)}</dd>` : ''}
    </dl></section>` : ''}
    ${linkedReposSection(p)}
    ${similar && similar.length > 0 ? similarSection(similar, now) : ''}
    <section id="discussion" aria-labelledby="disc-h"><h2 id="disc-h">Discussion</h2>
      ${discussion}
    </section>
  </div>
  <aside class="facts" aria-label="About this paper">
    <div class="big-votes">${voteControl(p.id, p.upvotes, voting, true)} <span aria-hidden="true">upvote${p.upvotes === 1 ? '' : 's'}</span></div>
    <div class="links">
      ${hasFullText ? html`<a href="/papers/${p.id}/read">Read the full text <span>here</span></a>` : ''}
      <a href="${arxivAbsUrl(p.id)}" rel="noopener">arXiv page <span>abs ↗</span></a>
      <a href="${arxivPdfUrl(p.id)}" rel="noopener">PDF <span>↗</span></a>
      ${github ? html`<a href="${github}" rel="noopener">GitHub <span>${p.githubStars !== null ? `★ ${p.githubStars.toLocaleString('en-US')}` : '↗'}</span></a>` : ''}
      ${project ? html`<a href="${project}" rel="noopener">Project page <span>↗</span></a>` : ''}
    </div>
    <dl>
      ${org ? html`<dt>Organization</dt><dd><a href="/organizations/${encodeURIComponent(org.name)}">${org.fullname?.trim() || org.name}</a></dd>` : ''}
      ${first?.submitter ? html`<dt>Submitted by</dt><dd>${first.submitter.fullname?.trim() || first.submitter.username}${first.entry.submittedAt ? html`, ${formatCardDate(first.entry.submittedAt, now)}` : ''}</dd>` : ''}
      ${p.license ? html`<dt>Licence</dt><dd>${safeUrl(p.license) ? html`<a href="${p.license}">${p.license.replace(/^https?:\/\//, '')}</a>` : p.license}</dd>` : ''}
      ${listings.length > 0 ? html`<dt>On the lists of</dt><dd>${listings.map((l, i) => html`${i > 0 ? ', ' : ''}<a href="/papers/date/${l.entry.day}">${formatLongDay(l.entry.day)}</a>`)}</dd>` : ''}
    </dl>
    ${frame.viewer && submitOffer ? html`<p class="meta-line" style="margin-top:14px"><a href="/submit?paper=${encodeURIComponent(p.id)}">Submit to today’s list</a></p>` : ''}
    ${voting.member?.collect ? collectControl(p.id, voting.member.csrf, voting.member.collect, canonical, { note: true }) : ''}
    ${can(frame.viewer, 'editor') && frame.csrf ? editorTools(p.id, frame.csrf, now) : ''}
    ${tools ?? ''}
  </aside>
</article>`;
  return layout(frame, { title, description, canonical, head }, body);
}
