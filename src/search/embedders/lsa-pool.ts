/**
 * The built-in embedder's worker threads (docs/decisions/0045-embedding-on-worker-threads.md): a batch of
 * papers is cut into one contiguous slice per worker, each worker runs embedLsa on its slice (lsa-worker.ts,
 * the same function as the main thread: the vectors are bit-identical), and the slices are joined in order.
 * The embedding then uses every core the pool has, and the main thread's event loop (the web server's, the
 * pipelined write of the previous batch) is free meanwhile.
 *
 * The model is sent once per worker, when the worker starts: the projection matrix (tens of MB) on a
 * SharedArrayBuffer, which every worker reads in place, and the vocabulary, which each worker copies once.
 * Workers start at the first batch, and never hold the process open while idle (`unref`); `close` ends them.
 * A worker that errors or dies fails the batch it was working on with an EmbedderError; the next batch
 * starts a new one.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { LsaDocument, LsaModel } from './lsa.ts';
import type { LsaWorkerData, LsaWorkerReply, LsaWorkerRequest } from './lsa-worker.ts';
import { EmbedderError } from './types.ts';

/** Worker threads by default: the machine's cores, at most 2 (the development machine has 2: decision 0045). */
export const defaultEmbedThreads = (): number => Math.min(2, availableParallelism());

interface Pending {
  resolve: (vectors: Float32Array[]) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
  /** Set when the pool ends the worker itself (close): its exit is no failure to report. */
  closing: boolean;
}

/**
 * How a worker is started. Compiled (dist/…/lsa-pool.js), the worker is lsa-worker.js beside this file.
 * From source (tsx: tests, `npm run` scripts), lsa-worker.ts: a worker does not inherit tsx's loader on
 * Node 20 (`--import tsx` in its execArgv still fails on `.ts`, privatenumber/tsx#354), so a small
 * module evaluated in the worker registers tsx there first (tsx/esm/api) and then imports the worker file.
 */
function workerEntry(): { filename: string | URL; eval: boolean } {
  const source = import.meta.url.endsWith('.ts');
  const file = new URL(source ? './lsa-worker.ts' : './lsa-worker.js', import.meta.url);
  if (!source) return { filename: file, eval: false };
  let api: string;
  try {
    api = import.meta.resolve('tsx/esm/api');
  } catch {
    throw new EmbedderError('the built-in embedder runs from TypeScript source but tsx is not installed: run the compiled build (`npm run build`) or set EMBEDDING_THREADS=0');
  }
  const code = `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(file.href)}); });`;
  return { filename: code, eval: true };
}

export class LsaPool {
  private readonly slots: (Slot | null)[];
  private readonly data: LsaWorkerData;
  private next = 1;

  constructor(model: LsaModel, readonly threads: number = defaultEmbedThreads()) {
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`an embedding pool needs at least 1 worker thread, not ${threads}`);
    this.slots = Array.from({ length: threads }, () => null);
    // The matrix is shared, not copied: on a SharedArrayBuffer already (parseLsa, trainLsa), or moved to one now.
    if (!(model.projection.buffer instanceof SharedArrayBuffer)) {
      const shared = new Float32Array(new SharedArrayBuffer(model.projection.byteLength));
      shared.set(model.projection);
      model.projection = shared;
    }
    this.data = { id: model.id, dims: model.dims, options: model.options, vocabulary: model.vocabulary, projection: model.projection };
  }

  /** The vectors of these documents, in order: embedLsa's, computed on the worker threads. */
  async embed(docs: readonly LsaDocument[]): Promise<Float32Array[]> {
    if (docs.length === 0) return [];
    const parts = Math.min(this.threads, docs.length);
    const size = Math.ceil(docs.length / parts);
    const slices: Promise<Float32Array[]>[] = [];
    for (let i = 0, from = 0; from < docs.length; i++, from += size) {
      // Only what embedLsa reads goes to the worker (rows from the database carry more).
      const slice = docs.slice(from, from + size).map((d) => ({ title: d.title, abstract: d.abstract }));
      slices.push(this.send(i, slice));
    }
    // All slices are awaited, so that a failed one leaves no rejection unhandled behind it.
    const settled = await Promise.allSettled(slices);
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    return settled.flatMap((s) => (s as PromiseFulfilledResult<Float32Array[]>).value);
  }

  /** Ends the workers (a batch under way fails); a later `embed` starts new ones. */
  async close(): Promise<void> {
    const ending: Promise<number>[] = [];
    for (let i = 0; i < this.slots.length; i++) {
      const slot = this.slots[i];
      if (!slot) continue;
      this.slots[i] = null;
      slot.closing = true;
      this.fail(slot, new EmbedderError('the built-in embedder was closed while it was embedding'));
      ending.push(slot.worker.terminate());
    }
    await Promise.all(ending);
  }

  /** The running workers (for tests: a test ends one to see a batch fail and the next one succeed). */
  get workers(): Worker[] {
    return this.slots.filter((s): s is Slot => s !== null).map((s) => s.worker);
  }

  private send(index: number, docs: LsaDocument[]): Promise<Float32Array[]> {
    const slot = (this.slots[index] ??= this.start(index));
    const id = this.next++;
    return new Promise<Float32Array[]>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      // Held open while it works: a batch being embedded is not abandoned by an exiting process.
      slot.worker.ref();
      try {
        slot.worker.postMessage({ id, docs } satisfies LsaWorkerRequest);
      } catch (e) {
        slot.pending.delete(id);
        this.idle(slot);
        reject(new EmbedderError(`the built-in embedder could not send papers to its worker thread: ${(e as Error).message}`));
      }
    });
  }

  private start(index: number): Slot {
    const entry = workerEntry();
    const worker = new Worker(entry.filename, { eval: entry.eval, workerData: this.data, execArgv: [], stdout: false, stderr: false });
    const slot: Slot = { worker, pending: new Map(), closing: false };
    worker.unref();
    worker.on('message', (m: LsaWorkerReply) => {
      const p = slot.pending.get(m.id);
      if (!p) return;
      slot.pending.delete(m.id);
      this.idle(slot);
      if ('error' in m) p.reject(new EmbedderError(`the built-in embedder failed on a batch: ${m.error}`));
      else p.resolve(m.vectors);
    });
    const gone = (why: string) => {
      // The next batch starts a new worker in this place.
      if (this.slots[index] === slot) this.slots[index] = null;
      if (slot.closing) return;
      slot.closing = true;
      this.fail(slot, new EmbedderError(`the built-in embedder's worker thread ${why}; the batch is not embedded (the next one starts a new worker)`));
      void slot.worker.terminate();
    };
    worker.on('error', (e) => gone(`failed: ${e.message}`));
    worker.on('messageerror', (e) => gone(`could not read a message: ${e.message}`));
    worker.on('exit', (code) => gone(`stopped (exit code ${code})`));
    return slot;
  }

  private idle(slot: Slot): void {
    if (slot.pending.size === 0) slot.worker.unref();
  }

  private fail(slot: Slot, e: Error): void {
    for (const p of slot.pending.values()) p.reject(e);
    slot.pending.clear();
  }
}
