import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryStore, type SharedStore } from '../../src/http/middleware/rate-limit-stores.ts';
import { RateLimiter, SHARED_STORE_RETRY_MS } from '../../src/http/middleware/rate-limit.ts';

test('memory: fixed windows per key, a new window after the end', () => {
  const m = new MemoryStore(10);
  assert.deepEqual(m.hit('a', 1000, 0), { count: 1, resetAt: 1000 });
  assert.deepEqual(m.hit('a', 1000, 500), { count: 2, resetAt: 1000 });
  assert.deepEqual(m.hit('b', 1000, 600), { count: 1, resetAt: 1600 });
  assert.deepEqual(m.hit('a', 1000, 1000), { count: 1, resetAt: 2000 });
  assert.deepEqual(m.hit('b', 1000, 1100), { count: 2, resetAt: 1600 }, 'b still in its window');
  assert.deepEqual(m.hit('a', 60_000, 1100), { count: 1, resetAt: 61_100 }, 'another window length is another count');
});

test('memory stays within its cap under a flood of distinct keys; a busy key keeps its count meanwhile', () => {
  const cap = 1000;
  const m = new MemoryStore(cap);
  let max = 0;
  for (let i = 0; i < 50_000; i++) {
    m.hit(`flood:${i}`, 60_000, i);
    max = Math.max(max, m.size);
  }
  assert.ok(max <= cap && max >= cap / 2, `held at most ${max} keys`);
  // The flood forgets the oldest windows first: the newest cap/2 are kept.
  for (let i = 0; i < 5; i++) m.hit('victim', 60_000, 50_000);
  for (let i = 0; i < cap / 2 - 1; i++) m.hit(`more:${i}`, 60_000, 50_001);
  assert.equal(m.hit('victim', 60_000, 50_002).count, 6);
  assert.ok(m.size <= cap);
});

test('memory: ended windows are dropped as traffic goes on, with no sweep', () => {
  const m = new MemoryStore(1000);
  for (let i = 0; i < 100; i++) m.hit(`k${i}`, 1000, 0);
  assert.equal(m.size, 100);
  for (let t = 2000; t < 2060; t++) m.hit('steady', 1000, t);
  assert.equal(m.size, 1, 'only the live window is left');
});

test('a failing shared store falls back to memory, logs once per outage, and is tried again later', async () => {
  let failing = true;
  let calls = 0;
  const counts = new Map<string, number>();
  const store: SharedStore = {
    name: 'database',
    countsReads: false,
    async hit(key, windowMs, nowMs) {
      calls++;
      if (failing) throw new Error('connection refused');
      const n = (counts.get(key) ?? 0) + 1;
      counts.set(key, n);
      return { count: n, resetAt: nowMs + windowMs };
    },
    close: async () => {},
  };
  const lines: string[] = [];
  const limiter = new RateLimiter(store, (l) => lines.push(l));
  const tier = { name: 'auth', limit: 2, windowSeconds: 60 };
  const verdicts = [];
  for (let i = 0; i < 3; i++) verdicts.push((await limiter.hit(tier, 'ip:1.2.3.4', 1000 + i)).allowed);
  assert.deepEqual(verdicts, [true, true, false], 'still limited, per process');
  assert.equal(calls, 1, 'not asked again during the pause');
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /database failed \(connection refused\); counting in this process's memory/);
  failing = false;
  assert.equal((await limiter.hit(tier, 'ip:1.2.3.4', 1000 + SHARED_STORE_RETRY_MS + 10)).remaining, 1, 'the shared count again');
  assert.equal(lines.length, 2);
  assert.match(lines[1]!, /answers again/);
  // The read tier is never sent to a store that does not count reads.
  await limiter.hit({ name: 'read', limit: 5, windowSeconds: 60 }, 'ip:1.2.3.4', 1000 + SHARED_STORE_RETRY_MS + 20);
  assert.equal(calls, 2);
});
