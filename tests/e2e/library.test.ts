/**
 * Portable libraries in a real browser: a member downloads a collection as BibTeX from its page, another
 * member imports the file through the import form (no JavaScript needed) into a new collection, and finds
 * every paper and note there. The new pages (import form, report, saved-paper search) pass axe-core's
 * WCAG 2.2 A/AA rules in light and its colour rules in dark. SHOTS=folder keeps screenshots.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { Database } from '../../src/db/connection.ts';
import { addToCollection, createCollection } from '../../src/db/queries/collections.ts';
import { setPrivateNote } from '../../src/db/queries/library.ts';
import { importFiles, listInputFiles } from '../../src/importers/import-files.ts';
import { ROOT } from '../helpers/cli.ts';
import { openTestDatabase } from '../helpers/db.ts';
import { startTestServer, type TestServer } from '../helpers/http.ts';
import { sessionMember, type SessionMember } from '../helpers/members.ts';
import { axe } from '../helpers/axe.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const SHOTS = process.env.SHOTS ?? null;
const PAPER = '2511.01678';
const OTHER = '2510.22115';

describe('export a collection to BibTeX and import it as another member, in the browser', () => {
  let database: Database;
  let server: TestServer;
  let browser: Browser;
  let ada: SessionMember;
  let bob: SessionMember;

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    database = await openTestDatabase('sqlite');
    await importFiles(database, await listInputFiles([path.join(ROOT, 'tests/fixtures/hf-daily')]));
    // The real clock: the browser drops cookies of sessions that expired by the test server's clock.
    server = await startTestServer(database, { now: () => new Date() });
    ada = await sessionMember(database, () => server.base, 'ada');
    bob = await sessionMember(database, () => server.base, 'bob');
    const now = new Date();
    const r = await createCollection(database.db, { userId: ada.user.id, name: 'Video relighting', isPublic: true, now, maxCollections: 50, paperId: PAPER, note: 'The baseline everyone cites' });
    assert.ok(r.ok);
    assert.equal(await addToCollection(database.db, { collectionId: r.collection.id, userId: ada.user.id, paperId: OTHER, note: null, now, maxPapers: 500 }), 'added');
    await setPrivateNote(database.db, { collectionId: r.collection.id, userId: ada.user.id, paperId: OTHER, note: 'Check §4 & the $\\lambda$ ablation' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });
  after(async () => {
    await browser?.close();
    await server.close();
    await database.close();
  });

  async function as(member: SessionMember, opts: { width?: number; height?: number; dark?: boolean; js?: boolean } = {}): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({
      viewport: { width: opts.width ?? 1440, height: opts.height ?? 900 }, colorScheme: opts.dark ? 'dark' : 'light', acceptDownloads: true, javaScriptEnabled: opts.js ?? true,
    });
    const session = /dp_session=([^;]+)/.exec(member.cookie)![1]!;
    await context.addCookies([{ name: 'dp_session', value: session, url: server.base }]);
    return { context, page: await context.newPage() };
  }

  test('ada downloads BibTeX; bob imports it without JavaScript; nothing is lost', async () => {
    const a = await as(ada);
    await a.page.goto(`${server.base}/users/ada/collections/video-relighting`);
    const [download] = await Promise.all([a.page.waitForEvent('download'), a.page.getByRole('link', { name: 'BibTeX', exact: true }).click()]);
    assert.equal(download.suggestedFilename(), 'ada-video-relighting.bib');
    const file = path.join(ARTIFACTS, 'ada-video-relighting.bib');
    await download.saveAs(file);
    const bib = readFileSync(file, 'utf8');
    assert.match(bib, new RegExp(`eprint = \\{${PAPER}\\}`));
    assert.ok(bib.includes('annote = {Check §4 \\& the \\$\\textbackslash{}lambda\\$ ablation}'), 'the private note, TeX-escaped');
    await a.context.close();

    const b = await as(bob, { js: false });
    await b.page.goto(`${server.base}/users/bob/collections`);
    await b.page.getByRole('link', { name: /Import a library/ }).click();
    await b.page.setInputFiles('#import-file', file);
    await b.page.fill('#import-name', 'From ada');
    await b.page.getByRole('button', { name: 'Import' }).click();
    await b.page.waitForURL(`${server.base}/collections/import`);
    assert.match((await b.page.textContent('main')) ?? '', /2 entries read · 2 papers added · 0 already there · 2 notes saved · 0 not found/);
    await b.page.getByRole('link', { name: 'Open the collection' }).click();
    await b.page.waitForURL(`${server.base}/users/bob/collections/from-ada`);
    const main = (await b.page.textContent('main')) ?? '';
    for (const id of [PAPER, OTHER]) assert.equal(await b.page.locator(`#paper-${id.replace('.', '\\.')}`).count(), 1, id);
    assert.match(main, /Your private note: Check §4 & the \$\\lambda\$ ablation/);
    assert.match(main, /Your private note: The baseline everyone cites/);

    // Importing the same file again adds nothing.
    await b.page.goto(`${server.base}/collections/import`);
    await b.page.setInputFiles('#import-file', file);
    await b.page.selectOption('#import-into', { label: 'From ada' });
    await b.page.getByRole('button', { name: 'Import' }).click();
    assert.match((await b.page.textContent('main')) ?? '', /0 papers added · 2 already there/);

    // Bob's notes are searchable, by him.
    await b.page.goto(`${server.base}/users/bob/collections`);
    await b.page.fill('#saved-q', 'lambda ablation');
    await b.page.getByRole('button', { name: 'Search' }).click();
    assert.match((await b.page.textContent('main')) ?? '', /1 found for “lambda ablation”/);
    await b.context.close();
  });

  test('the new pages pass axe-core (light: every A/AA rule; dark: colours); screenshots at desktop, phone, dark', async () => {
    const found: string[] = [];
    const urls: [string, string][] = [
      ['import-form', '/collections/import'],
      ['saved-search', '/collections/search?q=ablation'],
      ['collection-owner', '/users/bob/collections/from-ada'],
      ['collections-owner', '/users/bob/collections'],
    ];
    for (const [label, opts] of [['desktop', {}], ['phone', { width: 390, height: 844 }], ['dark', { dark: true }]] as const) {
      const { context, page } = await as(bob, opts);
      for (const [name, url] of urls) {
        await page.goto(server.base + url);
        if (label !== 'phone') for (const v of await axe(page, label === 'dark')) found.push(`${name} ${label}: ${v}`);
        if (SHOTS) await page.screenshot({ path: path.join(SHOTS, `library-${name}-${label}.png`), fullPage: true });
      }
      // The report after an import.
      await page.goto(`${server.base}/collections/import`);
      await page.setInputFiles('#import-file', { name: 'mixed.bib', mimeType: 'application/x-bibtex', buffer: Buffer.from(`@misc{found, eprint={${PAPER}}}\n@book{knuth, title={The Art of Computer Programming}}\n@misc{gone, title={Not here}, eprint={2401.99999}}`) });
      await page.fill('#import-name', `Report ${label}`);
      await page.getByRole('button', { name: 'Import' }).click();
      assert.match((await page.textContent('main')) ?? '', /2 not found/);
      if (label !== 'phone') for (const v of await axe(page, label === 'dark')) found.push(`import-report ${label}: ${v}`);
      if (SHOTS) await page.screenshot({ path: path.join(SHOTS, `library-import-report-${label}.png`), fullPage: true });
      await context.close();
    }
    assert.deepEqual(found, []);
  });
});
