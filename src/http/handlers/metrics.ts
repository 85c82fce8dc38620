/** GET /metrics: the Prometheus report (src/ops/metrics.ts), to anyone (METRICS=on) or to the bearer of METRICS_TOKEN. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Handler } from 'hono';
import type { Metrics } from '../../ops/metrics.ts';

const digest = (s: string) => createHash('sha256').update(s).digest();

export function metricsHandler(metrics: Metrics, token: string | null): Handler {
  const expected = token === null ? null : digest(token);
  return async (c) => {
    if (expected) {
      const given = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '')?.[1];
      if (!given || !timingSafeEqual(digest(given), expected)) {
        return c.text('401: /metrics needs the header Authorization: Bearer METRICS_TOKEN\n', 401, { 'WWW-Authenticate': 'Bearer realm="metrics"', 'Cache-Control': 'no-store' });
      }
    }
    return c.body(await metrics.render(), 200, { 'Content-Type': metrics.contentType, 'Cache-Control': 'no-store' });
  };
}
