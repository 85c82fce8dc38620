/**
 * What every handler may use: the database, the site settings, the mailer and the clock (a function,
 * for tests); the request's viewer (the member it comes from, or null); helpers for pages and errors.
 */
import type { Context } from 'hono';
import { unreadFor } from './middleware/unread.ts';
import { getCookie, setCookie } from 'hono/cookie';
import type { OAuthConfig, SiteConfig } from '../config.ts';
import type { SemanticIndex } from '../search/types.ts';
import type { Database } from '../db/connection.ts';
import type { User } from '../db/queries/users.ts';
import { votedAmong } from '../db/queries/votes.ts';
import { collectChoices } from '../db/queries/collections.ts';
import type { CollectionLimits } from '../domain/collections.ts';
import type { Voting } from './views/cards.ts';
import type { Mailer } from '../email/mailer.ts';
import { newToken, sessionCsrfToken } from '../auth/crypto.ts';
import type { RateLimiter, Tier, TierName } from './middleware/rate-limit.ts';
import type { TrustProxy } from '../domain/client-address.ts';
import type { JobDefinition } from '../jobs/types.ts';
import type { ResponseCacheOptions } from './middleware/response-cache.ts';
import type { SubmissionRules } from '../domain/submission-rules.ts';
import type { ArxivThrottle } from '../domain/arxiv-throttle.ts';
import { errorPage, type Frame } from './views/layout.ts';
import type { Logger } from '../ops/log.ts';
import type { Metrics } from '../ops/metrics.ts';
import type { Llm } from '../llm/ask.ts';

export interface AppDeps {
  database: Database;
  site: SiteConfig;
  mailer: Mailer;
  /** Which X-Forwarded-For hop is the client (TRUST_PROXY; src/domain/client-address.ts); by default none. */
  trustProxy?: TrustProxy;
  now?: () => Date;
  /** The arXiv API endpoint for submitted papers not in the database (tests point it at a local server). */
  arxivApiUrl?: string;
  submissionRules?: SubmissionRules;
  /** Pacing of the arXiv API calls submissions make (DEFAULT_ARXIV_THROTTLE in src/domain/arxiv-throttle.ts). */
  arxivThrottle?: ArxivThrottle;
  /** Rate-limit tiers, to override the defaults (src/http/middleware/rate-limit.ts). */
  rateLimits?: Partial<Record<TierName, Tier>>;
  /** Where the counts are kept (server.ts: Redis when REDIS_URL is set); by default the database, reads in memory. */
  rateLimiter?: RateLimiter;
  /** Caps on members' collections (DEFAULT_COLLECTION_LIMITS in src/domain/collections.ts). */
  collectionLimits?: CollectionLimits;
  /** Sign-in with GitHub / Hugging Face: the providers turned on, and where they are (none by default). */
  oauth?: OAuthConfig;
  /** Semantic search and similar papers (src/search/vectors.ts); null where none is set up. */
  semantic?: SemanticIndex | null;
  /** The background jobs this instance knows (src/jobs/registry.ts), for /admin/jobs (none by default). */
  jobs?: JobDefinition[];
  /** The anonymous response cache's staleness bound for votes and its clock (tests set them). */
  cache?: ResponseCacheOptions;
  /** The request log (src/ops/log.ts); none by default (tests print nothing). */
  log?: Logger | null;
  /** What GET /metrics reports (src/ops/metrics.ts); null: no /metrics (a 404). */
  metrics?: Metrics | null;
  /** METRICS_TOKEN: /metrics answers only `Authorization: Bearer TOKEN` (null: anyone). */
  metricsToken?: string | null;
  /** A language model the site owner chose (LLM_URL; src/llm/ask.ts): Ask this paper; null: none (the default). */
  llm?: Llm | null;
  /** What /admin/setup reports of this instance's configuration (server.ts fills it from the config). */
  setupStatus?: SetupStatus;
}

/** This instance's configuration as the setup page shows it to the admin. */
export interface SetupStatus {
  smtp: boolean;
  embedder: string;
  jobsEnabled: boolean;
  arxivCategories: string[];
}

export type Deps = Required<AppDeps>;

/**
 * How the viewer proved who they are: a browser session (its cookie's token, and when it was signed in: the
 * CSRF token is bound to it, and "fresh sign-in" checks read its age) or a personal access token, which reaches
 * the /api/ routes only (docs/decisions/0015-account-hardening.md).
 */
export type Auth = { via: 'session'; sessionToken: string; signedInAt: string } | { via: 'token' };
/** `tokenRefusal`: why the request's Authorization header was refused (answered 401 after the address's rate limit counts it). */
export type AppEnv = { Variables: { viewer: User | null; auth: Auth | null; tokenRefusal: string | undefined } };
export type Ctx = Context<AppEnv>;

/** Cookie names. `__Host-` would pin them to the host, but it needs HTTPS; plain names work on both. */
export const SESSION_COOKIE = 'dp_session';
export const CSRF_COOKIE = 'dp_csrf';

export const secureCookies = (deps: Deps): boolean => deps.site.publicUrl.startsWith('https://');

/**
 * The CSRF token of this browser. Signed in: derived from the session's token (sessionCsrfToken), so it is
 * worth nothing with another session. Anonymous (log-in, sign-up forms): double submit, a cookie and the same
 * value in every form, set on first use. Pages that carry it are never cached (they set a cookie or have a viewer).
 */
export function csrfToken(c: Context, deps: Deps): string {
  // A page that carries a token is this browser's alone: no shared cache may keep it.
  c.header('Cache-Control', 'private, no-store');
  const auth = (c as Ctx).get('auth');
  if (auth?.via === 'session') return sessionCsrfToken(auth.sessionToken);
  const existing = getCookie(c, CSRF_COOKIE);
  if (existing && /^[\w-]{43}$/.test(existing)) return existing;
  const token = newToken();
  setCookie(c, CSRF_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'Lax', secure: secureCookies(deps) });
  return token;
}

/** What the page frame needs to know of the request. */
export const frame = (c: Context, deps: Deps): Frame => {
  const viewer = (c as Ctx).get('viewer') ?? null;
  return { site: deps.site, viewer: viewer ? { ...viewer, unread: unreadFor(viewer) } : null, csrf: viewer ? csrfToken(c, deps) : null };
};

/** A 4xx page (HTML) that says what is wrong. */
export function htmlError(c: Context, deps: Deps, status: 400 | 403 | 404 | 409 | 413 | 429 | 503, heading: string, message: string) {
  return c.html(errorPage(frame(c, deps), status, heading, message), status);
}

/** The upvote controls of a page showing these papers, for this viewer. */
export async function votingFor(c: Context, deps: Deps, paperIds: string[]): Promise<Voting> {
  const url = new URL(c.req.url);
  const here = url.pathname + url.search;
  const viewer = (c as Ctx).get('viewer');
  if (!viewer) return { here };
  const { db } = deps.database;
  return { here, member: { csrf: csrfToken(c, deps), voted: await votedAmong(db, viewer.id, paperIds), collect: await collectChoices(db, viewer.id, paperIds) } };
}

/** Cards on a list page. */
export const PAGE_SIZE = 30;
/** A day's list is shown whole, as on Hugging Face (its busiest days have ~100 papers); past this it pages. */
export const DAY_LIST_CAP = 300;

/** `?p=` (1-based page number): null when present but not a page number. */
export function pageParam(c: Context): number | null {
  const raw = c.req.query('p');
  if (raw === undefined || raw === '') return 1;
  return /^\d{1,6}$/.test(raw) && Number(raw) >= 1 ? Number(raw) : null;
}

/** The longest `next` kept; a longer one is not a link this site made. */
const NEXT_MAX_LENGTH = 500;

/**
 * A `next` parameter that stays on this site: a path of printable ASCII (so never a control character, which
 * would make an invalid Location header), not `//evil`, `/\evil` nor their percent-encoded forms
 * (`/%2F%2Fevil`, `/%5Cevil`), nor an encoded control character (`/%00x`, `%0d%0a`). Anything else is '/'.
 */
export function safeNext(next: string | undefined): string {
  if (!next || next.length >= NEXT_MAX_LENGTH || !/^\/[\x21-\x7e]*$/.test(next) || next.includes('\\')) return '/';
  let decoded: string;
  try {
    decoded = decodeURIComponent(next);
  } catch {
    return '/';
  }
  return /^\/[/\\]/.test(decoded) || /[\x00-\x1f\x7f]/.test(decoded) ? '/' : next;
}
