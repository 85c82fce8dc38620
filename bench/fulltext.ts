/**
 * Full-text conversion (docs/decisions/0034-full-text.md): on each LaTeXML page and PDF of the given folders
 * (default: the recorded fixtures, tests/fixtures/fulltext), what the Markdown keeps of the source (sections,
 * equations kept as TeX, figures, tables, references: counts in the source page vs in the Markdown) and the
 * conversion speed (pages per second, the median of `--runs` timed runs of each file after a warm-up, plus
 * the KaTeX rendering of the reading view for HTML pages). There are no arXiv pages in the shared data: pass
 * a folder of saved arxiv.org/html pages (`*.html`) or PDFs to measure more.
 *
 *   npx tsx bench/fulltext.ts [DIR ...] [--runs 20]
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { countLatexml, latexmlToMarkdown, type ConversionCounts } from '../src/domain/fulltext-html.ts';
import { pdfToMarkdown } from '../src/fulltext/pdf.ts';
import { renderFullText } from '../src/http/views/reading.ts';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { runs: { type: 'string' } } });
const dirs = positionals.length > 0 ? positionals : [path.resolve(import.meta.dirname, '../tests/fixtures/fulltext')];
const runs = Math.max(1, Number(values.runs ?? 20));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const files = dirs.flatMap((d) => readdirSync(d).filter((f) => /\.(html?|pdf)$/i.test(f)).sort().map((f) => path.join(d, f)));
if (files.length === 0) {
  console.error(`no .html or .pdf files in ${dirs.join(', ')}`);
  process.exit(2);
}

const KEYS: (keyof ConversionCounts)[] = ['sections', 'equations', 'figures', 'tables', 'references'];
const totals = { source: { sections: 0, equations: 0, figures: 0, tables: 0, references: 0 }, kept: { sections: 0, equations: 0, figures: 0, tables: 0, references: 0 } };
const rows: string[][] = [];
const speeds: { kind: string; perSecond: number }[] = [];
const pdfPages: number[] = [];

for (const file of files) {
  const name = path.basename(file);
  if (/\.pdf$/i.test(file)) {
    const bytes = readFileSync(file);
    const first = await pdfToMarkdown(bytes);
    const times: number[] = [];
    for (let i = 0; i < Math.min(runs, 5); i++) {
      const t0 = performance.now();
      await pdfToMarkdown(bytes);
      times.push(performance.now() - t0);
    }
    const ms = median(times);
    speeds.push({ kind: 'pdf', perSecond: 1000 / ms });
    pdfPages.push((1000 * first.pages) / ms);
    rows.push([name, `pdf, ${first.pages} p.`, '–', String(first.counts.sections), '–', '–', '–', String(first.counts.references), `${ms.toFixed(1)} ms`, '–']);
    continue;
  }
  const html = readFileSync(file, 'utf8');
  const source = countLatexml(html);
  const converted = latexmlToMarkdown(html, 'https://arxiv.org/html/0000.00000v1/');
  const times: number[] = [];
  const renderTimes: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const c = latexmlToMarkdown(html, 'https://arxiv.org/html/0000.00000v1/');
    const t1 = performance.now();
    renderFullText({ version: 'v1', source: 'html', markdown: c.markdown, sections: c.sections });
    renderTimes.push(performance.now() - t1);
    times.push(t1 - t0);
  }
  const ms = median(times);
  speeds.push({ kind: 'html', perSecond: 1000 / ms });
  for (const k of KEYS) {
    totals.source[k] += source[k];
    totals.kept[k] += converted.counts[k];
  }
  const cell = (k: keyof ConversionCounts) => `${converted.counts[k]}/${source[k]}`;
  rows.push([name, `html, ${(html.length / 1024).toFixed(0)} KB`, cell('sections'), String(converted.sections.length), cell('equations'), cell('figures'), cell('tables'), cell('references'), `${ms.toFixed(2)} ms`, `${median(renderTimes).toFixed(2)} ms`]);
}

const header = ['file', 'source', 'sections kept', 'headings', 'equations as TeX', 'figures', 'tables', 'references', 'convert (median)', 'render (median)'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
const line = (r: string[]) => r.map((c, i) => (c ?? '').padEnd(widths[i]!)).join('  ');
console.log(`Full-text conversion, ${files.length} files, median of ${runs} runs (PDF: of ${Math.min(runs, 5)})\n`);
console.log(line(header));
for (const r of rows) console.log(line(r));
const share = (k: keyof ConversionCounts) => (totals.source[k] === 0 ? 'n/a (none in the sources)' : `${totals.kept[k]}/${totals.source[k]} = ${((100 * totals.kept[k]) / totals.source[k]).toFixed(0)} %`);
console.log('\nLaTeXML pages, kept in the Markdown (kept/source):');
for (const k of KEYS) console.log(`  ${k.padEnd(11)} ${share(k)}`);
for (const kind of ['html', 'pdf']) {
  const s = speeds.filter((x) => x.kind === kind).map((x) => x.perSecond);
  if (s.length > 0) console.log(`${kind === 'html' ? 'HTML → Markdown' : 'PDF → Markdown '}: median ${median(s).toFixed(1)} papers/s over ${s.length} files (range ${Math.min(...s).toFixed(1)}–${Math.max(...s).toFixed(1)})${kind === 'pdf' ? `; ${median(pdfPages).toFixed(0)} PDF pages/s` : ''}`);
}
