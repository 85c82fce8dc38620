import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { Database } from '../../src/db/connection.ts';
import { afterResponseIdle } from '../../src/http/after-response.ts';
import { TestClient } from '../helpers/client.ts';
import { ENGINES, openTestDatabase } from '../helpers/db.ts';
import { startTestServer, type TestServer } from '../helpers/http.ts';
import { fixture, githubIdentity, hfIdentity, startOAuthStub, type OAuthStub } from '../helpers/oauth-stub.ts';

const PASSWORD = 'correct horse battery';
const PUBLIC = 'http://papers.test';

for (const engine of ENGINES) {
  describe(`sign-in with GitHub and Hugging Face on ${engine}`, () => {
    let database: Database;
    let server: TestServer;
    let githubOnly: TestServer;
    let plain: TestServer;
    let gh: OAuthStub;
    let hf: OAuthStub;
    before(async () => {
      database = await openTestDatabase(engine);
      gh = await startOAuthStub('github');
      hf = await startOAuthStub('huggingface');
      server = await startTestServer(database, { oauth: { github: gh.config, huggingface: hf.config } });
      githubOnly = await startTestServer(database, { oauth: { github: gh.config } });
      plain = await startTestServer(database);
    });
    after(async () => {
      await Promise.all([server.close(), githubOnly.close(), plain.close(), gh.close(), hf.close()]);
      await database.close();
    });
    beforeEach(() => {
      for (const s of [gh, hf]) {
        s.deny = false;
        s.down = null;
      }
      gh.identity = githubIdentity();
      hf.identity = hfIdentity();
    });

    /** Starts the sign-in on the site and answers the provider's consent page; returns the callback address. */
    async function consent(client: TestClient, provider: 'github' | 'huggingface', next?: string): Promise<string> {
      const start = await client.get(`/auth/${provider}${next === undefined ? '' : `?next=${encodeURIComponent(next)}`}`);
      assert.equal(start.status, 302);
      const atProvider = await fetch(start.headers.get('location')!, { redirect: 'manual' });
      assert.equal(atProvider.status, 302, await atProvider.clone().text());
      const back = new URL(atProvider.headers.get('location')!);
      assert.equal(back.origin + back.pathname, `${PUBLIC}/auth/${provider}/callback`);
      return back.pathname + back.search;
    }
    const signIn = async (client: TestClient, provider: 'github' | 'huggingface', next?: string) => client.get(await consent(client, provider, next));

    const users = () => database.db.selectFrom('users').select(['id', 'username', 'email', 'email_verified_at', 'password_hash']).orderBy('id').execute();
    const links = () => database.db.selectFrom('oauth_accounts').selectAll().orderBy('created_at').execute();
    const settingsOf = async (client: TestClient) => (await client.get('/settings')).text();

    test('the log-in and sign-up pages offer only the providers that are configured', async () => {
      for (const page of ['/login', '/signup']) {
        const both = await (await new TestClient(server.base).get(`${page}?next=%2Fpapers%2Ftrending`)).text();
        assert.match(both, /<a class="button ghost" href="\/auth\/github\?next=%2Fpapers%2Ftrending">Continue with GitHub<\/a>/);
        assert.match(both, /<a class="button ghost" href="\/auth\/huggingface\?next=%2Fpapers%2Ftrending">Continue with Hugging Face<\/a>/);
        const one = await (await new TestClient(githubOnly.base).get(page)).text();
        assert.match(one, /href="\/auth\/github">Continue with GitHub/);
        assert.doesNotMatch(one, /Hugging Face<\/a>/);
        assert.doesNotMatch(await (await new TestClient(plain.base).get(page)).text(), /Continue with/);
      }
    });

    test('a disabled or unknown provider is a 404', async () => {
      for (const path of ['/auth/huggingface', '/auth/huggingface/callback?code=x&state=y']) {
        const res = await new TestClient(githubOnly.base).get(path);
        assert.equal(res.status, 404, path);
        assert.match(await res.text(), /does not offer sign-in with that provider/);
      }
      for (const path of ['/auth/github', '/auth/github/callback', '/auth/gitlab']) {
        assert.equal((await new TestClient(plain.base).get(path)).status, 404, path);
      }
      assert.equal((await new TestClient(server.base).get('/auth/gitlab')).status, 404);
      assert.equal((await new TestClient(server.base).get('/auth/__proto__')).status, 404);
    });

    test('the redirect to the provider carries state and a PKCE challenge; they wait in a short-lived HttpOnly cookie', async () => {
      const client = new TestClient(server.base);
      const res = await client.get('/auth/github?next=%2Fpapers%2Ftrending');
      assert.equal(res.status, 302);
      const to = new URL(res.headers.get('location')!);
      assert.equal(to.origin + to.pathname, `${gh.config.baseUrl}/login/oauth/authorize`);
      assert.equal(to.searchParams.get('client_id'), gh.config.clientId);
      assert.equal(to.searchParams.get('redirect_uri'), `${PUBLIC}/auth/github/callback`);
      assert.equal(to.searchParams.get('scope'), 'read:user user:email');
      assert.equal(to.searchParams.get('code_challenge_method'), 'S256');
      assert.match(to.searchParams.get('code_challenge')!, /^[\w-]{43}$/);
      const state = to.searchParams.get('state')!;
      assert.match(state, /^[\w-]{43}$/);
      const cookie = res.headers.getSetCookie().find((c) => c.startsWith('dp_oauth='))!;
      assert.ok(cookie, 'the state cookie is set');
      assert.match(cookie, /HttpOnly/i);
      assert.match(cookie, /SameSite=Lax/i);
      assert.match(cookie, /Path=\/auth/);
      assert.match(cookie, /Max-Age=600/);
      assert.ok(cookie.includes(state));
      assert.match(res.headers.get('cache-control') ?? '', /no-store/);

      const hfStart = await new TestClient(server.base).get('/auth/huggingface');
      const hfTo = new URL(hfStart.headers.get('location')!);
      assert.equal(hfTo.origin + hfTo.pathname, `${hf.config.baseUrl}/oauth/authorize`);
      assert.equal(hfTo.searchParams.get('scope'), 'openid profile email');
      assert.equal(hfTo.searchParams.get('code_challenge_method'), 'S256');
    });

    test('a new member via GitHub: account made from the profile, email confirmed, no password, linked by id', async () => {
      const before = (await users()).length;
      const client = new TestClient(server.base);
      const res = await signIn(client, 'github');
      assert.equal(res.status, 303, await res.clone().text());
      assert.equal(res.headers.get('location'), '/settings?notice=welcome-oauth');
      assert.equal(client.cookies.has('dp_oauth'), false, 'the state cookie is spent');
      assert.ok(client.cookies.get('dp_session'));
      const settings = await (await client.get('/settings?notice=welcome-oauth')).text();
      assert.match(settings, /Signed in as <strong>octocat<\/strong> \(octocat@github.com\)/);
      assert.match(settings, /Your email address is confirmed/);
      assert.match(settings, /Your account is ready/);

      const all = await users();
      assert.equal(all.length, before + 1);
      const made = all.find((u) => u.username === 'octocat')!;
      assert.equal(made.email, 'octocat@github.com', 'the primary verified address, not the noreply one');
      assert.ok(made.email_verified_at);
      assert.equal(made.password_hash, null);
      const [link] = await links();
      assert.deepEqual(
        { provider: link!.provider, id: link!.provider_user_id, user: link!.user_id, login: link!.provider_login },
        { provider: 'github', id: '583231', user: made.id, login: 'octocat' },
      );
      const outbox = await database.db.selectFrom('outbox').select('to_address').where('to_address', '=', 'octocat@github.com').execute();
      assert.equal(outbox.length, 0, 'no confirmation mail: GitHub verified the address');
      assert.deepEqual(gh.requests.filter((r) => r.startsWith('GET /api')), ['GET /api/v3/user', 'GET /api/v3/user/emails']);
    });

    test('a returning member logs in by provider id, even after renaming there and changing address; next is kept, if safe', async () => {
      const before = await users();
      gh.identity = githubIdentity({ login: 'octocat-renamed' }, [{ email: 'new-address@example.org', primary: true, verified: true, visibility: 'private' }]);
      const client = new TestClient(server.base);
      const res = await signIn(client, 'github', '/papers/trending');
      assert.equal(res.status, 303);
      assert.equal(res.headers.get('location'), '/papers/trending');
      assert.match(await settingsOf(client), /Signed in as <strong>octocat<\/strong> \(octocat@github.com\)/);
      assert.deepEqual(await users(), before, 'nobody new, nothing changed');
      const [link] = await links();
      assert.equal(link!.provider_login, 'octocat-renamed');

      const evil = await signIn(new TestClient(server.base), 'github', '//evil.example/x');
      assert.equal(evil.headers.get('location'), '/', 'no open redirect');
    });

    test('a member with the same confirmed email is linked, then signs in either way', async () => {
      const ada = new TestClient(server.base);
      assert.equal((await ada.submit('/signup', '/signup', { username: 'ada', email: 'Ada.Lovelace@example.org', password: PASSWORD })).status, 303);
      await afterResponseIdle();
      await database.db.updateTable('users').set({ email_verified_at: new Date().toISOString() }).where('username', '=', 'ada').execute();
      const count = (await users()).length;

      const client = new TestClient(server.base);
      const res = await signIn(client, 'huggingface');
      assert.equal(res.status, 303, await res.clone().text());
      assert.equal(res.headers.get('location'), '/', 'an existing member goes where they were going');
      assert.match(await settingsOf(client), /Signed in as <strong>ada<\/strong>/);
      assert.equal((await users()).length, count);
      const link = (await links()).find((l) => l.provider === 'huggingface')!;
      assert.equal(link.provider_user_id, '65a1f0c2e4b0d3a9c8f71234');
      assert.equal(link.provider_login, 'Ada.Lovelace');

      const again = new TestClient(server.base);
      await signIn(again, 'huggingface');
      assert.match(await settingsOf(again), /Signed in as <strong>ada<\/strong>/);
      const pw = new TestClient(server.base);
      assert.equal((await pw.submit('/login', '/login', { login: 'ada', password: PASSWORD })).status, 303, 'the password still works');
    });

    test('an address the provider has not verified is never linked, nor made into an account', async () => {
      const bob = new TestClient(server.base);
      await bob.submit('/signup', '/signup', { username: 'bob', email: 'octocat-bob@example.org', password: PASSWORD });
      await afterResponseIdle();
      await database.db.updateTable('users').set({ email_verified_at: new Date().toISOString() }).where('username', '=', 'bob').execute();
      const before = { users: await users(), links: await links() };

      // GitHub: the primary address is not verified (the verified noreply one does not count).
      gh.identity = githubIdentity({ id: 9_000_001, login: 'not-bob' }, [
        { email: 'octocat-bob@example.org', primary: true, verified: false, visibility: 'private' },
        ...(fixture('github', 'user-emails-unverified.json') as unknown[]).slice(1),
      ]);
      const client = new TestClient(server.base);
      const res = await signIn(client, 'github');
      assert.equal(res.status, 400);
      assert.match(await res.text(), /GitHub has not verified your email address/);
      assert.equal(client.cookies.has('dp_session'), false);

      // Hugging Face: email_verified false on an address a member here uses.
      hf.identity = hfIdentity({ email: 'octocat-bob@example.org' }, 'userinfo-unverified.json');
      const viaHf = await signIn(new TestClient(server.base), 'huggingface');
      assert.equal(viaHf.status, 400);
      assert.match(await viaHf.text(), /Hugging Face has not verified your email address/);

      // Without the user:email scope GitHub answers 404 on /user/emails: no verified address either.
      gh.identity = { ...githubIdentity({ id: 9_000_002, login: 'no-scope', email: 'octocat-bob@example.org' }), emailsStatus: 404 };
      assert.equal((await signIn(new TestClient(server.base), 'github')).status, 400);

      assert.deepEqual({ users: await users(), links: await links() }, before);
    });

    test('an account here whose address is not confirmed is not taken over through the provider', async () => {
      const squatter = new TestClient(server.base);
      await squatter.submit('/signup', '/signup', { username: 'squatter', email: 'grace@example.org', password: PASSWORD });
      await afterResponseIdle();
      const before = await links();
      hf.identity = hfIdentity({ email_verified: true }, 'userinfo-unverified.json');
      const client = new TestClient(server.base);
      const res = await signIn(client, 'huggingface');
      assert.equal(res.status, 409);
      assert.match(await res.text(), /has not confirmed it yet/);
      assert.equal(client.cookies.has('dp_session'), false);
      assert.deepEqual(await links(), before);
    });

    test('usernames come from the provider login, fitted to the rules and made unique', async () => {
      // "Ada.Lovelace" is free as ada-lovelace; a second person with that login gets ada-lovelace-2.
      hf.identity = hfIdentity({ sub: '65a1f0c2e4b0d3a9c8f7aaaa', email: 'someone@example.org', preferred_username: 'Ada.Lovelace' });
      const a = new TestClient(server.base);
      assert.equal((await signIn(a, 'huggingface')).status, 303);
      assert.match(await settingsOf(a), /Signed in as <strong>ada-lovelace<\/strong>/);
      hf.identity = hfIdentity({ sub: '65a1f0c2e4b0d3a9c8f7bbbb', email: 'someone-else@example.org', preferred_username: 'ada_lovelace' });
      const b = new TestClient(server.base);
      await signIn(b, 'huggingface');
      assert.match(await settingsOf(b), /Signed in as <strong>ada-lovelace-2<\/strong>/);
      gh.identity = githubIdentity({ id: 9_000_003, login: 'Admin' }, [{ email: 'admin-person@example.org', primary: true, verified: true, visibility: null }]);
      const c = new TestClient(server.base);
      await signIn(c, 'github');
      assert.match(await settingsOf(c), /Signed in as <strong>admin-2<\/strong>/, 'reserved names are not handed out');
    });

    test('a bad, missing, spent or foreign state is refused', async () => {
      const count = (await users()).length;
      const client = new TestClient(server.base);
      const callback = await consent(client, 'github');
      const forged = callback.replace(/state=[^&]+/, `state=${'A'.repeat(43)}`);
      const bad = await client.get(forged);
      assert.equal(bad.status, 400);
      assert.match(await bad.text(), /security check did not match/);
      assert.equal((await client.get(callback)).status, 400, 'the cookie was spent by the failed try');

      const stranger = new TestClient(server.base);
      const noCookie = await stranger.get(await consent(new TestClient(server.base), 'github'));
      assert.equal(noCookie.status, 400, 'a callback from another browser (login CSRF)');
      assert.equal(stranger.cookies.has('dp_session'), false);

      const mixed = new TestClient(server.base);
      const ghCallback = await consent(mixed, 'github');
      const asHf = await mixed.get(ghCallback.replace('/auth/github/', '/auth/huggingface/'));
      assert.equal(asHf.status, 400, 'a GitHub state does not complete a Hugging Face sign-in');

      const ok = new TestClient(server.base);
      const good = await consent(ok, 'github');
      assert.equal((await ok.get(good)).status, 303);
      ok.cookies.delete('dp_session');
      assert.equal((await ok.get(good)).status, 400, 'a callback works once');
      assert.equal((await users()).length, count);
    });

    test('provider errors are pages that say what happened: 400 for a refusal, 502 when the provider is down', async () => {
      gh.deny = true;
      const denied = await signIn(new TestClient(server.base), 'github');
      assert.equal(denied.status, 400);
      assert.match(await denied.text(), /Sign-in cancelled/);
      gh.deny = false;

      const junk = new TestClient(server.base);
      const cb = await consent(junk, 'github');
      const weird = await junk.get(cb.replace(/^([^?]+)\?.*$/, '$1?error=%3Cscript%3Ealert(1)%3C%2Fscript%3E'));
      assert.equal(weird.status, 400);
      assert.doesNotMatch(await weird.text(), /<script>alert/);

      // A code the provider does not accept: GitHub says so with a 200, Hugging Face with a 400.
      for (const provider of ['github', 'huggingface'] as const) {
        const c = new TestClient(server.base);
        const back = await consent(c, provider);
        const res = await c.get(back.replace(/code=[^&]+/, 'code=0000'));
        assert.equal(res.status, 400, provider);
        assert.match(await res.text(), provider === 'github' ? /bad_verification_code/ : /invalid_grant/);
      }

      for (const down of ['token', 'user'] as const) {
        for (const stub of [gh, hf]) {
          stub.down = down;
          const res = await signIn(new TestClient(server.base), stub.provider);
          assert.equal(res.status, 502, `${stub.provider} ${down}`);
          assert.match(await res.text(), stub.provider === 'github' ? /GitHub is not answering/ : /Hugging Face is not answering/);
          stub.down = null;
        }
      }

      // Nobody answers at all.
      const nowhere = { ...gh.config, baseUrl: 'http://127.0.0.1:9', apiUrl: 'http://127.0.0.1:9' };
      const offline = await startTestServer(database, { oauth: { github: nowhere } });
      try {
        const c = new TestClient(offline.base);
        const start = await c.get('/auth/github');
        const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
        const res = await c.get(`/auth/github/callback?code=abc&state=${state}`);
        assert.equal(res.status, 502);
      } finally {
        await offline.close();
      }
    });
  });
}
