/**
 * The discussion on a paper's page, and its forms (they work without JavaScript): POST a comment or a
 * reply, edit, delete, upvote. Each answers 303 back to the comment (`/papers/ID#comment-N`); the
 * rules are in ../comment-actions.ts, shared with the JSON API.
 */
import type { HtmlEscapedString } from 'hono/utils/html';
import type { Listing } from '../../db/queries/lists.ts';
import type { CommentSort } from '../../domain/comments.ts';
import {
  createComment, deleteComment, editComment, loadThread, parseCommentId, voteOnComment, type Failure,
} from '../comment-actions.ts';
import { getComment } from '../../db/queries/comments.ts';
import { isThreadLocked } from '../../db/queries/moderation.ts';
import { can } from '../../domain/permissions.ts';
import { csrfToken, frame, htmlError, safeNext, type Ctx, type Deps } from '../context.ts';
import { commentFormPage, discussion } from '../views/comments.ts';
import { idFromPath } from './paper.ts';

/** `?sort=new` on a paper's page; anything else is the default order. */
export const pageSort = (c: Ctx): CommentSort => (c.req.query('sort') === 'new' ? 'new' : 'best');

/**
 * Comment counts: what a listing shows (Hugging Face's count plus ours) and its parts. A paper on no
 * list has only ours.
 */
export function commentCounts(listings: Listing[], local: number) {
  const shown = listings.reduce((n, l) => Math.max(n, l.entry.numComments), local);
  return { shown, imported: shown - local, local };
}

/** The inside of the paper page's discussion section, for this viewer. */
export async function discussionFor(c: Ctx, deps: Deps, paperId: string, counts: ReturnType<typeof commentCounts>): Promise<HtmlEscapedString> {
  const viewer = c.get('viewer');
  const sort = pageSort(c);
  const member = viewer
    ? {
        csrf: csrfToken(c, deps),
        problem: viewer.suspended
          ? 'Your account is suspended: you can read the discussion but not take part in it.'
          : !viewer.emailVerified
            ? 'Please confirm your email address to take part in the discussion: use the link we mailed you, or ask for a new one in your settings.'
            : null,
        moderator: can(viewer, 'moderator'),
      }
    : null;
  const comments = await loadThread(deps, paperId, viewer, sort);
  return discussion({ paperId, sort, comments, counts, member, locked: await isThreadLocked(deps.database.db, paperId), now: deps.now() });
}

const HEADINGS: Record<Failure['status'], string> = {
  400: 'The comment cannot be saved',
  401: 'Please log in',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Not possible any more',
};

/** A message as a sentence: capitalized, with one full stop (messages that end with one keep theirs: no "empty.."). */
const sentence = (s: string) => `${s.charAt(0).toUpperCase()}${s.slice(1)}${/[.!?]$/.test(s) ? '' : '.'}`;

/** A failed action as a page: log in (and come back), the form again with the text (400), or an error page. */
function failed(c: Ctx, deps: Deps, f: Failure, back: string, retry?: { action: string; value: string; parentId?: number }) {
  const status = f.status;
  if (status === 401) return c.redirect(`/login?next=${encodeURIComponent(back)}`, 303);
  if (status === 400 && retry) {
    return c.html(commentFormPage({ ...frame(c, deps), csrf: csrfToken(c, deps) }, { title: HEADINGS[400], error: sentence(f.message), back, ...retry }), 400);
  }
  return htmlError(c, deps, status, HEADINGS[status], sentence(f.message));
}

const field = (form: Record<string, unknown>, name: string) => (typeof form[name] === 'string' ? (form[name] as string) : '');

/** POST /papers/:id/comments (body, parent_id for a reply) */
export const postComment = (deps: Deps) => async (c: Ctx) => {
  const ref = idFromPath(c);
  if (!ref) return htmlError(c, deps, 400, 'Not an arXiv id', 'Comments go to papers, by arXiv id.');
  const form = await c.req.parseBody();
  const back = `/papers/${ref.id}#discussion`;
  const rawParent = field(form, 'parent_id');
  const parentId = rawParent === '' ? null : parseCommentId(rawParent);
  if (rawParent !== '' && parentId === null) return htmlError(c, deps, 400, HEADINGS[400], 'parent_id must be the number of a comment.');
  const text = field(form, 'body');
  const r = await createComment(deps, c.get('viewer'), ref.id, text, parentId);
  if (!r.ok) return failed(c, deps, r, back, { action: `/papers/${ref.id}/comments`, value: text, parentId: parentId ?? undefined });
  return c.redirect(`/papers/${ref.id}#comment-${r.comment.id}`, 303);
};

/** The comment id of /comments/:cid… paths; null when it cannot name one. */
const commentParam = (c: Ctx) => parseCommentId(c.req.param('cid'));

/** GET /comments/:cid: a comment's permanent address, which leads to it on its paper's page. */
export const commentPermalink = (deps: Deps) => async (c: Ctx) => {
  const id = commentParam(c);
  const found = id === null ? undefined : await getComment(deps.database.db, id);
  if (!found) return htmlError(c, deps, 404, 'Comment not found', 'There is no such comment here.');
  return c.redirect(`/papers/${found.paperId}#comment-${found.id}`, 302);
};

/** POST /comments/:cid/edit (body) */
export const editCommentForm = (deps: Deps) => async (c: Ctx) => {
  const id = commentParam(c);
  if (id === null) return htmlError(c, deps, 404, 'Comment not found', 'There is no such comment here.');
  const text = field(await c.req.parseBody(), 'body');
  const r = await editComment(deps, c.get('viewer'), id, text);
  if (!r.ok) return failed(c, deps, r, `/comments/${id}`, { action: `/comments/${id}/edit`, value: text });
  return c.redirect(`/papers/${r.comment.paperId}#comment-${id}`, 303);
};

/** POST /comments/:cid/delete */
export const deleteCommentForm = (deps: Deps) => async (c: Ctx) => {
  const id = commentParam(c);
  if (id === null) return htmlError(c, deps, 404, 'Comment not found', 'There is no such comment here.');
  const r = await deleteComment(deps, c.get('viewer'), id);
  if (!r.ok) return failed(c, deps, r, `/comments/${id}`);
  return c.redirect(`/papers/${r.comment.paperId}#comment-${id}`, 303);
};

/** POST /comments/:cid/vote (value=1 to upvote, 0 to take it back; next: where to go back to) */
export const voteCommentForm = (deps: Deps) => async (c: Ctx) => {
  const id = commentParam(c);
  if (id === null) return htmlError(c, deps, 404, 'Comment not found', 'There is no such comment here.');
  const form = await c.req.parseBody();
  const value = field(form, 'value');
  if (value !== '1' && value !== '0') return htmlError(c, deps, 400, 'Bad vote', 'value must be 1 (upvote) or 0 (take the upvote back).');
  const r = await voteOnComment(deps, c.get('viewer'), id, value === '1');
  if (!r.ok) return failed(c, deps, r, `/comments/${id}`);
  const next = field(form, 'next');
  return c.redirect(next ? safeNext(next) : `/papers/${r.paperId}#comment-${id}`, 303);
};
