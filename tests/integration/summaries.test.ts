/**
 * Extracted summaries and keywords (src/domain/extract.ts, migration 31) on both engines: the background job
 * and the CLI give every paper without Hugging Face's summary one, leave Hugging Face's fields alone, redo
 * what changed and nothing else; pages, Markdown and the API show them labelled as extracted.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { loadConfig } from '../../src/config.ts';
import { countExtracts, countPapersToExtract, getExtract } from '../../src/db/queries/extracts.ts';
import { getPaper } from '../../src/db/queries/papers.ts';
import { extract, EXTRACT_METHOD } from '../../src/domain/extract.ts';
import { importFiles, listInputFiles } from '../../src/importers/import-files.ts';
import { jobDefinitions } from '../../src/jobs/registry.ts';
import { extractPending } from '../../src/summaries/extract-pending.ts';
import { lastJsonLine, runCli } from '../helpers/cli.ts';
import { ENGINES, openTestDatabase } from '../helpers/db.ts';
import { startTestServer, type TestServer } from '../helpers/http.ts';
import { FIXTURES } from '../helpers/site.ts';

/** An arXiv paper (OAI fixture): no Hugging Face summary. */
const ARXIV = '0705.1234';
const OLD_STYLE = 'hep-th/9901001';
/** A Hugging Face paper with its ai_summary (tests/fixtures/hf-daily/2025-06-26.json). */
const WITH_AI = '2506.19697';

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

for (const engine of ENGINES) {
  describe(`extracted summaries on ${engine}`, () => {
    let database: Awaited<ReturnType<typeof openTestDatabase>>;
    let server: TestServer;
    before(async () => {
      database = await openTestDatabase(engine);
      await importFiles(database, await listInputFiles([path.join(FIXTURES, 'hf-daily'), path.join(FIXTURES, 'arxiv-oai/listrecords-arxiv.xml')]));
      server = await startTestServer(database);
    });
    after(async () => {
      await server.close();
      await database.close();
    });

    test('the job gives every paper without an HF summary an extract, and leaves HF’s fields alone; a re-run does nothing', async () => {
      const db = database.db;
      const without = await db.selectFrom('papers').select('id').where('ai_summary', 'is', null).orderBy('id').execute();
      const withAi = await db.selectFrom('papers').select('id').where('ai_summary', 'is not', null).execute();
      assert.ok(without.length >= 5 && withAi.some((r) => r.id === WITH_AI), 'fixtures: papers with and without ai_summary');
      assert.equal(await countPapersToExtract(db, EXTRACT_METHOD), without.length);

      const job = jobDefinitions(loadConfig({ JOBS_TIMEZONE: 'UTC' }), { database }).find((j) => j.name === 'extract-summaries')!;
      assert.equal(job.off, null);
      const result = await job.run({ database, signal: new AbortController().signal, log: () => {}, now: () => new Date() });
      assert.equal(result, `${without.length} papers given an extracted summary, 0 waiting`);

      for (const { id } of without) assert.ok(await getExtract(db, id), `extract of ${id}`);
      assert.equal(await getExtract(db, WITH_AI), undefined);
      const paper = (await getPaper(db, ARXIV))!;
      const stored = (await getExtract(db, ARXIV))!;
      const expected = extract(paper.title, paper.abstract);
      assert.equal(stored.summary, expected.summary);
      assert.deepEqual(stored.keywords, expected.keywords);
      assert.ok(stored.summary && stored.keywords.length > 0);
      assert.equal(stored.method, EXTRACT_METHOD);
      // Hugging Face's fields are not where extracts go.
      assert.equal(paper.aiSummary, null);
      assert.equal(paper.aiKeywords, null);

      const again = await extractPending(database);
      assert.equal(again.extracted, 0);
      assert.equal(again.remaining, 0);
      assert.equal(await countExtracts(db), without.length);
    });

    test('the paper page labels the extract as extracted, with keyword links; HF’s summary stays "AI summary"', async () => {
      const x = (await getExtract(database.db, ARXIV))!;
      const page = await (await server.get(`/papers/${ARXIV}`)).text();
      assert.match(page, /<h2 id="ex-h">Extracted summary<\/h2>/);
      assert.ok(page.includes(escapeHtml(x.summary!)), 'the summary is on the page');
      assert.match(page, /not written by a model/);
      assert.doesNotMatch(page, /AI summary/);
      assert.match(page, /aria-label="Extracted keywords"/);
      const first = x.keywords[0]!;
      assert.ok(page.includes(`href="/papers/search?q=${escapeHtml(encodeURIComponent(`"${first}"`))}"`), `keyword link for ${first}`);

      const hf = await (await server.get(`/papers/${WITH_AI}`)).text();
      assert.match(hf, /<h2 id="ai-h">AI summary<\/h2>/);
      assert.doesNotMatch(hf, /Extracted summary/);

      const old = await server.get(`/papers/${OLD_STYLE}`);
      assert.equal(old.status, 200);
      assert.match(await old.text(), /<h2 id="ex-h">Extracted (summary|keywords)<\/h2>/);
    });

    test('Markdown and the JSON API: extracted fields beside, never inside, Hugging Face’s', async () => {
      const x = (await getExtract(database.db, ARXIV))!;
      const md = await (await server.get(`/papers/${ARXIV}.md`)).text();
      assert.match(md, /## Extracted summary/);
      assert.match(md, /\*\*Extracted keywords:\*\*/);
      assert.doesNotMatch(md, /## AI summary|\*\*Keywords:\*\*/);
      const hfMd = await (await server.get(`/papers/${WITH_AI}.md`)).text();
      assert.match(hfMd, /## AI summary/);
      assert.doesNotMatch(hfMd, /Extracted/);

      const api = await server.get(`/api/papers/${ARXIV}/extracted`);
      assert.equal(api.status, 200);
      assert.deepEqual(await api.json(), {
        id: ARXIV, extracted_summary: x.summary, extracted_keywords: x.keywords, extract_method: EXTRACT_METHOD, extracted_at: x.extractedAt,
      });
      // The HF-shaped paper object carries neither the extract nor made-up ai_ fields.
      const hfShaped = (await (await server.get(`/api/papers/${ARXIV}`)).json()) as Record<string, unknown>;
      assert.ok(!('ai_summary' in hfShaped) && !('ai_keywords' in hfShaped) && !('extracted_summary' in hfShaped), Object.keys(hfShaped).join(','));
      const withAi = (await (await server.get(`/api/papers/${WITH_AI}/extracted`)).json()) as Record<string, unknown>;
      assert.equal(withAi.extracted_summary, null);
      assert.deepEqual(withAi.extracted_keywords, []);
      assert.equal((await server.get(`/api/papers/${OLD_STYLE}/extracted`)).status, 200);
      const unknown = await server.get('/api/papers/2401.99999/extracted');
      assert.equal(unknown.status, 404);
      assert.match(((await unknown.json()) as { error: string }).error, /not found/);
    });

    test('MCP paper_details carries the extract in fields of its own; read_paper is the Markdown with it', async () => {
      const x = (await getExtract(database.db, ARXIV))!;
      const client = new Client({ name: 'test-agent', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', server.base)));
      try {
        const text = async (name: string, id: string) => ((await client.callTool({ name, arguments: { id } })) as { content: { text: string }[] }).content[0]!.text;
        const details = JSON.parse(await text('paper_details', ARXIV)) as Record<string, unknown>;
        assert.equal(details.extractedSummary, x.summary);
        assert.deepEqual(details.extractedKeywords, x.keywords);
        assert.ok(!('ai_summary' in details));
        const hf = JSON.parse(await text('paper_details', WITH_AI)) as Record<string, unknown>;
        assert.ok(typeof hf.ai_summary === 'string' && !('extractedSummary' in hf));
        assert.match(await text('read_paper', ARXIV), /## Extracted summary/);
      } finally {
        await client.close();
      }
    });

    test('a new abstract is redone, an arriving HF summary drops the extract, limits hold, --all redoes all', async () => {
      const db = database.db;
      const later = new Date(Date.now() + 60_000).toISOString();
      const abstract = 'We propose a new sorting network for GPUs that halves latency. It is evaluated on three machines.';
      await db.updateTable('papers').set({ abstract, modified_at: later }).where('id', '=', ARXIV).execute();
      assert.equal(await countPapersToExtract(db, EXTRACT_METHOD), 1);
      const redo = await extractPending(database);
      assert.equal(redo.extracted, 1);
      assert.equal((await getExtract(db, ARXIV))!.summary, abstract);
      // The page shows the new one (the write marks cached pages stale). This short abstract is its own summary:
      // the page shows only the extracted keywords, still labelled as extracted.
      const page = await (await server.get(`/papers/${ARXIV}`)).text();
      assert.match(page, /<h2 id="ex-h">Extracted keywords<\/h2>/);
      assert.doesNotMatch(page, /Extracted summary/);
      const keywords = (await getExtract(db, ARXIV))!.keywords;
      assert.ok(keywords.includes('GPUs'), keywords.join(' | '));
      assert.ok(page.includes(`aria-label="Extracted keywords"><li><a href="/papers/search?q=${escapeHtml(encodeURIComponent(`"${keywords[0]}"`))}">${escapeHtml(keywords[0]!)}</a>`));

      await db.updateTable('papers').set({ ai_summary: 'A sorting network for GPUs.', modified_at: later }).where('id', '=', ARXIV).execute();
      const dropped = await extractPending(database);
      assert.equal(dropped.superseded, 1);
      assert.equal(await getExtract(db, ARXIV), undefined);

      const total = await countExtracts(db);
      const limited = await extractPending(database, { all: true, limit: 2, batchSize: 1 });
      assert.equal(limited.extracted, 2);
      const all = await extractPending(database, { all: true });
      assert.equal(all.extracted, total);
      assert.equal(await countExtracts(db), total);
    });
  });
}

for (const engine of ENGINES) {
  test(`dailypapers summaries backfill and status on ${engine}`, async () => {
    const database = await openTestDatabase(engine);
    try {
      await importFiles(database, await listInputFiles([path.join(FIXTURES, 'arxiv-oai/listrecords-arxiv.xml')]));
      const papers = (await database.db.selectFrom('papers').select('id').execute()).length;
      const env = { DATABASE_URL: database.url };
      const before = await runCli(['summaries', 'status', '--json'], env);
      assert.equal(before.code, 0, before.stderr);
      assert.deepEqual(lastJsonLine(before.stdout), { extracted: 0, waiting: papers, method: EXTRACT_METHOD });
      const first = await runCli(['summaries', 'backfill', '--limit', '2', '--json'], env);
      assert.equal(first.code, 0, first.stderr);
      assert.equal(lastJsonLine(first.stdout).extracted, 2);
      const rest = await runCli(['summaries', 'backfill'], env);
      assert.equal(rest.code, 0, rest.stderr);
      assert.match(rest.stdout, new RegExp(`^${papers - 2} papers given an extracted summary, 0 waiting`));
      const after = await runCli(['summaries', 'status'], env);
      assert.match(after.stdout, new RegExp(`^${papers} papers have an extracted summary \\(method ${EXTRACT_METHOD}\\); 0 wait for one`));
      const bad = await runCli(['summaries', 'backfill', '--limit', 'lots'], env);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /expected a whole number/);
    } finally {
      await database.close();
    }
  });
}
