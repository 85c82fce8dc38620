/**
 * The discussion API. Reading is open; writing needs a member (`c.get('viewer')`: the browser session
 * with the X-CSRF-Token header today, whatever else authenticates a request tomorrow). Errors are
 * `{"error": "…"}` with 400, 401, 403, 404 or 409. The rules are in ../comment-actions.ts, shared with the pages.
 */
import { limitBody } from '../middleware/body-limit.ts';
import type { Context, MiddlewareHandler } from 'hono';
import { z } from 'zod';
import { paperWithListings } from '../../db/queries/lists.ts';
import { parseArxivId } from '../../domain/arxiv-id.ts';
import { COMMENT_SORTS, EDIT_WINDOW_MINUTES, MAX_COMMENT_LENGTH } from '../../domain/comments.ts';
import {
  createComment, deleteComment, editComment, loadThread, parseCommentId, voteOnComment, type Failure, type ShownComment,
} from '../comment-actions.ts';
import type { AppEnv, Ctx, Deps } from '../context.ts';
import { commentCounts } from '../handlers/comments.ts';

/**
 * Largest request body the write endpoints read, in bytes: a comment at its longest in 4-byte UTF-8
 * characters, JSON-escaped, with room to spare. Bigger bodies are refused before they are read.
 */
export const MAX_COMMENT_REQUEST_BYTES = 8 * MAX_COMMENT_LENGTH + 4096;

const error = (c: Context, status: Failure['status'], message: string) => c.json({ error: message }, status);

/** Comment requests are capped tighter than other requests (src/http/middleware/body-limit.ts). */
export const limitCommentBody = limitBody(MAX_COMMENT_REQUEST_BYTES, `request body too large: a comment has at most ${MAX_COMMENT_LENGTH} characters`);

/** A comment in the API. Deleted and hidden comments keep their place (replies hang from them) but not their author or text. */
export const commentJson = (c: ShownComment, depth = false) => ({
  id: c.id,
  paperId: c.paperId,
  parentId: c.parentId,
  ...(depth ? { depth: c.depth } : {}),
  author: c.author === null ? null : { username: c.author },
  body: c.body,
  html: c.html,
  createdAt: c.createdAt,
  editedAt: c.editedAt,
  deleted: c.deleted || c.hidden,
  score: c.score,
  upvoted: c.upvoted,
  editable: c.editable,
});

/** The paper of /api/papers/:id/comments (and /api/papers/:archive/:number/comments). */
export function paperRef(c: Context): { id: string } | { error: string } {
  const archive = c.req.param('archive');
  const raw = archive ? `${archive}/${c.req.param('number')}` : (c.req.param('id') ?? '');
  const ref = parseArxivId(raw);
  return ref ? { id: ref.id } : { error: `id: "${raw.slice(0, 100)}" is not an arXiv id` };
}

/** A JSON object body, or an error message. */
export async function jsonObject(c: Context): Promise<Record<string, unknown> | string> {
  let v: unknown;
  try {
    v = await c.req.json();
  } catch {
    return 'expected a JSON object as the request body';
  }
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : 'expected a JSON object as the request body';
}

const commentText = z.string({ error: 'body: expected the comment as a string' });
const NewComment = z.object({
  body: commentText,
  parentId: z.number({ error: 'parentId: expected the id of a comment' }).int('parentId: expected the id of a comment').positive('parentId: expected the id of a comment').nullable().optional(),
});
const Edit = z.object({ body: commentText });
const Vote = z.object({ value: z.union([z.literal(0), z.literal(1)], { error: 'value: expected 1 (upvote) or 0 (take it back)' }) });

async function parse<T>(c: Context, schema: z.ZodType<T>): Promise<T | string> {
  const obj = await jsonObject(c);
  if (typeof obj === 'string') return obj;
  const r = schema.safeParse(obj);
  return r.success ? r.data : r.error.issues[0]!.message;
}

/** GET /api/papers/:id/comments?sort=best|new: the thread in reading order, each comment with its parentId and depth. */
export const listComments = (deps: Deps) => async (c: Ctx) => {
  const ref = paperRef(c);
  if ('error' in ref) return error(c, 400, ref.error);
  const sort = c.req.query('sort') ?? 'best';
  if (!(COMMENT_SORTS as readonly string[]).includes(sort)) return error(c, 400, 'sort: expected best or new');
  const found = await paperWithListings(deps.database.db, ref.id);
  if (!found) return error(c, 404, `paper ${ref.id} not found`);
  const comments = await loadThread(deps, ref.id, c.get('viewer'), sort as 'best' | 'new');
  return c.json({
    paperId: ref.id,
    sort,
    numComments: commentCounts(found.listings, found.localComments).shown,
    comments: comments.map((x) => commentJson(x, true)),
  });
};

/** POST /api/papers/:id/comments {body, parentId?} → 201 with the comment */
export const postCommentApi = (deps: Deps) => async (c: Ctx) => {
  const ref = paperRef(c);
  if ('error' in ref) return error(c, 400, ref.error);
  const input = await parse(c, NewComment);
  if (typeof input === 'string') return error(c, 400, input);
  const parentId = input.parentId ?? null;
  if (parentId !== null && parseCommentId(parentId) === null) return error(c, 404, `comment ${parentId} not found`);
  const r = await createComment(deps, c.get('viewer'), ref.id, input.body, parentId);
  return r.ok ? c.json(commentJson(r.comment), 201) : error(c, r.status, r.message);
};

const commentParam = (c: Ctx) => parseCommentId(c.req.param('cid'));
const noComment = (c: Ctx) => error(c, 404, `comment ${c.req.param('cid')} not found`);

/** PATCH /api/comments/:cid {body}: by its author, within the edit window */
export const editCommentApi = (deps: Deps) => async (c: Ctx) => {
  const id = commentParam(c);
  if (id === null) return noComment(c);
  const input = await parse(c, Edit);
  if (typeof input === 'string') return error(c, 400, input);
  const r = await editComment(deps, c.get('viewer'), id, input.body);
  return r.ok ? c.json(commentJson(r.comment)) : error(c, r.status, r.message);
};

/** DELETE /api/comments/:cid: by its author; the comment stays as "[deleted]" with its replies */
export const deleteCommentApi = (deps: Deps) => async (c: Ctx) => {
  const id = commentParam(c);
  if (id === null) return noComment(c);
  const r = await deleteComment(deps, c.get('viewer'), id);
  return r.ok ? c.json(commentJson(r.comment)) : error(c, r.status, r.message);
};

/** POST /api/comments/:cid/vote {value: 1|0} → {upvoted, score} */
export const voteCommentApi = (deps: Deps) => async (c: Ctx) => {
  const id = commentParam(c);
  if (id === null) return noComment(c);
  const input = await parse(c, Vote);
  if (typeof input === 'string') return error(c, 400, input);
  const r = await voteOnComment(deps, c.get('viewer'), id, input.value === 1);
  return r.ok ? c.json({ upvoted: r.upvoted, score: r.score }) : error(c, r.status, r.message);
};

const commentSchema = {
  type: 'object',
  required: ['id', 'paperId', 'parentId', 'author', 'body', 'html', 'createdAt', 'editedAt', 'deleted', 'score'],
  properties: {
    id: { type: 'integer' },
    paperId: { type: 'string' },
    parentId: { type: ['integer', 'null'], description: 'The comment this one replies to.' },
    depth: { type: 'integer', description: 'Levels below a top-level comment (in thread listings).' },
    author: { type: ['object', 'null'], properties: { username: { type: 'string' } }, description: 'null when deleted.' },
    body: { type: ['string', 'null'], description: 'Markdown source; null when deleted.' },
    html: { type: ['string', 'null'], description: 'Sanitized HTML; null when deleted.' },
    createdAt: { type: 'string', format: 'date-time' },
    editedAt: { type: ['string', 'null'], format: 'date-time' },
    deleted: { type: 'boolean' },
    score: { type: 'integer', description: 'Upvotes.' },
    upvoted: { type: 'boolean', description: 'The member asking has upvoted it.' },
    editable: { type: 'boolean', description: 'The member asking wrote it and may still edit it.' },
  },
};

/** The discussion endpoints in the OpenAPI document (src/http/api/openapi.ts). */
export function commentsOpenApi() {
  const err = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
  const one = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Comment' } } } });
  const body = (schema: object) => ({ required: true, content: { 'application/json': { schema } } });
  const writeErrors = {
    400: err('Malformed, empty or too long.'), 401: err('Not logged in.'),
    403: err('Not allowed: no CSRF token, email not confirmed, suspended, or not the author.'), 404: err('No such paper or comment.'),
    409: err('Not possible any more: deleted, or the edit window has closed.'),
  };
  const cid = { name: 'commentId', in: 'path', required: true, schema: { type: 'integer' } };
  const text = { type: 'string', minLength: 1, maxLength: MAX_COMMENT_LENGTH, description: 'Markdown: emphasis, code, links, $math$; @username notifies a member.' };
  return {
    schemas: { Comment: commentSchema },
    paths: {
      '/api/papers/{id}/comments': {
        get: {
          operationId: 'listComments',
          summary: "A paper's discussion",
          parameters: [
            { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'sort', in: 'query', description: '`best` (Wilson score of upvotes) or `new`.', schema: { type: 'string', enum: COMMENT_SORTS, default: 'best' } },
          ],
          responses: {
            200: {
              description: 'Every comment in reading order (a reply follows its parent), with parentId and depth.',
              content: { 'application/json': { schema: { type: 'object', properties: { paperId: { type: 'string' }, sort: { type: 'string' }, numComments: { type: 'integer' }, comments: { type: 'array', items: { $ref: '#/components/schemas/Comment' } } } } } },
            },
            400: err('Not an arXiv id, or a bad sort.'),
            404: err('No such paper.'),
          },
        },
        post: {
          operationId: 'postComment',
          summary: 'Comment on a paper, or reply to a comment (parentId)',
          description: 'Needs a member with a confirmed email: the session cookie and the X-CSRF-Token header.',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          requestBody: body({ type: 'object', required: ['body'], properties: { body: text, parentId: { type: 'integer' } } }),
          responses: { 201: one('The new comment.'), ...writeErrors },
        },
      },
      '/api/comments/{commentId}': {
        patch: {
          operationId: 'editComment',
          summary: `Edit your comment (for ${EDIT_WINDOW_MINUTES} minutes after posting)`,
          parameters: [cid],
          requestBody: body({ type: 'object', required: ['body'], properties: { body: text } }),
          responses: { 200: one('The comment as edited.'), ...writeErrors },
        },
        delete: {
          operationId: 'deleteComment',
          summary: 'Delete your comment (it shows as [deleted]; replies stay)',
          parameters: [cid],
          responses: { 200: one('The deleted comment.'), ...writeErrors },
        },
      },
      '/api/comments/{commentId}/vote': {
        post: {
          operationId: 'voteComment',
          summary: 'Upvote a comment (1) or take the upvote back (0)',
          parameters: [cid],
          requestBody: body({ type: 'object', required: ['value'], properties: { value: { type: 'integer', enum: [0, 1] } } }),
          responses: {
            200: { description: 'The vote as set.', content: { 'application/json': { schema: { type: 'object', properties: { upvoted: { type: 'boolean' }, score: { type: 'integer' } } } } } },
            ...writeErrors,
          },
        },
      },
    },
  };
}
