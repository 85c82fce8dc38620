/**
 * Asking an upstream (arXiv's OAI-PMH, Hugging Face's API, GitHub's API) politely and safely: every
 * request names the site in its User-Agent, has a timeout and follows the job's AbortSignal; a `503` or
 * `429` with `Retry-After` is waited out (bounded, a few times); everything else that goes wrong becomes an
 * UpstreamFetchError whose message is one line: the service, the URL and what happened.
 */
import { setTimeout as sleepTimer } from 'node:timers/promises';

/** How many times one request is retried after a 503 or 429 with Retry-After before the run gives up. */
export const MAX_RETRY_AFTER_RETRIES = 5;

export class UpstreamFetchError extends Error {
  override name = 'UpstreamFetchError';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface FetchPolicy {
  /** The service's name in messages: "arXiv OAI-PMH". */
  service: string;
  userAgent: string;
  timeoutMs: number;
  /** The longest Retry-After waited for; a longer one fails the request. */
  retryAfterMaxMs: number;
  /** The job's signal: aborting it stops the request (and any wait) at once with its reason. */
  signal: AbortSignal;
  headers?: Record<string, string>;
  /** Statuses handed back to the caller instead of failing (GitHub's 404, 403, 429). */
  passStatuses?: number[];
  /** Told before each wait on Retry-After (tests and logs). */
  onRetryAfter?: (waitMs: number) => void;
}

/** Waits, or throws the signal's reason when it is aborted first. */
export async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) {
    signal.throwIfAborted();
    return;
  }
  try {
    await sleepTimer(ms, undefined, { signal });
  } catch (e) {
    if (signal.aborted) throw signal.reason;
    throw e;
  }
}

/** `Retry-After` in seconds or as an HTTP date → milliseconds (null when absent or unreadable). */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (header === null) return null;
  const v = header.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : Math.max(0, t - now);
}

/** GET a URL; answers with the body text of a 2xx (or passStatuses) response. */
export async function fetchText(url: string, p: FetchPolicy): Promise<{ status: number; headers: Headers; text: string }> {
  const r = await fetchBody(url, p, (res) => res.text(), (text) => text);
  return { status: r.status, headers: r.headers, text: r.body };
}

/**
 * GET a URL; answers with the body bytes (PDFs), at most `maxBytes` (a longer body fails the request), and
 * the address it ended at after redirects.
 */
export async function fetchBytes(url: string, p: FetchPolicy, maxBytes: number): Promise<{ status: number; headers: Headers; bytes: Uint8Array; url: string }> {
  let finalUrl = url;
  const r = await fetchBody(
    url,
    p,
    async (res) => {
      finalUrl = res.url || url;
      const declared = Number(res.headers.get('content-length') ?? NaN);
      if (declared > maxBytes) throw new UpstreamFetchError(`${p.service}: GET ${url}: ${declared} bytes, more than the ${maxBytes} allowed`);
      const bytes = new Uint8Array(await res.arrayBuffer());
      if (bytes.byteLength > maxBytes) throw new UpstreamFetchError(`${p.service}: GET ${url}: more than the ${maxBytes} bytes allowed`);
      return bytes;
    },
    (bytes) => new TextDecoder().decode(bytes.subarray(0, 2000)),
  );
  return { status: r.status, headers: r.headers, bytes: r.body, url: finalUrl };
}

async function fetchBody<T>(url: string, p: FetchPolicy, read: (res: Response) => Promise<T>, asText: (body: T) => string): Promise<{ status: number; headers: Headers; body: T }> {
  for (let retries = 0; ; retries++) {
    p.signal.throwIfAborted();
    const signal = AbortSignal.any([p.signal, AbortSignal.timeout(p.timeoutMs)]);
    let res: Response;
    let body: T;
    try {
      res = await fetch(url, { signal, headers: { 'user-agent': p.userAgent, ...p.headers }, redirect: 'follow' });
      body = await read(res); // under the same timeout: a body that trickles counts too
    } catch (e) {
      if (p.signal.aborted) throw p.signal.reason;
      if (e instanceof UpstreamFetchError) throw e;
      throw new UpstreamFetchError(`${p.service}: GET ${url} failed: ${describeNetworkError(e, p.timeoutMs)}`);
    }
    if (res.ok || p.passStatuses?.includes(res.status)) return { status: res.status, headers: res.headers, body };
    // 503 (arXiv, maintenance) and 429 (too many requests) with Retry-After: the upstream says when to come back.
    const wait = res.status === 503 || res.status === 429 ? retryAfterMs(res.headers.get('retry-after')) : null;
    if (wait === null) {
      throw new UpstreamFetchError(`${p.service}: GET ${url} answered ${res.status} ${res.statusText}${snippet(asText(body))}`, res.status);
    }
    if (wait > p.retryAfterMaxMs) {
      throw new UpstreamFetchError(`${p.service}: GET ${url} answered ${res.status} asking to retry after ${Math.ceil(wait / 1000)} s, longer than the ${p.retryAfterMaxMs / 1000} s allowed (HARVEST_RETRY_AFTER_MAX_SECONDS); retried at the next run`, res.status);
    }
    if (retries >= MAX_RETRY_AFTER_RETRIES) {
      throw new UpstreamFetchError(`${p.service}: GET ${url} still answered ${res.status} after ${MAX_RETRY_AFTER_RETRIES} waits; retried at the next run`, res.status);
    }
    p.onRetryAfter?.(wait);
    await sleep(wait, p.signal);
  }
}

function describeNetworkError(e: unknown, timeoutMs: number): string {
  const err = e as Error & { cause?: Error & { code?: string } };
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return `no answer within ${timeoutMs / 1000} s`;
  const cause = err.cause;
  if (cause?.code === 'ECONNREFUSED') return `connection refused (${cause.message})`;
  if (cause?.code === 'ENOTFOUND' || cause?.code === 'EAI_AGAIN') return `host not found, offline? (${cause.message})`;
  return cause?.message ?? err.message;
}

/** The start of an error body, on one line, for the message. */
function snippet(text: string): string {
  const t = text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 200);
  return t ? `: ${t}` : '';
}
