/**
 * Extracted summaries and keywords (src/domain/extract.ts) against Hugging Face's own, on the real corpus.
 *
 *   npm run bench:summaries -- [DATA_DIR] [--limit N]
 *
 * Papers: every paper of DATA_DIR/hf-daily/*.json with both an abstract (`summary`) and an `ai_summary`
 * (latest capture of each paper). Prints:
 * - ROUGE-1, ROUGE-2 and ROUGE-L F1 (mean over papers; lower-case word tokens, no stemming, no stopword
 *   removal: the usual settings) of the extracted summary against `ai_summary`, beside the lead baseline
 *   (the first sentence of the abstract) and, for scale, the whole abstract, measured in the same run.
 * - Keywords against `ai_keywords` at the same count as Hugging Face's list for each paper: precision and
 *   recall of whole phrases (lower-case, plural `s` off) and of the words they contain, beside a baseline
 *   (the most frequent non-stopword words of the abstract).
 * - Speed: papers per second of extract() (summary and keywords), median of 5 passes.
 * ROUGE is implemented here (it is small): n-gram overlap counts with clipping, LCS for ROUGE-L.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { extract, extractKeywords, extractSummary, plainAbstract, splitSentences, words } from '../src/domain/extract.ts';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { limit: { type: 'string' } } });
const dataDir = path.resolve(positionals[0] ?? '../shared/data');
const hfDir = path.join(dataDir, 'hf-daily');

interface Sample { id: string; title: string; abstract: string; aiSummary: string; aiKeywords: string[] }
const byId = new Map<string, Sample>();
for (const file of readdirSync(hfDir).filter((f) => f.endsWith('.json')).sort()) {
  let entries: unknown;
  try {
    entries = JSON.parse(readFileSync(path.join(hfDir, file), 'utf8'));
  } catch {
    continue;
  }
  if (!Array.isArray(entries)) continue;
  for (const e of entries as { paper?: Record<string, unknown> }[]) {
    const p = e.paper;
    if (!p || typeof p.id !== 'string' || typeof p.summary !== 'string' || typeof p.ai_summary !== 'string' || !p.ai_summary.trim()) continue;
    const kw = Array.isArray(p.ai_keywords) ? p.ai_keywords.filter((k): k is string => typeof k === 'string') : [];
    byId.set(p.id, { id: p.id, title: String(p.title ?? ''), abstract: p.summary, aiSummary: p.ai_summary, aiKeywords: kw });
  }
}
let samples = [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
if (values.limit) samples = samples.slice(0, Number(values.limit));
console.log(`${samples.length} papers with an abstract and an ai_summary in ${hfDir}`);

// --- ROUGE ------------------------------------------------------------------------------------------------
const tokens = (s: string) => s.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
function ngrams(t: string[], n: number): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i + n <= t.length; i++) {
    const k = t.slice(i, i + n).join(' ');
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}
const f1 = (overlap: number, candTotal: number, refTotal: number) => {
  if (overlap === 0 || candTotal === 0 || refTotal === 0) return 0;
  const p = overlap / candTotal;
  const r = overlap / refTotal;
  return (2 * p * r) / (p + r);
};
function rougeN(cand: string[], ref: string[], n: number): number {
  const c = ngrams(cand, n);
  const r = ngrams(ref, n);
  let overlap = 0;
  for (const [k, v] of c) overlap += Math.min(v, r.get(k) ?? 0);
  return f1(overlap, Math.max(0, cand.length - n + 1), Math.max(0, ref.length - n + 1));
}
function rougeL(cand: string[], ref: string[]): number {
  const prev = new Array<number>(ref.length + 1).fill(0);
  for (let i = 1; i <= cand.length; i++) {
    let diag = 0;
    for (let j = 1; j <= ref.length; j++) {
      const up = prev[j]!;
      prev[j] = cand[i - 1] === ref[j - 1] ? diag + 1 : Math.max(prev[j]!, prev[j - 1]!);
      diag = up;
    }
  }
  return f1(prev[ref.length]!, cand.length, ref.length);
}

interface Scores { r1: number; r2: number; rl: number; words: number }
function score(system: (s: Sample) => string): Scores {
  const sum = { r1: 0, r2: 0, rl: 0, words: 0 };
  for (const s of samples) {
    const c = tokens(system(s));
    const r = tokens(s.aiSummary);
    sum.r1 += rougeN(c, r, 1);
    sum.r2 += rougeN(c, r, 2);
    sum.rl += rougeL(c, r);
    sum.words += c.length;
  }
  const n = samples.length || 1;
  return { r1: sum.r1 / n, r2: sum.r2 / n, rl: sum.rl / n, words: sum.words / n };
}

const lead = (s: Sample) => splitSentences(plainAbstract(s.abstract))[0] ?? '';
const systems: [string, (s: Sample) => string][] = [
  ['extracted (src/domain/extract.ts)', (s) => extractSummary(s.title, s.abstract) ?? ''],
  ['lead sentence (baseline)', lead],
  ['lead two sentences', (s) => splitSentences(plainAbstract(s.abstract)).slice(0, 2).join(' ')],
  ['whole abstract (for scale)', (s) => plainAbstract(s.abstract)],
];
const refWords = samples.reduce((a, s) => a + tokens(s.aiSummary).length, 0) / (samples.length || 1);
console.log(`\nROUGE F1 against ai_summary (mean; reference ${refWords.toFixed(1)} words on average)`);
console.log('system                                 ROUGE-1  ROUGE-2  ROUGE-L  words');
const table: Record<string, Scores> = {};
for (const [name, fn] of systems) {
  const r = (table[name] = score(fn));
  console.log(`${name.padEnd(38)} ${r.r1.toFixed(4)}   ${r.r2.toFixed(4)}   ${r.rl.toFixed(4)}   ${r.words.toFixed(1)}`);
}
const ex = table[systems[0]![0]]!;
const ld = table[systems[1]![0]]!;
console.log(`extracted / lead: ROUGE-1 ×${(ex.r1 / ld.r1).toFixed(3)}, ROUGE-2 ×${(ex.r2 / ld.r2).toFixed(3)}, ROUGE-L ×${(ex.rl / ld.rl).toFixed(3)}`);

// --- Keywords ---------------------------------------------------------------------------------------------
const norm = (k: string) => tokens(k).map((w) => (w.length > 3 && w.endsWith('s') && !w.endsWith('ss') ? w.slice(0, -1) : w)).join(' ');
const STOP = new Set('a an the of for and or in on to with by from is are we our this that these which as at be it its via using based into their than can has have been not new'.split(' '));
function frequentWords(s: Sample, k: number): string[] {
  const counts = new Map<string, number>();
  for (const w of words(plainAbstract(s.abstract))) if (!STOP.has(w) && !/^\d+$/.test(w)) counts.set(w, (counts.get(w) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, k).map(([w]) => w);
}
function keywordScores(system: (s: Sample, k: number) => string[]) {
  let pp = 0, pr = 0, wp = 0, wr = 0, n = 0;
  for (const s of samples) {
    if (s.aiKeywords.length === 0) continue;
    const k = s.aiKeywords.length;
    const got = system(s, k);
    const ref = new Set(s.aiKeywords.map(norm));
    const mine = new Set(got.map(norm));
    const hit = [...mine].filter((x) => ref.has(x)).length;
    pp += mine.size ? hit / mine.size : 0;
    pr += hit / ref.size;
    const refW = new Set([...ref].flatMap((x) => x.split(' ')).filter((w) => !STOP.has(w)));
    const myW = new Set([...mine].flatMap((x) => x.split(' ')).filter((w) => !STOP.has(w)));
    const wHit = [...myW].filter((x) => refW.has(x)).length;
    wp += myW.size ? wHit / myW.size : 0;
    wr += refW.size ? wHit / refW.size : 0;
    n++;
  }
  return { n, pp: pp / n, pr: pr / n, wp: wp / n, wr: wr / n };
}
console.log('\nKeywords against ai_keywords, at the same count as Hugging Face\'s list (mean over papers)');
console.log('system                                 phrase P  phrase R  word P  word R');
const kwSystems: [string, (s: Sample, k: number) => string[]][] = [
  ['extracted (src/domain/extract.ts)', (s, k) => extractKeywords(s.title, s.abstract, k)],
  ['most frequent words (baseline)', frequentWords],
];
const kwTable: Record<string, ReturnType<typeof keywordScores>> = {};
for (const [name, fn] of kwSystems) {
  const r = (kwTable[name] = keywordScores(fn));
  console.log(`${name.padEnd(38)} ${r.pp.toFixed(4)}    ${r.pr.toFixed(4)}    ${r.wp.toFixed(4)}  ${r.wr.toFixed(4)}   (${r.n} papers)`);
}

// --- Speed ------------------------------------------------------------------------------------------------
const times: number[] = [];
for (let pass = 0; pass < 5; pass++) {
  const t = performance.now();
  for (const s of samples) extract(s.title, s.abstract);
  times.push(performance.now() - t);
}
times.sort((a, b) => a - b);
const median = times[2]!;
console.log(`\nspeed: ${Math.round(samples.length / (median / 1000))} papers/s (summary + keywords; median of 5 passes over ${samples.length} papers, ${(median / samples.length).toFixed(3)} ms a paper)`);
