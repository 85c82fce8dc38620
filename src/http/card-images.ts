/**
 * Cards show thumbnails and avatars only from this site's image store (src/images/fetch.ts): this looks up
 * which of the remote addresses the cards name are stored, in one query, and hands the cards their local
 * addresses (`/images/HASH.webp`). An address not stored yet gets a placeholder.
 */
import type { Kysely } from 'kysely';
import { storedImageHashes } from '../db/queries/images.ts';
import type { DB } from '../db/schema.ts';
import type { CardModel } from './views/cards.ts';

export async function withStoredImages<C extends CardModel>(db: Kysely<DB>, cards: C[]): Promise<C[]> {
  const urls = cards.flatMap((c) => [c.thumbnailUrl, c.submitter?.avatarUrl, c.organization?.avatarUrl]);
  const hashes = await storedImageHashes(db, urls);
  const images = new Map([...hashes].map(([url, hash]) => [url, `/images/${hash}.webp`]));
  return cards.map((c) => ({ ...c, images }));
}
