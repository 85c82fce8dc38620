/**
 * GET /metrics (src/ops/metrics.ts, src/http/handlers/metrics.ts) and the request log (src/http/middleware/observe.ts):
 * off unless configured, token-protected, a report a strict Prometheus text parser accepts, and counts that move
 * with requests, page cache lookups, searches, job runs and the mail outbox; one JSON log line per request with
 * the route pattern, never the address or its query string.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { createMailer } from '../../src/email/mailer.ts';
import { importFiles, listInputFiles } from '../../src/importers/import-files.ts';
import { Scheduler } from '../../src/jobs/scheduler.ts';
import { createLogger } from '../../src/ops/log.ts';
import { Metrics } from '../../src/ops/metrics.ts';
import { ENGINES, openTestDatabase } from '../helpers/db.ts';
import { startTestServer, type TestServer } from '../helpers/http.ts';
import { parsePrometheusText, sampleValue, type Family } from '../helpers/prometheus.ts';
import { FIXTURES } from '../helpers/site.ts';

const TOKEN = 'metrics-token-0123456789abcdef';

test('configuration: /metrics is off by default, on with METRICS=on or a token (unless METRICS=off); a short token is refused', () => {
  const base = { DATABASE_URL: 'sqlite::memory:' };
  assert.deepEqual(loadConfig(base).observability, { logLevel: 'info', metrics: { enabled: false, token: null } });
  assert.deepEqual(loadConfig({ ...base, METRICS: 'on' }).observability.metrics, { enabled: true, token: null });
  assert.deepEqual(loadConfig({ ...base, METRICS_TOKEN: TOKEN }).observability.metrics, { enabled: true, token: TOKEN });
  assert.equal(loadConfig({ ...base, METRICS_TOKEN: TOKEN, METRICS: 'off' }).observability.metrics.enabled, false);
  assert.equal(loadConfig({ ...base, LOG_LEVEL: 'silent' }).observability.logLevel, 'silent');
  assert.throws(() => loadConfig({ ...base, METRICS_TOKEN: 'short' }), /METRICS_TOKEN: expected at least 16 printable characters.*\(got a value, not shown\)/);
  assert.throws(() => loadConfig({ ...base, LOG_LEVEL: 'loud' }), /LOG_LEVEL: expected one of fatal, error/);
});

/** Collects what a logger writes, one parsed JSON object a line. */
function logSink(): { stream: Writable & { write(s: string): boolean }; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l));
      done();
    },
  });
  return { stream, lines };
}

for (const engine of ENGINES) {
  describe(`/metrics and the request log on ${engine}`, () => {
    let database: Awaited<ReturnType<typeof openTestDatabase>>;
    let server: TestServer;
    let metrics: Metrics;
    const sink = logSink();
    before(async () => {
      database = await openTestDatabase(engine);
      await importFiles(database, await listInputFiles([path.join(FIXTURES, 'hf-daily')]));
      metrics = new Metrics(database);
      const log = createLogger({ level: 'info', destination: sink.stream, pretty: false });
      server = await startTestServer(database, { metrics, metricsToken: TOKEN, log });
    });
    after(async () => {
      await server.close();
      await database.close();
    });

    const scrape = async (): Promise<Map<string, Family>> => {
      const r = await server.get('/metrics', { Authorization: `Bearer ${TOKEN}` });
      assert.equal(r.status, 200);
      assert.match(r.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      assert.equal(r.headers.get('cache-control'), 'no-store');
      return parsePrometheusText(await r.text());
    };

    test('without the token, or with another, 401; the report parses and has every family', async () => {
      const none = await server.get('/metrics');
      assert.equal(none.status, 401);
      assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="metrics"');
      assert.equal((await server.get('/metrics', { Authorization: 'Bearer not-the-token-at-all-000' })).status, 401);
      assert.equal((await server.get('/metrics', { Authorization: `Basic ${TOKEN}` })).status, 401);
      const families = await scrape();
      for (const [name, type] of [
        ['dailypapers_http_requests_total', 'counter'], ['dailypapers_http_request_duration_seconds', 'histogram'],
        ['dailypapers_page_cache_lookups_total', 'counter'], ['dailypapers_job_runs_total', 'counter'],
        ['dailypapers_search_duration_seconds', 'histogram'], ['dailypapers_outbox_mails', 'gauge'],
        ['dailypapers_db_pool_connections', 'gauge'], ['process_cpu_seconds_total', 'counter'],
      ] as const) assert.equal(families.get(name)?.type, type, name);
      // The pool is PostgreSQL's; SQLite has none to report.
      if (engine === 'postgres') assert.ok(sampleValue(families, 'dailypapers_db_pool_connections', { state: 'total' }) >= 1);
      else assert.equal(families.get('dailypapers_db_pool_connections')!.samples.length, 0);
    });

    test('requests by route pattern and status, cache hits and misses, searches by mode: counts move', async () => {
      const before = await scrape();
      const day = '/papers/date/2024-12-10';
      for (let i = 0; i < 3; i++) assert.equal((await server.get(day)).status, 200);
      assert.equal((await server.get('/papers/2412.99999?secret=abc')).status, 404);
      assert.equal((await server.get('/no/such/page')).status, 404);
      assert.equal((await server.get('/search?q=language+models&mode=keyword')).status, 200);
      const after = await scrape();
      const moved = (name: string, labels: Record<string, string>) => sampleValue(after, name, labels) - sampleValue(before, name, labels);
      assert.equal(moved('dailypapers_http_requests_total', { method: 'GET', route: '/papers/date/:day', status: '200' }), 3);
      assert.equal(moved('dailypapers_http_request_duration_seconds_count', { method: 'GET', route: '/papers/date/:day' }), 3);
      // The pattern, not the address: one series for every paper id.
      assert.equal(moved('dailypapers_http_requests_total', { route: '/papers/:id{[0-9]{4}\\.[0-9]{4,5}(?:v[0-9]+)?}', status: '404' }), 1);
      assert.equal(moved('dailypapers_http_requests_total', { route: '(unmatched)', status: '404' }), 1);
      // The first visit to the day's page filled the cache, the next two were answered from it.
      assert.ok(moved('dailypapers_page_cache_lookups_total', { result: 'hit' }) >= 2);
      assert.ok(moved('dailypapers_page_cache_lookups_total', { result: 'miss' }) >= 1);
      assert.equal(moved('dailypapers_search_duration_seconds_count', { mode: 'keyword' }), 1);
      // The scrape itself is a request too.
      assert.ok(moved('dailypapers_http_requests_total', { route: '/metrics', status: '200' }) >= 1);
    });

    test('job runs by name and outcome; the outbox depth', async () => {
      const jobs = [
        { name: 'works', description: 'ok', schedule: '0 0 1 1 *', off: null, timeoutMs: 5000, run: async () => 'done' },
        { name: 'breaks', description: 'fails', schedule: '0 0 1 1 *', off: null, timeoutMs: 5000, run: async () => { throw new Error('upstream down'); } },
      ];
      const scheduler = new Scheduler({ database, jobs, timezone: 'UTC', tickMs: 60_000, log: () => {}, onRun: (r) => metrics.jobRuns.inc({ job: r.name, outcome: r.status }) });
      await scheduler.sync();
      await scheduler.runNow('works');
      await scheduler.runNow('works');
      await scheduler.runNow('breaks');
      const mailer = createMailer(database, { smtpUrl: null, from: 'Daily Papers <papers@papers.test>' });
      const outboxBefore = sampleValue(await scrape(), 'dailypapers_outbox_mails', { status: 'queued' });
      await mailer.enqueue({ to: 'ada@example.org', subject: 'hello', text: 'hello', kind: 'digest' });
      const families = await scrape();
      assert.equal(sampleValue(families, 'dailypapers_job_runs_total', { job: 'works', outcome: 'ok' }), 2);
      assert.equal(sampleValue(families, 'dailypapers_job_runs_total', { job: 'breaks', outcome: 'error' }), 1);
      assert.equal(sampleValue(families, 'dailypapers_outbox_mails', { status: 'queued' }), outboxBefore + 1);
    });

    test('one JSON log line per request: method, route pattern, status, ms, bytes; no address, no query string', async () => {
      sink.lines.length = 0;
      const r = await server.get('/papers/2412.99999?token=SECRET-IN-QUERY');
      const body = await r.arrayBuffer();
      await new Promise((resolve) => setTimeout(resolve, 50));
      const line = sink.lines.find((l) => l.msg === 'request' && l.status === 404);
      assert.ok(line, JSON.stringify(sink.lines));
      assert.equal(line.method, 'GET');
      assert.equal(line.route, '/papers/:id{[0-9]{4}\\.[0-9]{4,5}(?:v[0-9]+)?}');
      assert.equal(line.level, 30);
      assert.equal(typeof line.ms, 'number');
      assert.equal(line.bytes, body.byteLength);
      assert.doesNotMatch(JSON.stringify(sink.lines), /SECRET-IN-QUERY|2412\.99999/);
    });
  });
}

test('an app without metrics has no /metrics (404), and two apps in one process keep their own counts', async () => {
  const database = await openTestDatabase('sqlite');
  const plain = await startTestServer(database);
  const a = new Metrics(database);
  const b = new Metrics(database);
  const withA = await startTestServer(database, { metrics: a });
  const withB = await startTestServer(database, { metrics: b });
  try {
    assert.equal((await plain.get('/metrics')).status, 404);
    await withA.get('/about/ranking');
    await withA.get('/about/ranking');
    await withB.get('/about/ranking');
    const count = async (s: TestServer) => sampleValue(parsePrometheusText(await (await s.get('/metrics')).text()), 'dailypapers_http_requests_total', { route: '/about/ranking' });
    assert.equal(await count(withA), 2);
    assert.equal(await count(withB), 1);
  } finally {
    await Promise.all([plain.close(), withA.close(), withB.close()]);
    await database.close();
  }
});

test('the Prometheus parser refuses what is not the format', () => {
  assert.throws(() => parsePrometheusText('x 1\n'), /before any HELP\/TYPE/);
  assert.throws(() => parsePrometheusText('# TYPE x counter\nx -1\n'), /counter x is -1/);
  assert.throws(() => parsePrometheusText('# TYPE x gauge\nx{a="1} 1\n'), /unterminated/);
  assert.throws(() => parsePrometheusText('# TYPE x gauge\nx{a="1"} 1\nx{a="1"} 2\n'), /given twice/);
  assert.throws(() => parsePrometheusText('# TYPE h histogram\nh_bucket{le="1"} 2\nh_sum 1\nh_count 2\n'), /no le="\+Inf"/);
  assert.throws(() => parsePrometheusText('# TYPE x gauge\nx one\n'), /not a number/);
  assert.equal(sampleValue(parsePrometheusText('# HELP x a gauge\n# TYPE x gauge\nx{a="q\\"uote"} 2.5\n'), 'x', { a: 'q"uote' }), 2.5);
});
