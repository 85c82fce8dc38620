/**
 * The one route table of the web application. Handlers stay short; SQL lives in src/db/queries.
 */
import { Hono } from 'hono';
import { html } from 'hono/html';
import type { Database } from '../db/connection.ts';
import { countPapers } from '../db/queries/papers.ts';

export interface AppDeps {
  database: Database;
}

export function createApp({ database }: AppDeps): Hono {
  const app = new Hono();

  app.get('/healthz', async (c) => {
    // Ready means the database answers.
    await countPapers(database.db);
    return c.json({ status: 'ok' });
  });

  app.get('/', async (c) => {
    const n = await countPapers(database.db);
    return c.html(html`<!doctype html>
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>Daily Papers</title>
        </head>
        <body>
          <main>
            <h1>Daily Papers</h1>
            <p>by the research community</p>
            <p>${n} papers in the database.</p>
          </main>
        </body>
      </html>`);
  });

  app.notFound((c) => c.json({ error: `no such page: ${c.req.path}` }, 404));
  app.onError((err, c) => {
    console.error(err);
    return c.json({ error: 'internal error' }, 500);
  });
  return app;
}
