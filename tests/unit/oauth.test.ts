import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { enabledProviders, pickGitHubEmail } from '../../src/auth/oauth.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { usernameProblem } from '../../src/domain/accounts.ts';
import { freeUsername, usernameCandidates, usernameFromLogin } from '../../src/domain/usernames.ts';
import { fixture } from '../helpers/oauth-stub.ts';

describe('OAuth configuration', () => {
  test('off unless both variables of a provider are set; the real endpoints by default', () => {
    assert.deepEqual(loadConfig({}).oauth, {});
    const c = loadConfig({ GITHUB_CLIENT_ID: 'Ov23liAbc', GITHUB_CLIENT_SECRET: 's3cret', HF_CLIENT_ID: 'abc-123', HF_CLIENT_SECRET: 'hf-secret' });
    assert.deepEqual(c.oauth.github, { clientId: 'Ov23liAbc', clientSecret: 's3cret', baseUrl: 'https://github.com', apiUrl: 'https://api.github.com' });
    assert.deepEqual(c.oauth.huggingface, { clientId: 'abc-123', clientSecret: 'hf-secret', baseUrl: 'https://huggingface.co', apiUrl: 'https://huggingface.co' });
    assert.deepEqual(enabledProviders(c.oauth).map((p) => p.label), ['GitHub', 'Hugging Face']);
    const hfOnly = loadConfig({ HF_CLIENT_ID: 'abc', HF_CLIENT_SECRET: 'def', HF_OAUTH_BASE: 'http://127.0.0.1:8080/' });
    assert.equal(hfOnly.oauth.github, undefined);
    assert.equal(hfOnly.oauth.huggingface?.baseUrl, 'http://127.0.0.1:8080');
    assert.deepEqual(loadConfig({ GITHUB_CLIENT_ID: '', GITHUB_CLIENT_SECRET: '' }).oauth, {}, 'blank is unset');
  });

  test('half a provider, a bad value or a bad address stops the program with a clear message; secrets are not echoed', () => {
    assert.throws(() => loadConfig({ GITHUB_CLIENT_ID: 'Ov23liAbc' }), (e: Error) => e instanceof ConfigError && /GITHUB_CLIENT_SECRET: required when GITHUB_CLIENT_ID is set/.test(e.message));
    assert.throws(() => loadConfig({ HF_CLIENT_SECRET: 'x' }), /HF_CLIENT_ID: required when HF_CLIENT_SECRET is set/);
    assert.throws(
      () => loadConfig({ GITHUB_CLIENT_ID: 'a b', GITHUB_CLIENT_SECRET: 'top secret value' }),
      (e: Error) => /GITHUB_CLIENT_ID: expected the value from the OAuth app settings/.test(e.message) && /GITHUB_CLIENT_SECRET: .*not shown/.test(e.message) && !e.message.includes('top secret value'),
    );
    assert.throws(() => loadConfig({ GITHUB_OAUTH_BASE: 'ftp://example.org' }), /GITHUB_OAUTH_BASE: expected an http\(s\) URL/);
  });
});

describe('GitHub addresses', () => {
  test('the primary verified address; never a noreply one; an unverified one is reported as such', () => {
    assert.deepEqual(pickGitHubEmail(fixture('github', 'user-emails.json')), { verified: 'octocat@github.com', unverified: null });
    assert.deepEqual(pickGitHubEmail(fixture('github', 'user-emails-unverified.json')), { verified: null, unverified: 'octocat@github.com' });
    assert.deepEqual(
      pickGitHubEmail([{ email: 'Old@Example.org', primary: true, verified: false }, { email: 'work@example.org', primary: false, verified: true }]),
      { verified: 'work@example.org', unverified: null },
    );
    assert.deepEqual(pickGitHubEmail({ message: 'Not Found' }), { verified: null, unverified: null });
  });
});

describe('usernames from provider logins', () => {
  test('examples', () => {
    assert.equal(usernameFromLogin('octocat'), 'octocat');
    assert.equal(usernameFromLogin('Ada.Lovelace'), 'ada-lovelace');
    assert.equal(usernameFromLogin('hub.js'), 'hub-js');
    assert.equal(usernameFromLogin('__x__'), 'x-member');
    assert.equal(usernameFromLogin('Ünïcode_Dev'), 'unicode-dev');
    assert.equal(usernameFromLogin('日本'), 'member');
    assert.equal(usernameFromLogin('a'.repeat(39)), 'a'.repeat(32));
    assert.equal(usernameFromLogin(`${'a'.repeat(31)}-b`), 'a'.repeat(31));
    const admin = usernameCandidates('admin', () => 'abc123');
    assert.equal(admin.next().value, 'admin-2', 'reserved names are skipped');
  });

  test('every login gives valid names, and a free one is always found', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 60 }), fc.integer({ min: 0, max: 120 }), async (login, takenCount) => {
        const taken = new Set<string>();
        const gen = usernameCandidates(usernameFromLogin(login), () => 'f00d42');
        for (let i = 0; i < takenCount; i++) taken.add(gen.next().value as string);
        let n = 0;
        const name = await freeUsername(login, async (x) => taken.has(x), () => (n++).toString(16).padStart(6, '0'));
        assert.equal(usernameProblem(name), null, name);
        assert.ok(!taken.has(name));
      }),
      { numRuns: 200 },
    );
  });
});
