/**
 * One log line and the /metrics counts for every request: method, route PATTERN (`/papers/:id{…}`, not the
 * address: a bounded set of labels, and no tokens or query strings in logs), status, milliseconds to the last
 * byte, and bytes of body sent. Registered first, so that it sees every answer, errors and 404s included.
 */
import type { ServerResponse } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { Logger } from '../../ops/log.ts';
import type { Metrics } from '../../ops/metrics.ts';

/** The label of a request no route took (a 404, or one a middleware refused before routing mattered). */
export const UNMATCHED = '(unmatched)';

/**
 * The pattern of the route that answered: the handler the request reached, or, when a middleware answered first
 * (the page cache, a rate limit), the first route (GET, POST…; middleware are `ALL`) it would have reached.
 */
export function routePattern(c: Context): string {
  const routes = matchedRoutes(c);
  for (let i = c.req.routeIndex; i < routes.length; i++) if (routes[i]!.method !== 'ALL') return routes[i]!.path;
  return UNMATCHED;
}

export function observe(log: Logger | null, metrics: Metrics | null): MiddlewareHandler {
  if (!log && !metrics) return (_c, next) => next();
  return async (c, next) => {
    const t0 = performance.now();
    await next();
    const method = c.req.method;
    const route = routePattern(c);
    const status = c.res.status;
    const record = (bytes: number | null) => {
      const ms = performance.now() - t0;
      metrics?.requests.inc({ method, route, status: String(status) });
      metrics?.requestSeconds.observe({ method, route }, ms / 1000);
      if (log) {
        const line = { method, route, status, ms: Math.round(ms * 10) / 10, bytes };
        if (status >= 500) log.error(line, 'request');
        else log.info(line, 'request');
      }
    };
    // Over Node's HTTP server: measured when the last byte is handed to the socket (streamed bodies included).
    const out = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
    if (!out) return record(Number(c.res.headers.get('content-length') ?? '') || null);
    let bytes = 0;
    const count = (chunk: unknown) => {
      if (typeof chunk === 'string') bytes += Buffer.byteLength(chunk);
      else if (chunk instanceof Uint8Array) bytes += chunk.byteLength;
    };
    const { write, end } = out;
    out.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
      count(chunk);
      return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
    } as ServerResponse['write'];
    out.end = function (this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
      if (typeof chunk !== 'function') count(chunk);
      return (end as (...a: unknown[]) => ServerResponse).call(this, chunk, ...rest);
    } as ServerResponse['end'];
    out.once('close', () => record(bytes));
  };
}
