/**
 * Realistic synthetic paper text for the search benchmarks: a word-bigram model learned from real
 * titles and abstracts (the Hugging Face Daily Papers files given on the command line), sampled with
 * a seeded generator so that runs compare. The word frequencies then follow the real (Zipf-like)
 * distribution, which is what makes keyword and vector search costs realistic: a 40-word vocabulary
 * would put every paper in every posting list.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { rng } from '../src/search/embedders/linalg.ts';

export interface TextModel {
  /** For each word, its followers and their cumulative counts (for sampling). */
  next: Map<string, { words: string[]; cumulative: number[] }>;
  starts: string[];
  /** Words with their corpus frequency, most frequent first (for drawing query words). */
  vocabulary: { word: string; count: number }[];
}

const WORD = /[\p{L}\p{N}][\p{L}\p{N}'-]*/gu;

/** Learns the model from the `paper.title` and `paper.summary` of every *.json file in the folder. */
export function learnTextModel(hfDailyDir: string): TextModel {
  const follow = new Map<string, Map<string, number>>();
  const freq = new Map<string, number>();
  const starts: string[] = [];
  for (const name of readdirSync(hfDailyDir).filter((f) => f.endsWith('.json'))) {
    let entries: unknown;
    try {
      entries = JSON.parse(readFileSync(path.join(hfDailyDir, name), 'utf8'));
    } catch {
      continue;
    }
    if (!Array.isArray(entries)) continue;
    for (const e of entries as { paper?: { title?: unknown; summary?: unknown } }[]) {
      for (const text of [e?.paper?.title, e?.paper?.summary]) {
        if (typeof text !== 'string') continue;
        const words = text.toLowerCase().match(WORD) ?? [];
        if (words.length) starts.push(words[0]!);
        for (let i = 0; i < words.length; i++) {
          freq.set(words[i]!, (freq.get(words[i]!) ?? 0) + 1);
          if (i + 1 < words.length) {
            let m = follow.get(words[i]!);
            if (!m) follow.set(words[i]!, (m = new Map()));
            m.set(words[i + 1]!, (m.get(words[i + 1]!) ?? 0) + 1);
          }
        }
      }
    }
  }
  if (!freq.size) throw new Error(`no Hugging Face Daily Papers files with text in ${hfDailyDir}`);
  const next = new Map<string, { words: string[]; cumulative: number[] }>();
  for (const [w, m] of follow) {
    const words = [...m.keys()];
    let sum = 0;
    next.set(w, { words, cumulative: words.map((x) => (sum += m.get(x)!)) });
  }
  const vocabulary = [...freq].map(([word, count]) => ({ word, count })).sort((a, b) => b.count - a.count);
  return { next, starts, vocabulary };
}

/** A small deterministic generator (mulberry32; the one the built-in embedder trains with). */
export const seeded = rng;

/** n words of text walked along the bigram chain (restarting at a sentence start at dead ends). */
export function sampleText(model: TextModel, rand: () => number, n: number): string {
  const out: string[] = [];
  let w = model.starts[Math.floor(rand() * model.starts.length)]!;
  while (out.length < n) {
    out.push(w);
    const f = model.next.get(w);
    if (!f || rand() < 0.03) {
      w = model.starts[Math.floor(rand() * model.starts.length)]!;
      continue;
    }
    const r = rand() * f.cumulative.at(-1)!;
    let lo = 0;
    let hi = f.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (f.cumulative[mid]! > r) hi = mid;
      else lo = mid + 1;
    }
    w = f.words[lo]!;
  }
  return out.join(' ');
}

/**
 * A query of 1–5 words as people type them: content words drawn from the vocabulary by frequency
 * rank, skipping the very commonest (stop words) and the hapaxes.
 */
export function sampleQuery(model: TextModel, rand: () => number, words: number): string {
  const lo = Math.min(100, model.vocabulary.length - 1);
  const hi = Math.min(20_000, model.vocabulary.length);
  const q: string[] = [];
  while (q.length < words) {
    // log-uniform over ranks: frequent words more often, as in real queries
    const rank = Math.floor(Math.exp(Math.log(lo) + rand() * (Math.log(hi) - Math.log(lo))));
    const w = model.vocabulary[rank]!.word;
    if (w.length > 2 && !q.includes(w)) q.push(w);
  }
  return q.join(' ');
}
