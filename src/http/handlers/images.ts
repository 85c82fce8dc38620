/**
 * GET /images/HASH.webp: a stored thumbnail or avatar (src/images/fetch.ts). The name is the SHA-256 of the
 * bytes, so the answer never changes: cached for a year, immutable, with the hash as its ETag.
 */
import type { Context } from 'hono';
import { imageByHash } from '../../db/queries/images.ts';
import type { Deps } from '../context.ts';

const NAME = /^([0-9a-f]{64})\.webp$/;

export const serveImage = (deps: Deps) => async (c: Context) => {
  const m = NAME.exec(c.req.param('file') ?? '');
  if (!m) return c.text('Not an image name: images are /images/ followed by 64 hex digits and .webp', 404);
  const hash = m[1]!;
  const etag = `"${hash}"`;
  const headers = { 'Cache-Control': 'public, max-age=31536000, immutable', ETag: etag, 'X-Content-Type-Options': 'nosniff' };
  const inm = c.req.header('if-none-match');
  if (inm && inm.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)) return c.body(null, 304, headers);
  const image = await imageByHash(deps.database.db, hash);
  if (!image) return c.text('No such image', 404);
  const bytes = image.data;
  return c.body(new Uint8Array(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength), 200, { ...headers, 'Content-Type': 'image/webp' });
};
