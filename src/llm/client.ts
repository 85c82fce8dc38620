/**
 * A client for any OpenAI-compatible chat endpoint (OpenAI, Ollama's /v1, llama.cpp's server, vLLM): the
 * site owner's choice of model, set by LLM_URL, LLM_MODEL and LLM_API_KEY (docs/decisions/0037-ask-this-paper.md).
 * It posts `{url}/chat/completions` with `stream: true` and reads the server-sent events (./sse.ts) as
 * they come. Everything that can go wrong ends in an LlmError whose `kind` says what, and whose
 * `userMessage` is what a page may show: the endpoint is down (refused, reset), slow (the deadline passes),
 * answers with an error status, or sends something that is not a chat stream or not text (garbage), or
 * too much (a size cap). Callers store nothing unless `chat` resolved.
 */
import { garbageReason, GarbageError, parseChatEvent, SseSplitter } from './sse.ts';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface LlmClientConfig {
  url: string;
  model: string;
  apiKey: string | null;
  timeoutMs: number;
}

export interface ChatOptions {
  /** The most tokens the answer may have (`max_tokens`). */
  maxTokens?: number;
  temperature?: number;
  /** Called with each piece of the answer as it arrives (awaited: a slow reader slows the stream). */
  onDelta?: (text: string) => void | Promise<void>;
  /** The caller gives up (the browser went away). */
  signal?: AbortSignal;
}

export interface ChatResult {
  text: string;
  promptTokens: number;
  completionTokens: number;
  /** True when the server sent no usage and the counts are estimated from the text (4 characters a token). */
  estimatedUsage: boolean;
  finishReason: string | null;
}

export type LlmErrorKind = 'down' | 'timeout' | 'status' | 'garbage' | 'too-large' | 'cancelled';

const USER_MESSAGES: Record<LlmErrorKind, string> = {
  down: 'The language model cannot be reached right now. Please try again later; the rest of the site works as usual.',
  timeout: 'The language model took too long to answer. Please try again later.',
  status: 'The language model refused or failed to answer. Please try again later.',
  garbage: 'The language model sent an answer that cannot be used. Nothing was kept; please try again later.',
  'too-large': 'The language model sent a longer answer than this site accepts. Nothing was kept.',
  cancelled: 'The question was cancelled.',
};

export class LlmError extends Error {
  override name = 'LlmError';
  constructor(readonly kind: LlmErrorKind, message: string, readonly status?: number) {
    super(message);
  }
  /** What a page may say (never the endpoint's address or its raw error). */
  get userMessage(): string {
    return USER_MESSAGES[this.kind];
  }
}

/** The most bytes read from one answer (events included): a model that never stops is cut here. */
export const MAX_STREAM_BYTES = 512 * 1024;
/** The most characters of answer text kept. */
export const MAX_ANSWER_CHARS = 24_000;
/** A rough token count where the server reports none (English text, most tokenizers): 4 characters a token. */
export const estimateTokens = (text: string): number => Math.ceil(text.length / 4);

export class LlmClient {
  constructor(private readonly config: LlmClientConfig) {}

  get model(): string {
    return this.config.model;
  }

  /** Sends the conversation and reads the streamed answer to its end. Throws LlmError. */
  async chat(messages: ChatMessage[], opts: ChatOptions = {}): Promise<ChatResult> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.config.timeoutMs);
    const onCancel = () => controller.abort();
    opts.signal?.addEventListener('abort', onCancel, { once: true });
    const fail = (e: unknown): never => {
      if (e instanceof LlmError) throw e;
      if (timedOut) throw new LlmError('timeout', `no complete answer from ${this.config.url} within ${this.config.timeoutMs} ms`);
      if (opts.signal?.aborted) throw new LlmError('cancelled', 'cancelled by the caller');
      if (e instanceof GarbageError) throw new LlmError('garbage', e.message);
      throw new LlmError('down', `${this.config.url}: ${(e as Error).cause ? String(((e as Error).cause as Error).message ?? (e as Error).cause) : (e as Error).message}`);
    };
    try {
      let res: Response;
      try {
        res = await fetch(`${this.config.url}/chat/completions`, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            Accept: 'text/event-stream',
            ...(this.config.apiKey ? { Authorization: `Bearer ${this.config.apiKey}` } : {}),
          },
          body: JSON.stringify({
            model: this.config.model,
            messages,
            stream: true,
            stream_options: { include_usage: true },
            ...(opts.maxTokens !== undefined ? { max_tokens: opts.maxTokens } : {}),
            ...(opts.temperature !== undefined ? { temperature: opts.temperature } : {}),
          }),
          signal: controller.signal,
        });
      } catch (e) {
        return fail(e);
      }
      if (!res.ok) {
        const body = await readCapped(res, 4096).catch(() => '');
        throw new LlmError('status', `${this.config.url} answered ${res.status}: ${errorMessage(body)}`, res.status);
      }
      const type = res.headers.get('content-type') ?? '';
      if (!type.includes('text/event-stream')) {
        await res.body?.cancel().catch(() => {});
        throw new LlmError('garbage', `${this.config.url} answered ${type || 'no Content-Type'}, not an event stream`);
      }
      return await this.readStream(res, opts).catch(fail);
    } catch (e) {
      return fail(e);
    } finally {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onCancel);
    }
  }

  private async readStream(res: Response, opts: ChatOptions): Promise<ChatResult> {
    const splitter = new SseSplitter();
    let text = '';
    let bytes = 0;
    let usage: { promptTokens: number; completionTokens: number } | null = null;
    let finishReason: string | null = null;
    let done = false;
    const handle = async (datas: string[]) => {
      for (const data of datas) {
        if (done) return;
        for (const ev of parseChatEvent(data)) {
          if (ev.kind === 'done') done = true;
          else if (ev.kind === 'usage') usage = { promptTokens: ev.promptTokens, completionTokens: ev.completionTokens };
          else {
            if (ev.finishReason) finishReason = ev.finishReason;
            if (ev.content !== '') {
              text += ev.content;
              if (text.length > MAX_ANSWER_CHARS) throw new LlmError('too-large', `the answer passed ${MAX_ANSWER_CHARS} characters`);
              await opts.onDelta?.(ev.content);
            }
          }
        }
      }
    };
    const reader = res.body!.getReader();
    try {
      while (!done) {
        const { value, done: ended } = await reader.read();
        if (ended) break;
        bytes += value.byteLength;
        if (bytes > MAX_STREAM_BYTES) throw new LlmError('too-large', `the stream passed ${MAX_STREAM_BYTES} bytes`);
        await handle(splitter.push(value));
      }
      if (!done) await handle(splitter.end());
    } finally {
      await reader.cancel().catch(() => {});
    }
    // A stream cut before [DONE] and without a finish reason is an answer cut in the middle.
    if (!done && finishReason === null) throw new LlmError('garbage', 'the stream ended before the answer did (no [DONE], no finish_reason)');
    const why = garbageReason(text);
    if (why) throw new LlmError('garbage', why);
    const u = usage as { promptTokens: number; completionTokens: number } | null;
    return {
      text,
      promptTokens: u?.promptTokens ?? 0,
      completionTokens: u?.completionTokens ?? estimateTokens(text),
      estimatedUsage: u === null,
      finishReason,
    };
  }
}

async function readCapped(res: Response, cap: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let n = 0;
  while (n < cap) {
    const { value, done } = await reader.read();
    if (done) break;
    parts.push(value);
    n += value.byteLength;
  }
  await reader.cancel().catch(() => {});
  return Buffer.concat(parts).toString('utf8').slice(0, cap);
}

/** The `error.message` of an OpenAI-style error body, else the start of the body. */
function errorMessage(body: string): string {
  try {
    const j = JSON.parse(body) as { error?: { message?: unknown } | string };
    const m = typeof j.error === 'string' ? j.error : j.error?.message;
    if (typeof m === 'string') return m.slice(0, 200);
  } catch {
    // not JSON
  }
  return body.replace(/\s+/g, ' ').slice(0, 200) || '(no body)';
}

/** The prompt's size in tokens, estimated (to check a budget before sending). */
export const promptTokens = (messages: ChatMessage[]): number => messages.reduce((n, m) => n + estimateTokens(m.content) + 4, 0);
