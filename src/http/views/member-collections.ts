/**
 * Members' collections: the list of a member's collections and a collection's page (cards with their
 * notes). Their owner also gets the forms that change them; each works without JavaScript.
 */
import { html } from 'hono/html';
import type { CollectedPaper, Collection } from '../../db/queries/collections.ts';
import { MAX_COLLECTION_NAME_LENGTH, MAX_NOTE_LENGTH, type CollectionLimits } from '../../domain/collections.ts';
import { formatCardDate } from '../../domain/dates.ts';
import { cardList, pager, type CardModel, type Voting } from './cards.ts';
import { layout, type Frame } from './layout.ts';
import { exportLinks, savedSearchBox } from './library.ts';

export const collectionUrl = (c: { owner: string; slug: string }) => `/users/${encodeURIComponent(c.owner)}/collections/${c.slug}`;
export const collectionFeedPath = (c: { owner: string; slug: string }) => `/feeds/users/${encodeURIComponent(c.owner)}/collections/${c.slug}`;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const csrfField = (csrf: string) => html`<input type="hidden" name="_csrf" value="${csrf}">`;

function createForm(csrf: string) {
  return html`<form class="collection-form" method="post" action="/collections">
  ${csrfField(csrf)}
  <label for="new-collection">New collection</label>
  <input id="new-collection" name="name" type="text" maxlength="${MAX_COLLECTION_NAME_LENGTH}" required placeholder="e.g. Diffusion for video">
  <label class="check"><input type="checkbox" name="public" value="1"> Public: anyone can read it and follow its feed</label>
  <button class="button" type="submit">Create</button>
</form>`;
}

export function collectionsListPage(
  frame: Frame,
  m: { owner: string; collections: Collection[]; manage: { csrf: string; limits: CollectionLimits } | null },
) {
  const empty = m.manage
    ? 'You have no collections yet. Save papers to one from any list or paper page (☆ Save), or create one here.'
    : 'No public collections yet.';
  const body = html`<div class="list-head"><div>
  <h1>${m.manage ? 'Your collections' : html`Collections of ${m.owner}`}</h1>
  <p class="byline">${m.manage ? `${m.collections.length} of at most ${m.manage.limits.maxCollections}; private ones are seen by you alone` : plural(m.collections.length, 'public collection')}</p>
</div></div>
${m.collections.length === 0
  ? html`<p class="empty">${empty}</p>`
  : html`<ul class="collections">${m.collections.map(
      (c) => html`<li><a class="collection-name" href="${collectionUrl(c)}">${c.name}</a>
      <span class="collection-meta">${m.manage ? html`<span class="pill">${c.isPublic ? 'Public' : 'Private'}</span>` : ''}<span>${plural(c.paperCount, 'paper')}</span><span>updated <time datetime="${c.updatedAt}">${c.updatedAt.slice(0, 10)}</time></span></span></li>`,
    )}</ul>`}
${m.manage ? createForm(m.manage.csrf) : ''}
${m.manage ? html`<section class="library-tools">${savedSearchBox()}<p><a class="button ghost small" href="/collections/import">Import a library (BibTeX, RIS, CSL-JSON, Zotero)</a></p></section>` : ''}
${m.manage || m.collections.length > 0 ? exportLinks(`/users/${encodeURIComponent(m.owner)}/collections/export`, m.manage ? 'Export all your saved papers' : 'Export the papers of these collections') : ''}`;
  return layout(frame, { title: m.manage ? 'Your collections' : `Collections of ${m.owner}`, noindex: m.manage !== null, canonical: `/users/${encodeURIComponent(m.owner)}/collections` }, body);
}

/** The owner's tools for one paper: its note, and taking it out. */
function paperTools(col: Collection, item: CollectedPaper, csrf: string, privateNote: string | undefined) {
  const id = item.paper.id;
  return html`${privateNote ? html`<p class="private-note"><span class="private-label">Your private note:</span> ${privateNote}</p>` : ''}<details class="collection-edit">
  <summary>${item.note ? 'Edit the note' : 'Add a note'} · ${privateNote ? 'edit your private note' : 'private note'} · remove</summary>
  <form method="post" action="/collections/${col.id}/private-note">
    ${csrfField(csrf)}<input type="hidden" name="paper" value="${id}">
    <label for="private-note-${id}">Private note (only you see it; in your exports)</label>
    <textarea id="private-note-${id}" name="note" rows="3" maxlength="${MAX_NOTE_LENGTH}">${privateNote ?? ''}</textarea>
    <button class="button small" type="submit">Save the private note</button>
  </form>
  <form method="post" action="/collections/${col.id}/note">
    ${csrfField(csrf)}<input type="hidden" name="paper" value="${id}">
    <label for="note-${id}">Note${col.isPublic ? ' (public: shown with the collection)' : ''}</label>
    <textarea id="note-${id}" name="note" rows="3" maxlength="${MAX_NOTE_LENGTH}">${item.note ?? ''}</textarea>
    <button class="button small" type="submit">Save the note</button>
  </form>
  <form method="post" action="/collections/${col.id}/remove">
    ${csrfField(csrf)}<input type="hidden" name="paper" value="${id}">
    <button class="link" type="submit">Remove from this collection</button>
  </form>
</details>`;
}

function ownerTools(col: Collection, csrf: string) {
  return html`<div class="collection-tools">
  <form method="post" action="/collections/${col.id}/rename">
    ${csrfField(csrf)}
    <label for="rename">Name</label>
    <input id="rename" name="name" type="text" value="${col.name}" maxlength="${MAX_COLLECTION_NAME_LENGTH}" required>
    <button class="button ghost small" type="submit">Rename</button>
  </form>
  <form method="post" action="/collections/${col.id}/visibility">
    ${csrfField(csrf)}<input type="hidden" name="public" value="${col.isPublic ? '0' : '1'}">
    <span>${col.isPublic ? 'Public: anyone can read it and follow its feed.' : 'Private: only you can see it.'}</span>
    <button class="button ghost small" type="submit">${col.isPublic ? 'Make it private' : 'Make it public'}</button>
  </form>
  <details class="collection-delete"><summary>Delete the collection</summary>
    <form method="post" action="/collections/${col.id}/delete">
      ${csrfField(csrf)}
      <p>Delete “${col.name}” and its notes? The papers stay on the site.</p>
      <button class="button ghost small" type="submit">Delete it</button>
    </form>
  </details>
</div>`;
}

export interface CollectionPageModel {
  collection: Collection;
  items: CollectedPaper[];
  /** The items' cards, with the images stored on this site (src/http/card-images.ts), in the same order. */
  cards: CardModel[];
  total: number;
  page: number;
  pages: number;
  voting: Voting;
  now: Date;
  /** For the owner: the forms that change it, and their private notes (paper id → note). */
  manage: { csrf: string; privateNotes?: ReadonlyMap<string, string> } | null;
}

export function collectionPage(frame: Frame, m: CollectionPageModel) {
  const col = m.collection;
  const url = collectionUrl(col);
  const feed = collectionFeedPath(col);
  const body = html`<div class="list-head"><div>
  <h1>${col.name}</h1>
  <p class="byline">A collection by <a href="/users/${encodeURIComponent(col.owner)}/collections">${col.owner}</a> · ${plural(m.total, 'paper')} · updated ${formatCardDate(col.updatedAt, m.now)}${m.manage ? html` · <span class="pill">${col.isPublic ? 'Public' : 'Private'}</span>` : ''}</p>
</div>
${col.isPublic ? html`<p class="feeds">Follow: <a href="${feed}.rss">RSS</a> · <a href="${feed}.atom">Atom</a> · <a href="${feed}.json">JSON Feed</a></p>` : ''}
</div>
${m.manage ? ownerTools(col, m.manage.csrf) : ''}
${exportLinks(`${url}/export`)}${m.manage ? html`<p class="exports"><a href="/collections/import?into=${col.id}">Import a library into this collection</a></p>` : ''}
${cardList(
  m.cards,
  m.now,
  m.manage ? 'No papers here yet. Save papers to this collection from any list or paper page (☆ Save).' : 'No papers here yet.',
  m.voting,
  (_card, i) => {
    const item = m.items[i]!;
    return html`${item.note ? html`<p class="collection-note">${item.note}</p>` : ''}${m.manage ? paperTools(col, item, m.manage.csrf, m.manage.privateNotes?.get(item.paper.id)) : ''}`;
  },
)}
${pager(m.page, m.pages, (n) => (n === 1 ? url : `${url}?p=${n}`))}`;
  return layout(
    frame,
    {
      title: col.name,
      description: `${col.name}: ${plural(m.total, 'paper')} collected by ${col.owner}.`,
      canonical: url,
      feeds: col.isPublic ? [{ title: col.name, path: feed }] : [],
      noindex: !col.isPublic,
    },
    body,
  );
}
