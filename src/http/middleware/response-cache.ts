/**
 * Anonymous GET responses, cached in memory and compressed once (docs/decisions/0018-cache-scopes-and-notifications.md).
 * An entry records the versions of the change scopes (src/db/change-feed.ts) it was made at: it is valid while
 * the `content` version is the same, and, once the `votes` version has moved, for at most VOTE_STALENESS_MS
 * after it was made. Writes of any process count (another instance, an import from the CLI); checking them
 * costs no round trip to the database. Every cached answer carries an ETag and Cache-Control, and
 * `If-None-Match` gets a 304.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { Context, MiddlewareHandler } from 'hono';
import type { Database } from '../../db/connection.ts';
import { prefersMarkdown } from '../../domain/paper-markdown.ts';

/** Memory the cache may hold; the least recently used answers go first. */
export const CACHE_MAX_BYTES = 64 * 1024 * 1024;
/** Browsers and proxies may reuse an answer this long, then revalidate it with its ETag. */
export const CACHE_CONTROL = 'public, max-age=60';
/**
 * How long a page may still show upvote counts from before a vote. Every vote used to drop every cached page:
 * at 4 votes a second a cached page fell from 6,126 to 774 req/s. 5 s keeps a page's rebuilds to one per 5 s
 * whatever the vote rate, and is shorter than anyone takes to reload a page to look for their vote (the voter
 * is signed in: their own pages are never cached and show it at once).
 */
export const VOTE_STALENESS_MS = 5_000;
/** Smaller bodies are not worth compressing. */
const MIN_COMPRESS_BYTES = 1024;

export interface ResponseCacheOptions {
  maxBytes?: number;
  voteStalenessMs?: number;
  /** Milliseconds on a monotonic clock (tests move it). */
  clock?: () => number;
  /** Told of every lookup (`hit`: answered from the cache), for /metrics. */
  onLookup?: (hit: boolean) => void;
}

interface Entry {
  content: number;
  votes: number;
  /** When (clock) the versions were read, before the page was made. */
  at: number;
  body: Buffer;
  gzip: Buffer | null;
  etag: string;
  headers: [string, string][];
  size: number;
}

const COMPRESSIBLE = /^(text\/|application\/(json|xml|rss\+xml|atom\+xml|feed\+json))/;

export function responseCache(database: Database, opts: ResponseCacheOptions = {}): MiddlewareHandler & { clear(): void } {
  const { maxBytes = CACHE_MAX_BYTES, voteStalenessMs = VOTE_STALENESS_MS, clock = () => performance.now(), onLookup } = opts;
  const entries = new Map<string, Entry>();
  let bytes = 0;
  const drop = (key: string) => {
    const e = entries.get(key);
    if (e) bytes -= e.size;
    entries.delete(key);
  };

  const handler: MiddlewareHandler = async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') return next();
    // Null at first (PostgreSQL's listener connecting) and after a write of this process: check, then trust.
    const versions = database.changes.current() ?? (await database.changes.settle(), database.changes.current());
    if (!versions) return next(); // nobody can say what changed meanwhile: every request is answered afresh
    const at = clock();
    const url = new URL(c.req.url);
    // A paper's address answers Markdown to `Accept: text/markdown` (handlers/paper-markdown.ts): its own entry.
    const key = url.pathname + url.search + (prefersMarkdown(c.req.header('accept')) ? ' (markdown)' : '');
    let entry = entries.get(key);
    const fresh = (e: Entry) => e.content === versions.content && (e.votes === versions.votes || at - e.at < voteStalenessMs);
    if (entry && !fresh(entry)) {
      drop(key);
      entry = undefined;
    }
    onLookup?.(entry !== undefined);
    if (entry) {
      // Most recently used goes to the end of the Map's order.
      entries.delete(key);
      entries.set(key, entry);
      return serve(c, entry);
    }
    await next();
    const res = c.res;
    const type = res.headers.get('content-type') ?? '';
    const control = res.headers.get('cache-control') ?? '';
    if (res.status !== 200 || res.headers.has('set-cookie') || /no-store|private/.test(control) || !COMPRESSIBLE.test(type)) return;
    const body = Buffer.from(await res.arrayBuffer());
    // Per-request headers (rate-limit counts) belong to the request that filled the cache, not to the page.
    const headers = [...res.headers.entries()].filter(([k]) => !/^(content-length|content-encoding|ratelimit-|retry-after)/.test(k));
    if (!res.headers.has('cache-control')) headers.push(['cache-control', CACHE_CONTROL]);
    const gzip = body.length >= MIN_COMPRESS_BYTES ? gzipSync(body, { level: 6 }) : null;
    entry = {
      content: versions.content, votes: versions.votes, at, body, gzip, headers,
      etag: `"${createHash('sha1').update(body).digest('base64url').slice(0, 22)}"`,
      size: body.length + (gzip?.length ?? 0) + key.length,
    };
    if (entry.size <= maxBytes / 8) {
      entries.set(key, entry);
      bytes += entry.size;
      for (const k of entries.keys()) {
        if (bytes <= maxBytes) break;
        drop(k);
      }
    }
    c.res = undefined; // replace, not merge, the handler's response
    c.res = serve(c, entry);
  };
  return Object.assign(handler, { clear: () => (entries.clear(), (bytes = 0)) });
}

function serve(c: Context, e: Entry): Response {
  const headers = new Headers(e.headers);
  headers.set('etag', e.etag);
  // The same URL shows a member another page (their votes, their name): no cache, the browser's
  // included, may hand this anonymous answer to a request that carries other cookies.
  headers.set('vary', [...new Set(['Accept-Encoding', 'Cookie', ...(headers.get('vary') ?? '').split(',').map((v) => v.trim()).filter(Boolean)])].join(', '));
  const inm = c.req.header('if-none-match');
  if (inm && inm.split(',').some((t) => t.trim().replace(/^W\//, '') === e.etag)) {
    headers.delete('content-type');
    return new Response(null, { status: 304, headers });
  }
  const useGzip = e.gzip !== null && /\bgzip\b/.test(c.req.header('accept-encoding') ?? '');
  if (useGzip) headers.set('content-encoding', 'gzip');
  const body = useGzip ? e.gzip! : e.body;
  headers.set('content-length', String(body.length));
  // A view on the cached bytes, not a copy (new Uint8Array(buffer) would copy them on every request).
  return new Response(c.req.method === 'HEAD' ? null : new Uint8Array(body.buffer as ArrayBuffer, body.byteOffset, body.byteLength), { status: 200, headers });
}
