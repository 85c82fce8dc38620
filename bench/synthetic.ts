/** Synthetic arXiv snapshot lines for the import benchmark and the crash test. */
import { createWriteStream } from 'node:fs';

// ---- synthetic data: lengths close to the real snapshot's medians (title ~75 chars, abstract ~1,000,
// ~5 authors, 1–3 versions, 1–3 categories), deterministic so runs compare.
const WORDS = ('model learning language neural training data network attention graph quantum field theory ' +
  'we propose method results show large efficient transformer diffusion reinforcement agent benchmark ' +
  'evaluation robust optimization bound theorem spectral dynamics inference scalable').split(' ');
const CATS = ['cs.CL', 'cs.LG', 'cs.AI', 'cs.CV', 'stat.ML', 'hep-th', 'math.PR', 'quant-ph', 'astro-ph.GA'];
let seed = 42;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const pick = <T>(a: T[]): T => a[Math.floor(rand() * a.length)]!;
const words = (n: number) => Array.from({ length: n }, () => pick(WORDS)).join(' ');

export function syntheticLine(i: number): string {
  const yymm = `${String(7 + Math.floor(i / 1_200_000)).padStart(2, '0')}${String(1 + (Math.floor(i / 100_000) % 12)).padStart(2, '0')}`;
  const id = `${yymm}.${String(i % 100_000).padStart(5, '0')}`;
  const nAuthors = 1 + Math.floor(rand() * 9);
  const authorsParsed = Array.from({ length: nAuthors }, () => [pick(WORDS) + 'son', pick(WORDS).toUpperCase()[0] + '.', '']);
  const nVersions = 1 + Math.floor(rand() * 3);
  return JSON.stringify({
    id, submitter: 'A. Person', authors: authorsParsed.map((a) => `${a[1]} ${a[0]}`).join(', '),
    title: words(10), comments: '12 pages, 3 figures', 'journal-ref': null, doi: null, 'report-no': null,
    categories: Array.from(new Set([pick(CATS), pick(CATS)])).join(' '), license: 'http://creativecommons.org/licenses/by/4.0/',
    abstract: '  ' + words(150).replace(/(.{80})/g, '$1\n') + '\n',
    versions: Array.from({ length: nVersions }, (_, v) => ({ version: `v${v + 1}`, created: 'Mon, 2 Apr 2007 19:18:42 GMT' })),
    update_date: '2008-11-13', authors_parsed: authorsParsed,
  });
}

/** Writes n synthetic snapshot lines to a file. */
export async function generate(file: string, n: number): Promise<void> {
  const out = createWriteStream(file);
  for (let i = 0; i < n; i++) {
    if (!out.write(syntheticLine(i) + '\n')) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(r));
}
