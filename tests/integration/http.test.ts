import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import Parser from 'rss-parser';
import type { Database } from '../../src/db/connection.ts';
import { importFiles, listInputFiles } from '../../src/importers/import-files.ts';
import { ENGINES, openTestDatabase } from '../helpers/db.ts';
import { startTestServer, type TestServer } from '../helpers/http.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures');
const HF_DAYS = readdirSync(path.join(FIXTURES, 'hf-daily')).sort();
const HOSTILE = '<script>alert("x")</script> Attention & "quotes" \'single\'';

/** Writes a Hugging Face day file into a temp folder and returns its path. */
function dayFile(day: string, entries: unknown[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'dp-http-'));
  const file = path.join(dir, `${day}.json`);
  writeFileSync(file, JSON.stringify(entries));
  return file;
}

const entry = (id: string, title: string, upvotes: number, extra: Record<string, unknown> = {}) => ({
  paper: { id, title, summary: `Abstract of ${title}.`, upvotes, authors: [{ _id: `a-${id}`, name: 'Ada Lovelace', hidden: false }], publishedAt: '2025-01-05T00:00:00.000Z', ...extra },
  publishedAt: '2025-01-06T08:00:00.000Z',
  title,
  numComments: 0,
});

for (const engine of ENGINES) {
  describe(`HTTP on ${engine}`, () => {
    let database: Database;
    let server: TestServer;
    before(async () => {
      database = await openTestDatabase(engine);
      const r = await importFiles(database, [
        ...(await listInputFiles([path.join(FIXTURES, 'hf-daily')])),
        path.join(FIXTURES, 'arxiv-snapshot', 'snapshot.jsonl'),
        dayFile('2025-01-06', [
          entry('2501.00001', HOSTILE, 3, {
            githubRepo: 'javascript:alert(1)', projectPage: 'https://example.org/"onmouseover="x',
            organization: { _id: 'o1', name: 'evil"org', fullname: '<b>Evil</b> Org', avatar: 'javascript:alert(2)' },
          }),
          ...Array.from({ length: 34 }, (_, i) => entry(`2501.${String(i + 10).padStart(5, '0')}`, `Paper number ${i}`, i)),
        ]),
      ]);
      assert.equal(r.rejected, 0, JSON.stringify(r.rejections));
      server = await startTestServer(database);
    });
    after(async () => {
      await server.close();
      await database.close();
    });

    const text = async (p: string, status = 200) => {
      const res = await server.get(p);
      assert.equal(res.status, status, `${p}: status`);
      return res.text();
    };

    test('home and /papers show the latest day, with navigation, switch, picker and subscribe link', async () => {
      const home = await text('/');
      assert.match(home, /Tuesday, Nov 4, 2025/);
      assert.match(home, /by AK and the research community/);
      assert.match(home, /href="\/papers\/date\/2025-06-26" rel="prev"/, 'previous skips empty days');
      assert.match(home, /<span class="disabled" aria-disabled="true">Next →<\/span>/);
      assert.match(home, /href="\/papers\/week\/2025-W45"/);
      assert.match(home, /href="\/papers\/month\/2025-11"/);
      assert.match(home, /<input type="date" id="pick-day" name="date" value="2025-11-04"/);
      assert.match(home, /href="\/subscribe"/);
      assert.equal((await text('/papers')).replaceAll('next=%2Fpapers', 'next=%2F'), home);
    });

    test('a day: cards ordered by upvotes, with authors or organization, date and upvotes', async () => {
      const page = await text('/papers/date/2025-11-04');
      const first = page.indexOf('/papers/2510.22115');
      const second = page.indexOf('/papers/2511.01678');
      assert.ok(first > 0 && second > first, '47 upvotes before 5');
      assert.match(page, /class="org" href="\/organizations\/inclusionAI"/);
      assert.match(page, /• \d+ authors/);
      assert.match(page, /<time datetime="2025-10-25">Oct 25<\/time>/, 'no year for the current year');
      assert.match(page, /<span class="count">47<\/span>/);
      assert.match(page, /<link rel="alternate" type="application\/rss\+xml"[^>]+href="\/feeds\/daily.rss"/);
    });

    test('a week, a month and pagination', async () => {
      const week = await text('/papers/week/2025-W02');
      assert.match(week, /Jan 6 – 12, 2025/);
      const page1 = await text('/papers/month/2025-01');
      const page2 = await text('/papers/month/2025-01?p=2');
      assert.equal((page1.match(/data-card/g) ?? []).length, 30);
      assert.equal((page2.match(/data-card/g) ?? []).length, 5);
      assert.match(page1, /href="\/papers\/month\/2025-01\?p=2"/);
      assert.match(page2, /Paper number 0/, 'the least upvoted come last');
    });

    test('malformed dates, weeks, months and page numbers are 400 pages, never 500', async () => {
      for (const p of ['/papers/date/2025-02-30', '/papers/date/yesterday', '/papers/week/2021-W53', '/papers/week/2025-45', '/papers/month/2025-13',
        '/papers/date/2025-11-04?p=0', '/papers/date/2025-11-04?p=abc', '/papers/date?date=nope', '/papers/garbage', '/papers/category/%3Cscript%3E',
        `/papers/date/${'9'.repeat(5000)}`]) {
        const body = await text(p, 400);
        assert.match(body, /<h1>/, p);
      }
      assert.equal((await server.get('/papers/date?date=2025-11-04')).headers.get('location'), '/papers/date/2025-11-04');
    });

    test('a paper page: everything known, canonical, OpenGraph, JSON-LD', async () => {
      const page = await text('/papers/2511.01678');
      assert.match(page, /<link rel="canonical" href="http:\/\/papers.test\/papers\/2511.01678">/);
      assert.match(page, /<meta property="og:title" content="[^"]+">/);
      assert.match(page, /<meta name="twitter:card" content="summary">/);
      const ld = JSON.parse(/<script type="application\/ld\+json">(.*?)<\/script>/s.exec(page)![1]!);
      assert.equal(ld['@type'], 'ScholarlyArticle');
      assert.equal(ld.identifier, 'arXiv:2511.01678');
      assert.match(page, /AI summary/);
      assert.match(page, /href="https:\/\/arxiv.org\/pdf\/2511.01678"/);
      assert.match(page, /href="\/papers\/date\/2025-11-04">Tuesday, Nov 4, 2025<\/a>/);
      assert.match(page, /GitHub <span>★/);
    });

    test('versioned and old-style ids; unknown papers are a plain 404', async () => {
      const r = await server.get('/papers/2511.01678v3');
      assert.equal(r.status, 301);
      assert.equal(r.headers.get('location'), '/papers/2511.01678');
      assert.match(await text('/papers/supr-con/9609003'), /Density of States/);
      assert.equal((await server.get('/papers/math.GT/0309136')).headers.get('location'), '/papers/math/0309136');
      assert.match(await text('/papers/2401.99999', 404), /There is no paper 2401.99999 here yet/);
      assert.match(await text('/nothing/here', 404), /Page not found/);
    });

    test('hostile text is escaped everywhere; unsafe links are dropped', async () => {
      for (const p of ['/papers/date/2025-01-06', '/papers/2501.00001', '/organizations/evil%22org']) {
        const page = await text(p);
        assert.doesNotMatch(page, /<script>alert/, p);
        assert.doesNotMatch(page, /<b>Evil/, p);
        assert.doesNotMatch(page, /javascript:/, p);
        assert.doesNotMatch(page, /"onmouseover=/, p);
      }
      const paper = await text('/papers/2501.00001');
      assert.match(paper, /&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt; Attention &amp;/);
      const ld = /<script type="application\/ld\+json">(.*?)<\/script>/s.exec(paper)![1]!;
      assert.doesNotMatch(ld, /<\//, 'JSON-LD cannot close its script element');
      assert.equal(JSON.parse(ld).name, HOSTILE);
    });

    test('math in titles renders as MathML', async () => {
      const file = dayFile('2025-01-07', [entry('2501.00002', 'Scaling as $O(n^2)$ and $$\\alpha$$', 1)]);
      await importFiles(database, [file]);
      const page = await text('/papers/2501.00002');
      assert.match(page, /<math xmlns="http:\/\/www.w3.org\/1998\/Math\/MathML"/);
      assert.match(page, /<msup><mi>n<\/mi><mn>2<\/mn><\/msup>/);
    });

    test('organization and category pages', async () => {
      const org = await text('/organizations/inclusionAI');
      assert.match(org, /2510.22115/);
      assert.match(org, /href="\/feeds\/organizations\/inclusionAI.rss"/);
      await text('/organizations/no-such-org', 404);
      const cat = await text('/papers/category/hep-ph');
      assert.match(cat, /0704.0001/);
      // A real category with no papers here is an empty list; one arXiv does not have is a 404 (tests/integration/dead-ends.test.ts).
      assert.match(await text('/papers/category/cs.GL'), /No papers here yet/);
      await text('/papers/category/cs.XX', 404);
    });

    test('trending, ranking explained, subscribe, API docs', async () => {
      const trending = await text('/papers/trending');
      // The clock is 2025-11-20; the newest list (2025-11-04) is older, so ages count from a day after it.
      assert.ok(trending.indexOf('2510.22115') < trending.indexOf('2511.01678'));
      assert.match(await text('/about/ranking'), /score = \(upvotes \+ 2 × comments\)/);
      assert.match(await text('/subscribe'), /\/feeds\/daily.rss/);
      assert.match(await text('/docs/api'), /GET \/api\/daily_papers/);
    });

    test('feeds parse as RSS 2.0, Atom 1.0 and JSON Feed 1.1', async () => {
      const parser = new Parser();
      const rss = await parser.parseString(await text('/feeds/daily.rss'));
      assert.deepEqual(rss.items.map((i) => i.link), ['http://papers.test/papers/2510.22115', 'http://papers.test/papers/2511.01678']);
      assert.ok(rss.items[0]!.contentSnippet!.length > 20);
      const atom = await parser.parseString(await text('/feeds/weekly.atom'));
      assert.equal(atom.items.length, 2);
      assert.ok(atom.items[0]!.title);
      const json = JSON.parse(await text('/feeds/trending.json'));
      assert.equal(json.version, 'https://jsonfeed.org/version/1.1');
      assert.ok(json.items.length >= 2);
      assert.ok(json.items[0].authors.length > 0, 'items name their authors');
      const hostile = await parser.parseString(await text('/feeds/organizations/evil%22org.rss'));
      assert.equal(hostile.items[0]!.title, HOSTILE);
      assert.equal((await parser.parseString(await text('/feeds/categories/hep-ph.atom'))).items.length, 1);
      assert.equal((await server.get('/feeds/nope.rss')).status, 404);
      assert.equal((await server.get('/feeds/daily.exe')).status, 404);
    });

    test('API: a paper imported from Hugging Face comes back with the values it went in with', async () => {
      for (const file of HF_DAYS) {
        const day = file.replace('.json', '');
        const input = JSON.parse(readFileSync(path.join(FIXTURES, 'hf-daily', file), 'utf8')) as Record<string, any>[];
        const res = await server.get(`/api/daily_papers?date=${day}`);
        assert.equal(res.status, 200);
        const output = (await res.json()) as Record<string, any>[];
        assert.equal(output.length, input.length, day);
        for (const inp of input) {
          const out = output.find((o) => o.paper.id === inp.paper.id)!;
          for (const key of Object.keys(inp.paper)) {
            // submittedOnDailyBy: one profile is kept per person, the fuller top-level one.
            if (key === 'submittedOnDailyBy') {
              assert.equal(out.paper[key].name ?? out.paper[key].user, inp.paper[key].name ?? inp.paper[key].user);
              continue;
            }
            assert.deepEqual(out.paper[key], inp.paper[key], `${day} ${inp.paper.id} paper.${key}`);
          }
          for (const key of ['title', 'summary', 'thumbnail', 'mediaUrls', 'numComments', 'submittedBy', 'organization', 'isAuthorParticipating']) {
            if (key in inp) assert.deepEqual(out[key], inp[key], `${day} ${inp.paper.id} ${key}`);
          }
          // As Hugging Face gave it: the listing time until 2025-03-10, the arXiv date in US Eastern time since.
          assert.equal(out.publishedAt, inp.publishedAt, `${day} publishedAt`);
        }
      }
    });

    test('API: periods, paging, sorting, submitter, one paper', async () => {
      const week = (await (await server.get('/api/daily_papers?week=2025-W02&limit=5&p=1')).json()) as any[];
      assert.equal(week.length, 5);
      assert.deepEqual(week.map((e) => e.paper.upvotes), [28, 27, 26, 25, 24]);
      const month = (await (await server.get('/api/daily_papers?month=2025-11')).json()) as any[];
      assert.equal(month.length, 2);
      const all = (await (await server.get('/api/daily_papers?limit=3')).json()) as any[];
      assert.equal(all[0].paper.id, '2510.22115', 'without a period: the newest listings first');
      const trending = (await (await server.get('/api/daily_papers?sort=trending&limit=1')).json()) as any[];
      assert.equal(trending.length, 1);
      const by = (await (await server.get('/api/daily_papers?date=2025-11-04&submitter=nobody')).json()) as any[];
      assert.equal(by.length, 0);
      const paper = (await (await server.get('/api/papers/2510.22115v1')).json()) as any;
      assert.equal(paper.id, '2510.22115');
      assert.equal(paper.organization.name, 'inclusionAI');
      const old = (await (await server.get('/api/papers/supr-con/9609003')).json()) as any;
      assert.equal(old.id, 'supr-con/9609003');
    });

    test('API errors are JSON with a status and the parameter named', async () => {
      const cases: [string, number, RegExp][] = [
        ['/api/daily_papers?limit=0', 400, /^limit:/],
        ['/api/daily_papers?limit=101', 400, /^limit:/],
        ['/api/daily_papers?limit=ten', 400, /^limit:/],
        ['/api/daily_papers?p=-1', 400, /^p:/],
        ['/api/daily_papers?date=2025-02-30', 400, /^date:/],
        ['/api/daily_papers?week=2025-W99', 400, /^week:/],
        ['/api/daily_papers?month=2025-1', 400, /^month:/],
        ['/api/daily_papers?date=2025-11-04&month=2025-11', 400, /at most one of date, week and month/],
        ['/api/daily_papers?sort=hot', 400, /^sort:/],
        [`/api/daily_papers?submitter=${'x'.repeat(5000)}`, 400, /^submitter:/],
        ['/api/papers/2401.99999', 404, /paper 2401.99999 not found/],
        ['/api/papers/not-an-id', 400, /not an arXiv id/],
        ['/api/nothing', 404, /no such endpoint/],
      ];
      for (const [p, status, message] of cases) {
        const res = await server.get(p);
        assert.equal(res.status, status, p);
        assert.match(res.headers.get('content-type')!, /application\/json/, p);
        assert.match(((await res.json()) as { error: string }).error, message, p);
      }
    });

    test('ETag and 304, Cache-Control, gzip, CORS', async () => {
      const res = await server.get('/api/daily_papers?date=2025-11-04', { 'accept-encoding': 'gzip' });
      const etag = res.headers.get('etag')!;
      assert.match(etag, /^"[\w-]+"$/);
      assert.equal(res.headers.get('cache-control'), 'public, max-age=60');
      assert.equal(res.headers.get('content-encoding'), 'gzip');
      assert.equal(res.headers.get('access-control-allow-origin'), '*');
      await res.arrayBuffer();
      const again = await server.get('/api/daily_papers?date=2025-11-04', { 'if-none-match': etag });
      assert.equal(again.status, 304);
      const page = await server.get('/papers/date/2025-11-04');
      const pageTag = page.headers.get('etag')!;
      assert.equal((await server.get('/papers/date/2025-11-04', { 'if-none-match': `W/${pageTag}` })).status, 304);
      const preflight = await fetch(`${server.base}/api/daily_papers`, { method: 'OPTIONS', headers: { origin: 'https://x.example', 'access-control-request-method': 'GET' } });
      assert.equal(preflight.status, 204);
      assert.match(preflight.headers.get('access-control-allow-methods')!, /GET/);
      assert.match(page.headers.get('content-security-policy')!, /script-src 'self'/);
      const hit = await server.get('/papers/date/2025-11-04');
      assert.equal(hit.headers.get('ratelimit-remaining'), null, 'a cached page does not replay another request’s rate-limit count');
    });

    test('a cached page changes when an import changes what it shows', async () => {
      const before = await text('/papers/date/2025-06-26');
      assert.doesNotMatch(before, /<span class="count">999<\/span>/);
      const input = JSON.parse(readFileSync(path.join(FIXTURES, 'hf-daily', '2025-06-26.json'), 'utf8'));
      input[0].paper.upvotes = 999;
      await importFiles(database, [dayFile('2025-06-26', input)]);
      assert.match(await text('/papers/date/2025-06-26'), /<span class="count">999<\/span>/);
    });

    test('OpenAPI 3.1 description', async () => {
      const doc = (await (await server.get('/api/openapi.json')).json()) as any;
      assert.equal(doc.openapi, '3.1.0');
      assert.ok(doc.paths['/api/daily_papers'].get.parameters.some((p: any) => p.name === 'week'));
      assert.ok(doc.paths['/api/papers/{id}']);
      assert.equal(doc.servers[0].url, 'http://papers.test');
    });
  });
}
