/**
 * The notifications inbox (docs/decisions/0031-follows-and-notifications.md): GET /notifications lists the
 * member's own, newest first (?before=ID for older ones), unread ones marked; POST /notifications/:id/read,
 * /notifications/read-all and /notifications/settings (mail per kind). Every query names the viewer as the
 * owner, so another member's notification is a 404 and is never shown.
 */
import { html } from 'hono/html';
import {
  emailSettings, listNotifications, markAllRead, markRead, NOTIFICATION_KINDS, setEmailSettings, type Notification, type NotificationKind,
} from '../../db/queries/notifications.ts';
import { plainLine } from '../../domain/tex.ts';
import { csrfToken, frame, htmlError, safeNext, type Ctx, type Deps } from '../context.ts';
import type { Feed } from '../feeds/feeds.ts';
import { layout } from '../views/layout.ts';

/** Notifications per page. */
export const NOTIFICATIONS_PAGE = 50;

const KIND_LABELS: Record<NotificationKind, string> = {
  reply: 'Replies to my comments',
  mention: 'Mentions of me (@username)',
  paper: 'New papers from what I follow (at most one mail an hour)',
  claim: 'Decisions on my authorship claims',
};

const NOTICES: Record<string, string> = { 'all-read': 'All marked read.', saved: 'Mail settings saved.' };

function describe(n: Notification) {
  const paper = n.paperId ? html`<a href="/papers/${n.paperId}${n.commentId ? `#comment-${n.commentId}` : ''}">${n.paperTitle ?? n.paperId}</a>` : '';
  const who = n.actor ? html`<a href="/users/${n.actor}">${n.actor}</a>` : 'Someone';
  const excerpt = typeof n.detail.excerpt === 'string' && n.detail.excerpt ? html`<blockquote class="notification-excerpt">${n.detail.excerpt}</blockquote>` : '';
  switch (n.kind) {
    case 'reply': return html`${who} replied to your comment on ${paper}${excerpt}`;
    case 'mention': return html`${who} mentioned you on ${paper}${excerpt}`;
    case 'paper': return html`New paper ${typeof n.detail.why === 'string' ? n.detail.why : ''}: ${paper}`;
    case 'claim': {
      const approved = n.detail.approved === true;
      const reason = typeof n.detail.reason === 'string' && n.detail.reason ? html` Reason: ${n.detail.reason}` : '';
      return html`Your claim to be ${String(n.detail.authorName ?? 'an author')} of ${paper} was ${approved ? 'approved' : 'denied'}.${reason}`;
    }
  }
}

/** One notification as a line of plain text (the private feed's item title). */
export function notificationText(n: Notification): string {
  const paper = n.paperTitle ? plainLine(n.paperTitle) : (n.paperId ?? 'a paper');
  const who = n.actor ?? 'Someone';
  switch (n.kind) {
    case 'reply': return `${who} replied to your comment on ${paper}`;
    case 'mention': return `${who} mentioned you on ${paper}`;
    case 'paper': return `New paper${typeof n.detail.why === 'string' && n.detail.why ? ` ${n.detail.why}` : ''}: ${paper}`;
    case 'claim': return `Your claim to be ${String(n.detail.authorName ?? 'an author')} of ${paper} was ${n.detail.approved === true ? 'approved' : 'denied'}`;
  }
}

/** The private feed of a member's latest notifications (/feeds/private/TOKEN/notifications.*; the token is For you's). */
export async function notificationsFeed(deps: Deps, userId: number, path: string, size: number): Promise<Feed> {
  const base = deps.site.publicUrl;
  const items = await listNotifications(deps.database.db, userId, { limit: size });
  return {
    id: `${base}/notifications`, link: `${base}/notifications`, title: `Notifications · ${deps.site.name}`, description: 'Replies, mentions, new papers from what you follow, claim decisions.',
    updated: new Date(items[0]?.createdAt ?? '1970-01-01T00:00:00.000Z'),
    links: { rss: `${base}${path}.rss`, atom: `${base}${path}.atom`, json: `${base}${path}.json` },
    items: items.map((n) => ({
      // The entry's address leads to the paper (and comment) it is about; a claim's decision to the inbox.
      id: n.kind === 'claim' || !n.paperId ? `${base}/notifications#n-${n.id}` : `${base}/papers/${n.paperId}${n.commentId ? `#comment-${n.commentId}` : ''}`,
      title: notificationText(n),
      summary: typeof n.detail.excerpt === 'string' ? n.detail.excerpt : typeof n.detail.reason === 'string' ? n.detail.reason : '',
      authors: n.actor ? [n.actor] : [],
      categories: [n.kind],
      date: new Date(n.createdAt),
    })),
  };
}

/** GET /notifications */
export const inboxPage = (deps: Deps) => async (c: Ctx) => {
  const viewer = c.get('viewer');
  if (!viewer) return c.redirect('/login?next=%2Fnotifications', 303);
  const rawBefore = c.req.query('before');
  const before = rawBefore === undefined ? undefined : /^[1-9][0-9]{0,9}$/.test(rawBefore) ? Number(rawBefore) : null;
  if (before === null) return htmlError(c, deps, 400, 'Bad address', 'before= takes a notification number.');
  const { db } = deps.database;
  const items = await listNotifications(db, viewer.id, { limit: NOTIFICATIONS_PAGE + 1, beforeId: before });
  const more = items.length > NOTIFICATIONS_PAGE;
  const shown = items.slice(0, NOTIFICATIONS_PAGE);
  const settings = await emailSettings(db, viewer.id);
  const csrf = csrfToken(c, deps);
  const note = NOTICES[c.req.query('notice') ?? ''] ?? null;
  const here = before ? `/notifications?before=${before}` : '/notifications';
  const body = html`<div class="notifications-page">
<h1>Notifications</h1>
${note ? html`<p class="notice" role="status">${note}</p>` : ''}
<p>Replies to your comments, mentions, decisions on your authorship claims, and new papers from <a href="/following">what you follow</a>.</p>
${shown.some((n) => !n.readAt) ? html`<form method="post" action="/notifications/read-all"><input type="hidden" name="_csrf" value="${csrf}"><button class="button small" type="submit">Mark all read</button></form>` : ''}
${shown.length === 0 ? html`<p class="empty">No notifications${before ? ' older than these' : ' yet'}.</p>` : html`<ol class="notification-list">${shown.map((n) => html`<li class="notification${n.readAt ? '' : ' unread'}" id="n-${n.id}">
<p>${n.readAt ? '' : html`<span class="pill">New</span> `}${describe(n)}</p>
<p class="hint"><time datetime="${n.createdAt}">${n.createdAt.slice(0, 16).replace('T', ' ')} UTC</time>${n.readAt ? '' : html` · <form class="inline" method="post" action="/notifications/${n.id}/read"><input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="next" value="${here}#n-${n.id}"><button class="link" type="submit">Mark read</button></form>`}</p>
</li>`)}</ol>`}
${more ? html`<p><a class="button ghost" href="/notifications?before=${shown.at(-1)!.id}">Older notifications</a></p>` : ''}
<section id="settings" class="notification-settings"><h2>Mail</h2>
<form method="post" action="/notifications/settings"><input type="hidden" name="_csrf" value="${csrf}">
<fieldset><legend>Also send me an email for</legend>
${NOTIFICATION_KINDS.map((k) => html`<label class="check"><input type="checkbox" name="email_${k}" value="1"${settings[k] ? html` checked` : ''}> ${KIND_LABELS[k]}</label><br>`)}
</fieldset>
<p class="hint">Mail goes to ${viewer.email}${viewer.emailVerified ? '' : ' once you confirm it'}. The daily and weekly digests and saved-search alerts have their own settings: <a href="/settings/subscription">digest</a>, <a href="/settings/alerts">alerts</a>.</p>
<button class="button small" type="submit">Save</button>
</form></section>
</div>`;
  return c.html(layout(frame(c, deps), { title: 'Notifications', noindex: true }, body));
};

const memberOnly = (c: Ctx) => (c.get('viewer') ? null : c.redirect('/login?next=%2Fnotifications', 303));

/** POST /notifications/:id/read */
export const readOne = (deps: Deps) => async (c: Ctx) => {
  const refused = memberOnly(c);
  if (refused) return refused;
  const raw = c.req.param('id') ?? '';
  const id = /^[1-9][0-9]{0,9}$/.test(raw) ? Number(raw) : null;
  const body = await c.req.parseBody();
  const viewer = c.get('viewer')!;
  if (id === null || !(await markReadOrOwned(deps, viewer.id, id))) return htmlError(c, deps, 404, 'Notification not found', 'There is no such notification among yours.');
  const next = typeof body.next === 'string' ? safeNext(body.next) : '/notifications';
  return c.redirect(next.startsWith('/notifications') ? next : '/notifications', 303);
};

async function markReadOrOwned(deps: Deps, userId: number, id: number): Promise<boolean> {
  if (await markRead(deps.database.db, userId, id, deps.now())) return true;
  // Already read: still the member's own (a second click is not an error).
  const own = await deps.database.db.selectFrom('notifications').select('id').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
  return Boolean(own);
}

/** POST /notifications/read-all */
export const readAll = (deps: Deps) => async (c: Ctx) => {
  const refused = memberOnly(c);
  if (refused) return refused;
  await markAllRead(deps.database.db, c.get('viewer')!.id, deps.now());
  return c.redirect('/notifications?notice=all-read', 303);
};

/** POST /notifications/settings: a checkbox per kind (unchecked: no mail of it). */
export const saveSettings = (deps: Deps) => async (c: Ctx) => {
  const refused = memberOnly(c);
  if (refused) return refused;
  const body = await c.req.parseBody();
  const settings = Object.fromEntries(NOTIFICATION_KINDS.map((k) => [k, body[`email_${k}`] === '1'])) as Record<NotificationKind, boolean>;
  await setEmailSettings(deps.database.db, c.get('viewer')!.id, settings);
  return c.redirect('/notifications?notice=saved#settings', 303);
};
