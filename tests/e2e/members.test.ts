/**
 * A new visitor in a real browser: signs up, confirms the email by the link in the mail that reaches a
 * real SMTP server, upvotes a paper without a reload, comments on it, and submits a paper that is
 * fetched from (a local stand-in for) the arXiv API.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { serve, type ServerType } from '@hono/node-server';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Database } from '../../src/db/connection.ts';
import { createMailer } from '../../src/email/mailer.ts';
import { createApp } from '../../src/http/app.ts';
import { importFiles, listInputFiles } from '../../src/importers/import-files.ts';
import { DEFAULT_RULES } from '../../src/domain/submission-rules.ts';
import { startArxivStub, type ArxivStub } from '../helpers/arxiv-stub.ts';
import { ROOT } from '../helpers/cli.ts';
import { openTestDatabase } from '../helpers/db.ts';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
// The real clock (the browser drops cookies that expire in the past), and a rule that lets a member
// submit 2102.03929 although it appeared on arXiv in 2021.
const RULES = { ...DEFAULT_RULES, maxPaperAgeDays: 100_000 };

describe('a new member in the browser', () => {
  let database: Database;
  let smtp: TestSmtp;
  let arxiv: ArxivStub;
  let server: ServerType;
  let browser: Browser;
  let page: Page;
  let base: string;

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    database = await openTestDatabase('sqlite');
    await importFiles(database, await listInputFiles([path.join(ROOT, 'tests/fixtures/hf-daily')]));
    smtp = await startTestSmtp();
    arxiv = await startArxivStub({ '2102.03929': 'feed-2025.xml' });
    let app: ReturnType<typeof createApp> | undefined;
    server = serve({ fetch: (req, env) => app!.fetch(req, env), port: 0, hostname: '127.0.0.1' });
    if (!server.listening) await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    app = createApp({
      database,
      site: { name: 'Daily Papers', curators: null, publicUrl: base },
      mailer: createMailer(database, { smtpUrl: smtp.url, from: 'Daily Papers <papers@papers.test>' }),
      submissionRules: RULES,
      arxivApiUrl: arxiv.url,
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  });
  after(async () => {
    await browser?.close();
    await new Promise((resolve) => server.close(resolve));
    await arxiv.close();
    await smtp.close();
    await database.close();
  });

  test('sign up → confirm by mail → upvote → comment → submit', async () => {
    // Sign up
    await page.goto(`${base}/papers/date/2025-11-04`);
    await page.getByRole('link', { name: 'Sign up' }).click();
    await page.fill('#f-username', 'grace');
    await page.fill('#f-email', 'grace@example.org');
    await page.fill('#f-password', 'a long enough passphrase');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.waitForURL(`${base}/signup/sent`);
    assert.match(await page.textContent('main') ?? '', /Check your mail/);

    // Confirm by the link in the mail: it signs in
    const mail = await smtp.waitFor((m) => JSON.stringify(m.to).includes('grace@example.org'));
    const link = /http:\/\/127\.0\.0\.1:\d+\/verify\?token=[\w-]+/.exec(mail.text ?? '')?.[0];
    assert.ok(link, 'the mail has the link');
    await page.goto(link);
    await page.waitForURL(`${base}/settings?notice=verified`);
    assert.match(await page.textContent('main') ?? '', /email address is confirmed/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'member-settings.png'), fullPage: true });

    // Upvote without a reload
    await page.goto(`${base}/papers/date/2025-11-04`);
    const first = page.locator('[data-card]').first();
    const button = first.locator('button.votes');
    const before = Number(await button.locator('.count').textContent());
    await button.click();
    await assertEventually(async () => (await button.getAttribute('aria-pressed')) === 'true');
    assert.equal(Number(await button.locator('.count').textContent()), before + 1);
    assert.equal(page.url(), `${base}/papers/date/2025-11-04`, 'no navigation');
    await page.reload();
    assert.equal(await page.locator('[data-card]').first().locator('button.votes').getAttribute('aria-pressed'), 'true', 'the vote was stored');

    // Comment
    await first.locator('a.card-title').click();
    await page.locator('form.comment-form textarea').first().fill('A *clear* result: $O(n^2)$ attention.');
    await page.locator('form.comment-form button[type=submit]').first().click();
    await page.waitForURL(/#comment-\d+$/);
    const comment = page.locator('.comment').filter({ hasText: 'A clear result' });
    assert.equal(await comment.count(), 1);
    assert.equal(await comment.locator('em').textContent(), 'clear');
    assert.ok((await comment.locator('math').count()) > 0, 'math renders');
    await page.screenshot({ path: path.join(ARTIFACTS, 'member-comment.png'), fullPage: true });

    // Submit a paper that the site does not have yet
    await page.getByRole('link', { name: 'Submit a paper' }).click();
    await page.fill('#f-paper', 'https://arxiv.org/abs/2102.03929');
    await page.getByRole('button', { name: 'Submit' }).click();
    await page.waitForURL(`${base}/papers/date/${new Date().toISOString().slice(0, 10)}#paper-2102.03929`);
    assert.equal(await page.locator('#paper-2102\\.03929').count(), 1);
    await page.screenshot({ path: path.join(ARTIFACTS, 'member-submitted.png'), fullPage: true });
  });
});

async function assertEventually(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail('condition not met in time');
}
