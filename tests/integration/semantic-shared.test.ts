/**
 * One semantic model per site (docs/decisions/0019-one-semantic-model-per-site.md): instances with empty
 * EMBEDDINGS_DIRs, one reaching the database by another spelling of DATABASE_URL, fetch the site's
 * built-in model from the database and answer alike; a damaged cached model file is fetched again and
 * `serve` starts; instances configured with different embedders never re-embed each other's papers.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig, type Config, type DatabaseConfig } from '../../src/config.ts';
import { openDatabase, type Database } from '../../src/db/connection.ts';
import { migrate } from '../../src/db/migrate.ts';
import { siteModel, storedModel } from '../../src/db/queries/embedding-models.ts';
import { storeEmbeddings } from '../../src/db/queries/embeddings.ts';
import { importFiles, listInputFiles } from '../../src/importers/import-files.ts';
import { jobDefinitions } from '../../src/jobs/registry.ts';
import { openAiEmbedder } from '../../src/search/embedders/openai.ts';
import { embedPending } from '../../src/search/embed-pending.ts';
import { sha256 } from '../../src/search/model-store.ts';
import { openSemanticIndex } from '../../src/search/semantic.ts';
import type { VectorIndex } from '../../src/search/vectors.ts';
import { freePort, lastJsonLine, runCli, startCli } from '../helpers/cli.ts';
import { createTestDatabase, ENGINES, type TestDatabase } from '../helpers/db.ts';
import { startEmbeddingsStub, type EmbeddingsStub } from '../helpers/embeddings-stub.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures');
const GRASP = 'robots learning to grasp objects by imitating demonstrations';

const TOPICAL: [string, string, string][] = [
  ['2502.20001', 'Speculative decoding with a small draft model', 'A small draft model proposes tokens that the large language model verifies in parallel, which speeds up decoding.'],
  ['2502.20002', 'Faster language model inference by drafting tokens', 'A cheap draft model guesses tokens and the target language model verifies them: speculative decoding.'],
  ['2502.20003', 'Denoising diffusion models for image synthesis', 'Diffusion models generate images by denoising noise step by step.'],
  ['2502.20004', 'Latent diffusion for image generation', 'Image generation with diffusion in a latent space reduces the cost of diffusion models.'],
  ['2502.20005', 'Robot manipulation learned from human demonstrations', 'A robot learns grasping and manipulation policies from human demonstrations with imitation learning.'],
  ['2502.20006', 'Imitation learning for dexterous robot grasping', 'Grasping policies for a robot hand are learned by imitation of demonstrations of manipulation.'],
  ['2502.20007', 'Protein structure prediction with attention', 'We predict protein structure from amino acid sequence with attention over residues.'],
  ['2502.20008', 'Protein language models for folding', 'Protein language models trained on sequences predict the folding and structure of proteins.'],
];

function dailyFile(dir: string, papers: [string, string, string][], day: string): string {
  const file = path.join(dir, `${day}.json`);
  writeFileSync(file, JSON.stringify(papers.map(([id, title, summary]) => ({
    paper: { id, title, summary, upvotes: 1, authors: [{ _id: `a-${id}`, name: 'Ada Lovelace', hidden: false }], publishedAt: `${day}T00:00:00.000Z` },
    publishedAt: `${day}T08:00:00.000Z`, title, numComments: 0,
  }))));
  return file;
}

/** The same database, named another way: `localhost` for 127.0.0.1 (PostgreSQL), a symbolic link of another name (SQLite). */
function otherSpelling(t: TestDatabase, root: string): { config: DatabaseConfig; url: string } {
  if (t.config.engine === 'postgres') {
    const url = t.url.replace('127.0.0.1', 'localhost');
    assert.notEqual(url, t.url);
    return { config: { engine: 'postgres', url }, url };
  }
  const link = path.join(root, 'elsewhere', 'another-name.db');
  mkdirSync(path.dirname(link));
  symlinkSync(t.config.path, link);
  return { config: { engine: 'sqlite', path: link }, url: `sqlite:${link}` };
}

type Snapshot = { paper_id: string; model: string; seq: number }[];

for (const engine of ENGINES) {
  describe(`one semantic model per site on ${engine}`, () => {
    let t: TestDatabase;
    let database: Database;
    let other: Database;
    let root: string;
    let stub: EmbeddingsStub;
    let trained: string;
    let topGrasp: string[];
    const opened: VectorIndex[] = [];
    const dir = (name: string) => path.join(root, name);
    const semanticConfig = (d: string, embedder: 'builtin' | 'openai', db: DatabaseConfig = t.config): Pick<Config, 'embeddings' | 'database'> => ({
      database: db,
      embeddings: { embedder, dir: d, url: embedder === 'openai' ? stub.url : null, model: embedder === 'openai' ? 'toy' : null, apiKey: null, transformersModelPath: null, timeoutMs: 5000 },
    });
    const openIndex = async (config: Pick<Config, 'embeddings' | 'database'>, logs: string[], db = database) => {
      const index = await openSemanticIndex(db, config, { log: (l) => logs.push(l) });
      if (index) opened.push(index);
      return index;
    };
    const snapshot = async (): Promise<Snapshot> =>
      (await database.db.selectFrom('paper_embeddings').select(['paper_id', 'model', 'seq']).orderBy('paper_id').execute()).map((r) => ({ ...r, seq: Number(r.seq) }));
    const openaiEnv = (d: string) => ({ DATABASE_URL: t.url, EMBEDDINGS_DIR: d, EMBEDDER: 'openai', EMBEDDINGS_URL: stub.url, EMBEDDINGS_MODEL: 'toy' });
    /** One run of the embed-new-papers job of an instance configured by `env`, as the scheduler runs it. */
    const embedJob = async (env: Record<string, string>): Promise<string> => {
      const job = jobDefinitions(loadConfig(env), { database, semantic: null }).find((j) => j.name === 'embed-new-papers')!;
      return String(await job.run({ database, signal: new AbortController().signal, log: () => {}, now: () => new Date() }));
    };

    before(async () => {
      t = await createTestDatabase(engine);
      root = mkdtempSync(path.join(tmpdir(), 'dp-sem-shared-'));
      database = await openDatabase(t.config);
      await migrate(database);
      const r = await importFiles(database, [...(await listInputFiles([path.join(FIXTURES, 'hf-daily')])), dailyFile(root, TOPICAL, '2025-02-20')]);
      assert.equal(r.rejected, 0);
      stub = await startEmbeddingsStub();
    });
    after(async () => {
      for (const index of opened) await index.close();
      await other?.close();
      await database.close();
      await stub.close();
      await t.drop();
      rmSync(root, { recursive: true, force: true });
    });

    test('three instances with empty folders, one reaching the database as `localhost` (or by another file name), use the site’s model and answer alike', async () => {
      const train = await runCli(['embeddings', 'train', '--dims', '16', '--json'], { DATABASE_URL: t.url, EMBEDDINGS_DIR: dir('trainer') });
      assert.equal(train.code, 0, train.stderr);
      trained = String(lastJsonLine(train.stdout).model);
      assert.equal((await siteModel(database.db)).model, trained);
      const stored = (await storedModel(database.db, trained))!;

      const spelt = otherSpelling(t, root);
      other = await openDatabase(spelt.config);
      const logs: string[][] = [[], [], []];
      const instances = [
        await openIndex(semanticConfig(dir('a'), 'builtin'), logs[0]!),
        await openIndex(semanticConfig(dir('b'), 'builtin'), logs[1]!),
        await openIndex(semanticConfig(dir('c'), 'builtin', spelt.config), logs[2]!, other),
      ];
      const answers = [];
      for (const [i, index] of instances.entries()) {
        assert.ok(index, `instance ${i} has semantic search: ${logs[i]!.join(' | ')}`);
        assert.equal(index.model, trained);
        answers.push({ grasp: (await index.searchText(GRASP, 3)).map((h) => h.paperId), similar: (await index.similarTo('2502.20001', 3)).map((h) => h.paperId) });
        // The model was fetched into the empty folder under its hash, and the index file is the site's.
        const files = readdirSync(dir('abc'[i]!));
        assert.ok(files.includes(`builtin-model-${stored.sha256}.lsa`), files.join(' '));
        assert.equal(sha256(readFileSync(path.join(dir('abc'[i]!), `builtin-model-${stored.sha256}.lsa`))), stored.sha256);
        assert.ok(!files.some((f) => f.includes('pg-') || f.includes('another-name')), `no file named after DATABASE_URL: ${files.join(' ')}`);
      }
      topGrasp = answers[0]!.grasp;
      assert.ok(['2502.20005', '2502.20006'].includes(topGrasp[0]!), JSON.stringify(answers));
      assert.deepEqual(answers[1], answers[0]);
      assert.deepEqual(answers[2], answers[0]);
    });

    test('a damaged cached model file is fetched again from the database: `serve` starts and answers semantic search', async () => {
      const stored = (await storedModel(database.db, trained))!;
      const cached = path.join(dir('a'), `builtin-model-${stored.sha256}.lsa`);
      const bytes = readFileSync(cached);
      writeFileSync(cached, bytes.subarray(0, bytes.length >> 1));
      const port = await freePort();
      const child = startCli(['serve'], { DATABASE_URL: t.url, EMBEDDINGS_DIR: dir('a'), PORT: String(port), JOBS_ENABLED: 'false' });
      let out = '';
      child.stdout!.on('data', (d) => (out += d));
      child.stderr!.on('data', (d) => (out += d));
      try {
        let res: Response | undefined;
        for (let i = 0; i < 200 && !res && child.exitCode === null; i++) {
          res = await fetch(`http://127.0.0.1:${port}/api/search?mode=semantic&q=${encodeURIComponent(GRASP)}&limit=3`).catch(() => undefined);
          if (!res) await new Promise((r) => setTimeout(r, 100));
        }
        assert.ok(res, `serve did not come up; it printed: ${out}`);
        assert.equal(res.status, 200, out);
        const body = (await res.json()) as { mode: string; model: string; results: { id: string }[] };
        assert.equal(body.mode, 'semantic');
        assert.equal(body.model, trained);
        assert.deepEqual(body.results.map((r) => r.id), topGrasp);
        assert.match(out, /cached model file .* is damaged .*fetching it again from the database/);
      } finally {
        child.kill('SIGTERM');
      }
      await once(child, 'exit');
      assert.equal(sha256(readFileSync(cached)), stored.sha256, 'cached again, whole');
    });

    test('instances configured with different embedders never re-embed each other’s papers; `embeddings use` switches the site', async () => {
      const builtinEnv = { DATABASE_URL: t.url, EMBEDDINGS_DIR: dir('y') };
      const before = await snapshot();
      assert.ok(before.length > 0 && before.every((r) => r.model === trained), 'every paper has a vector of the trained model');

      // The site's model is the built-in one: an instance configured for an endpoint uses it (fetched from the database) and says how to switch.
      const xLogs: string[] = [];
      const x = await openIndex(semanticConfig(dir('x'), 'openai'), xLogs);
      assert.equal(x?.model, trained);
      assert.ok(xLogs.some((l) => /the site's model is the built-in .* is not used; to switch the whole site to openai:toy, run `dailypapers embeddings use`/.test(l)), xLogs.join('\n'));
      const yLogs: string[] = [];
      const y = await openIndex(semanticConfig(dir('y'), 'builtin'), yLogs);
      assert.equal(y?.model, trained);
      await importFiles(database, [dailyFile(root, [['2502.20009', 'Robot grasping from video demonstrations', 'A robot learns to grasp objects by imitating human demonstrations in videos.']], '2025-02-21')]);
      const requestsBefore = stub.requests.length;
      const results = [];
      for (let round = 0; round < 2; round++) results.push(await embedJob(openaiEnv(dir('x'))), await embedJob(builtinEnv));
      assert.match(results[0]!, new RegExp(`^1 papers embedded with ${trained.replace(/[.@]/g, '\\$&')}`));
      assert.deepEqual(results.slice(1).map((r) => r.split(',')[0]), Array(3).fill(`0 papers embedded with ${trained}`));
      assert.equal(stub.requests.length, requestsBefore, 'the endpoint embedded nothing');
      const afterBuiltin = await snapshot();
      assert.deepEqual(afterBuiltin.filter((r) => r.paper_id !== '2502.20009'), before, 'no vector rewritten');
      assert.equal(afterBuiltin.find((r) => r.paper_id === '2502.20009')?.model, trained);

      // Switched to the endpoint's model, from the instance configured for it.
      const wrong = await runCli(['embeddings', 'use', 'openai:other'], openaiEnv(dir('x')));
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, /configured for openai:toy, so it cannot make openai:other/);
      assert.equal((await siteModel(database.db)).model, trained, 'unchanged');
      const use = await runCli(['embeddings', 'use', '--json'], openaiEnv(dir('x')));
      assert.equal(use.code, 0, use.stderr);
      assert.deepEqual(lastJsonLine(use.stdout), { model: 'openai:toy', previous: trained, pending: afterBuiltin.length });
      const switched = await snapshot();
      assert.ok(switched.every((r) => r.model === 'openai:toy'), 'every paper re-embedded with the new site model');

      // Running instances follow: the endpoint's one serves the new vectors, the built-in one turns semantic search off and says why.
      await x!.sync(true);
      assert.equal(x!.model, 'openai:toy');
      assert.equal(x!.size, switched.length);
      assert.equal((await x!.searchText(GRASP, 1)).length, 1);
      await y!.sync(true);
      assert.deepEqual(await y!.searchText(GRASP, 3), []);
      assert.deepEqual(await y!.similarTo('2502.20001', 3), []);
      const offLine = /semantic search is off on this instance: the site's model is openai:toy .*cannot make; .*`dailypapers embeddings use`/;
      assert.ok(yLogs.some((l) => offLine.test(l)), yLogs.join('\n'));
      const freshLogs: string[] = [];
      assert.equal(await openIndex(semanticConfig(dir('z'), 'builtin'), freshLogs), null);
      assert.equal(freshLogs.filter((l) => offLine.test(l)).length, 1, 'one clear line');

      // Alternating runs of the two instances' jobs: the built-in one embeds nothing, and nothing is rewritten.
      await importFiles(database, [dailyFile(root, [['2502.20010', 'Protein design with diffusion', 'Diffusion models design protein structures.']], '2025-02-22')]);
      const again = [];
      for (let round = 0; round < 2; round++) again.push(await embedJob(builtinEnv), await embedJob(openaiEnv(dir('x'))));
      assert.match(again[0]!, /site's model is openai:toy/);
      assert.match(again[1]!, /^1 papers embedded with openai:toy/);
      assert.match(again[2]!, /site's model is openai:toy/);
      assert.match(again[3]!, /^0 papers embedded with openai:toy/);
      const last = await snapshot();
      assert.deepEqual(last.filter((r) => r.paper_id !== '2502.20010'), switched, 'no vector rewritten');
      assert.equal(last.find((r) => r.paper_id === '2502.20010')?.model, 'openai:toy');

      // Below the site's embedder too: an embedder of another model writes nothing, whoever calls it.
      const stray = await embedPending(database, openAiEmbedder({ url: stub.url, model: 'other', apiKey: null, timeoutMs: 5000 }));
      assert.equal(stray.embedded, 0);
      assert.match(stray.skipped!, /the site's model is openai:toy, not openai:other/);
      assert.equal(await storeEmbeddings(database.db, 'openai:other', [{ paperId: '2502.20010', vector: new Float32Array([1, 0]) }]), false);
      assert.deepEqual(await snapshot(), last);
    });
  });
}
