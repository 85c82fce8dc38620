/** "Continue with GitHub / Hugging Face" on the log-in and sign-up pages, for the providers the site has turned on. */
import { html } from 'hono/html';
import { enabledProviders } from '../../auth/oauth.ts';
import type { OAuthConfig } from '../../config.ts';

export function oauthButtons(config: OAuthConfig, next: string) {
  const providers = enabledProviders(config);
  if (providers.length === 0) return '';
  const query = next === '/' ? '' : `?next=${encodeURIComponent(next)}`;
  return html`<div class="oauth">
  <p class="or">or</p>
  ${providers.map((p) => html`<a class="button ghost" href="/auth/${p.id}${query}">Continue with ${p.label}</a>`)}
</div>`;
}
