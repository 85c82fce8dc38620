/**
 * Latent semantic analysis, the built-in embedder's model: TF-IDF over the papers' titles and abstracts
 * (sublinear term frequency, the title counted twice, words and bigrams), reduced to `dims` dimensions by a
 * randomized truncated SVD. A text's embedding is its TF-IDF vector projected on the right singular
 * vectors, L2-normalised. The model is a vocabulary and one terms×dims matrix (IDF and the singular value
 * weighting folded in), saved as one file: a JSON header and the matrix as little-endian Float32.
 */
import { createHash } from 'node:crypto';
import type { Csr } from './linalg.ts';
import { randomizedSvd } from './linalg.ts';
import { phrases as textPhrases, terms as textTerms } from './text.ts';

export interface LsaOptions {
  /** Dimensions of the embeddings (fewer when the corpus is too small for them). */
  dims: number;
  /** Vocabulary size: the terms found in the most training documents. */
  maxTerms: number;
  /** Documents used for training; a larger corpus is sampled evenly (every paper is still embedded). */
  maxTrainingDocs: number;
  /** A term must occur in at least this many training documents. */
  minDf: number;
  /** Also index pairs of neighbouring words. */
  bigrams: boolean;
  /** How many times the title's terms count. */
  titleWeight: number;
  /** The first `leadWords` words of the abstract (where it says what the paper is about) count `1 + leadWeight` times. */
  leadWords: number;
  leadWeight: number;
  /** Embedding = U·Σ^sigmaPower (1: plain LSA document coordinates; 0: whitened). */
  sigmaPower: number;
  powerIterations: number;
  seed: number;
}

export const DEFAULT_LSA_OPTIONS: LsaOptions = {
  dims: 384, maxTerms: 60_000, maxTrainingDocs: 50_000, minDf: 2, bigrams: true, titleWeight: 2, leadWords: 60, leadWeight: 1, sigmaPower: 0.5, powerIterations: 1, seed: 20240311,
};

export interface LsaDocument {
  title: string;
  abstract: string | null;
}

export interface LsaModel {
  /** `builtin-lsa-DIMS@HASH`: the hash of the model file's content. */
  id: string;
  dims: number;
  options: LsaOptions;
  vocabulary: Map<string, number>;
  /** terms × dims, row-major (on a SharedArrayBuffer when trained or read here: sharedFloat32). */
  projection: Float32Array;
  trainedAt: string;
  trainingDocs: number;
}

/** Term → weighted, sublinear term frequency of one document (or query). */
function termWeights(doc: LsaDocument, opts: Pick<LsaOptions, 'bigrams' | 'titleWeight' | 'leadWords' | 'leadWeight'>): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (text: string, w: number) => {
    for (const t of textTerms(text, opts.bigrams)) counts.set(t, (counts.get(t) ?? 0) + w);
  };
  if (doc.title) add(doc.title, opts.titleWeight);
  if (doc.abstract) {
    add(doc.abstract, 1);
    if (opts.leadWeight > 0 && opts.leadWords > 0) add(doc.abstract.split(/\s+/, opts.leadWords).join(' '), opts.leadWeight);
  }
  for (const [t, c] of counts) counts.set(t, 1 + Math.log(c));
  return counts;
}

/** Documents sampled evenly when there are more than `max`. */
function sample<T>(docs: readonly T[], max: number): T[] {
  if (docs.length <= max) return [...docs];
  const out: T[] = [];
  const step = docs.length / max;
  for (let i = 0; i < max; i++) out.push(docs[Math.floor(i * step)]!);
  return out;
}

export interface TrainProgress {
  phase: 'vocabulary' | 'matrix' | 'svd' | 'done';
  done: number;
  total: number;
}

/** Trains a model on these documents (deterministic: the same documents give the same model and id). */
export function trainLsa(allDocs: readonly LsaDocument[], options: Partial<LsaOptions> = {}, onProgress?: (p: TrainProgress) => void): LsaModel {
  const opts: LsaOptions = { ...DEFAULT_LSA_OPTIONS, ...options };
  const docs = sample(allDocs, opts.maxTrainingDocs);
  if (docs.length < 2) throw new Error('the built-in embedder needs at least 2 papers with a title to train on');

  // Document frequencies, counted by term number (each term is numbered when first seen). Each document's
  // terms and weights are kept as those numbers, so that the matrix below needs no second tokenization.
  // Terms seen once are dropped from the count when it grows large (they cannot reach minDf 2 in the rest
  // unless they recur, which a few will: an approximation that bounds memory); then the documents are
  // tokenized again for the matrix, as a dropped term may since have come back under another number.
  const ids = new Map<string, number>();
  let df = new Int32Array(1 << 16);
  let docTerms = new Int32Array(1 << 20);
  let docWeights = new Float32Array(1 << 20);
  const docStart = new Uint32Array(docs.length + 1);
  let used = 0;
  let pruned = false;
  docs.forEach((d, i) => {
    const weights = termWeights(d, opts);
    if (!pruned) {
      docTerms = grown(docTerms, used, used + weights.size);
      docWeights = grown(docWeights, used, used + weights.size);
    }
    for (const [t, w] of weights) {
      let id = ids.get(t);
      if (id === undefined) {
        id = ids.size;
        ids.set(t, id);
        df = grown(df, df.length, id + 1);
      }
      df[id]!++;
      if (pruned) continue;
      docTerms[used] = id;
      docWeights[used++] = w;
    }
    docStart[i + 1] = used;
    if (ids.size > 4_000_000) {
      pruned = true;
      docTerms = new Int32Array(0);
      docWeights = new Float32Array(0);
      for (const [t, id] of ids) if (df[id]! < 2) ids.delete(t);
      // The survivors are numbered again from 0, in the same order.
      const next = new Int32Array(Math.max(1 << 16, ids.size * 2));
      let k = 0;
      for (const [t, id] of ids) {
        next[k] = df[id]!;
        ids.set(t, k++);
      }
      df = next;
    }
    if (i % 5000 === 0) onProgress?.({ phase: 'vocabulary', done: i, total: docs.length });
  });
  const n = docs.length;
  const maxDf = Math.max(opts.minDf, Math.floor(n * 0.5));
  const minDf = Math.max(1, opts.minDf);
  const chosen: [string, number, number][] = [];
  for (const [t, id] of ids) if (df[id]! >= minDf && df[id]! <= maxDf) chosen.push([t, df[id]!, id]);
  chosen.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  chosen.length = Math.min(chosen.length, opts.maxTerms);
  if (chosen.length < 2) throw new Error('the papers share too few words to train the built-in embedder on');
  chosen.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const vocabulary = new Map(chosen.map(([t], i) => [t, i]));
  const idf = Float64Array.from(chosen, ([, c]) => Math.log((1 + n) / (1 + c)) + 1);
  const column = new Int32Array(ids.size).fill(-1);
  chosen.forEach(([, , id], j) => (column[id] = j));
  ids.clear();

  // The TF-IDF matrix, rows L2-normalised, columns in increasing order within a row.
  onProgress?.({ phase: 'matrix', done: 0, total: n });
  const indptr = new Uint32Array(n + 1);
  let indices = new Uint32Array(pruned ? 1 << 20 : used);
  let values = new Float32Array(indices.length);
  let nnz = 0;
  const rowValue = new Float64Array(vocabulary.size);
  let rowColumns = new Int32Array(1024);
  for (let i = 0; i < n; i++) {
    let count = 0;
    const put = (j: number, w: number) => {
      rowColumns = grown(rowColumns, count, count + 1);
      rowColumns[count++] = j;
      rowValue[j] = w * idf[j]!;
    };
    if (pruned) {
      for (const [t, w] of termWeights(docs[i]!, opts)) {
        const j = vocabulary.get(t);
        if (j !== undefined) put(j, w);
      }
    } else {
      for (let p = docStart[i]!; p < docStart[i + 1]!; p++) {
        const j = column[docTerms[p]!]!;
        if (j >= 0) put(j, docWeights[p]!);
      }
    }
    const cols = rowColumns.subarray(0, count).sort();
    let sq = 0;
    for (let c = 0; c < count; c++) sq += rowValue[cols[c]!]! ** 2;
    const norm = Math.sqrt(sq) || 1;
    indices = grown(indices, nnz, nnz + count);
    values = grown(values, nnz, nnz + count);
    for (let c = 0; c < count; c++) {
      const j = cols[c]!;
      indices[nnz] = j;
      values[nnz++] = rowValue[j]! / norm;
      rowValue[j] = 0;
    }
    indptr[i + 1] = nnz;
  }
  docTerms = new Int32Array(0);
  docWeights = new Float32Array(0);
  const a: Csr = { rows: n, cols: vocabulary.size, indptr, indices: indices.slice(0, nnz), values: values.slice(0, nnz) };

  onProgress?.({ phase: 'svd', done: 0, total: 1 });
  const { sigma, v } = randomizedSvd(a, opts.dims, { powerIterations: opts.powerIterations, seed: opts.seed });
  const dims = sigma.length;
  // Fold IDF and the Σ weighting into the projection: embed(x) ∝ Σ_t tf(t)·idf(t)·V[t]·σ^(p-1).
  const scale = Float64Array.from(sigma, (s) => Math.pow(s, opts.sigmaPower - 1));
  const projection = sharedFloat32(vocabulary.size * dims);
  for (let t = 0; t < vocabulary.size; t++) {
    for (let j = 0; j < dims; j++) projection[t * dims + j] = v.data[t * dims + j]! * idf[t]! * scale[j]!;
  }
  // Singular vectors have an arbitrary sign; fix it (largest entry positive) so that models are reproducible.
  for (let j = 0; j < dims; j++) {
    let best = 0;
    for (let t = 0; t < vocabulary.size; t++) if (Math.abs(projection[t * dims + j]!) > Math.abs(best)) best = projection[t * dims + j]!;
    if (best < 0) for (let t = 0; t < vocabulary.size; t++) projection[t * dims + j] = -projection[t * dims + j]!;
  }
  onProgress?.({ phase: 'done', done: 1, total: 1 });
  const model: Omit<LsaModel, 'id'> = { dims, options: opts, vocabulary, projection, trainedAt: new Date().toISOString(), trainingDocs: n };
  return { ...model, id: modelId(model) };
}

/** `builtin-lsa-DIMS@HASH`: a hash of the model's content (exported for bench/model-store.ts's synthetic models). */
export function modelId(m: Omit<LsaModel, 'id'>): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ options: m.options, dims: m.dims }));
  h.update([...m.vocabulary.keys()].join('\n'));
  h.update(new Uint8Array(m.projection.buffer, m.projection.byteOffset, m.projection.byteLength));
  return `builtin-lsa-${m.dims}@${h.digest('hex').slice(0, 12)}`;
}

/** `a` itself when it has room for `need` values, else a copy of its first `used` values in twice the room (at least `need`). */
function grown<T extends Int32Array | Uint32Array | Float32Array>(a: T, used: number, need: number): T {
  if (need <= a.length) return a;
  const b = new (a.constructor as new (n: number) => T)(Math.max(a.length * 2, need));
  b.set(a.subarray(0, used) as ArrayLike<number>);
  return b;
}

/**
 * A Float32Array on a SharedArrayBuffer: the projection matrix is read in place by the embedder's worker
 * threads (lsa-pool.ts), not copied to each of them.
 */
export const sharedFloat32 = (n: number): Float32Array => new Float32Array(new SharedArrayBuffer(n * 4));

/**
 * What embedLsa looks terms up in, made once per model (and per thread): the vocabulary's words, its bigrams
 * as word → next word → row (a bigram is then found without building its `a_b` string), and scratch space
 * for a document's weights by row.
 */
interface Lookup {
  words: Map<string, number>;
  pairs: Map<string, Map<string, number>>;
  count: Float64Array;
  seen: Uint8Array;
  rows: Int32Array;
}

const lookups = new WeakMap<LsaModel, Lookup>();

function lookupOf(model: LsaModel): Lookup {
  let l = lookups.get(model);
  if (l) return l;
  const words = new Map<string, number>();
  const pairs = new Map<string, Map<string, number>>();
  for (const [t, j] of model.vocabulary) {
    // Words never contain `_` (text.ts splits at anything but letters and digits): it marks a bigram.
    const cut = t.indexOf('_');
    if (cut < 0) {
      words.set(t, j);
      continue;
    }
    const first = t.slice(0, cut);
    let next = pairs.get(first);
    if (!next) pairs.set(first, (next = new Map()));
    next.set(t.slice(cut + 1), j);
  }
  l = { words, pairs, count: new Float64Array(model.vocabulary.size), seen: new Uint8Array(model.vocabulary.size), rows: new Int32Array(64) };
  lookups.set(model, l);
  return l;
}

/**
 * The embedding of a document or a query (a query is a document with only a title... or only an abstract).
 * The same arithmetic as termWeights then a projection, in the same order (bit-identical vectors: tested
 * against that plain form), but only the vocabulary's terms are counted, by row number.
 */
export function embedLsa(model: LsaModel, doc: LsaDocument): Float32Array {
  const { dims, projection, options: opts } = model;
  const l = lookupOf(model);
  const { words: unigrams, pairs, count, seen } = l;
  // Rows in the order their terms first occur (termWeights' Map order), and their summed weights.
  let rows = l.rows;
  let n = 0;
  const see = (j: number, w: number) => {
    if (seen[j] === 0) {
      seen[j] = 1;
      if (n === rows.length) {
        const grown = new Int32Array(rows.length * 2);
        grown.set(rows);
        rows = l.rows = grown;
      }
      rows[n++] = j;
    }
    count[j]! += w;
  };
  const add = (text: string, w: number) => {
    for (const words of textPhrases(text)) {
      for (const word of words) {
        const j = unigrams.get(word);
        if (j !== undefined) see(j, w);
      }
      if (opts.bigrams) {
        for (let i = 1; i < words.length; i++) {
          const j = pairs.get(words[i - 1]!)?.get(words[i]!);
          if (j !== undefined) see(j, w);
        }
      }
    }
  };
  try {
    if (doc.title) add(doc.title, opts.titleWeight);
    if (doc.abstract) {
      add(doc.abstract, 1);
      if (opts.leadWeight > 0 && opts.leadWords > 0) add(doc.abstract.split(/\s+/, opts.leadWords).join(' '), opts.leadWeight);
    }
  } catch (e) {
    // The scratch space is left clean for the next document (a text that is not a string throws).
    for (let k = 0; k < n; k++) count[rows[k]!] = seen[rows[k]!] = 0;
    throw e;
  }
  const offsets: number[] = new Array(n);
  const weights: number[] = new Array(n);
  for (let k = 0; k < n; k++) {
    const j = rows[k]!;
    offsets[k] = j * dims;
    weights[k] = 1 + Math.log(count[j]!);
    count[j] = 0;
    seen[j] = 0;
  }
  return project(projection, dims, offsets, weights);
}

/** The unit vector of Σ weights[k] · projection[offsets[k] …]: four terms at a time (a quarter of the accumulator's reads and writes). */
function project(projection: Float32Array, dims: number, rows: number[], weights: number[]): Float32Array {
  const acc = new Float64Array(dims);
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

const MAGIC = 'DPLSA1\n';

interface Header {
  id: string;
  dims: number;
  options: LsaOptions;
  terms: string[];
  trainedAt: string;
  trainingDocs: number;
}

/** The model as one file's bytes: MAGIC, a 4-byte header length, the JSON header (padded to 4 bytes), the matrix. */
export function serializeLsa(m: LsaModel): Buffer {
  const header: Header = { id: m.id, dims: m.dims, options: m.options, terms: [...m.vocabulary.keys()], trainedAt: m.trainedAt, trainingDocs: m.trainingDocs };
  let json = Buffer.from(JSON.stringify(header));
  const pad = (4 - ((MAGIC.length + 4 + json.length) % 4)) % 4;
  json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length);
  const matrix = Buffer.alloc(m.projection.length * 4);
  for (let i = 0; i < m.projection.length; i++) matrix.writeFloatLE(m.projection[i]!, i * 4);
  return Buffer.concat([Buffer.from(MAGIC), len, json, matrix]);
}

export class LsaFormatError extends Error {
  override name = 'LsaFormatError';
}

export function parseLsa(buf: Buffer): LsaModel {
  if (buf.length < MAGIC.length + 4 || buf.toString('latin1', 0, MAGIC.length) !== MAGIC) throw new LsaFormatError('not a built-in embedder model file');
  const len = buf.readUInt32LE(MAGIC.length);
  const start = MAGIC.length + 4;
  let header: Header;
  try {
    header = JSON.parse(buf.toString('utf8', start, start + len)) as Header;
  } catch {
    throw new LsaFormatError('the model file header is damaged');
  }
  const offset = start + len;
  const count = header.terms.length * header.dims;
  if (buf.length !== offset + count * 4) throw new LsaFormatError(`the model file is truncated (${buf.length} bytes, expected ${offset + count * 4})`);
  const projection = sharedFloat32(count);
  for (let i = 0; i < count; i++) projection[i] = buf.readFloatLE(offset + i * 4);
  const model: LsaModel = {
    id: header.id, dims: header.dims, options: { ...DEFAULT_LSA_OPTIONS, ...header.options },
    vocabulary: new Map(header.terms.map((t, i) => [t, i])), projection, trainedAt: header.trainedAt, trainingDocs: header.trainingDocs,
  };
  if (modelId({ ...model, options: header.options }) !== header.id) throw new LsaFormatError('the model file is damaged (its content does not match its id)');
  return model;
}
