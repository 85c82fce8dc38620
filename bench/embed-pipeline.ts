/**
 * Embedding throughput with the built-in (LSA) embedder, where the time goes, and the pipelined embedPending
 * (docs/decisions/0043-vector-index-at-scale.md) against the sequential loop it replaced (kept here), on one
 * engine: a fresh test database, N synthetic papers imported, a model trained on 5,000 of them; then RUNS
 * alternate passes over every paper (the site's model reset in between, so each pass re-embeds all of them):
 * the sequential loop (read a batch of 512, embed, write, with the time of each phase) and embedPending.
 *
 *   npx tsx bench/embed-pipeline.ts [N=20000] [sqlite|postgres] [RUNS=3]
 *
 * PostgreSQL: a database on TEST_DATABASE_URL's server (tests/helpers/db.ts), dropped at the end.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openTestDatabase } from '../tests/helpers/db.ts';
import { importFiles } from '../src/importers/import-files.ts';
import { syntheticLine } from './synthetic.ts';
import { builtinEmbedder, trainBuiltinModel } from '../src/search/embedders/builtin.ts';
import { embedLsa } from '../src/search/embedders/lsa.ts';
import { setSiteModel } from '../src/db/queries/embedding-models.ts';
import { embeddingMark, papersToEmbed, storeEmbeddings } from '../src/db/queries/embeddings.ts';
const N = Number(process.argv[2] ?? 20000);
const engine = (process.argv[3] ?? 'postgres') as 'postgres' | 'sqlite';
const db = await openTestDatabase(engine);
const dir = mkdtempSync(path.join(tmpdir(), 'dp-embed-pipeline-'));
const file = path.join(dir, 's.jsonl');
writeFileSync(file, Array.from({ length: N }, (_, i) => syntheticLine(i)).join('\n') + '\n');
await importFiles(db, [file], { format: 'arxiv-snapshot' });
const { model } = await trainBuiltinModel(db, { maxTrainingDocs: 5000 });
const e = builtinEmbedder(model);
await setSiteModel(db.db, e.id);
const { embedPending } = await import('../src/search/embed-pending.ts');
async function sequential() {
  await setSiteModel(db.db, 'x@1'); await setSiteModel(db.db, e.id);
  let mark = (await embeddingMark(db.db)).mark;
  const t = { read: 0, embed: 0, store: 0 };
  const t0 = performance.now();
  for (;;) {
    let s = performance.now();
    const batch = await papersToEmbed(db.db, mark, 512);
    t.read += performance.now() - s;
    if (!batch.length) break;
    s = performance.now();
    const v = batch.map((p) => embedLsa(model, p));
    t.embed += performance.now() - s;
    s = performance.now();
    const to = batch.at(-1)!.textSeq;
    await storeEmbeddings(db.db, e.id, batch.map((p, i) => ({ paperId: p.id, vector: v[i]!, textSeq: p.textSeq })), new Date(), { from: mark, to });
    t.store += performance.now() - s;
    mark = to;
  }
  const total = performance.now() - t0;
  console.log(engine, 'sequential (before)', `${(N / total * 1000).toFixed(0)}/s`, Object.entries(t).map(([k, v]) => `${k} ${v.toFixed(0)} ms`).join(', '));
  return N / total * 1000;
}
async function pipelined() {
  await setSiteModel(db.db, 'x@1'); await setSiteModel(db.db, e.id);
  const r = await embedPending(db, e, { batchSize: 512 });
  console.log(engine, 'pipelined embedPending (after)', r.embedded, `${(r.embedded / r.ms * 1000).toFixed(0)}/s`);
  return r.embedded / r.ms * 1000;
}
const A: number[] = [], B: number[] = [];
for (let i = 0; i < Number(process.argv[4] ?? 3); i++) { A.push(await sequential()); B.push(await pipelined()); }
const med = (x: number[]) => [...x].sort((a, b) => a - b)[Math.floor(x.length / 2)]!;
console.log(engine, N, 'median before', med(A).toFixed(0), 'after', med(B).toFixed(0), `×${(med(B) / med(A)).toFixed(2)}`);
await db.close();
rmSync(dir, { recursive: true, force: true });
