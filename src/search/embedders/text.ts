/**
 * The text side of the built-in embedder: what a paper or a query becomes before TF-IDF. Lowercased,
 * accents folded, split at anything that is not a letter or digit, English stop words dropped, plurals
 * and a few regular endings stripped (a light stemmer: "models" and "model" are one term), and the
 * pairs of neighbouring words within a phrase added as bigrams ("speculative decoding" → `speculative_decod`).
 * Only title and abstract are ever fed in: AI summaries and keywords are not the paper's own text.
 */

// Function words, and the words of paper boilerplate that say nothing about a paper's topic.
const STOP_WORDS = new Set(
  (
    'a about above after again against all also am an and any are aren as at be because been before being below between both but by can cannot could ' +
    'did do does doing don down during each either else etc even ever every few for from further had has have having he her here hers herself him himself his how however ' +
    'i if in into is isn it its itself just let me more most much must my myself neither no nor not now of off often on once only or other ought our ours ourselves out over own ' +
    'per quite rather same shall she should since so some still such than that the their theirs them themselves then there these they this those though through thus to too ' +
    'under until up upon us very via was we were what when where whether which while who whom whose why will with within without would yet you your yours yourself yourselves ' +
    'one two three first second new via e g eg ie et al paper propose proposed proposes present presents presented show shows shown demonstrate demonstrates ' +
    'introduce introduces introduced approach method methods result results work study based using use used uses novel existing furthermore moreover additionally ' +
    'significantly significant respectively extensive experiments experiment experimental achieve achieves achieved state art available code publicly https http github com www'
  ).split(/\s+/),
);

/** Drops common English inflections; conservative on short words, so "gas", "bias" and "loss" survive. */
export function stem(w: string): string {
  if (w.length <= 3 || hasDigit(w)) return w;
  if (w.endsWith('ies') && w.length > 4) w = w.slice(0, -3) + 'y';
  else if (w.endsWith('sses')) w = w.slice(0, -2);
  // Not after s, u, i, y or a (`ss|us|is|ys|as`): "loss", "corpus", "analysis" keep their s.
  else if (w.endsWith('s') && !KEEPS_S.includes(w[w.length - 2]!)) w = w.slice(0, -1);
  if (w.length > 5 && w.endsWith('ing')) w = undouble(w.slice(0, -3));
  else if (w.length > 4 && w.endsWith('ed') && !w.endsWith('eed')) w = undouble(w.slice(0, -2));
  if (w.length > 4 && w.endsWith('e')) w = w.slice(0, -1);
  return w;
}

const KEEPS_S = 'suiya';
const KEEPS_DOUBLE = 'aeiouslz';

// Per word, so character tests rather than regular expressions (decision 0045: the same results, faster).
/** A doubled final consonant undone ("running" → "runn" → "run"), not of a vowel, s, l or z. */
const undouble = (w: string) => {
  const n = w.length;
  return n > 3 && w[n - 1] === w[n - 2] && !KEEPS_DOUBLE.includes(w[n - 1]!) ? w.slice(0, -1) : w;
};

const isDigit = (c: number) => c >= 48 && c <= 57;

/** Whether a word has an ASCII digit (`/\d/`). */
function hasDigit(w: string): boolean {
  for (let i = 0; i < w.length; i++) if (isDigit(w.charCodeAt(i))) return true;
  return false;
}

/** Whether a word is ASCII digits only (`/^\d+$/`; false for ""). */
function allDigits(w: string): boolean {
  if (w.length === 0) return false;
  for (let i = 0; i < w.length; i++) if (!isDigit(w.charCodeAt(i))) return false;
  return true;
}

const PHRASE_BREAK = /[.,;:!?()[\]{}"“”‘’'|/\\<>=+*&%$#@^~`]+|\s[-–—]\s/;

/** Anything but ASCII: such a text needs Unicode folding and splitting. */
const NON_ASCII = /[^\x00-\x7f]/;
const WORD_BREAK = /[^\p{L}\p{N}]+/u;
// The same split for a lowercased ASCII text: its letters are a–z, its numbers 0–9.
const ASCII_WORD_BREAK = /[^a-z0-9]+/;

/** The words of a text, one array per phrase (punctuation ends a phrase), stop words removed. */
export function phrases(text: string): string[][] {
  // ASCII is unchanged by NFKD and has no combining marks: only lowercased (the same result, cheaper).
  const ascii = !NON_ASCII.test(text);
  const folded = ascii ? text.toLowerCase() : text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
  const wordBreak = ascii ? ASCII_WORD_BREAK : WORD_BREAK;
  const out: string[][] = [];
  for (const part of folded.split(PHRASE_BREAK)) {
    const words: string[] = [];
    for (const raw of part.split(wordBreak)) {
      if (raw.length < 2 && !hasDigit(raw)) continue;
      if (raw.length > 40 || STOP_WORDS.has(raw)) continue;
      // Bare numbers (years, counts) are noise; "3d", "gpt4" and "r1" stay.
      if (raw.length !== 1 && allDigits(raw)) continue;
      words.push(stem(raw));
    }
    if (words.length > 0) out.push(words);
  }
  return out;
}

/** The terms of a text: its words, then (when `bigrams`) each pair of neighbouring words in a phrase. */
export function terms(text: string, bigrams = true): string[] {
  const out: string[] = [];
  for (const words of phrases(text)) {
    for (const w of words) out.push(w);
    if (bigrams) for (let i = 1; i < words.length; i++) out.push(`${words[i - 1]}_${words[i]}`);
  }
  return out;
}

export const isStopWord = (w: string) => STOP_WORDS.has(w.toLowerCase());
