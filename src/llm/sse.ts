/**
 * Server-sent events as OpenAI-compatible chat endpoints stream them (OpenAI, Ollama's /v1, llama.cpp's
 * server, vLLM): `data: {chat.completion.chunk}` events separated by a blank line, ended by `data: [DONE]`.
 * The parser is fed the bytes as they arrive, in pieces cut anywhere (inside a line, inside a UTF-8 character),
 * and hands back whole events. Pure: no I/O (the client is ./client.ts).
 */

/** What one `data:` event of a chat stream carries, reduced to what the site uses. */
export type ChatEvent =
  | { kind: 'delta'; content: string; finishReason: string | null }
  | { kind: 'usage'; promptTokens: number; completionTokens: number }
  | { kind: 'done' };

/** The stream is not a chat stream (an HTML error page, a JSON object, a chunk without `choices`): the model's answer cannot be trusted. */
export class GarbageError extends Error {
  override name = 'GarbageError';
}

/** Splits a byte stream into the `data` of each event (lines joined by \n, as the SSE spec says); comments and other fields are skipped. */
export class SseSplitter {
  private readonly decoder = new TextDecoder('utf-8', { fatal: false });
  private buffer = '';
  private data: string[] = [];

  /** The data of every event completed by this piece. */
  push(bytes: Uint8Array | string): string[] {
    this.buffer += typeof bytes === 'string' ? bytes : this.decoder.decode(bytes, { stream: true });
    const out: string[] = [];
    let nl: number;
    while ((nl = this.buffer.search(/\r\n|\r|\n/)) >= 0) {
      // A lone \r at the end of the buffer may be the first half of \r\n: wait for the next piece.
      if (this.buffer[nl] === '\r' && nl === this.buffer.length - 1) break;
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + (this.buffer.startsWith('\r\n', nl) ? 2 : 1));
      if (line === '') {
        if (this.data.length > 0) out.push(this.data.join('\n'));
        this.data = [];
      } else if (line.startsWith('data:')) {
        this.data.push(line.slice(line[5] === ' ' ? 6 : 5));
      }
      // `:comment`, `event:`, `id:`, `retry:` lines: nothing the chat stream needs.
    }
    return out;
  }

  /** At the end of the stream: an event the server did not close with a blank line (some servers end so). */
  end(): string[] {
    this.buffer += this.decoder.decode();
    const out = this.buffer === '' ? [] : this.push('\n\n');
    if (this.data.length > 0) out.push(this.data.join('\n'));
    this.data = [];
    return out;
  }
}

/**
 * One event's data as chat events: content deltas of the first choice, the usage (the last chunk with
 * `stream_options.include_usage`, whose `choices` is empty, or null on vLLM), `[DONE]`. Throws GarbageError
 * for anything that is not a chat completion chunk; an `error` object (what servers send mid-stream) too.
 */
export function parseChatEvent(data: string): ChatEvent[] {
  if (data.trim() === '[DONE]') return [{ kind: 'done' }];
  let chunk: unknown;
  try {
    chunk = JSON.parse(data);
  } catch {
    throw new GarbageError(`the model sent an event that is not JSON: ${JSON.stringify(data.slice(0, 80))}`);
  }
  if (typeof chunk !== 'object' || chunk === null || Array.isArray(chunk)) throw new GarbageError('the model sent an event that is not a chat completion chunk');
  const c = chunk as Record<string, unknown>;
  if (c.error !== undefined) {
    const e = c.error as { message?: unknown } | string;
    throw new GarbageError(`the model reported an error: ${typeof e === 'string' ? e : String(e?.message ?? 'no message')}`.slice(0, 300));
  }
  const events: ChatEvent[] = [];
  const choices = c.choices;
  if (choices !== null && choices !== undefined && !Array.isArray(choices)) throw new GarbageError('the model sent a chunk whose `choices` is not a list');
  const first = Array.isArray(choices) ? (choices[0] as Record<string, unknown> | undefined) : undefined;
  if (first !== undefined) {
    if (typeof first !== 'object' || first === null) throw new GarbageError('the model sent a chunk with a malformed choice');
    const delta = (first.delta ?? {}) as Record<string, unknown>;
    const content = typeof delta.content === 'string' ? delta.content : '';
    const finishReason = typeof first.finish_reason === 'string' ? first.finish_reason : null;
    if (content !== '' || finishReason !== null) events.push({ kind: 'delta', content, finishReason });
  } else if (c.usage === undefined || c.usage === null) {
    throw new GarbageError('the model sent a chunk without choices or usage');
  }
  const u = c.usage as { prompt_tokens?: unknown; completion_tokens?: unknown } | null | undefined;
  if (u && typeof u === 'object' && typeof u.prompt_tokens === 'number' && typeof u.completion_tokens === 'number') {
    events.push({ kind: 'usage', promptTokens: u.prompt_tokens, completionTokens: u.completion_tokens });
  }
  return events;
}

/**
 * A finished answer that reads as garbage: control characters, replacement characters (bytes that were not
 * UTF-8), or one short run repeated over and over (a model stuck in a loop). Returns why, or null.
 */
export function garbageReason(text: string): string | null {
  const t = text.trim();
  if (t === '') return 'the model answered nothing';
  const bad = (t.match(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffd]/g) ?? []).length;
  if (bad > Math.max(3, t.length * 0.01)) return 'the answer contains control characters or bytes that are not text';
  if (t.length >= 200) {
    const words = t.toLowerCase().split(/\s+/);
    if (words.length >= 40 && new Set(words).size / words.length < 0.1) return 'the answer repeats itself (the model is stuck in a loop)';
  }
  if (!/\p{L}/u.test(t)) return 'the answer has no words';
  return null;
}
