/** The paper page's "On Hugging Face" section: models, datasets and Spaces linked to the paper, as imported. */
import { html } from 'hono/html';
import type { Paper } from '../../domain/merge.ts';

const KINDS = [
  ['models', 'Models', ''],
  ['datasets', 'Datasets', 'datasets/'],
  ['spaces', 'Spaces', 'spaces/'],
] as const;

/** Left out when nothing was imported. Repository ids only go into links when they look like `owner/name`. */
export function linkedReposSection(p: Paper) {
  const r = p.hfRepos;
  if (!r || KINDS.every(([k]) => r[k].length === 0)) return '';
  const ids = (list: Record<string, unknown>[]) =>
    list.map((x) => x.id).filter((id): id is string => typeof id === 'string' && /^[\w.-]+\/[\w.-]+$/.test(id));
  return html`<section class="linked-repos" aria-labelledby="repos-h"><h2 id="repos-h">On Hugging Face</h2>
    ${KINDS.map(([k, label, prefix]) => (ids(r[k]).length === 0 ? '' : html`<h3>${label} citing this paper (${r[k].length})</h3>
      <ul class="tags">${ids(r[k]).map((id) => html`<li><a href="https://huggingface.co/${prefix}${id}" rel="noopener">${id}</a></li>`)}</ul>`))}
  </section>`;
}
