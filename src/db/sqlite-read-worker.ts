/**
 * One long read-only statement on a SQLite file, run in a worker thread on a connection of its own, off the event
 * loop. better-sqlite3 runs statements synchronously, so a statement of seconds (the keyword index's whole vocabulary:
 * docs/decisions/0054-spelling-vocabulary-off-the-event-loop.md) would stop every request for as long. SQLite lets
 * readers run beside the writer (WAL), so the worker reads a consistent snapshot while the site goes on.
 *
 * The worker is a few lines evaluated in place (plain JavaScript, so it needs no TypeScript loader) that import
 * better-sqlite3 from where this process resolves it.
 */
import { Worker } from 'node:worker_threads';

const WORKER = `
import('node:worker_threads').then(async ({ parentPort, workerData }) => {
  const { default: SQLite } = await import(workerData.driver);
  let db;
  try {
    db = new SQLite(workerData.file, { readonly: true, fileMustExist: true });
    parentPort.postMessage({ rows: db.prepare(workerData.sql).raw().all(...workerData.params) });
  } catch (e) {
    parentPort.postMessage({ error: String(e && e.message || e) });
  } finally {
    if (db) db.close();
  }
});`;

/** The rows (as arrays of values) of `query` on the SQLite file `file`, read in a worker thread. */
export function readInWorker(file: string, query: string, params: unknown[] = []): Promise<unknown[][]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, { eval: true, workerData: { driver: import.meta.resolve('better-sqlite3'), file, sql: query, params }, stdout: false, stderr: false });
    // A read in progress does not keep an exiting process alive.
    worker.unref();
    let settled = false;
    worker.once('message', (m: { rows: unknown[][] } | { error: string }) => {
      settled = true;
      if ('error' in m) reject(new Error(`reading ${file} in a worker thread: ${m.error}`));
      else resolve(m.rows);
      void worker.terminate();
    });
    worker.once('error', (e) => {
      if (!settled) reject(e);
      settled = true;
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`reading ${file} in a worker thread: it stopped (code ${code})`));
      settled = true;
    });
  });
}
