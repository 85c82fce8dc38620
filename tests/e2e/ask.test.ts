/**
 * Ask this paper in a real browser (Chromium via playwright-core), the model a local OpenAI-compatible stub
 * streaming the recorded SSE shape: with JavaScript the answer streams into the page and ends as a cited
 * answer whose citation links to the section; without JavaScript the form posts and a page answers. axe-core
 * (WCAG 2.2 AA, light and dark) on the new parts: the question box, the streamed answer, the answer page,
 * the visitor's log-in prompt. With SHOTS_DIR set, each is saved at 1440×900, 390×844 and dark.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import { LlmClient } from '../../src/llm/client.ts';
import { citeFirstPassage, startLlmStub, type LlmStub } from '../helpers/llm-stub.ts';
import { sessionMember } from '../helpers/members.ts';
import { startTestSite, type TestSite } from '../helpers/site.ts';
import { axe } from '../helpers/axe.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const SHOTS = process.env.SHOTS_DIR ?? null;
const DESKTOP: BrowserContextOptions = { viewport: { width: 1440, height: 900 } };
const PHONE: BrowserContextOptions = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };
// tests/fixtures/hf-daily/2025-11-04.json: a paper with an abstract and Hugging Face's AI summary.
const PAPER = '2511.01678';

describe('Ask this paper in a browser', () => {
  let site: TestSite;
  let stub: LlmStub;
  let browser: Browser;
  let cookie: { name: string; value: string; url: string };

  before(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`The browser tests need Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH).`);
    stub = await startLlmStub((req) => ({ ...(citeFirstPassage(req) as { text: string }), pieceBytes: 300 }));
    site = await startTestSite('sqlite', { llm: { client: new LlmClient({ url: stub.url, model: 'stub-model', apiKey: null, timeoutMs: 10_000 }), budgets: { memberRequests: 100, memberTokens: 1e7, siteRequests: 1000, siteTokens: 1e8 } } });
    const ada = await sessionMember(site.database, () => site.server.base, 'ada');
    cookie = { name: 'dp_session', value: ada.cookie.split('=')[1]!, url: site.server.base };
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    if (SHOTS) mkdirSync(SHOTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await stub?.close();
  });

  async function open(options: BrowserContextOptions, signedIn = true): Promise<Page> {
    const context = await browser.newContext(options);
    context.setDefaultTimeout(60_000);
    if (signedIn) await context.addCookies([cookie]);
    return context.newPage();
  }

  const shot = async (page: Page, name: string) => {
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  };

  test('with JavaScript: the answer streams in and ends cited, the citation leads to the section', async () => {
    const found: string[] = [];
    for (const [scheme, options, suffix] of [['light', DESKTOP, 'desktop'], ['dark', { ...DESKTOP, colorScheme: 'dark' as const }, 'dark'], ['light', PHONE, 'phone']] as const) {
      const page = await open(options);
      await page.goto(`${site.server.base}/papers/${PAPER}`);
      await page.fill('#ask-q', `What does the paper propose? (${suffix})`);
      await page.click('form[data-ask] button[type=submit]');
      await page.waitForSelector('[data-ask-answer] .answer a.cite');
      assert.equal(new URL(page.url()).pathname, `/papers/${PAPER}`, 'the page did not change: the answer came by script');
      const href = await page.getAttribute('[data-ask-answer] .answer-sources li a', 'href');
      assert.match(href!, new RegExp(`^/papers/${PAPER.replace('.', '\\.')}#(abstract|ai-summary)$`));
      assert.ok(await page.locator(href!.slice(href!.indexOf('#'))).count(), 'the cited section is on the page');
      if (suffix !== 'phone') for (const v of await axe(page, scheme === 'dark')) found.push(`paper with answer (${suffix}): ${v}`);
      await shot(page, `ask-paper-${suffix}`);
      await page.context().close();
    }
    assert.deepEqual(found, []);
  });

  test('without JavaScript: the form posts and a page shows the cited answer', { timeout: 180_000 }, async () => {
    const context = await browser.newContext({ ...DESKTOP, javaScriptEnabled: false });
    await context.addCookies([cookie]);
    const page = await context.newPage();
    await page.goto(`${site.server.base}/papers/${PAPER}`);
    await page.fill('#ask-q', 'Which results are reported?');
    context.setDefaultTimeout(60_000);
    await page.click('form[data-ask] button[type=submit]');
    await page.waitForSelector('.answer a.cite');
    assert.equal(new URL(page.url()).pathname, `/papers/${PAPER}/ask`);
    assert.ok(await page.locator('.answer a.cite').count());
    assert.match((await page.textContent('.answer-sources'))!, /Abstract|AI summary/);
    await shot(page, 'ask-answer-page-nojs');
    await context.close();
    // The same answer page, checked by axe (which needs scripts): the form posted natively (form.submit() skips the script).
    const checked = await open(DESKTOP);
    await checked.goto(`${site.server.base}/papers/${PAPER}`);
    await checked.fill('#ask-q', 'Which results are reported?');
    await Promise.all([checked.waitForURL(`**/papers/${PAPER}/ask`), checked.evaluate(() => (document.querySelector('form[data-ask]') as HTMLFormElement).submit())]);
    assert.ok(await checked.locator('.answer a.cite').count());
    assert.deepEqual(await axe(checked, false), []);
    await checked.context().close();
  });

  test('visitors see a prompt to log in (axe: no violation)', { timeout: 180_000 }, async () => {
    const page = await open(DESKTOP, false);
    await page.goto(`${site.server.base}/papers/${PAPER}`);
    assert.match((await page.textContent('#ask'))!, /Log in to ask questions about this paper/);
    assert.deepEqual(await axe(page, false), []);
    await shot(page, 'ask-visitor');
    await page.context().close();
  });
});
