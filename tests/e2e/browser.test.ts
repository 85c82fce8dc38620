/**
 * End-to-end tests in a real browser (Debian's Chromium, driven by playwright-core): the pages as a
 * reader uses them, with and without JavaScript, light and dark, desktop and phone. The app is served
 * in-process on a SQLite database holding the test fixtures, plus one paper with a hostile title.
 * Every test saves a full-page screenshot to test-artifacts/<name>.png.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { serve, type ServerType } from '@hono/node-server';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import type { Database } from '../../src/db/connection.ts';
import { createMailer } from '../../src/email/mailer.ts';
import { createApp } from '../../src/http/app.ts';
import { importFiles, listInputFiles } from '../../src/importers/import-files.ts';
import { openTestDatabase } from '../helpers/db.ts';
import { ROOT } from '../helpers/cli.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run',
];
const FIXTURES = path.join(ROOT, 'tests/fixtures');
const ARTIFACTS = path.join(ROOT, 'test-artifacts');

/** The paper whose title tries to run a script; its list day is 2025-11-05 (the file's name). */
const HOSTILE_ID = '2511.04999';
const HOSTILE_TITLE = '<script>window.__pwned=1</script> Attention $x^2$';
/** What the tab title, OpenGraph and JSON-LD show: no math rendering there, so the TeX becomes plain text. */
const HOSTILE_PLAIN = '<script>window.__pwned=1</script> Attention x²';
const HOSTILE_DAY_FILE = [
  {
    paper: {
      id: HOSTILE_ID,
      authors: [{ _id: 'a1', name: '<img src=x onerror="window.__pwned=2">', hidden: false }],
      publishedAt: '2025-11-04T12:00:00.000Z',
      submittedOnDailyAt: '2025-11-05T01:00:00.000Z',
      title: HOSTILE_TITLE,
      summary: 'An abstract with $\\alpha + \\beta$ and a </script><script>window.__pwned=3</script> tail.',
      upvotes: 3,
    },
    publishedAt: '2025-11-04T12:00:00.000Z',
    title: HOSTILE_TITLE,
    numComments: 0,
  },
];

// 2025-11-04 (tests/fixtures/hf-daily/2025-11-04.json): 2510.22115 has 47 upvotes and an organization,
// 2511.01678 has 5 upvotes and two authors.
const TOP = { id: '2510.22115', title: 'Every Activation Boosted: Scaling General Reasoner to 1 Trillion Open Language Foundation' };
const SECOND = { id: '2511.01678', title: 'UniLumos: Fast and Unified Image and Video Relighting' };

describe('the site in a browser', () => {
  let database: Database;
  let server: ServerType;
  let browser: Browser;
  let base: string;
  let tmp: string;
  const contexts: BrowserContext[] = [];

  before(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `The browser tests need Chromium at ${CHROMIUM}, and it is not there. Install it with ` +
          '`apt-get install chromium` (Debian/Ubuntu), or set CHROMIUM_PATH to a Chromium binary.',
      );
    }
    mkdirSync(ARTIFACTS, { recursive: true });
    tmp = mkdtempSync(path.join(tmpdir(), 'dailypapers-e2e-'));
    writeFileSync(path.join(tmp, '2025-11-05.json'), JSON.stringify(HOSTILE_DAY_FILE, null, 2));

    database = await openTestDatabase('sqlite');
    const files = await listInputFiles([
      path.join(FIXTURES, 'hf-daily'),
      path.join(FIXTURES, 'arxiv-snapshot/snapshot.jsonl'),
      path.join(tmp, '2025-11-05.json'),
    ]);
    const imported = await importFiles(database, files);
    assert.equal(imported.rejected, 0, `fixtures rejected: ${JSON.stringify(imported.rejections)}`);

    // The app needs its public URL, which holds the port, which is known once the server listens.
    let app: ReturnType<typeof createApp> | undefined;
    server = serve({ fetch: (req, env) => app!.fetch(req, env), port: 0, hostname: '127.0.0.1' });
    if (!server.listening) await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    base = `http://127.0.0.1:${port}`;
    app = createApp({
      database,
      site: { name: 'Daily Papers', curators: 'AK', publicUrl: base },
      mailer: createMailer(database, { smtpUrl: null, from: 'Daily Papers <papers@papers.test>' }),
      now: () => new Date('2025-11-20T12:00:00Z'),
    });

    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });

  after(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    await database?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  /** A fresh page in a new context; script errors and console errors on it are collected. */
  async function newPage(options: BrowserContextOptions = {}): Promise<{ page: Page; problems: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
    context.setDefaultTimeout(10_000);
    contexts.push(context);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
    });
    page.on('dialog', (d) => {
      problems.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    return { page, problems };
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
  const pathOf = (page: Page) => new URL(page.url()).pathname + new URL(page.url()).search;
  const text = async (page: Page, selector: string) => ((await page.locator(selector).first().textContent()) ?? '').replace(/\s+/g, ' ').trim();
  const cardTitles = (page: Page) => page.locator('[data-card] a.card-title').allTextContents().then((ts) => ts.map((t) => t.replace(/\s+/g, ' ').trim()));
  const cardIds = (page: Page) =>
    page.locator('[data-card] a.card-title').evaluateAll((as) => as.map((a) => a.getAttribute('href')));

  /** Relative luminance (0 black … 1 white) of a CSS `rgb(…)` colour. */
  function luminance(css: string): number {
    const m = /rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(css);
    assert.ok(m, `not an rgb() colour: ${css}`);
    const [r, g, b] = [m[1], m[2], m[3]].map((v) => {
      const c = Number(v) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    }) as [number, number, number];
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }

  test('the daily page shows the heading, the byline and the cards in upvote order', async () => {
    const { page, problems } = await newPage();
    const res = await page.goto(`${base}/papers/date/2025-11-04`);
    assert.equal(res?.status(), 200);
    assert.equal(await text(page, 'main h1'), 'Daily Papers');
    assert.equal(await text(page, '.byline'), 'by AK and the research community');
    assert.equal(await text(page, '.date-nav .current'), 'Tuesday, Nov 4, 2025');
    assert.equal(await page.title(), 'Daily Papers · Tuesday, Nov 4, 2025 · Daily Papers');
    assert.deepEqual(await cardTitles(page), [TOP.title, SECOND.title]);
    assert.deepEqual(await cardIds(page), [`/papers/${TOP.id}`, `/papers/${SECOND.id}`]);

    const cards = page.locator('[data-card]');
    // The first card: its organization, its date and its upvotes.
    const first = cards.nth(0);
    assert.match(await text(page, '[data-card]:nth-child(1) .votes'), /^▲47 upvotes; log in to upvote$/);
    assert.equal((await first.locator('.card-meta .org').textContent())?.trim(), 'inclusionAI');
    assert.equal(await first.locator('.card-meta .org').getAttribute('href'), '/organizations/inclusionAI');
    assert.equal(await first.locator('.card-meta time').textContent(), 'Oct 25');
    assert.equal(await first.locator('.card-meta time').getAttribute('datetime'), '2025-10-25');
    // The upvote count is shown once, in the vote control (not again in the footer line).
    assert.doesNotMatch((await first.locator('.card-meta').textContent()) ?? '', /upvote/);
    assert.match((await first.locator('.card-abstract').textContent()) ?? '', /^We introduce Ling 2\.0/);
    // The second: no organization, so the number of authors.
    const second = cards.nth(1);
    assert.equal(await second.locator('.card-meta .org').count(), 0);
    const meta = ((await second.locator('.card-meta').textContent()) ?? '').replace(/\s+/g, ' ');
    assert.match(meta, /• 2 authors/);
    assert.match(meta, /Nov 3/);
    assert.doesNotMatch(meta, /upvote/);
    assert.match(await text(page, '[data-card]:nth-child(2) .votes'), /^▲5 upvotes; log in to upvote$/);
    // The first card is the one with more upvotes, and it comes first on the screen too.
    const [a, b] = [await first.boundingBox(), await second.boundingBox()];
    assert.ok(a && b && (a.y < b.y || (a.y === b.y && a.x < b.x)), 'the first card is shown before the second');

    await shot(page, 'daily-2025-11-04');
    assert.deepEqual(problems, []);
  });

  test('Previous and Next move between days that have papers, and the date picker goes to a day', async () => {
    const { page, problems } = await newPage();
    await page.goto(`${base}/papers/date/2025-11-04`);
    // Previous skips the empty days between 2025-06-26 and 2025-11-04.
    await page.getByRole('link', { name: '← Previous' }).click();
    await page.waitForURL(`${base}/papers/date/2025-06-26`);
    assert.equal(await text(page, '.date-nav .current'), 'Thursday, Jun 26, 2025');
    assert.equal(await page.locator('[data-card]').count(), 2);
    await shot(page, 'daily-2025-06-26');

    await page.getByRole('link', { name: 'Next →' }).click();
    await page.waitForURL(`${base}/papers/date/2025-11-04`);
    assert.deepEqual(await cardTitles(page), [TOP.title, SECOND.title]);

    // The date picker: choosing a day and submitting the form.
    const picker = page.locator('form.date-picker input[type=date]');
    assert.equal(await picker.inputValue(), '2025-11-04');
    await picker.evaluate((el: HTMLInputElement) => (el.value = '2025-02-11')); // no change event: submit by hand
    await page.locator('form.date-picker button[type=submit]').click();
    await page.waitForURL(`${base}/papers/date/2025-02-11`);
    assert.equal(await text(page, '.date-nav .current'), 'Tuesday, Feb 11, 2025');
    assert.equal(await picker.inputValue(), '2025-02-11');
    // 112 upvotes before 24.
    assert.deepEqual(await cardIds(page), ['/papers/2502.06703', '/papers/2502.06781']);

    // With JavaScript, choosing a day is enough (app.js submits on change).
    await picker.fill('2024-03-12');
    await page.waitForURL(`${base}/papers/date/2024-03-12`);
    assert.deepEqual(await cardIds(page), ['/papers/2403.06634', '/papers/2403.06504']);
    await shot(page, 'date-picker-2024-03-12');
    assert.deepEqual(problems, []);
  });

  test('the Weekly and Monthly switches show the papers of the week and of the month', async () => {
    const { page, problems } = await newPage();
    await page.goto(`${base}/papers/date/2025-11-04`);
    assert.equal(await page.locator('.switch a[aria-current="page"]').textContent(), 'Daily');

    await page.locator('.switch').getByRole('link', { name: 'Weekly' }).click();
    await page.waitForURL(`${base}/papers/week/2025-W45`);
    assert.equal(await page.locator('.switch a[aria-current="page"]').textContent(), 'Weekly');
    assert.equal(await text(page, '.date-nav .current'), 'Nov 3 – 9, 2025');
    assert.match(await page.title(), /^Weekly Papers · Nov 3 – 9, 2025/);
    // Week 45 holds 2025-11-04 (two papers) and 2025-11-05 (the hostile one, 3 upvotes), by upvotes.
    assert.deepEqual(await cardIds(page), [`/papers/${TOP.id}`, `/papers/${SECOND.id}`, `/papers/${HOSTILE_ID}`]);
    assert.equal(await page.getByRole('link', { name: '← Previous' }).getAttribute('href'), '/papers/week/2025-W26');
    await shot(page, 'weekly-2025-W45');

    await page.locator('.switch').getByRole('link', { name: 'Monthly' }).click();
    await page.waitForURL(`${base}/papers/month/2025-11`);
    assert.equal(await page.locator('.switch a[aria-current="page"]').textContent(), 'Monthly');
    assert.equal(await text(page, '.date-nav .current'), 'November 2025');
    assert.deepEqual(await cardIds(page), [`/papers/${TOP.id}`, `/papers/${SECOND.id}`, `/papers/${HOSTILE_ID}`]);
    assert.equal(await page.getByRole('link', { name: '← Previous' }).getAttribute('href'), '/papers/month/2025-06');
    await page.getByRole('link', { name: '← Previous' }).click();
    await page.waitForURL(`${base}/papers/month/2025-06`);
    assert.equal(await page.locator('[data-card]').count(), 2);
    await shot(page, 'monthly-2025-06');

    // And back to a day: the Daily switch of a month shows its newest day with a list.
    await page.locator('.switch').getByRole('link', { name: 'Daily' }).click();
    await page.waitForURL(`${base}/papers/date/2025-06-26`);
    assert.ok((await page.locator('[data-card]').count()) > 0, 'the day has its papers');
    assert.deepEqual(problems, []);
  });

  test('a card title opens the paper page: title, authors, abstract, links, canonical URL and JSON-LD', async () => {
    const { page, problems } = await newPage();
    await page.goto(`${base}/papers/date/2025-11-04`);
    await page.locator('[data-card] a.card-title').first().click();
    await page.waitForURL(`${base}/papers/${TOP.id}`);

    assert.equal(await text(page, 'main h1'), TOP.title);
    assert.equal(await page.title(), `${TOP.title} · Daily Papers`);
    assert.deepEqual(await page.locator('ul.authors li').allTextContents(), ['Ling-Team', 'Ang Li']);
    assert.match(await text(page, 'section.abstract'), /^Abstract We introduce Ling 2\.0, a series reasoning-oriented language foundation built upon/);
    assert.equal(await page.getByRole('link', { name: /arXiv page/ }).getAttribute('href'), `https://arxiv.org/abs/${TOP.id}`);
    assert.equal(await page.getByRole('link', { name: /^PDF/ }).getAttribute('href'), `https://arxiv.org/pdf/${TOP.id}`);
    assert.match(await text(page, 'aside.facts .big-votes'), /^▲47 upvotes; log in to upvote/);
    assert.equal(await page.locator('aside.facts a[href="/organizations/inclusionAI"]').count(), 1);
    assert.equal(await page.locator('aside.facts a[href="/papers/date/2025-11-04"]').textContent(), 'Tuesday, Nov 4, 2025');

    assert.equal(await page.locator('link[rel=canonical]').getAttribute('href'), `${base}/papers/${TOP.id}`);
    assert.equal(await page.locator('meta[property="og:url"]').getAttribute('content'), `${base}/papers/${TOP.id}`);
    const ldText = await page.locator('script[type="application/ld+json"]').textContent();
    const ld = JSON.parse(ldText ?? '') as Record<string, unknown>;
    assert.equal(ld['@context'], 'https://schema.org');
    assert.equal(ld['@type'], 'ScholarlyArticle');
    assert.equal(ld.headline, TOP.title);
    assert.equal(ld.url, `${base}/papers/${TOP.id}`);
    assert.equal(ld.identifier, `arXiv:${TOP.id}`);
    assert.deepEqual((ld.author as { name: string }[]).map((a) => a.name), ['Ling-Team', 'Ang Li']);

    await shot(page, 'paper-2510.22115');
    assert.deepEqual(problems, []);
  });

  test('j and k move the focus between cards, Enter opens the focused paper', async () => {
    const { page, problems } = await newPage();
    await page.goto(`${base}/papers/week/2025-W45`);
    const focusedCard = () =>
      page.evaluate(() => Array.from(document.querySelectorAll('[data-card] a.card-title')).indexOf(document.activeElement as Element));
    assert.equal(await focusedCard(), -1);
    await page.keyboard.press('j');
    assert.equal(await focusedCard(), 0);
    await page.keyboard.press('j');
    assert.equal(await focusedCard(), 1);
    await page.keyboard.press('j');
    assert.equal(await focusedCard(), 2);
    await page.keyboard.press('j');
    assert.equal(await focusedCard(), 2, 'j on the last card stays there');
    await page.keyboard.press('k');
    await page.keyboard.press('k');
    assert.equal(await focusedCard(), 0);
    await page.keyboard.press('k');
    assert.equal(await focusedCard(), 0, 'k on the first card stays there');
    await page.keyboard.press('j');
    await page.keyboard.press('k');
    assert.equal(await focusedCard(), 0);
    await shot(page, 'keyboard-focus');

    // Typing j in the date field types; it does not move between cards.
    await page.locator('form.date-picker input[type=date]').focus();
    await page.keyboard.press('j');
    assert.equal(await focusedCard(), -1);

    await page.keyboard.press('Escape');
    await page.locator('body').click({ position: { x: 5, y: 300 } });
    await page.keyboard.press('j');
    assert.equal(await focusedCard(), 0);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/papers/${TOP.id}`);
    assert.equal(await text(page, 'main h1'), TOP.title);
    assert.deepEqual(problems, []);
  });

  test('dark mode follows the colour scheme: a dark background in dark, a light one in light', async () => {
    for (const colorScheme of ['dark', 'light'] as const) {
      const { page, problems } = await newPage({ colorScheme });
      await page.goto(`${base}/papers/date/2025-11-04`);
      const colours = await page.evaluate(() => {
        const body = getComputedStyle(document.body);
        const card = getComputedStyle(document.querySelector('[data-card]')!);
        return { bg: body.backgroundColor, fg: body.color, card: card.backgroundColor };
      });
      const bg = luminance(colours.bg);
      const fg = luminance(colours.fg);
      if (colorScheme === 'dark') {
        assert.ok(bg < 0.05, `dark background expected, got ${colours.bg}`);
        assert.ok(fg > 0.5, `light text expected on dark, got ${colours.fg}`);
        assert.ok(luminance(colours.card) < 0.05, `dark cards expected, got ${colours.card}`);
      } else {
        assert.ok(bg > 0.9, `light background expected, got ${colours.bg}`);
        assert.ok(fg < 0.05, `dark text expected on light, got ${colours.fg}`);
      }
      // Contrast of body text (WCAG): at least 4.5:1.
      const contrast = (Math.max(bg, fg) + 0.05) / (Math.min(bg, fg) + 0.05);
      assert.ok(contrast >= 4.5, `text contrast ${contrast.toFixed(2)} in ${colorScheme}`);
      await shot(page, `daily-${colorScheme}`);
      if (colorScheme === 'dark') {
        await page.goto(`${base}/papers/${TOP.id}`);
        await shot(page, 'paper-dark');
      }
      assert.deepEqual(problems, []);
    }
  });

  const PHONE: BrowserContextOptions = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

  /** On a phone, Chromium widens the layout viewport to fit content that overflows: both are checked. */
  async function assertNoSideScroll(page: Page, what: string) {
    const { scrollWidth, innerWidth, overflowing } = await page.evaluate(() => {
      const out: string[] = [];
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const range = document.createRange();
        range.selectNodeContents(n);
        if (range.getBoundingClientRect().right > 390.5 && !n.parentElement?.closest('pre')) out.push(`${n.parentElement?.className}: "${n.textContent?.trim().slice(0, 40)}"`);
      }
      return { scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, overflowing: out };
    });
    assert.equal(innerWidth, 390, `${what}: the layout viewport was widened to ${innerWidth}px; too wide: ${overflowing.join('; ')}`);
    assert.ok(scrollWidth <= innerWidth, `${what}: page is ${scrollWidth}px wide on a ${innerWidth}px screen`);
  }

  test('on a phone (390×844) nothing scrolls sideways and cards are one column', async () => {
    const { page, problems } = await newPage(PHONE);
    for (const day of ['/papers/date/2025-11-04', '/papers/month/2025-06']) {
      await page.goto(`${base}${day}`);
      await assertNoSideScroll(page, day);
      const boxes = await page.locator('[data-card]').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().toJSON() as DOMRect));
      assert.equal(boxes.length, 2);
      assert.equal(new Set(boxes.map((b) => Math.round(b.left))).size, 1, 'all cards start at the same x');
      assert.ok(boxes[1]!.top >= boxes[0]!.bottom, 'the second card is below the first');
      for (const b of boxes) assert.ok(b.left >= 0 && b.right <= 390, `card fits the screen (${b.left}–${b.right})`);
      assert.equal(await page.locator('ol.cards').evaluate((ol) => getComputedStyle(ol).gridTemplateColumns.split(' ').length), 1);
    }
    await shot(page, 'phone-month-2025-06');

    for (const p of [`/papers/${TOP.id}`, '/papers/hep-th/9711200', '/subscribe', '/about/ranking']) {
      await page.goto(`${base}${p}`);
      await assertNoSideScroll(page, p);
      if (p === `/papers/${TOP.id}`) await shot(page, 'phone-paper');
    }
    assert.deepEqual(problems, []);
    await page.goto(`${base}/papers/2401.99999`); // a 404 page (Chromium logs its status as a console error)
    await assertNoSideScroll(page, 'the 404 page');
  });

  test(
    'on a phone, a long unbreakable word in a title wraps instead of widening the page',
    async () => {
      const { page } = await newPage(PHONE);
      const failures: string[] = [];
      for (const p of ['/papers/date/2025-11-05', '/papers/week/2025-W45', '/papers/trending', `/papers/${HOSTILE_ID}`]) {
        await page.goto(`${base}${p}`);
        if (p === '/papers/date/2025-11-05') await shot(page, 'phone-long-word');
        await assertNoSideScroll(page, p).catch((e: Error) => failures.push(e.message));
      }
      assert.deepEqual(failures, []);
    },
  );

  test(
    'on a phone, the API documentation fits the screen',
    async () => {
      const { page } = await newPage(PHONE);
      await page.goto(`${base}/docs/api`);
      await shot(page, 'phone-docs-api');
      await assertNoSideScroll(page, '/docs/api');
    },
  );

  test(
    'on a phone, the header keeps the page margin',
    async () => {
      const { page } = await newPage(PHONE);
      await page.goto(`${base}/papers/date/2025-11-04`);
      const brand = await page.locator('header.site .brand').boundingBox();
      const h1 = await page.locator('main h1').boundingBox();
      assert.ok(brand && h1);
      assert.equal(Math.round(brand.x), Math.round(h1.x), 'the logo lines up with the page heading');
    },
  );

  test(
    'the paper page counts one comment in the singular',
    async () => {
      const { page } = await newPage();
      await page.goto(`${base}/papers/${TOP.id}`);
      assert.match(await text(page, '#discussion .meta-line'), /^1 comment: 1 on Hugging Face, 0 here\.$/);
    },
  );

  test('without JavaScript: links lead from day to day to paper, and the date picker form submits', async () => {
    const { page } = await newPage({ javaScriptEnabled: false });
    await page.goto(`${base}/papers/date/2025-11-04`);
    await page.getByRole('link', { name: '← Previous' }).click();
    await page.waitForURL(`${base}/papers/date/2025-06-26`);
    // 27 upvotes before 0.
    assert.deepEqual(await cardIds(page), ['/papers/2506.19697', '/papers/2506.20639']);
    await page.locator('[data-card] a.card-title').first().click();
    await page.waitForURL(`${base}/papers/2506.19697`);
    assert.match(await text(page, 'main h1'), /^Outlier-Safe Pre-Training for Robust 4-Bit Quantization/);
    await shot(page, 'nojs-paper');

    // Back on a list, the form is a plain GET that the server redirects to the day's page.
    await page.locator('aside.facts a[href="/papers/date/2025-06-26"]').click();
    await page.waitForURL(`${base}/papers/date/2025-06-26`);
    await page.locator('form.date-picker input[type=date]').fill('2025-03-12');
    const redirect = page.waitForResponse((r) => r.url() === `${base}/papers/date?date=2025-03-12`);
    await page.locator('form.date-picker button[type=submit]').click();
    const res = await redirect;
    assert.equal(res.status(), 302);
    assert.equal(res.headers().location, '/papers/date/2025-03-12');
    await page.waitForURL(`${base}/papers/date/2025-03-12`);
    assert.equal(await text(page, '.date-nav .current'), 'Wednesday, Mar 12, 2025');
    assert.deepEqual(await cardIds(page), ['/papers/2503.08638', '/papers/2503.07920']);
    await shot(page, 'nojs-date-picker');
  });

  test('error pages: 404 for an unknown paper, 400 for an impossible day', async () => {
    const { page, problems } = await newPage();
    const missing = await page.goto(`${base}/papers/2401.99999`);
    assert.equal(missing?.status(), 404);
    assert.equal(await text(page, 'main h1'), 'Paper not found');
    assert.match(await text(page, 'main'), /There is no paper 2401\.99999 here yet/);
    assert.equal(await page.locator('meta[name=robots]').getAttribute('content'), 'noindex');
    await shot(page, 'error-404-paper');

    const bad = await page.goto(`${base}/papers/date/2024-02-30`);
    assert.equal(bad?.status(), 400);
    assert.equal(await text(page, 'main h1'), 'Not a date');
    assert.equal(await text(page, '.error-page .status'), '400');
    await shot(page, 'error-400-date');
    // A 4xx document is still a page, not a console error for a reader; but Chromium logs the status.
    assert.ok(problems.every((p) => /Failed to load resource: .* (404|400)/.test(p)), problems.join('\n'));
  });

  test('a hostile title is shown as text, its script never runs, and its math renders as MathML', async () => {
    const { page, problems } = await newPage();
    for (const url of [`${base}/papers/date/2025-11-05`, `${base}/papers/${HOSTILE_ID}`]) {
      await page.goto(url);
      assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned), undefined, `${url}: the script ran`);
      assert.equal(await page.locator('main script, main img').count(), 0, `${url}: markup from the data became elements`);
    }

    await page.goto(`${base}/papers/date/2025-11-05`);
    const title = page.locator('[data-card] a.card-title');
    assert.equal(await title.count(), 1);
    const shown = (await title.innerText()).replace(/\s+/g, ' ');
    assert.ok(shown.startsWith('<script>window.__pwned=1</script> Attention'), `card title shows the text: ${shown}`);
    assert.equal(await title.locator('math').count(), 1, 'the $x^2$ is MathML');
    assert.equal(await title.locator('math msup').count(), 1);
    assert.equal(await title.locator('math annotation[encoding="application/x-tex"]').textContent(), 'x^2');
    await shot(page, 'hostile-day');

    await page.locator('[data-card] a.card-title').click();
    await page.waitForURL(`${base}/papers/${HOSTILE_ID}`);
    const h1 = (await page.locator('main h1').innerText()).replace(/\s+/g, ' ');
    assert.ok(h1.startsWith('<script>window.__pwned=1</script> Attention'), `heading shows the text: ${h1}`);
    assert.equal(await page.locator('main h1 math').count(), 1);
    assert.equal(await page.title(), `${HOSTILE_PLAIN} · Daily Papers`);
    assert.equal(await page.locator('ul.authors li').first().textContent(), '<img src=x onerror="window.__pwned=2">');
    assert.match(await page.locator('section.abstract').innerText(), /<\/script><script>window\.__pwned=3<\/script> tail\./);
    assert.equal(await page.locator('section.abstract math').count(), 1);
    assert.equal(await page.locator('meta[property="og:title"]').getAttribute('content'), HOSTILE_PLAIN);
    const ld = JSON.parse((await page.locator('script[type="application/ld+json"]').textContent()) ?? '') as Record<string, unknown>;
    assert.equal(ld.name, HOSTILE_PLAIN);
    assert.equal(await page.locator('script').count(), 2, 'only app.js and the JSON-LD are scripts');
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned), undefined);
    await shot(page, 'hostile-paper');
    assert.deepEqual(problems, []);
  });
});
