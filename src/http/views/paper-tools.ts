/**
 * The community tools in a paper page's side column: claiming authorship (or the state of one's
 * claim), flagging the paper's entry on a day's list, and moderators' tools (lock the discussion,
 * take a submission off a list). Forms post with the CSRF token and work without JavaScript.
 */
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { Claim } from '../../db/queries/claims.ts';
import { formatLongDay } from '../../domain/dates.ts';
import type { Author } from '../../domain/paper.ts';
import { reasonForm } from './moderation.ts';

type Markup = HtmlEscapedString | Promise<HtmlEscapedString>;

export interface PaperToolsModel {
  paperId: string;
  authors: Author[];
  /** Author positions already approved for some member. */
  taken: ReadonlySet<number>;
  /** The viewer's CSRF token and state; null for anonymous visitors. */
  member: { csrf: string; canAct: boolean; claim: Claim | undefined; username: string } | null;
  moderator: boolean;
  locked: boolean;
  /** Days the paper is on a list, with who submitted it there. */
  listings: { day: string; submitter: string | null }[];
}

function authorship(m: PaperToolsModel, member: NonNullable<PaperToolsModel['member']>): Markup | string {
  const claim = member.claim;
  if (claim && claim.status === 'approved') {
    return html`<p class="meta-line">You are <a href="/users/${member.username}">listed</a> as the author “${claim.authorName}”.</p>`;
  }
  if (claim && claim.status === 'pending') {
    return html`<p class="meta-line claim-status pending">Your claim to be “${claim.authorName}” is pending: a moderator will look at it.</p>`;
  }
  const denied = claim?.status === 'denied' ? html`<p class="meta-line claim-status denied">Your claim to be “${claim.authorName}” was denied: “${claim.reason ?? 'no reason given'}”. You can claim again.</p>` : '';
  const open = m.authors.map((a, i) => ({ a, i })).filter(({ i }) => !m.taken.has(i));
  if (!member.canAct || open.length === 0) return denied;
  return html`${denied}<details class="comment-action claim"><summary>I am an author of this paper</summary><form class="mod-form" method="post" action="/papers/${m.paperId}/claim">
  <input type="hidden" name="_csrf" value="${member.csrf}">
  <label for="claim-author">Which author are you?</label>
  <select id="claim-author" name="author" required>${open.map(({ a, i }) => html`<option value="${i}">${a.name}</option>`)}</select>
  <p class="hint">A moderator checks the claim; once it is approved your name links to your profile.</p>
  <button class="button ghost" type="submit">Claim</button>
</form></details>`;
}

export function paperTools(m: PaperToolsModel): Markup {
  const here = `/papers/${m.paperId}`;
  const member = m.member;
  const flaggable = member?.canAct ? m.listings.filter((l) => l.submitter !== member.username) : [];
  return html`${member && m.authors.length > 0 ? html`<section id="authorship" class="paper-tools">${authorship(m, member)}</section>` : ''}
${flaggable.map((l) => html`<p class="meta-line flag"><a href="${here}/flag?day=${l.day}" rel="nofollow">Flag its entry on the list of ${formatLongDay(l.day)}</a></p>`)}
${m.moderator && member
  ? html`<div class="editor-tools mod-tools"><strong>Moderator</strong>
  ${m.locked
    ? reasonForm({ action: `${here}/unlock`, csrf: member.csrf, id: 'unlock', summary: 'Unlock the discussion', submit: 'Unlock', next: `${here}#discussion`, required: false })
    : reasonForm({ action: `${here}/lock`, csrf: member.csrf, id: 'lock', summary: 'Lock the discussion', submit: 'Lock', next: `${here}#discussion`, required: true })}
  ${m.listings.map((l) =>
    reasonForm({ action: `${here}/remove-submission`, csrf: member.csrf, id: `remove-${l.day}`, summary: `Remove from the list of ${formatLongDay(l.day)}`, submit: 'Remove', next: here, required: true, fields: { day: l.day } }),
  )}
  <p class="meta-line"><a href="/moderation">Moderation queue</a> · <a href="/moderation/log">log</a></p>
</div>`
  : ''}`;
}
