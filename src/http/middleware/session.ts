/**
 * Finds the member a request comes from and sets `viewer` (null when anonymous) and `auth` (how): a personal
 * access token (`Authorization: Bearer dp_…`, for programs) or else the session cookie (browsers). A request
 * with a token is judged by the token alone, so a cookie cannot ride along; it needs no CSRF token.
 *
 * A token reaches the /api/ routes only (reading, and the community actions the API has: votes, comments,
 * claims, flags, moderation by role). Account, token, email, password, settings and admin management, and every
 * HTML page and form, need a browser session: a leaked token cannot take the account over
 * (docs/decisions/0015-account-hardening.md).
 */
import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { hashToken } from '../../auth/crypto.ts';
import { userForApiToken } from '../../db/queries/tokens.ts';
import { findSessionUser } from '../../db/queries/users.ts';
import { SESSION_COOKIE, type AppEnv, type Deps } from '../context.ts';

/** The paths a token may be used on (the API and the MCP server). Nothing under them manages an account, a token or the site. */
export const tokenMayUse = (path: string): boolean => path.startsWith('/api/') || path === '/mcp';

/** Answers 401 to a request whose token loadViewer refused; goes after the rate limit, which counted it. */
export const refuseInvalidToken: MiddlewareHandler<AppEnv> = async (c, next) => {
  const why = c.get('tokenRefusal');
  if (why === undefined) return next();
  c.header('WWW-Authenticate', 'Bearer');
  return c.json({ error: why }, 401);
};

export const loadViewer =
  (deps: Deps): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const auth = c.req.header('authorization');
    if (auth !== undefined) {
      const m = /^Bearer (dp_[\w-]{43})$/.exec(auth);
      const viewer = m ? await userForApiToken(deps.database.db, hashToken(m[1]!), deps.now()) : undefined;
      if (!viewer) {
        // Anonymous until refused (refuseInvalidToken, after the rate limit): a garbage token is counted against
        // the address like any anonymous request, so sending one is no way around the read limit.
        c.set('viewer', null);
        c.set('auth', null);
        c.set('tokenRefusal', 'the Authorization header holds no valid token (expected "Bearer dp_…")');
        return next();
      }
      if (!tokenMayUse(c.req.path)) {
        return c.json({ error: `forbidden: an API token works only on the /api/ routes; ${c.req.path} needs a browser session (accounts, tokens, email, password, settings and administration are managed only when signed in)` }, 403);
      }
      c.set('viewer', viewer);
      c.set('auth', { via: 'token' });
      return next();
    }
    const token = getCookie(c, SESSION_COOKIE);
    const found = token && token.length <= 100 ? await findSessionUser(deps.database.db, hashToken(token), deps.now()) : undefined;
    c.set('viewer', found?.user ?? null);
    c.set('auth', found ? { via: 'session', sessionToken: token!, signedInAt: found.signedInAt } : null);
    await next();
  };
