/**
 * Category and organization pages page by cursor (docs/decisions/0041-keyset-pagination.md), on both engines:
 * walking a list with Next to the end and back with Previous shows every paper once, in order (papers of the same
 * date by id, papers without a date last); papers added between page loads cause no duplicate and no skip; old
 * `?p=N` links redirect (2..100), are a 400 past 100 and a 404 past the end; a malformed cursor is a 400; a count
 * past 10,000 reads "10,000+ papers"; /api/daily_papers stops at 10,000 entries deep.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { ENGINES } from '../helpers/db.ts';
import { startTestSite, type TestSite } from '../helpers/site.ts';
import { importFiles } from '../../src/importers/import-files.ts';
import { comesBefore, encodeCursor } from '../../src/domain/list-cursor.ts';
import { categoryPapers, LIST_COUNT_CAP } from '../../src/db/queries/lists.ts';
import { bumpDataVersion } from '../../src/db/queries/papers.ts';

const CATEGORY = 'math.CO'; // no fixture paper has it
const ORG = 'keyset-lab';
const N = 95; // 4 pages of 30: the last one short
const DAYS = ['2024-01-05', '2024-01-04', '2024-01-02', '2023-12-29', '2023-12-28', '2023-12-20', '2023-11-01'];

/** A snapshot line (src/importers/arxiv-snapshot) for a paper of the test category on a day. */
function line(id: string, day: string, categories = CATEGORY): string {
  const created = new Date(`${day}T15:00:00Z`).toUTCString();
  return JSON.stringify({
    id, submitter: 'A. Person', authors: 'A. Person, B. Person', title: `Keyset paper ${id}`, comments: null, 'journal-ref': null, doi: null,
    'report-no': null, categories, license: null, abstract: `About ${id}.`, versions: [{ version: 'v1', created }], update_date: day,
    authors_parsed: [['Person', 'A.', ''], ['Person', 'B.', '']],
  });
}

/** Card ids of a page, in order. */
const cardIds = (body: string) => [...body.matchAll(/<li class="card[^"]*" data-card id="paper-([^"]+)"/g)].map((m) => m[1]!);
const relLink = (body: string, rel: 'next' | 'prev') => {
  const m = [...body.matchAll(/<a href="([^"]+)" rel="(next|prev)">/g)].find((x) => x[2] === rel);
  return m ? m[1]!.replace(/&amp;/g, '&') : null;
};

for (const engine of ENGINES) {
  describe(`keyset pages on ${engine}`, () => {
    let site: TestSite;
    let dir: string;
    let seq = 0;
    const get = async (p: string) => {
      const r = await site.server.get(p);
      return { status: r.status, location: r.headers.get('location'), body: await r.text() };
    };
    /** Imports papers (one snapshot file), as a harvest would between two page loads. */
    const add = async (papers: [string, string][]) => {
      const file = path.join(dir, `batch-${++seq}.jsonl`);
      writeFileSync(file, papers.map(([id, day]) => line(id, day)).join('\n') + '\n');
      const r = await importFiles(site.database, [file]);
      assert.equal(r.rejected, 0, JSON.stringify(r.rejections));
    };
    /** The category's papers in list order, as the database has them now. */
    const expected = async (where: 'category' | 'org') => {
      const { db } = site.database;
      const rows =
        where === 'category'
          ? await db.selectFrom('paper_categories as c').innerJoin('papers', 'papers.id', 'c.paper_id').select(['papers.id', 'papers.published_at']).where('c.category', '=', CATEGORY).execute()
          : await db.selectFrom('papers').innerJoin('organizations as o', 'o.id', 'papers.organization_id').select(['papers.id', 'papers.published_at']).where('o.name', '=', ORG).execute();
      return rows.map((r) => ({ id: r.id, date: r.published_at ?? '' })).sort((a, b) => (comesBefore(a, b) ? -1 : 1)).map((r) => r.id);
    };
    /** Every page from `start` with Next, then back with Previous: the ids of each page. */
    const walk = async (start: string, between?: (page: number) => Promise<void>) => {
      const forward: string[][] = [];
      let url: string | null = start;
      while (url) {
        const r = await get(url);
        assert.equal(r.status, 200, url);
        forward.push(cardIds(r.body));
        url = relLink(r.body, 'next');
        await between?.(forward.length);
        if (!url) {
          const backward: string[][] = [forward.at(-1)!];
          let back = relLink(r.body, 'prev');
          while (back) {
            const b = await get(back);
            assert.equal(b.status, 200, back);
            backward.unshift(cardIds(b.body));
            back = relLink(b.body, 'prev');
          }
          return { forward, backward };
        }
      }
      throw new Error('unreachable');
    };

    before(async () => {
      site = await startTestSite(engine);
      dir = mkdtempSync(path.join(tmpdir(), 'keyset-pages-'));
      // N papers over a few days: ~14 a day share a date (ties are settled by id).
      await add(Array.from({ length: N }, (_, i) => [`2401.${String(10000 + i * 7).padStart(5, '0')}`, DAYS[i % DAYS.length]!]));
      const { db } = site.database;
      // Two papers lose their date (they sort last, on both engines; the trigger keeps the category copy current).
      await db.updateTable('papers').set({ published_at: null }).where('id', 'in', ['2401.10000', '2401.10350']).execute();
      // An organization with 70 of them.
      await db.insertInto('organizations').values({ name: ORG, fullname: 'Keyset Lab', avatar_url: null, hf_id: null, created_at: new Date().toISOString() }).execute();
      const org = await db.selectFrom('organizations').select('id').where('name', '=', ORG).executeTakeFirstOrThrow();
      const all = await expected('category');
      const ids = [...all.slice(0, 68), ...all.slice(-2)];
      await db.updateTable('papers').set({ organization_id: org.id }).where('id', 'in', ids).execute();
    });
    after(async () => {
      await site?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    test('the date copy on paper_categories follows the paper (triggers)', async () => {
      const { db } = site.database;
      const rows = await db.selectFrom('paper_categories as c').innerJoin('papers', 'papers.id', 'c.paper_id').select(['c.sort_date', 'papers.published_at']).execute();
      assert.ok(rows.length >= N);
      for (const r of rows) assert.equal(r.sort_date, r.published_at ?? '');
    });

    for (const [kind, start] of [['category', `/papers/category/${CATEGORY}`], ['org', `/organizations/${ORG}`]] as const) {
      test(`a ${kind} page, walked with Next to the end and back with Previous, shows every paper once in order`, async () => {
        const want = await expected(kind);
        assert.equal(want.length, kind === 'category' ? N : 70);
        const { forward, backward } = await walk(start);
        assert.deepEqual(forward.flat(), want);
        assert.ok(forward.slice(0, -1).every((p) => p.length === 30), 'full pages but the last');
        assert.deepEqual(backward, forward, 'Previous comes back through the same pages');
        assert.deepEqual(want.slice(-2), ['2401.10350', '2401.10000'], 'papers without a date come last');
      });
    }

    test('papers added between page loads cause no duplicate and no skip', async () => {
      const before = await expected('category');
      const added: string[] = [];
      const { forward } = await walk(`/papers/category/${CATEGORY}`, async (page) => {
        if (page !== 1 && page !== 2) return;
        // Newer than everything (on pages already read), in the middle of the pages read, and further down.
        const batch: [string, string][] = [[`2402.${page}0001`, '2024-02-01'], [`2401.1000${page}`, DAYS[0]!], [`2401.9990${page}`, DAYS[5]!]];
        added.push(...batch.map(([id]) => id));
        await add(batch);
      });
      const seen = forward.flat();
      assert.equal(new Set(seen).size, seen.length, 'no paper twice');
      for (const id of before) assert.ok(seen.includes(id), `${id} not skipped`);
      // Those added below the reader's position are met on the way; those above it are not.
      assert.ok(seen.includes('2401.99901') && seen.includes('2401.99902'));
      assert.ok(!seen.includes('2402.10001') && !seen.includes('2402.20001'));
      const now = await expected('category');
      assert.deepEqual(seen, now.filter((id) => seen.includes(id)), 'in list order');
      // A fresh walk sees them all.
      assert.deepEqual((await walk(`/papers/category/${CATEGORY}`)).forward.flat(), now);
    });

    test('old ?p=N links: a redirect to the same page up to 100, a 400 past it, a 404 past the end', async () => {
      for (const start of [`/papers/category/${CATEGORY}`, `/organizations/${ORG}`]) {
        const { forward } = await walk(start);
        const p2 = await get(`${start}?p=2`);
        assert.equal(p2.status, 302);
        assert.match(p2.location!, new RegExp(`^${start.replace(/\./g, '\\.')}\\?after=[A-Za-z0-9_-]+$`));
        assert.deepEqual(cardIds((await get(p2.location!)).body), forward[1]);
        const p3 = await get(`${start}?p=3`);
        assert.deepEqual(cardIds((await get(p3.location!)).body), forward[2]);
        assert.deepEqual(await get(`${start}?p=1`).then((r) => [r.status, r.location]), [302, start]);
        const deep = await get(`${start}?p=101`);
        assert.equal(deep.status, 400);
        assert.match(deep.body, /work up to page 100/);
        assert.equal((await get(`${start}?p=${forward.length + 1}`)).status, 404);
        assert.equal((await get(`${start}?p=100`)).status, 404);
        for (const bad of ['0', 'abc', '-1', '1e3']) assert.equal((await get(`${start}?p=${bad}`)).status, 400, bad);
      }
    });

    test('a malformed cursor is a 400 that says so, never a 500', async () => {
      const b64 = (s: string) => Buffer.from(s).toString('base64url');
      for (const start of [`/papers/category/${CATEGORY}`, `/organizations/${ORG}`]) {
        for (const q of ['after=', 'after=%%%', 'before=abc=', `after=${b64('["x","y"]')}`, `before=${b64('{"a":1}')}`, `after=${'A'.repeat(400)}`, `after=${b64('["2024-01-01","2401.10007"]')}&before=${b64('["2024-01-01","2401.10007"]')}`]) {
          const r = await get(`${start}?${q}`);
          assert.equal(r.status, 400, q);
          assert.match(r.body, /Bad page cursor/, q);
          assert.match(r.body, /cursor|not both/i, q);
        }
        // Well-formed but past the end: a 404 with a way back.
        const end = await get(`${start}?after=${encodeCursor({ date: '', id: '0000.00000' })}`);
        assert.equal(end.status, 404);
        assert.match(end.body, /No more papers/);
      }
    });

    test('counts stop at 10,000: "10,000+ papers"', async () => {
      const { db } = site.database;
      assert.match((await get(`/papers/category/${CATEGORY}`)).body, /<p class="byline">\d+ papers, newest first<\/p>/);
      // 10,001 papers in one category (and one organization), written in one statement each.
      const n = LIST_COUNT_CAP + 1;
      const now = new Date().toISOString();
      await sql`with recursive k(i) as (select 1 union all select i + 1 from k where i < ${n})
        insert into papers (id, title, authors, categories, published_at, upvotes, metadata_source, created_at, modified_at)
        select '2501.' || cast(10000 + i as text), 'Bulk ' || cast(i as text), '[]', 'nlin.AO', '2025-01-01T00:00:00.000Z', 0, 'test', ${now}, ${now} from k`.execute(db);
      await sql`insert into paper_categories (paper_id, category, position) select id, 'nlin.AO', 0 from papers where id like '2501.%' and title like 'Bulk %'`.execute(db);
      assert.deepEqual(await categoryPapers(db, 'nlin.AO').count(), { count: LIST_COUNT_CAP, capped: true });
      assert.deepEqual(await categoryPapers(db, CATEGORY).count(), { count: N + 6, capped: false });
      await bumpDataVersion(db);
      const big = await get('/papers/category/nlin.AO');
      assert.match(big.body, /<p class="byline">10,000\+ papers, newest first<\/p>/);
      assert.match(big.body, /rel="next"/);
      // Their sort dates came from the trigger (the insert gave none).
      const r = await db.selectFrom('paper_categories').select((eb) => eb.fn.countAll<number>().as('n')).where('category', '=', 'nlin.AO').where('sort_date', '=', '2025-01-01T00:00:00.000Z').executeTakeFirstOrThrow();
      assert.equal(Number(r.n), n);
      await db.updateTable('papers').set({ organization_id: sql`(select id from organizations where name = ${ORG})` }).where('title', 'like', 'Bulk %').execute();
      await bumpDataVersion(db); // written behind the importer's back: the page cache is told
      assert.match((await get(`/organizations/${ORG}`)).body, /<p class="byline">10,000\+ papers, newest first<\/p>/);
    });

    test('/api/daily_papers pages through the first 10,000 entries only; search past page 50 is a clear 400', async () => {
      const last = await site.server.get('/api/daily_papers?p=199&limit=50');
      assert.equal(last.status, 200);
      const past = await site.server.get('/api/daily_papers?p=200&limit=50');
      assert.equal(past.status, 400);
      assert.match(((await past.json()) as { error: string }).error, /first 10,000 entries/);
      assert.equal((await site.server.get('/api/daily_papers?p=100&limit=100')).status, 400);
      const first = await site.server.get('/api/daily_papers?limit=2');
      assert.equal(first.status, 200);
      assert.match(first.headers.get('link') ?? '', /p=1/);
      const search = await get('/papers/search?q=model&p=51');
      assert.equal(search.status, 400);
      assert.match(search.body, /go 50 pages deep/);
      const api = await site.server.get('/api/search?q=model&offset=1000');
      assert.equal(api.status, 400);
      assert.match(((await api.json()) as { error: string }).error, /offset: results go 1000 deep/);
    });
  });
}
