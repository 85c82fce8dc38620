/**
 * The anonymous response cache by change scope and notification (docs/decisions/0018-cache-scopes-and-notifications.md),
 * on both engines over real HTTP: a vote shows on cached pages within VOTE_STALENESS_MS (an injected clock), a
 * content change at once; changes made by another instance on the same database and by a CLI import child are
 * seen; on PostgreSQL a terminated listener connection is not a reason to serve stale pages, and it reconnects.
 *
 * "Served from the cache" is observed by changing a row directly in the database without bumping any version:
 * a cached page does not show that change, a page made afresh does.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { parseDatabaseUrl } from '../../src/config.ts';
import { CHANGE_CHANNEL, LISTENER_APPLICATION_NAME, POSTGRES_VERSION_SEQUENCES } from '../../src/db/change-feed.ts';
import { openDatabase, type Database } from '../../src/db/connection.ts';
import { importFiles, listInputFiles } from '../../src/importers/import-files.ts';
import { VOTE_STALENESS_MS } from '../../src/http/middleware/response-cache.ts';
import { runCli } from '../helpers/cli.ts';
import { ENGINES, openTestDatabase } from '../helpers/db.ts';
import { startTestServer, type TestServer } from '../helpers/http.ts';
import { sessionMember, type SessionMember } from '../helpers/members.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures');
const PAPER = '2511.01678'; // 5 upvotes imported from Hugging Face, on the list of 2025-11-04

/** Polls until `check` holds (a change another process makes arrives by notification), at most `ms`. */
async function eventually(check: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`${what}: not within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

for (const engine of ENGINES) {
  describe(`response cache scopes on ${engine}`, () => {
    let database: Database & { url: string };
    let other: Database; // a second instance on the same database
    let server: TestServer;
    let otherServer: TestServer;
    let ada: SessionMember;
    let clock = 0;
    const text = (p: string, base = server.base) => fetch(base + p).then((r) => r.text());
    const upvotes = async () => ((await (await fetch(`${server.base}/api/papers/${PAPER}`)).json()) as { upvotes: number }).upvotes;
    /** Changes a paper's title behind every cache's back (no version bump). */
    const retitleQuietly = (title: string) => database.db.updateTable('papers').set({ title }).where('id', '=', PAPER).execute();
    let quiet = 0;
    /**
     * Waits until the page is served from the cache (notifications of earlier writes may still be arriving):
     * retitles the paper unannounced until the page does not show it. Returns the title now in the database.
     */
    const cachedAgain = async (page: string): Promise<string> => {
      let title = '';
      await eventually(async () => {
        title = `Unannounced title ${++quiet}`;
        await retitleQuietly(title);
        return !(await text(page)).includes(title);
      }, 'the page served from the cache');
      return title;
    };

    before(async () => {
      database = await openTestDatabase(engine);
      await importFiles(database, await listInputFiles([path.join(FIXTURES, 'hf-daily')]));
      other = await openDatabase(parseDatabaseUrl(database.url));
      server = await startTestServer(database, { cache: { voteStalenessMs: VOTE_STALENESS_MS, clock: () => clock } });
      otherServer = await startTestServer(other);
      ada = await sessionMember(database, () => server.base, 'ada');
    });
    after(async () => {
      await server.close();
      await otherServer.close();
      await other.close();
      await database.close();
    });

    test('a vote shows on cached pages within the staleness bound, and does not drop them before', async () => {
      clock = 0;
      assert.equal(await upvotes(), 5);
      assert.equal((await ada.form(`/papers/${PAPER}/vote`, { value: '1' })).status, 303);
      assert.equal(await upvotes(), 5, 'the page made before the vote may be served a little longer');
      clock = VOTE_STALENESS_MS - 1;
      assert.equal(await upvotes(), 5);
      clock = VOTE_STALENESS_MS;
      assert.equal(await upvotes(), 6, 'no longer than VOTE_STALENESS_MS');
      await ada.form(`/papers/${PAPER}/vote`, { value: '0' });
      clock += VOTE_STALENESS_MS;
      assert.equal(await upvotes(), 5);
    });

    test('a content change (a comment, a moderation action) shows at once on this instance', async () => {
      const page = `/papers/${PAPER}`;
      assert.doesNotMatch(await text(page), /Cached or not/);
      assert.equal((await ada.form(`/papers/${PAPER}/comments`, { body: 'Cached or not, here I am.' })).status, 303);
      assert.match(await text(page), /Cached or not, here I am\./);
      const modo = await sessionMember(database, () => server.base, 'modo', { role: 'moderator' });
      const id = (await database.db.selectFrom('comments').select('id').where('paper_id', '=', PAPER).executeTakeFirstOrThrow()).id;
      assert.equal((await modo.form(`/comments/${id}/hide`, { reason: 'test' })).status, 303);
      assert.doesNotMatch(await text(page), /Cached or not, here I am\./);
    });

    test('a change made through another instance on the same database is seen', async () => {
      const page = `/papers/${PAPER}`;
      const title = await cachedAgain(page);
      assert.equal((await ada.post(otherServer.base, `/papers/${PAPER}/comments`, { body: 'Written elsewhere.' })).status, 303);
      await eventually(async () => /Written elsewhere\./.test(await text(page)), 'the other instance\'s comment');
      assert.ok((await text(page)).includes(title));
    });

    test('an import by a CLI process is seen', async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'dailypapers-cache-'));
      try {
        const day = JSON.parse(readFileSync(path.join(FIXTURES, 'hf-daily/2025-11-04.json'), 'utf8')) as { paper: { id: string; title: string }; title: string }[];
        const record = day.find((r) => r.paper.id === PAPER)!;
        const fresh = { ...record, title: 'A paper of the next day', paper: { ...record.paper, id: '2511.99999', title: 'A paper of the next day' } };
        writeFileSync(path.join(dir, '2025-11-21.json'), JSON.stringify([fresh]));
        const api = '/api/daily_papers?date=2025-11-21';
        assert.equal(await text(api), '[]');
        const r = await runCli(['import', dir, '--json'], { DATABASE_URL: database.url });
        assert.equal(r.code, 0, r.stderr);
        await eventually(async () => /2511\.99999/.test(await text(api)), 'the imported paper');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    if (engine === 'postgres') {
      test('a terminated listener connection: pages are not served stale, and it reconnects', async () => {
        const page = `/papers/${PAPER}`;
        const title = await cachedAgain(page);
        const listener = () =>
          sql<{ pid: number }>`select pid from pg_stat_activity where datname = current_database() and application_name = ${LISTENER_APPLICATION_NAME}`.execute(other.db);
        const before = (await listener()).rows;
        assert.equal(before.length, 1, 'one listener for the instance under test (the other has served no anonymous page)');
        const cut = await sql<{ ok: boolean }>`select pg_terminate_backend(${before[0]!.pid}) as ok`.execute(other.db);
        assert.equal(cut.rows[0]!.ok, true);
        // Whatever happened while nobody listened is unknown: once the drop is noticed (at once: the server says
        // so), the page is made afresh, and after the reconnection too.
        await eventually(async () => (await text(page)).includes(title), 'the page made afresh');
        await eventually(async () => (await listener()).rows.some((r) => r.pid !== before[0]!.pid), 'a new listener');
        await database.changes.settle();
        assert.ok((await text(page)).includes(title));

        // Cached again, and notified again.
        const after = await cachedAgain(page);
        // As another process bumps (bumpDataVersion in this process would also make the next reader check).
        await sql`select pg_notify(${CHANGE_CHANNEL}, 'content:' || nextval(${POSTGRES_VERSION_SEQUENCES.content}::regclass))`.execute(other.db);
        await eventually(async () => (await text(page)).includes(after), 'a change notified after the reconnection');
      });
    }
  });
}
