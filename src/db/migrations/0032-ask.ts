/**
 * A language model the site owner chooses (docs/decisions/0037-ask-this-paper.md):
 * - `papers.ai_summary_model`: the model that wrote a generated `ai_summary`/`ai_keywords` (LLM_MODEL);
 *   null for Hugging Face's own values and for papers without a summary.
 * - `ask_answers`: answers to "Ask this paper" / "Ask this collection", one per scope (a paper's text version,
 *   or a collection's papers and their versions), normalized question and model. No member id is kept: an
 *   answer is shown only to whoever asks the identical question again.
 * - `llm_usage`: requests and tokens a day, per member (user_id) and for the whole site (user_id 0).
 */
import type { Migration } from './index.ts';

export const ask: Migration = {
  version: 32,
  name: 'ask',
  compatibleWith: 31,
  async up(db, { id }) {
    await db.schema.alterTable('papers').addColumn('ai_summary_model', 'text').execute();
    await db.schema
      .createTable('ask_answers')
      .addColumn('id', 'integer', id)
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('question_key', 'text', (c) => c.notNull())
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('answer', 'text', (c) => c.notNull())
      /** JSON: the passages the answer cites, [{id, paperId, anchor, title, text}] */
      .addColumn('citations', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('ask_answers_scope_question', ['scope', 'question_key', 'model'])
      .execute();
    await db.schema
      .createTable('llm_usage')
      .addColumn('day', 'text', (c) => c.notNull())
      .addColumn('user_id', 'integer', (c) => c.notNull())
      .addColumn('requests', 'integer', (c) => c.notNull())
      .addColumn('tokens', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('llm_usage_pk', ['day', 'user_id'])
      .execute();
  },
};
