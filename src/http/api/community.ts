/**
 * The community API: what members and moderators do on the pages, in JSON, for programs with a personal
 * access token (`Authorization: Bearer dp_…`; a browser session with X-CSRF-Token works too). Members
 * upvote papers, claim author entries and flag comments and submissions; moderators read the open flags,
 * the pending claims and the log, and act (hide/restore, lock/unlock, remove a submission,
 * suspend/unsuspend, dismiss a flag, approve/deny a claim). The rules are the pages' own
 * (handlers/vote.ts castVote, handlers/claims.ts, handlers/flags.ts, the ModeratorSteps of
 * handlers/moderation-actions.ts); this file only turns outcomes into JSON. Errors are `{"error": "…"}`
 * with 400, 401, 403, 404 or 409.
 */
import type { Context } from 'hono';
import { z } from 'zod';
import { claimsOfUserOnPaper, createClaim, pendingClaims, type Claim } from '../../db/queries/claims.ts';
import { countOpenFlags, flagComment, flagSubmission, moderationLog, openFlags, type FlagResult } from '../../db/queries/moderation.ts';
import { getPaper } from '../../db/queries/papers.ts';
import { latestDayOfPaper } from '../../db/queries/submissions.ts';
import type { User } from '../../db/queries/users.ts';
import { parseDay } from '../../domain/dates.ts';
import {
  FLAG_DETAILS_MAX, FLAG_QUEUE_LIMIT, FLAG_REASON_KEYS, flagProblem, MODERATION_LOG_PAGE_SIZE, MODERATION_REASON_MAX, reasonProblem,
} from '../../domain/moderation.ts';
import { can } from '../../domain/permissions.ts';
import { participationProblem, parseCommentId, type Failure } from '../comment-actions.ts';
import { pageParam, type Ctx, type Deps } from '../context.ts';
import { CLAIM_PROBLEMS } from '../handlers/claims.ts';
import { FLAG_PROBLEMS } from '../handlers/flags.ts';
import type { ModeratorStep } from '../handlers/moderation.ts';
import { idFromPath } from '../handlers/paper.ts';
import { castVote } from '../handlers/vote.ts';

const error = (c: Context, status: Failure['status'], message: string) => c.json({ error: message }, status);

const NO_MEMBER = 'this needs a member: send a personal access token (Authorization: Bearer dp_…)';

/** The request's JSON object; an empty body is `{}` (actions without a reason send none). */
async function bodyObject(c: Context): Promise<Record<string, unknown> | string> {
  const bad = 'expected a JSON object as the request body';
  const text = await c.req.text();
  if (text.trim() === '') return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return bad;
  }
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : bad;
}

async function parse<T>(c: Context, schema: z.ZodType<T>): Promise<T | string> {
  const obj = await bodyObject(c);
  if (typeof obj === 'string') return obj;
  const r = schema.safeParse(obj);
  return r.success ? r.data : r.error.issues[0]!.message;
}

const Vote = z.object({ value: z.union([z.literal(0), z.literal(1)], { error: 'value: expected 1 (upvote) or 0 (take it back)' }) });
const authorError = 'author: expected the position of the author in the paper’s author list, from 0';
const NewClaim = z.object({ author: z.number({ error: authorError }).int(authorError).min(0, authorError).max(99_999, authorError) });
const NewFlag = z.object({
  reason: z.string({ error: `reason: expected one of ${FLAG_REASON_KEYS.join(', ')}` }),
  details: z.string({ error: 'details: expected a string' }).optional(),
  day: z.string({ error: 'day: expected a day, YYYY-MM-DD' }).optional(),
});
const ModeratorInput = z.object({
  reason: z.string({ error: 'reason: expected a string' }).optional(),
  day: z.string({ error: 'day: expected a day, YYYY-MM-DD' }).optional(),
});

/** The member who may take part (confirmed email, not suspended), or the error answer. */
function member(c: Ctx): User | Response {
  const denied = participationProblem(c.get('viewer'));
  if (denied) return error(c, denied.status, denied.status === 401 ? NO_MEMBER : denied.message);
  return c.get('viewer')!;
}

/** The viewer when they moderate, or the error answer (401 anonymous, 403 members). */
function moderator(c: Ctx): User | Response {
  const viewer = c.get('viewer');
  if (!viewer) return error(c, 401, NO_MEMBER);
  if (!can(viewer, 'moderator')) return error(c, 403, viewer.suspended ? 'your account is suspended' : 'only moderators and admins do this');
  return viewer;
}

const paperOf = (c: Ctx) => idFromPath(c)?.id ?? null;
const noPaper = (c: Ctx) => error(c, 404, `paper ${c.req.param('id') ?? `${c.req.param('archive')}/${c.req.param('number')}`} not found`);

// ---- members

/** POST /api/papers/:id/vote {value: 1|0} → {upvoted, upvotes} */
export const votePaperApi = (deps: Deps) => async (c: Ctx) => {
  const paperId = paperOf(c);
  if (!paperId) return noPaper(c);
  const input = await parse(c, Vote);
  if (typeof input === 'string') return error(c, 400, input);
  const r = await castVote(deps, c.get('viewer'), paperId, input.value === 1);
  if (!r.ok) return error(c, r.status, r.status === 401 ? NO_MEMBER : r.message);
  return c.json({ upvoted: r.upvoted, upvotes: r.upvotes });
};

export const claimJson = (x: Claim) => ({
  id: x.id, username: x.username, paperId: x.paperId, paperTitle: x.paperTitle, author: x.authorIndex, authorName: x.authorName,
  status: x.status, reason: x.reason, createdAt: x.createdAt, decidedAt: x.decidedAt, hidden: x.hidden,
});

/** GET /api/papers/:id/claims: the viewer's own claims on the paper, newest first */
export const myClaimsApi = (deps: Deps) => async (c: Ctx) => {
  const viewer = c.get('viewer');
  if (!viewer) return error(c, 401, NO_MEMBER);
  const paperId = paperOf(c);
  if (!paperId || !(await getPaper(deps.database.db, paperId))) return noPaper(c);
  c.header('Cache-Control', 'private, no-store');
  return c.json({ paperId, claims: (await claimsOfUserOnPaper(deps.database.db, viewer.id, paperId)).map(claimJson) });
};

/** POST /api/papers/:id/claims {author} → 201 with the pending claim */
export const claimApi = (deps: Deps) => async (c: Ctx) => {
  const m = member(c);
  if (m instanceof Response) return m;
  const paperId = paperOf(c);
  if (!paperId) return noPaper(c);
  const input = await parse(c, NewClaim);
  if (typeof input === 'string') return error(c, 400, input);
  const r = await createClaim(deps.database.db, { userId: m.id, paperId, authorIndex: input.author, now: deps.now() });
  if (!r.ok) return error(c, CLAIM_PROBLEMS[r.problem][0], CLAIM_PROBLEMS[r.problem][2]);
  const made = (await claimsOfUserOnPaper(deps.database.db, m.id, paperId)).find((x) => x.id === r.id)!;
  return c.json(claimJson(made), 201);
};

/** Checks the member and the flag's body, runs the flag, answers 201 {id, paperId}. */
async function flag(c: Ctx, run: (userId: number, reason: string, details: string, day: string | undefined) => Promise<FlagResult | Response>) {
  const m = member(c);
  if (m instanceof Response) return m;
  const input = await parse(c, NewFlag);
  if (typeof input === 'string') return error(c, 400, input);
  const details = input.details ?? '';
  const problem = flagProblem(input.reason, details);
  if (problem) return error(c, 400, problem);
  const r = await run(m.id, input.reason, details, input.day);
  if (r instanceof Response) return r;
  if (!r.ok) return error(c, FLAG_PROBLEMS[r.problem][0], FLAG_PROBLEMS[r.problem][2]);
  return c.json({ id: r.id, paperId: r.paperId }, 201);
}

/** POST /api/comments/:cid/flags {reason, details?} */
export const flagCommentApi = (deps: Deps) => async (c: Ctx) =>
  flag(c, async (userId, reason, details) => {
    const id = parseCommentId(c.req.param('cid'));
    if (id === null) return error(c, 404, `comment ${c.req.param('cid')} not found`);
    return flagComment(deps.database.db, { userId, commentId: id, reason, details, now: deps.now() });
  });

/** POST /api/papers/:id/flags {reason, details?, day?}: the paper's entry on that day's list (by default its latest) */
export const flagPaperApi = (deps: Deps) => async (c: Ctx) =>
  flag(c, async (userId, reason, details, rawDay) => {
    const paperId = paperOf(c);
    if (!paperId) return noPaper(c);
    const day = rawDay === undefined ? await latestDayOfPaper(deps.database.db, paperId) : parseDay(rawDay);
    if (rawDay !== undefined && !day) return error(c, 400, 'day: expected a day, YYYY-MM-DD');
    if (!day) return error(c, 404, `${paperId} is on no day’s list`);
    return flagSubmission(deps.database.db, { userId, paperId, day, reason, details, now: deps.now() });
  });

// ---- moderators

/**
 * A moderator action as JSON {reason?, day?}: the same step as the page's form (checks, one
 * transaction with its log row); answers {action, page} where `page` is where it shows.
 */
export const moderatorApi = ({ action, run }: ModeratorStep) => async (c: Ctx) => {
  const mod = moderator(c);
  if (mod instanceof Response) return mod;
  const input = await parse(c, ModeratorInput);
  if (typeof input === 'string') return error(c, 400, input);
  const reason = input.reason ?? '';
  const problem = reasonProblem(action, reason);
  if (problem) return error(c, 400, problem);
  const r = await run(c, mod, reason, input);
  if (!r.ok) return error(c, r.status, r.message);
  return c.json({ action, page: r.next });
};

/** GET /api/moderation/flags: open flags, oldest first (at most FLAG_QUEUE_LIMIT), and how many are open */
export const openFlagsApi = (deps: Deps) => async (c: Ctx) => {
  const mod = moderator(c);
  if (mod instanceof Response) return mod;
  const { db } = deps.database;
  const [flags, open] = await Promise.all([openFlags(db, FLAG_QUEUE_LIMIT), countOpenFlags(db)]);
  c.header('Cache-Control', 'private, no-store');
  return c.json({ open, flags });
};

/** GET /api/moderation/claims: claims waiting for a decision, oldest first */
export const pendingClaimsApi = (deps: Deps) => async (c: Ctx) => {
  const mod = moderator(c);
  if (mod instanceof Response) return mod;
  c.header('Cache-Control', 'private, no-store');
  return c.json({ claims: (await pendingClaims(deps.database.db, FLAG_QUEUE_LIMIT)).map(claimJson) });
};

/** GET /api/moderation/log?p=N: newest first, MODERATION_LOG_PAGE_SIZE a page */
export const moderationLogApi = (deps: Deps) => async (c: Ctx) => {
  const mod = moderator(c);
  if (mod instanceof Response) return mod;
  const page = pageParam(c);
  if (page === null) return error(c, 400, 'p: expected a page number, from 1');
  const { items, total } = await moderationLog(deps.database.db, { limit: MODERATION_LOG_PAGE_SIZE, offset: (page - 1) * MODERATION_LOG_PAGE_SIZE });
  c.header('Cache-Control', 'private, no-store');
  return c.json({ page, pages: Math.max(1, Math.ceil(total / MODERATION_LOG_PAGE_SIZE)), total, entries: items });
};

// ---- the OpenAPI description

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (description: string, schema: object) => ({ description, content: { 'application/json': { schema } } });
const err = (description: string) => json(description, ref('Error'));
const requestBody = (schema: object, required = true) => ({ required, content: { 'application/json': { schema } } });
const paperParam = { name: 'id', in: 'path', required: true, description: 'arXiv id (old-style ids with their slash).', schema: { type: 'string' } };
const commentParam = { name: 'commentId', in: 'path', required: true, schema: { type: 'integer' } };
const idParam = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'integer' } });
const memberErrors = {
  400: err('A malformed body; the message names the field.'), 401: err('No valid token (or session).'),
  403: err('Not allowed: email not confirmed, suspended, your own item, or no CSRF token with a session.'), 404: err('No such paper or comment.'),
};
const moderatorErrors = {
  400: err('A malformed body, or a missing reason where the action needs one.'), 401: err('No valid token (or session).'),
  403: err('Not a moderator or admin (or not allowed to suspend that member).'), 404: err('No such item.'),
  409: err('Nothing to do: the action would change nothing, or was done already.'),
};
const reasonBody = (needed: boolean, extra: Record<string, object> = {}, required: string[] = []) =>
  requestBody(
    {
      type: 'object',
      required: needed ? ['reason', ...required] : required,
      properties: { reason: { type: 'string', maxLength: MODERATION_REASON_MAX, description: needed ? 'Why (required): it goes into the moderation log.' : 'Why (optional).' }, ...extra },
    },
    needed || required.length > 0,
  );
const actionDone = json('Done; `page` is where the item shows on the site.', { type: 'object', properties: { action: { type: 'string' }, page: { type: 'string' } } });
const moderatorPost = (operationId: string, summary: string, parameters: object[], needed: boolean, extra?: Record<string, object>, required?: string[]) => ({
  post: { operationId, summary, security: [{ token: [] }], parameters, requestBody: reasonBody(needed, extra, required), responses: { 200: actionDone, ...moderatorErrors } },
});

/** The community endpoints in the OpenAPI document (src/http/api/openapi.ts). */
export function communityOpenApi() {
  const flagBody = (withDay: boolean) =>
    requestBody({
      type: 'object',
      required: ['reason'],
      properties: {
        reason: { type: 'string', enum: FLAG_REASON_KEYS },
        details: { type: 'string', maxLength: FLAG_DETAILS_MAX, description: 'Required with `other`.' },
        ...(withDay ? { day: { type: 'string', format: 'date', description: 'The day’s list the entry is on; by default the latest.' } } : {}),
      },
    });
  const flagMade = json('The flag.', { type: 'object', properties: { id: { type: 'integer' }, paperId: { type: 'string' } } });
  return {
    schemas: {
      Claim: {
        type: 'object',
        properties: {
          id: { type: 'integer' }, username: { type: 'string' }, paperId: { type: 'string' }, paperTitle: { type: 'string' },
          author: { type: 'integer', description: 'Position in the author list, from 0.' }, authorName: { type: 'string' },
          status: { type: 'string', enum: ['pending', 'approved', 'denied'] }, reason: { type: ['string', 'null'], description: 'Why a moderator denied it.' },
          createdAt: { type: 'string', format: 'date-time' }, decidedAt: { type: ['string', 'null'], format: 'date-time' },
          hidden: { type: 'boolean', description: 'Left off its owner’s profile.' },
        },
      },
    },
    paths: {
      '/api/papers/{id}/vote': {
        post: {
          operationId: 'votePaper',
          summary: 'Upvote a paper (1) or take the upvote back (0)',
          security: [{ token: [] }],
          parameters: [paperParam],
          requestBody: requestBody({ type: 'object', required: ['value'], properties: { value: { type: 'integer', enum: [0, 1] } } }),
          responses: { 200: json('The vote as set.', { type: 'object', properties: { upvoted: { type: 'boolean' }, upvotes: { type: 'integer' } } }), ...memberErrors },
        },
      },
      '/api/papers/{id}/claims': {
        get: {
          operationId: 'myClaims',
          summary: 'Your authorship claims on a paper (pending, approved, denied with the reason)',
          security: [{ token: [] }],
          parameters: [paperParam],
          responses: { 200: json('Newest first.', { type: 'object', properties: { paperId: { type: 'string' }, claims: { type: 'array', items: ref('Claim') } } }), 401: memberErrors[401], 404: memberErrors[404] },
        },
        post: {
          operationId: 'claimAuthorship',
          summary: 'Claim an entry of the paper’s author list; a moderator approves or denies it',
          security: [{ token: [] }],
          parameters: [paperParam],
          requestBody: requestBody({ type: 'object', required: ['author'], properties: { author: { type: 'integer', minimum: 0, description: 'Position in the author list, from 0.' } } }),
          responses: { 201: json('The pending claim.', ref('Claim')), ...memberErrors, 400: err('A malformed body, or no author at that position.'), 409: err('You have a live claim on this paper, or another member has that author.') },
        },
      },
      '/api/comments/{commentId}/flags': {
        post: {
          operationId: 'flagComment',
          summary: 'Flag a comment to the moderators',
          security: [{ token: [] }],
          parameters: [commentParam],
          requestBody: flagBody(false),
          responses: { 201: flagMade, ...memberErrors, 409: err('Flagged by you already, or the comment is gone.') },
        },
      },
      '/api/papers/{id}/flags': {
        post: {
          operationId: 'flagSubmission',
          summary: 'Flag a paper’s entry on a day’s list to the moderators',
          security: [{ token: [] }],
          parameters: [paperParam],
          requestBody: flagBody(true),
          responses: { 201: flagMade, ...memberErrors, 404: err('The paper is not on that day’s list (or on none).'), 409: err('Flagged by you already.') },
        },
      },
      '/api/moderation/flags': {
        get: {
          operationId: 'openFlags',
          summary: 'Open flags, oldest first (moderators)',
          security: [{ token: [] }],
          responses: {
            200: json('`open` counts them all; `flags` holds the first ' + FLAG_QUEUE_LIMIT + '.', { type: 'object', properties: { open: { type: 'integer' }, flags: { type: 'array', items: { type: 'object' } } } }),
            401: moderatorErrors[401], 403: moderatorErrors[403],
          },
        },
      },
      '/api/moderation/flags/{flagId}/dismiss': moderatorPost('dismissFlag', 'Dismiss a flag (moderators)', [idParam('flagId')], false),
      '/api/moderation/claims': {
        get: {
          operationId: 'pendingClaims',
          summary: 'Claims waiting for a decision, oldest first (moderators)',
          security: [{ token: [] }],
          responses: { 200: json('The claims.', { type: 'object', properties: { claims: { type: 'array', items: ref('Claim') } } }), 401: moderatorErrors[401], 403: moderatorErrors[403] },
        },
      },
      '/api/moderation/log': {
        get: {
          operationId: 'moderationLog',
          summary: 'The moderation log, newest first (moderators)',
          security: [{ token: [] }],
          parameters: [{ name: 'p', in: 'query', description: 'Page number, from 1.', schema: { type: 'integer', minimum: 1, default: 1 } }],
          responses: {
            200: json(`${MODERATION_LOG_PAGE_SIZE} entries a page.`, { type: 'object', properties: { page: { type: 'integer' }, pages: { type: 'integer' }, total: { type: 'integer' }, entries: { type: 'array', items: { type: 'object' } } } }),
            400: err('A bad page number.'), 401: moderatorErrors[401], 403: moderatorErrors[403],
          },
        },
      },
      '/api/comments/{commentId}/hide': moderatorPost('hideComment', 'Hide a comment (moderators)', [commentParam], true),
      '/api/comments/{commentId}/restore': moderatorPost('restoreComment', 'Restore a hidden comment (moderators)', [commentParam], false),
      '/api/papers/{id}/lock': moderatorPost('lockDiscussion', 'Lock a paper’s discussion (moderators)', [paperParam], true),
      '/api/papers/{id}/unlock': moderatorPost('unlockDiscussion', 'Unlock a paper’s discussion (moderators)', [paperParam], false),
      '/api/papers/{id}/remove-submission': moderatorPost('removeSubmission', 'Take a paper off a day’s list (moderators)', [paperParam], true, { day: { type: 'string', format: 'date' } }, ['day']),
      '/api/users/{username}/suspend': moderatorPost('suspendMember', 'Suspend a member (moderators; moderators only by admins)', [{ name: 'username', in: 'path', required: true, schema: { type: 'string' } }], true),
      '/api/users/{username}/unsuspend': moderatorPost('unsuspendMember', 'Lift a suspension (moderators)', [{ name: 'username', in: 'path', required: true, schema: { type: 'string' } }], false),
      '/api/claims/{claimId}/approve': moderatorPost('approveClaim', 'Approve an authorship claim (moderators)', [idParam('claimId')], false),
      '/api/claims/{claimId}/deny': moderatorPost('denyClaim', 'Deny an authorship claim; the member reads the reason (moderators)', [idParam('claimId')], true),
    },
  };
}
