/** GET /admin/outbox: the mail the site sent or holds (without an SMTP relay, this is where mail goes). */
import { html } from 'hono/html';
import { recentMail, type OutboxMail } from '../../db/queries/outbox.ts';
import { frame, htmlError, type Ctx, type Deps } from '../context.ts';
import { layout } from '../views/layout.ts';
import { can } from '../../domain/permissions.ts';

/** How a mail stands: sent, held (with why, and when it is tried again), failed for good, or cancelled. */
function outboxState(m: OutboxMail): string {
  if (m.status === 'sent' || m.sentAt) return 'sent';
  if (m.status === 'failed') return `failed: ${m.lastError ?? ''}`;
  if (m.status === 'cancelled') return 'cancelled (unsubscribed or bounced)';
  return m.lastError ? `held: ${m.lastError} (retry after ${(m.nextAttemptAt ?? '').slice(0, 16).replace('T', ' ')})` : 'held';
}

/** Mails listed on the page, newest first. */
export const OUTBOX_PAGE_SIZE = 100;

export const outboxPage = (deps: Deps) => async (c: Ctx) => {
  const viewer = c.get('viewer');
  if (!viewer) return c.redirect('/login?next=%2Fadmin%2Foutbox', 303);
  // It holds live password-reset and confirmation links: a suspended admin holds no privilege.
  if (!can(viewer, 'admin')) return htmlError(c, deps, 403, 'Admins only', 'The outbox holds members’ mail; only admins read it.');
  c.header('Cache-Control', 'private, no-store');
  const mails = await recentMail(deps.database.db, OUTBOX_PAGE_SIZE);
  return c.html(
    layout(
      frame(c, deps),
      { title: 'Outbox', noindex: true },
      html`<div class="prose" style="max-width:none">
<h1>Outbox</h1>
<p class="meta-line"><a href="/admin/jobs">Background jobs</a> (mail delivery, digests, harvesting)</p>
<p>Every mail the site sends is recorded here. Mail marked “held” was not sent: no SMTP relay is configured (set <code>SMTP_URL</code>), or the relay refused it and it is retried later. <a href="/admin/mail-preview">Preview the digest mails</a>.</p>
${mails.length === 0 ? html`<p class="empty">No mail yet.</p>` : ''}
${mails.map(
  (m) => html`<details class="mail"><summary><strong>${m.subject}</strong> → ${m.to} · ${m.createdAt.slice(0, 16).replace('T', ' ')} · ${m.kind} · ${outboxState(m)}</summary><pre>${m.text}</pre></details>`,
)}
</div>`,
    ),
  );
};

/** The admin pages, each with the least role that opens it (the pages check again on the server). */
const ADMIN_PAGES: readonly { href: string; label: string; what: string; role: 'editor' | 'moderator' | 'admin' }[] = [
  { href: '/moderation', label: 'Moderation queue', what: 'Flagged comments and submissions, authorship claims.', role: 'moderator' },
  { href: '/moderation/log', label: 'Moderation log', what: 'Every moderator action, newest first.', role: 'moderator' },
  { href: '/admin/organizations', label: 'Organizations', what: 'Create and edit organizations, name their members.', role: 'admin' },
  { href: '/admin/jobs', label: 'Background jobs', what: 'Harvesting, digests, mail delivery, embeddings: run, enable, disable.', role: 'admin' },
  { href: '/admin/outbox', label: 'Outbox', what: 'Every mail the site sent or holds.', role: 'admin' },
  { href: '/admin/mail-preview', label: 'Mail previews', what: 'The digest and alert mails as members get them.', role: 'admin' },
];

/** GET /admin: one page linking every admin page the viewer's role opens (reachable from the member menu). */
export const adminIndex = (deps: Deps) => async (c: Ctx) => {
  const viewer = c.get('viewer');
  if (!viewer) return c.redirect('/login?next=%2Fadmin', 303);
  if (!can(viewer, 'editor')) return htmlError(c, deps, 403, 'Staff only', 'This page lists the pages of editors, moderators and admins.');
  c.header('Cache-Control', 'private, no-store');
  const pages = ADMIN_PAGES.filter((p) => can(viewer, p.role));
  return c.html(
    layout(
      frame(c, deps),
      { title: 'Admin', noindex: true },
      html`<div class="prose admin-index">
<h1>Admin</h1>
<p class="meta-line">Signed in as ${viewer.username} (${viewer.role}).</p>
${pages.length > 0
  ? html`<ul class="admin-links">${pages.map((p) => html`<li><a href="${p.href}">${p.label}</a> <span>${p.what}</span></li>`)}</ul>`
  : ''}
<p>Editors work from the papers themselves: a paper’s page has the tools to add it to a day’s list, take it off, or feature it.</p>
</div>`,
    ),
  );
};
