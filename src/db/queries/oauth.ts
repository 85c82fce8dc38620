/** Provider accounts (GitHub, Hugging Face) that members sign in with. */
import type { Kysely } from 'kysely';
import type { DB, OAuthAccountsTable } from '../schema.ts';

type Db = Kysely<DB>;
type Provider = OAuthAccountsTable['provider'];

/**
 * The member a provider account is linked to, if the member still exists. A link left behind by a
 * deleted account is removed, so that the provider account can sign up afresh.
 */
export async function findLinkedUserId(db: Db, provider: Provider, providerUserId: string): Promise<number | undefined> {
  const r = await db
    .selectFrom('oauth_accounts')
    .leftJoin('users', 'users.id', 'oauth_accounts.user_id')
    .select(['oauth_accounts.user_id', 'users.deleted_at'])
    .where('oauth_accounts.provider', '=', provider)
    .where('oauth_accounts.provider_user_id', '=', providerUserId)
    .executeTakeFirst();
  if (!r) return undefined;
  if (r.deleted_at !== null) {
    await db.deleteFrom('oauth_accounts').where('provider', '=', provider).where('provider_user_id', '=', providerUserId).execute();
    return undefined;
  }
  return r.user_id;
}

/** The provider account of this provider a member has linked already, if any. */
export async function linkedAccountOf(db: Db, userId: number, provider: Provider): Promise<{ providerUserId: string; login: string } | undefined> {
  const r = await db
    .selectFrom('oauth_accounts')
    .select(['provider_user_id', 'provider_login'])
    .where('user_id', '=', userId)
    .where('provider', '=', provider)
    .executeTakeFirst();
  return r && { providerUserId: r.provider_user_id, login: r.provider_login };
}

export async function linkOAuthAccount(db: Db, a: { provider: Provider; providerUserId: string; userId: number; login: string; now: Date }): Promise<void> {
  const at = a.now.toISOString();
  await db
    .insertInto('oauth_accounts')
    .values({ provider: a.provider, provider_user_id: a.providerUserId, user_id: a.userId, provider_login: a.login.slice(0, 100), created_at: at, last_used_at: at })
    .execute();
}

/** Notes a sign-in, and the login the member has at the provider now (people rename). */
export async function touchOAuthAccount(db: Db, provider: Provider, providerUserId: string, login: string, now: Date): Promise<void> {
  await db
    .updateTable('oauth_accounts')
    .set({ last_used_at: now.toISOString(), provider_login: login.slice(0, 100) })
    .where('provider', '=', provider)
    .where('provider_user_id', '=', providerUserId)
    .execute();
}

/** Whether any account, deleted ones too, holds this username (the column is unique). */
export async function usernameTaken(db: Db, username: string): Promise<boolean> {
  return (await db.selectFrom('users').select('id').where('username', '=', username).executeTakeFirst()) !== undefined;
}
