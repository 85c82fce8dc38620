/**
 * Sign-in with GitHub and Hugging Face: OAuth 2 authorization code flow with PKCE (S256), through
 * arctic's generic OAuth2Client so that every endpoint comes from the configuration (tests point
 * them at a local stand-in; GitHub Enterprise would too). Both providers take PKCE: Hugging Face
 * from the start (OpenID Connect), GitHub since July 2025.
 *
 * What comes back is an Identity: the provider's stable user id, its login, and an email address
 * only when the provider says it has verified it.
 */
import {
  ArcticFetchError, CodeChallengeMethod, OAuth2Client, OAuth2RequestError, UnexpectedErrorResponseBodyError, UnexpectedResponseError, generateCodeVerifier, generateState,
} from 'arctic';
import type { OAuthClientConfig, OAuthConfig, OAuthProviderId } from '../config.ts';
import { normalizeEmail } from '../domain/accounts.ts';

export { generateCodeVerifier, generateState };

/** How long one call to a provider may take before the sign-in is given up (a 502 page). */
export const PROVIDER_TIMEOUT_MS = 10_000;

export interface Identity {
  provider: OAuthProviderId;
  /** Stable across renames: GitHub's numeric id, Hugging Face's `sub`. */
  providerUserId: string;
  /** The login at the provider (GitHub `login`, Hugging Face `preferred_username`). */
  login: string;
  /** A verified address, lowercased; null when the provider verified none. */
  verifiedEmail: string | null;
  /** The address the provider gave without vouching for it, if any (to explain a refusal). */
  unverifiedEmail: string | null;
}

/** The provider said no: consent denied, a code used twice or expired, a bad client secret. The person can try again. */
export class OAuthRefusedError extends Error {
  override name = 'OAuthRefusedError';
  constructor(readonly code: string, message?: string) {
    super(message ?? `the provider refused: ${code}`);
  }
}

/** The provider could not be reached, timed out or answered something we cannot read. */
export class OAuthUnavailableError extends Error {
  override name = 'OAuthUnavailableError';
}

interface ProviderSpec {
  id: OAuthProviderId;
  /** For pages: "Continue with GitHub". */
  label: string;
  scopes: string[];
  authorizeUrl(c: OAuthClientConfig): string;
  tokenUrl(c: OAuthClientConfig): string;
  identity(c: OAuthClientConfig, accessToken: string): Promise<Identity>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** GETs a provider's JSON API with the member's access token. */
async function getJson(url: string, accessToken: string, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
  let res: Response;
  try {
    res = await fetch(url, {
      headers: { Authorization: `Bearer ${accessToken}`, Accept: 'application/json', 'User-Agent': 'dailypapers', ...headers },
      signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS),
    });
  } catch (e) {
    throw new OAuthUnavailableError(`${url}: ${(e as Error).message}`, { cause: e });
  }
  if (res.status >= 500) {
    await res.body?.cancel();
    throw new OAuthUnavailableError(`${url} answered ${res.status}`);
  }
  try {
    return { status: res.status, body: await res.json() };
  } catch (e) {
    throw new OAuthUnavailableError(`${url} answered ${res.status} with no JSON`, { cause: e });
  }
}

// ---- GitHub: https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps

const GITHUB_API_HEADERS = { Accept: 'application/vnd.github+json', 'X-GitHub-Api-Version': '2022-11-28' };

/**
 * The address to trust from GET /user/emails: the primary one if verified, else another verified one.
 * GitHub's `noreply` addresses are verified but reach nobody, so they never count.
 */
export function pickGitHubEmail(emails: unknown): { verified: string | null; unverified: string | null } {
  const list = Array.isArray(emails) ? emails.filter(isObject) : [];
  const usable = list.filter((e) => typeof e.email === 'string' && !/@users\.noreply\.github\.com$/i.test(e.email));
  const verified = usable.find((e) => e.primary === true && e.verified === true) ?? usable.find((e) => e.verified === true);
  const primary = usable.find((e) => e.primary === true) ?? usable[0];
  return {
    verified: verified ? normalizeEmail(verified.email as string) : null,
    unverified: !verified && primary ? normalizeEmail(primary.email as string) : null,
  };
}

const github: ProviderSpec = {
  id: 'github',
  label: 'GitHub',
  // read:user for the profile, user:email for the private and verified addresses.
  scopes: ['read:user', 'user:email'],
  authorizeUrl: (c) => `${c.baseUrl}/login/oauth/authorize`,
  tokenUrl: (c) => `${c.baseUrl}/login/oauth/access_token`,
  async identity(c, accessToken) {
    const user = await getJson(`${c.apiUrl}/user`, accessToken, GITHUB_API_HEADERS);
    if (user.status !== 200 || !isObject(user.body) || typeof user.body.id !== 'number' || typeof user.body.login !== 'string') {
      throw new OAuthUnavailableError(`GitHub's /user answered ${user.status} without an id and login`);
    }
    // Without the user:email scope (a member may untick it) this answers 403/404: no verified address then.
    const emails = await getJson(`${c.apiUrl}/user/emails`, accessToken, GITHUB_API_HEADERS);
    const picked = emails.status === 200 ? pickGitHubEmail(emails.body) : { verified: null, unverified: null };
    const publicEmail = typeof user.body.email === 'string' ? normalizeEmail(user.body.email) : null;
    return {
      provider: 'github',
      providerUserId: String(user.body.id),
      login: user.body.login,
      verifiedEmail: picked.verified,
      unverifiedEmail: picked.verified ? null : (picked.unverified ?? publicEmail),
    };
  },
};

// ---- Hugging Face: https://huggingface.co/docs/hub/oauth (OpenID Connect)

const huggingface: ProviderSpec = {
  id: 'huggingface',
  label: 'Hugging Face',
  scopes: ['openid', 'profile', 'email'],
  authorizeUrl: (c) => `${c.baseUrl}/oauth/authorize`,
  tokenUrl: (c) => `${c.baseUrl}/oauth/token`,
  async identity(c, accessToken) {
    const info = await getJson(`${c.apiUrl}/oauth/userinfo`, accessToken);
    const b = info.body;
    if (info.status !== 200 || !isObject(b) || typeof b.sub !== 'string' || b.sub === '' || typeof b.preferred_username !== 'string') {
      throw new OAuthUnavailableError(`Hugging Face's /oauth/userinfo answered ${info.status} without sub and preferred_username`);
    }
    const email = typeof b.email === 'string' && b.email !== '' ? normalizeEmail(b.email) : null;
    const verified = email !== null && b.email_verified === true;
    return {
      provider: 'huggingface',
      providerUserId: b.sub,
      login: b.preferred_username,
      verifiedEmail: verified ? email : null,
      unverifiedEmail: verified ? null : email,
    };
  },
};

export const PROVIDERS: Readonly<Record<OAuthProviderId, ProviderSpec>> = { github, huggingface };

export const isProviderId = (s: string): s is OAuthProviderId => Object.hasOwn(PROVIDERS, s);

/** The providers this site has turned on, in the order pages show them. */
export function enabledProviders(config: OAuthConfig): { id: OAuthProviderId; label: string }[] {
  return (Object.keys(PROVIDERS) as OAuthProviderId[]).filter((id) => config[id]).map((id) => ({ id, label: PROVIDERS[id].label }));
}

export const providerLabel = (id: OAuthProviderId): string => PROVIDERS[id].label;

const client = (c: OAuthClientConfig, redirectUri: string) => new OAuth2Client(c.clientId, c.clientSecret, redirectUri);

/** Where to send the browser: the provider's consent page, with state and the PKCE challenge. */
export function authorizationUrl(id: OAuthProviderId, c: OAuthClientConfig, redirectUri: string, state: string, codeVerifier: string): URL {
  const spec = PROVIDERS[id];
  return client(c, redirectUri).createAuthorizationURLWithPKCE(spec.authorizeUrl(c), state, CodeChallengeMethod.S256, codeVerifier, spec.scopes);
}

function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new OAuthUnavailableError(`${what} took longer than ${PROVIDER_TIMEOUT_MS} ms`)), PROVIDER_TIMEOUT_MS);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Trades the code for an access token, then asks the provider who it is. Throws OAuthRefusedError
 * (the provider said no) or OAuthUnavailableError (it could not be reached or made no sense).
 */
export async function signIn(id: OAuthProviderId, c: OAuthClientConfig, redirectUri: string, code: string, codeVerifier: string): Promise<Identity> {
  const spec = PROVIDERS[id];
  let accessToken: string;
  try {
    const tokens = await withTimeout(client(c, redirectUri).validateAuthorizationCode(spec.tokenUrl(c), code, codeVerifier), `${spec.label}'s token endpoint`);
    // GitHub answers a bad code with 200 and {"error": "bad_verification_code", …}; arctic's generic client passes that on.
    const data: unknown = tokens.data;
    if (isObject(data) && typeof data.error === 'string') throw new OAuthRefusedError(data.error);
    accessToken = tokens.accessToken();
  } catch (e) {
    if (e instanceof OAuthRefusedError || e instanceof OAuthUnavailableError) throw e;
    if (e instanceof OAuth2RequestError) throw new OAuthRefusedError(e.code);
    if (e instanceof ArcticFetchError) throw new OAuthUnavailableError(`${spec.label}'s token endpoint could not be reached`, { cause: e });
    if (e instanceof UnexpectedResponseError || e instanceof UnexpectedErrorResponseBodyError) {
      throw new OAuthUnavailableError(`${spec.label}'s token endpoint answered ${e.status} with no token or OAuth error`, { cause: e });
    }
    // A 200 without access_token.
    throw new OAuthUnavailableError(`${spec.label}'s token endpoint: ${(e as Error).message}`, { cause: e });
  }
  return spec.identity(c, accessToken);
}
