/**
 * Cards in Chromium (issue 14): a day of 45 papers with thumbnails, submitters with avatars, organizations
 * with avatars, GitHub repositories with stars and comments, images fetched from a local stand-in for
 * Hugging Face's CDNs and stored. The whole day is on one page; every image the page loads comes from this
 * site; each card shows its thumbnail, submitter, organization avatar, code badge with stars, comment count
 * and its upvote count once.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import type { Database } from '../../src/db/connection.ts';
import { importFiles, listInputFiles } from '../../src/importers/import-files.ts';
import { fetchPendingImages, IMAGE_DEFAULTS } from '../../src/images/fetch.ts';
import { ROOT } from '../helpers/cli.ts';
import { openTestDatabase } from '../helpers/db.ts';
import { startTestServer, type TestServer } from '../helpers/http.ts';
import { startImageCdn, type ImageCdn } from '../helpers/image-cdn.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const DAY = '2025-11-12';
const COUNT = 45;
const id = (i: number) => `2511.${String(10001 + i).padStart(5, '0')}`;

/** A day in Hugging Face's daily_papers format: paper i has 200 - i upvotes (so the order is known). */
function dayFile() {
  return Array.from({ length: COUNT }, (_, i) => ({
    paper: {
      id: id(i),
      authors: [{ _id: `a${i}`, name: `Author ${i}`, hidden: false }, { _id: `b${i}`, name: 'Second Author', hidden: false }],
      publishedAt: '2025-11-11T12:00:00.000Z',
      submittedOnDailyAt: `${DAY}T01:00:00.000Z`,
      title: `Paper number ${i} on scaling things`,
      summary: `The abstract of paper ${i}. It says something about models.`,
      upvotes: 200 - i,
      ...(i % 2 === 0 ? { githubRepo: `https://github.com/example/repo-${i}`, githubStars: i === 0 ? 1576 : i } : {}),
      ...(i % 3 === 0 ? { organization: { _id: `org${i % 2}`, name: `Org${i % 2}`, fullname: `Organization ${i % 2}`, avatar: `https://cdn-avatars.huggingface.co/v1/production/uploads/org${i % 2}/logo.png` } } : {}),
    },
    publishedAt: `${DAY}T01:00:00.000Z`,
    title: `Paper number ${i} on scaling things`,
    thumbnail: `https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/${id(i)}.png`,
    numComments: i === 0 ? 4 : 0,
    submittedBy: { _id: `u${i % 5}`, avatarUrl: `https://cdn-avatars.huggingface.co/v1/production/uploads/u${i % 5}/face.jpeg`, fullname: `Submitter ${i % 5}`, name: `submitter${i % 5}`, type: 'user' },
  }));
}

describe('cards in a browser', () => {
  let database: Database;
  let server: TestServer;
  let cdn: ImageCdn;
  let browser: Browser;
  let tmp: string;

  before(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`The browser tests need Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH).`);
    mkdirSync(ARTIFACTS, { recursive: true });
    tmp = mkdtempSync(path.join(tmpdir(), 'dailypapers-cards-'));
    writeFileSync(path.join(tmp, `${DAY}.json`), JSON.stringify(dayFile()));
    database = await openTestDatabase('sqlite');
    const imported = await importFiles(database, await listInputFiles([tmp]));
    assert.equal(imported.rejected, 0);
    cdn = await startImageCdn();
    const r = await fetchPendingImages(database, {
      base: 'https://huggingface.co', via: cdn.base, allowPrivate: true, userAgent: 'test', timeoutMs: 10_000, maxBytes: IMAGE_DEFAULTS.maxBytes, limit: 200,
    });
    assert.equal(r.failed, 0, JSON.stringify(r.errors));
    // The last paper's thumbnail is not stored: its card shows the placeholder.
    await database.db.deleteFrom('image_sources').where('url', '=', `https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/${id(COUNT - 1)}.png`).execute();
    server = await startTestServer(database, { now: () => new Date('2025-11-13T12:00:00Z') });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await cdn?.close();
    await database?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  test('the whole day is one page, every image comes from this site and is stored, each card shows what Hugging Face shows', async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    const requested: string[] = [];
    page.on('request', (r) => requested.push(r.url()));
    const res = await page.goto(`${server.base}/papers/date/${DAY}`, { waitUntil: 'networkidle' });
    assert.equal(res?.status(), 200);

    // A day of 45 papers: all of them, no page 2.
    assert.equal(await page.locator('[data-card]').count(), COUNT);
    assert.equal(await page.locator('nav.pager').count(), 0);

    // Only this site's addresses were requested; every <img> points at /images/ (or the site's icon).
    const origin = new URL(server.base).origin;
    assert.deepEqual(requested.filter((u) => !u.startsWith(origin) && !u.startsWith('data:')), []);
    const srcs = await page.locator('img').evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).currentSrc || (i as HTMLImageElement).src));
    assert.ok(srcs.length > COUNT, `${srcs.length} images`);
    for (const s of srcs) assert.ok(s.startsWith(`${origin}/images/`) || s.startsWith(`${origin}/static/`), s);

    // The first card: its thumbnail (loaded), submitter with avatar, organization with avatar, code badge with stars, comments.
    const first = page.locator('[data-card]').first();
    await first.scrollIntoViewIfNeeded();
    const thumb = first.locator('.card-thumb img');
    assert.match((await thumb.getAttribute('src')) ?? '', /^\/images\/[0-9a-f]{64}\.webp$/);
    assert.ok(await thumb.evaluate((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth === 640), 'the thumbnail loaded, 640 px wide');
    assert.equal((await first.locator('.card-submitter').textContent())?.replace(/\s+/g, ' ').trim(), 'Submitted by Submitter 0');
    assert.equal(await first.locator('.card-submitter img.user-avatar').count(), 1);
    assert.equal((await first.locator('.card-meta .org').textContent())?.trim(), 'Organization 0');
    assert.equal(await first.locator('.card-meta .org img.org-avatar').count(), 1);
    const badge = first.locator('.code-badge');
    assert.equal(await badge.getAttribute('href'), 'https://github.com/example/repo-0');
    assert.match((await badge.textContent()) ?? '', /Code\s*★ 1\.6k stars/);
    assert.match((await first.locator('.side .comments').textContent()) ?? '', /4 comments/);
    // The upvote count once: in the vote control, not again in the footer line.
    const cardText = ((await first.textContent()) ?? '').replace(/\s+/g, ' ');
    assert.equal(cardText.match(/\b200\b/g)?.length, 1, cardText);

    // A card without organization or repository: authors, no badge. The last card: a placeholder thumbnail.
    const second = page.locator('[data-card]').nth(1);
    assert.equal(await second.locator('.code-badge').count(), 0);
    assert.match((await second.locator('.card-meta').textContent()) ?? '', /2 authors/);
    const last = page.locator('[data-card]').last();
    assert.equal(await last.locator('.card-thumb.placeholder img').count(), 0);
    assert.equal(await last.locator('.card-thumb.placeholder').count(), 1);
    // Every stored image the page shows loaded (none broken).
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    await page.waitForLoadState('networkidle');
    const broken = await page.locator('img').evaluateAll((imgs) => imgs.filter((i) => { const im = i as HTMLImageElement; return im.complete && im.naturalWidth === 0; }).map((i) => (i as HTMLImageElement).src));
    assert.deepEqual(broken, []);
    await page.screenshot({ path: path.join(ARTIFACTS, 'cards-desktop.png') });
    await context.close();
  });

  test('on a phone and in dark mode the cards keep their thumbnail and badges inside the screen width', async () => {
    for (const [name, opts] of [['cards-phone', { viewport: { width: 390, height: 844 }, isMobile: true }], ['cards-dark', { viewport: { width: 1440, height: 900 }, colorScheme: 'dark' as const }]] as const) {
      const context = await browser.newContext(opts);
      const page = await context.newPage();
      await page.goto(`${server.base}/papers/date/${DAY}`, { waitUntil: 'networkidle' });
      const width = await page.evaluate(() => document.documentElement.clientWidth);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(overflow <= width, `${name}: the page is ${overflow} px wide in a ${width} px screen`);
      const box = await page.locator('[data-card]').first().locator('.card-thumb').boundingBox();
      assert.ok(box && box.width > 0 && box.x >= 0 && box.x + box.width <= width + 1, `${name}: thumbnail inside the screen`);
      await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
      await context.close();
    }
  });
});
