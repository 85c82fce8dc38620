/**
 * A local server that speaks the OpenAI embeddings protocol (POST /v1/embeddings {model, input} →
 * {data: [{embedding, index}]}) with a deterministic toy model: a hashed bag of words in 64 dimensions.
 * Paths starting /fail answer 500, /slow wait before answering; every request is recorded.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const STUB_DIMS = 64;

export function toyEmbedding(text: string): number[] {
  const v = new Array<number>(STUB_DIMS).fill(0);
  for (const w of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
    let h = 2166136261;
    for (let i = 0; i < w.length; i++) h = Math.imul(h ^ w.charCodeAt(i), 16777619);
    v[(h >>> 0) % STUB_DIMS]! += 1;
  }
  return v;
}

export interface EmbeddingsStub {
  url: string;
  requests: { path: string; model: string; inputs: number; auth: string | undefined }[];
  close(): Promise<void>;
}

export async function startEmbeddingsStub(opts: { slowMs?: number } = {}): Promise<EmbeddingsStub> {
  const requests: EmbeddingsStub['requests'] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const path = req.url ?? '';
      let parsed: { model?: string; input?: string[] };
      try {
        parsed = JSON.parse(body);
      } catch {
        res.writeHead(400, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: { message: 'invalid JSON' } }));
        return;
      }
      requests.push({ path, model: parsed.model ?? '', inputs: parsed.input?.length ?? 0, auth: req.headers.authorization });
      if (!path.endsWith('/v1/embeddings') || req.method !== 'POST') {
        res.writeHead(404).end('not found');
        return;
      }
      if (path.startsWith('/fail')) {
        res.writeHead(500, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: { message: 'model not loaded' } }));
        return;
      }
      const answer = () => {
        const data = (parsed.input ?? []).map((t, index) => ({ object: 'embedding', index, embedding: toyEmbedding(t) }));
        // Out of order on purpose: clients must sort by index.
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ object: 'list', model: parsed.model, data: data.reverse() }));
      };
      if (path.startsWith('/slow')) setTimeout(answer, opts.slowMs ?? 2000);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
