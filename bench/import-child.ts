/**
 * Runs bench/import.ts's worker in a child process, so that the peak RSS it reports is the importer's own (or,
 * with mode `parse`, the parser's alone): for bench/import.ts and bench/search-speed.ts.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

export interface ChildImport {
  records: number;
  seconds: number;
  maxRssMB: number;
}

/** `mode`: a database URL to import `file` into, or `parse` to parse it only. */
export function importInChild(mode: string, file: string): Promise<ChildImport> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'import.ts'), '--worker', mode, '--file', file], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1)!)) : reject(new Error(`the import worker (${mode}) exited with ${code}`))));
  });
}
