/**
 * A stand-in for the arXiv API at the edge of the internet: a local HTTP server that replays recorded
 * real responses (tests/fixtures/arxiv-atom) for `/api/query?id_list=ID`.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/arxiv-atom');

export interface ArxivStub {
  url: string;
  requests: string[];
  close(): Promise<void>;
}

/** `feeds` maps an id to the fixture file answered for it; other ids get arXiv's empty feed. */
export async function startArxivStub(feeds: Record<string, string>): Promise<ArxivStub> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://stub');
    requests.push(url.pathname + url.search);
    const id = url.searchParams.get('id_list') ?? '';
    const file = feeds[id] ?? 'empty-feed.xml';
    res.writeHead(200, { 'content-type': 'application/atom+xml; charset=utf-8' });
    res.end(readFileSync(path.join(FIXTURES, file)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/api/query`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
