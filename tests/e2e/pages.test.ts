/**
 * Every page type in a real browser (Debian's Chromium, driven by playwright-core), as a reader and as an
 * admin: axe-core's WCAG 2.2 AA rules in light and dark (zero violations), the phone layout (the first card
 * and a paper's upvote button and links within the first screen), and the member menu without JavaScript.
 * With SHOTS_DIR set, every page is also saved at 1440×900, 390×844 and dark (docs/decisions/0028).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import { FIXTURES, startTestSite, type TestSite } from '../helpers/site.ts';
import { sessionMember } from '../helpers/members.ts';
import { importFiles, listInputFiles } from '../../src/importers/import-files.ts';
import { updateProfileFields } from '../../src/db/queries/profiles.ts';
import { storeFullText } from '../../src/db/queries/fulltext.ts';
import { latexmlToMarkdown } from '../../src/domain/fulltext-html.ts';
import { getPaper } from '../../src/db/queries/papers.ts';
import { storeExtracts } from '../../src/db/queries/extracts.ts';
import { extract, EXTRACT_METHOD } from '../../src/domain/extract.ts';
import { follow } from '../../src/db/queries/follows.ts';
import { addNotification } from '../../src/db/queries/notifications.ts';
import { loadConfig } from '../../src/config.ts';
import { jobDefinitions } from '../../src/jobs/registry.ts';
import { Scheduler } from '../../src/jobs/scheduler.ts';
import { openTestDatabase } from '../helpers/db.ts';
import { startTestServer } from '../helpers/http.ts';
import { setupLinkIfNoAdmin } from '../../src/http/handlers/setup.ts';
import { axe } from '../helpers/axe.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const SHOTS = process.env.SHOTS_DIR ?? null;

const DESKTOP: BrowserContextOptions = { viewport: { width: 1440, height: 900 } };
const PHONE: BrowserContextOptions = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };

// tests/fixtures/hf-daily/2025-11-04.json: 2510.22115 (an organization, inclusionAI), 2511.01678 (AI keywords).
const PAPER = '2510.22115';
const KEYWORD_PAPER = '2511.01678';
// tests/fixtures/arxiv-snapshot: an arXiv paper with no Hugging Face summary, given its extracted one.
const EXTRACTED_PAPER = '0704.0062';

/** Page types a reader sees, then those of a signed-in admin. */
const READER_PAGES: [string, string][] = [
  ['daily', '/'],
  ['weekly', '/papers/week/2025-W45'],
  ['monthly', '/papers/month/2025-11'],
  ['trending', '/papers/trending'],
  ['paper', `/papers/${PAPER}`],
  ['paper-keywords', `/papers/${KEYWORD_PAPER}`],
  ['paper-extracted', `/papers/${EXTRACTED_PAPER}`],
  ['category', '/papers/category/hep-ph'],
  ['category-unknown', '/papers/category/cs.XX'],
  ['organization', '/organizations/inclusionAI'],
  ['search', '/papers/search?q=relighting'],
  ['subscribe', '/subscribe'],
  ['login', '/login'],
  ['signup', '/signup'],
  ['reset', '/reset'],
  ['api-docs', '/docs/api'],
  ['about', '/about/ranking'],
  ['paper-unknown', '/papers/2601.00001'],
  ['not-found', '/no/such/page'],
  ['profile', '/users/ada'],
  ['reading', `/papers/${PAPER}/read`],
  ['for-you-visitor', '/papers/for-you'],
];
const ADMIN_PAGES: [string, string][] = [
  ['settings', '/settings'],
  ['settings-digest', '/settings/subscription'],
  ['settings-alerts', '/settings/alerts'],
  ['collections', '/users/ada/collections'],
  ['submit', '/submit'],
  ['admin', '/admin'],
  ['admin-jobs', '/admin/jobs'],
  ['admin-outbox', '/admin/outbox'],
  ['admin-organizations', '/admin/organizations'],
  ['admin-mail-preview', '/admin/mail-preview'],
  ['moderation', '/moderation'],
  ['moderation-log', '/moderation/log'],
  ['for-you', '/papers/for-you'],
  ['for-you-start', '/papers/for-you/start'],
  ['following', '/following'],
  ['notifications', '/notifications'],
];

describe('every page type in a browser', () => {
  let site: TestSite;
  let browser: Browser;
  let adminCookie: { name: string; value: string; url: string };
  /** Another admin's session, for the test that logs out (which ends the session for every context). */
  let leavingCookie: { name: string; value: string; url: string };

  before(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`The browser tests need Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH).`);
    site = await startTestSite('sqlite');
    await importFiles(site.database, await listInputFiles([path.join(FIXTURES, 'arxiv-snapshot/snapshot.jsonl')]));
    // The reading view (/papers/ID/read) shows a real LaTeXML page's text: sections, equations, a theorem, references.
    const svm = latexmlToMarkdown(readFileSync(path.join(FIXTURES, 'fulltext/svm-polytope.html'), 'utf8'), 'https://arxiv.org/html/2510.22115v1/');
    await storeFullText(site.database.db, { paperId: PAPER, version: 'v1', source: 'html', sourceUrl: 'https://arxiv.org/html/2510.22115v1', sourceBytes: 1, markdown: svm.markdown, sections: svm.sections, counts: { ...svm.counts } }, new Date());
    const extracted = (await getPaper(site.database.db, EXTRACTED_PAPER))!;
    await storeExtracts(site.database.db, [{ paperId: EXTRACTED_PAPER, ...extract(extracted.title, extracted.abstract) }], EXTRACT_METHOD);
    const ada = await sessionMember(site.database, () => site.server.base, 'ada', { role: 'admin' });
    await updateProfileFields(site.database.db, ada.user.id, { displayName: 'Ada Lovelace', bio: 'Reads papers on <b>diffusion</b> & relighting.' });
    // Something followed, and a notification of it (src/notify/), for /following and /notifications.
    await follow(site.database.db, { userId: ada.user.id, kind: 'organization', value: 'inclusionAI', now: new Date() });
    await addNotification(site.database.db, {
      userId: ada.user.id, kind: 'paper', dedupeKey: `paper:${PAPER}`, paperId: PAPER, now: new Date(), emailStatus: 'skipped',
      detail: { channels: [{ kind: 'organization', value: 'inclusionAI' }], why: 'from inclusionAI' },
    });
    adminCookie = { name: 'dp_session', value: ada.cookie.split('=')[1]!, url: site.server.base };
    const grace = await sessionMember(site.database, () => site.server.base, 'grace', { role: 'admin' });
    leavingCookie = { name: 'dp_session', value: grace.cookie.split('=')[1]!, url: site.server.base };
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    if (SHOTS) mkdirSync(SHOTS, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await site?.close();
  });

  async function open(options: BrowserContextOptions, signedIn: boolean | 'leaving'): Promise<Page> {
    const context = await browser.newContext(options);
    context.setDefaultTimeout(60_000);
    if (signedIn) await context.addCookies([signedIn === 'leaving' ? leavingCookie : adminCookie]);
    return context.newPage();
  }

  // Dark mode changes only colours: its run checks those rules (the whole set runs in light).
  for (const [scheme, label] of [['light', 'light, every WCAG 2.2 A and AA rule'], ['dark', 'dark, the colour rules']] as const) {
    test(`axe-core finds no violation on any page type (${label})`, async () => {
      const found: string[] = [];
      for (const [signedIn, pages] of [[false, READER_PAGES], [true, ADMIN_PAGES]] as const) {
        const page = await open({ ...DESKTOP, colorScheme: scheme }, signedIn);
        for (const [name, url] of pages) {
          await page.goto(site.server.base + url);
          for (const v of await axe(page, scheme === 'dark')) found.push(`${name} (${url}): ${v}`);
          if (SHOTS) await page.screenshot({ path: path.join(SHOTS, `${name}-${scheme === 'dark' ? 'dark' : 'desktop'}.png`), fullPage: true });
        }
        await page.context().close();
      }
      assert.deepEqual(found, []);
    });
  }

  test('on a phone (390×844) every page fits the width, and the header keeps to two rows', async () => {
    const problems: string[] = [];
    for (const [signedIn, pages] of [[false, READER_PAGES], [true, ADMIN_PAGES]] as const) {
      const page = await open(PHONE, signedIn);
      for (const [name, url] of pages) {
        await page.goto(site.server.base + url);
        const { scrollWidth, header } = await page.evaluate(() => ({
          scrollWidth: document.documentElement.scrollWidth,
          header: document.querySelector('header.site')!.getBoundingClientRect().height,
        }));
        if (scrollWidth > 391) problems.push(`${name}: ${scrollWidth}px wide`);
        // Two rows of ~38px and the padding: three rows would be above 120.
        if (header > 110) problems.push(`${name}: header ${Math.round(header)}px high`);
        if (SHOTS) await page.screenshot({ path: path.join(SHOTS, `${name}-phone.png`), fullPage: true });
      }
      await page.context().close();
    }
    assert.deepEqual(problems, []);
  });

  test('on a phone, the first card and a paper’s upvote button and links are within the first screen', async (t) => {
    for (const signedIn of [false, true]) {
      const page = await open(PHONE, signedIn);
      await page.goto(`${site.server.base}/papers/date/2025-11-04`);
      const card = await page.locator('.cards > li').first().boundingBox();
      assert.ok(card, 'a card');
      t.diagnostic(`first card at ${Math.round(card.y)}px (signed in: ${signedIn})`);
      assert.ok(card.y < 330, `the first card starts at ${card.y}px (signed in: ${signedIn})`);

      await page.goto(`${site.server.base}/papers/${PAPER}`);
      for (const selector of ['aside.facts .votes', `.links a[href*="arxiv.org/abs/${PAPER}"]`, `.links a[href*="arxiv.org/pdf/${PAPER}"]`]) {
        const box = await page.locator(selector).first().boundingBox();
        assert.ok(box, selector);
        t.diagnostic(`${selector} ends at ${Math.round(box.y + box.height)}px (signed in: ${signedIn})`);
        assert.ok(box.y + box.height <= 844, `${selector} ends at ${box.y + box.height}px (signed in: ${signedIn})`);
      }
      // The title comes first, then the actions, then the abstract.
      const order = await page.evaluate(() => ['h1', 'aside.facts', '.abstract'].map((s) => document.querySelector(s)!.getBoundingClientRect().top));
      assert.ok(order[0]! < order[1]! && order[1]! < order[2]!, `title, actions, abstract: ${order.join(', ')}`);
      await page.context().close();
    }
  });

  test('a category page keeps a gap between its follow button and its RSS feed button, on a phone and a desktop, light and dark', async (t) => {
    const problems: string[] = [];
    for (const [width, height] of [[390, 844], [1280, 800]] as const) {
      for (const scheme of ['light', 'dark'] as const) {
        for (const signedIn of [false, true]) {
          const page = await open({ viewport: { width, height }, colorScheme: scheme }, signedIn);
          await page.goto(`${site.server.base}/papers/category/hep-ph`);
          const follow = await page.locator('.follow-control .button').boundingBox();
          const rss = await page.locator('.feed-links .button').boundingBox();
          assert.ok(follow && rss, 'both buttons');
          // Stacked, the space between them; side by side, the space across.
          const gap = rss.y >= follow.y + follow.height - 1 ? rss.y - (follow.y + follow.height) : rss.x - (follow.x + follow.width);
          const label = `${width}px ${scheme} ${signedIn ? 'member' : 'visitor'}`;
          t.diagnostic(`${label}: ${Math.round(gap)}px between the buttons`);
          if (gap < 8) problems.push(`${label}: ${gap}px between the follow and RSS buttons`);
          if (SHOTS) await page.screenshot({ path: path.join(SHOTS, `category-buttons-${width}-${scheme}-${signedIn ? 'member' : 'visitor'}.png`), clip: { x: 0, y: 0, width, height: Math.min(height, rss.y + rss.height + 40) } });
          await page.context().close();
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  test('the reading view without JavaScript: the paper page links to it, its contents lead to the sections, formulas are MathML', async () => {
    for (const options of [PHONE, DESKTOP]) {
      const page = await open({ ...options, javaScriptEnabled: false }, false);
      await page.goto(`${site.server.base}/papers/${PAPER}`);
      await page.getByRole('link', { name: /Read the full text/ }).click();
      await page.waitForURL(new RegExp(`/papers/${PAPER}/read$`));
      const contents = page.getByRole('navigation', { name: 'Contents' });
      assert.deepEqual(await contents.getByRole('link').allTextContents(), ['Hard-margin SVM', 'References']);
      await contents.getByRole('link', { name: 'References' }).click();
      await page.waitForURL(/#references$/);
      const refs = await page.locator('#references').boundingBox();
      const height = options.viewport!.height;
      assert.ok(refs && refs.y >= 0 && refs.y + refs.height <= height, `the References heading is on screen after the jump: ${refs?.y}`);
      // Equations are laid out by the browser's MathML (no script): the display formulas have a height.
      const display = page.locator('.math-display math').first();
      const box = await display.boundingBox();
      assert.ok(box && box.height > 20 && box.width > 50, `a display formula is drawn: ${JSON.stringify(box)}`);
      assert.ok((await page.locator('.fulltext math').count()) >= 10);
      await page.context().close();
    }
  });

  test('the member menu opens and leads to its pages without JavaScript, on a phone and on a desktop', async () => {
    for (const options of [PHONE, DESKTOP]) {
      const last = options === DESKTOP;
      const page = await open({ ...options, javaScriptEnabled: false }, 'leaving');
      await page.goto(`${site.server.base}/papers`);
      const menu = page.locator('details.member-menu');
      await assert.rejects(menu.getByRole('link', { name: 'Admin' }).click({ timeout: 500 }), 'closed at first');
      await menu.locator('summary').click();
      await menu.getByRole('link', { name: 'Admin' }).click();
      await page.waitForURL(/\/admin$/);
      assert.equal(await page.locator('h1').textContent(), 'Admin');
      for (const href of ['/admin/outbox', '/admin/jobs', '/admin/organizations', '/admin/mail-preview', '/moderation']) {
        assert.equal(await page.locator(`ul.admin-links a[href="${href}"]`).count(), 1, href);
      }
      if (last) {
        // Log out from the menu: a form post, no script.
        await page.locator('details.member-menu summary').click();
        await page.getByRole('button', { name: 'Log out' }).click();
        await page.waitForLoadState();
        assert.equal(await page.locator('details.member-menu').count(), 0, 'logged out');
      }
      await page.context().close();
    }
  });

  test('profiles show the generated avatar, display name and escaped bio; paper pages link authors and keywords', async () => {
    const page = await open(DESKTOP, false);
    await page.goto(`${site.server.base}/users/ada`);
    assert.equal(await page.locator('.profile-head h1').innerText().then((t) => t.split('\n')[0]!.replace(/@ada$/, '').trim()), 'Ada Lovelace');
    assert.equal(await page.locator('svg.avatar text').textContent(), 'AL');
    assert.equal(await page.locator('.bio').textContent(), 'Reads papers on <b>diffusion</b> & relighting.');
    assert.equal(await page.locator('.bio b').count(), 0);
    assert.equal(await page.locator('img[src^="http"]').count(), 0, 'no image from another site');

    await page.goto(`${site.server.base}/papers/${KEYWORD_PAPER}`);
    const keyword = page.locator('ul.tags[aria-label="AI keywords"] a').first();
    assert.match((await keyword.getAttribute('href')) ?? '', /^\/papers\/search\?q=/);
    const author = page.locator('ul.authors a').first();
    const name = (await author.textContent())!.trim();
    await author.click();
    await page.waitForURL(/\/papers\/search/);
    assert.equal(new URL(page.url()).searchParams.get('q'), `author:"${name}"`);
    await page.context().close();
  });
});

describe('the first-run pages of an empty site in a browser', () => {
  test('axe-core finds no violation on /setup?token=… (signed out, its form with errors, a member unconfirmed and confirmed), the visitor\'s and the admin\'s empty home and /admin/setup, light and dark', async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`The browser tests need Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH).`);
    const database = await openTestDatabase('sqlite');
    const config = loadConfig({ JOBS_TIMEZONE: 'UTC', EMBEDDINGS_DIR: mkdtempSync(path.join(tmpdir(), 'dp-first-run-')) });
    const jobs = jobDefinitions(config, { database });
    await new Scheduler({ database, jobs, timezone: 'UTC', tickMs: 100_000, log: () => {} }).sync();
    const server = await startTestServer(database, { jobs });
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const cookieOf = (m: { cookie: string }) => ({ name: 'dp_session', value: m.cookie.split('=')[1]!, url: server.base });
    try {
      const found: string[] = [];
      // The one-time setup link works only while the site has no admin: its pages first.
      const setupLink = (await setupLinkIfNoAdmin(database, server.site.publicUrl))!.replace(server.site.publicUrl, '');
      const confirmed = cookieOf(await sessionMember(database, () => server.base, 'ida'));
      const unconfirmed = cookieOf(await sessionMember(database, () => server.base, 'jon', { verified: false }));
      const setupPages: [string, typeof confirmed | null, RegExp][] = [
        ['setup, signed out', null, /Create the admin account/],
        ['setup, unconfirmed member', unconfirmed, /Confirm your email address first/],
        ['setup, confirmed member', confirmed, /Make ida the admin/],
      ];
      for (const scheme of ['light', 'dark'] as const) {
        for (const [name, cookie, expected] of setupPages) {
          const context = await browser.newContext({ ...DESKTOP, colorScheme: scheme });
          if (cookie) await context.addCookies([cookie]);
          const page = await context.newPage();
          await page.goto(server.base + setupLink);
          const text = await page.locator('main').innerText();
          assert.match(text, expected, `${name}: ${text.slice(0, 200)}`);
          for (const v of await axe(page, scheme === 'dark')) found.push(`${name} (${scheme}): ${v}`);
          if (!cookie) {
            // The form sent back with an error on every field (a reserved name, a bad address, a short password).
            await page.fill('#f-username', 'admin');
            await page.fill('#f-email', 'not-an-address@');
            await page.fill('#f-password', 'short');
            // submit() skips the browser's own checks (the fields are required, the address typed email).
            await Promise.all([page.waitForURL(/\/setup$/), page.evaluate(() => document.querySelector<HTMLFormElement>('main form')!.submit())]);
            assert.equal(await page.locator('[aria-invalid="true"]').count(), 3, 'three fields in error');
            for (const v of await axe(page, scheme === 'dark')) found.push(`setup with errors (${scheme}): ${v}`);
          }
          if (SHOTS) await page.screenshot({ path: path.join(SHOTS, `${name.replace(/\W+/g, '-')}-${scheme}.png`), fullPage: true });
          await context.close();
        }
      }

      const admin = await sessionMember(database, () => server.base, 'root', { role: 'admin' });
      const cookie = cookieOf(admin);
      for (const scheme of ['light', 'dark'] as const) {
        for (const [name, url, signedIn] of [['empty home', '/', false], ['empty home, admin', '/', true], ['setup', '/admin/setup', true]] as const) {
          const context = await browser.newContext({ ...DESKTOP, colorScheme: scheme });
          if (signedIn) await context.addCookies([cookie]);
          const page = await context.newPage();
          await page.goto(server.base + url);
          const text = await page.locator('main').innerText();
          // The pages this test is about, not a redirect or an error page.
          assert.match(text, url === '/' ? /No papers yet/ : /Harvest arXiv/i, `${name}: ${text.slice(0, 200)}`);
          for (const v of await axe(page, scheme === 'dark')) found.push(`${name} (${scheme}): ${v}`);
          await context.close();
        }
      }
      assert.deepEqual(found, []);
    } finally {
      await browser.close();
      await server.close();
      await database.close();
    }
  });
});
