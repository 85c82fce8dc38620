/**
 * Fetching papers' full text (src/fulltext/fetch.ts) against a local stand-in for arXiv that answers with
 * recorded LaTeXML pages and real PDFs (tests/fixtures/fulltext): HTML first, the PDF where arXiv answers 404,
 * Retry-After waited out, the daily budget, a re-fetch when a newer version appears, and a clear message
 * when arXiv cannot be reached. Then what the site serves from it: /papers/ID.md and the reading view.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import type { Database } from '../../src/db/connection.ts';
import { getFullText, pendingFullText } from '../../src/db/queries/fulltext.ts';
import { fetchFullTexts, FullTextOfflineError, type FullTextFetchOptions } from '../../src/fulltext/fetch.ts';
import { importFiles, listInputFiles } from '../../src/importers/import-files.ts';
import { freePort, lastJsonLine, runCli } from '../helpers/cli.ts';
import { ENGINES, openTestDatabase } from '../helpers/db.ts';
import { startTestServer, type TestServer } from '../helpers/http.ts';
import { FIXTURES, startUpstreamStub, type StubAnswer, type StubHandler, type UpstreamStub } from '../helpers/upstream-stub.ts';

for (const engine of ENGINES) {
  describe(`full text on ${engine}`, () => {
    let database: Database & { url: string };
    let arxiv: UpstreamStub;
    let server: TestServer;
    let ids: string[];
    let handler: StubHandler;
    let figure: string;
    const options = (extra: Partial<FullTextFetchOptions> = {}): FullTextFetchOptions => ({
      htmlUrl: `${arxiv.base}/html`, pdfUrl: `${arxiv.base}/pdf`, userAgent: 'test', timeoutMs: 5000, retryAfterMaxMs: 5000, delayMs: 0,
      dailyBudget: 100, limit: 10, ...extra,
    });

    before(async () => {
      database = await openTestDatabase(engine);
      await importFiles(database, await listInputFiles([path.join(FIXTURES, 'hf-daily')]));
      ids = (await database.db.selectFrom('papers').select('id').orderBy('id').execute()).map((r) => r.id);
      assert.ok(ids.length >= 5);
      // A picture for the figure address (the stub answers with files: this one is written to a temporary folder).
      const dir = mkdtempSync(path.join(tmpdir(), 'fulltext-figure-'));
      writeFileSync(path.join(dir, 'intro.png'), await sharp({ create: { width: 800, height: 400, channels: 3, background: '#3366cc' } }).png().toBuffer());
      figure = path.relative(FIXTURES, path.join(dir, 'intro.png'));
      await database.db.updateTable('papers').set({ version: null }).execute();
      // ids[0]: HTML. ids[1]: no HTML (404) → PDF. ids[2]: HTML after a 503 with Retry-After.
      let busy = true;
      handler = (req): StubAnswer => {
        if (req.path === '/html/2507.05257/assets/figures/intro.png') return { fixture: figure, headers: { 'content-type': 'image/png' } };
        const m = /^\/(html|pdf)\/([^/]+?)(v\d+)?$/.exec(req.path);
        if (!m) return { status: 404, body: 'not found' };
        const [, kind, id] = m;
        if (kind === 'html' && id === ids[0]) return { fixture: 'fulltext/svm-polytope.html' };
        if (kind === 'html' && id === ids[2]) {
          if (busy) {
            busy = false;
            return { status: 503, headers: { 'retry-after': '1' }, body: 'busy' };
          }
          return { fixture: 'fulltext/causal-horizons.html' };
        }
        if (kind === 'html' && id === ids[4]) return { fixture: 'fulltext/figures-and-table.html' };
        if (kind === 'pdf' && id === ids[1]) return { fixture: 'fulltext/svm-note-chromium.pdf', headers: { 'content-type': 'application/pdf' } };
        if (kind === 'html') return { status: 404, body: 'No HTML for this paper' };
        return { status: 404, body: 'no PDF' };
      };
      arxiv = await startUpstreamStub((req, i) => handler(req, i));
      server = await startTestServer(database);
    });
    after(async () => {
      rmSync(path.dirname(path.join(FIXTURES, figure)), { recursive: true, force: true });
      await server.close();
      await arxiv.close();
      await database.close();
    });

    test('HTML where arXiv has it, the PDF where it answers 404, Retry-After waited out', async () => {
      const waits: number[] = [];
      const r = await fetchFullTexts(database, options({ ids: ids.slice(0, 3), onRetryAfter: (ms) => waits.push(ms) }));
      assert.deepEqual(r.errors, []);
      assert.equal(r.stored, 3);
      assert.equal(r.html, 2);
      assert.equal(r.pdf, 1);
      assert.deepEqual(waits, [1000]);

      const html = await getFullText(database.db, ids[0]!);
      assert.equal(html!.source, 'html');
      assert.equal(html!.version, 'latest');
      assert.deepEqual(html!.sections.map((s) => s.anchor), ['s1', 'references']);
      assert.match(html!.markdown, /\$\$\\begin\{aligned\}\\min_\{\\bm\{\\mu\},\\bm\{\\lambda\}\}/);

      const pdf = await getFullText(database.db, ids[1]!);
      assert.equal(pdf!.source, 'pdf');
      assert.deepEqual(pdf!.sections.map((s) => s.title), ['1 Introduction', '2 Duality', '2.1 The primal problem', '2.2 The dual problem', 'References']);
      assert.match(pdf!.markdown, /linearly separable/);
      const paths = arxiv.requests.map((q) => q.path);
      assert.ok(paths.includes(`/html/${ids[1]}`) && paths.includes(`/pdf/${ids[1]}`), paths.join(' '));

      const retried = await getFullText(database.db, ids[2]!);
      assert.equal(retried!.source, 'html');
      assert.equal(paths.filter((p) => p === `/html/${ids[2]}`).length, 2);
      // Every request names the site.
      assert.ok(arxiv.requests.every((q) => q.headers['user-agent'] === 'test'));
    });

    test('a paper with neither HTML nor PDF is recorded as failing, and the run goes on', async () => {
      const r = await fetchFullTexts(database, options({ ids: [ids[3]!] }));
      assert.equal(r.stored, 0);
      assert.equal(r.failed, 1);
      assert.match(r.errors[0]!.error, /neither HTML nor a PDF/);
      assert.equal(await getFullText(database.db, ids[3]!), null);
      const failure = await database.db.selectFrom('fulltext_failures').selectAll().where('paper_id', '=', ids[3]!).executeTakeFirstOrThrow();
      assert.equal(failure.attempts, 1);
    });

    test('the daily budget stops a run; the rest waits', async () => {
      const before = arxiv.requests.length;
      const spent = Number((await database.db.selectFrom('fulltext_requests').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
      const r = await fetchFullTexts(database, options({ dailyBudget: spent + 1, limit: 50 }));
      assert.equal(r.requests, 1);
      assert.equal(r.budgetSpent, true);
      assert.equal(r.budgetLeft, 0);
      assert.ok(r.waiting > 0);
      assert.equal(arxiv.requests.length - before, 1);
      const again = await fetchFullTexts(database, options({ dailyBudget: spent + 1 }));
      assert.equal(again.requests, 0);
      assert.equal(arxiv.requests.length - before, 1);
    });

    test('a newer version of a stored paper is fetched again, from its versioned address', async () => {
      assert.ok(!(await pendingFullText(database.db, 1000)).some((p) => p.id === ids[0]));
      await database.db.updateTable('papers').set({ version: 2 }).where('id', '=', ids[0]!).execute();
      const pending = await pendingFullText(database.db, 1000);
      assert.deepEqual(pending.find((p) => p.id === ids[0]), { id: ids[0], version: 2, storedVersion: 'latest' });
      const r = await fetchFullTexts(database, options({ ids: [ids[0]!] }));
      assert.equal(r.stored, 1);
      assert.equal(arxiv.requests.at(-1)!.path, `/html/${ids[0]}v2`);
      assert.equal((await getFullText(database.db, ids[0]!))!.version, 'v2');
      assert.ok(!(await pendingFullText(database.db, 1000)).some((p) => p.id === ids[0]));
    });

    test("figures under arXiv's HTML address go to the image store; the reading view shows them from there, others link to arXiv", async () => {
      const r = await fetchFullTexts(database, options({ ids: [ids[4]!], figures: { perPaper: 10, allowPrivate: true, maxBytes: 5_000_000 } }));
      assert.equal(r.stored, 1);
      assert.equal(r.figures, 1);
      const text = await getFullText(database.db, ids[4]!);
      const local = `${arxiv.base}/html/2507.05257/assets/figures/intro.png`;
      assert.ok(text!.markdown.includes(`](${local})`));
      const stored = await database.db.selectFrom('image_sources').select(['status', 'hash']).where('url', '=', local).executeTakeFirstOrThrow();
      assert.equal(stored.status, 'ok');
      // The other figure is on arxiv.org itself (an absolute address in the page): not fetched from here.
      assert.equal(await database.db.selectFrom('image_sources').select('url').where('url', 'like', 'https://arxiv.org/%').executeTakeFirst(), undefined);
      const page = await (await fetch(`${server.base}/papers/${ids[4]}/read`)).text();
      assert.match(page, new RegExp(`<img src="/images/${stored.hash}\\.webp" alt="Figure 1: Four complementary competencies`));
      assert.match(page, /<a class="figure-link" href="https:\/\/arxiv\.org\/html\/2412\.07626v2\/radar_0324_new\.png" rel="nofollow noopener">Figure on arXiv/);
      assert.match(page, /<table>/);
      const webp = await fetch(`${server.base}/images/${stored.hash}.webp`);
      assert.equal(webp.status, 200);
      // Fetched again, a stored figure is not asked for twice.
      const before = arxiv.requests.length;
      await fetchFullTexts(database, options({ ids: [ids[4]!], figures: { perPaper: 10, allowPrivate: true, maxBytes: 5_000_000 } }));
      assert.equal(arxiv.requests.length - before, 1);
    });

    test('offline: the run stops at once with a clear message and stores nothing', async () => {
      const closed = await freePort();
      const before = await database.db.selectFrom('paper_fulltext').select('paper_id').execute();
      await assert.rejects(
        fetchFullTexts(database, options({ htmlUrl: `http://127.0.0.1:${closed}/html`, pdfUrl: `http://127.0.0.1:${closed}/pdf`, ids: [ids[3]!] })),
        (e: Error) => e instanceof FullTextOfflineError && /connection refused/.test(e.message) && /offline/.test(e.message),
      );
      assert.deepEqual(await database.db.selectFrom('paper_fulltext').select('paper_id').execute(), before);
    });

    test('/papers/ID.md serves the full text after the abstract; papers without it are unchanged', async () => {
      const md = await (await fetch(`${server.base}/papers/${ids[0]}.md`)).text();
      const abstractAt = md.indexOf('## Abstract');
      const fullAt = md.indexOf('## Full text');
      assert.ok(abstractAt > 0 && fullAt > abstractAt, md.slice(0, 300));
      assert.match(md.slice(fullAt), /## Hard-margin SVM/);
      assert.match(md.slice(fullAt), /\$\\frac\{\\alpha-\\beta\}\{\\\|\\bm\{w\}\\\|\}\$/);
      const without = await (await fetch(`${server.base}/papers/${ids[3]}.md`)).text();
      assert.doesNotMatch(without, /## Full text/);
    });

    test('the reading view: contents, anchors, math as MathML, no image from another site; a link from the paper page', async () => {
      const res = await fetch(`${server.base}/papers/${ids[0]}/read`);
      assert.equal(res.status, 200);
      const page = await res.text();
      assert.match(page, /<nav[^>]*aria-label="Contents"/);
      assert.match(page, /<a href="#s1">Hard-margin SVM<\/a>/);
      assert.match(page, /<h2 id="s1"/);
      assert.match(page, /<math/);
      assert.doesNotMatch(page, /<img[^>]+src="https?:/);
      const paperPage = await (await fetch(`${server.base}/papers/${ids[0]}`)).text();
      assert.match(paperPage, new RegExp(`href="/papers/${ids[0]!.replace('.', '\\.')}/read"`));
      const none = await fetch(`${server.base}/papers/${ids[3]}/read`);
      assert.equal(none.status, 404);
      const bad = await fetch(`${server.base}/papers/not-an-id/read`);
      assert.equal(bad.status, 400);
    });

    if (engine === 'sqlite') {
      test('CLI: fulltext status, and fetch offline exits 1 naming the problem', async () => {
        const env = { DATABASE_URL: database.url, ARXIV_HTML_URL: `http://127.0.0.1:${await freePort()}/html`, HARVEST_DELAY_SECONDS: '0' };
        const status = await runCli(['fulltext', 'status', '--json'], env);
        assert.equal(status.code, 0, status.stderr);
        const s = lastJsonLine(status.stdout);
        assert.equal(s['html'], 3);
        assert.equal(s['pdf'], 1);
        const fetched = await runCli(['fulltext', 'fetch', '--ids', ids[3]!], env);
        assert.equal(fetched.code, 1);
        assert.match(fetched.stderr, /fulltext fetch: arXiv HTML: GET .* failed: connection refused.*offline/);
      });
    }
  });
}
