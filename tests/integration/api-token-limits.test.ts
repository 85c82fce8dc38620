/**
 * Read limits for API clients: a valid token counts against its member's higher limit (not the address's), an
 * invalid one is anonymous and counts against the address, so garbage tokens are no way around the limit.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { hashToken, newToken } from '../../src/auth/crypto.ts';
import { createApiToken } from '../../src/db/queries/tokens.ts';
import { createUser, markEmailVerified } from '../../src/db/queries/users.ts';
import { ENGINES, openTestDatabase } from '../helpers/db.ts';
import { startTestServer, type TestServer } from '../helpers/http.ts';

const generous = { limit: 100_000, windowSeconds: 60 };
const limits = {
  read: { name: 'read', limit: 3, windowSeconds: 60 },
  apiToken: { name: 'api-token-read', limit: 6, windowSeconds: 60 },
  write: { name: 'write', ...generous }, auth: { name: 'auth', ...generous }, login: { name: 'login', ...generous },
};

for (const engine of ENGINES) {
  describe(`API token read limits on ${engine}`, () => {
    let database: Awaited<ReturnType<typeof openTestDatabase>>;
    let token: string;
    before(async () => {
      database = await openTestDatabase(engine);
      const user = await createUser(database.db, { username: 'bulk', email: 'bulk@example.org', passwordHash: null, role: 'member' });
      await markEmailVerified(database.db, user.id);
      token = `dp_${newToken()}`;
      await createApiToken(database.db, user.id, 'bulk client', hashToken(token), new Date());
    });
    after(() => database.close());

    /** A server of its own (its own counts), closed after `fn`. */
    async function withServer(fn: (s: TestServer) => Promise<void>) {
      const s = await startTestServer(database, { rateLimits: limits, now: () => new Date() });
      try {
        await fn(s);
      } finally {
        await s.close();
      }
    }
    const statuses = async (s: TestServer, n: number, headers: Record<string, string> = {}) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) {
        const r = await s.get('/api/daily_papers?limit=1', headers);
        await r.arrayBuffer();
        out.push(r.status);
      }
      return out;
    };

    test('a valid token gets the higher per-member limit, and does not use up the address', async () => {
      await withServer(async (s) => {
        const auth = { authorization: `Bearer ${token}` };
        const first = await s.get('/api/daily_papers?limit=1', auth);
        assert.equal(first.status, 200);
        assert.equal(first.headers.get('ratelimit-limit'), '6');
        await first.arrayBuffer();
        assert.deepEqual(await statuses(s, 6, auth), [200, 200, 200, 200, 200, 429]);
        // The same address without a token still has its own 3.
        assert.deepEqual(await statuses(s, 4), [200, 200, 200, 429]);
      });
    });

    test('an invalid token is a 401 counted against the address: garbage tokens do not bypass the limit', async () => {
      await withServer(async (s) => {
        const garbage = () => ({ authorization: `Bearer dp_${newToken()}` });
        const seen: number[] = [];
        for (let i = 0; i < 4; i++) {
          const r = await s.get('/api/daily_papers', garbage());
          const body = (await r.json()) as { error: string };
          seen.push(r.status);
          assert.equal(typeof body.error, 'string');
        }
        assert.deepEqual(seen, [401, 401, 401, 429]);
        // The address is used up for anonymous reads too; a valid token is not.
        assert.deepEqual(await statuses(s, 1), [429]);
        assert.deepEqual(await statuses(s, 1, { authorization: `Bearer ${token}` }), [200]);
        // A malformed header is refused the same way.
        const malformed = await s.get('/api/daily_papers', { authorization: 'Basic abc' });
        assert.equal(malformed.status, 429);
      });
    });

    test('the MCP server counts in the same read tiers', async () => {
      await withServer(async (s) => {
        const post = (headers: Record<string, string> = {}) =>
          fetch(`${s.base}/mcp`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
            body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
          }).then(async (r) => (await r.arrayBuffer(), r.status));
        const anon = [await post(), await post(), await post(), await post()];
        assert.deepEqual(anon, [200, 200, 200, 429]);
        assert.equal(await post({ authorization: `Bearer ${token}` }), 200);
      });
    });
  });
}
