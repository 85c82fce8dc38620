/**
 * A paper's discussion: the count, the order switch, the form to comment (or the link to log in), and
 * the thread, nested up to MAX_DEPTH_SHOWN levels. Every control is a form that works without
 * JavaScript (reply, edit and delete open in <details>) and carries the CSRF token.
 */
import { html, raw } from 'hono/html';
import { EDIT_WINDOW_MINUTES, MAX_COMMENT_LENGTH, MAX_DEPTH_SHOWN, type CommentSort } from '../../domain/comments.ts';
import { formatCardDate } from '../../domain/dates.ts';
import type { ShownComment } from '../comment-actions.ts';
import { layout, type Frame } from './layout.ts';
import { reasonForm } from './moderation.ts';

export interface DiscussionModel {
  paperId: string;
  sort: CommentSort;
  /** In reading order, with depths (loadThread). */
  comments: ShownComment[];
  /** Shown = imported from Hugging Face + this site's (not deleted or hidden) comments. */
  counts: { shown: number; imported: number; local: number };
  /**
   * Null for anonymous visitors; `problem` says why a member may only read (suspended, email not
   * confirmed); `moderator`: hide and restore comments, and write in a locked discussion.
   */
  member: { csrf: string; problem: string | null; moderator?: boolean } | null;
  /** A moderator locked the discussion: no new comments or replies (src/db/queries/moderation.ts). */
  locked?: boolean;
  now: Date;
}

/** What a locked discussion says to everyone. */
export const LOCKED_NOTICE = 'This discussion is locked by a moderator: no new comments or replies.';

interface Node {
  c: ShownComment;
  kids: Node[];
}

/** The flat reading order as a tree whose depth stops at MAX_DEPTH_SHOWN: deeper replies join the last level. */
function nest(list: ShownComment[]): Node[] {
  const roots: Node[] = [];
  const open: Node[] = [];
  for (const c of list) {
    const d = Math.min(c.depth, MAX_DEPTH_SHOWN);
    const node: Node = { c, kids: [] };
    (d === 0 ? roots : (open[d - 1]?.kids ?? roots)).push(node);
    open[d] = node;
    open.length = d + 1;
  }
  return roots;
}

const plural = (n: number, word: string) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;

/** Comments imported from Hugging Face are counted, not copied: their thread is on HF's page, linked. */
function countLine(paperId: string, { shown, imported, local }: DiscussionModel['counts']) {
  if (shown === 0) return 'No comments yet.';
  if (imported === 0) return plural(shown, 'comment');
  // The count of Hugging Face's comments links to their thread there (their text is not imported).
  const hf = html`<a href="https://huggingface.co/papers/${paperId}#community" rel="noopener">${imported.toLocaleString('en-US')} on Hugging Face</a>`;
  return html`${plural(shown, 'comment')}: ${hf}, ${local.toLocaleString('en-US')} here.`;
}

const MARKDOWN_HINT = html`<p class="hint">Markdown: <code>*emphasis*</code>, <code>**bold**</code>, <code>\`code\`</code>, <code>\`\`\`</code> blocks, <code>[links](https://…)</code>, <code>$x^2$</code> math. <code>@username</code> notifies a member.</p>`;

/** A textarea form: a new comment, a reply (parentId) or an edit. */
function textForm(f: { action: string; csrf: string; id: string; label: string; submit: string; parentId?: number; value?: string; hint?: boolean }) {
  return html`<form class="comment-form" method="post" action="${f.action}">
  <input type="hidden" name="_csrf" value="${f.csrf}">${f.parentId !== undefined ? html`<input type="hidden" name="parent_id" value="${f.parentId}">` : ''}
  <label for="${f.id}">${f.label}</label>
  <textarea id="${f.id}" name="body" rows="${f.parentId === undefined && f.value === undefined ? 5 : 4}" maxlength="${MAX_COMMENT_LENGTH}" required>
${f.value ?? ''}</textarea>
  ${f.hint ? MARKDOWN_HINT : ''}
  <button class="button" type="submit">${f.submit}</button>
</form>`;
}

const fullTime = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

function comment(n: Node, m: DiscussionModel, authors: Map<number, string | null>, here: string): ReturnType<typeof html> {
  const { c } = n;
  const gone = c.deleted || c.hidden;
  const can = m.member !== null && m.member.problem === null ? m.member : null;
  const writable = can !== null && (!m.locked || can.moderator === true);
  const mod = can?.moderator ? can : null;
  const capped = c.depth > MAX_DEPTH_SHOWN && c.parentId !== null;
  const head = html`<p class="comment-head">
      ${c.author === null ? '' : html`<span class="comment-author">${c.author}</span>`}
      <a class="comment-time" href="/papers/${c.paperId}#comment-${c.id}"><time datetime="${c.createdAt}" title="${fullTime(c.createdAt)}">${formatCardDate(c.createdAt, m.now)}</time></a>
      ${c.editedAt && !gone ? html`<span class="comment-edited" title="edited ${fullTime(c.editedAt)}">edited</span>` : ''}
      ${capped ? html`<a class="comment-parent" href="#comment-${c.parentId}">in reply to ${authors.get(c.parentId!) ?? '[deleted]'}</a>` : ''}
    </p>`;
  const body = gone
    ? html`<p class="comment-gone">${c.hidden ? '[removed by a moderator]' : '[deleted]'}</p>`
    : html`<div class="comment-body">${raw(c.html ?? '')}</div>`;
  const score = html`<span class="count">${c.score}</span><span class="visually-hidden"> upvote${c.score === 1 ? '' : 's'}</span>`;
  const vote =
    can && !gone && !c.mine
      ? html`<form class="comment-vote" method="post" action="/comments/${c.id}/vote">
        <input type="hidden" name="_csrf" value="${can.csrf}"><input type="hidden" name="value" value="${c.upvoted ? '0' : '1'}"><input type="hidden" name="next" value="${here}#comment-${c.id}">
        <button type="submit" class="comment-score${c.upvoted ? ' voted' : ''}" aria-pressed="${c.upvoted ? 'true' : 'false'}" title="${c.upvoted ? 'Remove your upvote' : 'Upvote'}"><span class="arrow" aria-hidden="true">▲</span>${score}</button>
      </form>`
      : gone
        ? ''
        : html`<span class="comment-score" title="${plural(c.score, 'upvote')}"><span class="arrow" aria-hidden="true">▲</span>${score}</span>`;
  const moderation = html`${can && !gone && !c.mine ? html`<a class="comment-flag" href="/comments/${c.id}/flag" rel="nofollow">Flag</a>` : ''}
      ${mod && !gone ? reasonForm({ action: `/comments/${c.id}/hide`, csrf: mod.csrf, id: `hide-${c.id}`, summary: 'Hide', submit: 'Hide the comment', next: `${here}#comment-${c.id}`, required: true }) : ''}
      ${mod && c.hidden ? reasonForm({ action: `/comments/${c.id}/restore`, csrf: mod.csrf, id: `restore-${c.id}`, summary: 'Restore', submit: 'Restore the comment', next: `${here}#comment-${c.id}`, required: false }) : ''}`;
  const actions =
    can && !gone
      ? html`${writable ? html`<details class="comment-action"><summary>Reply</summary>${textForm({ action: `/papers/${c.paperId}/comments`, csrf: can.csrf, id: `reply-${c.id}`, label: `Reply to ${c.author}`, submit: 'Post the reply', parentId: c.id })}</details>` : ''}
      ${c.editable && writable ? html`<details class="comment-action"><summary>Edit</summary>${textForm({ action: `/comments/${c.id}/edit`, csrf: can.csrf, id: `edit-${c.id}`, label: `Edit (for ${EDIT_WINDOW_MINUTES} minutes after posting)`, submit: 'Save', value: c.body ?? '' })}</details>` : ''}
      ${c.mine ? html`<details class="comment-action"><summary>Delete</summary><form class="comment-delete" method="post" action="/comments/${c.id}/delete"><input type="hidden" name="_csrf" value="${can.csrf}"><p>Delete this comment? Replies to it stay.</p><button class="button ghost" type="submit">Delete</button></form></details>` : ''}`
      : '';
  return html`<li class="comment${gone ? ' gone' : ''}" id="comment-${c.id}">
  <article class="comment-main">
    ${head}
    ${body}
    <div class="comment-actions">${vote}${actions}${moderation}</div>
  </article>
  ${n.kids.length > 0 ? html`<ol class="comments replies">${n.kids.map((k) => comment(k, m, authors, here))}</ol>` : ''}
</li>`;
}

/** The inside of the paper page's <section id="discussion">, after its heading. */
export function discussion(m: DiscussionModel) {
  const base = `/papers/${m.paperId}`;
  const here = m.sort === 'new' ? `${base}?sort=new` : base;
  const back = encodeURIComponent(`${base}#discussion`);
  const authors = new Map(m.comments.map((c) => [c.id, c.author]));
  const composer =
    m.member === null
      ? m.locked ? '' : html`<p class="comment-login"><a class="button ghost" href="/login?next=${back}">Log in to comment</a> <span>or <a href="/signup?next=${back}">sign up</a></span></p>`
      : m.member.problem !== null
        ? html`<p class="notice" role="status">${m.member.problem}</p>`
        : m.locked && !m.member.moderator
          ? ''
          : textForm({ action: `${base}/comments`, csrf: m.member.csrf, id: 'new-comment', label: m.locked ? 'Add a comment (as a moderator)' : 'Add a comment', submit: 'Comment', hint: true });
  return html`<div class="discussion-head">
    <p class="meta-line">${countLine(m.paperId, m.counts)}</p>
    ${m.comments.length > 1
      ? html`<nav class="switch comment-sort" aria-label="Order of comments"><a href="${base}#discussion"${m.sort === 'best' ? raw(' aria-current="page"') : ''}>Best</a><a href="${base}?sort=new#discussion"${m.sort === 'new' ? raw(' aria-current="page"') : ''}>Newest</a></nav>`
      : ''}
  </div>
  ${m.locked ? html`<p class="notice locked" role="status">${LOCKED_NOTICE}</p>` : ''}
  ${composer}
  ${m.comments.length > 0 ? html`<ol class="comments">${nest(m.comments).map((n) => comment(n, m, authors, here))}</ol>` : ''}`;
}

/** A form sent back with what was wrong and the text as written (an empty or too long comment, from a page without JavaScript). */
export function commentFormPage(frame: Frame & { csrf: string }, f: { title: string; error: string; action: string; parentId?: number; value: string; back: string }) {
  return layout(
    frame,
    { title: f.title, noindex: true },
    html`<div class="form-page wide">
  <h1>${f.title}</h1>
  <p class="form-error" role="alert">${f.error}</p>
  ${textForm({ action: f.action, csrf: frame.csrf, id: 'retry-comment', label: 'Your comment', submit: 'Try again', parentId: f.parentId, value: f.value, hint: true })}
  <p class="after"><a href="${f.back}">Back to the discussion</a></p>
</div>`,
  );
}
