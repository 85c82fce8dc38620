/**
 * The text "Ask this paper" reads: what the database holds of the paper (the title, the abstract and Hugging
 * Face's AI summary, as sections of a small Markdown document), followed by its full text when it was fetched
 * (src/db/queries/fulltext.ts, which leaves the abstract out). The version is then the full text's.
 */
import type { Kysely } from 'kysely';
import type { PaperTextDoc } from '../../domain/ask.ts';
import type { DB } from '../schema.ts';
import { getFullText } from './fulltext.ts';

/** The anchors of the paper page's own sections (src/http/views/paper-page.ts) the metadata text links to. */
export const METADATA_ANCHORS = { abstract: 'abstract', summary: 'ai-summary' } as const;

export async function loadPaperText(db: Kysely<DB>, paperId: string): Promise<PaperTextDoc | null> {
  const p = await db.selectFrom('papers').select(['title', 'abstract', 'ai_summary', 'ai_summary_model', 'version', 'updated_at', 'published_at']).where('id', '=', paperId).executeTakeFirst();
  if (!p) return null;
  const sections: PaperTextDoc['sections'] = [];
  const parts = [`# ${p.title.replace(/\s+/g, ' ').trim()}`];
  if (p.abstract?.trim()) {
    sections.push({ anchor: METADATA_ANCHORS.abstract, title: 'Abstract', level: 2 });
    parts.push('## Abstract', p.abstract.trim());
  }
  // Hugging Face's summary only: one a model wrote here is not the paper's text.
  if (p.ai_summary?.trim() && p.ai_summary_model === null) {
    sections.push({ anchor: METADATA_ANCHORS.summary, title: 'AI summary', level: 2 });
    parts.push('## AI summary', p.ai_summary.trim());
  }
  const full = await getFullText(db, paperId);
  if (full) return { version: full.version, source: full.source, markdown: [...parts, full.markdown].join('\n\n'), sections: [...sections, ...full.sections] };
  if (sections.length === 0) return null;
  return { version: p.version !== null ? `v${p.version}` : (p.updated_at ?? p.published_at ?? 'unknown'), source: 'metadata', markdown: parts.join('\n\n'), sections };
}
