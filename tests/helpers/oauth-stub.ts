/**
 * A stand-in for GitHub's and Hugging Face's OAuth servers at the edge of the internet: a local HTTP
 * server that behaves like the real one where it matters (consent redirect with `state`, one-time
 * codes bound to the PKCE challenge and redirect_uri, client authentication with HTTP Basic, Bearer
 * tokens on the user API) and answers with the recorded responses in tests/fixtures/oauth.
 *
 * GitHub:       GET /login/oauth/authorize, POST /login/oauth/access_token, GET /api/v3/user, /api/v3/user/emails
 *               (the API under /api/v3, as on GitHub Enterprise Server).
 * Hugging Face: GET /oauth/authorize, POST /oauth/token, GET /oauth/userinfo.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { OAuthClientConfig } from '../../src/config.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/oauth');

export const fixture = (provider: 'github' | 'huggingface', file: string): unknown =>
  JSON.parse(readFileSync(path.join(FIXTURES, provider, file), 'utf8'));

/** Who signs in at the provider: GitHub's /user and /user/emails answers, or Hugging Face's userinfo. */
export type StubIdentity =
  | { user: Record<string, unknown>; emails: unknown; emailsStatus?: number }
  | { userinfo: Record<string, unknown> };

/** A GitHub identity from the recorded octocat, with some fields changed. */
export const githubIdentity = (over: Record<string, unknown> = {}, emails: unknown = fixture('github', 'user-emails.json')): StubIdentity => ({
  user: { ...(fixture('github', 'user.json') as Record<string, unknown>), ...over },
  emails,
});

/** A Hugging Face identity from the recorded userinfo, with some fields changed. */
export const hfIdentity = (over: Record<string, unknown> = {}, file = 'userinfo.json'): StubIdentity => ({
  userinfo: { ...(fixture('huggingface', file) as Record<string, unknown>), ...over },
});

export interface OAuthStub {
  provider: 'github' | 'huggingface';
  /** What the site's configuration says about this provider. */
  config: OAuthClientConfig;
  /** Who the next consent signs in as. */
  identity: StubIdentity;
  /** The person clicks "Cancel" on the consent page. */
  deny: boolean;
  /** Make the token endpoint or the user API answer 503. */
  down: 'token' | 'user' | null;
  /** Every request, as `METHOD /path`, for assertions. */
  requests: string[];
  close(): Promise<void>;
}

interface Grant {
  challenge: string;
  redirectUri: string;
  identity: StubIdentity;
}

const CLIENT_ID = 'Ov23liStubClientId00';
const CLIENT_SECRET = 'stub-client-secret-0123456789abcdef';

export async function startOAuthStub(provider: 'github' | 'huggingface'): Promise<OAuthStub> {
  const grants = new Map<string, Grant>();
  const tokens = new Map<string, StubIdentity>();
  const paths =
    provider === 'github'
      ? { authorize: '/login/oauth/authorize', token: '/login/oauth/access_token', scopes: 'read:user user:email' }
      : { authorize: '/oauth/authorize', token: '/oauth/token', scopes: 'openid profile email' };

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  };
  const unavailable = (res: ServerResponse) => {
    res.writeHead(503, { 'content-type': 'text/html' });
    res.end('<html><body><h1>503 Service Unavailable</h1>No server is available to handle this request.</body></html>');
  };
  const bearer = (req: IncomingMessage) => /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];

  const stub: OAuthStub = {
    provider,
    config: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, baseUrl: '', apiUrl: '' },
    identity: provider === 'github' ? githubIdentity() : hfIdentity(),
    deny: false,
    down: null,
    requests: [],
    close: async () => {},
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://stub');
    stub.requests.push(`${req.method} ${url.pathname}`);
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      // The consent page, answered at once as if the person clicked "Authorize" (or "Cancel").
      if (req.method === 'GET' && url.pathname === paths.authorize) {
        const q = url.searchParams;
        const redirectUri = q.get('redirect_uri') ?? '';
        const state = q.get('state') ?? '';
        const ok =
          q.get('client_id') === CLIENT_ID && q.get('response_type') === 'code' && q.get('code_challenge_method') === 'S256' &&
          /^[\w-]{43}$/.test(q.get('code_challenge') ?? '') && q.get('scope') === paths.scopes && redirectUri !== '' && state !== '';
        if (!ok) return json(res, 400, { error: 'invalid_request', error_description: `bad authorize request: ${url.search}` });
        const back = new URL(redirectUri);
        if (stub.deny) {
          back.searchParams.set('error', 'access_denied');
          back.searchParams.set('error_description', 'The user has denied your application access.');
        } else {
          const code = randomBytes(10).toString('hex');
          grants.set(code, { challenge: q.get('code_challenge')!, redirectUri, identity: stub.identity });
          back.searchParams.set('code', code);
        }
        back.searchParams.set('state', state);
        res.writeHead(302, { location: back.toString() });
        return res.end();
      }

      if (req.method === 'POST' && url.pathname === paths.token) {
        if (stub.down === 'token') return unavailable(res);
        const f = new URLSearchParams(body);
        const basic = Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64');
        if (req.headers.authorization !== `Basic ${basic}`) return json(res, 401, { error: 'invalid_client', error_description: 'Client authentication failed' });
        const code = f.get('code') ?? '';
        const grant = grants.get(code);
        grants.delete(code); // one use
        const verifier = f.get('code_verifier') ?? '';
        const challenge = createHash('sha256').update(verifier).digest('base64url');
        if (f.get('grant_type') !== 'authorization_code' || !grant || grant.challenge !== challenge || grant.redirectUri !== f.get('redirect_uri')) {
          // GitHub says so with a 200; Hugging Face (like the RFC) with a 400.
          return provider === 'github'
            ? json(res, 200, fixture('github', 'token-bad-verification-code.json'))
            : json(res, 400, fixture('huggingface', 'token-invalid-grant.json'));
        }
        const answer = fixture(provider, 'token.json') as Record<string, unknown>;
        const token = `${String(answer.access_token)}${randomBytes(6).toString('hex')}`;
        tokens.set(token, grant.identity);
        return json(res, 200, { ...answer, access_token: token });
      }

      const who = tokens.get(bearer(req) ?? '');
      const api = (respond: (id: StubIdentity) => void) => {
        if (stub.down === 'user') return unavailable(res);
        if (!who) return json(res, 401, provider === 'github' ? { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' } : { error: 'Invalid credentials in Authorization header' });
        respond(who);
      };
      if (provider === 'github' && req.method === 'GET' && url.pathname === '/api/v3/user') {
        return api((id) => ('user' in id ? json(res, 200, id.user) : json(res, 404, {})));
      }
      if (provider === 'github' && req.method === 'GET' && url.pathname === '/api/v3/user/emails') {
        return api((id) =>
          'user' in id && (id.emailsStatus ?? 200) === 200
            ? json(res, 200, id.emails)
            : json(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest/users/emails#list-email-addresses-for-the-authenticated-user', status: '404' }),
        );
      }
      if (provider === 'huggingface' && req.method === 'GET' && url.pathname === '/oauth/userinfo') {
        return api((id) => ('userinfo' in id ? json(res, 200, id.userinfo) : json(res, 404, {})));
      }
      json(res, 404, { error: `no such endpoint: ${req.method} ${url.pathname}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  stub.config.baseUrl = base;
  stub.config.apiUrl = provider === 'github' ? `${base}/api/v3` : base;
  stub.close = () => new Promise((resolve) => server.close(() => resolve()));
  return stub;
}
