/**
 * Real `dailypapers serve` processes for tests and benchmarks that need several instances or a server
 * that runs its background work as in production: spawned from source like tests/helpers/cli.ts, each on a
 * port the OS chose, ready once it prints its address; stop() sends SIGTERM and waits for the exit.
 */
import type { ChildProcess } from 'node:child_process';
import { freePort, startCli } from './cli.ts';

export interface ServeProcess {
  /** http://127.0.0.1:PORT */
  url: string;
  child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Resolves when a line matching `pattern` has been printed (rejects after `timeoutMs`). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

const READY = /^Daily Papers on (http:\/\/\S+)/m;

export async function startServe(env: Record<string, string>, opts: { readyTimeoutMs?: number } = {}): Promise<ServeProcess> {
  const port = await freePort();
  const child = startCli(['serve'], { HOST: '127.0.0.1', PORT: String(port), ...env });
  let out = '';
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  const onData = (d: Buffer) => {
    out += d;
    for (const w of [...waiters]) {
      const m = w.pattern.exec(out);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m[0]);
      }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const waitFor = (pattern: RegExp, timeoutMs = 30_000) =>
    new Promise<string>((resolve, reject) => {
      const m = pattern.exec(out);
      if (m) return resolve(m[0]);
      const timer = setTimeout(() => reject(new Error(`serve did not print ${pattern} within ${timeoutMs} ms; it printed:\n${out}`)), timeoutMs);
      const done = (line: string) => {
        clearTimeout(timer);
        resolve(line);
      };
      waiters.push({ pattern, resolve: done });
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`serve exited (${code}) before printing ${pattern}; it printed:\n${out}`));
      });
    });

  await waitFor(READY, opts.readyTimeoutMs ?? 60_000);
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    output: () => out,
    waitFor,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Polls `check` until it returns a value other than undefined (rejects after `timeoutMs`, with the last error). */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 20_000, everyMs = 100): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > until) throw new Error(`not so within ${timeoutMs} ms${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
