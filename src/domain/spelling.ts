/**
 * "Did you mean …?" for words that match almost nothing while a close, common word matches many
 * (docs/decisions/0027-tex-and-search-explanations.md): `mixure of experts` finds the one paper that
 * has the typo; the reader most likely meant `mixture`. Pure: the search gives the counts.
 */

/** A word found in at most this many papers may be a typo worth a suggestion. */
export const RARE_WORD_PAPERS = 3;
/** The suggested term must be in at least this many times as many papers (and at least MIN_SUGGESTED_PAPERS). */
export const COMMON_FACTOR = 20;
export const MIN_SUGGESTED_PAPERS = 10;

export interface TermCount {
  term: string;
  /** Papers that have the term. */
  docs: number;
}

/** Letters the index's stemmer may have cut from a word (`mixtures` → `mixtur`). */
export const MAX_STEM_CUT = 2;

/** Edits allowed between the word and a suggestion: one for words of 5–7 letters, two from 8. */
export const suggestionEdits = (word: string): number => (Array.from(word).length >= 8 ? 2 : 1);

/**
 * The term to suggest for `word` (in `wordPapers` papers), among `candidates` (indexed terms near it),
 * `distance` being the edit distance between the word and a term: the fewest edits, then the most
 * papers; null when the word is common enough or nothing close is much more common.
 */
export function didYouMean(word: string, wordPapers: number, candidates: readonly TermCount[], distance: (word: string, term: string, limit: number) => number): string | null {
  if (wordPapers > RARE_WORD_PAPERS) return null;
  const limit = suggestionEdits(word);
  const needed = Math.max(MIN_SUGGESTED_PAPERS, COMMON_FACTOR * Math.max(1, wordPapers));
  let best: { term: string; d: number; docs: number } | null = null;
  for (const c of candidates) {
    // A much shorter term is "one edit away" from a prefix of almost any word (`ma` from `mixure`'s `mi`).
    if (c.docs < needed || c.term === word || Array.from(c.term).length < Array.from(word).length - MAX_STEM_CUT) continue;
    const d = distance(word, c.term, limit);
    if (d === 0 || d > limit) continue;
    if (!best || d < best.d || (d === best.d && c.docs > best.docs)) best = { term: c.term, d, docs: c.docs };
  }
  return best?.term ?? null;
}

const fold = (w: string) => w.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

/**
 * The word as people write it for an indexed stem (`mixtur` → `mixture`): the most common word in
 * `texts` that starts with the stem (case and accents aside), in lower case; null when none does.
 */
export function surfaceForm(stem: string, texts: readonly string[]): string | null {
  const counts = new Map<string, number>();
  const s = fold(stem);
  for (const t of texts) {
    for (const w of t.match(/[\p{L}\p{N}]+/gu) ?? []) {
      const lower = w.toLowerCase();
      if (fold(lower).startsWith(s) && lower.length - s.length <= 4) counts.set(lower, (counts.get(lower) ?? 0) + 1);
    }
  }
  let best: [string, number] | null = null;
  for (const [w, n] of counts) if (!best || n > best[1] || (n === best[1] && w.length < best[0].length)) best = [w, n];
  return best?.[0] ?? null;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The query with whole-word `word`s (any case) replaced: what the "Did you mean" link searches. */
export function replaceWords(query: string, replacements: readonly [string, string][]): string {
  let out = query;
  for (const [word, by] of replacements) {
    out = out.replace(new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(word)}(?![\\p{L}\\p{N}])`, 'giu'), by);
  }
  return out;
}
