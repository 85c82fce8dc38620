import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { embeddingsEndpoint, openAiEmbedder } from '../../src/search/embedders/openai.ts';
import { transformersEmbedder } from '../../src/search/embedders/transformers.ts';
import { EmbedderError } from '../../src/search/embedders/types.ts';
import { AnnIndex } from '../../src/search/vectors.ts';
import { freePort } from '../helpers/cli.ts';
import { startEmbeddingsStub, STUB_DIMS, toyEmbedding, type EmbeddingsStub } from '../helpers/embeddings-stub.ts';
import { loadConfig } from '../../src/config.ts';

const norm = (v: number[]) => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};

describe('OpenAI-compatible embedder against a local server', () => {
  let stub: EmbeddingsStub;
  before(async () => {
    stub = await startEmbeddingsStub({ slowMs: 1500 });
  });
  after(() => stub.close());

  test('embeds in batches, in order, normalised, with the model and key', async () => {
    const e = openAiEmbedder({ url: stub.url, model: 'toy-embed', apiKey: 'sk-test', batchSize: 3 });
    assert.equal(e.id, 'openai:toy-embed');
    assert.equal(e.dimensions, 0, 'unknown before the first answer');
    const papers = Array.from({ length: 7 }, (_, i) => ({ title: `Paper ${i}`, abstract: `about topic${i} and more` }));
    const before = stub.requests.length;
    const vs = await e.embedDocuments(papers);
    assert.equal(stub.requests.length - before, 3, '7 texts in batches of 3');
    assert.deepEqual(stub.requests.slice(before).map((r) => r.inputs), [3, 3, 1]);
    assert.ok(stub.requests.slice(before).every((r) => r.model === 'toy-embed' && r.auth === 'Bearer sk-test' && r.path === '/v1/embeddings'));
    assert.equal(e.dimensions, STUB_DIMS);
    vs.forEach((v, i) => {
      const want = norm(toyEmbedding(`Paper ${i}\n\nabout topic${i} and more`));
      assert.ok(v.every((x, j) => Math.abs(x - want[j]!) < 1e-6), `vector ${i} matches its text (order restored from index)`);
    });
    const q = await e.embedQuery('topic3');
    assert.equal(q.length, STUB_DIMS);
  });

  test('the endpoint address: base, /v1 or the full path', () => {
    assert.equal(embeddingsEndpoint('http://h:1'), 'http://h:1/v1/embeddings');
    assert.equal(embeddingsEndpoint('http://h:1/v1/'), 'http://h:1/v1/embeddings');
    assert.equal(embeddingsEndpoint('http://h:1/v1/embeddings'), 'http://h:1/v1/embeddings');
  });

  test('an error status becomes a message with the status and the server’s reason', async () => {
    const e = openAiEmbedder({ url: `${stub.url}/fail`, model: 'toy-embed' });
    await assert.rejects(e.embedQuery('x'), (err: Error) => err instanceof EmbedderError && /answered 500: model not loaded/.test(err.message) && err.message.includes('/fail/v1/embeddings'));
  });

  test('a slow answer times out with a clear message', async () => {
    const e = openAiEmbedder({ url: `${stub.url}/slow`, model: 'toy-embed', timeoutMs: 200 });
    const t = Date.now();
    await assert.rejects(e.embedQuery('x'), /did not answer within 0.2 s/);
    assert.ok(Date.now() - t < 1200);
  });

  test('nothing listening: "cannot reach the embeddings endpoint"', async () => {
    const port = await freePort();
    const e = openAiEmbedder({ url: `http://127.0.0.1:${port}`, model: 'toy-embed' });
    await assert.rejects(e.embedQuery('x'), (err: Error) => err instanceof EmbedderError && err.message === `cannot reach the embeddings endpoint at http://127.0.0.1:${port}/v1/embeddings: ECONNREFUSED`);
  });
});

test('transformers: not installed, or no model folder, is a clear error', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'dp-tf-'));
  try {
    await assert.rejects(
      transformersEmbedder({ model: 'Xenova/all-MiniLM-L6-v2', localModelPath: dir, cacheDir: dir, packageName: '@huggingface/transformers-not-installed' }),
      (e: Error) => e instanceof EmbedderError && e.message.startsWith('EMBEDDER=transformers needs `npm install @huggingface/transformers` and a model folder at ' + path.join(dir, 'Xenova/all-MiniLM-L6-v2')),
    );
    // The package itself is not a dependency here either.
    await assert.rejects(transformersEmbedder({ model: 'm', localModelPath: null, cacheDir: dir }), /EMBEDDER=transformers needs `npm install @huggingface\/transformers`/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('configuration: embedder choice, required variables, the key never echoed', () => {
  const base = { DATABASE_URL: 'sqlite:/tmp/x/site.db' };
  const c = loadConfig(base);
  assert.equal(c.embeddings.embedder, 'builtin');
  assert.equal(c.embeddings.dir, '/tmp/x');
  assert.equal(loadConfig({ DATABASE_URL: 'postgres://u@h/db' }).embeddings.dir, path.resolve('data'));
  assert.throws(() => loadConfig({ ...base, EMBEDDER: 'openai' }), /EMBEDDINGS_URL: required when EMBEDDER=openai/);
  assert.throws(() => loadConfig({ ...base, EMBEDDER: 'openai', EMBEDDINGS_URL: 'http://127.0.0.1:11434' }), /EMBEDDINGS_MODEL: required/);
  assert.throws(() => loadConfig({ ...base, EMBEDDER: 'word2vec' }), /EMBEDDER: expected builtin, transformers, openai or none/);
  assert.throws(() => loadConfig({ ...base, EMBEDDINGS_API_KEY: 'has space secret' }), (e: Error) => /EMBEDDINGS_API_KEY/.test(e.message) && !e.message.includes('secret'));
  const o = loadConfig({ ...base, EMBEDDER: 'openai', EMBEDDINGS_URL: 'http://127.0.0.1:11434', EMBEDDINGS_MODEL: 'nomic-embed-text', EMBEDDINGS_TIMEOUT_SECONDS: '5', EMBEDDINGS_DIR: '/tmp/emb' });
  assert.deepEqual(o.embeddings, { embedder: 'openai', dir: '/tmp/emb', url: 'http://127.0.0.1:11434', model: 'nomic-embed-text', apiKey: null, transformersModelPath: null, timeoutMs: 5000, followMs: 5000 });
  assert.equal(loadConfig({ ...base, EMBEDDER: 'transformers' }).embeddings.model, 'Xenova/all-MiniLM-L6-v2');
  assert.equal(loadConfig({ ...base, EMBEDDING_THREADS: '0' }).embeddings.threads, 0);
  assert.equal(loadConfig({ ...base, EMBEDDING_THREADS: '4' }).embeddings.threads, 4);
  assert.throws(() => loadConfig({ ...base, EMBEDDING_THREADS: '-1' }), /EMBEDDING_THREADS: expected 0 \(the main thread\) or more/);
  assert.throws(() => loadConfig({ ...base, EMBEDDING_THREADS: 'two' }), /EMBEDDING_THREADS: expected a number of threads/);
});

describe('usearch wrapper', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'dp-ann-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const unit = (xs: number[]) => Float32Array.from(norm(xs));

  test('add, search, save, open (mapped or copied), add more; a damaged or mismatched file does not open', () => {
    const a = new AnnIndex(4, 'i8');
    a.add([1, 2, 3], [unit([1, 0, 0, 0]), unit([0, 1, 0, 0]), unit([1, 1, 0, 0])]);
    assert.equal(a.size, 3);
    const hits = a.search(unit([1, 0.1, 0, 0]), 2);
    assert.deepEqual(hits.map((h) => h.key), [1, 3]);
    assert.ok(hits[0]!.similarity > 0.95);
    const file = path.join(dir, 'x.usearch');
    const keys = { seqs: [1, 2, 3, 4], paperIds: ['p1', 'p2', 'p3', 'p-zero'], highSeq: 5 };
    a.save(file, 'm', keys);
    const mapped = AnnIndex.open(file, 'm', 'i8');
    assert.ok(mapped.ann.viewed);
    assert.deepEqual(mapped.keys, keys, 'the keys and the high seq come back from the key file');
    assert.equal(mapped.ann.dims, 4);
    assert.deepEqual(mapped.ann.search(unit([1, 0.1, 0, 0]), 2).map((h) => h.key), [1, 3]);
    assert.throws(() => mapped.ann.add([9], [unit([0, 0, 1, 0])]), /read-only/);
    const b = AnnIndex.open(file, 'm', 'i8', true).ann;
    assert.equal(b.size, 3);
    assert.deepEqual(b.contains([1, 2, 9]), [true, true, false]);
    b.add([9], [unit([0, 0, 1, 0])]);
    assert.deepEqual(b.search(unit([0, 0, 1, 0.1]), 1).map((h) => h.key), [9]);
    b.remove(9);
    assert.equal(b.size, 3);
    assert.equal(b.search(unit([1, 0, 0, 0]), 10).length, 3, 'k larger than the index');
    assert.throws(() => AnnIndex.open(file, 'other', 'i8'), /built for the model m/);
    assert.throws(() => AnnIndex.open(file, 'm', 'f32'), /quantized as i8/);
    writeFileSync(file, 'not an index');
    assert.throws(() => AnnIndex.open(file, 'm', 'i8'), /damaged/);
    b.save(file, 'm', keys);
    writeFileSync(file + '.keys', '{');
    assert.throws(() => AnnIndex.open(file, 'm', 'i8'), /key file is missing or damaged/);
    assert.throws(() => AnnIndex.open(path.join(dir, 'missing.usearch'), 'm', 'i8'), /no index file/);
  });

  test('large batches on all CPUs, small ones on one thread, in any order, also after a load', () => {
    // usearch fails an add on more threads than it set aside slots for: mix the two kinds of batches.
    const dims = 64;
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296) - 0.5;
    const batch = (from: number, n: number) => ({ keys: Array.from({ length: n }, (_, i) => from + i), vectors: Array.from({ length: n }, () => unit(Array.from({ length: dims }, rand))) });
    const a = new AnnIndex(dims, 'i8');
    let next = 1;
    for (const n of [3, 1500, 5, 900, 1000, 900, 1000, 900, 1000, 900, 1000]) {
      const b = batch(next, n);
      a.add(b.keys, b.vectors);
      next += n;
      assert.equal(a.size, next - 1);
      assert.ok(a.contains(b.keys).every(Boolean));
      assert.ok(a.search(b.vectors[0]!, 1)[0]!.similarity > 0.98, 'a vector added finds itself (or its twin)');
    }
    const file = path.join(dir, 'big.usearch');
    a.save(file, 'm', { seqs: Array.from({ length: next - 1 }, (_, i) => i + 1), paperIds: Array.from({ length: next - 1 }, (_, i) => `p${i + 1}`), highSeq: next - 1 });
    const loaded = AnnIndex.open(file, 'm', 'i8', true).ann;
    for (const n of [1000, 2, 3000]) {
      const b = batch(next, n);
      loaded.add(b.keys, b.vectors);
      next += n;
      assert.equal(loaded.size, next - 1);
      assert.ok(loaded.contains(b.keys).every(Boolean));
    }
  });
});
