/**
 * The in-process nearest-neighbour index over paper embeddings (usearch HNSW, cosine, int8), and the
 * SemanticIndex the HTTP layer uses. The vectors in the database are the source of truth: the index is
 * this instance's cache of them, a file in EMBEDDINGS_DIR named after the site (a key stored in the
 * database) and the model, loaded at start, checked against the database (site, model, keys), rebuilt from
 * the database when it is missing, damaged or of another model, and kept up to date incrementally: before
 * a query (when the data version moved) it follows the site's model and
 * adds the embeddings written since the last one it saw (`seq`, which is also each paper's key).
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, cpus } from 'node:os';
import path from 'node:path';
import type { Database } from '../db/connection.ts';
import { siteModel } from '../db/queries/embedding-models.ts';
import { countEmbeddings, embeddingOf, embeddingSeqTop, embeddingsOf, embeddingsSince } from '../db/queries/embeddings.ts';
import type { Embedder } from './embedders/types.ts';
import type { ScoredPaper, SemanticIndex, TextMatches } from './types.ts';

// usearch's ESM entry recurses forever (getBuildDir); its CommonJS entry works.
const usearch = createRequire(import.meta.url)('usearch') as typeof import('usearch');
type UIndex = InstanceType<typeof usearch.Index>;

export type Quantization = 'i8' | 'f32';

/** CPUs usearch may insert on; batches of at least PARALLEL_BATCH vectors use them all. */
const CPUS = Math.max(1, Math.min(availableParallelism(), cpus().length || 1));
const PARALLEL_BATCH = 1000;

/**
 * HNSW settings: 16 links per node; the search beam is widened to at least `k` by usearch itself. The beam
 * while adding is 48 (usearch's default is 128; 64 from decision 0043): at 1M vectors on 2 quiet cores the
 * build takes 162 s instead of 326 s, for recall@10 0.903 instead of 0.908 (bench:vector-index;
 * docs/decisions/0046-one-million-papers-measured.md). An index built with another beam stays valid.
 */
export const HNSW = { connectivity: 16, expansionAdd: 48, expansionSearch: 64 } as const;

/** What a saved index holds besides its vectors: the paper of each key, and the last seq it had seen. */
export interface SavedKeys {
  seqs: number[];
  paperIds: string[];
  /** Every embedding of the model with seq <= highSeq was in the database's view when the file was saved. */
  highSeq: number;
}

/** The key file beside an index: magic, header length, JSON header, then the seqs (f64 LE) and the paper ids ('\n'-joined). */
const KEYS_MAGIC = Buffer.from('DPVKEYS1');
/** Blocks of the index file hashed to check it (SAMPLE_BLOCKS of SAMPLE_BLOCK bytes, evenly spread, first and last included). */
const SAMPLE_BLOCK = 64 * 1024;
const SAMPLE_BLOCKS = 64;

/**
 * SHA-256 of the index file's size and of SAMPLE_BLOCKS blocks spread evenly over it (the whole file when it
 * is smaller than that): at most 4 MiB read, whatever the index's size (docs/decisions/0043).
 */
export function sampleHash(file: string): { bytes: number; sample: string } {
  const fd = openSync(file, 'r');
  try {
    const bytes = fstatSync(fd).size;
    const h = createHash('sha256').update(`${bytes}\n`);
    const buf = Buffer.alloc(SAMPLE_BLOCK);
    const hashAt = (pos: number, len: number) => {
      const n = readSync(fd, buf, 0, len, pos);
      h.update(buf.subarray(0, n));
    };
    if (bytes <= SAMPLE_BLOCK * SAMPLE_BLOCKS) {
      for (let pos = 0; pos < bytes; pos += SAMPLE_BLOCK) hashAt(pos, Math.min(SAMPLE_BLOCK, bytes - pos));
    } else {
      const last = bytes - SAMPLE_BLOCK;
      for (let i = 0; i < SAMPLE_BLOCKS; i++) hashAt(Math.floor((last * i) / (SAMPLE_BLOCKS - 1)), SAMPLE_BLOCK);
    }
    return { bytes, sample: h.digest('hex') };
  } finally {
    closeSync(fd);
  }
}

function writeKeyFile(file: string, header: Record<string, unknown>, keys: SavedKeys): void {
  const seqs = Buffer.alloc(keys.seqs.length * 8);
  keys.seqs.forEach((s, i) => seqs.writeDoubleLE(s, i * 8));
  const ids = Buffer.from(keys.paperIds.join('\n'), 'utf8');
  const body = createHash('sha256').update(seqs).update(ids).digest('hex');
  const head = Buffer.from(JSON.stringify({ ...header, count: keys.seqs.length, highSeq: keys.highSeq, seqBytes: seqs.length, body }), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(head.length);
  writeFileSync(file, Buffer.concat([KEYS_MAGIC, len, head, seqs, ids]));
}

interface KeyHeader {
  model?: string;
  dims: number;
  quantization: string;
  bytes: number;
  sample: string;
  count: number;
  highSeq: number;
  seqBytes: number;
  body: string;
}

function readKeyFile(file: string): { header: KeyHeader; keys: SavedKeys } {
  const b = readFileSync(file);
  if (b.length < 12 || !b.subarray(0, 8).equals(KEYS_MAGIC)) throw new Error('not a key file');
  const headLen = b.readUInt32LE(8);
  if (12 + headLen > b.length) throw new Error('truncated');
  const header = JSON.parse(b.subarray(12, 12 + headLen).toString('utf8')) as KeyHeader;
  const rest = b.subarray(12 + headLen);
  if (header.seqBytes !== header.count * 8 || rest.length < header.seqBytes) throw new Error('truncated');
  if (createHash('sha256').update(rest).digest('hex') !== header.body) throw new Error('its checksum does not match');
  const seqs = new Array<number>(header.count);
  for (let i = 0; i < header.count; i++) seqs[i] = rest.readDoubleLE(i * 8);
  const ids = rest.subarray(header.seqBytes).toString('utf8');
  const paperIds = header.count === 0 ? [] : ids.split('\n');
  if (paperIds.length !== header.count) throw new Error('its keys do not match');
  return { header, keys: { seqs, paperIds, highSeq: header.highSeq } };
}

/** A usearch index of one dimensionality, with the file it is saved to. */
export class AnnIndex {
  readonly inner: UIndex;
  /** Memory-mapped from its file (usearch `view`): read-only, nothing can be added or removed. */
  viewed = false;
  constructor(readonly dims: number, readonly quantization: Quantization = 'i8', readonly hnsw: { connectivity: number; expansionAdd: number; expansionSearch: number } = HNSW) {
    this.inner = new usearch.Index({
      dimensions: dims, metric: 'cos' as never, quantization: quantization as never, connectivity: hnsw.connectivity,
      expansion_add: hnsw.expansionAdd, expansion_search: hnsw.expansionSearch, multi: false,
    });
  }

  /**
   * Opens a saved index and its key file (FILE.keys, written with it), memory-mapped (`view`: nothing is
   * read but the pages searches touch) or, with `copy`, read into memory (`load`: can take more vectors).
   * Throws when either file is missing, damaged, of another model or of other dimensions. usearch crashes
   * the process on some damaged files, so the index file reaches it only when its size and the hash of its
   * sampled blocks (sampleHash) are those recorded in the key file, itself checked by a SHA-256 of its body.
   */
  static open(file: string, model: string, quantization: Quantization, copy = false): { ann: AnnIndex; keys: SavedKeys; hash: { bytes: number; sample: string } } {
    let header: KeyHeader;
    let keys: SavedKeys;
    if (!existsSync(file)) throw new Error('no index file');
    try {
      ({ header, keys } = readKeyFile(`${file}.keys`));
    } catch (e) {
      throw new Error(`its key file is missing or damaged (${(e as Error).message})`);
    }
    if (header.model !== model) throw new Error(`it was built for the model ${header.model ?? '(unknown)'}`);
    if (header.quantization !== quantization) throw new Error(`it is quantized as ${header.quantization}, not ${quantization}`);
    const { bytes, sample } = sampleHash(file);
    if (bytes !== header.bytes || sample !== header.sample) throw new Error('the file is damaged (its size or sampled checksum does not match its key file)');
    const idx = new AnnIndex(header.dims, quantization);
    if (copy) {
      idx.inner.load(file);
      idx.slots = CPUS;
    } else {
      idx.inner.view(file);
      idx.viewed = true;
    }
    if (idx.inner.dimensions() !== header.dims) throw new Error(`the index has ${idx.inner.dimensions()} dimensions, not ${header.dims}`);
    if (idx.size > keys.seqs.length) throw new Error(`it holds ${idx.size} vectors for ${keys.seqs.length} keys`);
    return { ann: idx, keys, hash: { bytes, sample } };
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
    if (this.viewed) throw new Error('a memory-mapped index is read-only');
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
    if (this.viewed) throw new Error('a memory-mapped index is read-only');
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

  /**
   * Saves atomically, with its key file: both written to temporary files, then renamed, the index first. A
   * crash between the two renames leaves a new index beside an old key file, which open() refuses (the
   * sizes or sampled checksums differ), so the index is rebuilt, never used with the wrong keys.
   */
  save(file: string, model: string, keys: SavedKeys): void {
    mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    this.inner.save(tmp);
    const { bytes, sample } = sampleHash(tmp);
    writeKeyFile(`${tmp}.keys`, { model, dims: this.dims, quantization: this.quantization, bytes, sample }, keys);
    renameSync(tmp, file);
    renameSync(`${tmp}.keys`, `${file}.keys`);
    // The checksum file of releases before the key file.
    rmSync(`${file}.json`, { force: true });
  }
}

/**
 * The index's keys (each the seq of a paper's embedding) and their papers, both ways. Paper → key is made at
 * its first use, not at a load: at 1M keys it takes 0.3–0.6 s, which a start need not wait for. Searches
 * only go key → paper; paper → key is for replacing a re-embedded paper's key (pull).
 */
export class KeyMap {
  /** Empty (an index built from the database), or a loaded one's keys, with no paper → key map yet (null). */
  constructor(private readonly papers = new Map<number, string>(), private keys: Map<string, number> | null = new Map()) {}

  static of(saved: SavedKeys): KeyMap {
    const papers = new Map<number, string>();
    saved.seqs.forEach((seq, i) => papers.set(seq, saved.paperIds[i]!));
    return new KeyMap(papers, null);
  }

  get size(): number {
    return this.papers.size;
  }

  paperOf(key: number): string | undefined {
    return this.papers.get(key);
  }

  /** Sets the paper's key; returns its previous key when it had another one (no longer the paper's). */
  assign(key: number, paperId: string): number | undefined {
    if (!this.keys) {
      this.keys = new Map();
      for (const [k, p] of this.papers) this.keys.set(p, k);
    }
    const old = this.keys.get(paperId);
    if (old !== undefined && old !== key) this.papers.delete(old);
    this.papers.set(key, paperId);
    this.keys.set(paperId, key);
    return old !== undefined && old !== key ? old : undefined;
  }

  saved(highSeq: number): SavedKeys {
    return { seqs: [...this.papers.keys()], paperIds: [...this.papers.values()], highSeq };
  }
}

export interface VectorIndexOptions {
  /** Folder of the index files (EMBEDDINGS_DIR). */
  dir: string;
  quantization?: Quantization;
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
 * Vectors added on top of a memory-mapped index (or removals from it) before it is written again with them:
 * at least this many, or COMPACT_SHARE of the index, whichever is more. Fewer are simply read again from
 * the database at the next start (they are the embeddings after the file's high seq).
 */
const COMPACT_MIN = 2_000;
const COMPACT_SHARE = 0.02;

/**
 * Semantic search over the vectors of the configured embedder's model. Vectors of other models (before
 * re-embedding catches up after a model change) are not in it: it serves the papers it has.
 *
 * The index is `base`, memory-mapped from its file (usearch `view`: opening it reads almost nothing), and
 * `delta`, an in-memory index of the vectors written since the file was saved; `gone` are the base's keys
 * replaced since (a re-embedded paper's old vector). When the delta outgrows COMPACT_MIN / COMPACT_SHARE,
 * and at close, the file is written again with everything (compact) and mapped anew. Before any file
 * exists (a rebuild, a first model), `base` is an ordinary in-memory index and takes new vectors itself.
 */
export class VectorIndex implements SemanticIndex {
  private base: AnnIndex | null = null;
  private delta: AnnIndex | null = null;
  /** The delta's vectors, to write them into the file at the next compaction. */
  private deltaVectors = new Map<number, Float32Array>();
  private gone = new Set<number>();
  private modelId = '';
  private siteKey = '';
  private keys = new KeyMap();
  private lastSeq = 0;
  private lastVersion = -1;
  private syncing: Promise<void> | null = null;
  private saveTimer: NodeJS.Timeout | null = null;
  private followTimer: NodeJS.Timeout | null = null;
  private dirty = false;
  /** The sampled checksum of the file `base` maps (to notice another process replacing it). */
  private mapped: { bytes: number; sample: string } | null = null;
  /** Counts loads, so that a check of an earlier one acts on nothing newer. */
  private generation = 0;
  /** Settles when the last load's check against the database (verify) is done, and its rebuild if any. */
  verified: Promise<void> = Promise.resolve();
  /** How the index came to be at the last load: `loaded`, `loaded, N added`, `rebuilt (why)`, or `empty`. */
  origin = '';

  private constructor(private readonly database: Database, readonly embedder: Embedder, private readonly opts: Required<VectorIndexOptions>) {}

  static async open(database: Database, embedder: Embedder, options: VectorIndexOptions): Promise<VectorIndex> {
    const opts: Required<VectorIndexOptions> = { quantization: 'i8', saveDelayMs: 30_000, log: () => {}, ...options };
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
    return (this.base?.size ?? 0) - this.gone.size + (this.delta?.size ?? 0);
  }

  /** The dimensions of the vectors in the index (0 when there is none). */
  private get dims(): number {
    return this.base?.dims ?? 0;
  }

  get file(): string {
    return indexFile(this.opts.dir, this.siteKey, this.modelId, this.opts.quantization);
  }

  private reset(): void {
    this.base = null;
    this.delta = null;
    this.deltaVectors = new Map();
    this.gone = new Set();
    this.mapped = null;
    this.keys = new KeyMap();
    this.lastSeq = 0;
  }

  /**
   * (Re)loads the index for the embedder's current model: from its file and key file when they match the
   * database, else from the database (or when `refuse` says why not). Before serving, the database's
   * embedding counter must be at or past the file's high seq (not a restored older database), and the
   * embeddings written since are taken in; after, verify() counts the model's embeddings (none deleted).
   */
  private async load(refuse?: string): Promise<void> {
    this.generation++;
    this.verified = Promise.resolve();
    this.modelId = this.embedder.id;
    this.siteKey = (await siteModel(this.database.db)).siteKey;
    this.reset();
    this.lastVersion = await this.database.readDataVersion();
    // This instance cannot embed queries with the site's model (the embedder logged why): nothing to serve.
    if (this.embedder.unavailable) {
      this.origin = 'off';
      return;
    }
    let why = 'no index file';
    try {
      if (refuse) throw new Error(refuse);
      const { ann, keys, hash } = AnnIndex.open(this.file, this.modelId, this.opts.quantization);
      if ((await embeddingSeqTop(this.database.db)) < keys.highSeq) throw new Error('it is ahead of the database (a database restored from an older copy?)');
      this.base = ann;
      this.mapped = hash;
      this.keys = KeyMap.of(keys);
      this.lastSeq = keys.highSeq;
      const added = await this.pull();
      this.origin = added > 0 ? `loaded, ${added} added` : 'loaded';
      if (added > 0) this.opts.log(`semantic index: ${this.file} was ${added} vectors behind the database; added them`);
      this.verified = this.verify(++this.generation);
      return;
    } catch (e) {
      why = (e as Error).message;
      this.reset();
    }
    const started = Date.now();
    const n = await this.pull();
    this.origin = this.base ? `rebuilt (${why})` : 'empty';
    if (n > 0) {
      this.saveNow();
      this.opts.log(`semantic index: rebuilt ${this.file} from ${n} vectors in the database in ${((Date.now() - started) / 1000).toFixed(1)} s (${why})`);
    }
  }

  /**
   * Checks a loaded index against the database, after the load (it is served meanwhile): the model's
   * embeddings up to the last seq taken in are as many as the index's keys, unless some were deleted (a
   * paper deleted, and its vector with it: no path of the site does, plain SQL can). A count is linear in
   * the table (at 1M: 0.1–0.3 s on SQLite, 0.4–5.7 s on PostgreSQL, depending on its visibility map), so it
   * is not on the way to serving. A difference rebuilds the index from the database.
   */
  private async verify(generation: number): Promise<void> {
    const upTo = this.lastSeq;
    const expected = this.keys.size;
    let inDb: number;
    try {
      inDb = await countEmbeddings(this.database.db, this.modelId, upTo);
    } catch (e) {
      this.opts.log(`semantic index: cannot check ${this.file} against the database: ${(e as Error).message}`);
      return;
    }
    if (inDb === expected) return;
    while (this.syncing) await this.syncing;
    if (generation !== this.generation) return;
    const why = `the database has ${inDb} vectors of the model where the index has ${expected}`;
    this.opts.log(`semantic index: ${this.file}: ${why}; rebuilding it`);
    this.syncing = (async () => {
      try {
        this.cancelSave();
        await this.load(why);
      } finally {
        this.syncing = null;
      }
    })();
    await this.syncing;
  }

  /** Which of these keys the index holds (base, less what is gone, and delta). */
  private holds(keys: number[]): boolean[] {
    const inBase = this.base ? this.base.contains(keys) : keys.map(() => false);
    const inDelta = this.delta ? this.delta.contains(keys) : keys.map(() => false);
    return keys.map((k, i) => (inBase[i]! && !this.gone.has(k)) || inDelta[i]!);
  }

  private dropKey(key: number): void {
    if (this.delta?.contains([key])[0]) {
      this.delta.remove(key);
      this.deltaVectors.delete(key);
    } else if (this.base?.contains([key])[0]) {
      if (this.base.viewed) this.gone.add(key);
      else this.base.remove(key);
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
      if (!this.base) this.base = new AnnIndex(rows[0]!.vector.length, this.opts.quantization);
      const dims = this.dims;
      if (this.base.viewed && !this.delta) this.delta = new AnnIndex(dims, this.opts.quantization);
      const target = this.base.viewed ? this.delta! : this.base;
      const present = this.holds(rows.map((r) => r.seq));
      const keys = new BigUint64Array(rows.length);
      const flat = new Float32Array(rows.length * dims);
      let count = 0;
      rows.forEach((r, i) => {
        this.lastSeq = r.seq;
        if (r.vector.length !== dims) return;
        const old = this.keys.assign(r.seq, r.paperId);
        if (old !== undefined) this.dropKey(old);
        // A paper with no known word has a zero vector: nothing is near it.
        if (present[i] || !sameVector(r.vector)) return;
        keys[count] = BigInt(r.seq);
        flat.set(r.vector, count * dims);
        if (target === this.delta) this.deltaVectors.set(r.seq, r.vector);
        count++;
      });
      target.addFlat(keys.subarray(0, count), flat.subarray(0, count * dims));
      added += count;
      if (rows.length < PULL_PAGE) break;
    }
    if (added > 0) this.dirty = true;
    return added;
  }

  /**
   * Brings the index up to date: the site's model (retrained or switched by another process: that moves
   * the data version), then the vectors written since the last look. Before every query, so cheap when
   * nothing changed: one read of the data version, which the change feed keeps in memory. Never throttled
   * by time: a search answered at a data version is cached under it (the response cache), so it must see
   * every vector written up to that version, or its stale answer would outlive the write.
   */
  async sync(force = false): Promise<void> {
    // One at a time, and a sync under way (a model change reloading the index) is waited for: a search must not
    // use a half-filled index. The version is then read again: the one under way may have read it too early.
    while (this.syncing) await this.syncing;
    this.syncing = (async () => {
      try {
        const version = await this.database.readDataVersion();
        if (version === this.lastVersion && !force) return;
        this.lastVersion = version;
        const changed = this.embedder.refresh ? await this.embedder.refresh() : false;
        if (changed || this.embedder.id !== this.modelId) {
          this.opts.log(`semantic index: the site's model changed to ${this.embedder.id}${this.embedder.unavailable ? ', which this instance cannot make: semantic search is off here' : ''}`);
          // The old model's file is of no more use.
          this.cancelSave();
          if (this.base) VectorIndex.removeFile(this.file);
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

  /** Nearest keys over base (less what is gone) and delta, best first. */
  private nearestKeys(v: Float32Array, k: number): { key: number; similarity: number }[] {
    const hits = (this.base?.search(v, k + this.gone.size) ?? []).filter((h) => !this.gone.has(h.key));
    if (this.delta && this.delta.size > 0) {
      hits.push(...this.delta.search(v, k));
      hits.sort((a, b) => b.similarity - a.similarity);
    }
    return hits.slice(0, k);
  }

  async searchText(text: string, k: number): Promise<ScoredPaper[]> {
    return (await this.searchTextWith(text, k, [])).nearest;
  }

  async searchTextWith(text: string, k: number, candidates: readonly string[]): Promise<TextMatches> {
    await this.sync();
    const none = { nearest: [], similarity: new Map<string, number>() };
    if (!this.base || this.size === 0 || !text.trim()) return none;
    const v = await this.embedder.embedQuery(text);
    if (!sameVector(v) || v.length !== this.dims) return none;
    const nearest = this.toPapers(this.nearestKeys(v, k), null, k);
    if (candidates.length === 0) return { nearest, similarity: new Map(nearest.map((h) => [h.paperId, h.score])) };
    // Exact cosines from the stored vectors (the index's are quantized), for the nearest and the candidates.
    const vectors = await embeddingsOf(this.database.db, this.modelId, [...new Set([...nearest.map((h) => h.paperId), ...candidates])]);
    const similarity = new Map<string, number>();
    for (const [paperId, u] of vectors) if (u.length === v.length) similarity.set(paperId, cosine(v, u));
    return { nearest, similarity };
  }

  async similarTo(paperId: string, k: number): Promise<ScoredPaper[]> {
    await this.sync();
    if (!this.base) return [];
    const stored = await embeddingOf(this.database.db, paperId);
    // Its vector in the index: the stored one, taken in by the sync above (not a newer one written since).
    if (!stored || this.keys.paperOf(stored.seq) !== paperId || stored.model !== this.modelId || !sameVector(stored.vector) || stored.vector.length !== this.dims) return [];
    return this.toPapers(this.nearestKeys(stored.vector, k + 1), paperId, k);
  }

  private toPapers(hits: { key: number; similarity: number }[], exclude: string | null, k: number): ScoredPaper[] {
    const out: ScoredPaper[] = [];
    for (const h of hits) {
      const paperId = this.keys.paperOf(h.key);
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
      this.flush(false);
    }, this.opts.saveDelayMs);
    this.saveTimer.unref();
  }

  private savedKeys(): SavedKeys {
    return this.keys.saved(this.lastSeq);
  }

  /**
   * Writes the index file and its key file with everything the index holds, then maps the file: an
   * in-memory base is saved as it is; a mapped one is read into memory (usearch `load`), the gone keys
   * removed and the delta added, and saved (compaction).
   */
  private saveNow(): void {
    if (!this.base) return;
    const file = this.file;
    try {
      let full = this.base;
      if (this.base.viewed) {
        // Another instance sharing the folder may have written the file since it was mapped: its file is
        // then left as it is (what this one holds beyond it is in the database, read at the next start).
        const now = existsSync(file) ? sampleHash(file) : null;
        if (!now || !this.mapped || now.bytes !== this.mapped.bytes || now.sample !== this.mapped.sample) {
          this.dirty = false;
          return;
        }
        full = new AnnIndex(this.base.dims, this.opts.quantization);
        full.inner.load(file);
        (full as unknown as { slots: number }).slots = CPUS;
        for (const key of this.gone) full.remove(key);
        const keys = BigUint64Array.from(this.deltaVectors.keys(), (k) => BigInt(k));
        const flat = new Float32Array(keys.length * full.dims);
        let i = 0;
        for (const v of this.deltaVectors.values()) flat.set(v, (i++) * full.dims);
        full.addFlat(keys, flat);
      }
      full.save(file, this.modelId, this.savedKeys());
      const mapped = new AnnIndex(full.dims, this.opts.quantization);
      mapped.inner.view(file);
      mapped.viewed = true;
      this.base = mapped;
      this.mapped = sampleHash(file);
      this.delta = null;
      this.deltaVectors = new Map();
      this.gone = new Set();
      this.dirty = false;
    } catch (e) {
      this.opts.log(`semantic index: cannot save ${file}: ${(e as Error).message}`);
    }
  }

  private cancelSave(): void {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = null;
    this.dirty = false;
  }

  /**
   * Saves the index if it changed since it was last saved. Unless `always`, vectors on top of a mapped file
   * are written into it only when there are enough of them to be worth rewriting the file
   * (COMPACT_MIN / COMPACT_SHARE): fewer are read from the database at the next start anyway.
   */
  flush(always = true): void {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = null;
    if (!this.dirty) return;
    if (!always && this.base?.viewed) {
      const changes = (this.delta?.size ?? 0) + this.gone.size;
      if (changes < Math.max(COMPACT_MIN, COMPACT_SHARE * this.base.size)) return;
    }
    this.saveNow();
  }

  /** Saves what changed; the index is not used afterwards. */
  async close(): Promise<void> {
    // A check of the load still running acts on nothing after this.
    this.generation++;
    if (this.followTimer) clearInterval(this.followTimer);
    this.followTimer = null;
    this.flush();
    await this.embedder.close?.();
  }

  /** Removes an index file and its key file (the model it was built for is no longer the site's). */
  static removeFile(file: string): void {
    rmSync(file, { force: true });
    rmSync(`${file}.keys`, { force: true });
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
