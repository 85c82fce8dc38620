/** Account pages: forms that work without JavaScript, with errors next to what they are about. */
import { html } from 'hono/html';
import { layout, type Frame } from './layout.ts';

export interface Field {
  name: string;
  label: string;
  type?: 'text' | 'email' | 'password';
  value?: string;
  autocomplete?: string;
  hint?: string;
  error?: string | null;
}

export interface FormPage {
  title: string;
  intro?: string;
  action: string;
  submit: string;
  fields: Field[];
  csrf: string;
  /** A message for the whole form (a failed log-in), or a notice (a mail was sent). */
  error?: string | null;
  notice?: string | null;
  /** Hidden fields (e.g. `next`, a token). */
  hidden?: Record<string, string>;
  /** The sign-up honeypot: a field people do not see and bots fill in. */
  honeypot?: boolean;
  after?: ReturnType<typeof html>;
}

export function formPage(frame: Frame, f: FormPage) {
  return layout(
    frame,
    { title: f.title, noindex: true },
    html`<div class="form-page">
  <h1>${f.title}</h1>
  ${f.intro ? html`<p class="intro">${f.intro}</p>` : ''}
  ${f.notice ? html`<p class="notice" role="status">${f.notice}</p>` : ''}
  ${f.error ? html`<p class="form-error" role="alert">${f.error}</p>` : ''}
  <form method="post" action="${f.action}" novalidate>
    <input type="hidden" name="_csrf" value="${f.csrf}">
    ${Object.entries(f.hidden ?? {}).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`)}
    ${f.fields.map(
      (x) => html`<label for="f-${x.name}">${x.label}</label>
    <input id="f-${x.name}" name="${x.name}" type="${x.type ?? 'text'}" value="${x.type === 'password' ? '' : (x.value ?? '')}"${x.autocomplete ? html` autocomplete="${x.autocomplete}"` : ''}${x.error ? html` aria-invalid="true" aria-describedby="e-${x.name}"` : ''} required>
    ${x.hint ? html`<p class="hint">${x.hint}</p>` : ''}
    ${x.error ? html`<p class="field-error" id="e-${x.name}">${x.error}</p>` : ''}`,
    )}
    ${f.honeypot ? html`<div class="hp" aria-hidden="true"><label for="f-website">Website</label><input id="f-website" name="website" type="text" tabindex="-1" autocomplete="off"></div>` : ''}
    <button type="submit" class="button">${f.submit}</button>
  </form>
  ${f.after ?? ''}
</div>`,
  );
}
