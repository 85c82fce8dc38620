import assert from 'node:assert/strict';
import { test } from 'node:test';
import { csrTimes, dense, gaussian, gram, orthonormalize, randomizedSvd, symmetricEigen, type Csr } from '../../src/search/embedders/linalg.ts';
import { embedLsa, LsaFormatError, parseLsa, serializeLsa, trainLsa } from '../../src/search/embedders/lsa.ts';
import { phrases, stem, terms } from '../../src/search/embedders/text.ts';

const cos = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);

test('tokenizer: lowercase, accents folded, stop words out, plurals and endings stemmed, bigrams within a phrase', () => {
  assert.deepEqual(phrases('We propose Large Language Models. The Café’s decoding, e.g. GPT-4!'), [['larg', 'languag', 'model'], ['cafe'], ['decod'], ['gpt', '4']]);
  assert.equal(stem('models'), 'model');
  assert.equal(stem('queries'), 'query');
  assert.equal(stem('decoding'), 'decod');
  assert.equal(stem('decoder'), 'decoder');
  assert.equal(stem('trained'), 'train');
  assert.equal(stem('bias'), 'bias');
  assert.equal(stem('loss'), 'loss');
  assert.equal(stem('gpt4'), 'gpt4');
  assert.deepEqual(terms('speculative decoding with a draft model'), ['speculativ', 'decod', 'draft', 'model', 'speculativ_decod', 'decod_draft', 'draft_model']);
  assert.deepEqual(terms('attention, mixture', false), ['attention', 'mixtur']);
  assert.deepEqual(terms('the of and 2024'), [], 'stop words and bare numbers only');
  assert.deepEqual(terms(''), []);
});

test('orthonormalisation of a tall matrix, also of low rank', () => {
  const x = gaussian(200, 12, 7);
  for (let i = 0; i < 200; i++) x.data[i * 12 + 5] = 3 * x.data[i * 12 + 2]!; // column 5 depends on column 2
  orthonormalize(x);
  const g = gram(x);
  for (let a = 0; a < 12; a++) {
    for (let b = 0; b < 12; b++) {
      const want = a === b && a !== 5 ? 1 : 0;
      assert.ok(Math.abs(g[a * 12 + b]! - want) < 1e-9, `QᵀQ[${a}][${b}] = ${g[a * 12 + b]}`);
    }
  }
});

test('symmetric eigen-decomposition: a known answer', () => {
  // [[2,1],[1,2]] has eigenvalues 3 and 1, eigenvectors (1,1)/√2 and (1,-1)/√2.
  const { values, vectors } = symmetricEigen(Float64Array.from([2, 1, 1, 2]), 2);
  assert.ok(Math.abs(values[0]! - 3) < 1e-12 && Math.abs(values[1]! - 1) < 1e-12);
  assert.ok(Math.abs(Math.abs(vectors[0]!) - Math.SQRT1_2) < 1e-12 && Math.abs(vectors[0]! - vectors[2]!) < 1e-12);
});

test('randomized SVD: singular values of a known matrix, orthonormal right singular vectors', () => {
  // A = diag(5, 3, 1) padded with zero columns, rows permuted: singular values 5, 3, 1.
  const rows = [[0, 3], [2, 1], [4, 5]] as const; // (column, value) per row
  const a: Csr = { rows: 3, cols: 6, indptr: Uint32Array.from([0, 1, 2, 3]), indices: Uint32Array.from(rows.map((r) => r[0])), values: Float32Array.from(rows.map((r) => r[1])) };
  const { sigma, v } = randomizedSvd(a, 3, { powerIterations: 2 });
  assert.deepEqual([...sigma].map((s) => Math.round(s * 1e6) / 1e6), [5, 3, 1]);
  const g = gram(v);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) assert.ok(Math.abs(g[i * 3 + j]! - (i === j ? 1 : 0)) < 1e-9);
  // A·v₁ = σ₁·u₁: ‖A v₁‖ = 5.
  const av = csrTimes(a, v);
  assert.ok(Math.abs(Math.hypot(av.data[0]!, av.data[3]!, av.data[6]!) - 5) < 1e-9);
  // A random sparse matrix of rank 4: exactly 4 singular values are kept.
  const m = dense(30, 4);
  m.data.set(gaussian(30, 4, 3).data);
  const coef = gaussian(4, 20, 9);
  const indptr = new Uint32Array(31);
  const indices: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < 30; i++) {
    for (let j = 0; j < 20; j++) {
      let s = 0;
      for (let r = 0; r < 4; r++) s += m.data[i * 4 + r]! * coef.data[r * 20 + j]!;
      indices.push(j);
      values.push(s);
    }
    indptr[i + 1] = indices.length;
  }
  const low = randomizedSvd({ rows: 30, cols: 20, indptr, indices: Uint32Array.from(indices), values: Float32Array.from(values) }, 10);
  assert.equal(low.sigma.length, 4);
});

const DOCS = [
  { title: 'Speculative decoding with a small draft model', abstract: 'A small draft model proposes tokens that the large language model verifies in parallel, which speeds up decoding of language models.' },
  { title: 'Faster inference of language models by drafting tokens', abstract: 'We accelerate decoding: a draft model proposes several tokens and the target language model verifies them; speculative decoding keeps the output distribution.' },
  { title: 'Diffusion models for image generation', abstract: 'Denoising diffusion models generate high quality images from noise; we improve the sampler of image diffusion.' },
  { title: 'Latent diffusion for high resolution images', abstract: 'Image generation with diffusion in a latent space reduces the cost of diffusion models for images.' },
  { title: 'Robot manipulation from demonstrations', abstract: 'A robot learns grasping and manipulation policies from human demonstrations with imitation learning.' },
  { title: 'Imitation learning for robot grasping', abstract: 'Policies for robot grasping are learned by imitation of demonstrations collected by teleoperation.' },
  { title: 'Protein structure prediction', abstract: 'We predict protein structure from sequence with attention over residues and evolutionary information.' },
  { title: 'Protein folding with language models', abstract: 'Protein language models trained on sequences predict structure and folding of proteins.' },
];

test('LSA: similar documents are closer than unrelated ones; a paraphrase finds its paper', () => {
  // Four topics, four dimensions.
  const model = trainLsa(DOCS, { dims: 4, minDf: 1 });
  assert.match(model.id, /^builtin-lsa-4@[0-9a-f]{12}$/);
  const e = DOCS.map((d) => embedLsa(model, d));
  for (const v of e) assert.ok(Math.abs(cos(v, v) - 1) < 1e-5, 'unit length');
  assert.ok(cos(e[0]!, e[1]!) > cos(e[0]!, e[2]!) + 0.2, 'two speculative decoding papers are closer than decoding and diffusion');
  assert.ok(cos(e[2]!, e[3]!) > cos(e[2]!, e[4]!) + 0.2);
  assert.ok(cos(e[4]!, e[5]!) > cos(e[4]!, e[6]!) + 0.2);
  const q = embedLsa(model, { title: '', abstract: 'robots that learn to grasp from demonstrations' });
  const best = e.map((v, i) => [cos(q, v), i] as const).sort((a, b) => b[0] - a[0])[0]![1];
  assert.ok(best === 4 || best === 5);
  assert.ok(embedLsa(model, { title: '', abstract: 'zzzz qqqq' }).every((x) => x === 0), 'no known word: a zero vector');
});

test('LSA: training is deterministic; the model file round-trips and a damaged one is refused', () => {
  const a = trainLsa(DOCS, { dims: 4, minDf: 1 });
  const b = trainLsa(DOCS, { dims: 4, minDf: 1 });
  assert.equal(a.id, b.id);
  const bytes = serializeLsa(a);
  const back = parseLsa(bytes);
  assert.equal(back.id, a.id);
  assert.deepEqual([...embedLsa(back, DOCS[0]!)], [...embedLsa(a, DOCS[0]!)]);
  const damaged = Buffer.from(bytes);
  damaged[damaged.length - 3] = damaged[damaged.length - 3]! ^ 0xff;
  assert.throws(() => parseLsa(damaged), LsaFormatError);
  assert.throws(() => parseLsa(bytes.subarray(0, bytes.length - 8)), /truncated/);
  assert.throws(() => parseLsa(Buffer.from('hello')), LsaFormatError);
  assert.throws(() => trainLsa([DOCS[0]!]), /at least 2 papers/);
});
