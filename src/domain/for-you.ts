/**
 * The For-you ranking (docs/decisions/0029-for-you-feed.md): a per-member linear model over two feature sets,
 * in the manner of arxiv-sanity, kept small enough to explain on every card.
 *
 * - Embeddings (the site's semantic model): a candidate scores by its cosine similarity to the member's
 *   positive signals (the nearest one, and their weighted centroid) minus its similarity to the papers they
 *   marked "not interested".
 * - Words (TF-IDF over the candidates and the signals, title and abstract): the member's profile is the
 *   weighted sum of their positive papers' TF-IDF vectors minus the negative ones'; a candidate scores by its
 *   dot product with it. The words that contribute most are the card's "matches: …".
 * - Followed topics (authors, organizations, categories, keywords) add a fixed bonus per match.
 *
 * Relevance and community heat (the trending score) are each turned into a percentile over the candidates,
 * then blended by the member's slider: `(1 − heat) · relevance + heat · heat`. A member with no signal gets
 * the heat order. Pure: no I/O, the same input gives the same order.
 */
import { isStopWord, stem } from '../search/embedders/text.ts';

export type PositiveKind = 'upvote' | 'saved' | 'more' | 'seed';
export type FeedbackKind = 'more' | 'less' | 'seed';

export interface Followed {
  kind: 'author' | 'organization' | 'category' | 'keyword';
  value: string;
}

export interface Signal {
  paperId: string;
  kind: PositiveKind | 'less';
  title: string;
  /** Title and abstract. */
  text: string;
  vector?: Float32Array | null;
}

export interface Candidate {
  paperId: string;
  title: string;
  /** Title and abstract. */
  text: string;
  /** arXiv categories, primary first. */
  categories: string[];
  authors: string[];
  organization: string | null;
  keywords: string[];
  vector?: Float32Array | null;
  /** The community's trending score (src/domain/trending.ts), ≥ 0. */
  heat: number;
}

export interface Explanation {
  /** The signal the paper is nearest to, when near enough to say so. */
  because?: { paperId: string; title: string; kind: PositiveKind };
  /** Words of the paper that weigh most in the member's profile. */
  matches: string[];
  /** Followed topics the paper matches. */
  followed: Followed[];
  /** The paper's primary category, when it is among the hottest of the window. */
  trendingIn?: string;
}

export interface Ranked {
  paperId: string;
  score: number;
  relevance: number;
  heat: number;
  why: Explanation;
}

/** How much each signal counts: explicit feedback more than an upvote. */
export const SIGNAL_WEIGHT: Record<Signal['kind'], number> = { upvote: 1, saved: 1, more: 1.5, seed: 1.5, less: 1.5 };
/** How far "not interested" pulls similar papers down, against the positives' pull up. */
export const NEGATIVE_PULL = 1;
/** The weight of the words side against the embedding side. */
export const WORDS_WEIGHT = 1;
/** The bonus of one followed topic a paper matches. */
export const FOLLOW_BONUS = 0.3;
/** A candidate at or above this heat percentile is "trending in" its category. */
export const TRENDING_PERCENTILE = 0.85;
/** The nearest signal is named when its cosine similarity is at least this. */
export const BECAUSE_MIN_SIMILARITY = 0.3;
/** Without embeddings, the nearest signal by words is named when their TF-IDF cosine is at least this. */
export const BECAUSE_MIN_WORD_SIMILARITY = 0.1;
/** …looking at this many of the newest positive signals. */
export const WORD_BECAUSE_SIGNALS = 50;
/** Words shown in "matches: …". */
export const MATCH_WORDS = 3;
/** The slider's default: percent heat. */
export const DEFAULT_HEAT = 30;

export interface RankInput {
  candidates: Candidate[];
  signals: Signal[];
  followed: Followed[];
  /** 0–100: percent community heat in the blend. */
  heat: number;
}

/** Ranks the candidates for a member, best first; papers the member already gave a signal on are left out. */
export function rankForYou({ candidates, signals, followed, heat }: RankInput): Ranked[] {
  const known = new Set(signals.map((s) => s.paperId));
  const pool = candidates.filter((c) => !known.has(c.paperId));
  if (pool.length === 0) return [];
  const positives = signals.filter((s): s is Signal & { kind: PositiveKind } => s.kind !== 'less');
  const negatives = signals.filter((s) => s.kind === 'less');

  // ---- embeddings
  const pos = positives.flatMap((s) => (s.vector ? [{ s, v: unit(s.vector) }] : []));
  const neg = negatives.flatMap((s) => (s.vector ? [unit(s.vector)] : []));
  const centroid = pos.length ? unit(sumOf(pos.map((p) => ({ v: p.v, w: SIGNAL_WEIGHT[p.s.kind] })))) : null;

  // ---- words: document frequencies over the pool and the signals
  const docs = new Map<string, Map<string, number>>();
  const surface = new Map<string, Map<string, number>>();
  const bagOf = (id: string, text: string) => {
    if (docs.has(id)) return;
    const b = cachedBag(id, text);
    docs.set(id, b.terms);
    for (const [t, forms] of b.forms) {
      let m = surface.get(t);
      if (!m) surface.set(t, (m = new Map()));
      for (const [w, k] of forms) m.set(w, (m.get(w) ?? 0) + k);
    }
  };
  for (const c of pool) bagOf(c.paperId, c.text);
  for (const s of signals) bagOf(s.paperId, s.text);
  const df = new Map<string, number>();
  for (const b of docs.values()) for (const t of b.keys()) df.set(t, (df.get(t) ?? 0) + 1);
  const n = docs.size;
  const weighted = new Map<string, Map<string, number>>();
  const idf = (t: string) => Math.log((n + 1) / ((df.get(t) ?? 0) + 1));
  const tfidf = (id: string): Map<string, number> => {
    const known = weighted.get(id);
    if (known) return known;
    const b = docs.get(id)!;
    const out = new Map<string, number>();
    let norm = 0;
    for (const [t, tf] of b) {
      const w = (1 + Math.log(tf)) * idf(t);
      out.set(t, w);
      norm += w * w;
    }
    norm = Math.sqrt(norm) || 1;
    for (const [t, w] of out) out.set(t, w / norm);
    weighted.set(id, out);
    return out;
  };
  const profile = new Map<string, number>();
  for (const s of signals) {
    const sign = s.kind === 'less' ? -NEGATIVE_PULL : 1;
    for (const [t, w] of tfidf(s.paperId)) profile.set(t, (profile.get(t) ?? 0) + sign * SIGNAL_WEIGHT[s.kind] * w);
  }
  let pnorm = 0;
  for (const w of profile.values()) pnorm += w * w;
  pnorm = Math.sqrt(pnorm) || 1;

  const follow = followMatcher(followed);
  const scored = pool.map((c) => {
    const v = c.vector ? unit(c.vector) : null;
    let emb = 0;
    let because: Explanation['because'];
    if (v && pos.length) {
      let best = -Infinity;
      for (const p of pos) {
        const sim = dot(v, p.v);
        if (sim > best) {
          best = sim;
          if (sim >= BECAUSE_MIN_SIMILARITY) because = { paperId: p.s.paperId, title: p.s.title, kind: p.s.kind };
        }
      }
      emb = 0.5 * best + 0.5 * dot(v, centroid!);
    }
    if (v && neg.length) {
      let worst = 0;
      for (const q of neg) worst = Math.max(worst, dot(v, q));
      emb -= NEGATIVE_PULL * worst;
    }
    let words = 0;
    const contrib: [string, number][] = [];
    if (profile.size) {
      // One pass over the paper's terms (no map made: this runs for every candidate on every request).
      let norm = 0;
      for (const [t, tf] of docs.get(c.paperId)!) {
        const w = (1 + Math.log(tf)) * idf(t);
        norm += w * w;
        const p = profile.get(t);
        if (!p) continue;
        words += p * w;
        if (p > 0) contrib.push([t, p * w]);
      }
      norm = (Math.sqrt(norm) || 1) * pnorm;
      words /= norm;
      for (const x of contrib) x[1] /= norm;
    }
    // Without embeddings, the signal nearest by words (the newest WORD_BECAUSE_SIGNALS only: it costs a dot product each).
    if (!because && !v && positives.length) {
      const mine = tfidf(c.paperId);
      let best = BECAUSE_MIN_WORD_SIMILARITY;
      for (const p of positives.slice(0, WORD_BECAUSE_SIGNALS)) {
        const sim = sparseDot(mine, tfidf(p.paperId));
        if (sim >= best) [best, because] = [sim, { paperId: p.paperId, title: p.title, kind: p.kind }];
      }
    }
    const matchedTopics = follow(c);
    const relevance = emb + WORDS_WEIGHT * words + FOLLOW_BONUS * matchedTopics.length;
    contrib.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    const matches = contrib.slice(0, MATCH_WORDS).map(([t]) => surfaceOf(surface, t));
    return { c, relevance, why: { because, matches, followed: matchedTopics } as Explanation };
  });

  const relPct = percentiles(scored.map((s) => s.relevance));
  const heatPct = percentiles(scored.map((s) => s.c.heat));
  const share = Math.min(100, Math.max(0, heat)) / 100;
  const personal = positives.length + negatives.length + followed.length > 0;
  const out = scored.map((s, i): Ranked => {
    const h = heatPct[i]!;
    const score = personal ? (1 - share) * relPct[i]! + share * h : h;
    const why = { ...s.why };
    if (h >= TRENDING_PERCENTILE && s.c.heat > 0 && s.c.categories[0]) why.trendingIn = s.c.categories[0];
    return { paperId: s.c.paperId, score, relevance: s.relevance, heat: s.c.heat, why };
  });
  // Ties (a cold start: equal heat) go to the more relevant, then the id, so the order is stable.
  return out.sort((a, b) => b.score - a.score || b.relevance - a.relevance || b.heat - a.heat || (a.paperId < b.paperId ? 1 : -1));
}

/** One line of plain text for a card: "Because you saved X · matches: a, b · trending in cs.CV". */
export function explain(why: Explanation): string[] {
  const parts: string[] = [];
  if (why.because) parts.push(`${BECAUSE_VERB[why.because.kind]} “${why.because.title}”`);
  for (const f of why.followed) parts.push(`you follow ${FOLLOW_NOUN[f.kind]}${f.value}`);
  if (why.matches.length) parts.push(`matches: ${why.matches.join(', ')}`);
  if (why.trendingIn) parts.push(`trending in ${why.trendingIn}`);
  return parts;
}

const BECAUSE_VERB: Record<PositiveKind, string> = {
  upvote: 'because you upvoted',
  saved: 'because you saved',
  more: 'because you asked for more like',
  seed: 'because you picked',
};
const FOLLOW_NOUN: Record<Followed['kind'], string> = { author: '', organization: '', category: '', keyword: '' };

function followMatcher(followed: Followed[]): (c: Candidate) => Followed[] {
  if (followed.length === 0) return () => [];
  return (c) =>
    followed.filter((f) => {
      const v = f.value.trim().toLowerCase();
      if (!v) return false;
      switch (f.kind) {
        case 'category': return c.categories.some((x) => x.toLowerCase() === v);
        case 'organization': return c.organization?.toLowerCase() === v;
        case 'author': return c.authors.some((a) => a.toLowerCase() === v);
        case 'keyword': return c.keywords.some((k) => k.toLowerCase() === v) || c.text.toLowerCase().includes(v);
      }
    });
}

interface Bag {
  text: string;
  terms: Map<string, number>;
  /** Stem → its written forms and their counts. */
  forms: Map<string, Map<string, number>>;
}

/**
 * Term counts of a text (stemmed words, as the built-in embedder's), with each stem's written forms for display.
 * Memoised by paper (the same papers are ranked on every request; a changed text is counted again).
 */
const BAG_CACHE_SIZE = 50_000;
const bags = new Map<string, Bag>();
function cachedBag(id: string, text: string): Bag {
  const hit = bags.get(id);
  if (hit && hit.text === text) return hit;
  const terms = new Map<string, number>();
  const forms = new Map<string, Map<string, number>>();
  for (const w of text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().split(/[^\p{L}\p{N}]+/u)) {
    if (w.length < 3 || w.length > 40 || isStopWord(w) || /^\d+$/.test(w)) continue;
    const t = stem(w);
    terms.set(t, (terms.get(t) ?? 0) + 1);
    let m = forms.get(t);
    if (!m) forms.set(t, (m = new Map()));
    m.set(w, (m.get(w) ?? 0) + 1);
  }
  const b = { text, terms, forms };
  if (bags.size >= BAG_CACHE_SIZE) bags.delete(bags.keys().next().value!);
  bags.set(id, b);
  return b;
}

function surfaceOf(surface: Map<string, Map<string, number>>, t: string): string {
  const m = surface.get(t);
  if (!m) return t;
  let best = t;
  let n = -1;
  for (const [w, k] of m) if (k > n || (k === n && w < best)) [best, n] = [w, k];
  return best;
}

/** Each value's rank as a fraction in [0, 1] (ties share the lower rank; one value: 1). */
export function percentiles(values: number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(values.length);
  const d = Math.max(1, values.length - 1);
  let i = 0;
  while (i < order.length) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    for (let k = i; k <= j; k++) out[order[k]![1]] = values.length === 1 ? 1 : i / d;
    i = j + 1;
  }
  return out;
}

/** Unit vectors, kept while their source is (the loader keeps the window's vectors between requests). */
const units = new WeakMap<Float32Array, Float32Array>();

function unit(v: Float32Array): Float32Array {
  const known = units.get(v);
  if (known) return known;
  const out = unitOf(v);
  units.set(v, out);
  return out;
}

function unitOf(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  const n = Math.sqrt(s) || 1;
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i]! / n;
  return out;
}

function dot(a: Float32Array, b: Float32Array): number {
  const n = Math.min(a.length, b.length);
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i]! * b[i]!;
  return s;
}

function sparseDot(a: Map<string, number>, b: Map<string, number>): number {
  const [small, large] = a.size < b.size ? [a, b] : [b, a];
  let s = 0;
  for (const [t, w] of small) s += w * (large.get(t) ?? 0);
  return s;
}

function sumOf(items: { v: Float32Array; w: number }[]): Float32Array {
  const out = new Float32Array(items[0]!.v.length);
  for (const { v, w } of items) for (let i = 0; i < out.length; i++) out[i] = out[i]! + w * (v[i] ?? 0);
  return out;
}
