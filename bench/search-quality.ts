/**
 * Search quality on the real corpus: known-item retrieval over the Hugging Face Daily Papers files.
 * For each paper with `ai_keywords`, the query is its first two keywords (and, as a second query set,
 * its `ai_summary` where present); the target is the paper itself. Prints Recall@10 and MRR (over the
 * top 10) for keyword, semantic and hybrid search, the same functions the site answers with. Then, for
 * similar papers, how often the top 5 share the paper's primary arXiv category (categories from
 * arxiv-listings/arxiv_id_categories_title.csv).
 *
 *   npm run bench:search-quality -- [DATA_DIR] [--database-url URL] [--limit N] [--dims N] [--work DIR] [--synthetic N]
 *        [--modes keyword,semantic,hybrid]
 *
 * --modes keyword skips the embedder (training, embedding, the vector index) and the similar-papers figure.
 * SQLITE_RANK_EXTENSION=off ranks with FTS5's bm25() instead of bm25_idf and without bands (the reference
 * for docs/decisions/0044-ranking-at-scale.md).
 *
 * --synthetic N mixes N synthetic papers (bench/search-corpus.ts, the text model of bench/text-model.ts)
 * into the corpus, imported after the real ones. A broad tier's band holds its newest matches by arXiv date
 * (docs/decisions/0052-search-by-date.md; before, the last imported, which made the real papers the oldest rows: the
 * worst case, docs/decisions/0039-search-at-scale.md), so the real papers (2023–2025) now sit among the synthetic
 * ones (2020–2026). Their ids are
 * `yymm.9NNNN` (no real arXiv month reached 90,000 papers), so they never merge with a real paper; up to
 * 820,000 of them. The similar-papers figure is over the real papers only.
 *
 * --work DIR keeps the database and the model in DIR and reuses them on the next run (for tuning).
 *
 * The keywords and summaries are not indexed (src/search/keyword.ts, the built-in embedder): queries
 * would otherwise find their own text.
 */
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseDatabaseUrl } from '../src/config.ts';
import { openDatabase } from '../src/db/connection.ts';
import { migrate } from '../src/db/migrate.ts';
import { importFiles, listInputFiles } from '../src/importers/import-files.ts';
import { setSiteModel } from '../src/db/queries/embedding-models.ts';
import { builtinEmbedder, trainBuiltinModel } from '../src/search/embedders/builtin.ts';
import { parseLsa } from '../src/search/embedders/lsa.ts';
import { embedPending } from '../src/search/embed-pending.ts';
import { search, type SearchMode } from '../src/search/hybrid.ts';
import { VectorIndex } from '../src/search/vectors.ts';
import { syntheticPaper } from './search-corpus.ts';
import { learnTextModel } from './text-model.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'database-url': { type: 'string' }, limit: { type: 'string' }, dims: { type: 'string' }, work: { type: 'string' }, synthetic: { type: 'string' }, modes: { type: 'string', default: 'keyword,semantic,hybrid' } },
});
const modes = values.modes!.split(',').map((m) => m.trim()) as SearchMode[];
const semanticToo = modes.some((m) => m !== 'keyword');
const dataDir = path.resolve(positionals[0] ?? '../shared/data');
const K = 10;

const tmp = values.work ? path.resolve(values.work) : mkdtempSync(path.join(tmpdir(), 'dailypapers-quality-'));
mkdirSync(tmp, { recursive: true });
const reuse = Boolean(values.work) && existsSync(path.join(tmp, 'quality.imported'));
const database = await openDatabase(parseDatabaseUrl(values['database-url'] ?? `sqlite:${path.join(tmp, 'quality.db')}`));
try {
  await migrate(database);
  const modelFile = path.join(tmp, 'quality.lsa-model.bin');
  if (!reuse) {
    const t = performance.now();
    const files = await listInputFiles([path.join(dataDir, 'hf-daily'), path.join(dataDir, 'arxiv-listings/hf_overlap_records.jsonl')]);
    const imported = await importFiles(database, files);
    console.log(`imported ${imported.read} records (${imported.new} new papers) in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const nSynthetic = Number(values.synthetic ?? 0);
    if (nSynthetic > 0) {
      if (nSynthetic > 820_000) throw new Error('--synthetic: at most 820,000 papers (their ids are yymm.9NNNN)');
      const t1 = performance.now();
      const model = learnTextModel(path.join(dataDir, 'hf-daily'));
      const file = path.join(tmp, `synthetic-${nSynthetic}.jsonl`);
      const out = createWriteStream(file);
      for (let i = 0; i < nSynthetic; i++) {
        const line = syntheticPaper(model, i).replace(/^\{"id":"(\d{4})\.(\d{5})"/, (_, yymm: string, n: string) => `{"id":"${yymm}.9${n.slice(1)}"`);
        if (!out.write(line + '\n')) await new Promise<void>((r) => out.once('drain', () => r()));
      }
      await new Promise<void>((r) => out.end(r));
      const mixed = await importFiles(database, [file], { format: 'arxiv-snapshot' });
      if (mixed.rejected > 0) throw new Error(mixed.rejections[0]!.reason);
      console.log(`mixed in ${mixed.new} synthetic papers in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
    }
    writeFileSync(path.join(tmp, 'quality.imported'), '');
  }
  if (semanticToo && !existsSync(modelFile)) {
    const trained = await trainBuiltinModel(database, values.dims ? { dims: Number(values.dims) } : {});
    writeFileSync(modelFile, trained.bytes);
    console.log(`built-in embedder ${trained.model.id}: trained on ${trained.papers} papers in ${(trained.ms / 1000).toFixed(1)} s`);
  }
  let index: VectorIndex | undefined;
  if (semanticToo) {
    const embedder = builtinEmbedder(parseLsa(readFileSync(modelFile)));
    await setSiteModel(database.db, embedder.id);
    const embedded = await embedPending(database, embedder);
    index = await VectorIndex.open(database, embedder, { dir: tmp });
    console.log(`embedded ${embedded.embedded} papers in ${(embedded.ms / 1000).toFixed(1)} s with ${embedder.id}; index ${index.size} vectors`);
  }

  const synthetic = /^\d{4}\.9\d{4}$/;
  const rows = (await database.db.selectFrom('papers').select(['id', 'ai_keywords', 'ai_summary', 'categories']).execute()).filter((r) => !synthetic.test(r.id));
  const limit = values.limit ? Number(values.limit) : Infinity;
  const keywordQueries: [string, string][] = [];
  const summaryQueries: [string, string][] = [];
  for (const r of rows) {
    const kws = r.ai_keywords ? (JSON.parse(r.ai_keywords) as string[]) : [];
    if (kws.length >= 2 && keywordQueries.length < limit) keywordQueries.push([r.id, `${kws[0]} ${kws[1]}`]);
    if (kws.length >= 1 && r.ai_summary && summaryQueries.length < limit) summaryQueries.push([r.id, r.ai_summary]);
  }

  for (const [name, queries] of [['two keywords', keywordQueries], ['ai_summary', summaryQueries]] as const) {
    console.log(`\nquery set: ${name} (${queries.length} queries; target = the paper itself)`);
    console.log(`${'mode'.padEnd(10)} Recall@${K}    MRR@${K}   median ms`);
    for (const mode of modes) {
      let found = 0;
      let rr = 0;
      const ms: number[] = [];
      for (const [target, q] of queries) {
        const t0 = performance.now();
        const r = await search({ database, semantic: index ?? null }, { q, mode, limit: K, offset: 0 });
        ms.push(performance.now() - t0);
        const rank = r.kind === 'results' ? r.hits.findIndex((h) => h.paperId === target) : -1;
        if (rank >= 0) {
          found++;
          rr += 1 / (rank + 1);
        }
      }
      ms.sort((a, b) => a - b);
      console.log(`${mode.padEnd(10)} ${(found / queries.length).toFixed(3).padStart(9)} ${(rr / queries.length).toFixed(3).padStart(9)} ${ms[ms.length >> 1]!.toFixed(1).padStart(11)}`);
    }
  }

  // Similar papers: the share of the top 5 in the paper's primary category.
  if (index) {
    const primary = new Map<string, string>();
    const csv = readFileSync(path.join(dataDir, 'arxiv-listings/arxiv_id_categories_title.csv'), 'utf8').split('\n').slice(1);
    for (const line of csv) {
      const m = /^([^,]+),"?([^ ",]+)/.exec(line);
      if (m) primary.set(m[1]!, m[2]!);
    }
    for (const r of rows) if (!primary.has(r.id) && r.categories) primary.set(r.id, r.categories.split(' ')[0]!);
    let papers = 0;
    let shared = 0;
    let neighbours = 0;
    let baseline = 0;
    const counts = new Map<string, number>();
    for (const id of rows.map((r) => r.id)) if (primary.has(id)) counts.set(primary.get(id)!, (counts.get(primary.get(id)!) ?? 0) + 1);
    const known = [...counts.values()].reduce((a, b) => a + b, 0);
    for (const r of rows) {
      const cat = primary.get(r.id);
      if (!cat) continue;
      const sim = (await index!.similarTo(r.id, 5)).filter((s) => primary.has(s.paperId));
      if (!sim.length) continue;
      papers++;
      neighbours += sim.length;
      shared += sim.filter((s) => primary.get(s.paperId) === cat).length;
      baseline += (counts.get(cat)! - 1) / (known - 1);
    }
    console.log(
      `\nsimilar papers: ${papers} papers with a known primary category; ${((100 * shared) / neighbours).toFixed(1)}% of their top-5 neighbours share it ` +
        `(chance: ${((100 * baseline) / papers).toFixed(1)}%)`,
    );
  }
} finally {
  await database.close();
  if (!values.work) rmSync(tmp, { recursive: true, force: true });
}
