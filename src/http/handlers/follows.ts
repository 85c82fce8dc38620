/**
 * Following (docs/decisions/0031-follows-and-notifications.md): POST /follow and /unfollow (kind, value, next;
 * members only, CSRF-checked, 303 back), and GET /following: what the member follows, each with its page, an
 * unfollow button and what is new in it (the papers the scan brought them from it; a saved search's recent
 * matches), and a form to follow an author, keyword or category by name.
 */
import { html } from 'hono/html';
import { followsOf, follow, unfollow, type Follow } from '../../db/queries/follows.ts';
import { listNotifications, type Notification } from '../../db/queries/notifications.ts';
import { recentMatches, savedSearchesOf } from '../../db/queries/saved-searches.ts';
import { FOLLOW_KIND_LABELS, FOLLOW_KINDS, isFollowKind, MAX_FOLLOWS, normalizeFollowValue, type FollowKind } from '../../domain/follows.ts';
import { alertQueryString } from '../../email/alerts.ts';
import { usableSemantic } from '../../search/types.ts';
import { csrfToken, frame, htmlError, safeNext, type Ctx, type Deps } from '../context.ts';
import { layout } from '../views/layout.ts';

const str = (body: Record<string, unknown>, name: string, max = 2000): string => {
  const v = body[name];
  return typeof v === 'string' ? v.slice(0, max) : '';
};

/** Papers of a channel shown on /following. */
const NEW_PER_CHANNEL = 5;
/** Recent paper notifications read to fill the channels' "new" lists. */
const RECENT_READ = 300;

/** The page of a followed thing. */
export function channelHref(kind: FollowKind, value: string): string {
  switch (kind) {
    case 'author': return `/papers/search?q=${encodeURIComponent(`author:"${value}"`)}&sort=date`;
    case 'keyword': return `/papers/search?q=${encodeURIComponent(`"${value}"`)}&sort=date`;
    case 'category': return `/papers/category/${encodeURIComponent(value)}`;
    case 'organization': return `/organizations/${encodeURIComponent(value)}`;
    case 'saved_search': return `/settings/alerts#saved-${encodeURIComponent(value)}`;
  }
}

const change = (deps: Deps, on: boolean) => async (c: Ctx) => {
  const viewer = c.get('viewer');
  const body = await c.req.parseBody();
  const next = safeNext(str(body, 'next', 1000) || '/following');
  if (!viewer) return c.redirect(`/login?next=${encodeURIComponent(next)}`, 303);
  if (viewer.suspended) return htmlError(c, deps, 403, 'Your account is suspended', 'Suspended members cannot follow.');
  const kind = str(body, 'kind', 40);
  if (!isFollowKind(kind)) return htmlError(c, deps, 400, 'Cannot follow that', `What to follow is one of: ${FOLLOW_KINDS.join(', ')}.`);
  const norm = normalizeFollowValue(kind, str(body, 'value', 1000));
  if (!norm.ok) return htmlError(c, deps, 400, 'Cannot follow that', norm.message);
  const { db } = deps.database;
  if (on) {
    const r = await follow(db, { userId: viewer.id, kind, value: norm.value, now: deps.now() });
    if (!r.ok && r.problem === 'limit') return htmlError(c, deps, 409, 'Too many follows', `You follow ${MAX_FOLLOWS} things already: unfollow some on /following first.`);
    if (!r.ok) return htmlError(c, deps, 404, 'Saved search not found', 'There is no such saved search among yours.');
  } else {
    await unfollow(db, { userId: viewer.id, kind, value: norm.value });
  }
  return c.redirect(next, 303);
};

export const followForm = (deps: Deps) => change(deps, true);
export const unfollowForm = (deps: Deps) => change(deps, false);

const matchesChannel = (n: Notification, f: Follow) =>
  Array.isArray(n.detail.channels) && (n.detail.channels as { kind?: unknown; value?: unknown }[]).some((ch) => ch.kind === f.kind && ch.value === f.value);

/** GET /following */
export const followingPage = (deps: Deps) => async (c: Ctx) => {
  const viewer = c.get('viewer');
  if (!viewer) return c.redirect('/login?next=%2Ffollowing', 303);
  const { db } = deps.database;
  const follows = await followsOf(db, viewer.id);
  const recent = await listNotifications(db, viewer.id, { limit: RECENT_READ, kind: 'paper' });
  const saved = await savedSearchesOf(db, viewer.id);
  const savedById = new Map(saved.map((s) => [String(s.id), s]));
  const savedFollowed = follows.filter((f) => f.kind === 'saved_search').map((f) => Number(f.value));
  const matches = await recentMatches(db, savedFollowed, NEW_PER_CHANNEL);
  const csrf = csrfToken(c, deps);
  const semantic = usableSemantic(deps.semantic) !== null;
  const label = (f: Follow) => (f.kind === 'saved_search' ? (savedById.get(f.value)?.name ?? `saved search ${f.value}`) : f.value);
  const href = (f: Follow) => {
    const s = f.kind === 'saved_search' ? savedById.get(f.value) : undefined;
    return s ? `/papers/search${alertQueryString(s, semantic)}` : channelHref(f.kind, f.value);
  };
  const fresh = (f: Follow) => (f.kind === 'saved_search'
    ? (matches.get(Number(f.value)) ?? []).map((m) => ({ id: m.paperId, title: m.title, at: m.matchedAt }))
    : recent.filter((n) => matchesChannel(n, f) && n.paperId).slice(0, NEW_PER_CHANNEL).map((n) => ({ id: n.paperId!, title: n.paperTitle ?? n.paperId!, at: n.createdAt })));
  const groups = FOLLOW_KINDS.map((kind) => ({ kind, items: follows.filter((f) => f.kind === kind) })).filter((g) => g.items.length > 0);
  const body = html`<div class="following-page">
<h1>Following</h1>
<p>New papers by the authors, from the organizations, in the categories and with the keywords you follow arrive in your <a href="/notifications">notifications</a>${' '}(and by mail, if you keep it on there). ${follows.length} of at most ${MAX_FOLLOWS}.</p>
<form class="follow-add" method="post" action="/follow">
<input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="next" value="/following">
<label for="follow-kind">Follow</label>
<select id="follow-kind" name="kind"><option value="author">an author</option><option value="keyword">a keyword</option><option value="category">a category</option><option value="organization">an organization</option></select>
<label class="visually-hidden" for="follow-value">Name, keyword or category</label><input id="follow-value" type="text" name="value" required maxlength="200" placeholder="Jane Doe, diffusion, cs.CL…">
<button type="submit" class="button small">Follow</button>
</form>
${groups.length === 0 ? html`<p class="empty">You follow nothing yet. Follow an author from their search (author names on a paper link to it), an organization or a category from its page, a keyword from a search, or a saved search from <a href="/settings/alerts">your saved searches</a>.</p>` : ''}
${groups.map((g) => html`<section class="follow-group"><h2>${FOLLOW_KIND_LABELS[g.kind]}${g.items.length > 1 ? 's' : ''}</h2>
<ul class="follow-list">${g.items.map((f) => {
  const news = fresh(f);
  return html`<li class="follow-item"><div class="follow-head"><a href="${href(f)}"><strong>${label(f)}</strong></a> <span class="hint">since ${f.createdAt.slice(0, 10)}</span>
<form class="inline" method="post" action="/unfollow"><input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="kind" value="${f.kind}"><input type="hidden" name="value" value="${f.value}"><input type="hidden" name="next" value="/following"><button class="button small ghost" type="submit">Unfollow<span class="visually-hidden"> ${label(f)}</span></button></form></div>
${news.length > 0 ? html`<ul class="follow-new">${news.map((p) => html`<li><a href="/papers/${p.id}">${p.title}</a> <span class="hint">${p.at.slice(0, 10)}</span></li>`)}</ul>` : html`<p class="hint">Nothing new since you followed it.</p>`}</li>`;
})}</ul></section>`)}
</div>`;
  return c.html(layout(frame(c, deps), { title: 'Following', noindex: true }, body));
};
