/**
 * Moderation views: the forms members flag with and moderators act with (each a POST with the CSRF
 * token that works without JavaScript), the queue of open flags and pending claims (/moderation) and
 * the moderation log (/moderation/log).
 */
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { Claim } from '../../db/queries/claims.ts';
import type { LogEntry, OpenFlag } from '../../db/queries/moderation.ts';
import { formatCardDate, formatLongDay } from '../../domain/dates.ts';
import {
  FLAG_DETAILS_MAX, FLAG_REASON_KEYS, FLAG_REASONS, MODERATION_ACTIONS, MODERATION_REASON_MAX, type FlagReason,
} from '../../domain/moderation.ts';
import { pager } from './cards.ts';
import { layout, type Frame } from './layout.ts';
import { excerpt, mathText } from './text.ts';

type Markup = HtmlEscapedString | Promise<HtmlEscapedString>;

const hidden = (fields: Record<string, string>) => Object.entries(fields).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`);

/**
 * The page a "Flag" link opens (GET /comments/:cid/flag, /papers/:id/flag?day=): what is flagged, a
 * reason from FLAG_REASONS and optional details. A page rather than a form under every comment keeps
 * long threads light.
 */
export function flagPage(frame: Frame & { csrf: string }, f: { title: string; what: Markup; action: string; back: string; fields?: Record<string, string>; error?: string | null; reason?: string; details?: string }) {
  return layout(
    frame,
    { title: f.title, noindex: true },
    html`<div class="form-page wide">
  <h1>${f.title}</h1>
  ${f.what}
  ${f.error ? html`<p class="form-error" role="alert">${f.error}</p>` : ''}
  <form class="mod-form" method="post" action="${f.action}">
  ${hidden({ _csrf: frame.csrf, ...f.fields })}
  <fieldset><legend>What is wrong?</legend>${FLAG_REASON_KEYS.map(
    (k, i) => html`<label><input type="radio" name="reason" value="${k}"${k === f.reason ? ' checked' : ''}${i === 0 ? ' required' : ''}> ${FLAG_REASONS[k]}</label>`,
  )}</fieldset>
  <label for="flag-details">Details (optional, for the moderators)</label>
  <textarea id="flag-details" name="details" rows="3" maxlength="${FLAG_DETAILS_MAX}">${f.details ?? ''}</textarea>
  <button class="button" type="submit">Send to the moderators</button>
  </form>
  <p class="after"><a href="${f.back}">Back</a></p>
</div>`,
  );
}

/** A moderator's action with a reason for the log, folded into a <details>. */
export function reasonForm(f: { action: string; csrf: string; id: string; summary: string; submit: string; next: string; required: boolean; value?: string; fields?: Record<string, string> }): Markup {
  return html`<details class="comment-action mod"><summary>${f.summary}</summary><form class="mod-form" method="post" action="${f.action}">
  ${hidden({ _csrf: f.csrf, next: f.next, ...f.fields })}
  <label for="${f.id}">Reason${f.required ? '' : ' (optional)'}</label>
  <input id="${f.id}" name="reason" type="text" maxlength="${MODERATION_REASON_MAX}" value="${f.value ?? ''}"${f.required ? ' required' : ''}>
  <button class="button ghost" type="submit">${f.submit}</button>
</form></details>`;
}

const reasonLabel = (r: string) => FLAG_REASONS[r as FlagReason] ?? r;
const when = (iso: string, now: Date) => html`<time datetime="${iso}" title="${iso.slice(0, 16).replace('T', ' ')} UTC">${formatCardDate(iso, now)}</time>`;

/** One item of the queue (a comment or a submission) with the open flags on it. */
function flaggedItem(flags: OpenFlag[], csrf: string, now: Date) {
  const f = flags[0]!;
  const firstReason = reasonLabel(f.reason);
  const paper = html`<a href="/papers/${f.paperId}">${mathText(f.paperTitle)}</a>`;
  let what: Markup;
  let act: Markup | string = '';
  if (f.targetType === 'comment') {
    const c = f.comment;
    what = html`<p><strong>Comment <a href="/comments/${f.commentId}">#${f.commentId}</a></strong> by ${c ? html`<a href="/users/${c.author}">${c.author}</a>` : 'a member'} on ${paper}${c?.hidden ? ' · already hidden' : c?.deleted ? ' · deleted by its author' : ''}</p>
      ${c ? html`<blockquote class="flagged-text">${excerpt(c.body, 600)}</blockquote>` : ''}`;
    if (c && !c.hidden) {
      act = reasonForm({ action: `/comments/${f.commentId}/hide`, csrf, id: `hide-${f.id}`, summary: 'Hide the comment', submit: 'Hide', next: '/moderation', required: true, value: firstReason });
    }
  } else {
    const s = f.submission;
    what = html`<p><strong>Submission</strong> of ${paper} to the list of ${f.day ? html`<a href="/papers/date/${f.day}">${formatLongDay(f.day)}</a>` : 'a day'}${s?.submitter ? html` by ${s.submitter}` : ''}${f.entryId === null ? ' · no longer on the list' : ''}</p>
      ${s?.comment ? html`<blockquote class="flagged-text">${s.comment}</blockquote>` : ''}`;
    if (f.entryId !== null && f.day) {
      act = reasonForm({ action: `/papers/${f.paperId}/remove-submission`, csrf, id: `remove-${f.id}`, summary: 'Remove it from the list', submit: 'Remove', next: '/moderation', required: true, value: firstReason, fields: { day: f.day } });
    }
  }
  return html`<li class="mod-item">
  ${what}
  <ul class="mod-flags">${flags.map(
    (x) => html`<li><strong>${reasonLabel(x.reason)}</strong>${x.details ? html`: “${x.details}”` : ''} · flagged by ${x.flagger} ${when(x.createdAt, now)}
      ${reasonForm({ action: `/moderation/flags/${x.id}/dismiss`, csrf, id: `dismiss-${x.id}`, summary: 'Dismiss', submit: 'Dismiss the flag', next: '/moderation', required: false })}</li>`,
  )}</ul>
  <div class="comment-actions">${act}</div>
</li>`;
}

/** Flags grouped by the item they are about, in the order of the oldest flag of each. */
function groupFlags(flags: OpenFlag[]): OpenFlag[][] {
  const groups = new Map<string, OpenFlag[]>();
  for (const f of flags) {
    const key = f.commentId !== null ? `c${f.commentId}` : f.entryId !== null ? `e${f.entryId}` : `gone ${f.paperId} ${f.day}`;
    const g = groups.get(key);
    if (g) g.push(f);
    else groups.set(key, [f]);
  }
  return [...groups.values()];
}

function claimItem(c: Claim, csrf: string, now: Date) {
  return html`<li class="mod-item">
  <p><a href="/users/${c.username}">${c.username}</a> says they are <strong>${c.authorName}</strong> (author ${c.authorIndex + 1}) of <a href="/papers/${c.paperId}">${mathText(c.paperTitle)}</a> · ${when(c.createdAt, now)}</p>
  <div class="comment-actions">
    ${reasonForm({ action: `/claims/${c.id}/approve`, csrf, id: `approve-${c.id}`, summary: 'Approve', submit: 'Approve the claim', next: '/moderation', required: false })}
    ${reasonForm({ action: `/claims/${c.id}/deny`, csrf, id: `deny-${c.id}`, summary: 'Deny', submit: 'Deny the claim', next: '/moderation', required: true })}
  </div>
</li>`;
}

export interface QueueModel {
  csrf: string;
  flags: OpenFlag[];
  openFlags: number;
  claims: Claim[];
  suspended: { username: string; suspendedAt: string }[];
  now: Date;
}

export function queuePage(frame: Frame, m: QueueModel) {
  const groups = groupFlags(m.flags);
  return layout(
    frame,
    { title: 'Moderation', noindex: true },
    html`<div class="prose moderation">
<h1>Moderation</h1>
<p><a href="/moderation/log">The moderation log</a> records every action taken here, with its reason.</p>
<h2 id="flags">Open flags (${m.openFlags})</h2>
${groups.length === 0 ? html`<p class="empty">No open flags.</p>` : html`<ol class="mod-list">${groups.map((g) => flaggedItem(g, m.csrf, m.now))}</ol>`}
${m.openFlags > m.flags.length ? html`<p class="hint">The oldest ${m.flags.length} are shown; the rest come when these are handled.</p>` : ''}
<h2 id="claims">Authorship claims (${m.claims.length})</h2>
${m.claims.length === 0 ? html`<p class="empty">No claims waiting.</p>` : html`<ol class="mod-list">${m.claims.map((c) => claimItem(c, m.csrf, m.now))}</ol>`}
<h2 id="suspended">Suspended members (${m.suspended.length})</h2>
${m.suspended.length === 0
  ? html`<p>Nobody is suspended. Members are suspended from their profile page.</p>`
  : html`<ul class="mod-list">${m.suspended.map(
      (s) => html`<li class="mod-item"><a href="/users/${s.username}">${s.username}</a> · since ${when(s.suspendedAt, m.now)}
        ${reasonForm({ action: `/users/${s.username}/unsuspend`, csrf: m.csrf, id: `unsuspend-${s.username}`, summary: 'Unsuspend', submit: 'Unsuspend', next: '/moderation', required: false })}</li>`,
    )}</ul>`}
</div>`,
  );
}

/** What a log row was about, as a link where there is one. */
function target(e: LogEntry) {
  switch (e.targetType) {
    case 'comment':
      return html`<a href="/comments/${e.targetId}">comment #${e.targetId}</a>${e.paperId ? html` on <a href="/papers/${e.paperId}">${e.paperId}</a>` : ''}`;
    case 'paper':
      return html`discussion of <a href="/papers/${e.targetId}">${e.targetId}</a>`;
    case 'submission':
      return html`<a href="/papers/${e.paperId}">${e.paperId}</a> on ${e.day ? html`<a href="/papers/date/${e.day}">${e.day}</a>` : 'a day'}`;
    case 'user':
      return html`<a href="/users/${e.targetId}">${e.targetId}</a>`;
    case 'flag':
      return html`flag #${e.targetId}${e.paperId ? html` on <a href="/papers/${e.paperId}">${e.paperId}</a>` : ''}`;
    case 'claim':
      return html`claim #${e.targetId}${e.paperId ? html` on <a href="/papers/${e.paperId}">${e.paperId}</a>` : ''}`;
  }
}

export function logPage(frame: Frame, m: { entries: LogEntry[]; page: number; pages: number; now: Date }) {
  return layout(
    frame,
    { title: 'Moderation log', noindex: true },
    html`<div class="prose moderation" style="max-width:none">
<h1>Moderation log</h1>
<p>Every moderator action, newest first. <a href="/moderation">Back to the queue</a>.</p>
${m.entries.length === 0
  ? html`<p class="empty">Nothing has been moderated yet.</p>`
  : html`<div class="table-scroll"><table class="mod-log">
<thead><tr><th>When</th><th>Moderator</th><th>Action</th><th>On</th><th>Member</th><th>Reason</th></tr></thead>
<tbody>${m.entries.map(
  (e) => html`<tr data-action="${e.action}"><td>${when(e.createdAt, m.now)}</td><td>${e.moderator}</td><td>${MODERATION_ACTIONS[e.action] ?? e.action}</td><td>${target(e)}</td><td>${e.member ? html`<a href="/users/${e.member}">${e.member}</a>` : ''}</td><td>${e.reason ?? ''}</td></tr>`,
)}</tbody></table></div>`}
${pager(m.page, m.pages, (n) => (n === 1 ? '/moderation/log' : `/moderation/log?p=${n}`))}
</div>`,
  );
}
