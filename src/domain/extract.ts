/**
 * Extractive summaries and keywords without a model (docs/decisions/0036-extracted-summaries.md).
 *
 * Papers harvested from arXiv have no Hugging Face `ai_summary` or `ai_keywords`. For those, this picks one
 * or two sentences of the abstract and ranks noun-phrase-like word runs, deterministically and offline, in
 * about the length Hugging Face's fields have (a median of 25 words and 10 keywords in the real data).
 * What comes out is plain Unicode text (TeX turned into characters by src/domain/tex.ts) and is always
 * shown labelled as extracted, never as Hugging Face's fields.
 *
 * Sentence score: centrality (TextRank, i.e. PageRank over the cosine similarities of the sentences'
 * TF-IDF vectors, IDF taken over the abstract's own sentences), overlap with the title, position, and cue
 * phrases ("we propose", "we introduce"…) against background openers ("however", "recent"…). bench/summaries.ts
 * measures it with ROUGE against Hugging Face's summaries and against the first sentence of the abstract.
 *
 * Bounded: at most MAX_INPUT_CHARS of the abstract and MAX_SENTENCES sentences are read, so a hostile or
 * huge abstract costs a bounded amount of work (TextRank is quadratic in sentences).
 */
import { texToPlain } from './tex.ts';

/** Raised whenever the method changes what it outputs: stored extracts of an older method are redone. */
export const EXTRACT_METHOD = 1;
/** The abstract is cut here before anything else (arXiv's own limit is 1,920 characters; some sources send more). */
export const MAX_INPUT_CHARS = 6000;
/** Sentences read; TextRank is quadratic in them. */
export const MAX_SENTENCES = 40;
/** Hugging Face's ai_summary has a median of 25 words; a second sentence is added while the summary is shorter than this. */
export const SUMMARY_MIN_WORDS = 16;
/** …and never past this many words in all. */
export const SUMMARY_MAX_WORDS = 45;
/** A single chosen sentence longer than this is cut at a clause boundary. */
export const SENTENCE_MAX_WORDS = 60;
/** Hugging Face's ai_keywords carries a median of 10. */
export const KEYWORD_COUNT = 10;
/** Longest keyword phrase, in words. */
export const KEYWORD_MAX_WORDS = 4;
/** PageRank damping and iterations (converges well before this on 40 sentences). */
const DAMPING = 0.85;
const ITERATIONS = 30;

export interface Extract {
  /** One or two sentences of the abstract (plain text), or null when there is no abstract to take them from. */
  summary: string | null;
  /** Ranked keyword phrases (plain text, as written in the abstract), possibly empty. */
  keywords: string[];
}

const STOPWORDS = new Set(
  `a about above after again against all also am an and any are as at be because been before being below between both but by
  can could did do does doing down during each either few for from further had has have having he her here hers him his how i if
  in into is it its itself just me more most my neither no nor not of off on once only or other our ours out over own per same
  she should so some such than that the their theirs them then there these they this those through thus to too under until up
  upon us very via was we were what when where whether which while who whom why will with within without would yet you your
  while whereas although though since may might must shall can't cannot however moreover furthermore additionally specifically
  finally first second third one two three many much several various often well even still already rather instead
  beyond like unlike regarding among across along around despite throughout besides except onto toward towards whose`.split(/\s+/),
);

/**
 * Words that end a keyword phrase besides stopwords: reporting verbs, evaluative adjectives and filler that
 * Hugging Face's keywords (noun phrases naming methods, tasks and data) do not contain.
 */
const PHRASE_BREAKERS = new Set(
  `propose proposes proposed introduce introduces introduced present presents presented show shows showed shown demonstrate
  demonstrates demonstrated achieve achieves achieved achieving improve improves improved improving outperform outperforms
  outperformed outperforming enable enables enabled enabling leverage leverages leveraging use uses used using utilize utilizes
  utilizing based make makes made provide provides provided providing require requires required requiring remain remains allow
  allows allowed develop develops developed evaluate evaluates evaluated explore explores explored address addresses addressed
  study studies studied investigate investigates investigated find finds found consider considers considered obtain obtains
  obtained perform performs performed apply applies applied design designs designed train trains offer offers offering
  reveal reveals revealed suggest suggests suggested highlight highlights highlighting exhibit exhibits achieve lead leads led
  yield yields yielding reach reaches attain attains capture captures captured focus focuses aim aims aimed seek seeks
  effectively efficiently significantly substantially consistently notably particularly respectively
  paper work approach approaches method methods results result framework extensive experiments experiment existing novel new
  different diverse various key critical important significant strong simple effective efficient recent recently large small
  high low better best state-of-the-art sota prior previous current wide widely across up including include includes given
  available comprehensive challenging challenge challenges promising respectively furthermore towards toward code publicly
  tasks task model models data performance benchmarks benchmark problem problems ability abilities capability capabilities
  way ways number range set sets case cases level levels time times terms kind kinds type types`.split(/\s+/),
);

/** Verbs that open a word run in front of their object ("acquires rich medical knowledge"): dropped from a run's front. */
const VERB_STEMS = `acquire synthesize integrate generate enhance face pioneer reframe incorporate combine employ adopt exploit rely fail struggle
  suffer mitigate reduce increase boost facilitate support ensure preserve maintain predict produce surpass establish extend unify
  bridge guide encourage operate tailor align accelerate capture construct curate collect contain enable empower form incentivize
  benchmark compare quantify measure handle solve tackle overcome encode decode model learn process scale fine-tune distill
  refine transform convert map select identify detect retrieve optimize train release open-source advance consist`.split(/\s+/);
const VERB_FORMS = new Set(
  VERB_STEMS.flatMap((v) => {
    const base = v.endsWith('e') ? v.slice(0, -1) : v;
    return [v, `${v}s`, `${v}es`, `${base}ed`, `${base}es`, `${v}d`, v.endsWith('y') ? `${v.slice(0, -1)}ies` : v];
  }),
);

/** Words too general to stand as a keyword alone (they may sit inside a longer phrase). */
const GENERIC_ALONE = new Set(
  `system systems process analysis information learning training inference generation quality accuracy evaluation research
  field domain domains setting settings scenarios scenario application applications solution solutions strategy strategies
  approach technique techniques tool tools design structure structures features feature limitations limitation gap gaps
  improvement improvements gains gain cost costs effect effects impact insights insight study`.split(/\s+/),
);

/** Openers of sentences that state the contribution: they raise the sentence's score. */
const CUE_CONTRIBUTION = /\b(we (propose|introduce|present|develop|design|build|release|construct|curate|formulate|contribute|offer|show|demonstrate|find)|this (paper|work|study|article|report) (propose|introduce|present|describe|develop|stud|investigat|explor|address)|in this (paper|work|study),? we|our (method|approach|model|framework|system)|(is|are) proposed|(is|are) introduced)/i;
/** Openers of background sentences: they lower the sentence's score. */
const CUE_BACKGROUND = /^(however|recent(ly)?|although|despite|while|existing|current|traditional|conventional|prior|previous|many|most|in recent years|over the past|with the (rapid|recent|growing|increasing)|as |large language models (have|are)|despite)/i;
/** Sentences that only point elsewhere: code, data and project links. */
const CUE_LINK = /(https?:\/\/|github\.com|\bcode (is|and)|\b(is|are) (publicly )?available\b|project page)/i;

/** Discourse openers dropped from the front of a chosen sentence ("Specifically, we…" → "We…"). */
const LEADING_FILLER = /^(specifically|moreover|furthermore|additionally|in addition|in particular|to this end|to address (this|these)( issues?| challenges?| limitations?| gaps?| problems?)?|to tackle (this|these)( issues?| challenges?)?|in this (paper|work|study)|here|finally|overall|concretely|notably|importantly|consequently|as a result|therefore|thus|hence)\s*,\s*/i;

/** Abbreviations after which a period does not end a sentence. */
const ABBREVIATIONS = /\b(?:e\.g|i\.e|et al|etc|vs|cf|fig|figs|eq|eqs|sec|no|approx|resp|w\.r\.t|al|dr|mr|ms|prof|st|inc|ltd|jr|sr)\.$/i;
/** An author's initial (`J. Smith`): one capital letter after a space. */
const INITIAL = /(?:^|\s)\p{Lu}\.$/u;

/** The abstract as plain one-line text, TeX turned into characters, cut to MAX_INPUT_CHARS. */
export function plainAbstract(text: string): string {
  const cut = text.length > MAX_INPUT_CHARS ? text.slice(0, MAX_INPUT_CHARS) : text;
  return texToPlain(cut).replace(/\s+/g, ' ').trim();
}

/** Sentences of plain text: `.`, `!` or `?` followed by space and an upper-case letter, digit or opening bracket. */
export function splitSentences(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  const re = /[.!?]["')\]]?\s+(?=["'(\[]?[\p{Lu}\p{N}])/gu;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const end = m.index + m[0].trimEnd().length;
    const piece = text.slice(start, end);
    const tail = piece.slice(-12).replace(/["')\]]$/, '');
    if (ABBREVIATIONS.test(tail) || INITIAL.test(tail)) continue;
    if (piece.trim()) out.push(piece.trim());
    start = m.index + m[0].length;
    if (out.length >= MAX_SENTENCES) return out;
  }
  const rest = text.slice(start).trim();
  if (rest) out.push(rest);
  return out.slice(0, MAX_SENTENCES);
}

/** Lower-case word tokens (letters, digits, inner hyphens and dots: `pre-training`, `gpt-4`, `v2.5`). */
export function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+(?:[-'.][\p{L}\p{N}]+)*/gu) ?? [];
}

/** A light stem for matching: plural and common endings off (`models` → `model`, `studies` → `study`). */
export function stem(w: string): string {
  if (w.length <= 3) return w;
  if (w.endsWith('ies') && w.length > 4) return `${w.slice(0, -3)}y`;
  if (w.endsWith('sses')) return w.slice(0, -2);
  if (w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us') && !w.endsWith('is')) return w.slice(0, -1);
  return w;
}

const contentTerms = (text: string): string[] => words(text).filter((w) => !STOPWORDS.has(w) && !/^\d+$/.test(w)).map(stem);

/** TextRank centrality of each sentence: PageRank over the cosine similarity of TF-IDF vectors. */
function centrality(terms: string[][]): number[] {
  const n = terms.length;
  if (n === 1) return [1];
  const df = new Map<string, number>();
  for (const t of terms) for (const w of new Set(t)) df.set(w, (df.get(w) ?? 0) + 1);
  const vectors = terms.map((t) => {
    const tf = new Map<string, number>();
    for (const w of t) tf.set(w, (tf.get(w) ?? 0) + 1);
    const v = new Map<string, number>();
    let norm = 0;
    for (const [w, c] of tf) {
      const x = c * (1 + Math.log(n / df.get(w)!));
      v.set(w, x);
      norm += x * x;
    }
    norm = Math.sqrt(norm) || 1;
    for (const [w, x] of v) v.set(w, x / norm);
    return v;
  });
  const sim: number[][] = vectors.map(() => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const [a, b] = vectors[i]!.size < vectors[j]!.size ? [vectors[i]!, vectors[j]!] : [vectors[j]!, vectors[i]!];
      let s = 0;
      for (const [w, x] of a) s += x * (b.get(w) ?? 0);
      sim[i]![j] = s;
      sim[j]![i] = s;
    }
  }
  const out = sim.map((row) => row.reduce((a, b) => a + b, 0));
  let rank = new Array<number>(n).fill(1 / n);
  for (let it = 0; it < ITERATIONS; it++) {
    const next = new Array<number>(n).fill((1 - DAMPING) / n);
    for (let j = 0; j < n; j++) {
      if (out[j] === 0) {
        for (let i = 0; i < n; i++) next[i]! += (DAMPING * rank[j]!) / n;
        continue;
      }
      for (let i = 0; i < n; i++) if (sim[j]![i]! > 0) next[i]! += (DAMPING * rank[j]! * sim[j]![i]!) / out[j]!;
    }
    rank = next;
  }
  const max = Math.max(...rank);
  return rank.map((r) => r / max);
}

/** Each sentence's score; the weights were tuned with bench/summaries.ts on the real corpus. */
function sentenceScores(sentences: string[], title: string): number[] {
  const terms = sentences.map(contentTerms);
  const central = centrality(terms);
  const titleTerms = new Set(contentTerms(title));
  return sentences.map((s, i) => {
    const t = terms[i]!;
    const overlap = titleTerms.size === 0 || t.length === 0 ? 0 : t.filter((w) => titleTerms.has(w)).length / Math.sqrt(titleTerms.size * t.length);
    const position = 1 / (1 + i);
    let score = central[i]! + 1.2 * overlap + 0.6 * position;
    if (CUE_CONTRIBUTION.test(s)) score += 0.8;
    if (CUE_BACKGROUND.test(s)) score -= 0.5;
    if (CUE_LINK.test(s)) score -= 2;
    const n = words(s).length;
    if (n < 6) score -= 1;
    return score;
  });
}

/** A chosen sentence as shown: discourse opener dropped, first letter upper-case, cut to SENTENCE_MAX_WORDS. */
function tidy(sentence: string): string {
  let s = sentence.replace(LEADING_FILLER, '');
  s = s.charAt(0).toUpperCase() + s.slice(1);
  const parts = s.split(' ');
  if (parts.length <= SENTENCE_MAX_WORDS) return s;
  // Cut at the last clause boundary within the limit, else at the limit.
  const head = parts.slice(0, SENTENCE_MAX_WORDS).join(' ');
  const boundary = Math.max(head.lastIndexOf(', '), head.lastIndexOf('; '), head.lastIndexOf(': '));
  const kept = boundary > head.length / 2 ? head.slice(0, boundary) : head;
  return `${kept.replace(/[,;:\s]+$/, '')}…`;
}

/** One or two sentences of the abstract that best say what the paper does. */
export function extractSummary(title: string, abstract: string): string | null {
  const text = plainAbstract(abstract);
  if (!text) return null;
  const sentences = splitSentences(text);
  if (sentences.length === 0) return null;
  const scores = sentenceScores(sentences, plainAbstract(title));
  const order = sentences.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
  const chosen = [order[0]!];
  let count = words(sentences[order[0]!]!).length;
  for (const i of order.slice(1)) {
    if (count >= SUMMARY_MIN_WORDS) break;
    const n = words(sentences[i]!).length;
    if (count + n > SUMMARY_MAX_WORDS || scores[i]! < 0) continue;
    chosen.push(i);
    count += n;
  }
  return chosen.sort((a, b) => a - b).map((i) => tidy(sentences[i]!)).join(' ');
}

interface Candidate {
  /** As written in the abstract (first occurrence). */
  text: string;
  /** Stemmed lower-case words, the identity of the phrase. */
  key: string;
  stems: string[];
  count: number;
  first: number;
}

/** Word runs between stopwords, phrase breakers and punctuation, up to KEYWORD_MAX_WORDS words. */
function candidates(text: string): Map<string, Candidate> {
  const out = new Map<string, Candidate>();
  let position = 0;
  // Punctuation splits phrases; hyphens, dots and apostrophes inside words do not.
  for (const chunk of text.split(/[,;:!?()[\]{}"“”]|\.(?=\s|$)|\s[-–—]\s/)) {
    const tokens = chunk.match(/[\p{L}\p{N}]+(?:[-'.][\p{L}\p{N}]+)*/gu) ?? [];
    let run: string[] = [];
    const flush = () => {
      // A run longer than the limit keeps its last words (the head of an English noun phrase).
      // Participles and verbs at a run's ends are not part of the noun phrase ("tailored", "acquires …").
      while (run.length > 1 && !/^[\p{Lu}]/u.test(run[0]!) && (/ed$|ing$/.test(run[0]!) || VERB_FORMS.has(run[0]!.toLowerCase()))) run = run.slice(1);
      while (run.length > 1 && !/^[\p{Lu}]/u.test(run[run.length - 1]!) && (/ed$/.test(run[run.length - 1]!) || VERB_FORMS.has(run[run.length - 1]!.toLowerCase()) || /^consisting$|^containing$|^including$/.test(run[run.length - 1]!))) run = run.slice(0, -1);
      if (run.length === 1 && VERB_FORMS.has(run[0]!.toLowerCase()) && !/^[\p{Lu}]/u.test(run[0]!)) run = [];
      const kept = run.length > KEYWORD_MAX_WORDS ? run.slice(-KEYWORD_MAX_WORDS) : run;
      if (kept.length > 0) {
        const stems = kept.map((w) => stem(w.toLowerCase()));
        const key = stems.join(' ');
        const c = out.get(key);
        if (c) c.count++;
        else out.set(key, { text: kept.join(' '), key, stems, count: 1, first: position });
        position++;
      }
      run = [];
    };
    for (const tok of tokens) {
      const lower = tok.toLowerCase();
      if (STOPWORDS.has(lower) || PHRASE_BREAKERS.has(lower) || /^\d+(\.\d+)?%?$/.test(lower) || /ly$/.test(lower) && lower.length > 4 && !/^[\p{Lu}]/u.test(tok)) flush();
      else run.push(tok);
    }
    flush();
  }
  return out;
}

/** About KEYWORD_COUNT phrases naming what the paper is about, best first. */
export function extractKeywords(title: string, abstract: string, count = KEYWORD_COUNT): string[] {
  const text = plainAbstract(abstract);
  if (!text) return [];
  const cands = candidates(text);
  const titleStems = new Set(contentTerms(plainAbstract(title)));
  // Word frequency over all candidates: a phrase is worth the words it is made of.
  const wordFreq = new Map<string, number>();
  for (const c of cands.values()) for (const s of c.stems) wordFreq.set(s, (wordFreq.get(s) ?? 0) + c.count);
  const scored = [...cands.values()]
    .filter((c) => !(c.stems.length === 1 && (GENERIC_ALONE.has(c.stems[0]!) || c.stems[0]!.length < 3)))
    .filter((c) => /\p{L}/u.test(c.text))
    .map((c) => {
      const words = c.text.split(' ');
      let score = c.stems.reduce((a, s) => a + Math.log(1 + (wordFreq.get(s) ?? 0)), 0) / Math.sqrt(c.stems.length);
      score += Math.log(1 + c.count) * 0.8;
      if (c.stems.length >= 2) score += 0.6;
      if (c.stems.some((s) => titleStems.has(s))) score += 0.5;
      // Acronyms and names (`RPT`, `MedEvalKit`, `GPT-4o`) are often keywords of their own.
      if (words.some((w) => /\p{Lu}.*\p{Lu}/u.test(w) || /\p{Ll}\p{Lu}/u.test(w))) score += 0.7;
      score -= c.first * 0.005;
      return { c, score };
    })
    .sort((a, b) => b.score - a.score || a.c.first - b.c.first || (a.c.key < b.c.key ? -1 : 1));
  const picked: Candidate[] = [];
  for (const { c } of scored) {
    if (picked.length >= count) break;
    // Skip a phrase inside one already picked, or the same words in another order.
    if (picked.some((p) => ` ${p.key} `.includes(` ${c.key} `) || ` ${c.key} `.includes(` ${p.key} `))) continue;
    picked.push(c);
  }
  return picked.map((c) => c.text);
}

/** Both, from a paper's title and abstract. */
export function extract(title: string, abstract: string | null): Extract {
  if (!abstract) return { summary: null, keywords: [] };
  return { summary: extractSummary(title, abstract), keywords: extractKeywords(title, abstract) };
}
