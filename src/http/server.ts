/** Starts the HTTP server on the configured host and port; stops it gracefully on SIGINT/SIGTERM. */
import { serve, type ServerType } from '@hono/node-server';
import type { Config } from '../config.ts';
import type { Database } from '../db/connection.ts';
import { createMailer } from '../email/mailer.ts';
import { createApp } from './app.ts';

export function startServer(config: Config, database: Database): Promise<ServerType> {
  const app = createApp({ database, site: config.site, mailer: createMailer(database, config.mail), trustProxy: config.trustProxy, arxivApiUrl: config.arxivApiUrl, submissionRules: config.submissions, oauth: config.oauth });
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () => resolve(server));
    server.once('error', reject);
  });
}
