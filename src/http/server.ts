/** Starts the HTTP server on the configured host and port; stops it gracefully on SIGINT/SIGTERM. */
import { serve, type ServerType } from '@hono/node-server';
import type { Config } from '../config.ts';
import type { Database } from '../db/connection.ts';
import { createMailer } from '../email/mailer.ts';
import { createApp, type AppDeps } from './app.ts';
import { openSemanticIndex } from '../search/semantic.ts';
import type { VectorIndex } from '../search/vectors.ts';
import { describeTrustProxy } from '../domain/client-address.ts';
import { API_TOKEN_READ_TIER, RateLimiter } from './middleware/rate-limit.ts';
import { databaseStore, redisStore } from './middleware/rate-limit-stores.ts';
import { listenProblem } from '../ops/errors.ts';
import { LlmClient } from '../llm/client.ts';

/** `extra`: what the command adds (the background jobs, for /admin/jobs; the semantic index it shares with them). */
export async function startServer(config: Config, database: Database, extra: Pick<AppDeps, 'jobs' | 'log' | 'metrics' | 'metricsToken'> & { semantic?: VectorIndex | null } = {}): Promise<ServerType> {
  // Semantic search and similar papers: null (with a log line saying why) when no embedder is set up.
  const semantic = extra.semantic !== undefined ? extra.semantic : await openSemanticIndex(database, config);
  // Rate limits: counted in Redis when REDIS_URL is set, else in the database (auth, write) and memory (read).
  const rateLimiter = new RateLimiter(config.redisUrl ? await redisStore(config.redisUrl) : databaseStore(database));
  console.log(`${describeTrustProxy(config.trustProxy)}; rate limits counted in ${config.redisUrl ? 'Redis' : 'the database (log-in, writes) and memory (reads)'}`);
  const app = createApp({ database, site: config.site, mailer: createMailer(database, config.mail), trustProxy: config.trustProxy, rateLimiter, arxivApiUrl: config.arxivApiUrl, submissionRules: config.submissions, oauth: config.oauth, semantic,
    llm: config.llm ? { client: new LlmClient(config.llm), budgets: config.llm.budgets } : null,
    setupStatus: { smtp: config.mail.smtpUrl !== null, embedder: config.embeddings.embedder, jobsEnabled: config.jobs.enabled, arxivCategories: config.harvest.categories },
    ...extra,
    rateLimits: { apiToken: { ...API_TOKEN_READ_TIER, limit: config.apiTokenReadLimit } } });
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () => resolve(server));
    // A port in use and the like: one line for the operator (src/ops/errors.ts), and nothing left open.
    server.once('error', (e: NodeJS.ErrnoException) => {
      void rateLimiter.close();
      reject(listenProblem(e, config));
    });
    // The index file gets what was added since it was last saved.
    server.once('close', () => {
      void semantic?.close();
      void rateLimiter.close();
    });
  });
}
