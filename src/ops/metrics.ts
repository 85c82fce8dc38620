/**
 * What GET /metrics reports, in Prometheus' text format (prom-client). Each app gets a Registry of its own, not
 * prom-client's global one, so that several apps in one process (tests, benches) do not mix their counts.
 * Counters and histograms move as things happen (requests, cache lookups, job runs, searches); the gauges (the
 * PostgreSQL pool, the mail outbox) are read when scraped.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Database } from '../db/connection.ts';
import { outboxDepth } from '../db/queries/outbox.ts';

/** Seconds: a cached page is well under a millisecond, a slow search some seconds. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'dailypapers_http_requests_total', help: 'HTTP requests answered, by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const, registers: [this.registry],
  });
  readonly requestSeconds = new Histogram({
    name: 'dailypapers_http_request_duration_seconds', help: 'Time from a request to its last byte, by method and route pattern.',
    labelNames: ['method', 'route'] as const, buckets: LATENCY_BUCKETS, registers: [this.registry],
  });
  readonly cacheLookups = new Counter({
    name: 'dailypapers_page_cache_lookups_total', help: 'Anonymous GETs looked up in the page cache: hit or miss.',
    labelNames: ['result'] as const, registers: [this.registry],
  });
  readonly jobRuns = new Counter({
    name: 'dailypapers_job_runs_total', help: 'Background job runs this instance made, by job and outcome (ok, error, interrupted).',
    labelNames: ['job', 'outcome'] as const, registers: [this.registry],
  });
  readonly searchSeconds = new Histogram({
    name: 'dailypapers_search_duration_seconds', help: 'Searches, by the mode that ran (keyword, semantic, hybrid).',
    labelNames: ['mode'] as const, buckets: LATENCY_BUCKETS, registers: [this.registry],
  });

  constructor(database: Database) {
    collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    new Gauge({
      name: 'dailypapers_db_pool_connections', help: 'PostgreSQL connections of the main pool: total, idle, and requests waiting for one (absent on SQLite).',
      labelNames: ['state'] as const, registers,
      collect() {
        const p = database.poolStats?.();
        if (!p) return;
        this.set({ state: 'total' }, p.total);
        this.set({ state: 'idle' }, p.idle);
        this.set({ state: 'waiting' }, p.waiting);
      },
    });
    new Gauge({
      name: 'dailypapers_outbox_mails', help: 'Mails in the outbox not sent, by status (queued: waiting or retrying; failed: given up).',
      labelNames: ['status'] as const, registers,
      async collect() {
        this.reset();
        // The database down is for /healthz to say; the rest of the report still goes out.
        const depth = await outboxDepth(database.db).catch(() => null);
        if (depth) for (const status of ['queued', 'failed']) this.set({ status }, depth[status] ?? 0);
      },
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  observeSearch(mode: string, seconds: number): void {
    this.searchSeconds.observe({ mode }, seconds);
  }
}
