/**
 * Which passages of a paper (or a collection) answer a question (docs/decisions/0037-ask-this-paper.md):
 * by the site's embedder (cosine of the question's vector to each passage's; the built-in LSA one, or the
 * configured external one), or, without one, by keyword overlap (BM25 over the passages, with the built-in
 * embedder's terms: stop words dropped, light stemming, bigrams).
 */
import type { Chunk } from '../domain/ask.ts';
import type { Embedder } from './embedders/types.ts';
import { terms } from './embedders/text.ts';

export type RetrievalMethod = 'embedding' | 'keyword' | 'hybrid';

export interface Ranked {
  chunk: Chunk;
  score: number;
}

/** BM25's usual constants. */
const K1 = 1.2;
const B = 0.75;

/** BM25 of each chunk for the question, over the chunks given (their own document frequencies). */
export function keywordScores(question: string, chunks: Chunk[]): number[] {
  const q = [...new Set(terms(question))];
  const docs = chunks.map((c) => terms(`${c.section}\n${c.text}`));
  const avg = docs.reduce((s, d) => s + d.length, 0) / Math.max(1, docs.length);
  const df = new Map<string, number>();
  for (const d of docs) for (const t of new Set(d)) df.set(t, (df.get(t) ?? 0) + 1);
  return docs.map((d) => {
    const tf = new Map<string, number>();
    for (const t of d) tf.set(t, (tf.get(t) ?? 0) + 1);
    let s = 0;
    for (const t of q) {
      const f = tf.get(t);
      if (!f) continue;
      const n = df.get(t)!;
      const idf = Math.log(1 + (docs.length - n + 0.5) / (n + 0.5));
      s += (idf * f * (K1 + 1)) / (f + K1 * (1 - B + (B * d.length) / Math.max(1, avg)));
    }
    return s;
  });
}

/** Cosine of the question to each chunk by the embedder (unit vectors: a dot product). */
export async function embeddingScores(question: string, chunks: Chunk[], embedder: Embedder): Promise<number[]> {
  if (chunks.length === 0) return [];
  const [qv, dvs] = await Promise.all([embedder.embedQuery(question), embedder.embedDocuments(chunks.map((c) => ({ title: c.section, abstract: c.text })))]);
  return dvs.map((v) => {
    let s = 0;
    for (let i = 0; i < v.length; i++) s += v[i]! * qv[i]!;
    return s;
  });
}

/** Scores scaled to [0, 1] by the best of the list (all zero stays zero). */
const scaled = (xs: number[]) => {
  const max = Math.max(0, ...xs);
  return max > 0 ? xs.map((x) => Math.max(0, x) / max) : xs.map(() => 0);
};

/**
 * The k chunks that best answer the question, best first. `hybrid` adds the two scores scaled to their
 * best (what the site uses with an embedder); without one every method is `keyword`. Chunks that share no
 * term with the question and are not near it are still returned (the model then says the passages do not answer).
 */
export async function retrieve(question: string, chunks: Chunk[], k: number, embedder: Embedder | null, method: RetrievalMethod = 'hybrid'): Promise<{ ranked: Ranked[]; method: RetrievalMethod }> {
  const usable = embedder && !embedder.unavailable ? embedder : null;
  const m: RetrievalMethod = usable ? method : 'keyword';
  let scores: number[];
  if (m === 'keyword') scores = keywordScores(question, chunks);
  else if (m === 'embedding') scores = await embeddingScores(question, chunks, usable!);
  else {
    const [kw, em] = [scaled(keywordScores(question, chunks)), scaled(await embeddingScores(question, chunks, usable!))];
    scores = kw.map((x, i) => x + em[i]!);
  }
  const ranked = chunks.map((chunk, i) => ({ chunk, score: scores[i]! })).map((r, i) => ({ ...r, i }));
  ranked.sort((a, b) => b.score - a.score || a.i - b.i);
  return { ranked: ranked.slice(0, k).map(({ chunk, score }) => ({ chunk, score })), method: m };
}
