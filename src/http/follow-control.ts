/**
 * The follow / unfollow button of a page (an author's search, an organization, a category, a keyword search,
 * a saved search): a POST form with the CSRF token that answers 303 back here, so it works without JavaScript.
 * Visitors get a link to log in first (the page stays the same for every visitor, so it can be cached).
 */
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { isFollowing } from '../db/queries/follows.ts';
import { normalizeFollowValue, type FollowKind } from '../domain/follows.ts';
import { csrfToken, type Ctx, type Deps } from './context.ts';

/** `label`: what is followed, as the button says it ("Jane Doe", "cs.CL", "“diffusion”"). */
export async function followControl(c: Ctx, deps: Deps, kind: FollowKind, raw: string, label: string): Promise<HtmlEscapedString | string> {
  const norm = normalizeFollowValue(kind, raw);
  if (!norm.ok) return '';
  const url = new URL(c.req.url);
  const here = url.pathname + url.search;
  const viewer = c.get('viewer');
  if (!viewer) return html`<p class="follow-control"><a class="button small ghost" href="/login?next=${encodeURIComponent(here)}">Log in to follow ${label}</a></p>`;
  const on = await isFollowing(deps.database.db, viewer.id, kind, norm.value);
  return html`<form class="follow-control inline" method="post" action="${on ? '/unfollow' : '/follow'}">
<input type="hidden" name="_csrf" value="${csrfToken(c, deps)}"><input type="hidden" name="kind" value="${kind}"><input type="hidden" name="value" value="${norm.value}"><input type="hidden" name="next" value="${here}">
<button type="submit" class="button small${on ? ' ghost' : ''}" aria-pressed="${on ? 'true' : 'false'}">${on ? `Following ${label} · unfollow` : `Follow ${label}`}</button>
</form>`;
}

/** What a search query follows, when it is one thing: `author:"Name"` / `author:Name` an author, plain words a keyword. */
export function followableQuery(q: string): { kind: 'author' | 'keyword'; value: string } | null {
  const t = q.trim();
  const author = /^author:(?:"([^"]{2,200})"|(\S{2,200}))$/i.exec(t);
  if (author) return { kind: 'author', value: (author[1] ?? author[2])! };
  const phrase = /^"([^"]{3,100})"$/.exec(t);
  if (phrase) return { kind: 'keyword', value: phrase[1]! };
  // Plain words only: operators (cat:, -x, OR, quotes) make a search, not a keyword.
  if (/^[\p{L}\p{N}][\p{L}\p{N}' -]{2,99}$/u.test(t) && !/(^|\s)-/.test(t) && !/\b(OR|AND|NOT)\b/.test(t) && t.split(/\s+/).length <= 4) return { kind: 'keyword', value: t };
  return null;
}
