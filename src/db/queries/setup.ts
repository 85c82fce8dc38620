/** One-time setup links: while a site has no admin, `serve` prints one (src/http/handlers/setup.ts). */
import type { Kysely } from 'kysely';
import type { DB } from '../schema.ts';

type Db = Kysely<DB>;

/** Keeps a new setup token (its hash), and forgets the expired ones. */
export async function createSetupToken(db: Db, tokenHash: string, now: Date, expiresAt: Date): Promise<void> {
  await db.deleteFrom('setup_tokens').where('expires_at', '<=', now.toISOString()).execute();
  await db.insertInto('setup_tokens').values({ token_hash: tokenHash, created_at: now.toISOString(), expires_at: expiresAt.toISOString(), used_at: null }).execute();
}

/** Whether a setup token is known, unused and unexpired. */
export async function setupTokenValid(db: Db, tokenHash: string, now: Date): Promise<boolean> {
  const r = await db
    .selectFrom('setup_tokens')
    .select('token_hash')
    .where('token_hash', '=', tokenHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now.toISOString())
    .executeTakeFirst();
  return r !== undefined;
}

/** Uses a setup token once (one UPDATE: two posts cannot both succeed); false when it is not valid. */
export async function consumeSetupToken(db: Db, tokenHash: string, now: Date): Promise<boolean> {
  const r = await db
    .updateTable('setup_tokens')
    .set({ used_at: now.toISOString() })
    .where('token_hash', '=', tokenHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now.toISOString())
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
