/**
 * The site under test, as most integration tests set it up: a fresh database on an engine with the Hugging
 * Face daily fixtures imported, an optional real SMTP server for its mail, and the app over real HTTP.
 */
import path from 'node:path';
import type { Engine } from '../../src/db/connection.ts';
import { importFiles, listInputFiles } from '../../src/importers/import-files.ts';
import { openTestDatabase } from './db.ts';
import { startTestServer, type TestServer, type TestServerOptions } from './http.ts';
import { startTestSmtp, type TestSmtp } from './smtp.ts';

export const FIXTURES = path.resolve(import.meta.dirname, '../fixtures');

export interface TestSite {
  database: Awaited<ReturnType<typeof openTestDatabase>>;
  server: TestServer;
  /** The SMTP server the site mails through (with `smtp: true`). */
  smtp: TestSmtp | null;
  /** Stops the server and the SMTP server, and drops the database. */
  close(): Promise<void>;
}

export async function startTestSite(engine: Engine, opts: TestServerOptions & { smtp?: boolean } = {}): Promise<TestSite> {
  const { smtp: withSmtp, ...serverOptions } = opts;
  const database = await openTestDatabase(engine);
  await importFiles(database, await listInputFiles([path.join(FIXTURES, 'hf-daily')]));
  const smtp = withSmtp ? await startTestSmtp() : null;
  const server = await startTestServer(database, { ...serverOptions, ...(smtp ? { smtpUrl: smtp.url } : {}) });
  return {
    database, server, smtp,
    close: async () => {
      await server.close();
      await smtp?.close();
      await database.close();
    },
  };
}
