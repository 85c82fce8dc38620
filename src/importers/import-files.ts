/**
 * `dailypapers import`: files and folders in, papers out. Each file is parsed (pure) and validated
 * whole before any of it is visible: a file that fails anywhere is rejected whole, with its name, the
 * position and the reason, and nothing of it is written; the other files go on. Writes happen in short
 * transactions (staged.ts), so the site's writers never wait long; a crash mid-file is finished by the
 * next import or by `serve`, and a re-run completes it (writes are idempotent merges).
 */
import { createReadStream } from 'node:fs';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Database } from '../db/connection.ts';
import type { BatchCounts } from '../db/queries/papers.ts';
import type { ImportRecord } from '../domain/paper.ts';
import { parseArxivAtom } from './arxiv-atom/parse.ts';
import { parseOaiPmh } from './arxiv-oai/parse.ts';
import { parseListingLine } from './arxiv-listing/parse.ts';
import { parseSnapshotLine } from './arxiv-snapshot/parse.ts';
import { ImportError } from './errors.ts';
import { detectFormat, HEAD_BYTES, type Format } from './formats.ts';
import { parseHfDaily } from './hf-daily/parse.ts';
import { BATCH_SIZE, writeBatches } from './staged.ts';
import { wrotePapers } from './statistics.ts';


export interface ImportSummary {
  read: number;
  new: number;
  updated: number;
  unchanged: number;
  /** Files rejected whole. */
  rejected: number;
}

export interface FileRejection {
  file: string;
  reason: string;
}

export interface ImportOptions {
  format?: Format | 'auto';
  /** Called as bytes of input are consumed, for a progress bar. */
  onProgress?: (bytesDone: number, bytesTotal: number) => void;
  onRejected?: (r: FileRejection) => void;
}

export interface ImportResult extends ImportSummary {
  rejections: FileRejection[];
}

/** Expands folders (recursively, sorted, hidden files skipped) into the files to import. */
export async function listInputFiles(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    const st = await stat(p); // throws ENOENT, reported by the CLI as a usage error
    if (st.isDirectory()) {
      const names = (await readdir(p)).filter((n) => !n.startsWith('.')).sort();
      out.push(...(await listInputFiles(names.map((n) => path.join(p, n)))));
    } else out.push(p);
  }
  return out;
}

export async function importFiles(database: Database, files: string[], opts: ImportOptions = {}): Promise<ImportResult> {
  const result: ImportResult = { read: 0, new: 0, updated: 0, unchanged: 0, rejected: 0, rejections: [] };
  const sizes = await Promise.all(files.map(async (f) => (await stat(f)).size));
  const total = sizes.reduce((a, b) => a + b, 0);
  let done = 0;
  for (const [i, file] of files.entries()) {
    try {
      const counts = await importFile(database, file, opts.format ?? 'auto', (bytes) =>
        opts.onProgress?.(done + bytes, total),
      );
      result.read += counts.new + counts.updated + counts.unchanged;
      result.new += counts.new;
      result.updated += counts.updated;
      result.unchanged += counts.unchanged;
      await wrotePapers(database, counts);
    } catch (e) {
      // A file that cannot be parsed or read is rejected; anything else (the database is gone) stops the run.
      const unreadable = typeof (e as NodeJS.ErrnoException).code === 'string' && (e as NodeJS.ErrnoException).syscall;
      if (!(e instanceof ImportError) && !unreadable) throw e;
      const rejection = { file, reason: (e as Error).message };
      result.rejected++;
      result.rejections.push(rejection);
      opts.onRejected?.(rejection);
    }
    done += sizes[i]!;
    opts.onProgress?.(done, total);
  }
  return result;
}

/**
 * Imports one file, whole or not at all (a big one staged, then applied in short batches: staged.ts).
 * Throws ImportError (nothing of the file written) when it cannot.
 */
export async function importFile(
  database: Database,
  file: string,
  format: Format | 'auto',
  onBytes?: (bytes: number) => void,
): Promise<BatchCounts> {
  const fmt = format === 'auto' ? detectFormat(await readHead(file)) : format;
  if (fmt === null) {
    throw new ImportError(
      'not a format Daily Papers imports (expected a Hugging Face daily_papers JSON array, an arXiv OAI-PMH page, an arXiv API Atom feed or arXiv snapshot JSON lines)',
    );
  }
  return writeBatches(database, file, fmt, recordBatches(fmt, file, onBytes));
}

async function* recordBatches(fmt: Format, file: string, onBytes?: (bytes: number) => void): AsyncGenerator<ImportRecord[]> {
  if (fmt === 'arxiv-snapshot' || fmt === 'arxiv-listing') {
    yield* lineBatches(file, fmt === 'arxiv-snapshot' ? parseSnapshotLine : parseListingLine, onBytes);
    return;
  }
  const records = parseWholeFile(fmt, await readFile(file, 'utf8'), file);
  for (let i = 0; i < records.length; i += BATCH_SIZE) yield records.slice(i, i + BATCH_SIZE);
}

function parseWholeFile(fmt: Exclude<Format, 'arxiv-snapshot' | 'arxiv-listing'>, text: string, file: string): ImportRecord[] {
  switch (fmt) {
    case 'hf-daily': {
      // A file saved as `YYYY-MM-DD.json` is the answer to `?date=YYYY-MM-DD`: that is the list's day.
      const m = /^(\d{4}-\d{2}-\d{2})\.json$/.exec(path.basename(file));
      return parseHfDaily(text, m ? { day: m[1]! } : {});
    }
    case 'arxiv-oai':
      return parseOaiPmh(text).records;
    case 'arxiv-atom':
      return parseArxivAtom(text).records;
  }
}

/**
 * Streams a JSON-lines file in batches: memory stays flat whatever the file's size. A pretty-printed
 * single record (as people save one entry of the snapshot) is read whole.
 */
async function* lineBatches(
  file: string,
  parseLine: (line: string, lineNumber: number) => ImportRecord,
  onBytes?: (bytes: number) => void,
): AsyncGenerator<ImportRecord[]> {
  const head = (await readHead(file)).trimStart();
  const firstLine = head.split('\n', 1)[0] ?? '';
  if (head.startsWith('{') && !isJsonObject(firstLine)) {
    const text = await readFile(file, 'utf8');
    yield [parseLine(JSON.stringify(parseJsonOrThrow(text)), 1)];
    return;
  }
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let batch: ImportRecord[] = [];
  let n = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() === '') continue;
    batch.push(parseLine(line, n));
    if (batch.length >= BATCH_SIZE) {
      onBytes?.(stream.bytesRead);
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

function isJsonObject(s: string): boolean {
  try {
    const v: unknown = JSON.parse(s);
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}

function parseJsonOrThrow(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ImportError(`not valid JSON: ${(e as Error).message}`);
  }
}

async function readHead(file: string): Promise<string> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await fh.read(buf, 0, HEAD_BYTES, 0);
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await fh.close();
  }
}
