/** Finds the member a request comes from: a session cookie (browsers). Sets `viewer` (null when anonymous). */
import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { hashToken } from '../../auth/crypto.ts';
import { findSessionUser } from '../../db/queries/users.ts';
import { SESSION_COOKIE, type AppEnv, type Deps } from '../context.ts';

export const loadViewer =
  (deps: Deps): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const token = getCookie(c, SESSION_COOKIE);
    const viewer = token && token.length <= 100 ? await findSessionUser(deps.database.db, hashToken(token), deps.now()) : undefined;
    c.set('viewer', viewer ?? null);
    await next();
  };
