/**
 * The vector index at scale (issue 17, docs/decisions/0043-vector-index-at-scale.md): build time, file size,
 * load time and recall@10 against exact search, for N synthetic vectors, without embedding N papers.
 *
 * The vectors: N unit vectors of DIMS dimensions in N/200 topics, drawn on a 24-dimensional surface (see
 * clustered()), and QUERIES more drawn the same way (not in the index). Exact top-10 by usearch's
 * brute-force `exactSearch` (f32, cosine).
 *
 * Per HNSW setting (--configs connectivity:expansion_add,…; the first is the site's today): the index built as
 * the site builds it (AnnIndex.addFlat, PULL_PAGE vectors per call, on every CPU, int8), its recall@10
 * (expansion_search as the site's), saved with its key file, then loaded:
 *
 * - before: what the site did up to decision 0043 — read the whole file, SHA-256 of it, usearch `load` (a copy
 *   in memory). (The embedding keys it also read from the database are not counted here.)
 * - after: AnnIndex.open — the key file (keys and high seq, its SHA-256), the sampled hash of the index file,
 *   usearch `view` (memory-mapped) — and the key map VectorIndex builds from the keys, plus one search.
 *   (VectorIndex also reads one site_state row and one empty index range from the database.)
 *
 * Build time is given as wall time and as CPU time (every thread's): on a shared machine the second is the
 * steadier figure of the work done; with the machine to itself, wall ≈ CPU time / CPUs.
 *
 * "cold" is the first load in a fresh process (the file is in the page cache: the machine's caches cannot be
 * dropped without root), "warm" the median of 5 more in this process. Ratios are against the first setting,
 * measured in the same run.
 *
 *   npm run bench:vector-index -- [--vectors 100000] [--dims 384] [--queries 200] [--configs 16:128,16:64]
 *        [--dir DIR] [--keep]
 *   npm run bench:vector-index -- --loads-of DIR/bench-16-64.i8.usearch [--dims 384]   (loads only, 3 times)
 *
 * Files go to DIR (default: a new folder in the system's temporary folder), removed at the end unless --keep.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { AnnIndex, HNSW, KeyMap } from '../src/search/vectors.ts';

const usearch = createRequire(import.meta.url)('usearch') as typeof import('usearch');

const { values: args } = parseArgs({
  options: {
    vectors: { type: 'string', default: '100000' },
    dims: { type: 'string', default: '384' },
    queries: { type: 'string', default: '200' },
    configs: { type: 'string', default: `${HNSW.connectivity}:${HNSW.expansionAdd}` },
    dir: { type: 'string' },
    keep: { type: 'boolean', default: false },
    // Internal: a fresh process that loads FILE one way and prints the milliseconds.
    'open-only': { type: 'string' },
    'loads-of': { type: 'string' },
    how: { type: 'string' },
  },
});

const PULL_PAGE = 10_000;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function loadBefore(file: string, dims: number): number {
  const t = performance.now();
  const bytes = readFileSync(file);
  createHash('sha256').update(bytes).digest('hex');
  const idx = new AnnIndex(dims, 'i8');
  idx.inner.load(file);
  return performance.now() - t;
}

function loadAfter(file: string, query: Float32Array): number {
  const t = performance.now();
  const { ann, keys } = AnnIndex.open(file, 'bench', 'i8');
  // The key map VectorIndex keeps (key -> paper; paper -> key is made at its first use, not at a load).
  KeyMap.of(keys);
  ann.search(query, 10);
  return performance.now() - t;
}

/** Loads of a saved index, before and after: cold (a fresh process) and warm (median of 5 here). */
function loads(file: string, dims: number, query: Float32Array) {
  const child = (how: string) => Number(execFileSync(process.execPath, ['--import', 'tsx', import.meta.filename, '--open-only', file, '--how', how, '--dims', String(dims)]).toString().trim());
  const before = { cold: child('before'), warm: median(Array.from({ length: 5 }, () => loadBefore(file, dims))) };
  const after = { cold: child('after'), warm: median(Array.from({ length: 5 }, () => loadAfter(file, query))) };
  return { before, after };
}

if (args['loads-of']) {
  // Only the loads of an index saved by an earlier run (--dir): before and after, alternately, 3 times.
  const file = args['loads-of'];
  const dims = Number(args.dims);
  const q = new Float32Array(dims).fill(1 / Math.sqrt(dims));
  for (let i = 0; i < 3; i++) {
    const { before, after } = loads(file, dims, q);
    console.log(`${file} (${(statSync(file).size / 1e6).toFixed(1)} MB): load before cold ${(before.cold / 1000).toFixed(2)} s warm ${(before.warm / 1000).toFixed(2)} s, after cold ${(after.cold / 1000).toFixed(2)} s warm ${(after.warm / 1000).toFixed(2)} s (×${(before.warm / after.warm).toFixed(1)} warm)`);
  }
  process.exit(0);
}
if (args['open-only']) {
  const file = args['open-only'];
  const dims = Number(args.dims);
  const q = new Float32Array(dims).fill(1 / Math.sqrt(dims));
  console.log(String(args.how === 'before' ? loadBefore(file, dims) : loadAfter(file, q)));
  process.exit(0);
}

const n = Number(args.vectors);
const dims = Number(args.dims);
const nq = Number(args.queries);
const configs = args.configs!.split(',').map((c) => {
  const [connectivity, expansionAdd] = c.split(':').map(Number);
  return { connectivity: connectivity!, expansionAdd: expansionAdd!, expansionSearch: HNSW.expansionSearch };
});
const dir = args.dir ? path.resolve(args.dir) : mkdtempSync(path.join(tmpdir(), 'dp-vector-index-'));
mkdirSync(dir, { recursive: true });

const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

// xorshift32 and Box–Muller: fast, seeded, the same vectors every run.
let state = 20261206;
const uniform = () => {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return ((state >>> 0) + 0.5) / 4294967296;
};
const gauss = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());

/**
 * Embeddings of text lie near a low-dimensional surface, in topics: a point of a LATENT-dimensional space
 * (a topic centre plus Gaussian spread) mapped into DIMS dimensions by a fixed random matrix, plus a little
 * noise in every dimension, normalised. (Plain Gaussian noise around centres in 384 dimensions would make
 * every neighbour in a topic equally far: recall would measure ties, not the graph.)
 */
const LATENT = 24;
function clustered(count: number, centres: Float32Array, nc: number, projection: Float32Array): Float32Array {
  const out = new Float32Array(count * dims);
  const z = new Float32Array(LATENT);
  for (let i = 0; i < count; i++) {
    const c = Math.floor(uniform() * nc);
    for (let l = 0; l < LATENT; l++) z[l] = centres[c * LATENT + l]! + 0.7 * gauss();
    let norm = 0;
    for (let d = 0; d < dims; d++) {
      let x = 0.15 * gauss();
      for (let l = 0; l < LATENT; l++) x += projection[d * LATENT + l]! * z[l]!;
      out[i * dims + d] = x;
      norm += x * x;
    }
    const s = 1 / Math.sqrt(norm);
    for (let d = 0; d < dims; d++) out[i * dims + d]! *= s;
  }
  return out;
}

let t = performance.now();
const nc = Math.max(10, Math.round(n / 200));
const centres = Float32Array.from({ length: nc * LATENT }, gauss);
const projection = Float32Array.from({ length: dims * LATENT }, () => gauss() / Math.sqrt(LATENT));
const data = clustered(n, centres, nc, projection);
const queries = clustered(nq, centres, nc, projection);
console.log(`${n} vectors of ${dims} dimensions in ${nc} clusters, ${nq} queries: made in ${sec(performance.now() - t)}`);
t = performance.now();
const exact = usearch.exactSearch(data, queries, dims, 10, 'cos' as never, 0) as InstanceType<typeof usearch.BatchMatches>;
console.log(`exact top-10 of the queries (brute force): ${sec(performance.now() - t)}`);
const truth = Array.from({ length: nq }, (_, i) => new Set(Array.from(exact.get(i).keys, Number)));

const keys = { seqs: Array.from({ length: n }, (_, i) => i + 1), paperIds: Array.from({ length: n }, (_, i) => `2501.${String(i).padStart(7, '0')}`), highSeq: n };

interface Result { config: string; buildMs: number; buildCpuMs: number; recall: number; bytes: number; saveMs: number; before: { cold: number; warm: number }; after: { cold: number; warm: number } }
const results: Result[] = [];
for (const cfg of configs) {
  const name = `${cfg.connectivity}:${cfg.expansionAdd}`;
  const ann = new AnnIndex(dims, 'i8', cfg);
  t = performance.now();
  const cpu0 = process.cpuUsage();
  for (let from = 0; from < n; from += PULL_PAGE) {
    const to = Math.min(n, from + PULL_PAGE);
    ann.addFlat(BigUint64Array.from({ length: to - from }, (_, i) => BigInt(from + i + 1)), data.subarray(from * dims, to * dims));
  }
  const buildMs = performance.now() - t;
  const cpu = process.cpuUsage(cpu0);
  const buildCpuMs = (cpu.user + cpu.system) / 1000;
  let hit = 0;
  for (let i = 0; i < nq; i++) {
    const got = ann.search(queries.subarray(i * dims, (i + 1) * dims), 10);
    // Keys are 1-based; exactSearch's are positions.
    for (const h of got) if (truth[i]!.has(h.key - 1)) hit++;
  }
  const recall = hit / (nq * 10);
  const file = path.join(dir, `bench-${name.replace(':', '-')}.i8.usearch`);
  t = performance.now();
  ann.save(file, 'bench', keys);
  const saveMs = performance.now() - t;
  const bytes = statSync(file).size;
  const { before, after } = loads(file, dims, queries.subarray(0, dims));
  results.push({ config: name, buildMs, buildCpuMs, recall, bytes, saveMs, before, after });
  console.log(`M=${cfg.connectivity} ef_add=${cfg.expansionAdd}: built in ${sec(buildMs)} (${(n / (buildMs / 1000)).toFixed(0)} vectors/s; CPU time ${sec(buildCpuMs)}), recall@10 ${recall.toFixed(4)}, file ${(bytes / 1e6).toFixed(1)} MB (saved in ${sec(saveMs)}); load before (read + SHA-256 + load) cold ${sec(before.cold)} warm ${sec(before.warm)}, after (key file + sampled hash + view + 1 search) cold ${sec(after.cold)} warm ${sec(after.warm)} (×${(before.warm / after.warm).toFixed(1)} warm)`);
}
if (results.length > 1) {
  const b = results[0]!;
  for (const r of results.slice(1)) console.log(`${r.config} vs ${b.config}: build ×${(r.buildMs / b.buildMs).toFixed(2)} (CPU time ×${(r.buildCpuMs / b.buildCpuMs).toFixed(2)}), recall@10 ${r.recall.toFixed(4)} vs ${b.recall.toFixed(4)} (${((r.recall - b.recall) * 100).toFixed(2)} points), file ×${(r.bytes / b.bytes).toFixed(2)}`);
}
if (!args.keep && !args.dir) rmSync(dir, { recursive: true, force: true });
