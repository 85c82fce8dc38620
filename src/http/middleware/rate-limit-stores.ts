/**
 * Where rate-limit counts are kept (docs/decisions/0016-shared-rate-limits.md): this process's memory (bounded),
 * the database (one atomic upsert per hit, shared by every instance on it), or Redis (INCR and PEXPIRE in one
 * script). Each counts hits of a key in fixed windows.
 */
import { Redis } from 'ioredis';
import type { Database } from '../../db/connection.ts';
import { deleteExpiredRateLimits, hitRateLimit } from '../../db/queries/rate-limits.ts';

export interface Count {
  /** Hits in the current window, this one included. */
  count: number;
  /** When the window ends (ms since the epoch). */
  resetAt: number;
}

/** A store shared by every instance of the site. */
export interface SharedStore {
  /** For log lines: `database` or `redis`. */
  name: string;
  /** Whether the read tier is counted here too (cheap enough for every page view), or in each process's memory. */
  countsReads: boolean;
  hit(key: string, windowMs: number, nowMs: number): Promise<Count>;
  close(): Promise<void>;
}

/**
 * Keys kept per window length in memory. A key costs ~150 bytes (the key, its window, the map's slot), so the
 * cap is ~15 MB per tier: room for every client a large site sees in one window. Past it the oldest windows are
 * forgotten: a flood of distinct addresses makes the limits forgetful, never the process large.
 */
export const MEMORY_MAX_KEYS = 100_000;

/** Two generations of windows of one length: `current` takes new windows, `previous` is dropped whole. */
interface Generations {
  current: Map<string, Count>;
  previous: Map<string, Count>;
  rotatedAt: number;
}

/**
 * Fixed windows in memory, with a hard cap and O(1) work per hit, never a walk over the keys. Per window length,
 * two maps: new windows go into `current`; when a window length has passed, or `current` holds half the cap,
 * `current` becomes `previous` and the old `previous` is dropped whole. A time rotation drops only windows that
 * have ended (they started more than one window length before it); a size rotation (a flood) drops the oldest
 * ones, never one of the newest cap/2. A window found in `previous` moves back to `current`.
 */
export class MemoryStore {
  private byWindow = new Map<number, Generations>();

  constructor(private readonly maxKeys = MEMORY_MAX_KEYS) {}

  hit(key: string, windowMs: number, nowMs: number): Count {
    let g = this.byWindow.get(windowMs);
    if (!g) this.byWindow.set(windowMs, (g = { current: new Map(), previous: new Map(), rotatedAt: nowMs }));
    if (nowMs - g.rotatedAt >= windowMs) this.rotate(g, nowMs, nowMs - g.rotatedAt >= 2 * windowMs);
    let w = g.current.get(key);
    if (!w) {
      w = g.previous.get(key);
      if (w) {
        g.previous.delete(key);
        if (w.resetAt > nowMs) this.put(g, key, w, nowMs);
      }
    }
    if (!w || w.resetAt <= nowMs) this.put(g, key, (w = { count: 0, resetAt: nowMs + windowMs }), nowMs);
    w.count++;
    return { count: w.count, resetAt: w.resetAt };
  }

  private put(g: Generations, key: string, w: Count, nowMs: number): void {
    if (g.current.size >= this.maxKeys / 2 && !g.current.has(key)) this.rotate(g, nowMs, false);
    g.current.set(key, w);
  }

  private rotate(g: Generations, nowMs: number, both: boolean): void {
    g.previous = both ? new Map() : g.current;
    g.current = new Map();
    g.rotatedAt = nowMs;
  }

  /** Keys held (all window lengths). */
  get size(): number {
    let n = 0;
    for (const g of this.byWindow.values()) n += g.current.size + g.previous.size;
    return n;
  }
}

/**
 * Ended windows are deleted at most this often per instance, after a hit and without waiting for it (the
 * cleanup job does it daily too): a flood of new addresses leaves at most a few minutes of rows behind.
 */
const DATABASE_PRUNE_EVERY_MS = 60_000;

/** The database's `rate_limits` table: every instance on this database counts in it. */
export function databaseStore(database: Database, log: (line: string) => void = console.error): SharedStore {
  let prunedAt = 0;
  return {
    name: 'database',
    // A write per page view would cost the read path its speed; reads only stop runaway scrapers.
    countsReads: false,
    async hit(key, windowMs, nowMs) {
      const count = await hitRateLimit(database.db, key, windowMs, nowMs);
      if (nowMs - prunedAt >= DATABASE_PRUNE_EVERY_MS) {
        prunedAt = nowMs;
        deleteExpiredRateLimits(database.db, nowMs).catch((e: Error) => log(`rate limits: deleting ended windows: ${e.message}`));
      }
      return count;
    },
    close: async () => {},
  };
}

/** INCR, and PEXPIRE when the key has no expiry (it was just created): atomic, in one round trip. */
const HIT_SCRIPT = `
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}`;

/** Longest wait for Redis to connect at start; it keeps reconnecting in the background after that. */
const REDIS_CONNECT_TIMEOUT_MS = 2000;
/** Longest pause between two reconnection attempts. */
const REDIS_RECONNECT_MAX_MS = 5000;

export const REDIS_KEY_PREFIX = 'dailypapers:rl:';

/**
 * Counts in Redis. Commands fail at once while it is unreachable (no offline queue): the limiter then counts
 * in memory until Redis answers again. `prefix` keeps the keys of one site (or one test) apart.
 */
export async function redisStore(url: string, prefix = REDIS_KEY_PREFIX, log: (line: string) => void = console.error): Promise<SharedStore> {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
    retryStrategy: (attempt) => Math.min(attempt * 200, REDIS_RECONNECT_MAX_MS),
    lazyConnect: true,
  });
  let reported = false;
  redis.on('error', (e: Error) => {
    if (!reported) log(`rate limits: Redis at ${safeUrl(url)}: ${e.message} (reconnecting; counting in this process's memory meanwhile)`);
    reported = true;
  });
  redis.on('ready', () => (reported = false));
  await redis.connect().catch(() => {}); // reported by the error handler; the limiter falls back meanwhile
  return {
    name: 'redis',
    countsReads: true,
    async hit(key, windowMs, nowMs) {
      const [count, ttl] = (await redis.eval(HIT_SCRIPT, 1, prefix + key, String(windowMs))) as [number, number];
      return { count, resetAt: nowMs + ttl };
    },
    close: async () => {
      redis.disconnect();
    },
  };
}

/** A Redis URL without its password, for logs. */
function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'REDIS_URL';
  }
}
