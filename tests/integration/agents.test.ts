/** Papers as Markdown for agents: GET /papers/ID.md and Accept negotiation on GET /papers/ID, on both engines. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ENGINES } from '../helpers/db.ts';
import { startTestSite, type TestSite } from '../helpers/site.ts';

const PAPER = '2511.01678'; // UniLumos, on the list of 2025-11-04

for (const engine of ENGINES) {
  describe(`papers as Markdown on ${engine}`, () => {
    let site: TestSite;
    before(async () => {
      site = await startTestSite(engine);
    });
    after(() => site.close());

    test('GET /papers/ID.md: title, authors, links, abstract, as text/markdown', async () => {
      const res = await site.server.get(`/papers/${PAPER}.md`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/markdown; charset=utf-8/);
      const body = await res.text();
      assert.match(body, /^# UniLumos: Fast and Unified Image and Video Relighting\n/);
      assert.match(body, /^\*\*Authors:\*\* .*Tianyu Fu/m);
      assert.match(body, /\[arXiv\]\(https:\/\/arxiv\.org\/abs\/2511\.01678\) · \[PDF\]\(https:\/\/arxiv\.org\/pdf\/2511\.01678\) · \[Paper page\]\(http:\/\/papers\.test\/papers\/2511\.01678\)/);
      assert.match(body, /\[Code\]\(https:\/\/github\.com\/alibaba-damo-academy\/Lumos-Custom\)/);
      assert.match(body, /## Abstract\n\nRelighting is a crucial task/);
      // A version in the id names the same paper.
      assert.equal(await (await site.server.get(`/papers/${PAPER}v2.md`)).text(), body);
    });

    test('GET /papers/ID with Accept: text/markdown answers Markdown; browsers still get the page; both vary by Accept', async () => {
      const md = await site.server.get(`/papers/${PAPER}`, { accept: 'text/markdown' });
      assert.equal(md.status, 200);
      assert.match(md.headers.get('content-type') ?? '', /^text\/markdown/);
      assert.match(md.headers.get('vary') ?? '', /Accept\b/);
      assert.match(await md.text(), /^# UniLumos/);
      // The anonymous cache keeps the two apart, in either order.
      for (let i = 0; i < 2; i++) {
        const page = await site.server.get(`/papers/${PAPER}`, { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' });
        assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
        assert.match(page.headers.get('vary') ?? '', /Accept\b/);
        assert.match(await page.text(), /<html/);
        const again = await site.server.get(`/papers/${PAPER}`, { accept: 'text/markdown, text/html;q=0.5' });
        assert.match(await again.text(), /^# UniLumos/);
      }
    });

    test('unknown id: 404 text; malformed: 400 text; never HTML', async () => {
      const missing = await site.server.get('/papers/2101.00001.md');
      assert.equal(missing.status, 404);
      assert.match(missing.headers.get('content-type') ?? '', /^text\/plain/);
      assert.match(await missing.text(), /paper 2101\.00001 not found/);
      const missingNegotiated = await site.server.get('/papers/2101.00001', { accept: 'text/markdown' });
      assert.equal(missingNegotiated.status, 404);
      assert.match(await missingNegotiated.text(), /not found/);
      // Old-style ids take two segments.
      const old = await site.server.get('/papers/hep-th/9901001.md');
      assert.equal(old.status, 404);
      assert.match(await old.text(), /paper hep-th\/9901001 not found/);
      for (const bad of ['/papers/not-an-id.md', '/papers/1234.5.md', '/papers/%3Cscript%3E.md']) {
        const res = await site.server.get(bad);
        assert.equal(res.status, 400, bad);
        assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
        assert.match(await res.text(), /is not an arXiv id/);
      }
    });
  });
}
