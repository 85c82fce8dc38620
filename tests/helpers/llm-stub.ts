/**
 * A local OpenAI-compatible chat endpoint for tests: `POST /chat/completions` answered with server-sent
 * events in the shape recorded in tests/fixtures/llm/ (OpenAI's and Ollama's: chat.completion.chunk events,
 * a finish_reason, a usage chunk with empty choices, `data: [DONE]`). A test scripts each answer: replay a
 * recorded stream (cut into pieces of any size), stream a text of its own in the recorded shape, answer an
 * error status, hang, send garbage, or go down. Every request body is kept (tests check what was sent).
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { FIXTURES } from './upstream-stub.ts';

export interface StubChatRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: { model?: string; messages?: { role: string; content: string }[]; stream?: boolean; max_tokens?: number; [k: string]: unknown };
}

export type StubReply =
  /** A recorded stream from tests/fixtures/llm, written in pieces of `pieceBytes` (default: whole events). */
  | { replay: string; pieceBytes?: number }
  /** This text in the recorded OpenAI shape, one event per word; `usage: false` leaves out the usage chunk. */
  | { text: string; usage?: boolean; pieceBytes?: number; done?: boolean }
  | { status: number; body?: string; contentType?: string }
  /** Anything, as the body, with this Content-Type. */
  | { raw: string; contentType: string }
  | { hang: true };

export interface LlmStub {
  /** The base URL to set as LLM_URL (`http://127.0.0.1:PORT/v1`). */
  url: string;
  requests: StubChatRequest[];
  reply(fn: (req: StubChatRequest, index: number) => StubReply): void;
  close(): Promise<void>;
}

/** The recorded OpenAI chunk the text replies are framed in. */
const TEMPLATE = (() => {
  const first = readFileSync(path.join(FIXTURES, 'llm/openai-stream.sse'), 'utf8').split('\n\n').find((e) => e.includes('"content":"The"'))!;
  return JSON.parse(first.slice('data: '.length)) as Record<string, unknown>;
})();

export function sseOf(text: string, usage = true, done = true): string {
  const ev = (o: unknown) => `data: ${JSON.stringify(o)}\n\n`;
  const words = text.match(/\s*\S+/g) ?? [];
  let out = ev({ ...TEMPLATE, choices: [{ index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null }] });
  for (const w of words) out += ev({ ...TEMPLATE, choices: [{ index: 0, delta: { content: w }, logprobs: null, finish_reason: null }] });
  out += ev({ ...TEMPLATE, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }] });
  if (usage) out += ev({ ...TEMPLATE, choices: [], usage: { prompt_tokens: 300, completion_tokens: words.length, total_tokens: 300 + words.length } });
  if (done) out += 'data: [DONE]\n\n';
  return out;
}

/** The default for Ask tests: cite the first passage the prompt offers (`[P1]`) with its first sentence. */
export function citeFirstPassage(req: StubChatRequest): StubReply {
  const user = req.body.messages?.find((m) => m.role === 'user')?.content ?? '';
  const m = /\[(P\d+)\][^\n]*\n([^\n]+)/.exec(user);
  if (!m) return { text: 'The passages do not say.' };
  const sentence = m[2]!.split(/(?<=\.)\s/)[0]!.slice(0, 200);
  return { text: `${sentence} [${m[1]}]` };
}

async function writePieces(res: ServerResponse, body: string, pieceBytes?: number): Promise<void> {
  const bytes = Buffer.from(body, 'utf8');
  if (!pieceBytes) {
    // One write per event, as servers flush them.
    for (const e of body.split(/(?<=\n\n)/)) {
      res.write(e);
      await new Promise((r) => setImmediate(r));
    }
  } else {
    for (let i = 0; i < bytes.length; i += pieceBytes) {
      res.write(bytes.subarray(i, i + pieceBytes));
      await new Promise((r) => setImmediate(r));
    }
  }
  res.end();
}

export async function startLlmStub(fn: (req: StubChatRequest, index: number) => StubReply = citeFirstPassage): Promise<LlmStub> {
  let handler = fn;
  const requests: StubChatRequest[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: StubChatRequest['body'] = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        // recorded as {}
      }
      const r: StubChatRequest = { path: req.url ?? '/', headers: req.headers, body };
      requests.push(r);
      if (req.method !== 'POST' || r.path !== '/v1/chat/completions') {
        res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"error":{"message":"not found"}}');
        return;
      }
      const reply = handler(r, requests.length - 1);
      if ('hang' in reply) return;
      if ('status' in reply) {
        res.writeHead(reply.status, { 'Content-Type': reply.contentType ?? 'application/json' }).end(reply.body ?? '');
        return;
      }
      if ('raw' in reply) {
        res.writeHead(200, { 'Content-Type': reply.contentType }).end(reply.raw);
        return;
      }
      res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
      const body2 = 'replay' in reply ? readFileSync(path.join(FIXTURES, 'llm', reply.replay), 'utf8') : sseOf(reply.text, reply.usage ?? true, reply.done ?? true);
      void writePieces(res, body2, reply.pieceBytes);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    reply(f) {
      handler = f;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
