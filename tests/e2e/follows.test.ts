/**
 * A member's path through following in a real browser (docs/decisions/0031-follows-and-notifications.md):
 * follow an author from their search → a paper by them is imported (a file in arXiv's listing format) and the
 * notify-follows job runs → the bell in the header counts it, /notifications shows it, marking it read clears
 * the count, and /following lists the author with the paper as new. Every step is a plain form post: no script needed.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { importFiles } from '../../src/importers/import-files.ts';
import { notifyNewPapers } from '../../src/notify/new-papers.ts';
import { sessionMember, type SessionMember } from '../helpers/members.ts';
import { startTestSite, type TestSite } from '../helpers/site.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
/** Set to a folder to keep screenshots of the new pages (desktop, phone, dark). */
const SHOTS = process.env.FOLLOW_SHOTS;

describe('following an author in the browser', () => {
  let site: TestSite;
  let browser: Browser;
  let page: Page;
  let member: SessionMember;
  let dir: string;

  before(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`The browser tests need Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH).`);
    // The real clock: the import stamps papers with it, and a follow must come before the paper.
    site = await startTestSite('sqlite', { now: () => new Date() });
    member = await sessionMember(site.database, () => site.server.base, 'hopper');
    dir = mkdtempSync(path.join(tmpdir(), 'follows-e2e-'));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.addCookies([{ name: 'dp_session', value: member.cookie.split('=')[1]!, url: site.server.base }]);
    page = await context.newPage();
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('follow an author → import a paper by them → it appears in notifications', async () => {
    const base = site.server.base;
    await page.goto(`${base}/papers/search?q=${encodeURIComponent('author:"Grace Hopper"')}`);
    await page.getByRole('button', { name: 'Follow Grace Hopper' }).click();
    await page.getByRole('button', { name: /Following Grace Hopper/ }).waitFor();
    assert.equal(await page.locator('a.notifications-link').count(), 1);
    assert.equal(await page.locator('.unread-count').count(), 0);

    const file = path.join(dir, 'listing.jsonl');
    writeFileSync(file, `${JSON.stringify({
      id: '2512.04242', categories: ['cs.PL'], pdf: 'https://arxiv.org/pdf/2512.04242', abs: 'https://arxiv.org/abs/2512.04242',
      authors: ['Grace Hopper', 'Jean Sammet'], title: 'A Compiler for Business Languages', comment: null, summary: 'We describe a compiler.',
    })}\n`);
    assert.equal((await importFiles(site.database, [file])).new, 1);
    const r = await notifyNewPapers(site.database, { site: site.server.site });
    assert.equal(r.notifications, 1);

    await page.goto(`${base}/papers`);
    assert.equal(await page.textContent('.unread-count'), '1');
    await page.getByRole('link', { name: /Notifications, 1 unread/ }).click();
    await page.waitForURL(`${base}/notifications`);
    const item = page.locator('.notification.unread');
    assert.match(await item.textContent() ?? '', /New paper by Grace Hopper: A Compiler for Business Languages/);
    if (SHOTS) await shots(page, 'notifications');
    await item.getByRole('button', { name: 'Mark read' }).click();
    await page.waitForURL(/\/notifications/);
    assert.equal(await page.locator('.notification.unread').count(), 0);
    assert.equal(await page.locator('.unread-count').count(), 0);

    await page.goto(`${base}/following`);
    const followed = page.locator('.follow-item', { hasText: 'grace hopper' });
    assert.match(await followed.textContent() ?? '', /A Compiler for Business Languages/);
    if (SHOTS) await shots(page, 'following');
    await followed.getByRole('button', { name: /Unfollow/ }).click();
    await page.waitForURL(`${base}/following`);
    assert.match(await page.textContent('main') ?? '', /You follow nothing yet/);
  });

  async function shots(p: Page, name: string) {
    mkdirSync(SHOTS!, { recursive: true });
    const url = p.url();
    for (const [label, viewport, colorScheme] of [['desktop', { width: 1440, height: 900 }, 'light'], ['phone', { width: 390, height: 844 }, 'light'], ['dark', { width: 1440, height: 900 }, 'dark']] as const) {
      const ctx = await browser.newContext({ viewport, colorScheme });
      await ctx.addCookies([{ name: 'dp_session', value: member.cookie.split('=')[1]!, url: site.server.base }]);
      const q = await ctx.newPage();
      await q.goto(url);
      await q.screenshot({ path: path.join(SHOTS!, `${name}-${label}.png`), fullPage: true });
      await ctx.close();
    }
  }
});
