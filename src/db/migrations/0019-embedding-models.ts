/**
 * The semantic model of the site, in the database (docs/decisions/0019-one-semantic-model-per-site.md), so
 * that every instance finds it whatever its folders or its spelling of DATABASE_URL:
 *
 * - `embedding_models`: the built-in embedder's model files, content-addressed by their SHA-256, with the
 *   model id recorded beside every vector it made (`builtin-lsa-384@…`). The bytes are in
 *   `embedding_model_chunks`, a few MB per row (one row per statement on either engine: bounded memory,
 *   short write transactions); the `embedding_models` row is written last, so a model is listed only once
 *   all its chunks are in.
 * - `embedding_site`: one row: the site's model (the id every instance embeds with; null until
 *   `embeddings train`, `embeddings use` or the first instance that embeds sets it) and a random `site_key`
 *   that names the instances' cached index files (two sites sharing a folder never read each other's).
 */
import { randomBytes } from 'node:crypto';
import type { Migration } from './index.ts';

export const embeddingModels: Migration = {
  version: 19,
  name: 'embedding-models',
  async up(db, { engine }) {
    await db.schema
      .createTable('embedding_models')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('sha256', 'text', (c) => c.notNull().unique())
      .addColumn('bytes', 'bigint', (c) => c.notNull())
      .addColumn('chunks', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('embedding_model_chunks')
      .addColumn('sha256', 'text', (c) => c.notNull())
      .addColumn('n', 'integer', (c) => c.notNull())
      .addColumn('data', engine === 'sqlite' ? 'blob' : 'bytea', (c) => c.notNull())
      .addPrimaryKeyConstraint('embedding_model_chunks_pk', ['sha256', 'n'])
      .execute();
    await db.schema
      .createTable('embedding_site')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('site_key', 'text', (c) => c.notNull())
      .addColumn('model', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.insertInto('embedding_site').values({ id: 1, site_key: randomBytes(6).toString('hex'), model: null, updated_at: new Date().toISOString() }).execute();
  },
};
