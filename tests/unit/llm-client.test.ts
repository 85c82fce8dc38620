/** The chat client against a local stub replaying recorded OpenAI/Ollama streams (tests/helpers/llm-stub.ts). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LlmClient, LlmError } from '../../src/llm/client.ts';
import { garbageReason, parseChatEvent, SseSplitter } from '../../src/llm/sse.ts';
import { startLlmStub, type LlmStub } from '../helpers/llm-stub.ts';
import { FIXTURES } from '../helpers/upstream-stub.ts';

describe('SSE parsing', () => {
  it('gives the same events whatever the pieces the bytes arrive in (inside lines, inside UTF-8 characters)', () => {
    const text = readFileSync(path.join(FIXTURES, 'llm/openai-stream.sse'), 'utf8').replace('"The"', '"Thé ✓"');
    const bytes = Buffer.from(text, 'utf8');
    const whole = new SseSplitter().push(bytes);
    for (const size of [1, 3, 7, 64]) {
      const s = new SseSplitter();
      const got: string[] = [];
      for (let i = 0; i < bytes.length; i += size) got.push(...s.push(bytes.subarray(i, i + size)));
      got.push(...s.end());
      assert.deepEqual(got, whole, `pieces of ${size} bytes`);
    }
    assert.equal(whole.at(-1), '[DONE]');
    assert.ok(whole.some((d) => d.includes('Thé ✓')));
  });

  it('reads CRLF line ends, comments and multi-line data', () => {
    const s = new SseSplitter();
    assert.deepEqual(s.push(': keep-alive\r\n\r\ndata: {"a":\r\ndata: 1}\r\n\r\n'), ['{"a":\n1}']);
  });

  it('takes content deltas, the usage chunk (choices empty or null) and [DONE]; refuses what is not a chunk', () => {
    assert.deepEqual(parseChatEvent('{"choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}'), [{ kind: 'delta', content: 'Hi', finishReason: null }]);
    assert.deepEqual(parseChatEvent('{"choices":null,"usage":{"prompt_tokens":3,"completion_tokens":2}}'), [{ kind: 'usage', promptTokens: 3, completionTokens: 2 }]);
    assert.deepEqual(parseChatEvent('[DONE]'), [{ kind: 'done' }]);
    assert.throws(() => parseChatEvent('<html>'), /not JSON/);
    assert.throws(() => parseChatEvent('{"foo":1}'), /without choices/);
    assert.throws(() => parseChatEvent('{"error":{"message":"model not loaded"}}'), /model not loaded/);
  });

  it('tells garbage answers from text', () => {
    assert.equal(garbageReason('The method improves recall [P1].'), null);
    assert.match(garbageReason('')!, /nothing/);
    assert.match(garbageReason('\u0000\u0001\u0002\u0003\u0004\u0005')!, /control/);
    assert.match(garbageReason('the '.repeat(100))!, /repeats/);
    assert.match(garbageReason('1234 5678 !!!')!, /no words/);
  });
});

describe('LlmClient against the stub', () => {
  let stub: LlmStub;
  const client = (timeoutMs = 5000) => new LlmClient({ url: stub.url, model: 'llama3.2', apiKey: 'sk-test', timeoutMs });
  const ask = [{ role: 'user' as const, content: 'What does the paper do?' }];
  before(async () => {
    stub = await startLlmStub();
  });
  after(() => stub.close());

  it('streams the recorded OpenAI answer piece by piece, with its usage, and sends the OpenAI request shape', async () => {
    stub.reply(() => ({ replay: 'openai-stream.sse' }));
    const pieces: string[] = [];
    const r = await client().chat(ask, { maxTokens: 100, onDelta: (t) => void pieces.push(t) });
    assert.equal(r.text, 'The paper trains a small model on synthetic data [P1].');
    assert.ok(pieces.length > 5, 'more than one delta');
    assert.equal(pieces.join(''), r.text);
    assert.deepEqual([r.promptTokens, r.completionTokens, r.estimatedUsage, r.finishReason], [412, 11, false, 'stop']);
    const req = stub.requests.at(-1)!;
    assert.equal(req.path, '/v1/chat/completions');
    assert.equal(req.headers.authorization, 'Bearer sk-test');
    assert.equal(req.body.model, 'llama3.2');
    assert.equal(req.body.stream, true);
    assert.equal(req.body.max_tokens, 100);
    assert.deepEqual(req.body.messages, ask);
  });

  it('reads the Ollama stream cut into 1-, 5- and 13-byte pieces the same', async () => {
    for (const pieceBytes of [1, 5, 13]) {
      stub.reply(() => ({ replay: 'ollama-stream.sse', pieceBytes }));
      const r = await client().chat(ask);
      assert.equal(r.text, 'The authors report a 12% gain [P2].');
      assert.equal(r.completionTokens, 10);
    }
  });

  it('estimates the tokens when the server sends no usage', async () => {
    stub.reply(() => ({ text: 'A short answer about the method.', usage: false }));
    const r = await client().chat(ask);
    assert.equal(r.estimatedUsage, true);
    assert.ok(r.completionTokens > 0);
  });

  it('an error status is an LlmError of kind status with the server message (not shown to users)', async () => {
    stub.reply(() => ({ status: 429, body: readFileSync(path.join(FIXTURES, 'llm/openai-error-429.json'), 'utf8') }));
    await assert.rejects(client().chat(ask), (e: LlmError) => e.kind === 'status' && e.status === 429 && /Rate limit reached/.test(e.message) && !e.userMessage.includes('127.0.0.1'));
    stub.reply(() => ({ status: 500, body: 'Internal Server Error', contentType: 'text/plain' }));
    await assert.rejects(client().chat(ask), (e: LlmError) => e.kind === 'status' && e.status === 500);
  });

  it('a server that does not answer in time is a timeout', async () => {
    stub.reply(() => ({ hang: true }));
    await assert.rejects(client(150).chat(ask), (e: LlmError) => e.kind === 'timeout');
  });

  it('garbage: an HTML page, non-JSON events, a stream cut before its end, an empty answer', async () => {
    stub.reply(() => ({ raw: '<html><body>Bad gateway</body></html>', contentType: 'text/html' }));
    await assert.rejects(client().chat(ask), (e: LlmError) => e.kind === 'garbage');
    stub.reply(() => ({ raw: 'data: not json\n\ndata: [DONE]\n\n', contentType: 'text/event-stream' }));
    await assert.rejects(client().chat(ask), (e: LlmError) => e.kind === 'garbage' && /not JSON/.test(e.message));
    stub.reply(() => ({ raw: 'data: {"choices":[{"index":0,"delta":{"content":"The paper"},"finish_reason":null}]}\n\n', contentType: 'text/event-stream' }));
    await assert.rejects(client().chat(ask), (e: LlmError) => e.kind === 'garbage' && /ended before/.test(e.message));
    stub.reply(() => ({ raw: 'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n', contentType: 'text/event-stream' }));
    await assert.rejects(client().chat(ask), (e: LlmError) => e.kind === 'garbage' && /nothing/.test(e.message));
  });

  it('a server that is down is kind down', async () => {
    const gone = await startLlmStub();
    const url = gone.url;
    await gone.close();
    await assert.rejects(new LlmClient({ url, model: 'm', apiKey: null, timeoutMs: 2000 }).chat(ask), (e: LlmError) => e.kind === 'down');
  });

  it('an answer longer than the cap is too-large', async () => {
    stub.reply(() => ({ text: Array.from({ length: 6000 }, (_, i) => `word${i}`).join(' ') }));
    await assert.rejects(client().chat(ask), (e: LlmError) => e.kind === 'too-large');
  });
});
