/**
 * Embedding throughput with the built-in (LSA) embedder, where the time goes, and the pipelined embedPending
 * (docs/decisions/0043-vector-index-at-scale.md) against the sequential loop it replaced (kept here), on one
 * engine: a fresh test database, N synthetic papers imported, a model trained on 5,000 of them; then RUNS
 * alternate passes over every paper (the site's model reset in between, so each pass re-embeds all of them):
 * the sequential loop (read a batch of 512, embed, write, with the time of each phase), embedPending with the
 * embedder on the main thread (EMBEDDING_THREADS=0, decision 0043), and embedPending with the embedder on
 * worker threads (THREADS, default the embedder's: the cores, at most 2; decision 0045). Each embedPending
 * pass also reports the main thread's event-loop delay (p99 and max), what the web server's requests would
 * wait. Then the embedder alone, no database: all N papers embedded in batches of 512 on the main thread
 * and on the pool, alternately. Ratios are of medians within this run; the load average is printed beside.
 *
 *   npx tsx bench/embed-pipeline.ts [N=20000] [sqlite|postgres] [RUNS=3] [THREADS]
 *
 * PostgreSQL: a database on TEST_DATABASE_URL's server (tests/helpers/db.ts), dropped at the end.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import path from 'node:path';
import { openTestDatabase } from '../tests/helpers/db.ts';
import { importFiles } from '../src/importers/import-files.ts';
import { syntheticLine } from './synthetic.ts';
import { builtinEmbedder, trainBuiltinModel } from '../src/search/embedders/builtin.ts';
import { embedLsa } from '../src/search/embedders/lsa.ts';
import { defaultEmbedThreads, LsaPool } from '../src/search/embedders/lsa-pool.ts';
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
const THREADS = Number(process.argv[5] ?? defaultEmbedThreads());
const e = builtinEmbedder(model, { threads: 0 });
const pooled = builtinEmbedder(model, { threads: THREADS });
/** CPU time of this process (every thread) since `from`, in ms. */
const cpuMs = (from: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(from);
  return (u.user + u.system) / 1000;
};
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
console.log(engine, N, `papers, ${THREADS} worker threads; load average ${load()}`);
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
  console.log(engine, 'sequential loop', `${(N / total * 1000).toFixed(0)}/s`, Object.entries(t).map(([k, v]) => `${k} ${v.toFixed(0)} ms`).join(', '));
  return N / total * 1000;
}
async function pipelined(embedder: typeof e, label: string) {
  await setSiteModel(db.db, 'x@1'); await setSiteModel(db.db, e.id);
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const cpu0 = process.cpuUsage();
  const r = await embedPending(db, embedder, { batchSize: 512 });
  const cores = cpuMs(cpu0) / r.ms;
  delay.disable();
  const rate = r.embedded / r.ms * 1000;
  console.log(engine, `embedPending, ${label}`, r.embedded, `${rate.toFixed(0)}/s`, `event-loop delay p99 ${(delay.percentile(99) / 1e6).toFixed(0)} ms, max ${(delay.max / 1e6).toFixed(0)} ms; this process's CPU ${cores.toFixed(2)} cores`);
  return { rate, p99: delay.percentile(99) / 1e6, max: delay.max / 1e6, cores };
}
type Pass = Awaited<ReturnType<typeof pipelined>>;
const A: number[] = [], B: Pass[] = [], C: Pass[] = [];
for (let i = 0; i < Number(process.argv[4] ?? 3); i++) {
  A.push(await sequential());
  B.push(await pipelined(e, 'main thread (before)'));
  C.push(await pipelined(pooled, `${THREADS} worker threads (after)`));
}
const med = (x: number[]) => [...x].sort((a, b) => a - b)[Math.floor(x.length / 2)]!;
const ms = (x: number) => `${x.toFixed(0)} ms`;
console.log(engine, N, 'median papers/s: sequential', med(A).toFixed(0), '| embedPending main thread', med(B.map((b) => b.rate)).toFixed(0),
  `(×${(med(B.map((b) => b.rate)) / med(A)).toFixed(2)} of sequential)`, `| ${THREADS} worker threads`, med(C.map((c) => c.rate)).toFixed(0),
  `(×${(med(C.map((c) => c.rate)) / med(B.map((b) => b.rate))).toFixed(2)} of main thread, ×${(med(C.map((c) => c.rate)) / med(A)).toFixed(2)} of sequential)`);
console.log(engine, N, 'median event-loop delay p99 / max: main thread', ms(med(B.map((b) => b.p99))), '/', ms(med(B.map((b) => b.max))),
  `| ${THREADS} worker threads`, ms(med(C.map((c) => c.p99))), '/', ms(med(C.map((c) => c.max))),
  `; CPU the process got: main thread ${med(B.map((b) => b.cores)).toFixed(2)} cores, ${THREADS} worker threads ${med(C.map((c) => c.cores)).toFixed(2)} cores`);

// The embedder alone: the papers in memory, batches of 512, the main thread and the pool alternately.
const papers = await papersToEmbed(db.db, 0, N);
const pool = new LsaPool(model, THREADS);
await pool.embed(papers.slice(0, 8)); // workers started
// Wall rates, and CPU time a paper (all threads): on a shared machine the wall rate says how many cores the
// process was given as much as how fast it is; µs of CPU a paper is the pool's overhead.
const M: number[] = [], P: number[] = [], MC: number[] = [], PC: number[] = [];
for (let i = 0; i < Number(process.argv[4] ?? 3); i++) {
  let t = performance.now();
  let c = process.cpuUsage();
  for (let k = 0; k < papers.length; k += 512) for (const p of papers.slice(k, k + 512)) embedLsa(model, p);
  M.push(papers.length / (performance.now() - t) * 1000);
  MC.push(cpuMs(c) * 1000 / papers.length);
  t = performance.now();
  c = process.cpuUsage();
  for (let k = 0; k < papers.length; k += 512) await pool.embed(papers.slice(k, k + 512));
  P.push(papers.length / (performance.now() - t) * 1000);
  PC.push(cpuMs(c) * 1000 / papers.length);
  console.log(engine, `embedder alone: main thread ${M.at(-1)!.toFixed(0)}/s (${MC.at(-1)!.toFixed(0)} µs CPU a paper), ${THREADS} worker threads ${P.at(-1)!.toFixed(0)}/s (${PC.at(-1)!.toFixed(0)} µs CPU a paper)`);
}
console.log(engine, N, 'median embedder alone: main thread', med(M).toFixed(0), `/s | ${THREADS} worker threads`, med(P).toFixed(0), `/s (×${(med(P) / med(M)).toFixed(2)});`,
  `µs CPU a paper ${med(MC).toFixed(0)} / ${med(PC).toFixed(0)}: ${THREADS} idle cores would give ≈ ${(THREADS * 1e6 / med(PC)).toFixed(0)}/s; load average ${load()}`);
await pool.close();
await pooled.close();
await db.close();
rmSync(dir, { recursive: true, force: true });
