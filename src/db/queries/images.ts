/**
 * Stored images (migration 25; docs/decisions/0026-images-in-the-database.md): the remote addresses the
 * imported data names (thumbnails of daily entries, avatars of submitters and organizations), what
 * fetching each gave, and the WebP files themselves.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../schema.ts';

type Db = Kysely<DB>;

export type ImageKind = 'thumbnail' | 'avatar';

export interface ImageSource {
  url: string;
  kind: ImageKind;
}

/** A failed address is tried again on later runs, up to this many attempts in all. */
export const IMAGE_MAX_ATTEMPTS = 3;

/**
 * Remote addresses not fetched yet (or failed fewer than IMAGE_MAX_ATTEMPTS times), at most `limit`:
 * thumbnails of the newest days first, then avatars. Only absolute http(s) addresses and paths (which
 * the fetcher resolves against its base) are listed.
 */
export async function pendingImageSources(db: Db, limit: number): Promise<ImageSource[]> {
  const notDone = (col: string) =>
    sql<boolean>`not exists (select 1 from image_sources s where s.url = ${sql.ref(col)} and (s.status = 'ok' or s.attempts >= ${IMAGE_MAX_ATTEMPTS}))`;
  const out: ImageSource[] = [];
  const thumbs = await db
    .selectFrom('daily_entries as e')
    .select((eb) => ['e.thumbnail as url', eb.fn.max('e.day').as('day')])
    .where('e.thumbnail', 'is not', null)
    .where(notDone('e.thumbnail'))
    .groupBy('e.thumbnail')
    .orderBy('day', 'desc')
    .limit(limit)
    .execute();
  for (const r of thumbs) out.push({ url: r.url!, kind: 'thumbnail' });
  if (out.length < limit) {
    const subs = await db
      .selectFrom('submitters as s2')
      .select('s2.avatar_url as url')
      .distinct()
      .where('s2.avatar_url', 'is not', null)
      .where(notDone('s2.avatar_url'))
      .orderBy('url')
      .limit(limit - out.length)
      .execute();
    for (const r of subs) out.push({ url: r.url!, kind: 'avatar' });
  }
  if (out.length < limit) {
    const orgs = await db
      .selectFrom('organizations as o')
      .select('o.avatar_url as url')
      .distinct()
      .where('o.avatar_url', 'is not', null)
      .where(notDone('o.avatar_url'))
      .orderBy('url')
      .limit(limit - out.length)
      .execute();
    const seen = new Set(out.map((s) => s.url));
    for (const r of orgs) if (!seen.has(r.url!)) out.push({ url: r.url!, kind: 'avatar' });
  }
  return out;
}

/** Stores an image (kept once per hash) and maps its remote address to it. Safe to repeat. */
export async function storeImage(
  db: Db,
  source: ImageSource,
  image: { hash: string; data: Uint8Array; width: number; height: number },
  now = new Date(),
): Promise<void> {
  const at = now.toISOString();
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('images')
      .values({ hash: image.hash, data: image.data, width: image.width, height: image.height, bytes: image.data.byteLength, created_at: at })
      .onConflict((oc) => oc.column('hash').doNothing())
      .execute();
    await trx
      .insertInto('image_sources')
      .values({ url: source.url, kind: source.kind, status: 'ok', hash: image.hash, error: null, attempts: 1, fetched_at: at })
      .onConflict((oc) =>
        oc.column('url').doUpdateSet((eb) => ({ status: 'ok', hash: image.hash, error: null, attempts: eb('image_sources.attempts', '+', 1), fetched_at: at })),
      )
      .execute();
  });
}

/** Records that fetching an address failed, and why (one line); it is tried again until IMAGE_MAX_ATTEMPTS. */
export async function recordImageFailure(db: Db, source: ImageSource, error: string, now = new Date()): Promise<void> {
  const at = now.toISOString();
  const why = error.slice(0, 500);
  await db
    .insertInto('image_sources')
    .values({ url: source.url, kind: source.kind, status: 'failed', hash: null, error: why, attempts: 1, fetched_at: at })
    .onConflict((oc) =>
      oc.column('url').doUpdateSet((eb) => ({ status: 'failed', error: why, attempts: eb('image_sources.attempts', '+', 1), fetched_at: at })),
    )
    .execute();
}

/** A stored image by its hash, or undefined. */
export async function imageByHash(db: Db, hash: string): Promise<{ data: Uint8Array; bytes: number } | undefined> {
  return db.selectFrom('images').select(['data', 'bytes']).where('hash', '=', hash).executeTakeFirst();
}

/** Remote address → hash of its stored image, for the addresses that have one. */
export async function storedImageHashes(db: Db, urls: readonly (string | null | undefined)[]): Promise<Map<string, string>> {
  const wanted = [...new Set(urls.filter((u): u is string => typeof u === 'string' && u.length > 0))];
  const out = new Map<string, string>();
  for (let i = 0; i < wanted.length; i += 500) {
    const rows = await db
      .selectFrom('image_sources')
      .select(['url', 'hash'])
      .where('url', 'in', wanted.slice(i, i + 500))
      .where('status', '=', 'ok')
      .where('hash', 'is not', null)
      .execute();
    for (const r of rows) out.set(r.url, r.hash!);
  }
  return out;
}

/** Counts for the CLI and the admin: stored images and their bytes, failed addresses, addresses waiting. */
export async function imageStats(db: Db): Promise<{ images: number; bytes: number; failed: number }> {
  const i = await db.selectFrom('images').select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('bytes').as('b')]).executeTakeFirstOrThrow();
  const f = await db.selectFrom('image_sources').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'failed').executeTakeFirstOrThrow();
  return { images: Number(i.n), bytes: Number(i.b ?? 0), failed: Number(f.n) };
}

/** Paper id → the thumbnail address of one of its daily entries, for cards built from papers (search, organizations). */
export async function thumbnailsOfPapers(db: Db, ids: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db
      .selectFrom('daily_entries')
      .select(['paper_id', (eb) => eb.fn.max('thumbnail').as('thumbnail')])
      .where('paper_id', 'in', ids.slice(i, i + 500))
      .where('thumbnail', 'is not', null)
      .groupBy('paper_id')
      .execute();
    for (const r of rows) if (r.thumbnail) out.set(r.paper_id, r.thumbnail);
  }
  return out;
}
