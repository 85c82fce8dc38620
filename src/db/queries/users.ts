/** Members, their sessions and their one-time mail tokens. */
import type { Kysely, Selectable } from 'kysely';
import type { DB, Role, UsersTable, UserTokensTable } from '../schema.ts';
import { bumpDataVersion } from './papers.ts';
import { revokeUserApiTokens } from './tokens.ts';

type Db = Kysely<DB>;

export interface User {
  id: number;
  username: string;
  email: string;
  emailVerified: boolean;
  displayName: string | null;
  role: Role;
  suspended: boolean;
  createdAt: string;
}

const toUser = (r: Selectable<UsersTable>): User => ({
  id: r.id, username: r.username, email: r.email, emailVerified: r.email_verified_at !== null,
  displayName: r.display_name, role: r.role, suspended: r.suspended_at !== null, createdAt: r.created_at,
});

export class DuplicateUserError extends Error {
  constructor(readonly field: 'username' | 'email') {
    super(`${field} already taken`);
  }
}

/**
 * Creates a member (a plain member unless `role` says otherwise: being first makes no one admin; the operator
 * makes the first admin with `dailypapers users create --admin` or the setup link `serve` prints). Throws DuplicateUserError.
 */
export async function createUser(
  db: Db,
  u: { username: string; email: string; passwordHash: string | null; role?: Role; verified?: boolean },
): Promise<User> {
  const now = new Date().toISOString();
  return db.transaction().execute(async (trx) => {
    const clash = await trx
      .selectFrom('users')
      .select(['username', 'email'])
      .where((eb) => eb.or([eb('username', '=', u.username), eb('email', '=', u.email)]))
      .executeTakeFirst();
    if (clash) throw new DuplicateUserError(clash.username === u.username ? 'username' : 'email');
    const row = await trx
      .insertInto('users')
      .values({
        username: u.username, email: u.email, password_hash: u.passwordHash, role: u.role ?? 'member',
        email_verified_at: u.verified ? now : null, created_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toUser(row);
  });
}

export async function findUserById(db: Db, id: number): Promise<User | undefined> {
  const r = await db.selectFrom('users').selectAll().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
  return r && toUser(r);
}

/** By email or username, with the password hash, for log-in. */
export async function findLogin(db: Db, login: string): Promise<{ user: User; passwordHash: string | null } | undefined> {
  const key = login.trim().toLowerCase();
  const r = await db
    .selectFrom('users')
    .selectAll()
    .where((eb) => eb.or([eb('email', '=', key), eb('username', '=', key)]))
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return r && { user: toUser(r), passwordHash: r.password_hash };
}

export async function findUserByUsername(db: Db, username: string): Promise<User | undefined> {
  const r = await db.selectFrom('users').selectAll().where('username', '=', username).where('deleted_at', 'is', null).executeTakeFirst();
  return r && toUser(r);
}

export async function findUserByEmail(db: Db, email: string): Promise<User | undefined> {
  const r = await db.selectFrom('users').selectAll().where('email', '=', email).where('deleted_at', 'is', null).executeTakeFirst();
  return r && toUser(r);
}

export async function listUsers(db: Db): Promise<User[]> {
  return (await db.selectFrom('users').selectAll().where('deleted_at', 'is', null).orderBy('id').execute()).map(toUser);
}

/** Whether the site has an admin (not deleted nor suspended): `serve` offers a setup link until it has one. */
export async function hasAdmin(db: Db): Promise<boolean> {
  const r = await db.selectFrom('users').select('id').where('role', '=', 'admin').where('deleted_at', 'is', null).where('suspended_at', 'is', null).limit(1).executeTakeFirst();
  return r !== undefined;
}

export async function setRole(db: Db, username: string, role: Role): Promise<boolean> {
  const r = await db.updateTable('users').set({ role }).where('username', '=', username).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function setPassword(db: Db, userId: number, passwordHash: string): Promise<void> {
  await db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', userId).execute();
}

export async function markEmailVerified(db: Db, userId: number): Promise<void> {
  await db.updateTable('users').set({ email_verified_at: new Date().toISOString() }).where('id', '=', userId).where('email_verified_at', 'is', null).execute();
}

// ---- sessions

export async function createSession(db: Db, s: { tokenHash: string; userId: number; expiresAt: string; userAgent: string | null }): Promise<void> {
  await db
    .insertInto('sessions')
    .values({ token_hash: s.tokenHash, user_id: s.userId, expires_at: s.expiresAt, user_agent: s.userAgent?.slice(0, 300) ?? null, created_at: new Date().toISOString() })
    .execute();
}

/** The member a session belongs to and when it was signed in, while it has not expired and the account exists. */
export async function findSessionUser(db: Db, tokenHash: string, now: Date): Promise<{ user: User; signedInAt: string } | undefined> {
  const r = await db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .selectAll('users')
    .select('sessions.created_at as signed_in_at')
    .where('sessions.token_hash', '=', tokenHash)
    .where('sessions.expires_at', '>', now.toISOString())
    .where('users.deleted_at', 'is', null)
    .executeTakeFirst();
  return r && { user: toUser(r), signedInAt: r.signed_in_at };
}

export async function deleteSession(db: Db, tokenHash: string): Promise<void> {
  await db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
}

/** "Log out everywhere", and what a password reset does. */
export async function deleteUserSessions(db: Db, userId: number): Promise<void> {
  await db.deleteFrom('sessions').where('user_id', '=', userId).execute();
}

// ---- one-time tokens sent by mail

export async function createUserToken(
  db: Db,
  t: { tokenHash: string; userId: number; purpose: UserTokensTable['purpose']; expiresAt: string; newEmail?: string },
): Promise<void> {
  await db
    .insertInto('user_tokens')
    .values({ token_hash: t.tokenHash, user_id: t.userId, purpose: t.purpose, expires_at: t.expiresAt, created_at: new Date().toISOString(), new_email: t.newEmail ?? null })
    .execute();
}

/**
 * Uses a token once: marks it used and returns its member, or undefined when it is unknown, used,
 * expired or for another purpose. One UPDATE, so two clicks cannot both succeed.
 */
export async function consumeUserToken(db: Db, tokenHash: string, purpose: UserTokensTable['purpose'], now: Date): Promise<number | undefined> {
  const r = await db
    .updateTable('user_tokens')
    .set({ used_at: now.toISOString() })
    .where('token_hash', '=', tokenHash)
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now.toISOString())
    .returning('user_id')
    .executeTakeFirst();
  return r?.user_id;
}

// ---- changing the email address, deleting the account

/** Whether an account other than `exceptUserId` uses this address (deleted accounts no longer hold theirs). */
export async function emailTaken(db: Db, email: string, exceptUserId: number): Promise<boolean> {
  return !!(await db.selectFrom('users').select('id').where('email', '=', email).where('id', '!=', exceptUserId).executeTakeFirst());
}

export type EmailChangeResult = { ok: true; userId: number; email: string } | { ok: false; problem: 'invalid' | 'taken' };

/**
 * Uses an email-change token once (see consumeUserToken) and gives its member the new address, which
 * counts as confirmed (the link reached it). Pending reset and email-change links of the account end:
 * they were sent for the old address. 'taken' when another account took the address meanwhile.
 */
export async function confirmEmailChange(db: Db, tokenHash: string, now: Date): Promise<EmailChangeResult> {
  return db.transaction().execute(async (trx) => {
    const t = await trx
      .updateTable('user_tokens')
      .set({ used_at: now.toISOString() })
      .where('token_hash', '=', tokenHash)
      .where('purpose', '=', 'email')
      .where('used_at', 'is', null)
      .where('expires_at', '>', now.toISOString())
      .returning(['user_id', 'new_email'])
      .executeTakeFirst();
    if (!t || t.new_email === null) return { ok: false, problem: 'invalid' };
    const user = await trx.selectFrom('users').select('id').where('id', '=', t.user_id).where('deleted_at', 'is', null).executeTakeFirst();
    if (!user) return { ok: false, problem: 'invalid' };
    if (await emailTaken(trx, t.new_email, t.user_id)) return { ok: false, problem: 'taken' };
    await trx.updateTable('users').set({ email: t.new_email, email_verified_at: now.toISOString() }).where('id', '=', t.user_id).execute();
    await trx.deleteFrom('user_tokens').where('user_id', '=', t.user_id).where('used_at', 'is', null).where('purpose', 'in', ['email', 'reset']).execute();
    return { ok: true, userId: t.user_id, email: t.new_email };
  });
}

/**
 * What an account becomes when its member deletes it (docs/decisions/0007-collections-and-account-changes.md):
 * the row stays, so that comments and votes keep pointing at it, marked deleted and anonymized (username
 * and email become placeholders that sign-up can never produce, which frees the old ones); its password,
 * sessions, mail links, API tokens, provider sign-ins and collections go. Comments stay (shown as from
 * "[deleted account]"), and so do votes, counted as before.
 */
export async function deleteAccount(db: Db, userId: number, now: Date): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('users')
      .set({
        username: deletedUsername(userId), email: `${deletedUsername(userId)}@deleted.invalid`, password_hash: null,
        display_name: null, email_verified_at: null, deleted_at: now.toISOString(),
      })
      .where('id', '=', userId)
      .where('deleted_at', 'is', null)
      .execute();
    await trx.deleteFrom('sessions').where('user_id', '=', userId).execute();
    await trx.deleteFrom('user_tokens').where('user_id', '=', userId).execute();
    await revokeUserApiTokens(trx, userId, now);
    await trx.deleteFrom('oauth_accounts').where('user_id', '=', userId).execute();
    const own = trx.selectFrom('collections').select('id').where('user_id', '=', userId);
    await trx.deleteFrom('collection_papers').where('collection_id', 'in', own).execute();
    await trx.deleteFrom('collections').where('user_id', '=', userId).execute();
    await bumpDataVersion(trx);
  });
}

/** The placeholder username of a deleted account: `:` is in no username sign-up accepts, so it never clashes. */
export const deletedUsername = (userId: number): string => `deleted:${userId}`;
