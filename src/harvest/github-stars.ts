/**
 * GitHub stars of papers' repositories (GET /repos/OWNER/REPO → stargazers_count), a bounded number per
 * run, the longest-unread first. Without a token GitHub allows 60 requests an hour; when the limit is
 * reached (403 or 429 with x-ratelimit-remaining: 0 or Retry-After) the run stops cleanly and says until
 * when. Each repository's result is its own small write.
 */
import type { Database } from '../db/connection.ts';
import { reposToRefresh, saveRepoCheck } from '../db/queries/harvest.ts';
import { bumpDataVersion } from '../db/queries/papers.ts';
import type { JobContext } from '../jobs/types.ts';
import { fetchText, retryAfterMs, sleep } from './fetch.ts';

/** A repository's stars are read again after this long. */
export const STARS_REFRESH_HOURS = 24;
/** Pause between two GitHub requests (GitHub asks integrators not to make requests concurrently). */
export const GITHUB_DELAY_MS = 1000;

export interface GithubStarsOptions {
  apiUrl: string;
  token: string | null;
  perRun: number;
  timeoutMs: number;
  retryAfterMaxMs: number;
  userAgent: string;
  delayMs?: number;
}

export interface GithubStarsSummary {
  checked: number;
  changed: number;
  missing: number;
  /** Set when the run stopped at the rate limit. */
  rateLimited: string | null;
}

/** `https://github.com/OWNER/REPO(.git)(/…)` → `OWNER/REPO`, or null for anything else. */
export function repoPath(url: string): string | null {
  const m = /^https:\/\/github\.com\/([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)(?:\.git)?(?:[/?#].*)?$/.exec(url.trim());
  return m ? `${m[1]}/${m[2]}` : null;
}

export async function refreshGithubStars(database: Database, o: GithubStarsOptions, ctx: Pick<JobContext, 'signal' | 'now'>): Promise<GithubStarsSummary> {
  const { db } = database;
  const readBefore = new Date(ctx.now().getTime() - STARS_REFRESH_HOURS * 3_600_000).toISOString();
  const urls = await reposToRefresh(db, readBefore, o.perRun);
  const summary: GithubStarsSummary = { checked: 0, changed: 0, missing: 0, rateLimited: null };
  for (const [i, url] of urls.entries()) {
    if (i > 0) await sleep(o.delayMs ?? GITHUB_DELAY_MS, ctx.signal);
    const path = repoPath(url);
    const now = ctx.now().toISOString();
    if (!path) {
      await saveRepoCheck(db, url, 'missing', null, now);
      summary.missing++;
      continue;
    }
    const res = await fetchText(`${o.apiUrl}/repos/${path}`, {
      service: 'GitHub', userAgent: o.userAgent, timeoutMs: o.timeoutMs, retryAfterMaxMs: o.retryAfterMaxMs, signal: ctx.signal,
      headers: { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28', ...(o.token ? { authorization: `Bearer ${o.token}` } : {}) },
      passStatuses: [403, 404, 410, 429, 451],
    });
    if (res.status === 403 || res.status === 429) {
      const limited = res.headers.get('x-ratelimit-remaining') === '0' || res.headers.has('retry-after') || res.status === 429;
      if (limited) {
        summary.rateLimited = rateLimitMessage(res.headers, ctx.now());
        break;
      }
      // 403 without rate-limit headers: access blocked for this repository (e.g. a DMCA takedown).
      await saveRepoCheck(db, url, 'missing', null, now);
      summary.missing++;
      summary.checked++;
      continue;
    }
    if (res.status !== 200) {
      await saveRepoCheck(db, url, 'missing', null, now);
      summary.missing++;
      summary.checked++;
      continue;
    }
    let stars: number | null = null;
    try {
      const body = JSON.parse(res.text) as { stargazers_count?: unknown };
      if (typeof body.stargazers_count === 'number' && Number.isInteger(body.stargazers_count)) stars = body.stargazers_count;
    } catch {
      // An unreadable answer is recorded as an error for this repository; the others go on.
    }
    if (await saveRepoCheck(db, url, stars === null ? 'error' : 'ok', stars, now)) summary.changed++;
    summary.checked++;
  }
  if (summary.changed > 0) await bumpDataVersion(db);
  return summary;
}

function rateLimitMessage(h: Headers, now: Date): string {
  const reset = h.get('x-ratelimit-reset');
  const wait = retryAfterMs(h.get('retry-after'), now.getTime());
  const until = reset && /^\d+$/.test(reset) ? new Date(Number(reset) * 1000) : wait !== null ? new Date(now.getTime() + wait) : null;
  return `GitHub's rate limit is reached${until ? ` until ${until.toISOString()}` : ''}; the rest waits for the next run (set GITHUB_TOKEN for 5,000 requests an hour)`;
}

export function describeStars(s: GithubStarsSummary): string {
  return `${s.checked} repositories read, ${s.changed} star counts changed, ${s.missing} not found${s.rateLimited ? `; stopped: ${s.rateLimited}` : ''}`;
}
