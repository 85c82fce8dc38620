/**
 * Similar papers: the nearest papers by embedding (src/search/vectors.ts), for the paper page's
 * "Similar papers" section and GET /api/papers/:id/similar. Without a semantic index there are none: the
 * section is left out and the API answers [] (docs/decisions: semantic search).
 */
import type { Context } from 'hono';
import { paperWithListings } from '../../db/queries/lists.ts';
import { parseArxivId } from '../../domain/arxiv-id.ts';
import { apiError } from '../api/handlers.ts';
import { hfPaper } from '../api/hf-format.ts';
import { usableSemantic } from '../../search/types.ts';
import type { Deps } from '../context.ts';

/** Shown on a paper's page. */
export const SIMILAR_ON_PAGE = 6;
export const SIMILAR_API_DEFAULT = 10;
export const SIMILAR_API_MAX = 50;

type Found = NonNullable<Awaited<ReturnType<typeof paperWithListings>>>;

/** The papers most similar to this one, best first; [] without a semantic index or when it fails (logged). */
export async function similarPapers(deps: Deps, paperId: string, k: number): Promise<Found[]> {
  const semantic = usableSemantic(deps.semantic);
  if (!semantic) return [];
  let hits;
  try {
    hits = await semantic.similarTo(paperId, k);
  } catch (e) {
    console.error(`similar papers of ${paperId}: ${(e as Error).message}`);
    return [];
  }
  // A paper deleted since the index saw it is skipped.
  const found = await Promise.all(hits.map((h) => paperWithListings(deps.database.db, h.paperId)));
  return found.filter((f): f is Found => f !== undefined);
}

/** GET /api/papers/:id/similar?limit= (and /api/papers/:archive/:number/similar) */
export const similarApi = (deps: Deps) => async (c: Context) => {
  const archive = c.req.param('archive');
  const raw = archive ? `${archive}/${c.req.param('number')}` : (c.req.param('id') ?? '');
  const ref = parseArxivId(raw);
  if (!ref) return apiError(c, 400, `id: "${raw.slice(0, 100)}" is not an arXiv id`);
  const limitRaw = c.req.query('limit');
  let limit = SIMILAR_API_DEFAULT;
  if (limitRaw !== undefined) {
    if (!/^\d{1,3}$/.test(limitRaw) || Number(limitRaw) < 1 || Number(limitRaw) > SIMILAR_API_MAX) return apiError(c, 400, `limit: expected a whole number from 1 to ${SIMILAR_API_MAX}`);
    limit = Number(limitRaw);
  }
  const paper = await paperWithListings(deps.database.db, ref.id);
  if (!paper) return apiError(c, 404, `paper ${ref.id} not found`);
  const similar = await similarPapers(deps, ref.id, limit);
  return c.json(similar.map((s) => hfPaper(s.paper, s.organization, s.listings[0])));
};
