/**
 * How long reading and writing library files holds the event loop (docs/decisions/0033-portable-libraries.md).
 * Pure: synthetic entries shaped like Zotero's and ours, at the import caps (2,000 entries, 2 MB) and past them
 * (a 10 MB hostile field, 100k entries refused). Prints medians of RUNS runs.
 *
 *   npx tsx bench/library.ts [runs]
 */
import { toBibtex, toCslJson, toRis, type ExportItem } from '../src/domain/bib-export.ts';
import { LibraryFileError, MAX_IMPORT_ENTRIES, parseBibtex, parseCslJson, parseRis } from '../src/domain/bib-import.ts';

const RUNS = Number(process.argv[2] ?? 7);

function median(fn: () => unknown): number {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = process.hrtime.bigint();
    try {
      fn();
    } catch (e) {
      if (!(e instanceof LibraryFileError)) throw e;
    }
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

const items: ExportItem[] = Array.from({ length: MAX_IMPORT_ENTRIES }, (_, i) => ({
  id: `2401.${String(10000 + i)}`,
  title: `A study of $\\mathcal{O}(n^{${i % 7}})$ attention & friends, part ${i}`,
  authors: Array.from({ length: 8 }, (_, j) => `Author${j} van Middle${i} Family${j}`),
  abstract: 'We propose '.repeat(60) + `a method with $x_${i}$ and 100% recall.`,
  publishedAt: '2024-01-15T00:00:00Z',
  categories: ['cs.LG', 'cs.CL'],
  doi: i % 3 === 0 ? `10.1234/journal.${i}` : null,
  journalRef: null,
  note: i % 2 === 0 ? `Read section ${i % 9} again.\nCompare with {baseline} & co.` : null,
}));

const rows: [string, number, string][] = [];
for (const [name, write, read] of [
  ['BibTeX', (xs: ExportItem[]) => toBibtex(xs, 'bench'), parseBibtex],
  ['RIS', toRis, parseRis],
  ['CSL-JSON', toCslJson, parseCslJson],
] as const) {
  const text = write(items);
  rows.push([`${name}: write ${items.length} entries`, median(() => write(items)), `${(text.length / 1024 / 1024).toFixed(2)} MB`]);
  rows.push([`${name}: read ${items.length} entries`, median(() => read(text)), '']);
}
const hostile = `@misc{big, title = {${'a{b}c '.repeat(1_700_000)}}, eprint = {1706.03762}}`;
rows.push([`BibTeX: one ${(hostile.length / 1024 / 1024).toFixed(0)} MB field (past the 2 MB cap; the cap refuses it first)`, median(() => parseBibtex(hostile)), '']);
const unclosed = `@misc{k, title = ${'{'.repeat(2_000_000)}`;
rows.push(['BibTeX: 2M unclosed braces (refused)', median(() => parseBibtex(unclosed)), '']);
const many = Array.from({ length: 100_000 }, (_, i) => `@misc{k${i},eprint={1706.03762}}`).join('\n');
rows.push(['BibTeX: 100k entries (refused at 2,001)', median(() => parseBibtex(many)), '']);

console.log(`library files, median of ${RUNS} runs (Node ${process.version})`);
for (const [what, ms, extra] of rows) console.log(`${what.padEnd(72)} ${ms.toFixed(1).padStart(8)} ms ${extra}`);
