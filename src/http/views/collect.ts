/**
 * "Save to a collection" on cards and the paper page, for members: a form in a <details> that works
 * without JavaScript. Choose one of your collections or name a new one (created private); the form
 * posts to /collections/add, which answers 303 back to `next`.
 */
import { html } from 'hono/html';
import { MAX_COLLECTION_NAME_LENGTH, MAX_NOTE_LENGTH } from '../../domain/collections.ts';

/** The viewer's collections (most recently changed first), and which of them already hold each paper. */
export interface CollectChoices {
  collections: { id: number; name: string }[];
  saved: Map<string, Set<number>>;
}

export function collectControl(paperId: string, csrf: string, choices: CollectChoices, next: string, opts: { note?: boolean } = {}) {
  const saved = choices.saved.get(paperId) ?? new Set<number>();
  const key = `collect-${paperId}`;
  const label = saved.size > 0 ? `★ Saved${saved.size > 1 ? ` in ${saved.size}` : ''}` : '☆ Save';
  return html`<details class="collect">
  <summary title="Save to a collection">${label}<span class="visually-hidden"> to a collection</span></summary>
  <form class="collect-form" method="post" action="/collections/add">
    <input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="paper" value="${paperId}"><input type="hidden" name="next" value="${next}">
    ${choices.collections.length > 0
      ? html`<label for="${key}-c">Collection</label>
    <select id="${key}-c" name="collection">${choices.collections.map((c) =>
        saved.has(c.id) ? html`<option value="${c.id}" disabled>✓ ${c.name}</option>` : html`<option value="${c.id}">${c.name}</option>`,
      )}</select>`
      : ''}
    <label for="${key}-n">${choices.collections.length > 0 ? 'or a new collection' : 'New collection'}</label>
    <input id="${key}-n" name="new_name" type="text" maxlength="${MAX_COLLECTION_NAME_LENGTH}" placeholder="Name (kept private)">
    ${opts.note ? html`<label for="${key}-note">Note <span class="hint">(optional)</span></label><input id="${key}-note" name="note" type="text" maxlength="${MAX_NOTE_LENGTH}">` : ''}
    <button class="button small" type="submit">Save</button>
  </form>
</details>`;
}
