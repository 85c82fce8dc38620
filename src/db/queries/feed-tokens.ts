/**
 * Private feed addresses (migration 27): one secret per member, kept as its SHA-256 (src/auth/crypto.ts
 * hashToken) so that a copy of the database cannot read anyone's feed. Making a new one replaces the old,
 * which stops working at once. The same token serves every private feed of the member
 * (/feeds/private/TOKEN/for-you.rss, and others added later, such as notifications).
 */
import type { Kysely } from 'kysely';
import type { DB } from '../schema.ts';

type Db = Kysely<DB>;

/** Creates the member's feed token, or replaces (rotates) the one they had. */
export async function setFeedToken(db: Db, userId: number, tokenHash: string, now: Date): Promise<void> {
  await db
    .insertInto('feed_tokens')
    .values({ user_id: userId, token_hash: tokenHash, created_at: now.toISOString() })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ token_hash: tokenHash, created_at: now.toISOString() }))
    .execute();
}

/** When the member's current token was made, or null when they have none. */
export async function feedTokenCreatedAt(db: Db, userId: number): Promise<string | null> {
  const r = await db.selectFrom('feed_tokens').select('created_at').where('user_id', '=', userId).executeTakeFirst();
  return r?.created_at ?? null;
}

/** Turns private feeds off: the token stops working. */
export async function deleteFeedToken(db: Db, userId: number): Promise<boolean> {
  const r = await db.deleteFrom('feed_tokens').where('user_id', '=', userId).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** The member a token belongs to (not deleted or suspended), or undefined. */
export async function userForFeedToken(db: Db, tokenHash: string): Promise<number | undefined> {
  const r = await db
    .selectFrom('feed_tokens as t')
    .innerJoin('users as u', 'u.id', 't.user_id')
    .select(['u.id', 'u.deleted_at', 'u.suspended_at'])
    .where('t.token_hash', '=', tokenHash)
    .executeTakeFirst();
  if (!r || r.deleted_at !== null || r.suspended_at !== null) return undefined;
  return r.id;
}
