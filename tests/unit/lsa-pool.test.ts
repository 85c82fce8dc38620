/**
 * The built-in embedder's worker threads (src/search/embedders/lsa-pool.ts, decision 0045): the same vectors
 * as embedLsa on the main thread, bit for bit and in order, whatever the batch's size against the workers'
 * number; a worker that fails or dies fails its batch with a clear error, and the next batch works.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { builtinEmbedder } from '../../src/search/embedders/builtin.ts';
import { LsaPool } from '../../src/search/embedders/lsa-pool.ts';
import { embedLsa, parseLsa, serializeLsa, trainLsa, type LsaDocument } from '../../src/search/embedders/lsa.ts';
import { EmbedderError } from '../../src/search/embedders/types.ts';

// Synthetic papers with what the tokenizer handles: accents, punctuation, hyphens, numbers, plurals, stop words.
const WORDS = ('model models learning language neural training data network attention graph quantum field theory decoding ' +
  'speculative diffusion reinforcement agent benchmark evaluation robust optimization bound theorem spectral dynamics ' +
  'inference scalable café naïve résumé gpt-4 3d r1 2024 the of and we propose a novel approach queries biases loss').split(' ');
const PUNCT = [' ', ' ', ' ', ', ', '. ', ' - ', '; ', ' (', ') ', ': '];
function papers(n: number, seed = 7): LsaDocument[] {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const text = (k: number) => Array.from({ length: k }, () => WORDS[Math.floor(rand() * WORDS.length)]! + PUNCT[Math.floor(rand() * PUNCT.length)]!).join('');
  return Array.from({ length: n }, (_, i) => ({ title: text(4 + (i % 9)), abstract: i % 17 === 0 ? null : text(20 + Math.floor(rand() * 120)) }));
}

const corpus = papers(400);
// Through the model file, as a site loads it (parseLsa puts the matrix on a SharedArrayBuffer).
const model = parseLsa(serializeLsa(trainLsa(corpus, { dims: 32, minDf: 2 })));
const pools: LsaPool[] = [];
after(async () => {
  for (const p of pools) await p.close();
});
const pool = (threads: number) => {
  const p = new LsaPool(model, threads);
  pools.push(p);
  return p;
};
const bits = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');

test('the pool gives embedLsa\'s vectors, bit for bit and in order, for batches larger and smaller than the workers', async () => {
  const expected = corpus.map((d) => bits(embedLsa(model, d)));
  assert.ok(model.projection.buffer instanceof SharedArrayBuffer, 'the model file is read into shared memory');
  for (const threads of [1, 2, 3]) {
    const p = pool(threads);
    for (const n of [1, 2, 3, 5, 64, 400]) {
      const got = await p.embed(corpus.slice(0, n));
      assert.equal(got.length, n);
      assert.deepEqual(got.map(bits), expected.slice(0, n), `${threads} threads, ${n} papers`);
    }
    assert.deepEqual(await p.embed([]), []);
  }
  // Rows with more than a title and an abstract (database rows) are embedded the same.
  const rows = corpus.slice(0, 10).map((d, i) => ({ ...d, id: `2401.${i}`, textSeq: i }));
  assert.deepEqual((await pool(2).embed(rows)).map(bits), expected.slice(0, 10));
});

test('the built-in embedder: documents on the workers, the same vectors as on the main thread; queries on the main thread', async () => {
  const threaded = builtinEmbedder(model, { threads: 2 });
  const main = builtinEmbedder(model, { threads: 0 });
  try {
    const batch = corpus.slice(0, 100);
    assert.deepEqual((await threaded.embedDocuments(batch)).map(bits), (await main.embedDocuments(batch)).map(bits));
    assert.equal(bits(await threaded.embedQuery('speculative decoding')), bits(embedLsa(model, { title: '', abstract: 'speculative decoding' })));
  } finally {
    await threaded.close();
    await main.close();
  }
});

test('a batch a worker fails on is refused with a clear error; the next batch works', async () => {
  const p = pool(2);
  await p.embed(corpus.slice(0, 4));
  // A paper without a title string: embedLsa throws in the worker, which answers with the error and lives on.
  const bad = [...corpus.slice(0, 3), { title: 42, abstract: 'x' } as unknown as LsaDocument];
  await assert.rejects(p.embed(bad), (e: Error) => e instanceof EmbedderError && /failed on a batch/.test(e.message));
  assert.deepEqual((await p.embed(corpus.slice(0, 6))).map(bits), corpus.slice(0, 6).map((d) => bits(embedLsa(model, d))));
});

test('a worker that dies mid-batch fails the batch (no hang); the next batch starts a new worker', async () => {
  const p = pool(2);
  await p.embed(corpus.slice(0, 2));
  const [first] = p.workers;
  assert.equal(p.workers.length, 2);
  // Long texts (tens of ms each): the worker is still embedding when it is ended, whatever the machine's load.
  const batch = p.embed(corpus.slice(0, 4).map((d) => ({ ...d, abstract: `${d.abstract}${' model'.repeat(100_000)}` })));
  void first!.terminate();
  await assert.rejects(batch, (e: Error) => e instanceof EmbedderError && /worker thread stopped/.test(e.message) && /next one starts a new worker/.test(e.message));
  const again = await p.embed(corpus);
  assert.deepEqual(again.map(bits), corpus.map((d) => bits(embedLsa(model, d))));
  assert.ok(!p.workers.includes(first!), 'a new worker in the dead one\'s place');
  assert.equal(p.workers.length, 2);
});

test('close ends the workers, a batch under way fails, and the pool can be used again', async () => {
  const p = pool(2);
  const batch = assert.rejects(p.embed(corpus), /closed/);
  await p.close();
  await batch;
  assert.equal(p.workers.length, 0);
  assert.equal((await p.embed(corpus.slice(0, 3))).length, 3);
  await p.close();
});
