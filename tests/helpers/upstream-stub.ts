/**
 * A stand-in for an upstream on the internet (arXiv's OAI-PMH, Hugging Face's API, GitHub's API): a local
 * HTTP server whose answers a test scripts (recorded files from tests/fixtures, statuses, headers,
 * delays, a response that never comes), which records every request with the time it arrived, and
 * which can go down (connection refused) and come back up on the same port.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';

export const FIXTURES = path.resolve(import.meta.dirname, '../fixtures');

export interface StubRequest {
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Date.now() when it arrived. */
  at: number;
}

export interface StubAnswer {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  /** A file under tests/fixtures to answer with. */
  fixture?: string;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Never answer (until the stub closes). */
  hang?: boolean;
  /** Answer once this settles. */
  until?: Promise<unknown>;
}

export type StubHandler = (req: StubRequest, index: number) => StubAnswer;

export interface UpstreamStub {
  /** http://127.0.0.1:PORT (no trailing slash). */
  base: string;
  requests: StubRequest[];
  setHandler(h: StubHandler): void;
  /** Stops listening: requests are refused until up(). */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = { '.xml': 'text/xml; charset=utf-8', '.json': 'application/json; charset=utf-8', '.txt': 'text/plain; charset=utf-8' };

export async function startUpstreamStub(handler: StubHandler): Promise<UpstreamStub> {
  let current = handler;
  const requests: StubRequest[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const make = (): Server => {
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://stub');
      const r: StubRequest = { path: url.pathname, query: url.searchParams, headers: req.headers, at: Date.now() };
      requests.push(r);
      const a = current(r, requests.length - 1);
      if (a.hang) return;
      const send = () => {
        const body = a.fixture ? readFileSync(path.join(FIXTURES, a.fixture)) : Buffer.from(a.body ?? '');
        const type = a.fixture ? (TYPES[path.extname(a.fixture)] ?? 'application/octet-stream') : 'text/plain; charset=utf-8';
        res.writeHead(a.status ?? 200, { 'content-type': type, ...a.headers });
        res.end(body);
      };
      if (a.until) {
        void a.until.finally(() => {
          if (!res.destroyed) send();
        });
      } else if (a.delayMs) {
        const t = setTimeout(() => {
          timers.delete(t);
          if (!res.destroyed) send();
        }, a.delayMs);
        timers.add(t);
      } else send();
    });
    server.on('connection', (s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    return server;
  };
  let server = make();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const down = async () => {
    for (const t of timers) clearTimeout(t);
    timers.clear();
    for (const s of sockets) s.destroy();
    if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    // Let clients notice their kept-alive connections are gone, so that the next request connects anew.
    await new Promise((resolve) => setTimeout(resolve, 50));
  };
  return {
    base: `http://127.0.0.1:${port}`,
    requests,
    setHandler: (h) => (current = h),
    down,
    up: async () => {
      server = make();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', resolve);
      });
    },
    close: down,
  };
}
