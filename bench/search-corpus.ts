/**
 * Writes a synthetic corpus of papers in the arXiv snapshot line format (so the real importer reads
 * it), with text from the bigram model of bench/text-model.ts: titles of 6–16 words, abstracts of
 * 100–250 words, 1–12 authors from a pool of names, 1–3 categories, arXiv dates spread over 2020–2026.
 */
import { createWriteStream } from 'node:fs';
import { sampleText, seeded, type TextModel } from './text-model.ts';

const CATEGORIES = ['cs.CL', 'cs.LG', 'cs.AI', 'cs.CV', 'stat.ML', 'cs.RO', 'cs.IR', 'eess.AS', 'cs.SE', 'math.OC'];
const GIVEN = ['Wei', 'Anna', 'Jun', 'Maria', 'David', 'Li', 'Sara', 'Omar', 'Yuki', 'Pavel', 'Chen', 'Elena', 'Arjun', 'Fatima', 'Lucas'];
const FAMILY = ['Zhang', 'Smith', 'Wang', 'Garcia', 'Kim', 'Nguyen', 'Müller', 'Rossi', 'Tanaka', 'Ivanov', 'Liu', 'Patel', 'Cohen', 'Silva', 'Khan'];

const MONTHS = 82;
const capitalise = (s: string) => s.replace(/(^|\s)(\p{L})/gu, (_, sp: string, c: string) => sp + c.toUpperCase());

export function syntheticPaper(model: TextModel, i: number): string {
  const rand = seeded(1_000_003 * (i + 1));
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  // Ids must be unique: yymm.NNNNN gives 100,000 a month; paper i takes month i mod 82 (2020-01 to
  // 2026-10) and number i div 82, so up to 8.2M papers.
  const month = i % MONTHS;
  const yymm = `${String(20 + Math.floor(month / 12)).padStart(2, '0')}${String((month % 12) + 1).padStart(2, '0')}`;
  const id = `${yymm}.${String(Math.floor(i / MONTHS)).padStart(5, '0')}`;
  const authorsParsed = Array.from({ length: int(1, 12) }, (): [string, string, string] => [
    FAMILY[int(0, FAMILY.length - 1)]! + (rand() < 0.5 ? '' : String.fromCharCode(97 + int(0, 25)) + 'a'),
    GIVEN[int(0, GIVEN.length - 1)]!,
    '',
  ]);
  const cats = Array.from(new Set(Array.from({ length: int(1, 3) }, () => CATEGORIES[int(0, CATEGORIES.length - 1)]!)));
  const created = new Date(Date.UTC(2020 + Math.floor(month / 12), month % 12, int(1, 28), int(0, 23))).toUTCString();
  return JSON.stringify({
    id,
    submitter: `${authorsParsed[0]![1]} ${authorsParsed[0]![0]}`,
    authors: authorsParsed.map((a) => `${a[1]} ${a[0]}`).join(', '),
    title: capitalise(sampleText(model, rand, int(6, 16))),
    comments: null, 'journal-ref': null, doi: null, 'report-no': null,
    categories: cats.join(' '),
    license: 'http://creativecommons.org/licenses/by/4.0/',
    abstract: sampleText(model, rand, int(100, 250)) + '.',
    versions: [{ version: 'v1', created }],
    update_date: '2026-01-01',
    authors_parsed: authorsParsed,
  });
}

export async function writeCorpus(model: TextModel, file: string, n: number): Promise<void> {
  const out = createWriteStream(file);
  for (let i = 0; i < n; i++) {
    if (!out.write(syntheticPaper(model, i) + '\n')) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(r));
}
