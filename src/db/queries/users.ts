/** Members, their sessions and their one-time mail tokens. */
import type { Kysely, Selectable } from 'kysely';
import type { DB, Role, UsersTable, UserTokensTable } from '../schema.ts';

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

/** Creates a member; the very first account of a site becomes its admin. Throws DuplicateUserError. */
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
    const first = !(await trx.selectFrom('users').select('id').limit(1).executeTakeFirst());
    const row = await trx
      .insertInto('users')
      .values({
        username: u.username, email: u.email, password_hash: u.passwordHash, role: u.role ?? (first ? 'admin' : 'member'),
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

export async function findUserByEmail(db: Db, email: string): Promise<User | undefined> {
  const r = await db.selectFrom('users').selectAll().where('email', '=', email).where('deleted_at', 'is', null).executeTakeFirst();
  return r && toUser(r);
}

export async function listUsers(db: Db): Promise<User[]> {
  return (await db.selectFrom('users').selectAll().where('deleted_at', 'is', null).orderBy('id').execute()).map(toUser);
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

/** The member a session belongs to, while it has not expired and the account exists. */
export async function findSessionUser(db: Db, tokenHash: string, now: Date): Promise<User | undefined> {
  const r = await db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .selectAll('users')
    .where('sessions.token_hash', '=', tokenHash)
    .where('sessions.expires_at', '>', now.toISOString())
    .where('users.deleted_at', 'is', null)
    .executeTakeFirst();
  return r && toUser(r);
}

export async function deleteSession(db: Db, tokenHash: string): Promise<void> {
  await db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
}

/** "Log out everywhere", and what a password reset does. */
export async function deleteUserSessions(db: Db, userId: number): Promise<void> {
  await db.deleteFrom('sessions').where('user_id', '=', userId).execute();
}

// ---- one-time tokens sent by mail

export async function createUserToken(db: Db, t: { tokenHash: string; userId: number; purpose: UserTokensTable['purpose']; expiresAt: string }): Promise<void> {
  await db
    .insertInto('user_tokens')
    .values({ token_hash: t.tokenHash, user_id: t.userId, purpose: t.purpose, expires_at: t.expiresAt, created_at: new Date().toISOString() })
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
