/**
 * Any OpenAI-compatible embeddings endpoint (OpenAI, Ollama, TEI, vLLM, LocalAI…):
 * POST {url}/v1/embeddings {model, input: string[]} → {data: [{embedding, index}]}. Texts go in batches;
 * each request has a timeout; failures become EmbedderErrors that say which endpoint and what went wrong.
 */
import { EmbedderError, normalize, paperText, type Embedder, type PaperText } from './types.ts';

export interface OpenAiEmbedderOptions {
  /** The server (`http://127.0.0.1:11434`), its `/v1`, or the full `/v1/embeddings` address. */
  url: string;
  model: string;
  apiKey?: string | null;
  timeoutMs?: number;
  batchSize?: number;
  /** Longest text sent, in characters (servers reject inputs beyond their context). */
  maxChars?: number;
}

/** `http://h:1`, `http://h:1/v1` and `http://h:1/v1/embeddings` all mean `http://h:1/v1/embeddings`. */
export function embeddingsEndpoint(url: string): string {
  const u = url.trim().replace(/\/+$/, '');
  if (/\/embeddings$/.test(u)) return u;
  if (/\/v1$/.test(u)) return `${u}/embeddings`;
  return `${u}/v1/embeddings`;
}

/** The id of an endpoint's model, recorded beside its vectors (the same model name on any server is one model). */
export const openAiModelId = (model: string): string => `openai:${model}`;

export function openAiEmbedder(opts: OpenAiEmbedderOptions): Embedder {
  const endpoint = embeddingsEndpoint(opts.url);
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const batchSize = opts.batchSize ?? 64;
  const maxChars = opts.maxChars ?? 8000;
  let dimensions = 0;

  async function request(input: string[]): Promise<Float32Array[]> {
    let res: Response;
    try {
      res = await fetch(endpoint, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...(opts.apiKey ? { Authorization: `Bearer ${opts.apiKey}` } : {}) },
        body: JSON.stringify({ model: opts.model, input }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (e) {
      throw networkError(e, endpoint, timeoutMs);
    }
    let body: string;
    try {
      body = await res.text();
    } catch (e) {
      throw networkError(e, endpoint, timeoutMs);
    }
    if (!res.ok) {
      let detail = body.slice(0, 300);
      try {
        const j = JSON.parse(body) as { error?: { message?: string } | string };
        detail = typeof j.error === 'string' ? j.error : (j.error?.message ?? detail);
      } catch {
        // not JSON: the text itself
      }
      throw new EmbedderError(`the embeddings endpoint at ${endpoint} answered ${res.status}${detail ? `: ${detail.trim()}` : ''}`);
    }
    let data: { embedding: unknown; index?: number }[];
    try {
      const j = JSON.parse(body) as { data?: unknown };
      if (!Array.isArray(j.data)) throw new Error('no data array');
      data = j.data as typeof data;
    } catch (e) {
      throw new EmbedderError(`the embeddings endpoint at ${endpoint} did not answer in the OpenAI format ({"data": [{"embedding": […]}]}): ${(e as Error).message}`);
    }
    if (data.length !== input.length) throw new EmbedderError(`the embeddings endpoint at ${endpoint} returned ${data.length} embeddings for ${input.length} texts`);
    const ordered = [...data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
    return ordered.map((d) => {
      if (!Array.isArray(d.embedding) || d.embedding.length === 0 || !d.embedding.every((x) => typeof x === 'number' && Number.isFinite(x))) {
        throw new EmbedderError(`the embeddings endpoint at ${endpoint} returned an embedding that is not a list of numbers (base64 encodings are not supported)`);
      }
      if (dimensions === 0) dimensions = d.embedding.length;
      else if (d.embedding.length !== dimensions) throw new EmbedderError(`the embeddings endpoint at ${endpoint} returned ${d.embedding.length} dimensions, earlier ${dimensions}`);
      return normalize(Float32Array.from(d.embedding as number[]));
    });
  }

  async function embed(texts: string[]): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += batchSize) {
      // An empty input is an error for some servers.
      out.push(...(await request(texts.slice(i, i + batchSize).map((t) => t.slice(0, maxChars) || ' '))));
    }
    return out;
  }

  return {
    id: openAiModelId(opts.model),
    get dimensions() {
      return dimensions;
    },
    embedDocuments: (papers: PaperText[]) => embed(papers.map(paperText)),
    embedQuery: async (text: string) => (await embed([text]))[0]!,
  };
}

function networkError(e: unknown, endpoint: string, timeoutMs: number): EmbedderError {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError' || err.name === 'AbortError') {
    return new EmbedderError(`the embeddings endpoint at ${endpoint} did not answer within ${timeoutMs / 1000} s`);
  }
  const code = err.cause?.code ?? (err as { code?: string }).code;
  return new EmbedderError(`cannot reach the embeddings endpoint at ${endpoint}: ${code ?? err.cause?.message ?? err.message}`);
}
