/**
 * Embeddings of papers for semantic search and similar papers (docs/decisions: semantic search). One
 * vector per paper, with the model that made it: the database is the source of truth, the in-process
 * nearest-neighbour index (src/search/vectors.ts) is rebuilt from it. `seq` grows with every write (from
 * the `embedding_seq` counter in site_state), so that an index picks up what changed since it last looked;
 * it is also the paper's key in that index.
 */
import type { Migration } from './index.ts';

export const embeddings: Migration = {
  version: 11,
  name: 'embeddings',
  async up(db, { engine }) {
    await db.schema
      .createTable('paper_embeddings')
      .addColumn('paper_id', 'text', (c) => c.primaryKey().references('papers.id').onDelete('cascade'))
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('dims', 'integer', (c) => c.notNull())
      // Little-endian Float32, dims × 4 bytes.
      .addColumn('vector', engine === 'sqlite' ? 'blob' : 'bytea', (c) => c.notNull())
      .addColumn('seq', 'bigint', (c) => c.notNull().unique())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('paper_embeddings_model_seq').on('paper_embeddings').columns(['model', 'seq']).execute();
    await db.insertInto('site_state').values({ key: 'embedding_seq', value: 0 }).execute();
  },
};
