/**
 * What Hugging Face sends, kept as sent (docs/decisions/0024-hf-wire-compatibility.md):
 *
 * - `papers.hf_paper`: the `paper` object of the latest Hugging Face capture, every key in its order
 *   (legacy and newer fields alike: githubRepoAddedBy, ai_summary_model, names untrimmed…).
 * - `papers.hf_repos`: models, datasets and Spaces linked to the paper, as an import or mirror brought them.
 * - `daily_entries.hf_entry`: the entry object without its `paper`, every key in its order.
 * - `daily_entries.hf_published_at`: the entry's top-level `publishedAt` as Hugging Face gave it, or as we
 *   compute it the same way for listings made here; also what orders ties in upvotes.
 *
 * Only added columns: older code runs on (compatibleWith 23).
 */
import type { Migration } from './index.ts';

export const hfWire: Migration = {
  version: 24,
  name: 'hf-wire',
  compatibleWith: 23,
  async up(db) {
    await db.schema.alterTable('papers').addColumn('hf_paper', 'text').execute();
    await db.schema.alterTable('papers').addColumn('hf_repos', 'text').execute();
    await db.schema.alterTable('daily_entries').addColumn('hf_entry', 'text').execute();
    await db.schema.alterTable('daily_entries').addColumn('hf_published_at', 'text').execute();
  },
};
