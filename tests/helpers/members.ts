/**
 * A member with a session and a CSRF token, made directly in the database (argon2 and the log-in form
 * would only slow tests that are about something else), with small clients that send its cookies.
 */
import { hashToken, newToken, sessionCsrfToken } from '../../src/auth/crypto.ts';
import type { Database } from '../../src/db/connection.ts';
import { createSession, createUser, markEmailVerified } from '../../src/db/queries/users.ts';
import type { Role } from '../../src/db/schema.ts';

export interface MemberOptions {
  role?: Role;
  /** Confirm the email address (default true). */
  verified?: boolean;
}

/** `base` gives the server's address when a request is made (a test may start its server later). */
export async function sessionMember(database: Database, base: () => string, username: string, opts: MemberOptions = {}) {
  const user = await createUser(database.db, { username, email: `${username}@example.org`, passwordHash: null, role: opts.role ?? 'member' });
  if (opts.verified !== false) await markEmailVerified(database.db, user.id);
  const session = newToken();
  await createSession(database.db, { tokenHash: hashToken(session), userId: user.id, expiresAt: new Date(Date.now() + 3_600_000).toISOString(), userAgent: null });
  // A signed-in browser's CSRF token is bound to its session (src/http/middleware/csrf.ts).
  const csrf = sessionCsrfToken(session);
  const cookie = `dp_session=${session}`;
  const post = (b: string, p: string, fields: Record<string, string>) =>
    fetch(b + p, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
  return {
    user,
    /** The session cookie header and the session's CSRF token, for tests that forge requests. */
    cookie,
    csrf,
    /** Posts a form, with the CSRF token unless `withCsrf` is false. */
    form: (p: string, fields: Record<string, string> = {}, withCsrf = true) => post(base(), p, withCsrf ? { _csrf: csrf, ...fields } : fields),
    /** Posts a form with the CSRF token to another server. */
    post: (b: string, p: string, fields: Record<string, string>) => post(b, p, { _csrf: csrf, ...fields }),
    /** JSON with the session cookie and the X-CSRF-Token header, as the site's own scripts send it. */
    api: (method: string, p: string, body?: unknown) =>
      fetch(base() + p, { method, headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) }),
    get: (p: string, b = base()) => fetch(b + p, { headers: { cookie }, redirect: 'manual' }),
    page: (p: string) => fetch(base() + p, { headers: { cookie } }).then((r) => r.text()),
  };
}

export type SessionMember = Awaited<ReturnType<typeof sessionMember>>;
