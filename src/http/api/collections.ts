/**
 * GET /api/collections?item=papers/ID&owner=&q=&sort=&limit=: members' public collections in Hugging Face's
 * collection shape, for huggingface_hub's `list_collections` (which sends these parameters). Each lists its
 * first ITEMS_PER_COLLECTION papers, as Hugging Face's list does. Deliberate differences: items are papers only
 * (`item=models/…` and the like answer []); collections have no upvotes or trending score here, so every
 * `sort` gives the most recently changed first; `theme` is always the same.
 */
import type { Context } from 'hono';
import { z } from 'zod';
import { publicCollections } from '../../db/queries/collections.ts';
import { parseArxivId } from '../../domain/arxiv-id.ts';
import type { Deps } from '../context.ts';
import { collectionUrl } from '../views/member-collections.ts';
import { apiError } from './handlers.ts';

/** Hugging Face's list shows the first four items of each collection. */
export const ITEMS_PER_COLLECTION = 4;
export const COLLECTIONS_MAX_LIMIT = 100;

const Query = z.object({
  item: z.string().max(200).regex(/^(papers|models|datasets|spaces|collections)\/.+$/, 'item: expected papers/ARXIV_ID (or models/…, datasets/…, spaces/…)').optional(),
  owner: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'owner: expected a username').optional(),
  q: z.string().max(100, 'q: at most 100 characters').optional(),
  sort: z.enum(['lastModified', 'trending', 'upvotes'], { error: 'sort: expected lastModified, trending or upvotes' }).optional(),
  limit: z
    .string()
    .regex(/^\d{1,3}$/, `limit: expected a whole number from 1 to ${COLLECTIONS_MAX_LIMIT}`)
    .transform(Number)
    .refine((n) => n >= 1 && n <= COLLECTIONS_MAX_LIMIT, `limit: expected a whole number from 1 to ${COLLECTIONS_MAX_LIMIT}`)
    .default(COLLECTIONS_MAX_LIMIT),
});

export const listCollections = (deps: Deps) => async (c: Context) => {
  const parsed = Query.safeParse(c.req.query());
  if (!parsed.success) return apiError(c, 400, parsed.error.issues[0]!.message);
  const { item, owner, q, limit } = parsed.data;
  let paperId: string | undefined;
  if (item !== undefined) {
    const [kind, ...rest] = item.split('/');
    if (kind !== 'papers') return c.json([]); // this site's collections hold papers only
    const ref = parseArxivId(rest.join('/'));
    if (!ref) return apiError(c, 400, `item: "${item.slice(0, 100)}" does not name a paper (expected papers/ARXIV_ID)`);
    paperId = ref.id;
  }
  const found = await publicCollections(deps.database.db, { paperId, owner, q, limit }, ITEMS_PER_COLLECTION);
  const url = (path: string) => new URL(path, deps.site.publicUrl).toString();
  return c.json(
    found.map(({ collection: col, ownerFullname, items }, position) => ({
      slug: `${col.owner}/${col.slug}`,
      title: col.name,
      owner: { name: col.owner, fullname: ownerFullname ?? col.owner, type: 'user' },
      items: items.map((it, i) => ({
        _id: `${col.id}-${it.paper.id}`,
        id: it.paper.id,
        type: 'paper',
        position: i,
        title: it.paper.title.replace(/\s+/g, ' ').trim(),
        publishedAt: it.paper.publishedAt,
        upvotes: it.paper.upvotes,
        numComments: it.numComments,
        ...(it.note ? { note: { text: it.note, html: escapeHtml(it.note) } } : {}),
      })),
      lastUpdated: col.updatedAt,
      position,
      private: false,
      theme: 'blue',
      upvotes: 0,
      isUpvotedByUser: false,
      gating: false,
      shareUrl: url(collectionUrl(col)),
    })),
  );
};

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** The OpenAPI description of GET /api/collections (merged into src/http/api/openapi.ts). */
export function collectionsOpenApi() {
  const error = { description: 'A parameter is malformed; the message names it.', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
  return {
    paths: {
      '/api/collections': {
        get: {
          operationId: 'listCollections',
          summary: "Members' public collections, in Hugging Face's collection shape",
          description:
            `As huggingface_hub's list_collections reads them: slug, title, owner, lastUpdated, private, theme, upvotes and the first ${ITEMS_PER_COLLECTION} items ` +
            '(`_id`, `id`, `type` "paper", `position`, `note`). Most recently changed first, whatever `sort` says (collections have no upvotes here).',
          parameters: [
            { name: 'item', in: 'query', description: 'Only collections holding this item: papers/ARXIV_ID (models/…, datasets/…, spaces/… answer []).', schema: { type: 'string' } },
            { name: 'owner', in: 'query', description: 'Only this member’s collections.', schema: { type: 'string' } },
            { name: 'q', in: 'query', description: 'Words in the title (case-insensitive).', schema: { type: 'string', maxLength: 100 } },
            { name: 'sort', in: 'query', description: 'Accepted for compatibility; the order is always most recently changed first.', schema: { type: 'string', enum: ['lastModified', 'trending', 'upvotes'] } },
            { name: 'limit', in: 'query', description: 'How many collections.', schema: { type: 'integer', minimum: 1, maximum: COLLECTIONS_MAX_LIMIT, default: COLLECTIONS_MAX_LIMIT } },
          ],
          responses: {
            200: { description: 'Collections.', content: { 'application/json': { schema: { type: 'array', items: { type: 'object' } } } } },
            304: { description: 'Not modified.' },
            400: error,
          },
        },
      },
    },
  };
}
