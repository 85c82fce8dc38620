/**
 * Rate limits in tiers, per client address (IPv6 by /64) and per member, in fixed windows
 * (docs/decisions/0005-accounts-and-abuse.md, 0016-shared-rate-limits.md). Auth and write tiers are counted
 * in a store every instance shares (the database, or Redis); the read tier in each process's memory unless
 * Redis is configured. Over the limit: 429 with RateLimit-* and Retry-After headers, a JSON error for the API
 * and a page for people.
 */
import type { MiddlewareHandler } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import { clientIp, clientKey, type TrustProxy } from '../../domain/client-address.ts';
import { htmlError, type AppEnv, type Ctx, type Deps } from '../context.ts';
import { MemoryStore, type Count, type SharedStore } from './rate-limit-stores.ts';

export interface Tier {
  name: string;
  /** Requests allowed per window. */
  limit: number;
  windowSeconds: number;
}

/** Reading pages and the API: generous, it only stops runaway scrapers. */
export const READ_TIER: Tier = { name: 'read', limit: 600, windowSeconds: 60 };
/**
 * Reads by programs with a valid API token, per member and not per address (a bulk client on a shared address
 * is not stopped by its neighbours): enough to page through a year of daily lists in a few minutes.
 * API_TOKEN_READ_LIMIT changes it. A request with an invalid token is anonymous: the address's READ_TIER.
 */
export const API_TOKEN_READ_TIER: Tier = { name: 'api-token-read', limit: 3000, windowSeconds: 60 };
/** The tiers of reads: counted where the read tier is (memory unless Redis is configured), not in the database. */
const READ_TIERS = new Set(['read', API_TOKEN_READ_TIER.name]);
/** Votes, comments, submissions: a person clicks far less; a script hits it. */
export const WRITE_TIER: Tier = { name: 'write', limit: 60, windowSeconds: 60 };
/** Log-in, sign-up and password reset: guessing passwords and mass sign-ups stop here. */
export const AUTH_TIER: Tier = { name: 'auth', limit: 10, windowSeconds: 15 * 60 };
/**
 * Log-in attempts on one account, from any number of addresses: a botnet guessing one member's password gets
 * 10 guesses per 15 minutes (under 1,000 a day) however many addresses it has. Counted before the password is
 * checked, so parallel guesses cannot outrun the count. Then the account's log-in answers 429 for the rest of
 * the window, a correct password too (else the throttle would tell which guess was right); never longer, so a
 * victim is kept out at most 15 minutes at a time, and "Continue with GitHub / Hugging Face" still works.
 * A member rarely logs in more than twice in 15 minutes.
 */
export const LOGIN_TIER: Tier = { name: 'login', limit: 10, windowSeconds: 15 * 60 };

export type TierName = 'read' | 'write' | 'auth' | 'login' | 'apiToken';

/** Longest wait for the shared store on a request; past it the request is counted in memory. */
export const SHARED_STORE_TIMEOUT_MS = 1000;
/** After the shared store fails, requests are counted in memory this long before it is tried again. */
export const SHARED_STORE_RETRY_MS = 5000;

/** The client's address key (`ip:203.0.113.7`, `ip:2001:db8:1:2::/64`), per TRUST_PROXY. */
export function clientAddress(c: Ctx, trust: TrustProxy): string {
  let socket: string | undefined;
  try {
    socket = getConnInfo(c).remote.address;
  } catch {
    socket = undefined;
  }
  const ip = clientIp(trust, c.req.header('x-forwarded-for'), socket);
  return ip ? clientKey(ip) : 'unknown';
}

export interface Verdict {
  allowed: boolean;
  remaining: number;
  resetSeconds: number;
}

/**
 * Counts hits in the shared store, or in this process's memory for the tiers the store does not count and
 * while it fails. A failing store never fails a request: the counts fall back to per-process limits (each
 * instance allows the limit on its own), logged once per outage.
 */
export class RateLimiter {
  readonly memory = new MemoryStore();
  private downUntil = 0;

  constructor(
    private readonly shared: SharedStore | null,
    private readonly log: (line: string) => void = console.error,
  ) {}

  async hit(tier: Tier, key: string, nowMs = Date.now()): Promise<Verdict> {
    const k = `${tier.name}:${key}`;
    const windowMs = tier.windowSeconds * 1000;
    const c = (await this.sharedHit(tier, k, windowMs, nowMs)) ?? this.memory.hit(k, windowMs, nowMs);
    return { allowed: c.count <= tier.limit, remaining: Math.max(0, tier.limit - c.count), resetSeconds: Math.max(0, Math.ceil((c.resetAt - nowMs) / 1000)) };
  }

  private async sharedHit(tier: Tier, k: string, windowMs: number, nowMs: number): Promise<Count | null> {
    if (!this.shared || (READ_TIERS.has(tier.name) && !this.shared.countsReads) || nowMs < this.downUntil) return null;
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer in ${SHARED_STORE_TIMEOUT_MS} ms`)), SHARED_STORE_TIMEOUT_MS);
      });
      const count = await Promise.race([this.shared.hit(k, windowMs, nowMs), timeout]);
      if (this.downUntil !== 0) this.log(`rate limits: the ${this.shared.name} answers again; limits are shared by all instances again`);
      this.downUntil = 0;
      return count;
    } catch (e) {
      if (this.downUntil === 0) {
        this.log(`rate limits: the ${this.shared.name} failed (${(e as Error).message}); counting in this process's memory until it answers (each instance then allows the limit on its own)`);
      }
      this.downUntil = nowMs + SHARED_STORE_RETRY_MS;
      return null;
    } finally {
      clearTimeout(timer);
    }
  }

  close(): Promise<void> {
    return this.shared?.close() ?? Promise.resolve();
  }
}

/** The tier in force: the one configured for the app (tests make them small or generous), or the default. */
export const tierOf = (deps: Deps, name: TierName): Tier =>
  deps.rateLimits[name] ?? { read: READ_TIER, write: WRITE_TIER, auth: AUTH_TIER, login: LOGIN_TIER, apiToken: API_TOKEN_READ_TIER }[name];

/** Limits requests in a tier by client address, and by member when one is logged in. */
export const rateLimit =
  (deps: Deps, name: TierName): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const viewer = c.get('viewer');
    // Reads with a valid API token count against the member's own, higher limit, not the address's.
    const byToken = name === 'read' && viewer !== null && c.get('auth')?.via === 'token';
    const tier = tierOf(deps, byToken ? 'apiToken' : name);
    const keys = byToken ? [`user:${viewer.id}`] : [`ip:${clientAddress(c, deps.trustProxy)}`, ...(viewer ? [`user:${viewer.id}`] : [])];
    const results = await Promise.all(keys.map((k) => deps.rateLimiter.hit(tier, k)));
    const worst = results.reduce((a, b) => (b.remaining < a.remaining ? b : a));
    const blocked = results.find((r) => !r.allowed);
    c.header('RateLimit-Limit', String(tier.limit));
    c.header('RateLimit-Remaining', String(worst.remaining));
    c.header('RateLimit-Reset', String(worst.resetSeconds));
    if (blocked) {
      c.header('Retry-After', String(blocked.resetSeconds));
      const message = `Too many requests; try again in ${blocked.resetSeconds} seconds.`;
      return c.req.path.startsWith('/api/') || c.req.path === '/mcp' ? c.json({ error: message }, 429) : htmlError(c, deps, 429, 'Slow down', message);
    }
    await next();
  };

/**
 * Counts a log-in attempt on an account (LOGIN_TIER), whatever address it comes from. `account` is the
 * member's id when the name matched one, else the name typed (the answer is the same either way: it does not
 * tell which names have accounts). Returns null to go on, or the message to show with a 429 (Retry-After set).
 */
export async function throttleLogin(c: Ctx, deps: Deps, account: string): Promise<string | null> {
  const v = await deps.rateLimiter.hit(tierOf(deps, 'login'), `account:${account}`);
  if (v.allowed) return null;
  c.header('Retry-After', String(v.resetSeconds));
  const minutes = Math.max(1, Math.ceil(v.resetSeconds / 60));
  return `Too many log-in attempts on this account; try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`;
}
