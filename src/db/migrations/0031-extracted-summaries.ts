/**
 * Extracted summaries and keywords (docs/decisions/0036-extracted-summaries.md): for papers that have no
 * Hugging Face `ai_summary` (everything harvested from arXiv), one or two sentences of the abstract and
 * keyword phrases picked by src/domain/extract.ts. A table of their own, beside `papers`, so that Hugging
 * Face's fields (and every HF-shaped answer) stay exactly what Hugging Face sent.
 *
 * - `method`: EXTRACT_METHOD of the code that wrote the row; a newer method redoes older rows.
 * - `extracted_at`: ISO time of writing; a paper modified after it (a new abstract) is redone.
 *
 * A new table only: older code runs on (compatibleWith 30).
 */
import type { Migration } from './index.ts';

export const extractedSummaries: Migration = {
  version: 31,
  name: 'extracted-summaries',
  compatibleWith: 30,
  async up(db) {
    await db.schema
      .createTable('paper_extracts')
      .addColumn('paper_id', 'text', (c) => c.primaryKey().references('papers.id').onDelete('cascade'))
      .addColumn('summary', 'text')
      .addColumn('keywords', 'text', (c) => c.notNull())
      .addColumn('method', 'integer', (c) => c.notNull())
      .addColumn('extracted_at', 'text', (c) => c.notNull())
      .execute();
  },
};
