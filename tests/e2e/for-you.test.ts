/**
 * A member's For-you path in a real browser, without JavaScript help: pick seeds on the start page → the
 * For-you page shows explained cards → 👎 one → it is gone and the papers like it rank lower.
 * With SHOTS_DIR set, the pages are saved at 1440×900, 390×844 and dark.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import { importFiles, listInputFiles } from '../../src/importers/import-files.ts';
import { sessionMember } from '../helpers/members.ts';
import { FIXTURES, startTestSite, type TestSite } from '../helpers/site.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const SHOTS = process.env.SHOTS_DIR ?? null;
const SEED = '2511.10001'; // Temporal Diffusion Transformers for Long Video Generation
const VIDEO = ['2511.10002', '2511.10003'];

describe('For you in a browser', () => {
  let site: TestSite;
  let browser: Browser;
  let cookie: { name: string; value: string; url: string };

  before(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`The browser tests need Chromium at ${CHROMIUM}.`);
    site = await startTestSite('sqlite');
    await importFiles(site.database, await listInputFiles([path.join(FIXTURES, 'for-you')]));
    const m = await sessionMember(site.database, () => site.server.base, 'reader');
    cookie = { name: 'dp_session', value: m.cookie.split('=')[1]!, url: site.server.base };
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    if (SHOTS) mkdirSync(SHOTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await site?.close();
  });

  async function open(options: BrowserContextOptions = { viewport: { width: 1440, height: 900 } }): Promise<Page> {
    const context = await browser.newContext({ ...options, javaScriptEnabled: false });
    context.setDefaultTimeout(60_000);
    await context.addCookies([cookie]);
    return context.newPage();
  }
  const cards = (page: Page) => page.locator('ol.cards > li').evaluateAll((els) => els.map((e) => e.id.replace(/^paper-/, '')));

  test('pick seeds → explained cards → 👎 one → it disappears and similar ones drop', async () => {
    const page = await open();
    await page.goto(`${site.server.base}/papers/for-you`);
    await page.getByRole('link', { name: 'Pick a few papers you like' }).click();
    assert.match(page.url(), /\/papers\/for-you\/start$/);
    await page.getByLabel('Find papers by title, words or arXiv id').fill('long video generation');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.locator(`button[data-seed="${SEED}"]`).click();
    assert.equal(await page.locator('ul.seeds li').count(), 1);
    // All personal: the slider to 0 % community heat, as a plain form.
    await page.getByRole('link', { name: 'See your feed' }).click();
    await page.locator('#f-heat').fill('0');
    await page.getByRole('button', { name: 'Apply' }).click();
    assert.match(await page.locator('p.notice').innerText(), /Blend saved/);
    const before = await cards(page);
    assert.ok(!before.includes(SEED), 'the seed itself is not suggested');
    assert.deepEqual(before.slice(0, 2).sort(), [...VIDEO].sort(), `the video diffusion papers lead: ${before.join(' ')}`);
    const why = await page.locator(`[id="paper-${before[0]}"] p.why`).innerText();
    assert.match(why, /Because you picked “Temporal Diffusion Transformers for Long Video Generation”/);
    assert.match(why, /matches: .*(video|diffusion)/);
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'for-you-desktop.png'), fullPage: true });

    const [gone, similar] = before as [string, string];
    await page.locator(`[id="paper-${gone}"] button[data-feedback="less"]`).click();
    assert.match(await page.locator('p.notice').innerText(), /that paper is gone/);
    const after = await cards(page);
    assert.ok(!after.includes(gone), 'the paper is gone at once');
    // The other video paper was second, ahead of every unrelated paper; now papers unlike both overtake it.
    assert.ok(after.indexOf(similar) > 0, `the similar paper dropped: ${after.join(' ')}`);
  });

  test('screenshots of the For-you pages (SHOTS_DIR)', { skip: !SHOTS }, async () => {
    for (const [name, options] of [
      ['desktop', { viewport: { width: 1440, height: 900 } }],
      ['phone', { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }],
      ['dark', { viewport: { width: 1440, height: 900 }, colorScheme: 'dark' }],
    ] as [string, BrowserContextOptions][]) {
      const page = await open(options);
      for (const [page_, url] of [['for-you', '/papers/for-you'], ['for-you-start', '/papers/for-you/start'], ['settings', '/settings']]) {
        await page.goto(site.server.base + url);
        await page.screenshot({ path: path.join(SHOTS!, `${page_}-${name}.png`), fullPage: true });
      }
      await page.context().close();
    }
  });
});
