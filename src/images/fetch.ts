/**
 * Fetching the images the imported data points to (Hugging Face's thumbnails and avatars), so that pages
 * never hot-link another site (docs/decisions/0026-images-in-the-database.md):
 *
 * - download: only http(s), only to public addresses (every address a name resolves to, checked again at
 *   connect time, and after each redirect: src/domain/public-address.ts) unless `allowPrivate` (tests' local
 *   stubs); a byte limit, a timeout, an image content type;
 * - resize with sharp to a small WebP (thumbnails 640 px wide, avatars 64×64);
 * - store it in the database keyed by its SHA-256 (src/db/queries/images.ts).
 *
 * A corrupt, oversized or refused image is recorded as failed with its reason (the page shows a
 * placeholder); a run never stops on one image, and running again skips what is done.
 */
import { createHash } from 'node:crypto';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import sharp from 'sharp';
import type { Database } from '../db/connection.ts';
import { pendingImageSources, recordImageFailure, storeImage, type ImageKind, type ImageSource } from '../db/queries/images.ts';
import { bumpDataVersion } from '../db/queries/papers.ts';
import { isPublicAddress } from '../domain/public-address.ts';

export interface ImageFetchOptions {
  /** Relative addresses in the data (`/avatars/….svg`) are resolved against this (Hugging Face). */
  base: string;
  /** Tests' local stubs listen on 127.0.0.1; a real site never sets this (IMAGES_ALLOW_PRIVATE_ADDRESSES). */
  allowPrivate: boolean;
  /**
   * Tests and benchmarks (IMAGES_FETCH_VIA): fetch `https://HOST/PATH` from `VIA/HOST/PATH` instead, a local
   * server standing in for the CDNs. The stored mapping keeps the original address.
   */
  via?: string | null;
  userAgent: string;
  timeoutMs: number;
  maxBytes: number;
}

export const IMAGE_DEFAULTS = { timeoutMs: 15_000, maxBytes: 8 * 1024 * 1024 } as const;
/** Redirects followed per image (each one checked like the first address). */
const MAX_REDIRECTS = 3;
/** Thumbnails: wide enough for a card on a 2× screen. Avatars: 32 px shown, 64 px for 2× screens. */
export const THUMBNAIL_WIDTH = 640;
export const THUMBNAIL_MAX_HEIGHT = 480;
export const AVATAR_SIZE = 64;
/** A decoded picture larger than this is refused before it takes the memory (a "decompression bomb"). */
const MAX_INPUT_PIXELS = 40_000_000;

export class ImageFetchError extends Error {
  override name = 'ImageFetchError';
}

/** A DNS lookup that fails when the name resolves to any address that is not public. */
function guardedLookup(allowPrivate: boolean) {
  return (hostname: string, options: { all?: boolean; family?: number }, cb: (err: Error | null, address?: string | LookupAddress[], family?: number) => void) => {
    dnsLookup(hostname, { all: true, family: options.family ?? 0 }, (err, addresses) => {
      if (err) return cb(err);
      const list = addresses as LookupAddress[];
      const refused = allowPrivate ? undefined : list.find((a) => !isPublicAddress(a.address));
      if (refused || list.length === 0) return cb(new ImageFetchError(`${hostname} resolves to ${refused?.address ?? 'nothing'}, which is not a public address`));
      if (options.all) return cb(null, list);
      cb(null, list[0]!.address, list[0]!.family);
    });
  };
}

/** Downloads one image: its bytes and content type, or throws an ImageFetchError saying why not. */
export async function downloadImage(url: string, o: ImageFetchOptions, signal?: AbortSignal, redirects = 0): Promise<{ bytes: Buffer; type: string }> {
  let u: URL;
  try {
    u = new URL(url, o.base);
    if (o.via && redirects === 0) u = new URL(`${o.via.replace(/\/+$/, '')}/${u.host}${u.pathname}${u.search}`);
  } catch {
    throw new ImageFetchError(`not an address: ${url.slice(0, 200)}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ImageFetchError(`only http and https images are fetched, not ${u.protocol}`);
  if (u.username || u.password) throw new ImageFetchError('addresses with credentials are not fetched');
  const host = u.hostname.replace(/^\[|\]$/g, '');
  // An IP literal is never looked up: check it here.
  if (isIP(host) && !o.allowPrivate && !isPublicAddress(host)) throw new ImageFetchError(`${host} is not a public address`);
  const lib = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.get(
      u,
      { headers: { 'user-agent': o.userAgent, accept: 'image/avif,image/webp,image/png,image/jpeg,image/*;q=0.8' }, lookup: guardedLookup(o.allowPrivate) as never, timeout: o.timeoutMs, signal },
      (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400 && res.headers.location) {
          res.resume();
          if (redirects >= MAX_REDIRECTS) return reject(new ImageFetchError(`more than ${MAX_REDIRECTS} redirects`));
          return resolve(downloadImage(new URL(res.headers.location, u).href, o, signal, redirects + 1));
        }
        if (status !== 200) {
          res.resume();
          return reject(new ImageFetchError(`HTTP ${status}`));
        }
        const type = String(res.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
        // SVG is a document (scripts, external references), not a picture: refused like any non-image.
        if (!type.startsWith('image/') || type === 'image/svg+xml') {
          res.resume();
          return reject(new ImageFetchError(`not a picture (Content-Type: ${type || 'none'})`));
        }
        const declared = Number(res.headers['content-length'] ?? NaN);
        if (declared > o.maxBytes) {
          res.destroy();
          return reject(new ImageFetchError(`too large: ${declared} bytes (limit ${o.maxBytes})`));
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > o.maxBytes) {
            res.destroy();
            reject(new ImageFetchError(`too large: over ${o.maxBytes} bytes`));
          } else chunks.push(c);
        });
        res.on('end', () => resolve({ bytes: Buffer.concat(chunks), type }));
        res.on('error', (e) => reject(new ImageFetchError(e.message)));
      },
    );
    req.on('timeout', () => req.destroy(new ImageFetchError(`no answer within ${o.timeoutMs} ms`)));
    req.on('error', (e) => reject(e instanceof ImageFetchError ? e : new ImageFetchError(e.message)));
  });
}

/** A picture → the stored WebP: resized for its use, its SHA-256. Throws on a corrupt or unreadable picture. */
export async function toWebp(input: Buffer, kind: ImageKind): Promise<{ hash: string; data: Buffer; width: number; height: number }> {
  let img = sharp(input, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error', animated: false }).rotate();
  img =
    kind === 'avatar'
      ? img.resize(AVATAR_SIZE, AVATAR_SIZE, { fit: 'cover' })
      : img.resize({ width: THUMBNAIL_WIDTH, height: THUMBNAIL_MAX_HEIGHT, fit: 'inside', withoutEnlargement: true });
  const { data, info } = await img.webp({ quality: kind === 'avatar' ? 80 : 70, effort: 4 }).toBuffer({ resolveWithObject: true });
  return { hash: createHash('sha256').update(data).digest('hex'), data, width: info.width, height: info.height };
}

export interface ImageRunSummary {
  stored: number;
  failed: number;
  /** Addresses still waiting after this run (at most what one more run would take; 0 when none). */
  remaining: number;
  errors: { url: string; error: string }[];
}

/**
 * Fetches, resizes and stores up to `limit` images not stored yet, `concurrency` at a time. Each image is
 * its own short write; a failure is recorded and the run goes on.
 */
export async function fetchPendingImages(
  database: Database,
  o: ImageFetchOptions & { limit: number; concurrency?: number; signal?: AbortSignal; now?: () => Date },
): Promise<ImageRunSummary> {
  const { db } = database;
  const sources = await pendingImageSources(db, o.limit);
  const summary: ImageRunSummary = { stored: 0, failed: 0, remaining: 0, errors: [] };
  let next = 0;
  const one = async (s: ImageSource) => {
    try {
      const { bytes } = await downloadImage(s.url, o, o.signal);
      let image;
      try {
        image = await toWebp(bytes, s.kind);
      } catch (e) {
        throw new ImageFetchError(`not a readable picture (${(e as Error).message.split('\n')[0]})`);
      }
      await storeImage(db, s, image, o.now?.());
      summary.stored++;
    } catch (e) {
      if (o.signal?.aborted) throw o.signal.reason;
      if (!(e instanceof ImageFetchError)) throw e; // the database, not the image: the run fails
      await recordImageFailure(db, s, e.message, o.now?.());
      summary.failed++;
      if (summary.errors.length < 20) summary.errors.push({ url: s.url, error: e.message });
    }
  };
  const worker = async () => {
    while (next < sources.length) await one(sources[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(o.concurrency ?? 4, sources.length) }, worker));
  if (summary.stored > 0) await bumpDataVersion(db);
  summary.remaining = (await pendingImageSources(db, o.limit)).length;
  return summary;
}

export function describeImages(r: ImageRunSummary): string {
  return `${r.stored} images stored, ${r.failed} failed${r.errors[0] ? ` (first: ${r.errors[0].url}: ${r.errors[0].error})` : ''}, ${r.remaining}${r.remaining > 0 ? ' or more' : ''} waiting`;
}
