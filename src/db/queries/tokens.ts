/** Personal access tokens: members use them for the API (`Authorization: Bearer dp_…`). */
import type { Kysely } from 'kysely';
import type { DB } from '../schema.ts';
import { findUserById, type User } from './users.ts';

type Db = Kysely<DB>;

export interface ApiToken {
  id: number;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
}

export async function createApiToken(db: Db, userId: number, name: string, tokenHash: string, now: Date): Promise<void> {
  await db.insertInto('api_tokens').values({ user_id: userId, name, token_hash: tokenHash, created_at: now.toISOString() }).execute();
}

export async function listApiTokens(db: Db, userId: number): Promise<ApiToken[]> {
  const rows = await db
    .selectFrom('api_tokens')
    .select(['id', 'name', 'created_at', 'last_used_at'])
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .orderBy('id', 'desc')
    .execute();
  return rows.map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at, lastUsedAt: r.last_used_at }));
}

/** Revokes a member's own token; false when it is not theirs or already revoked. */
export async function revokeApiToken(db: Db, userId: number, tokenId: number, now: Date): Promise<boolean> {
  const r = await db
    .updateTable('api_tokens')
    .set({ revoked_at: now.toISOString() })
    .where('id', '=', tokenId)
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/**
 * How often a token's last use is written: at most once a minute per token, so that a program calling the API
 * in a loop does not turn every read into a write (settings shows the last use to the minute).
 */
export const LAST_USED_RESOLUTION_SECONDS = 60;

/** The member a token belongs to, while it is not revoked; notes when it was last used (see LAST_USED_RESOLUTION_SECONDS). */
export async function userForApiToken(db: Db, tokenHash: string, now: Date): Promise<User | undefined> {
  const row = await db
    .selectFrom('api_tokens')
    .select(['id', 'user_id', 'last_used_at'])
    .where('token_hash', '=', tokenHash)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (!row) return undefined;
  if (row.last_used_at === null || now.getTime() - Date.parse(row.last_used_at) >= LAST_USED_RESOLUTION_SECONDS * 1000) {
    await db.updateTable('api_tokens').set({ last_used_at: now.toISOString() }).where('id', '=', row.id).execute();
  }
  return findUserById(db, row.user_id);
}

/** Revokes every token of a member: on a password change or reset, and "log out everywhere". */
export async function revokeUserApiTokens(db: Db, userId: number, now: Date): Promise<number> {
  const r = await db.updateTable('api_tokens').set({ revoked_at: now.toISOString() }).where('user_id', '=', userId).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows);
}
