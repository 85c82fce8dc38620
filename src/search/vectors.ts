/**
 * The in-process nearest-neighbour index over paper embeddings (usearch HNSW, cosine, int8), and the
 * SemanticIndex the HTTP layer uses. The vectors in the database are the source of truth: the index is
 * this instance's cache of them, a file in EMBEDDINGS_DIR named after the site (a key stored in the
 * database) and the model, loaded at start, checked against the database (site, model, keys), rebuilt from
 * the database when it is missing, damaged or of another model, and kept up to date incrementally: before
 * a query (at most once a second, and only when the data version moved) it follows the site's model and
 * adds the embeddings written since the last one it saw (`seq`, which is also each paper's key).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, cpus } from 'node:os';
import path from 'node:path';
import type { Database } from '../db/connection.ts';
import { siteModel } from '../db/queries/embedding-models.ts';
import { embeddingKeys, embeddingOf, embeddingsOf, embeddingsSince } from '../db/queries/embeddings.ts';
import type { Embedder } from './embedders/types.ts';
import type { ScoredPaper, SemanticIndex, TextMatches } from './types.ts';

// usearch's ESM entry recurses forever (getBuildDir); its CommonJS entry works.
const usearch = createRequire(import.meta.url)('usearch') as typeof import('usearch');
type UIndex = InstanceType<typeof usearch.Index>;

export type Quantization = 'i8' | 'f32';

/** CPUs usearch may insert on; batches of at least PARALLEL_BATCH vectors use them all. */
const CPUS = Math.max(1, Math.min(availableParallelism(), cpus().length || 1));
const PARALLEL_BATCH = 1000;

/** HNSW settings: 16 links per node; the search beam is widened to at least `k` by usearch itself. */
export const HNSW = { connectivity: 16, expansionAdd: 128, expansionSearch: 64 } as const;

/** A usearch index of one dimensionality, with the file it is saved to. */
export class AnnIndex {
  readonly inner: UIndex;
  constructor(readonly dims: number, readonly quantization: Quantization = 'i8') {
    this.inner = new usearch.Index({
      dimensions: dims, metric: 'cos' as never, quantization: quantization as never, connectivity: HNSW.connectivity,
      expansion_add: HNSW.expansionAdd, expansion_search: HNSW.expansionSearch, multi: false,
    });
  }

  /**
   * Loads a saved index; throws when the file is missing, damaged, of another model or of other
   * dimensions. usearch crashes the process on some damaged files, so a file reaches it only when its
   * size and SHA-256 are those recorded beside it (FILE.json) when it was saved.
   */
  static load(file: string, model: string, dims: number, quantization: Quantization): AnnIndex {
    let meta: { model?: string; dims: number; quantization: string; bytes: number; sha256: string };
    try {
      meta = JSON.parse(readFileSync(`${file}.json`, 'utf8'));
    } catch {
      throw new Error(existsSync(file) ? 'its checksum file is missing or damaged' : 'no index file');
    }
    if (meta.model !== model) throw new Error(`it was built for the model ${meta.model ?? '(unknown)'}`);
    if (meta.dims !== dims || meta.quantization !== quantization) throw new Error(`it has ${meta.dims} dimensions (${meta.quantization}), not ${dims} (${quantization})`);
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch {
      throw new Error('no index file');
    }
    if (bytes.length !== meta.bytes || createHash('sha256').update(bytes).digest('hex') !== meta.sha256) throw new Error('the file is damaged (its checksum does not match)');
    const idx = new AnnIndex(dims, quantization);
    idx.inner.load(file);
    idx.slots = CPUS;
    if (idx.inner.dimensions() !== dims) throw new Error(`the index has ${idx.inner.dimensions()} dimensions, not ${dims}`);
    return idx;
  }

  get size(): number {
    return this.inner.size();
  }

  /** Thread slots usearch set aside at its last reservation of room (at load: one per CPU). */
  private slots = 0;

  /** Adds vectors (keys and one Float32Array per vector). */
  add(keys: number[], vectors: Float32Array[]): void {
    if (keys.length === 0) return;
    const flat = new Float32Array(keys.length * this.dims);
    vectors.forEach((v, i) => flat.set(v, i * this.dims));
    this.addFlat(BigUint64Array.from(keys, (k) => BigInt(k)), flat);
  }

  /**
   * Adds `keys.length` vectors given end to end in `flat`, in one call into usearch. A large batch (a
   * rebuild, a model change) is inserted on every CPU; a small one (new papers) on one thread, in key
   * order, so that the same vectors added the same way make the same graph.
   */
  addFlat(keys: BigUint64Array, flat: Float32Array): void {
    const n = keys.length;
    if (n === 0) return;
    if (flat.length !== n * this.dims) throw new Error(`${flat.length} numbers for ${n} vectors of ${this.dims} dimensions`);
    // usearch sets aside thread slots only when an add outgrows the capacity (room is reserved for that
    // add's threads) or at a load (one per CPU), and an add on more threads than there are slots fails.
    // So every add that reserves runs on all CPUs: a small batch then adds just one vector (one task: the
    // order is kept), and the vectors up to the next reservation on one thread.
    const sub = (from: number, to: number, threads: number) =>
      this.inner.add(keys.subarray(from, to), flat.subarray(from * this.dims, to * this.dims), threads);
    if (n >= PARALLEL_BATCH) {
      const reserves = this.inner.size() + n >= this.inner.capacity();
      sub(0, n, reserves ? CPUS : Math.max(1, Math.min(CPUS, this.slots)));
      if (reserves) this.slots = CPUS;
      return;
    }
    for (let done = 0; done < n; ) {
      const room = this.inner.capacity() - this.inner.size() - 1;
      if (room <= 0) {
        sub(done, done + 1, CPUS);
        this.slots = CPUS;
        done += 1;
      } else {
        const take = Math.min(n - done, room);
        sub(done, done + take, 1);
        done += take;
      }
    }
  }

  remove(key: number): void {
    this.inner.remove(BigInt(key));
  }

  contains(keys: number[]): boolean[] {
    if (keys.length === 0) return [];
    const r = this.inner.contains(BigUint64Array.from(keys, (k) => BigInt(k)));
    return Array.isArray(r) ? r : [r];
  }

  /** Nearest keys, best first, with cosine similarity (1 − distance). */
  search(vector: Float32Array, k: number): { key: number; similarity: number }[] {
    if (this.size === 0 || k <= 0) return [];
    const m = this.inner.search(vector, Math.min(k, this.size), 0);
    const out: { key: number; similarity: number }[] = [];
    for (let i = 0; i < m.keys.length; i++) {
      const d = m.distances[i]!;
      if (!Number.isFinite(d)) continue;
      out.push({ key: Number(m.keys[i]!), similarity: 1 - d });
    }
    return out;
  }

  /** Saves atomically (a temporary file, then a rename), with the model it holds vectors of. */
  save(file: string, model: string): void {
    mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    this.inner.save(tmp);
    const bytes = readFileSync(tmp);
    const meta = { model, dims: this.dims, quantization: this.quantization, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
    writeFileSync(`${tmp}.json`, JSON.stringify(meta));
    renameSync(tmp, file);
    renameSync(`${tmp}.json`, `${file}.json`);
  }
}

export interface VectorIndexOptions {
  /** Folder of the index files (EMBEDDINGS_DIR). */
  dir: string;
  quantization?: Quantization;
  /** Shortest time between two looks at the database for new vectors. */
  syncIntervalMs?: number;
  /** Longest time new vectors stay only in memory before the file is saved again. */
  saveDelayMs?: number;
  log?: (line: string) => void;
}

/**
 * The file the index of a site's model is saved to: named by the site's key (from the database) and the
 * model, never by a path or a DATABASE_URL, so that every spelling of the database finds it and two
 * sites sharing a folder never read each other's.
 */
export function indexFile(dir: string, siteKey: string, model: string, quantization: Quantization): string {
  const slug = model.replace(/[^A-Za-z0-9._-]+/g, '_');
  return path.join(dir, `site-${siteKey}.${slug}.${quantization}.usearch`);
}

const sameVector = (v: Float32Array) => v.some((x) => x !== 0);

/** Rows read from the database per query while (re)building: 10,000 × 384 dims is 15 MB. */
const PULL_PAGE = 10_000;

/**
 * Semantic search over the vectors of the configured embedder's model. Vectors of other models (before
 * re-embedding catches up after a model change) are not in it: it serves the papers it has.
 */
export class VectorIndex implements SemanticIndex {
  private ann: AnnIndex | null = null;
  private modelId = '';
  private siteKey = '';
  private keyToPaper = new Map<number, string>();
  private paperToKey = new Map<string, number>();
  private lastSeq = 0;
  private lastVersion = -1;
  private lastCheck = 0;
  private syncing: Promise<void> | null = null;
  private saveTimer: NodeJS.Timeout | null = null;
  private followTimer: NodeJS.Timeout | null = null;
  private dirty = false;
  /** How the index came to be at the last load: `loaded`, `rebuilt (why)`, or `empty`. */
  origin = '';

  private constructor(private readonly database: Database, readonly embedder: Embedder, private readonly opts: Required<VectorIndexOptions>) {}

  static async open(database: Database, embedder: Embedder, options: VectorIndexOptions): Promise<VectorIndex> {
    const opts: Required<VectorIndexOptions> = { quantization: 'i8', syncIntervalMs: 1000, saveDelayMs: 30_000, log: () => {}, ...options };
    const vi = new VectorIndex(database, embedder, opts);
    await vi.load();
    return vi;
  }

  get model(): string {
    return this.modelId;
  }

  /** false while this instance cannot embed queries with the site's model (none yet, or one it cannot make). */
  get available(): boolean {
    return !this.embedder.unavailable;
  }

  /**
   * Follows the database every `everyMs` (decision 0023): a model trained or switched by another process
   * (`dailypapers embeddings train` / `use`) and the vectors of new papers are taken in without a request
   * waiting for them, and without a restart even when semantic search was off at start.
   */
  follow(everyMs: number): void {
    if (this.followTimer) clearInterval(this.followTimer);
    this.followTimer = setInterval(() => {
      this.sync().catch((e: Error) => this.opts.log(`semantic index: following the database failed: ${e.message}`));
    }, everyMs);
    this.followTimer.unref();
  }

  /** Papers in the index. */
  get size(): number {
    return this.ann?.size ?? 0;
  }

  get file(): string {
    return indexFile(this.opts.dir, this.siteKey, this.modelId, this.opts.quantization);
  }

  /** (Re)loads the index for the embedder's current model: from its file when it matches the database, else from the database. */
  private async load(): Promise<void> {
    this.modelId = this.embedder.id;
    this.siteKey = (await siteModel(this.database.db)).siteKey;
    this.keyToPaper = new Map();
    this.paperToKey = new Map();
    this.lastSeq = 0;
    this.lastVersion = await this.database.readDataVersion();
    this.ann = null;
    // This instance cannot embed queries with the site's model (the embedder logged why): nothing to serve.
    if (this.embedder.unavailable) {
      this.origin = 'off';
      return;
    }
    const keys = await embeddingKeys(this.database.db, this.modelId);
    for (const k of keys) {
      this.keyToPaper.set(k.seq, k.paperId);
      this.paperToKey.set(k.paperId, k.seq);
    }
    const first = keys.length > 0 ? await embeddingsSince(this.database.db, this.modelId, 0, 1) : [];
    const dims = first[0]?.vector.length ?? this.embedder.dimensions;
    if (dims === 0) {
      this.origin = 'empty';
      return;
    }
    let why = 'no index file';
    try {
      const ann = AnnIndex.load(this.file, this.modelId, dims, this.opts.quantization);
      const present = ann.contains(keys.map((k) => k.seq));
      const missing = keys.filter((_, i) => !present[i]);
      if (ann.size !== keys.length - missing.length) throw new Error(`it holds ${ann.size} vectors where the database has ${keys.length - missing.length} of them`);
      this.ann = ann;
      // Vectors written after the file was saved: from the oldest one missing on.
      this.lastSeq = missing.length > 0 ? missing.reduce((m, k) => Math.min(m, k.seq), Infinity) - 1 : (keys.at(-1)?.seq ?? 0);
      await this.pull();
      this.origin = missing.length > 0 ? `loaded, ${missing.length} added` : 'loaded';
      if (missing.length > 0) this.opts.log(`semantic index: ${this.file} was ${missing.length} vectors behind the database; added them`);
      return;
    } catch (e) {
      why = (e as Error).message;
    }
    const started = Date.now();
    this.ann = new AnnIndex(dims, this.opts.quantization);
    this.lastSeq = 0;
    const n = await this.pull();
    this.origin = `rebuilt (${why})`;
    if (n > 0) {
      this.saveNow();
      this.opts.log(`semantic index: rebuilt ${this.file} from ${n} vectors in the database in ${((Date.now() - started) / 1000).toFixed(1)} s (${why})`);
    }
  }

  /**
   * Adds the embeddings of the current model written after lastSeq, PULL_PAGE rows per query and per
   * call into usearch; returns how many.
   */
  private async pull(): Promise<number> {
    // Off on this instance (it cannot embed queries with the site's model): the site's vectors are of no use here.
    if (this.embedder.unavailable) return 0;
    let added = 0;
    for (;;) {
      const rows = await embeddingsSince(this.database.db, this.modelId, this.lastSeq, PULL_PAGE);
      if (rows.length === 0) break;
      if (!this.ann) this.ann = new AnnIndex(rows[0]!.vector.length, this.opts.quantization);
      const ann = this.ann;
      const dims = ann.dims;
      const present = ann.contains(rows.map((r) => r.seq));
      const keys = new BigUint64Array(rows.length);
      const flat = new Float32Array(rows.length * dims);
      let count = 0;
      rows.forEach((r, i) => {
        this.lastSeq = r.seq;
        if (r.vector.length !== dims) return;
        const old = this.paperToKey.get(r.paperId);
        if (old !== undefined && old !== r.seq) {
          if (ann.contains([old])[0]) ann.remove(old);
          this.keyToPaper.delete(old);
        }
        this.keyToPaper.set(r.seq, r.paperId);
        this.paperToKey.set(r.paperId, r.seq);
        // A paper with no known word has a zero vector: nothing is near it.
        if (present[i] || !sameVector(r.vector)) return;
        keys[count] = BigInt(r.seq);
        flat.set(r.vector, count * dims);
        count++;
      });
      ann.addFlat(keys.subarray(0, count), flat.subarray(0, count * dims));
      added += count;
      if (rows.length < PULL_PAGE) break;
    }
    if (added > 0) this.dirty = true;
    return added;
  }

  /**
   * Brings the index up to date: the site's model (retrained or switched by another process: that moves
   * the data version), then the vectors written since the last look. Cheap when nothing changed; at most
   * once per syncIntervalMs unless forced.
   */
  async sync(force = false): Promise<void> {
    // A sync under way (a model change reloading the index) is waited for, even within the interval: a search
    // must not use a half-filled index. A forced one then looks again: the one under way may have read too early.
    while (this.syncing) {
      await this.syncing;
      if (!force) return;
    }
    if (!force && Date.now() - this.lastCheck < this.opts.syncIntervalMs) return;
    this.syncing = (async () => {
      try {
        this.lastCheck = Date.now();
        const version = await this.database.readDataVersion();
        if (version === this.lastVersion && !force) return;
        this.lastVersion = version;
        const changed = this.embedder.refresh ? await this.embedder.refresh() : false;
        if (changed || this.embedder.id !== this.modelId) {
          this.opts.log(`semantic index: the site's model changed to ${this.embedder.id}${this.embedder.unavailable ? ', which this instance cannot make: semantic search is off here' : ''}`);
          // The old model's file is of no more use.
          this.cancelSave();
          if (this.ann) VectorIndex.removeFile(this.file);
          await this.load();
          return;
        }
        if ((await this.pull()) > 0) this.scheduleSave();
      } finally {
        this.syncing = null;
      }
    })();
    return this.syncing;
  }

  async searchText(text: string, k: number): Promise<ScoredPaper[]> {
    return (await this.searchTextWith(text, k, [])).nearest;
  }

  async searchTextWith(text: string, k: number, candidates: readonly string[]): Promise<TextMatches> {
    await this.sync();
    const none = { nearest: [], similarity: new Map<string, number>() };
    if (!this.ann || this.ann.size === 0 || !text.trim()) return none;
    const v = await this.embedder.embedQuery(text);
    if (!sameVector(v) || v.length !== this.ann.dims) return none;
    const nearest = this.toPapers(this.ann.search(v, k), null, k);
    if (candidates.length === 0) return { nearest, similarity: new Map(nearest.map((h) => [h.paperId, h.score])) };
    // Exact cosines from the stored vectors (the index's are quantized), for the nearest and the candidates.
    const vectors = await embeddingsOf(this.database.db, this.modelId, [...new Set([...nearest.map((h) => h.paperId), ...candidates])]);
    const similarity = new Map<string, number>();
    for (const [paperId, u] of vectors) if (u.length === v.length) similarity.set(paperId, cosine(v, u));
    return { nearest, similarity };
  }

  async similarTo(paperId: string, k: number): Promise<ScoredPaper[]> {
    await this.sync();
    if (!this.ann || !this.paperToKey.has(paperId)) return [];
    const stored = await embeddingOf(this.database.db, paperId);
    if (!stored || stored.model !== this.modelId || !sameVector(stored.vector)) return [];
    return this.toPapers(this.ann.search(stored.vector, k + 1), paperId, k);
  }

  private toPapers(hits: { key: number; similarity: number }[], exclude: string | null, k: number): ScoredPaper[] {
    const out: ScoredPaper[] = [];
    for (const h of hits) {
      const paperId = this.keyToPaper.get(h.key);
      if (!paperId || paperId === exclude) continue;
      out.push({ paperId, score: h.similarity });
      if (out.length >= k) break;
    }
    return out;
  }

  private scheduleSave(): void {
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = null;
      this.flush();
    }, this.opts.saveDelayMs);
    this.saveTimer.unref();
  }

  private saveNow(): void {
    if (!this.ann) return;
    try {
      this.ann.save(this.file, this.modelId);
      this.dirty = false;
    } catch (e) {
      this.opts.log(`semantic index: cannot save ${this.file}: ${(e as Error).message}`);
    }
  }

  private cancelSave(): void {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = null;
    this.dirty = false;
  }

  /** Saves the index if it changed since it was last saved. */
  flush(): void {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = null;
    if (this.dirty) this.saveNow();
  }

  /** Saves what changed; the index is not used afterwards. */
  async close(): Promise<void> {
    if (this.followTimer) clearInterval(this.followTimer);
    this.followTimer = null;
    this.flush();
    await this.embedder.close?.();
  }

  /** Removes an index file and its checksum file (the model it was built for is no longer the site's). */
  static removeFile(file: string): void {
    rmSync(file, { force: true });
    rmSync(`${file}.json`, { force: true });
  }
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}
