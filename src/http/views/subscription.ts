/** The digest subscription form (subscribe, a member's settings, the signed preferences page) and its small pages. */
import { html } from 'hono/html';
import { MAX_PAPERS_CHOICES, type Frequency, type TopicChoice } from '../../domain/digest.ts';
import { layout, type Frame } from './layout.ts';

export interface SubscriptionValues {
  email?: string;
  frequency: Frequency;
  maxPapers: number;
  topics: TopicChoice;
}

export const DEFAULT_VALUES: SubscriptionValues = { frequency: 'daily', maxPapers: 10, topics: 'all' };

export interface SubscriptionFormOptions {
  action: string;
  csrf: string;
  values: SubscriptionValues;
  /** Ask for the address (anonymous visitors); members use their account's. */
  askEmail: boolean;
  submit: string;
  error?: string | null;
  emailError?: string | null;
  hidden?: Record<string, string>;
}

const checked = (on: boolean) => (on ? html` checked` : '');

export function subscriptionForm(f: SubscriptionFormOptions) {
  const v = f.values;
  const t = v.topics === 'all' ? { categories: [], keywords: [], organizations: [] } : v.topics;
  const counts = [...new Set([...MAX_PAPERS_CHOICES, v.maxPapers])].sort((a, b) => a - b);
  return html`<form method="post" action="${f.action}" class="subscription" novalidate>
  <input type="hidden" name="_csrf" value="${f.csrf}">
  ${Object.entries(f.hidden ?? {}).map(([k, val]) => html`<input type="hidden" name="${k}" value="${val}">`)}
  ${f.error ? html`<p class="form-error" role="alert">${f.error}</p>` : ''}
  ${f.askEmail
    ? html`<label for="f-email">Email</label>
  <input id="f-email" name="email" type="email" autocomplete="email" value="${v.email ?? ''}" required${f.emailError ? html` aria-invalid="true" aria-describedby="e-email"` : ''}>
  ${f.emailError ? html`<p class="field-error" id="e-email">${f.emailError}</p>` : html`<p class="hint">We mail you a link to confirm it; nothing else is sent before you open it.</p>`}`
    : ''}
  <fieldset><legend>How often</legend>
    <label><input type="radio" name="frequency" value="daily"${checked(v.frequency === 'daily')}> Daily, on the evenings arXiv announces new papers (Sunday to Thursday)</label>
    <label><input type="radio" name="frequency" value="weekly"${checked(v.frequency === 'weekly')}> Weekly, the best of the week</label>
  </fieldset>
  <label for="f-max">Papers per mail</label>
  <select id="f-max" name="max_papers">${counts.map((n) => html`<option value="${n}"${n === v.maxPapers ? html` selected` : ''}>${n}</option>`)}</select>
  <fieldset><legend>Topics</legend>
    <label><input type="radio" name="topics" value="all"${checked(v.topics === 'all')}> Everything</label>
    <label><input type="radio" name="topics" value="some"${checked(v.topics !== 'all')}> Only papers about any of these:</label>
    <label for="f-categories">arXiv categories</label>
    <input id="f-categories" name="categories" type="text" value="${t.categories.join(', ')}" placeholder="cs.CL, cs.LG, stat.ML">
    <label for="f-keywords">Keywords in the title or abstract</label>
    <input id="f-keywords" name="keywords" type="text" value="${t.keywords.join(', ')}" placeholder="diffusion, reinforcement learning">
    <label for="f-organizations">Organizations</label>
    <input id="f-organizations" name="organizations" type="text" value="${t.organizations.join(', ')}" placeholder="meta, google">
    <p class="hint">Separate them with commas. A paper that matches any of them is in.</p>
  </fieldset>
  <button type="submit" class="button">${f.submit}</button>
</form>`;
}

/** A short page: a heading, a message, and optionally one form button. */
export function messagePage(frame: Frame, title: string, message: string, extra: ReturnType<typeof html> | string = '') {
  return layout(frame, { title, noindex: true }, html`<div class="form-page"><h1>${title}</h1><p>${message}</p>${extra}</div>`);
}
