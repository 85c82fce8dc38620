/**
 * GET /api/papers/ID/extracted: this site's extracted summary and keywords of a paper (src/domain/extract.ts),
 * a deliberate extension beside the Hugging Face API (docs/hf-compatibility.md). They never go into Hugging
 * Face's `ai_summary` / `ai_keywords`: those stay what Hugging Face (or the site's language model) wrote.
 *
 *   {"id", "extracted_summary": string|null, "extracted_keywords": string[], "extract_method": number|null, "extracted_at": string|null}
 *
 * A paper with Hugging Face's summary has no extract (nulls and []); an unknown id is a 404, a malformed one a 400.
 */
import type { Context } from 'hono';
import { getExtract } from '../../db/queries/extracts.ts';
import { getPaper } from '../../db/queries/papers.ts';
import { parseArxivId } from '../../domain/arxiv-id.ts';
import type { Deps } from '../context.ts';
import { apiError } from './handlers.ts';

export const extractedApi = (deps: Deps) => async (c: Context) => {
  const archive = c.req.param('archive');
  const raw = archive ? `${archive}/${c.req.param('number')}` : (c.req.param('id') ?? '');
  const ref = parseArxivId(raw);
  if (!ref) return apiError(c, 400, `id: "${raw.slice(0, 100)}" is not an arXiv id`);
  const paper = await getPaper(deps.database.db, ref.id);
  if (!paper) return apiError(c, 404, `paper ${ref.id} not found`);
  const x = paper.aiSummary ? undefined : await getExtract(deps.database.db, ref.id);
  return c.json({
    id: paper.id,
    extracted_summary: x?.summary ?? null,
    extracted_keywords: x?.keywords ?? [],
    extract_method: x?.method ?? null,
    extracted_at: x?.extractedAt ?? null,
  });
};
