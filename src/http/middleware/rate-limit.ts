/**
 * Rate limits in tiers, per client address and per member, counted in fixed windows in this process's
 * memory (docs/decisions/0005-accounts-and-abuse.md). Over the limit: 429 with RateLimit-* and Retry-After
 * headers, a JSON error for the API and a page for people.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import { htmlError, type AppEnv, type Deps } from '../context.ts';

export interface Tier {
  name: string;
  /** Requests allowed per window. */
  limit: number;
  windowSeconds: number;
}

/** Reading pages and the API: generous, it only stops runaway scrapers. */
export const READ_TIER: Tier = { name: 'read', limit: 600, windowSeconds: 60 };
/** Votes, comments, submissions: a person clicks far less; a script hits it. */
export const WRITE_TIER: Tier = { name: 'write', limit: 60, windowSeconds: 60 };
/** Log-in, sign-up and password reset: guessing passwords and mass sign-ups stop here. */
export const AUTH_TIER: Tier = { name: 'auth', limit: 10, windowSeconds: 15 * 60 };

/** The client's address: the socket's, or the first X-Forwarded-For hop when a trusted proxy sets it. */
export function clientAddress(c: Context, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
    if (forwarded) return forwarded;
  }
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

interface Window {
  count: number;
  resetAt: number;
}

export class RateLimiter {
  private windows = new Map<string, Window>();

  /** Counts one request for `key` in `tier`; returns how it stands. */
  hit(tier: Tier, key: string, nowMs: number): { allowed: boolean; remaining: number; resetSeconds: number } {
    const k = `${tier.name}:${key}`;
    let w = this.windows.get(k);
    if (!w || w.resetAt <= nowMs) {
      w = { count: 0, resetAt: nowMs + tier.windowSeconds * 1000 };
      this.windows.set(k, w);
      if (this.windows.size > 100_000) this.sweep(nowMs);
    }
    w.count++;
    return { allowed: w.count <= tier.limit, remaining: Math.max(0, tier.limit - w.count), resetSeconds: Math.ceil((w.resetAt - nowMs) / 1000) };
  }

  private sweep(nowMs: number): void {
    for (const [k, w] of this.windows) if (w.resetAt <= nowMs) this.windows.delete(k);
  }
}

/** Limits requests in a tier by client address, and by member when one is logged in. */
export const rateLimit =
  (deps: Deps, limiter: RateLimiter, tier: Tier): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const now = Date.now();
    const viewer = c.get('viewer');
    const keys = [`ip:${clientAddress(c, deps.trustProxy)}`, ...(viewer ? [`user:${viewer.id}`] : [])];
    const results = keys.map((k) => limiter.hit(tier, k, now));
    const worst = results.reduce((a, b) => (b.remaining < a.remaining ? b : a));
    const blocked = results.find((r) => !r.allowed);
    c.header('RateLimit-Limit', String(tier.limit));
    c.header('RateLimit-Remaining', String(worst.remaining));
    c.header('RateLimit-Reset', String(worst.resetSeconds));
    if (blocked) {
      c.header('Retry-After', String(blocked.resetSeconds));
      const message = `Too many requests; try again in ${blocked.resetSeconds} seconds.`;
      return c.req.path.startsWith('/api/') ? c.json({ error: message }, 429) : htmlError(c, deps, 429, 'Slow down', message);
    }
    await next();
  };
