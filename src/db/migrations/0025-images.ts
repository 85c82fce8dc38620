/**
 * Images (docs/decisions/0026-images-in-the-database.md): thumbnails and avatars are fetched once from
 * where the imported data points (Hugging Face's CDN), resized to WebP and kept here, so pages never
 * hot-link another site.
 *
 * - `images`: the stored WebP files, keyed by the SHA-256 of their bytes (the same picture fetched from
 *   two addresses is kept once; the key is the URL `/images/HASH.webp`, so it never changes meaning).
 * - `image_sources`: one row per remote address: `hash` once stored, or `status` failed with the reason
 *   (corrupt, too big, refused address…) and how many attempts, so a re-run skips what is done and
 *   retries failures only a few times.
 */
import type { Migration } from './index.ts';

export const images: Migration = {
  version: 25,
  name: 'images',
  compatibleWith: 24,
  async up(db, { engine }) {
    await db.schema
      .createTable('images')
      .addColumn('hash', 'text', (c) => c.primaryKey())
      .addColumn('data', engine === 'sqlite' ? 'blob' : 'bytea', (c) => c.notNull())
      .addColumn('width', 'integer', (c) => c.notNull())
      .addColumn('height', 'integer', (c) => c.notNull())
      .addColumn('bytes', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('image_sources')
      .addColumn('url', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.references('images.hash').onDelete('set null'))
      .addColumn('error', 'text')
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('fetched_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('image_sources_status').on('image_sources').columns(['status', 'attempts']).execute();
  },
};
