/**
 * A member's profile (/users/:username): their papers (approved authorship claims they have not
 * hidden), the papers they put on the lists, and their comments. The member sees their own claims
 * in every state (pending, or denied with the moderator's reason) and can hide a paper; moderators
 * see whether the member is suspended and can suspend or unsuspend them.
 */
import type { HtmlEscapedString } from 'hono/utils/html';
import { html } from 'hono/html';
import type { Claim } from '../../db/queries/claims.ts';
import type { Profile, ProfileComment, ProfileSubmission } from '../../db/queries/profiles.ts';
import { PROFILE_EXCERPT_LENGTH } from '../../domain/claims.ts';
import { formatCardDate, formatLongDay } from '../../domain/dates.ts';
import { layout, type Frame } from './layout.ts';
import { reasonForm } from './moderation.ts';
import { escapeHtml, excerpt, mathText } from './text.ts';
import { mathToPlain } from '../../domain/tex.ts';
import { avatarHue, initials } from '../../domain/profile.ts';

export interface ProfileModel {
  profile: Profile;
  /** Approved claims shown on the profile; for its owner every claim, hidden and pending ones too. */
  claims: Claim[];
  submissions: ProfileSubmission[];
  comments: ProfileComment[];
  /** The viewer is this member (their CSRF token), or a moderator (theirs), or neither. */
  own: { csrf: string } | null;
  /** `problem`: why this moderator may not suspend (or unsuspend) the member, or null. */
  moderator: { csrf: string; problem: string | null } | null;
  now: Date;
  /** Follow the author this member claimed to be (src/http/follow-control.ts), when they have approved claims. */
  follow?: HtmlEscapedString | string;
}

const ENTITIES: Record<string, string> = { '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&amp;': '&' };
const unescapeBasic = (s: string) => s.replace(/&(?:lt|gt|quot|#39|amp);/g, (e) => ENTITIES[e]!);
/**
 * The text of a comment's stored, sanitized HTML (for an excerpt that the template escapes again). A
 * formula (KaTeX MathML, which carries its TeX in an annotation) reads as plain math, not as the
 * MathML's letters run together with its source.
 */
const textOf = (h: string) => unescapeBasic(h
  .replace(/<math\b[\s\S]*?<annotation encoding="application\/x-tex">([\s\S]*?)<\/annotation>[\s\S]*?<\/math>/g, (_m, tex: string) => ` ${escapeHtml(mathToPlain(unescapeBasic(tex)))} `)
  .replace(/<[^>]*>/g, ' ')).replace(/\s+/g, ' ').trim();

const STATUS = { pending: 'pending: a moderator will look at it', approved: 'approved', denied: 'denied' } as const;

function paperItem(c: Claim, m: ProfileModel) {
  const here = `/users/${m.profile.username}`;
  const state = m.own && c.status !== 'approved'
    ? html` <span class="claim-status ${c.status}">claim ${STATUS[c.status]}${c.status === 'denied' && c.reason ? html`: “${c.reason}”` : ''}</span>`
    : m.own && c.hidden ? html` <span class="claim-status">hidden from your profile</span>` : '';
  const toggle = m.own && c.status === 'approved'
    ? html`<form class="inline" method="post" action="/claims/${c.id}/${c.hidden ? 'show' : 'hide'}"><input type="hidden" name="_csrf" value="${m.own.csrf}"><input type="hidden" name="next" value="${here}"><button class="link" type="submit">${c.hidden ? 'Show on my profile' : 'Hide from my profile'}</button></form>`
    : '';
  return html`<li data-claim="${c.id}"><a href="/papers/${c.paperId}">${mathText(c.paperTitle)}</a> <span class="meta-line">as ${c.authorName}</span>${state} ${toggle}</li>`;
}

/** The member's avatar: their initials on a colour of their username, drawn here (no image from elsewhere). */
export function avatarSvg(username: string, name: string, size: number) {
  return html`<svg class="avatar" width="${size}" height="${size}" viewBox="0 0 64 64" role="img" aria-label="Avatar of ${name}"><rect width="64" height="64" rx="32" fill="hsl(${avatarHue(username)} 55% 30%)"/><text x="32" y="33" text-anchor="middle" dominant-baseline="central" font-family="system-ui, sans-serif" font-size="26" font-weight="700" fill="#fff">${initials(name)}</text></svg>`;
}

export function profilePage(frame: Frame, m: ProfileModel) {
  const p = m.profile;
  const name = p.displayName?.trim() || p.username;
  const mod = m.moderator;
  const here = `/users/${p.username}`;
  return layout(
    frame,
    { title: name, canonical: here, noindex: m.claims.length + m.submissions.length + m.comments.length === 0 },
    html`<div class="prose profile">
<div class="profile-head">${avatarSvg(p.username, name, 72)}<div>
<h1>${name}${p.displayName ? html` <span class="meta-line">@${p.username}</span>` : ''}</h1>
${p.bio ? html`<p class="bio">${p.bio}</p>` : ''}
<p class="meta-line">Member since ${formatLongDay(p.createdAt.slice(0, 10))}${p.role !== 'member' ? ` · ${p.role}` : ''}${mod && p.suspended ? ' · suspended' : ''}</p>
${m.follow ?? ''}
</div></div>
${mod
  ? html`<div class="mod-tools"><strong>Moderator</strong> ${mod.problem !== null
      ? html`<span class="meta-line">${mod.problem}</span>`
      : p.suspended
        ? reasonForm({ action: `${here}/unsuspend`, csrf: mod.csrf, id: 'unsuspend', summary: 'Unsuspend', submit: 'Unsuspend', next: here, required: false })
        : reasonForm({ action: `${here}/suspend`, csrf: mod.csrf, id: 'suspend', summary: 'Suspend', submit: 'Suspend the member', next: here, required: true })}</div>`
  : ''}
<h2 id="papers">Papers</h2>
${m.claims.length === 0 ? html`<p class="meta-line">No papers${m.own ? ': claim authorship from a paper’s page (“I am this author”).' : '.'}</p>` : html`<ul class="profile-list">${m.claims.map((c) => paperItem(c, m))}</ul>`}
<h2 id="submissions">Submitted to the daily lists</h2>
${m.submissions.length === 0
  ? html`<p class="meta-line">No submissions.</p>`
  : html`<ul class="profile-list">${m.submissions.map((s) => html`<li><a href="/papers/${s.paperId}">${mathText(s.title)}</a> <span class="meta-line">on the list of <a href="/papers/date/${s.day}">${formatLongDay(s.day)}</a></span></li>`)}</ul>`}
<h2 id="comments">Comments</h2>
${m.comments.length === 0
  ? html`<p class="meta-line">No comments.</p>`
  : html`<ul class="profile-list">${m.comments.map(
      (c) => html`<li><p class="meta-line">On <a href="/papers/${c.paperId}#comment-${c.id}">${mathText(c.paperTitle)}</a> · ${formatCardDate(c.createdAt, m.now)}</p><p>${excerpt(textOf(c.bodyHtml), PROFILE_EXCERPT_LENGTH)}</p></li>`,
    )}</ul>`}
</div>`,
  );
}
