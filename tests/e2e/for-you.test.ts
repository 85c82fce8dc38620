/**
 * A member's path in a real browser, without JavaScript help (issue 15): pick seeds on the start page → the
 * For-you page shows explained cards → 👎 one → it is gone and the papers like it rank lower; then follow an
 * author → a new paper by them is in the notifications and in the next digest (a real SMTP server) → save it,
 * export the collection as BibTeX and import the file as another member with nothing lost.
 * With SHOTS_DIR set, the pages are saved at 1440×900, 390×844 and dark.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { activateSubscription } from '../../src/db/queries/subscribers.ts';
import { runDigest } from '../../src/email/digest-run.ts';
import { createMailer } from '../../src/email/mailer.ts';
import { importFiles, listInputFiles } from '../../src/importers/import-files.ts';
import { followedPapers, FOLLOWED_TITLE } from '../../src/notify/digest-section.ts';
import { notifyNewPapers } from '../../src/notify/new-papers.ts';
import { seedPapers } from '../helpers/digest-data.ts';
import { sessionMember, type SessionMember } from '../helpers/members.ts';
import { startTestSmtp } from '../helpers/smtp.ts';
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
  let member: SessionMember;

  before(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`The browser tests need Chromium at ${CHROMIUM}.`);
    site = await startTestSite('sqlite');
    await importFiles(site.database, await listInputFiles([path.join(FIXTURES, 'for-you')]));
    const m = await sessionMember(site.database, () => site.server.base, 'reader');
    member = m;
    cookie = { name: 'dp_session', value: m.cookie.split('=')[1]!, url: site.server.base };
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    if (SHOTS) mkdirSync(SHOTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await site?.close();
  });

  async function open(options: BrowserContextOptions = { viewport: { width: 1440, height: 900 } }, as = cookie): Promise<Page> {
    const context = await browser.newContext({ ...options, javaScriptEnabled: false, acceptDownloads: true });
    context.setDefaultTimeout(60_000);
    await context.addCookies([as]);
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

  test('then: follow an author → their new paper in notifications and the next digest → save, export to BibTeX, import elsewhere', async () => {
    const base = site.server.base;
    const page = await open();
    await page.goto(`${base}/papers/search?q=${encodeURIComponent('author:"Grace Hopper"')}`);
    await page.getByRole('button', { name: 'Follow Grace Hopper' }).click();
    await page.getByRole('button', { name: /Following Grace Hopper/ }).waitFor();

    // A paper by her arrives (an arXiv listing file), and the notify-follows job's scan runs.
    const dir = mkdtempSync(path.join(tmpdir(), 'member-path-'));
    try {
      const listing = path.join(dir, 'listing.jsonl');
      writeFileSync(listing, `${JSON.stringify({
        id: '2512.04242', categories: ['cs.PL'], pdf: 'https://arxiv.org/pdf/2512.04242', abs: 'https://arxiv.org/abs/2512.04242',
        authors: ['Grace Hopper', 'Jean Sammet'], title: 'A Compiler for Business Languages', comment: null, summary: 'We describe a compiler for business data processing.',
      })}\n`);
      assert.equal((await importFiles(site.database, [listing])).new, 1);
      assert.equal((await notifyNewPapers(site.database, { site: site.server.site })).notifications, 1);
      await page.goto(`${base}/notifications`);
      assert.match(await page.locator('.notification.unread').innerText(), /New paper by Grace Hopper: A Compiler for Business Languages/);

      // The next digest carries it in its section of followed papers.
      const smtp = await startTestSmtp();
      const day = new Date().toISOString().slice(0, 10);
      await seedPapers(site.database, [{ id: '2512.20001', title: 'Top paper of the day', categories: 'cs.CL', upvotes: 5, day }]);
      await activateSubscription(site.database.db, member.user.email, { frequency: 'daily', maxPapers: 3, topics: 'all' }, new Date(), member.user.id);
      const mailer = createMailer(site.database, { smtpUrl: smtp.url, from: 'Daily Papers <papers@papers.test>' });
      try {
        await runDigest(site.database, { period: 'daily', date: day, now: new Date(), site: site.server.site, mailer, dailyDays: [0, 1, 2, 3, 4, 5, 6], extraSections: [followedPapers()] });
        const mail = await smtp.waitFor((m) => JSON.stringify(m.to).includes(member.user.email) && /Top paper of the day/.test(m.text ?? ''));
        const text = mail.text ?? '';
        assert.ok(text.includes(`== ${FOLLOWED_TITLE} ==`), text);
        assert.ok(text.slice(text.indexOf(`== ${FOLLOWED_TITLE} ==`)).includes('A Compiler for Business Languages'), text);
      } finally {
        mailer.close();
        await smtp.close();
      }

      // Save it and a picked paper to a new collection (the card's form), export it as BibTeX.
      for (const id of ['2512.04242', SEED]) {
        await page.goto(`${base}/papers/${id}`);
        await page.locator('details.collect summary').first().click();
        const form = page.locator('form.collect-form').first();
        if (id === SEED) await form.locator('select').selectOption({ label: 'Compilers' });
        else await form.locator('input[name="new_name"]').fill('Compilers');
        await form.getByRole('button', { name: 'Save' }).click();
      }
      await page.goto(`${base}/users/reader/collections/compilers`);
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'BibTeX', exact: true }).click()]);
      const file = path.join(dir, 'compilers.bib');
      await download.saveAs(file);
      assert.match(readFileSync(file, 'utf8'), /eprint = \{2512\.04242\}/);

      // Another member imports the file: the same papers, nothing reported missing.
      const other = await sessionMember(site.database, () => base, 'elsewhere');
      const page2 = await open(undefined, { name: 'dp_session', value: other.cookie.split('=')[1]!, url: base });
      await page2.goto(`${base}/collections/import`);
      await page2.setInputFiles('#import-file', file);
      await page2.fill('#import-name', 'From reader');
      await page2.getByRole('button', { name: 'Import' }).click();
      assert.match((await page2.textContent('main')) ?? '', /2 entries read · 2 papers added · 0 already there · \d+ notes? saved · 0 not found/);
      await page2.getByRole('link', { name: 'Open the collection' }).click();
      for (const id of ['2512.04242', SEED]) assert.equal(await page2.locator(`#paper-${id.replace('.', '\\.')}`).count(), 1, id);
      await page2.context().close();
    } finally {
      await page.context().close();
      rmSync(dir, { recursive: true, force: true });
    }
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
