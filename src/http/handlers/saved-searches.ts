/**
 * Saved searches and their alerts: a member saves a search from the search page (POST /settings/alerts) and
 * manages them on /settings/alerts (rename, mail on/off, delete; every write names the viewer as owner in its
 * query, so another member's saved search answers 404). Alert mails carry signed links that turn off one
 * saved search's mail or all of a member's: /alerts/off (GET shows a button, POST acts) and RFC 8058's
 * /alerts/off/one-click (exempt from CSRF, authenticated by its signed token). The run is src/email/alerts.ts.
 */
import { html } from 'hono/html';
import {
  countSavedSearches, createSavedSearch, deleteSavedSearch, disableAllAlerts, findSavedSearch, recentMatches, renameSavedSearch,
  savedSearchesOf, setAlertEnabled, type SavedSearch,
} from '../../db/queries/saved-searches.ts';
import { followedAmong } from '../../db/queries/follows.ts';
import { MAX_SAVED_NAME, MAX_SAVED_QUERY, MAX_SAVED_SEARCHES, RECENT_MATCHES_SHOWN, savedSearchName } from '../../domain/saved-searches.ts';
import { alertLinkTarget, alertQueryString } from '../../email/alerts.ts';
import { search } from '../../search/hybrid.ts';
import { usableSemantic } from '../../search/types.ts';
import { csrfToken, frame, htmlError, type Ctx, type Deps } from '../context.ts';
import { parseSearchParams, searchQueryString } from '../search-params.ts';
import { layout } from '../views/layout.ts';
import { messagePage } from '../views/subscription.ts';

const str = (body: Record<string, unknown>, name: string, max = 2000): string => {
  const v = body[name];
  return typeof v === 'string' ? v.slice(0, max) : '';
};

/** A saved search id from the path, else null. */
function savedId(c: Ctx): number | null {
  const raw = c.req.param('sid') ?? '';
  const n = /^[0-9]{1,10}$/.test(raw) ? Number(raw) : 0;
  return n >= 1 && n <= 2_147_483_647 ? n : null;
}

const LOGIN = '/login?next=%2Fsettings%2Falerts';

function member(c: Ctx, deps: Deps) {
  const viewer = c.get('viewer');
  if (!viewer) return { answer: c.redirect(LOGIN, 303) };
  if (viewer.suspended) return { answer: htmlError(c, deps, 403, 'Your account is suspended', 'Suspended members cannot save searches.') };
  return { viewer };
}

const notYours = (c: Ctx, deps: Deps) => htmlError(c, deps, 404, 'Saved search not found', 'There is no such saved search among yours. It may have been deleted.');

const NOTICES: Record<string, string> = {
  saved: 'Search saved: new papers matching it will be mailed to you once a day.',
  renamed: 'Renamed.',
  on: 'Alert mail turned on.',
  off: 'Alert mail turned off.',
  deleted: 'Saved search deleted.',
  'all-off': 'All alert mail turned off.',
};

function describeFilters(s: SavedSearch): string {
  const f = s.filters;
  return [
    f.from || f.to ? `published ${f.from ?? '…'} to ${f.to ?? '…'}` : null, f.category ? `category ${f.category}` : null,
    f.organization ? `organization ${f.organization}` : null, f.hasCode ? 'has code' : null, f.listed ? 'was on a daily list' : null,
    `${s.mode} search`,
  ].filter(Boolean).join(' · ');
}

/** GET /settings/alerts: the member's saved searches, their feeds, recent matches and the forms that change them. */
export const alertsPage = (deps: Deps) => async (c: Ctx) => {
  const viewer = c.get('viewer');
  if (!viewer) return c.redirect(LOGIN, 303);
  const { db } = deps.database;
  const saved = await savedSearchesOf(db, viewer.id);
  const matches = await recentMatches(db, saved.map((s) => s.id), RECENT_MATCHES_SHOWN);
  // Saved searches followed as channels of /following (src/http/handlers/follows.ts).
  const followed = await followedAmong(db, viewer.id, 'saved_search', saved.map((s) => String(s.id)));
  const csrf = csrfToken(c, deps);
  const note = NOTICES[c.req.query('notice') ?? ''] ?? null;
  const semantic = usableSemantic(deps.semantic) !== null;
  const action = (s: SavedSearch, what: string, label: string, cls = 'button small ghost') =>
    html`<form class="inline" method="post" action="/settings/alerts/${s.id}/${what}"><input type="hidden" name="_csrf" value="${csrf}"><button class="${cls}" type="submit">${label}</button></form>`;
  const body = html`<div class="alerts-page">
<h1>Saved searches and alerts</h1>
${note ? html`<p class="notice" role="status">${note}</p>` : ''}
<p>New papers that match a saved search with alerts on are mailed to <strong>${viewer.email}</strong> once a day, in one mail for all of them.
Save a search with the “Save search / get alerts” button of the <a href="/papers/search">search page</a>.</p>
${viewer.emailVerified ? '' : html`<p class="notice" role="status">Confirm your email address (see <a href="/settings">settings</a>) to receive alerts.</p>`}
<p class="byline">${saved.length} of at most ${MAX_SAVED_SEARCHES} saved searches.</p>
${saved.length === 0 ? html`<p class="empty">No saved searches yet.</p>` : saved.map((s) => {
  const qs = alertQueryString(s, semantic);
  const recent = matches.get(s.id) ?? [];
  return html`<section class="saved-search" id="saved-${s.id}">
<h2>${s.name} ${s.alertEnabled ? html`<span class="pill">Alerts on</span>` : html`<span class="pill">Alerts off</span>`}</h2>
<p class="hint">${s.query ? html`<code>${s.query}</code> · ` : ''}${describeFilters(s)}${s.lastCheckedAt ? ` · last checked ${s.lastCheckedAt.slice(0, 16).replace('T', ' ')} UTC` : ''}</p>
<p><a href="/papers/search${searchQueryString({ q: s.query, mode: s.mode, sort: 'relevance', filters: s.filters })}">Open the search</a>
 · Feed of new papers: <a class="feed" href="/papers/search/feed.rss${qs}">RSS</a> <a class="feed" href="/papers/search/feed.atom${qs}">Atom</a> <a class="feed" href="/papers/search/feed.json${qs}">JSON Feed</a></p>
<div class="saved-actions">
<form class="inline" method="post" action="/settings/alerts/${s.id}/rename"><input type="hidden" name="_csrf" value="${csrf}"><label class="visually-hidden" for="name-${s.id}">Name</label><input id="name-${s.id}" type="text" name="name" value="${s.name}" maxlength="${MAX_SAVED_NAME}" required> <button class="button small ghost" type="submit">Rename</button></form>
${s.alertEnabled ? action(s, 'disable', 'Turn mail off') : action(s, 'enable', 'Turn mail on')}
${html`<form class="inline" method="post" action="${followed.has(String(s.id)) ? '/unfollow' : '/follow'}"><input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="kind" value="saved_search"><input type="hidden" name="value" value="${s.id}"><input type="hidden" name="next" value="/settings/alerts#saved-${s.id}"><button class="button small ghost" type="submit">${followed.has(String(s.id)) ? 'Unfollow on /following' : 'Follow on /following'}</button></form>`}
${action(s, 'delete', 'Delete', 'button small danger')}
</div>
${recent.length > 0
  ? html`<h3>Recently mailed</h3><ul class="recent-matches">${recent.map((m) => html`<li><a href="/papers/${m.paperId}">${m.title}</a> <span class="hint">${m.matchedAt.slice(0, 10)}</span></li>`)}</ul>`
  : html`<p class="hint">No new papers mailed for it yet.</p>`}
</section>`;
})}
${saved.some((s) => s.alertEnabled) ? html`<form method="post" action="/settings/alerts/off"><input type="hidden" name="_csrf" value="${csrf}"><button class="button danger" type="submit">Turn off all alert mail</button></form>` : ''}
<p><a href="/settings">Back to settings</a></p>
</div>`;
  return c.html(layout(frame(c, deps), { title: 'Saved searches and alerts', noindex: true }, body));
};

/** POST /settings/alerts: saves the search of the form (the search page's fields, and an optional name). */
export const saveSearch = (deps: Deps) => async (c: Ctx) => {
  const m = member(c, deps);
  if ('answer' in m) return m.answer;
  const body = await c.req.parseBody();
  const fields: Record<string, string> = {};
  for (const k of ['q', 'mode', 'from', 'to', 'cat', 'org', 'code', 'listed']) fields[k] = str(body, k, MAX_SAVED_QUERY + 1);
  if (fields.q!.length > MAX_SAVED_QUERY) return htmlError(c, deps, 400, 'This search cannot be saved', `A saved query has at most ${MAX_SAVED_QUERY} characters.`);
  const parsed = parseSearchParams(fields, { mode: 'hybrid', sort: 'relevance' });
  if (!parsed.ok) return htmlError(c, deps, 400, 'This search cannot be saved', parsed.message.replace(/[.!?]?$/, '.'));
  const p = parsed.params;
  // The same checks as searching: a query of nothing, only common words, or an arXiv id is not a search to follow.
  const outcome = await search(deps, { q: p.q, mode: p.mode, filters: p.filters, sort: 'date', limit: 1, offset: 0 });
  if (outcome.kind === 'empty') return htmlError(c, deps, 400, 'This search cannot be saved', 'Type words to search for (or choose a filter) first.');
  if (outcome.kind === 'redirect') return htmlError(c, deps, 400, 'This search cannot be saved', 'An arXiv id names one paper: there will be no new ones to alert you of.');
  if (outcome.kind === 'invalid') return htmlError(c, deps, 400, 'This search cannot be saved', outcome.message);
  if (outcome.kind === 'too-slow') return htmlError(c, deps, 503, 'This search cannot be saved', outcome.message);
  const { db } = deps.database;
  const created = await createSavedSearch(db, {
    userId: m.viewer.id, name: savedSearchName(str(body, 'name', 500), p.q, p.filters), query: p.q.trim(), filters: p.filters, mode: p.mode,
  }, MAX_SAVED_SEARCHES, deps.now());
  if (!created) {
    return htmlError(c, deps, 409, 'Too many saved searches', `You have ${await countSavedSearches(db, m.viewer.id)} saved searches, the most a member may keep (${MAX_SAVED_SEARCHES}). Delete one on /settings/alerts first.`);
  }
  return c.redirect(`/settings/alerts?notice=saved#saved-${created.id}`, 303);
};

/** POST /settings/alerts/:sid/rename */
export const renameSearch = (deps: Deps) => async (c: Ctx) => {
  const m = member(c, deps);
  if ('answer' in m) return m.answer;
  const id = savedId(c);
  const name = str(await c.req.parseBody(), 'name', 1000).trim().replace(/\s+/g, ' ');
  if (id === null) return notYours(c, deps);
  if (name === '' || name.length > MAX_SAVED_NAME) {
    if (!(await findOwn(deps, m.viewer.id, id))) return notYours(c, deps);
    return htmlError(c, deps, 400, 'Bad name', `A name has 1 to ${MAX_SAVED_NAME} characters.`);
  }
  if (!(await renameSavedSearch(deps.database.db, m.viewer.id, id, name, deps.now()))) return notYours(c, deps);
  return c.redirect(`/settings/alerts?notice=renamed#saved-${id}`, 303);
};

const findOwn = async (deps: Deps, userId: number, id: number) => {
  const s = await findSavedSearch(deps.database.db, id);
  return s && s.userId === userId ? s : undefined;
};

/** POST /settings/alerts/:sid/enable and /disable */
export const toggleSearch = (deps: Deps, on: boolean) => async (c: Ctx) => {
  const m = member(c, deps);
  if ('answer' in m) return m.answer;
  const id = savedId(c);
  if (id === null || !(await setAlertEnabled(deps.database.db, m.viewer.id, id, on, deps.now()))) return notYours(c, deps);
  return c.redirect(`/settings/alerts?notice=${on ? 'on' : 'off'}#saved-${id}`, 303);
};

/** POST /settings/alerts/:sid/delete */
export const deleteSearch = (deps: Deps) => async (c: Ctx) => {
  const m = member(c, deps);
  if ('answer' in m) return m.answer;
  const id = savedId(c);
  if (id === null || !(await deleteSavedSearch(deps.database.db, m.viewer.id, id))) return notYours(c, deps);
  return c.redirect('/settings/alerts?notice=deleted', 303);
};

/** POST /settings/alerts/off: every saved search's mail off. */
export const allOff = (deps: Deps) => async (c: Ctx) => {
  const m = member(c, deps);
  if ('answer' in m) return m.answer;
  await disableAllAlerts(deps.database.db, m.viewer.id, deps.now());
  return c.redirect('/settings/alerts?notice=all-off', 303);
};

// ---- signed links from the mails (no login)

/** Turns off what a signed link names; a message for the reader, or null when the link is not valid. */
async function turnOff(deps: Deps, token: string): Promise<string | null> {
  const target = await alertLinkTarget(deps.database, token);
  if (!target) return null;
  const { db } = deps.database;
  if (target.savedSearchId === null) {
    await disableAllAlerts(db, target.userId, deps.now());
    return 'You will get no more saved-search alerts. Your saved searches are kept; turn their mail back on in your settings.';
  }
  const s = await findSavedSearch(db, target.savedSearchId);
  if (!s || s.userId !== target.userId) return 'This saved search no longer exists: it sends nothing.';
  await setAlertEnabled(db, target.userId, s.id, false, deps.now());
  return `You will get no more alerts for “${s.name}”. Your other saved searches are unchanged.`;
}

const badLink = (c: Ctx, deps: Deps) => htmlError(c, deps, 400, 'This link is not valid', 'The link is incomplete or was changed. Open it again from the mail, or manage your alerts in your settings.');

/** GET /alerts/off?token=: a button (mail scanners open links; only the POST acts). */
export const turnOffPage = (deps: Deps) => async (c: Ctx) => {
  const token = (c.req.query('token') ?? '').slice(0, 100);
  const target = await alertLinkTarget(deps.database, token);
  if (!target) return badLink(c, deps);
  const s = target.savedSearchId === null ? undefined : await findSavedSearch(deps.database.db, target.savedSearchId);
  const what = target.savedSearchId === null ? 'all your saved-search alerts' : s ? `the alerts of your saved search “${s.name}”` : 'this saved search’s alerts';
  const csrf = csrfToken(c, deps);
  return c.html(messagePage(frame(c, deps), 'Turn off alerts', `Stop mailing ${what}?`,
    html`<form method="post" action="/alerts/off"><input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="token" value="${token}"><button class="button danger" type="submit">Turn off</button></form>`));
};

/** POST /alerts/off (the button above). */
export const turnOffForm = (deps: Deps) => async (c: Ctx) => {
  const said = await turnOff(deps, str(await c.req.parseBody(), 'token', 100));
  if (said === null) return badLink(c, deps);
  return c.html(messagePage(frame(c, deps), 'Alerts turned off', said, html`<p><a href="/settings/alerts">Manage saved searches</a></p>`));
};

/** POST /alerts/off/one-click?token= (RFC 8058: from the mail client's server, no cookies). */
export const turnOffOneClick = (deps: Deps) => async (c: Ctx) => {
  const said = await turnOff(deps, (c.req.query('token') ?? '').slice(0, 100));
  if (said === null) return c.text('This link is not valid.', 400);
  return c.text(said, 200);
};
