import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Config } from '../../src/config.ts';
import { openDatabase, type Database } from '../../src/db/connection.ts';
import { migrate } from '../../src/db/migrate.ts';
import { embeddingCounts } from '../../src/db/queries/embeddings.ts';
import { importFiles, listInputFiles } from '../../src/importers/import-files.ts';
import { embedPending } from '../../src/search/embed-pending.ts';
import { openSemanticIndex } from '../../src/search/semantic.ts';
import type { VectorIndex } from '../../src/search/vectors.ts';
import { lastJsonLine, runCli } from '../helpers/cli.ts';
import { createTestDatabase, ENGINES, type TestDatabase } from '../helpers/db.ts';
import { startTestServer, type TestServer } from '../helpers/http.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures');

/** Papers on four topics, three each, in Hugging Face's daily_papers format. */
const TOPICAL: [string, string, string][] = [
  ['2502.10001', 'Speculative decoding with a small draft model', 'A small draft model proposes several tokens that the large language model verifies in parallel, which speeds up autoregressive decoding without changing the output distribution.'],
  ['2502.10002', 'Faster language model inference by drafting and verifying tokens', 'We accelerate decoding of large language models: a cheap draft model guesses tokens and the target model verifies them in one forward pass; speculative decoding keeps quality.'],
  ['2502.10003', 'Tree-based speculative decoding for language model serving', 'Speculative decoding with a tree of draft tokens raises the acceptance rate of the verifier language model and lowers serving latency.'],
  ['2502.10004', 'Denoising diffusion models for image synthesis', 'Diffusion models generate images by denoising Gaussian noise step by step; we improve the sampler and the quality of generated images.'],
  ['2502.10005', 'Latent diffusion for high-resolution image generation', 'Image generation with diffusion in a compressed latent space reduces the cost of diffusion models for high-resolution images.'],
  ['2502.10006', 'Guidance for text-to-image diffusion models', 'Classifier-free guidance steers text-to-image diffusion models toward the prompt; we study guidance scales for image generation.'],
  ['2502.10007', 'Robot manipulation learned from human demonstrations', 'A robot learns grasping and manipulation policies from human demonstrations with imitation learning and generalizes to new objects.'],
  ['2502.10008', 'Imitation learning for dexterous robot grasping', 'Grasping policies for a dexterous robot hand are learned by imitation of teleoperated demonstrations of manipulation.'],
  ['2502.10009', 'Scaling robot learning with demonstration datasets', 'Large datasets of robot demonstrations train manipulation policies that grasp and place objects in homes.'],
  ['2502.10010', 'Protein structure prediction with attention', 'We predict protein structure from amino acid sequence with attention over residues and evolutionary information.'],
  ['2502.10011', 'Protein language models for folding', 'Protein language models trained on millions of sequences predict the folding and structure of proteins.'],
  ['2502.10012', 'Designing proteins with generative models', 'Generative models design new protein sequences whose predicted structure folds as intended.'],
];

function topicalFile(dir: string, papers: [string, string, string][], day: string): string {
  const file = path.join(dir, `${day}.json`);
  writeFileSync(file, JSON.stringify(papers.map(([id, title, summary], i) => ({
    paper: { id, title, summary, upvotes: i, authors: [{ _id: `a-${id}`, name: 'Ada Lovelace', hidden: false }], publishedAt: `${day}T00:00:00.000Z` },
    publishedAt: `${day}T08:00:00.000Z`, title, numComments: 0,
  }))));
  return file;
}

/** Top results per engine, compared at the end. */
const seen = new Map<string, unknown>();

for (const engine of ENGINES) {
  describe(`semantic search on ${engine}`, () => {
    let t: TestDatabase;
    let database: Database;
    let dir: string;
    let config: Pick<Config, 'embeddings' | 'database'>;
    let env: Record<string, string>;
    let index: VectorIndex;
    let server: TestServer;
    const logs: string[] = [];
    const log = (l: string) => logs.push(l);

    before(async () => {
      t = await createTestDatabase(engine);
      dir = mkdtempSync(path.join(tmpdir(), 'dp-sem-'));
      database = await openDatabase(t.config);
      await migrate(database);
      const r = await importFiles(database, [
        ...(await listInputFiles([path.join(FIXTURES, 'hf-daily')])),
        path.join(FIXTURES, 'arxiv-snapshot', 'snapshot.jsonl'),
        topicalFile(dir, TOPICAL, '2025-02-14'),
      ]);
      assert.equal(r.rejected, 0);
      config = { database: t.config, embeddings: { embedder: 'builtin', dir, url: null, model: null, apiKey: null, transformersModelPath: null, timeoutMs: 5000 } };
      env = { DATABASE_URL: t.url, EMBEDDINGS_DIR: dir, EMBEDDER: 'builtin' };
    });
    after(async () => {
      await server?.close();
      await index?.close();
      await database.close();
      await t.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    test('before training: no semantic index, and the log says to run `embeddings train`', async () => {
      assert.equal(await openSemanticIndex(database, config, { log }), null);
      assert.match(logs.at(-1)!, /not trained yet.*run `dailypapers embeddings train`/);
      const backfill = await runCli(['embeddings', 'backfill'], env);
      assert.equal(backfill.code, 1);
      assert.match(backfill.stderr, /not trained yet.*dailypapers embeddings train/);
    });

    test('train, then backfill through the CLI; a second backfill is a no-op; status counts by model', async () => {
      const train = await runCli(['embeddings', 'train', '--dims', '16', '--no-backfill', '--json'], env);
      assert.equal(train.code, 0, train.stderr);
      const trained = lastJsonLine(train.stdout) as unknown as { model: string; papers: number; dims: number };
      assert.match(trained.model, /^builtin-lsa-16@[0-9a-f]{12}$/);
      assert.equal(trained.dims, 16);
      seen.set(`${engine} model`, trained.model);
      const papers = trained.papers;
      assert.ok(papers >= 24);

      const first = await runCli(['embeddings', 'backfill', '--batch-size', '5', '--json'], env);
      assert.equal(first.code, 0, first.stderr);
      assert.deepEqual({ ...lastJsonLine(first.stdout), ms: 0 }, { model: trained.model, embedded: papers, remaining: 0, ms: 0 });
      const again = await runCli(['embeddings', 'backfill', '--json'], env);
      assert.equal(lastJsonLine(again.stdout).embedded, 0);
      assert.deepEqual(await embeddingCounts(database.db), [{ model: trained.model, dims: 16, papers }]);

      const status = await runCli(['embeddings', 'status', '--json'], env);
      const s = JSON.parse(status.stdout) as { model: string; pending: number; papers: number; models: unknown[] };
      assert.equal(s.model, trained.model);
      assert.equal(s.pending, 0);
      assert.equal(s.papers, papers);
      const text = await runCli(['embeddings', 'status'], env);
      assert.match(text.stdout, new RegExp(`${trained.model.replace(/[.@]/g, '\\$&')}\\t${papers} papers\\t16 dims\\t\\(current\\)`));
      // The backfill left the index file beside the database's files.
      assert.ok(readdirSync(dir).some((f) => f.endsWith('.i8.usearch')));
    });

    test('semantic search finds a paper from a paraphrase; similar papers share its topic', async () => {
      const opened = await openSemanticIndex(database, config, { log });
      assert.ok(opened);
      index = opened;
      assert.equal(index.origin, 'loaded');
      const hits = await index.searchText('robots learning to grasp objects by imitating demonstrations', 3);
      assert.ok(['2502.10007', '2502.10008', '2502.10009'].includes(hits[0]!.paperId), JSON.stringify(hits));
      const diffusion = await index.searchText('generating images with denoising diffusion', 3);
      assert.ok(diffusion.slice(0, 2).every((h) => ['2502.10004', '2502.10005', '2502.10006'].includes(h.paperId)), JSON.stringify(diffusion));
      assert.ok(hits[0]!.score > hits[2]!.score || hits[0]!.score === hits[2]!.score);
      const similar = await index.similarTo('2502.10001', 5);
      assert.equal(similar.length, 5);
      assert.ok(!similar.some((s) => s.paperId === '2502.10001'), 'itself excluded');
      assert.deepEqual(new Set(similar.slice(0, 2).map((s) => s.paperId)), new Set(['2502.10002', '2502.10003']));
      assert.deepEqual(await index.similarTo('9999.99999', 5), []);
      assert.deepEqual(await index.searchText('   ', 5), []);
      assert.deepEqual(await index.searchText('zzzqqq', 5), [], 'no known word');
      // With candidates (hybrid search's keyword results): exact similarities for them and for the nearest.
      const grasp = 'robots learning to grasp objects by imitating demonstrations';
      const withCandidates = await index.searchTextWith(grasp, 2, ['2502.10004', '9999.99999']);
      assert.deepEqual(withCandidates.nearest.map((h) => h.paperId), hits.slice(0, 2).map((h) => h.paperId));
      assert.deepEqual(new Set(withCandidates.similarity.keys()), new Set([...hits.slice(0, 2).map((h) => h.paperId), '2502.10004']), 'unknown ids have none');
      for (const h of withCandidates.nearest) assert.ok(Math.abs(withCandidates.similarity.get(h.paperId)! - h.score) < 0.05, 'exact ≈ the quantized index');
      assert.ok(withCandidates.similarity.get('2502.10004')! < withCandidates.similarity.get(hits[0]!.paperId)!, 'a diffusion paper is further from a robotics query');
      seen.set(`${engine} results`, { hits: hits.map((h) => h.paperId), diffusion: diffusion.map((h) => h.paperId), similar: similar.map((s) => s.paperId) });
    });

    test('GET /api/papers/:id/similar and the paper page section, over HTTP', async () => {
      server = await startTestServer(database, { semantic: index });
      const res = await server.get('/api/papers/2502.10004/similar?limit=3');
      assert.equal(res.status, 200);
      const body = (await res.json()) as { id: string; title: string; summary: string; upvotes: number }[];
      assert.equal(body.length, 3);
      assert.ok(['2502.10005', '2502.10006'].includes(body[0]!.id));
      assert.equal(typeof body[0]!.title, 'string');
      assert.equal(typeof body[0]!.summary, 'string');
      const one = (await (await server.get(`/api/papers/${body[0]!.id}`)).json()) as Record<string, unknown>;
      // The linked models/datasets/Spaces come with the one paper's answer only, as on Hugging Face (docs/hf-compatibility.md).
      const detailOnly = /^(linked|numTotal)/;
      assert.deepEqual(Object.keys(body[0]!).sort(), Object.keys(one).filter((k) => !detailOnly.test(k)).sort(), 'the shape of GET /api/papers/ID');
      assert.ok(Object.keys(one).some((k) => detailOnly.test(k)));
      assert.equal((await server.get('/api/papers/2502.10004/similar')).status, 200);
      assert.equal(((await (await server.get('/api/papers/2502.10004/similar')).json()) as unknown[]).length, 10);
      assert.equal((await server.get('/api/papers/2502.99999/similar')).status, 404);
      assert.equal((await server.get('/api/papers/2502.10004/similar?limit=0')).status, 400);
      assert.equal((await server.get('/api/papers/2502.10004/similar?limit=abc')).status, 400);
      const page = await (await server.get('/papers/2502.10007')).text();
      assert.match(page, /<h2 id="similar-h">Similar papers<\/h2>/);
      const section = page.slice(page.indexOf('id="similar-h"'), page.indexOf('id="discussion"'));
      assert.equal((section.match(/<li>/g) ?? []).length, 6);
      assert.match(section, /href="\/papers\/2502\.1000[89]"/);

      // Without a semantic index: no section, and the API answers [].
      const plain = await startTestServer(database);
      try {
        assert.doesNotMatch(await (await plain.get('/papers/2502.10007')).text(), /Similar papers/);
        const r = await plain.get('/api/papers/2502.10004/similar');
        assert.equal(r.status, 200);
        assert.deepEqual(await r.json(), []);
      } finally {
        await plain.close();
      }
    });

    test('new papers: embedPending embeds only them, and the index picks them up', async () => {
      const r = await importFiles(database, [topicalFile(dir, [['2502.10013', 'Self-speculative decoding without a draft model', 'The language model drafts tokens with its own early layers and verifies them, a speculative decoding scheme with no separate draft model.']], '2025-02-15')]);
      assert.equal(r.new, 1);
      const progress: [number, number][] = [];
      const done = await embedPending(database, index.embedder, { batchSize: 10, onProgress: (d, n) => progress.push([d, n]) });
      assert.equal(done.embedded, 1);
      assert.equal(done.remaining, 0);
      assert.deepEqual(progress.at(-1), [1, 1]);
      assert.equal((await embedPending(database, index.embedder)).embedded, 0, 'nothing left: a no-op');
      const before = index.size;
      const similar = await index.similarTo('2502.10013', 3);
      assert.equal(index.size, before + 1, 'added incrementally, not rebuilt');
      assert.ok(similar.some((s) => ['2502.10001', '2502.10002', '2502.10003'].includes(s.paperId)), JSON.stringify(similar));
    });

    test('the index file: saved on close, rebuilt when missing or damaged, ignored for another model', async () => {
      await index.close();
      const file = index.file;
      assert.ok(existsSync(file));
      const reopen = async () => (await openSemanticIndex(database, config, { log }))!;
      let again = await reopen();
      assert.equal(again.origin, 'loaded', 'the new paper was saved with the index');
      assert.equal(again.size, index.size);
      writeFileSync(file, 'damaged');
      again = await reopen();
      assert.match(again.origin, /^rebuilt \(the file is damaged/);
      assert.deepEqual((await again.searchText('robots learning to grasp objects by imitating demonstrations', 3)).map((h) => h.paperId), (seen.get(`${engine} results`) as { hits: string[] }).hits);
      rmSync(file);
      rmSync(`${file}.keys`);
      again = await reopen();
      assert.equal(again.origin, 'rebuilt (no index file)');
      assert.equal(again.size, index.size);
      index = again;
    });

    test('retraining changes the model: the index switches to it, serving what is re-embedded so far', async () => {
      const oldModel = index.model;
      const train = await runCli(['embeddings', 'train', '--dims', '12', '--no-backfill', '--json'], env);
      assert.equal(train.code, 0, train.stderr);
      const model = (lastJsonLine(train.stdout) as unknown as { model: string }).model;
      assert.notEqual(model, oldModel);
      await index.sync(true);
      assert.equal(index.model, model);
      assert.equal(index.size, 0, 'no vectors of the new model yet');
      assert.deepEqual(await index.similarTo('2502.10001', 3), []);
      const status = JSON.parse((await runCli(['embeddings', 'status', '--json'], env)).stdout) as { pending: number; papers: number };
      assert.equal(status.pending, status.papers);
      await embedPending(database, index.embedder, { limit: 10 });
      await index.sync(true);
      assert.equal(index.size, 10);
      await embedPending(database, index.embedder);
      await index.sync(true);
      assert.equal(index.size, status.papers);
      assert.equal((await index.similarTo('2502.10001', 3)).length, 3);
    });
  });
}

test('both engines: the same model and the same results', () => {
  assert.equal(seen.get('sqlite model'), seen.get('postgres model'));
  assert.ok(seen.get('sqlite results'));
  assert.deepEqual(seen.get('sqlite results'), seen.get('postgres results'));
});
