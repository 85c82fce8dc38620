/**
 * A member's library, portable (docs/decisions/0033-portable-libraries.md): export links, the import form and
 * its report, and the search over one's saved papers and notes. Every form works without JavaScript.
 */
import { html } from 'hono/html';
import type { SavedHit } from '../../db/queries/library.ts';
import type { Unmatched } from '../../domain/bib-import.ts';
import { EXPORT_FORMATS, FORMAT_FILE } from '../../domain/bib-export.ts';
import { MAX_IMPORT_BYTES, MAX_IMPORT_ENTRIES } from '../../domain/bib-import.ts';
import { MAX_COLLECTION_NAME_LENGTH } from '../../domain/collections.ts';
import { layout, type Frame } from './layout.ts';

const csrfField = (csrf: string) => html`<input type="hidden" name="_csrf" value="${csrf}">`;
const collectionHref = (c: { owner: string; slug: string }) => `/users/${encodeURIComponent(c.owner)}/collections/${c.slug}`;

/** "Export: BibTeX · RIS · CSL-JSON", links to `base/FORMAT` (a collection's, or all of a member's saved papers). */
export function exportLinks(base: string, label = 'Export') {
  return html`<p class="exports">${label}: ${EXPORT_FORMATS.map(
    (f, i) => html`${i > 0 ? ' · ' : ''}<a href="${base}/${f}" download>${FORMAT_FILE[f].label}</a>`,
  )}</p>`;
}

/** The search box over the member's saved papers (titles and notes). */
export function savedSearchBox(q = '') {
  return html`<form class="saved-search" method="get" action="/collections/search" role="search">
  <label for="saved-q">Search your saved papers and notes</label>
  <input id="saved-q" name="q" type="search" value="${q}" maxlength="200" placeholder="a word from a title or a note">
  <button class="button small" type="submit">Search</button>
</form>`;
}

export function importPage(frame: Frame, m: { csrf: string; collections: { id: number; name: string }[]; into: number | null }) {
  const body = html`<div class="list-head"><div>
  <h1>Import a library</h1>
  <p class="byline">BibTeX, RIS or CSL-JSON, as Zotero, Better BibTeX, JabRef, Mendeley or this site export them</p>
</div></div>
<form class="import-form" method="post" action="/collections/import" enctype="multipart/form-data">
  ${csrfField(m.csrf)}
  <label for="import-file">File (.bib, .ris or .json; at most ${MAX_IMPORT_BYTES / 1024 / 1024} MB and ${MAX_IMPORT_ENTRIES} entries)</label>
  <input id="import-file" name="file" type="file" accept=".bib,.bibtex,.ris,.json,.txt" required>
  <fieldset>
    <legend>Into</legend>
    ${m.collections.length > 0
      ? html`<label for="import-into">One of your collections</label>
    <select id="import-into" name="collection">
      <option value="">— a new collection (name it below) —</option>
      ${m.collections.map((c) => html`<option value="${c.id}"${c.id === m.into ? ' selected' : ''}>${c.name}</option>`)}
    </select>`
      : ''}
    <label for="import-name">New collection’s name</label>
    <input id="import-name" name="new_name" type="text" maxlength="${MAX_COLLECTION_NAME_LENGTH}" placeholder="e.g. My Zotero library">
  </fieldset>
  <p class="hint">Papers are found by their arXiv id (eprint, arXiv URL, arXiv DOI, or “arXiv:…” in a note or journal field) or by DOI. Each paper is added once: importing the same file again adds nothing. Notes (annote, N1) become your private notes. Nothing is saved unless the whole file can be read.</p>
  <button class="button" type="submit">Import</button>
</form>`;
  return layout(frame, { title: 'Import a library', noindex: true }, body);
}

export function importReportPage(
  frame: Frame,
  m: { collection: { owner: string; slug: string; name: string }; entries: number; added: number; already: number; notesSet: number; unmatched: Unmatched[] },
) {
  const url = collectionHref(m.collection);
  const body = html`<div class="list-head"><div>
  <h1>Imported into “${m.collection.name}”</h1>
  <p class="byline">${m.entries} entries read · ${m.added} papers added · ${m.already} already there · ${m.notesSet} notes saved · ${m.unmatched.length} not found</p>
</div></div>
<p><a class="button" href="${url}">Open the collection</a> <a class="button ghost" href="/collections/import">Import another file</a></p>
${m.unmatched.length > 0
  ? html`<h2>Not found here</h2>
<table class="import-report">
  <thead><tr><th scope="col">Key</th><th scope="col">Title</th><th scope="col">Why</th></tr></thead>
  <tbody>${m.unmatched.map((u) => html`<tr><td><code>${u.key}</code></td><td>${u.title || '—'}</td><td>${u.why}</td></tr>`)}</tbody>
</table>`
  : html`<p class="empty">Every entry was found.</p>`}`;
  return layout(frame, { title: `Imported into ${m.collection.name}`, noindex: true }, body);
}

export function savedSearchPage(frame: Frame, m: { q: string; hits: SavedHit[]; limit: number }) {
  const body = html`<div class="list-head"><div>
  <h1>Your saved papers</h1>
  <p class="byline">${m.q ? `${m.hits.length}${m.hits.length >= m.limit ? '+' : ''} found for “${m.q}” in titles and notes` : 'Titles, collection notes and your private notes'}</p>
</div></div>
${savedSearchBox(m.q)}
${m.q === ''
  ? ''
  : m.hits.length === 0
    ? html`<p class="empty">None of your saved papers has these words in its title or notes.</p>`
    : html`<ul class="saved-hits">${m.hits.map(
        (h) => html`<li>
  <a class="saved-title" href="/papers/${h.paperId}">${h.title}</a>
  <span class="collection-meta">in <a href="${collectionHref(h.collection)}#paper-${h.paperId}">${h.collection.name}</a></span>
  ${h.note ? html`<p class="collection-note">${h.note}</p>` : ''}
  ${h.privateNote ? html`<p class="private-note"><span class="visually-hidden">Your private note: </span>${h.privateNote}</p>` : ''}
</li>`,
      )}</ul>`}
<p><a href="/collections">Your collections</a></p>`;
  return layout(frame, { title: m.q ? `“${m.q}” in your saved papers` : 'Your saved papers', noindex: true }, body);
}
