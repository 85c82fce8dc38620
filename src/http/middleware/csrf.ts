/**
 * CSRF protection for every state-changing request from a browser. A request that says where it comes from
 * (Origin, or Sec-Fetch-Site) must come from this site; `Origin: null` (a sandboxed frame, a data: URL, a
 * cross-site redirect) is refused: the site's own pages send their origin (Referrer-Policy same-origin, app.ts).
 * Then the token: for a signed-in browser, the one derived from its session (sessionCsrfToken), so a token
 * shown to one session is worth nothing for another; for an anonymous one (log-in, sign-up, reset forms),
 * double submit: the form (or the X-CSRF-Token header) carries the same value as the CSRF cookie.
 * A forged post from another site can neither read the cookies nor send this site's Origin.
 */
import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { sameToken, sessionCsrfToken } from '../../auth/crypto.ts';
import { CSRF_COOKIE, htmlError, type AppEnv, type Deps } from '../context.ts';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * RFC 8058 one-click unsubscribe: mail providers POST `List-Unsubscribe=One-Click` from their servers, with no
 * cookie; the signed token in its URL is what authenticates it (src/http/handlers/subscriptions.ts, saved-searches.ts).
 * The MCP server (src/http/mcp.ts) only reads, and knows a member by an API token alone, never by a cookie: a
 * forged post from another site can do nothing there that it could not do by itself.
 */
const MCP_PATH = '/mcp';
const EXEMPT = new Set(['/unsubscribe/one-click', '/alerts/off/one-click', MCP_PATH]);

export const csrfProtection =
  (deps: Deps): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    if (SAFE.has(c.req.method) || EXEMPT.has(c.req.path)) return next();
    // Programs authenticate with a token in a header, which another site cannot make a browser send.
    if (c.req.header('authorization') !== undefined) return next();
    const refuse = (why: string) =>
      c.req.path.startsWith('/api/')
        ? c.json({ error: `forbidden: ${why}` }, 403)
        : htmlError(c, deps, 403, 'This form cannot be accepted', `${why} Go back, reload the page and try again.`);
    const origin = c.req.header('origin');
    if (origin === 'null') return refuse('The request does not say which site it came from.');
    if (origin !== undefined && origin !== new URL(c.req.url).origin && origin !== new URL(deps.site.publicUrl).origin) {
      return refuse('The request came from another site.');
    }
    if (c.req.header('sec-fetch-site') === 'cross-site') return refuse('The request came from another site.');
    const auth = c.get('auth');
    const expected = auth?.via === 'session' ? sessionCsrfToken(auth.sessionToken) : getCookie(c, CSRF_COOKIE);
    let sent = c.req.header('x-csrf-token');
    if (!sent) {
      const type = c.req.header('content-type') ?? '';
      if (type.startsWith('application/x-www-form-urlencoded') || type.startsWith('multipart/form-data')) {
        // A body that says it is a form and is not one (a malformed multipart) is the sender's error.
        const body = await c.req.parseBody().catch(() => null);
        if (!body) {
          const why = 'The form could not be read (its body does not match its Content-Type).';
          return c.req.path.startsWith('/api/') ? c.json({ error: why }, 400) : htmlError(c, deps, 400, 'This form cannot be accepted', why);
        }
        sent = typeof body._csrf === 'string' ? body._csrf : undefined;
      }
    }
    if (!expected || !sent || !sameToken(expected, sent)) return refuse('The form’s security token is missing or out of date.');
    await next();
  };
