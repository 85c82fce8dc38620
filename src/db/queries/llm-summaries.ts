/**
 * Summaries and keywords a language model writes here (docs/decisions/0037-ask-this-paper.md), in Hugging
 * Face's fields: `ai_summary`, `ai_keywords`, and `ai_summary_model` naming the model. Only for papers that
 * have none: Hugging Face's own values are never overwritten (the write checks `ai_summary IS NULL`), and an
 * import that brings Hugging Face's summary later replaces ours and clears the model (applyRecords).
 */
import type { Kysely } from 'kysely';
import type { DB } from '../schema.ts';

type Db = Kysely<DB>;

/** Papers with an abstract and no summary, newest first. */
export async function papersWithoutSummary(db: Db, limit: number): Promise<{ id: string; title: string; abstract: string }[]> {
  const rows = await db
    .selectFrom('papers')
    .select(['id', 'title', 'abstract'])
    .where('ai_summary', 'is', null)
    .where('abstract', 'is not', null)
    .orderBy('published_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ id: r.id, title: r.title, abstract: r.abstract! }));
}

/** Stores a generated summary where the paper still has none; false when it has one by now. */
export async function storeGeneratedSummary(db: Db, paperId: string, summary: string, keywords: string[], model: string, now: Date): Promise<boolean> {
  const r = await db
    .updateTable('papers')
    .set({ ai_summary: summary, ai_keywords: JSON.stringify(keywords), ai_summary_model: model, modified_at: now.toISOString() })
    .where('id', '=', paperId)
    .where('ai_summary', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** The model that wrote the paper's summary here; null for Hugging Face's own (or none). */
export async function generatedSummaryModel(db: Db, paperId: string): Promise<string | null> {
  const r = await db.selectFrom('papers').select('ai_summary_model').where('id', '=', paperId).executeTakeFirst();
  return r?.ai_summary_model ?? null;
}

export async function summaryCounts(db: Db): Promise<{ papers: number; hf: number; generated: number }> {
  const r = await db
    .selectFrom('papers')
    .select((eb) => [
      eb.fn.countAll<number>().as('papers'),
      eb.fn.count<number>('ai_summary').as('with_summary'),
      eb.fn.count<number>('ai_summary_model').as('generated'),
    ])
    .executeTakeFirstOrThrow();
  return { papers: Number(r.papers), hf: Number(r.with_summary) - Number(r.generated), generated: Number(r.generated) };
}
