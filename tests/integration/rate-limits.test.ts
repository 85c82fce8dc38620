/**
 * Rate limits over real HTTP: which address is the client behind proxies (TRUST_PROXY), IPv6 by /64, the
 * per-account log-in throttle, and one limit enforced by several instances through the database (both
 * engines) and through Redis; a Redis that is down does not take the site down.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { hashPassword, newToken } from '../../src/auth/crypto.ts';
import { parseDatabaseUrl } from '../../src/config.ts';
import { openDatabase, type Database } from '../../src/db/connection.ts';
import { createUser } from '../../src/db/queries/users.ts';
import { cleanup } from '../../src/jobs/cleanup.ts';
import { parseTrustProxy, type TrustProxy } from '../../src/domain/client-address.ts';
import { RateLimiter } from '../../src/http/middleware/rate-limit.ts';
import { databaseStore, redisStore } from '../../src/http/middleware/rate-limit-stores.ts';
import { ENGINES, openTestDatabase } from '../helpers/db.ts';
import { startTestServer, type TestServer } from '../helpers/http.ts';

const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PASSWORD = 'correct horse battery staple';
const GENEROUS = { limit: 100_000, windowSeconds: 60 };
const trust = (raw: string) => parseTrustProxy(raw) as TrustProxy;
const spoof = () => `${1 + (randomBytes(1)[0]! % 200)}.${randomBytes(1)[0]}.${randomBytes(1)[0]}.${randomBytes(1)[0]}`;

/** A log-in form post as a browser sends it (CSRF cookie and field), from `forwardedFor` when given. */
const csrf = newToken();
const login = (base: string, name: string, password: string, forwardedFor?: string) =>
  fetch(`${base}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: `dp_csrf=${csrf}`, 'content-type': 'application/x-www-form-urlencoded', ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}) },
    body: new URLSearchParams({ _csrf: csrf, login: name, password }).toString(),
  });
const page = (base: string, forwardedFor: string) => fetch(`${base}/papers`, { headers: { 'x-forwarded-for': forwardedFor }, redirect: 'manual' }).then((r) => r.status);

describe('the client address behind proxies', () => {
  let database: Database;
  const servers: TestServer[] = [];
  before(async () => {
    database = await openTestDatabase('sqlite');
  });
  after(async () => {
    for (const s of servers) await s.close();
    await database.close();
  });
  const serve = async (trustProxy: TrustProxy) => {
    const s = await startTestServer(database, { trustProxy, rateLimits: { read: { name: 'read', limit: 3, windowSeconds: 600 } } });
    servers.push(s);
    return s;
  };

  test('TRUST_PROXY=1: the right-most hop counts; left hops the client wrote do not', async () => {
    const s = await serve(trust('1'));
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push(await page(s.base, `${spoof()}, ${spoof()}, 198.51.100.4`));
    assert.deepEqual(statuses, [200, 200, 200, 429]);
    assert.equal(await page(s.base, '198.51.100.4'), 429, 'the same client without spoofed hops');
    assert.equal(await page(s.base, '198.51.100.4, 198.51.100.5'), 200, 'another client behind the proxy');
  });

  test('TRUST_PROXY=CIDRs: trusted proxies are skipped from the right, the first other hop counts', async () => {
    const s = await serve(trust('127.0.0.1, 10.0.0.0/8'));
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push(await page(s.base, `${spoof()}, 198.51.100.4, 10.${i}.0.1`));
    assert.deepEqual(statuses, [200, 200, 200, 429]);
    assert.equal(await page(s.base, `${spoof()}, 198.51.100.9, 10.0.0.1`), 200, 'another client');
    // Garbage left of a trusted proxy counts as that proxy, not as a new client each time.
    const garbage = [];
    for (let i = 0; i < 4; i++) garbage.push(await page(s.base, `${spoof()}, not-an-address-${i}, 10.7.7.7`));
    assert.deepEqual(garbage, [200, 200, 200, 429]);
  });

  test('IPv6 clients are counted by /64', async () => {
    const s = await serve(trust('1'));
    const statuses = [];
    for (let i = 1; i <= 4; i++) statuses.push(await page(s.base, `${spoof()}, 2001:db8:1:2::${i.toString(16)}:${randomBytes(2).toString('hex')}`));
    assert.deepEqual(statuses, [200, 200, 200, 429]);
    assert.equal(await page(s.base, `[2001:db8:1:2::99]:4433`), 429, 'bracketed with a port: the same /64');
    assert.equal(await page(s.base, '2001:db8:1:3::1'), 200, 'the next /64 is another client');
  });

  test('without TRUST_PROXY, X-Forwarded-For is ignored', async () => {
    const s = await serve({ mode: 'none' });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push(await page(s.base, spoof()));
    assert.deepEqual(statuses, [200, 200, 200, 429]);
  });
});

describe('log-in attempts per account, from any address', () => {
  let database: Database;
  let server: TestServer;
  before(async () => {
    database = await openTestDatabase('sqlite');
    for (const username of ['ada', 'bob']) await createUser(database.db, { username, email: `${username}@example.org`, passwordHash: await hashPassword(PASSWORD), role: 'member' });
    server = await startTestServer(database, {
      trustProxy: trust('1'),
      rateLimits: { read: { name: 'read', ...GENEROUS }, write: { name: 'write', ...GENEROUS }, auth: { name: 'auth', ...GENEROUS }, login: { name: 'login', limit: 3, windowSeconds: 900 } },
    });
  });
  after(async () => {
    await server.close();
    await database.close();
  });

  test('a fourth attempt on one name from a fourth address is throttled, the right password too; the email and other accounts are not', async () => {
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await login(server.base, i === 1 ? 'ADA' : 'ada', 'wrong password', `198.51.100.${i + 1}`)).status);
    assert.deepEqual(statuses, [401, 401, 401]);
    // The name as typed is counted, not the account: the account's email has a count of its own, so a 429 never
    // tells which email belongs to a (public) username.
    assert.equal((await login(server.base, 'ada@example.org', 'wrong password', '198.51.100.9')).status, 401);
    const blocked = await login(server.base, 'ada', PASSWORD, '203.0.113.77');
    assert.equal(blocked.status, 429);
    assert.ok(Number(blocked.headers.get('retry-after')) > 0);
    assert.match(await blocked.text(), /Too many log-in attempts on this account; try again in 15 minutes/);
    assert.equal((await login(server.base, 'bob', PASSWORD, '198.51.100.1')).status, 303, 'another account from the same address');
  });

  test('a name with no account is throttled the same way (it does not tell which names exist)', async () => {
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await login(server.base, 'nobody', 'guess', `192.0.2.${i + 1}`)).status);
    assert.deepEqual(statuses, [401, 401, 401, 429]);
  });
});

for (const engine of ENGINES) {
  describe(`two instances on one ${engine} database enforce one limit`, () => {
    let database: Database & { url: string };
    let other: Database;
    const servers: TestServer[] = [];
    before(async () => {
      database = await openTestDatabase(engine);
      other = await openDatabase(parseDatabaseUrl(database.url)); // a second connection, as a second process has
    });
    after(async () => {
      for (const s of servers) await s.close();
      await other.close();
      await database.close();
    });

    test('log-in attempts from one address alternate between instances; the fifth is refused by either', async () => {
      const rateLimits = { auth: { name: 'auth', limit: 4, windowSeconds: 600 } };
      const a = await startTestServer(database, { rateLimits });
      const b = await startTestServer(other, { rateLimits });
      servers.push(a, b);
      const statuses = [];
      for (let i = 0; i < 6; i++) statuses.push((await login((i % 2 ? b : a).base, 'x', 'wrong password')).status);
      assert.deepEqual(statuses, [401, 401, 401, 401, 429, 429]);
      const rows = await database.db.selectFrom('rate_limits').select(['key', 'count']).where('key', 'like', 'auth:%').execute();
      assert.deepEqual(rows, [{ key: 'auth:ip:127.0.0.1', count: 6 }]);
      // Ended windows are deleted by the cleanup job.
      await cleanup(database, new Date(Date.now() + 3_600_000));
      assert.equal((await database.db.selectFrom('rate_limits').select('key').execute()).length, 0);
    });
  });
}

describe('Redis (REDIS_URL): two instances enforce one limit', async () => {
  const probe = new Redis(TEST_REDIS_URL, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
  const reachable = await probe.connect().then(() => probe.ping()).then(() => true, (e: Error) => e.message);
  const prefix = `dailypapers-test:${process.pid}:${randomBytes(4).toString('hex')}:`;
  let database: Database;
  const servers: TestServer[] = [];
  const limiters: RateLimiter[] = [];
  before(async () => {
    database = await openTestDatabase('sqlite');
  });
  after(async () => {
    for (const s of servers) await s.close();
    for (const l of limiters) await l.close();
    if (reachable === true) {
      const keys = await probe.keys(`${prefix}*`);
      if (keys.length > 0) await probe.del(...keys);
    }
    probe.disconnect();
    await database.close();
  });

  test('all tiers, reads included, are counted in Redis', { skip: reachable === true ? false : `Redis at ${TEST_REDIS_URL} is unreachable (${reachable}); set TEST_REDIS_URL` }, async () => {
    const rateLimits = { auth: { name: 'auth', limit: 4, windowSeconds: 600 }, read: { name: 'read', limit: 5, windowSeconds: 600 } };
    for (let i = 0; i < 2; i++) {
      limiters.push(new RateLimiter(await redisStore(TEST_REDIS_URL, prefix)));
      servers.push(await startTestServer(database, { rateLimits, rateLimiter: limiters[i]! }));
    }
    const [a, b] = servers as [TestServer, TestServer];
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await login((i % 2 ? b : a).base, 'x', 'wrong password')).status);
    assert.deepEqual(statuses, [401, 401, 401, 401, 429, 429]);
    const reads = [];
    for (let i = 0; i < 6; i++) reads.push((await (i % 2 ? b : a).get('/about/ranking')).status);
    assert.deepEqual(reads, [200, 200, 200, 200, 200, 429]);
    assert.equal(await probe.get(`${prefix}auth:ip:127.0.0.1`), '6');
    assert.ok((await probe.pttl(`${prefix}auth:ip:127.0.0.1`)) > 0, 'the window expires');
    assert.equal((await database.db.selectFrom('rate_limits').select('key').execute()).length, 0, 'nothing in the database');
  });
});

describe('a shared store that is down does not take the site down', () => {
  let database: Database;
  let server: TestServer;
  let limiter: RateLimiter;
  const lines: string[] = [];
  before(async () => {
    database = await openTestDatabase('sqlite');
    // Nothing listens on port 1: every command fails at once.
    limiter = new RateLimiter(await redisStore('redis://127.0.0.1:1', 'unused:', (l) => lines.push(l)), (l) => lines.push(l));
    server = await startTestServer(database, { rateLimiter: limiter, rateLimits: { auth: { name: 'auth', limit: 2, windowSeconds: 600 } } });
  });
  after(async () => {
    await server.close();
    await limiter.close();
    await database.close();
  });

  test('pages are served, and log-ins are still limited in this process', async () => {
    assert.equal((await server.get('/papers')).status, 200);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await login(server.base, 'x', 'wrong password')).status);
    assert.deepEqual(statuses, [401, 401, 429]);
    assert.ok(lines.some((l) => /Redis at redis:\/\/127\.0\.0\.1:1.*counting in this process's memory/.test(l)), lines.join('\n'));
  });
});

describe('the database store', () => {
  test('is the default, and counts in one row per key', async () => {
    const database = await openTestDatabase('sqlite');
    try {
      const store = databaseStore(database);
      assert.deepEqual(await store.hit('k', 1000, 10_000), { count: 1, resetAt: 11_000 });
      assert.deepEqual(await store.hit('k', 1000, 10_500), { count: 2, resetAt: 11_000 });
      assert.deepEqual(await store.hit('k', 1000, 11_000), { count: 1, resetAt: 12_000 }, 'a new window');
    } finally {
      await database.close();
    }
  });
});
