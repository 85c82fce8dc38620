/**
 * Sign-in with GitHub and Hugging Face (src/auth/oauth.ts does the talking to the providers).
 *
 * GET /auth/PROVIDER sends the browser to the provider with a random `state` and a PKCE challenge;
 * both, and where to go afterwards, wait in a short-lived HttpOnly cookie. GET /auth/PROVIDER/callback
 * checks the state against the cookie, trades the code for a token, asks who the person is, then:
 * a linked provider account logs its member in; else a member whose confirmed email the provider
 * has verified too is linked; else a new member is made (username from the login, email confirmed,
 * no password). Whatever goes wrong is a page that says what (400, 409, or 502 when the provider is
 * down), never a 500.
 */
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { randomBytes } from 'node:crypto';
import type { OAuthProviderId } from '../../config.ts';
import { sameToken } from '../../auth/crypto.ts';
import {
  authorizationUrl, generateCodeVerifier, generateState, isProviderId, OAuthRefusedError, OAuthUnavailableError, providerLabel, signIn, type Identity,
} from '../../auth/oauth.ts';
import { findLinkedUserId, linkedAccountOf, linkOAuthAccount, touchOAuthAccount, usernameTaken } from '../../db/queries/oauth.ts';
import { createUser, DuplicateUserError, findUserByEmail, findUserById, type User } from '../../db/queries/users.ts';
import { freeUsername } from '../../domain/usernames.ts';
import { frame, htmlError, safeNext, secureCookies, type Ctx, type Deps } from '../context.ts';
import { errorPage } from '../views/layout.ts';
import { startSession } from './account.ts';

/** The cookie that carries state, PKCE verifier and `next` from the start to the callback. */
export const OAUTH_COOKIE = 'dp_oauth';
/** Long enough to read a consent page and sign in at the provider; short enough to be of no use later. */
export const OAUTH_COOKIE_MINUTES = 10;
const COOKIE_PATH = '/auth';

interface Pending {
  provider: string;
  state: string;
  verifier: string;
  next: string;
}

const encodePending = (p: Pending) => [p.provider, p.state, p.verifier, Buffer.from(p.next).toString('base64url')].join('.');

function decodePending(raw: string | undefined): Pending | null {
  if (!raw || raw.length > 2000) return null;
  const parts = raw.split('.');
  if (parts.length !== 4 || !parts.every((x) => /^[\w-]*$/.test(x))) return null;
  const [provider, state, verifier, next] = parts as [string, string, string, string];
  return { provider, state, verifier, next: safeNext(Buffer.from(next, 'base64url').toString('utf8')) };
}

const redirectUri = (deps: Deps, id: OAuthProviderId) => `${deps.site.publicUrl}/auth/${id}/callback`;

/** The provider named in the path, when this site has turned it on. */
function enabled(c: Ctx, deps: Deps): { id: OAuthProviderId; conf: NonNullable<Deps['oauth'][OAuthProviderId]> } | null {
  const id = c.req.param('provider') ?? '';
  const conf = isProviderId(id) ? deps.oauth[id] : undefined;
  return conf && isProviderId(id) ? { id, conf } : null;
}

const notOffered = (c: Ctx, deps: Deps) =>
  htmlError(c, deps, 404, 'Page not found', 'This site does not offer sign-in with that provider. Log in with your email or username instead.');

// ---- GET /auth/:provider

export const oauthStart = (deps: Deps) => (c: Ctx) => {
  const p = enabled(c, deps);
  if (!p) return notOffered(c, deps);
  const next = safeNext(c.req.query('next'));
  if (c.get('viewer')) return c.redirect(next, 303);
  const state = generateState();
  const verifier = generateCodeVerifier();
  setCookie(c, OAUTH_COOKIE, encodePending({ provider: p.id, state, verifier, next }), {
    path: COOKIE_PATH, httpOnly: true, sameSite: 'Lax', secure: secureCookies(deps), maxAge: OAUTH_COOKIE_MINUTES * 60,
  });
  c.header('Cache-Control', 'no-store');
  return c.redirect(authorizationUrl(p.id, p.conf, redirectUri(deps, p.id), state, verifier).toString(), 302);
};

// ---- GET /auth/:provider/callback

type Outcome = { user: User; created: boolean } | { status: 400 | 409; heading: string; message: string };

/** Who this provider account is on this site: its linked member, a member with its verified email, or a new one. */
async function memberFor(deps: Deps, identity: Identity, label: string): Promise<Outcome> {
  const db = deps.database.db;
  const now = deps.now();
  const linked = await findLinkedUserId(db, identity.provider, identity.providerUserId);
  if (linked !== undefined) {
    const user = await findUserById(db, linked);
    if (user) {
      await touchOAuthAccount(db, identity.provider, identity.providerUserId, identity.login, now);
      return { user, created: false };
    }
  }

  const email = identity.verifiedEmail;
  if (!email) {
    return {
      status: 400,
      heading: `${label} has not verified your email address`,
      message:
        `We make accounts only for addresses ${label} has verified, and link only those to existing accounts. ` +
        `Verify your address in your ${label} settings and try again, or sign up here with your email.`,
    };
  }

  const existing = await findUserByEmail(db, email);
  if (existing) {
    if (!existing.emailVerified) {
      // Someone may have signed up with this address without owning it: linking would hand them the account.
      return {
        status: 409,
        heading: 'Confirm your email first',
        message:
          `An account here uses ${email} but has not confirmed it yet. Log in to it (or reset its password) and ` +
          `confirm the address from your settings; then you can continue with ${label}.`,
      };
    }
    const other = await linkedAccountOf(db, existing.id, identity.provider);
    if (other) {
      return {
        status: 409,
        heading: `Another ${label} account is linked`,
        message: `The account here that uses ${email} signs in with the ${label} account “${other.login}”. Continue with that one, or log in with your password.`,
      };
    }
    await linkOAuthAccount(db, { provider: identity.provider, providerUserId: identity.providerUserId, userId: existing.id, login: identity.login, now });
    return { user: existing, created: false };
  }

  const username = await freeUsername(identity.login, (name) => usernameTaken(db, name), () => randomBytes(3).toString('hex'));
  let user: User;
  try {
    user = await createUser(db, { username, email, passwordHash: null, verified: true });
  } catch (e) {
    if (!(e instanceof DuplicateUserError)) throw e;
    // The name went to someone in the meantime, or the address belongs to an account that was deleted.
    return {
      status: 409,
      heading: 'No account was made',
      message: e.field === 'email'
        ? `The address ${email} cannot be used for a new account here. Sign up with another address, or write to the site's admins.`
        : 'Someone took the username we chose for you at the same moment. Please try again.',
    };
  }
  await linkOAuthAccount(db, { provider: identity.provider, providerUserId: identity.providerUserId, userId: user.id, login: identity.login, now });
  return { user, created: true };
}

export const oauthCallback = (deps: Deps) => async (c: Ctx) => {
  const p = enabled(c, deps);
  if (!p) return notOffered(c, deps);
  const label = providerLabel(p.id);
  // The cookie is good for one try, whatever happens next.
  const pending = decodePending(getCookie(c, OAUTH_COOKIE));
  deleteCookie(c, OAUTH_COOKIE, { path: COOKIE_PATH, httpOnly: true, sameSite: 'Lax', secure: secureCookies(deps) });
  c.header('Cache-Control', 'no-store');
  const again = 'Start again from the log-in page.';

  const error = c.req.query('error');
  if (error !== undefined) {
    // Only a known code reaches the page: no text from the URL is shown as the site's words.
    const shown = /^[a-z_]{1,40}$/.test(error) ? ` (${error})` : '';
    return error === 'access_denied'
      ? htmlError(c, deps, 400, 'Sign-in cancelled', `You did not allow ${deps.site.name} to use your ${label} account, so you are not signed in. ${again}`)
      : htmlError(c, deps, 400, `${label} did not sign you in`, `${label} answered with an error${shown}. ${again}`);
  }

  const state = c.req.query('state');
  if (!pending || pending.provider !== p.id || !state || !sameToken(pending.state, state)) {
    return htmlError(
      c, deps, 400, 'This sign-in cannot be completed',
      `It took too long, was used already, or was not started in this browser (the security check did not match). ${again}`,
    );
  }
  const code = c.req.query('code');
  if (!code || code.length > 1000) return htmlError(c, deps, 400, 'This sign-in cannot be completed', `${label} sent no authorization code. ${again}`);

  let identity: Identity;
  try {
    identity = await signIn(p.id, p.conf, redirectUri(deps, p.id), code, pending.verifier);
  } catch (e) {
    if (e instanceof OAuthRefusedError) {
      const shown = /^[a-z_]{1,40}$/.test(e.code) ? ` (${e.code})` : '';
      return htmlError(c, deps, 400, `${label} did not sign you in`, `${label} did not accept this sign-in${shown}; the link may have expired. ${again}`);
    }
    if (e instanceof OAuthUnavailableError) {
      console.warn(`oauth ${p.id}: ${e.message}`);
      return c.html(
        errorPage(frame(c, deps), 502, `${label} is not answering`, `We could not reach ${label} to finish signing you in. Please try again in a few minutes, or log in with your password.`),
        502,
      );
    }
    throw e;
  }

  const outcome = await memberFor(deps, identity, label);
  if (!('user' in outcome)) return htmlError(c, deps, outcome.status, outcome.heading, outcome.message);
  await startSession(c, deps, outcome.user);
  return c.redirect(outcome.created && pending.next === '/' ? '/settings?notice=welcome-oauth' : pending.next, 303);
};
