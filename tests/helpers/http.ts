/** The app served over real HTTP on a free port, for integration tests. */
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import type { SiteConfig } from '../../src/config.ts';
import type { Database } from '../../src/db/connection.ts';
import { createMailer } from '../../src/email/mailer.ts';
import { createApp, type AppDeps } from '../../src/http/app.ts';

export interface TestServer {
  base: string;
  site: SiteConfig;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  now?: () => Date;
  /** An SMTP relay for the site's mail (a test SMTP server); without one, mail stays in the outbox. */
  smtpUrl?: string;
  arxivApiUrl?: string;
  submissionRules?: AppDeps['submissionRules'];
  /** arXiv API pacing; tests get none unless they test it. */
  arxivThrottle?: AppDeps['arxivThrottle'];
  /** Rate limits; tests get generous ones unless they test the limits. */
  rateLimits?: AppDeps['rateLimits'];
  /** Caps on members' collections (small ones to test them). */
  collectionLimits?: AppDeps['collectionLimits'];
  /** Sign-in providers (tests point them at tests/helpers/oauth-stub.ts). */
  oauth?: AppDeps['oauth'];
  /** Semantic search and similar papers (src/search/vectors.ts). */
  semantic?: AppDeps['semantic'];
  /** Background job definitions, for /admin/jobs. */
  jobs?: AppDeps['jobs'];
  /** TRUST_PROXY (src/domain/client-address.ts). */
  trustProxy?: AppDeps['trustProxy'];
  /** Where rate-limit counts are kept (the database by default). */
  rateLimiter?: AppDeps['rateLimiter'];
  /**
   * The response cache's options. Tests get voteStalenessMs 0 (a vote shows at once on cached pages, so
   * that tests of other things read exact counts) unless they test the staleness bound.
   */
  cache?: AppDeps['cache'];
  /** The request log, /metrics and its token (src/ops; none by default). */
  log?: AppDeps['log'];
  metrics?: AppDeps['metrics'];
  metricsToken?: AppDeps['metricsToken'];
  /** A language model (Ask this paper; tests point it at tests/helpers/llm-stub.ts). */
  llm?: AppDeps['llm'];
}

export async function startTestServer(database: Database, opts: TestServerOptions = {}): Promise<TestServer> {
  const now = opts.now ?? (() => new Date('2025-11-20T12:00:00Z'));
  const site: SiteConfig = { name: 'Daily Papers', curators: 'AK', publicUrl: 'http://papers.test' };
  const mailer = createMailer(database, { smtpUrl: opts.smtpUrl ?? null, from: 'Daily Papers <papers@papers.test>' });
  const generous = { limit: 100_000, windowSeconds: 60 };
  const rateLimits = opts.rateLimits ?? { read: { name: 'read', ...generous }, write: { name: 'write', ...generous }, auth: { name: 'auth', ...generous }, login: { name: 'login', ...generous } };
  const app = createApp({
    database, site, mailer, now, rateLimits,
    arxivApiUrl: opts.arxivApiUrl ?? 'http://127.0.0.1:9/api/query',
    ...(opts.submissionRules ? { submissionRules: opts.submissionRules } : {}),
    arxivThrottle: opts.arxivThrottle ?? { minIntervalMs: 0, maxWaitMs: 0, perMember: 100_000, periodMs: 86_400_000 },
    ...(opts.collectionLimits ? { collectionLimits: opts.collectionLimits } : {}),
    ...(opts.oauth ? { oauth: opts.oauth } : {}),
    ...(opts.semantic ? { semantic: opts.semantic } : {}),
    ...(opts.jobs ? { jobs: opts.jobs } : {}),
    ...(opts.trustProxy ? { trustProxy: opts.trustProxy } : {}),
    ...(opts.rateLimiter ? { rateLimiter: opts.rateLimiter } : {}),
    cache: opts.cache ?? { voteStalenessMs: 0 },
    ...(opts.log ? { log: opts.log } : {}),
    ...(opts.llm ? { llm: opts.llm } : {}),
    ...(opts.metrics ? { metrics: opts.metrics, metricsToken: opts.metricsToken ?? null } : {}),
  });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  // The test's client shares the server's event loop: a test that blocks it for seconds (synchronous SQLite in a
  // property test) lets both keep-alive timers (server 5 s, client 4 s) expire at once, and the client may reuse a
  // socket the server is closing (ECONNRESET). A long server timeout leaves the closing to the client.
  (server as { keepAliveTimeout?: number }).keepAliveTimeout = 120_000;
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // Idle keep-alive connections stay open for the whole test: a test that blocks the event loop for
  // seconds (SQLite is synchronous) let the server's 5 s idle timer and fetch's own expire together, and
  // the next request sometimes went out on a socket the server was closing ("fetch failed").
  const http = server as unknown as { keepAliveTimeout: number; closeAllConnections?: () => void };
  http.keepAliveTimeout = 10 * 60_000;
  return {
    base,
    site,
    get: (path, headers = {}) => fetch(base + path, { headers, redirect: 'manual' }),
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      http.closeAllConnections?.();
    }),
  };
}
