/**
 * embedLsa and the tokenizer were made faster (decision 0045: character tests instead of per-word regular
 * expressions, no Unicode folding of ASCII text, vocabulary terms counted by row, bigrams looked up without
 * building their strings). The vectors must not change by a bit: the implementation before is kept here
 * and compared on a few hundred synthetic papers (ASCII and not, punctuation, numbers, odd words).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { embedLsa, parseLsa, serializeLsa, trainLsa, type LsaDocument, type LsaModel, type LsaOptions } from '../../src/search/embedders/lsa.ts';
import { isStopWord, phrases } from '../../src/search/embedders/text.ts';

// ---- the implementation before (src/search/embedders/text.ts and lsa.ts at fbc7c08) ----
/** Drops common English inflections; conservative on short words, so "gas", "bias" and "loss" survive. */
function stem(w: string): string {
  if (w.length <= 3 || /\d/.test(w)) return w;
  if (w.endsWith('ies') && w.length > 4) w = w.slice(0, -3) + 'y';
  else if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (w.endsWith('s') && !/(ss|us|is|ys|as)$/.test(w)) w = w.slice(0, -1);
  if (w.length > 5 && w.endsWith('ing')) w = undouble(w.slice(0, -3));
  else if (w.length > 4 && w.endsWith('ed') && !w.endsWith('eed')) w = undouble(w.slice(0, -2));
  if (w.length > 4 && w.endsWith('e')) w = w.slice(0, -1);
  return w;
}

const undouble = (w: string) => (w.length > 3 && /([^aeiouslz])\1$/.test(w) ? w.slice(0, -1) : w);

const PHRASE_BREAK = /[.,;:!?()[\]{}"“”‘’'|/\\<>=+*&%$#@^~`]+|\s[-–—]\s/;

/** The words of a text, one array per phrase (punctuation ends a phrase), stop words removed. */
function oldPhrases(text: string): string[][] {
  const folded = text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
  const out: string[][] = [];
  for (const part of folded.split(PHRASE_BREAK)) {
    const words: string[] = [];
    for (const raw of part.split(/[^\p{L}\p{N}]+/u)) {
      if (raw.length < 2 && !/\d/.test(raw)) continue;
      if (raw.length > 40 || isStopWord(raw)) continue;
      // Bare numbers (years, counts) are noise; "3d", "gpt4" and "r1" stay.
      if (/^\d+$/.test(raw) && raw.length !== 1) continue;
      words.push(stem(raw));
    }
    if (words.length > 0) out.push(words);
  }
  return out;
}

/** The terms of a text: its words, then (when `bigrams`) each pair of neighbouring words in a phrase. */
function terms(text: string, bigrams = true): string[] {
  const out: string[] = [];
  for (const words of oldPhrases(text)) {
    for (const w of words) out.push(w);
    if (bigrams) for (let i = 1; i < words.length; i++) out.push(`${words[i - 1]}_${words[i]}`);
  }
  return out;
}

/** Term → weighted, sublinear term frequency of one document (or query). */
function termWeights(doc: LsaDocument, opts: Pick<LsaOptions, 'bigrams' | 'titleWeight' | 'leadWords' | 'leadWeight'>): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (text: string, w: number) => {
    for (const t of terms(text, opts.bigrams)) counts.set(t, (counts.get(t) ?? 0) + w);
  };
  if (doc.title) add(doc.title, opts.titleWeight);
  if (doc.abstract) {
    add(doc.abstract, 1);
    if (opts.leadWeight > 0 && opts.leadWords > 0) add(doc.abstract.split(/\s+/, opts.leadWords).join(' '), opts.leadWeight);
  }
  for (const [t, c] of counts) counts.set(t, 1 + Math.log(c));
  return counts;
}

/** The embedding of a document or a query (a query is a document with only a title... or only an abstract). */
function oldEmbedLsa(model: LsaModel, doc: LsaDocument): Float32Array {
  const { dims, projection, vocabulary } = model;
  const acc = new Float64Array(dims);
  const rows: number[] = [];
  const weights: number[] = [];
  for (const [t, w] of termWeights(doc, model.options)) {
    const j = vocabulary.get(t);
    if (j === undefined) continue;
    rows.push(j * dims);
    weights.push(w);
  }
  // Four terms at a time: a quarter of the reads and writes of the accumulator.
  let k = 0;
  for (; k + 3 < rows.length; k += 4) {
    const o0 = rows[k]!, o1 = rows[k + 1]!, o2 = rows[k + 2]!, o3 = rows[k + 3]!;
    const w0 = weights[k]!, w1 = weights[k + 1]!, w2 = weights[k + 2]!, w3 = weights[k + 3]!;
    for (let c = 0; c < dims; c++) acc[c]! += w0 * projection[o0 + c]! + w1 * projection[o1 + c]! + w2 * projection[o2 + c]! + w3 * projection[o3 + c]!;
  }
  for (; k < rows.length; k++) {
    const o = rows[k]!;
    const w = weights[k]!;
    for (let c = 0; c < dims; c++) acc[c]! += w * projection[o + c]!;
  }
  let sq = 0;
  for (let c = 0; c < dims; c++) sq += acc[c]! * acc[c]!;
  const norm = Math.sqrt(sq);
  const out = new Float32Array(dims);
  if (norm > 0) for (let c = 0; c < dims; c++) out[c] = acc[c]! / norm;
  return out;
}


// ---- synthetic papers ----
const WORDS = ('model models modelling learning learned language neural training data network networks attention graph quantum ' +
  'field theory decoding decoder speculative diffusion reinforcement agents benchmark evaluation robust optimization bounds theorem ' +
  'spectral dynamics inference scalable running stopped biases loss gas bias analysis corpus queries classes glasses agreed fizz ' +
  'café naïve résumé Ångström Über straße 深度学习 模型 Модель обучение GPT-4 3D R1 2024 12 7 a I x e.g. i.e. et al. the of and ' +
  'we propose novel approach STATE-OF-THE-ART Transformers LLMs ﬁne-tuning ＡＢＣ x² ½ co-operation').split(' ');
// And many rarer made-up words (syllables), so that most terms are in few papers, as in a real corpus.
const SYLLABLES = ['ka', 'lo', 'min', 'ter', 'ous', 'ing', 'ed', 'es', 'ies', 'ss', 'zz', 'pp', 'é', 'ro', 'vat', 'ix'];
for (let i = 0; i < 600; i++) WORDS.push(SYLLABLES[i % 16]! + SYLLABLES[(i * 7 + 3) % 16]! + SYLLABLES[(i * 5 + Math.floor(i / 16)) % 16]!);
const SEPS = [' ', ' ', ' ', ' ', ', ', '. ', ' - ', ' — ', '; ', ' (', ') ', ': ', '\n', '  ', '/', '"', '’s ', '!', '?', '_', '–'];
function papers(n: number, seed: number): LsaDocument[] {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const text = (k: number) => Array.from({ length: k }, () => WORDS[Math.floor(rand() ** 2 * WORDS.length)]! + SEPS[Math.floor(rand() * SEPS.length)]!).join('');
  return Array.from({ length: n }, (_, i) => ({ title: i % 23 === 5 ? '' : text(3 + (i % 11)), abstract: i % 13 === 0 ? null : text(10 + Math.floor(rand() * 200)) }));
}

const hex = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');

test('the tokenizer gives the same phrases as before, on ASCII and Unicode text', () => {
  for (const p of papers(400, 3)) {
    for (const text of [p.title, p.abstract ?? '']) assert.deepEqual(phrases(text), oldPhrases(text), text);
  }
});

test('embedLsa gives the same vectors as before, bit for bit, for papers and queries, with and without bigrams', () => {
  const corpus = papers(600, 11);
  const options: Partial<LsaOptions>[] = [{ dims: 48 }, { dims: 16, bigrams: false, leadWeight: 0, titleWeight: 3 }];
  for (const o of options) {
    const model = parseLsa(serializeLsa(trainLsa(corpus.slice(0, 400), o)));
    assert.ok([...model.vocabulary.keys()].filter((t) => t.includes('_')).length > (o.bigrams === false ? -1 : 50), 'bigrams in the vocabulary');
    let nonzero = 0;
    for (const d of [...corpus, ...papers(200, 99)]) {
      const v = embedLsa(model, d);
      assert.equal(hex(v), hex(oldEmbedLsa(model, d)), JSON.stringify(d));
      if (v.some((x) => x !== 0)) nonzero++;
    }
    assert.ok(nonzero > 700, 'the papers share the vocabulary');
    for (const q of ['speculative decoding', 'Quantum field theory, spectral bounds', '深度学习 模型', '', 'the of']) {
      assert.equal(hex(embedLsa(model, { title: '', abstract: q })), hex(oldEmbedLsa(model, { title: '', abstract: q })), q);
    }
  }
});

test('a document that fails (not a string) leaves no trace in the next one', () => {
  const corpus = papers(200, 5);
  const model = trainLsa(corpus, { dims: 8 });
  const d = corpus[1]!;
  assert.throws(() => embedLsa(model, { title: corpus[2]!.title, abstract: 42 as unknown as string }));
  assert.equal(hex(embedLsa(model, d)), hex(oldEmbedLsa(model, d)));
});
