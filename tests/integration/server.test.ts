import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { createTestDatabase, ENGINES, type TestDatabase } from '../helpers/db.ts';
import { freePort, startCli } from '../helpers/cli.ts';

for (const engine of ENGINES) {
  describe(`dailypapers serve on ${engine}`, () => {
    let t: TestDatabase;
    before(async () => {
      t = await createTestDatabase(engine);
    });
    after(() => t.drop());

    test('migrates, answers /healthz with 200 once ready, serves a page, and stops on SIGTERM', async () => {
      const port = await freePort();
      // arXiv where nothing listens (no network in tests): the empty site's first-harvest check finds it unreachable.
      const child = startCli(['serve'], { DATABASE_URL: t.url, PORT: String(port), ARXIV_OAI_URL: `http://127.0.0.1:${await freePort()}/oai2` });
      let out = '';
      child.stdout!.on('data', (d) => (out += d));
      try {
        let res: Response | undefined;
        // Up to 30 s: compiling the CLI from source on a loaded 2-core machine can take 10 s (a wait, not a timing).
        for (let i = 0; i < 300 && !res && child.exitCode === null; i++) {
          res = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
          if (!res) await new Promise((r) => setTimeout(r, 100));
        }
        assert.ok(res, `server did not come up; it printed: ${out}`);
        assert.equal(res.status, 200);
        assert.deepEqual(await res.json(), { status: 'ok' });
        const home = await fetch(`http://127.0.0.1:${port}/`);
        assert.equal(home.status, 200);
        const homePage = await home.text();
        assert.match(homePage, /<h1>Daily Papers<\/h1>/);
        assert.match(homePage, /No papers yet/, 'an empty site welcomes visitors');
        const missing = await fetch(`http://127.0.0.1:${port}/nope`);
        assert.equal(missing.status, 404);
        assert.match(out, new RegExp(`http://127.0.0.1:${port}`));
        // No admin yet: the log (and only the log) has a one-time setup link.
        const setup = new RegExp(`no admin yet.*(http://127\\.0\\.0\\.1:${port}/setup\\?token=[\\w-]{43})`).exec(out);
        assert.ok(setup, `no setup link in: ${out}`);
        assert.match(await (await fetch(setup[1]!)).text(), /Create the admin account/);
        assert.equal((await fetch(`http://127.0.0.1:${port}/setup`)).status, 404);
      } finally {
        child.kill('SIGTERM');
        const [code] = await once(child, 'exit');
        assert.equal(code, 0, 'stops cleanly on SIGTERM');
      }
    });
  });
}
