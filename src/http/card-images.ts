/**
 * Cards show thumbnails and avatars only from this site's image store (src/images/fetch.ts): this looks up
 * which of the remote addresses the cards name are stored, in one query, and hands the cards their local
 * addresses (`/images/HASH.webp`). An address not stored yet gets a placeholder.
 */
import type { Kysely } from 'kysely';
import { storedImageHashes, thumbnailsOfPapers } from '../db/queries/images.ts';
import type { DB } from '../db/schema.ts';
import type { CardModel } from './views/cards.ts';

export async function withStoredImages<C extends CardModel>(db: Kysely<DB>, given: C[]): Promise<C[]> {
  // Cards built from papers rather than listings (search, organizations) take the thumbnail of the paper's list entry.
  const missing = given.filter((c) => c.thumbnailUrl === undefined).map((c) => c.id);
  const thumbs = missing.length > 0 ? await thumbnailsOfPapers(db, missing) : new Map<string, string>();
  const cards = given.map((c) => (c.thumbnailUrl === undefined ? { ...c, thumbnailUrl: thumbs.get(c.id) ?? null } : c));
  const urls = cards.flatMap((c) => [c.thumbnailUrl, c.submitter?.avatarUrl, c.organization?.avatarUrl]);
  const hashes = await storedImageHashes(db, urls);
  const images = new Map([...hashes].map(([url, hash]) => [url, `/images/${hash}.webp`]));
  return cards.map((c) => ({ ...c, images }));
}
