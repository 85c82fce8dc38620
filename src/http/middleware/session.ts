/**
 * Finds the member a request comes from and sets `viewer` (null when anonymous): a personal access
 * token (`Authorization: Bearer dp_…`, for programs) or else the session cookie (browsers). A request
 * with a token is judged by the token alone, so a cookie cannot ride along; it needs no CSRF token.
 */
import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { hashToken } from '../../auth/crypto.ts';
import { userForApiToken } from '../../db/queries/tokens.ts';
import { findSessionUser } from '../../db/queries/users.ts';
import { SESSION_COOKIE, type AppEnv, type Deps } from '../context.ts';

export const loadViewer =
  (deps: Deps): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const auth = c.req.header('authorization');
    if (auth !== undefined) {
      const m = /^Bearer (dp_[\w-]{43})$/.exec(auth);
      const viewer = m ? await userForApiToken(deps.database.db, hashToken(m[1]!), deps.now()) : undefined;
      if (!viewer) return c.json({ error: 'the Authorization header holds no valid token (expected "Bearer dp_…")' }, 401);
      c.set('viewer', viewer);
      return next();
    }
    const token = getCookie(c, SESSION_COOKIE);
    const viewer = token && token.length <= 100 ? await findSessionUser(deps.database.db, hashToken(token), deps.now()) : undefined;
    c.set('viewer', viewer ?? null);
    await next();
  };
