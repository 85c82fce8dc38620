/**
 * HTTP benchmark: imports the real Hugging Face daily lists (DATA_DIR/hf-daily) into a temporary SQLite
 * database, builds the project, starts the production server (`node bin/dailypapers.js serve`,
 * NODE_ENV=production) in a child process and drives a few real URLs with autocannon, against a baseline
 * measured in the same run: a plain node:http server, in another child process, that answers each URL
 * from memory with exactly the bytes and headers the real server gave for it. Prints req/s, p99 latency,
 * the ratio to the baseline and the server's RSS, next to the targets.
 *
 *   npm run bench:http -- [DATA_DIR=../shared/data] [--duration 10] [--connections 50] [--warmup 2]
 *
 * The load generator runs in this process: on a small machine it competes with the server for the CPU,
 * equally for the real server and for the baseline. The table also gives the CPU each side used and the
 * requests per CPU-second, which stay meaningful when the load generator is the bottleneck, and warns when
 * other processes used the CPU meanwhile. Exit code 1 when a target is missed.
 *
 * The read rate limit (600 requests a minute per client address) would turn nearly every benchmark request
 * into a 429: the server runs with TRUST_PROXY=true, as behind a reverse proxy, and each request carries
 * an X-Forwarded-For address from a pool of CLIENTS, so that the limiter does its usual work per request
 * for many clients without refusing any (the baseline gets the same header).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
// @ts-ignore autocannon ships no type declarations (and there is no @types package installed).
import autocannonUntyped from 'autocannon';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    warmup: { type: 'string', default: '2' },
    'baseline-server': { type: 'string' }, // internal: run as the baseline child, serving this file
  },
});

const ROOT = path.resolve(import.meta.dirname, '..');

// ---- the little of autocannon's programmatic API that is used here
interface Histogram {
  average: number;
  p50: number;
  p99: number;
  max: number;
}
interface AutocannonRequest {
  setupRequest?: (req: { headers: Record<string, string> }) => { headers: Record<string, string> };
}
interface AutocannonResult {
  statusCodeStats: Record<string, { count: number }>;
  requests: Histogram & { total: number; sent: number };
  latency: Histogram;
  throughput: Histogram;
  duration: number;
  samples: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
}
interface AutocannonOptions {
  url: string;
  connections: number;
  duration: number;
  headers: Record<string, string>;
  requests?: AutocannonRequest[];
  timeout?: number;
}
const autocannon = autocannonUntyped as (opts: AutocannonOptions) => Promise<AutocannonResult>;

// ---- a recorded answer, served again by the baseline
interface Recorded {
  url: string;
  status: number;
  headers: [string, string][];
  body: Buffer;
}

/** Headers that belong to the connection, not to the answer. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'date']);

function baselineServer(file: string): void {
  const recorded = JSON.parse(readFileSync(file, 'utf8')) as { url: string; status: number; headers: [string, string][]; body: string }[];
  const byUrl = new Map(recorded.map((r) => [r.url, { status: r.status, headers: r.headers.flat(), body: Buffer.from(r.body, 'base64') }]));
  const server = http.createServer((req, res) => {
    const r = byUrl.get(req.url ?? '');
    if (!r) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not recorded');
      return;
    }
    res.writeHead(r.status, r.headers); // content-length is among the recorded headers
    res.end(r.body);
  });
  server.listen(0, '127.0.0.1', () => console.log(`listening ${(server.address() as AddressInfo).port}`));
  const stop = () => server.close(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

/** GET with `Accept-Encoding: gzip`, the body as it came over the wire (not decompressed). */
function getRaw(base: string, url: string): Promise<Recorded> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}${url}`, { headers: { 'accept-encoding': 'gzip' }, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const headers: [string, string][] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          const k = res.rawHeaders[i]!;
          if (!HOP_BY_HOP.has(k.toLowerCase())) headers.push([k, res.rawHeaders[i + 1]!]);
        }
        resolve({ url, status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks) });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: timed out`)));
    req.on('error', reject);
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = http.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Keeps the last 64 kB a child wrote, to show when it fails. */
function capture(child: ChildProcess): () => string {
  let out = '';
  const add = (d: Buffer) => (out = (out + d.toString()).slice(-65_536));
  child.stdout?.on('data', add);
  child.stderr?.on('data', add);
  return () => out;
}

async function waitHealthy(base: string, child: ChildProcess, output: () => string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the server exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${output()}`);
    }
    try {
      if ((await getRaw(base, '/healthz')).status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`GET /healthz did not answer 200 within ${timeoutMs / 1000} s:\n${output()}`);
}

function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** VmRSS and VmHWM (peak) of a running process, in MB. */
function memoryOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

/** CPU seconds (user + system, all threads) a process has used so far. */
const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();
function cpuSecondsOf(pid: number): number {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    throw new Error(`process ${pid} is gone`);
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from the 3rd (state) on
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime, stime: fields 14 and 15
}

/** CPU seconds the whole machine has spent busy (all cores, everything but idle and iowait). */
function machineBusySeconds(): number {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0); // user nice system idle iowait irq softirq steal
  return (total - cpu[3]! - cpu[4]!) / CLK_TCK;
}

interface Route {
  name: string;
  url: string;
  /** Lowest acceptable req/s ratio to the baseline. */
  minRatio: number;
  /** Highest acceptable p99 latency, ms (null: no target). */
  maxP99: number | null;
}

interface Measure {
  rps: number;
  avg: number;
  p99: number;
  p50: number;
  errors: number;
  non2xx: number;
  /** Answers by status code, e.g. "429×1200" (only the codes other than 200). */
  statuses: string;
  /** CPU used by the server, and by the load generator (this process), as % of one core. */
  serverCpu: number;
  loaderCpu: number;
  /** Requests answered per second of the server's CPU time: what it would serve with a core to itself. */
  perCpuSecond: number;
  /** CPU used by everything else on the machine meanwhile (other processes: should be near 0). */
  otherCpu: number;
}

/** Simulated client addresses: enough that none passes 600 requests a minute below ~100,000 req/s. */
const CLIENTS = 10_000;
let client = 0;
const requests: AutocannonRequest[] = [
  {
    setupRequest: (req) => {
      client = (client + 1) % CLIENTS;
      req.headers['x-forwarded-for'] = `10.${client >> 16}.${(client >> 8) & 255}.${client & 255}`;
      return req;
    },
  },
];

async function load(url: string, pid: number, connections: number, duration: number, warmup: number): Promise<Measure> {
  const headers = { 'accept-encoding': 'gzip' };
  if (warmup > 0) await autocannon({ url, connections, duration: warmup, headers, requests, timeout: 10 });
  const cpu0 = cpuSecondsOf(pid);
  const own0 = process.cpuUsage();
  const busy0 = machineBusySeconds();
  const t0 = performance.now();
  const r = await autocannon({ url, connections, duration, headers, requests, timeout: 10 });
  const seconds = (performance.now() - t0) / 1000;
  const own = process.cpuUsage(own0);
  const serverCpuSeconds = cpuSecondsOf(pid) - cpu0;
  const serverCpu = (100 * serverCpuSeconds) / seconds;
  const loaderCpu = (100 * (own.user + own.system)) / 1e6 / seconds;
  return {
    rps: r.requests.p50, avg: r.requests.average, p99: r.latency.p99, p50: r.latency.p50,
    errors: r.errors + r.timeouts, non2xx: r.non2xx,
    statuses: Object.entries(r.statusCodeStats).filter(([code]) => code !== '200').map(([code, v]) => `${code}×${v.count}`).join(' '),
    serverCpu, loaderCpu, perCpuSecond: r.requests.total / serverCpuSeconds,
    otherCpu: Math.max(0, (100 * (machineBusySeconds() - busy0)) / seconds - serverCpu - loaderCpu),
  };
}

async function main(): Promise<void> {
  if (args['baseline-server']) return baselineServer(args['baseline-server']);

  const dataDir = path.resolve(positionals[0] ?? '../shared/data');
  const duration = Number(args.duration);
  const connections = Number(args.connections);
  const warmup = Number(args.warmup);
  for (const [name, v] of [['--duration', duration], ['--connections', connections], ['--warmup', warmup]] as const) {
    if (!Number.isFinite(v) || v < 0 || (name !== '--warmup' && v < 1)) throw new Error(`${name}: expected a positive number`);
  }

  const tmp = mkdtempSync(path.join(tmpdir(), 'dailypapers-http-'));
  const children: ChildProcess[] = [];
  const cleanup = async () => {
    await Promise.all(children.map(stopChild));
    rmSync(tmp, { recursive: true, force: true });
  };
  const onSignal = () => void cleanup().then(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    // 1. Import the real daily lists into a fresh database, and pick the URLs from it.
    const { parseDatabaseUrl } = await import('../src/config.ts');
    const { openDatabase } = await import('../src/db/connection.ts');
    const { migrate } = await import('../src/db/migrate.ts');
    const { importFiles, listInputFiles } = await import('../src/importers/import-files.ts');
    const { latestListingDay, listingsInRange } = await import('../src/db/queries/lists.ts');
    const { isoWeekOf } = await import('../src/domain/dates.ts');

    const dbFile = path.join(tmp, 'bench.db');
    const database = await openDatabase(parseDatabaseUrl(`sqlite:${dbFile}`));
    let latest: string;
    let paperId: string;
    try {
      await migrate(database);
      const files = await listInputFiles([path.join(dataDir, 'hf-daily')]);
      const t0 = performance.now();
      const r = await importFiles(database, files);
      console.log(
        `imported ${files.length} files from ${path.join(dataDir, 'hf-daily')}: ${r.read} records (${r.new} new), ` +
          `${r.rejected} rejected, in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
      );
      const day = await latestListingDay(database.db);
      if (!day) throw new Error('no daily list was imported');
      latest = day;
      const top = await listingsInRange(database.db, { from: day, to: day }, { limit: 1, offset: 0 });
      if (!top.items[0]) throw new Error(`no paper on ${day}`);
      paperId = top.items[0].paper.id;
    } finally {
      await database.close();
    }

    const routes: Route[] = [
      { name: 'home (latest day)', url: '/papers', minRatio: 0.7, maxP99: 50 },
      { name: 'daily page', url: `/papers/date/${latest}`, minRatio: 0.7, maxP99: 50 },
      { name: 'week page', url: `/papers/week/${isoWeekOf(latest)}`, minRatio: 0.4, maxP99: null },
      { name: 'trending', url: '/papers/trending', minRatio: 0.4, maxP99: null },
      { name: 'paper page', url: `/papers/${paperId}`, minRatio: 0.7, maxP99: 50 },
      { name: 'API daily_papers', url: `/api/daily_papers?date=${latest}`, minRatio: 0.4, maxP99: null },
      { name: 'RSS daily', url: '/feeds/daily.rss', minRatio: 0.4, maxP99: null },
    ];

    // Everything from here on is bounded: a watchdog ends the run if autocannon or a server hangs.
    const budget = 120 + routes.length * 2 * (duration + warmup + 10);
    const watchdog = setTimeout(() => {
      console.error(`bench:http: still running after ${budget} s; giving up`);
      void cleanup().then(() => process.exit(1));
    }, budget * 1000);
    watchdog.unref();

    // 2. Build, then start the production server.
    let t0 = performance.now();
    try {
      execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'pipe', timeout: 120_000 });
    } catch (e) {
      const { stdout, stderr } = e as { stdout?: Buffer; stderr?: Buffer };
      throw new Error(`npm run build failed:\n${stdout ?? ''}${stderr ?? ''}`);
    }
    console.log(`npm run build: ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const server = spawn(process.execPath, ['bin/dailypapers.js', 'serve'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: `sqlite:${dbFile}`, PORT: String(port), HOST: '127.0.0.1', NODE_ENV: 'production', TRUST_PROXY: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(server);
    const serverOutput = capture(server);
    t0 = performance.now();
    await waitHealthy(base, server, serverOutput);
    console.log(`server (pid ${server.pid}, NODE_ENV=production TRUST_PROXY=true) ready on ${base} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    // 3. Record what the real server answers (also fills its response cache, as any first visitor would).
    const recorded: Recorded[] = [];
    for (const route of routes) {
      const r = await getRaw(base, route.url);
      if (r.status !== 200) throw new Error(`GET ${route.url}: ${r.status}\n${r.body.toString().slice(0, 500)}`);
      recorded.push(r);
    }

    // 4. The baseline: the same answers from memory, from a plain node:http server.
    const recordedFile = path.join(tmp, 'recorded.json');
    writeFileSync(recordedFile, JSON.stringify(recorded.map((r) => ({ ...r, body: r.body.toString('base64') }))));
    const baseline = spawn(process.execPath, ['--import', 'tsx', import.meta.filename, '--baseline-server', recordedFile], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(baseline);
    const baselineOutput = capture(baseline);
    const baselinePort = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the baseline server did not start:\n${baselineOutput()}`)), 30_000);
      baseline.stdout.on('data', () => {
        const m = /listening (\d+)/.exec(baselineOutput());
        if (m) clearTimeout(timer), resolve(Number(m[1]));
      });
      baseline.once('exit', (code) => reject(new Error(`the baseline server exited (${code}):\n${baselineOutput()}`)));
    });
    const baselineBase = `http://127.0.0.1:${baselinePort}`;
    for (const r of recorded) {
      const b = await getRaw(baselineBase, r.url);
      const same = (name: string) => b.headers.find(([k]) => k.toLowerCase() === name)?.[1] === r.headers.find(([k]) => k.toLowerCase() === name)?.[1];
      if (b.status !== r.status || !b.body.equals(r.body) || !same('content-type') || !same('content-encoding')) {
        throw new Error(`the baseline does not answer ${r.url} as the server does`);
      }
    }

    const header = (r: Recorded, name: string) => r.headers.find(([k]) => k.toLowerCase() === name)?.[1] ?? '-';
    console.log(`\nlatest day ${latest}; ${connections} connections, ${warmup} s warm-up then ${duration} s per route and server; Accept-Encoding: gzip; X-Forwarded-For from ${CLIENTS} addresses`);
    console.log(`${availableParallelism()} CPU cores: the load generator (this process) competes with the server for them.\n`);
    console.log('route                 url                                   status content-type                      encoding  bytes');
    for (const [i, route] of routes.entries()) {
      const r = recorded[i]!;
      console.log(
        `${route.name.padEnd(21)} ${route.url.padEnd(37)} ${String(r.status).padEnd(6)} ${header(r, 'content-type').padEnd(33)} ` +
          `${header(r, 'content-encoding').padEnd(8)} ${String(r.body.length).padStart(6)}`,
      );
    }

    // 5. Load, route by route: the real server, then the baseline.
    const results: { route: Route; real: Measure; base: Measure }[] = [];
    const alive = (child: ChildProcess, name: string, output: () => string) => {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`the ${name} exited (${child.exitCode ?? child.signalCode}) during the run; its last output:\n${output()}`);
      }
    };
    for (const route of routes) {
      process.stderr.write(`loading ${route.url} … `);
      const real = await load(`${base}${route.url}`, server.pid!, connections, duration, warmup).finally(() => alive(server, 'server', serverOutput));
      const baseM = await load(`${baselineBase}${route.url}`, baseline.pid!, connections, duration, warmup).finally(() =>
        alive(baseline, 'baseline server', baselineOutput),
      );
      process.stderr.write(`${real.rps.toFixed(0)} vs ${baseM.rps.toFixed(0)} req/s\n`);
      results.push({ route, real, base: baseM });
    }
    const memory = memoryOf(server.pid!);
    const baselineMemory = memoryOf(baseline.pid!);

    // 6. The table.
    const f0 = (n: number) => n.toFixed(0);
    const f1 = (n: number) => n.toFixed(1);
    console.log('\nreq/s: median of autocannon\'s per-second samples (requests.p50); avg: their mean. p99: latency, ms.');
    console.log(
      'cpu: CPU used by that server during the run; gen: by the load generator (this process); oth: by every other ' +
        `process on the machine (should be ~0); % of one core, ${availableParallelism()} cores = ${availableParallelism() * 100}%.`,
    );
    console.log(
      'req/cpu-s: requests answered per second of that server\'s own CPU time; cpu ratio: the same ratio at equal CPU, which\n' +
        'is what the server would reach when the load generator is not the bottleneck (gen ~100%).',
    );
    console.log(
      'route                 server req/s    avg   p99  cpu  gen  oth req/cpu-s | baseline req/s    avg   p99  cpu  gen  oth req/cpu-s |  ratio | cpu ratio | target                 | ok',
    );
    let allOk = true;
    for (const { route, real, base: b } of results) {
      const ratio = real.rps / b.rps;
      const ok = ratio >= route.minRatio && (route.maxP99 === null || real.p99 < route.maxP99) && real.errors === 0 && real.non2xx === 0;
      allOk &&= ok;
      const target = `>= ${route.minRatio.toFixed(1)}×${route.maxP99 === null ? '' : `, p99 < ${route.maxP99} ms`}`;
      const problems = [real.errors ? `${real.errors} errors` : '', real.statuses ? `server answered ${real.statuses}` : '', b.statuses ? `baseline answered ${b.statuses}` : '']
        .filter(Boolean)
        .join(', ');
      console.log(
        `${route.name.padEnd(21)} ${f0(real.rps).padStart(12)} ${f0(real.avg).padStart(6)} ${f1(real.p99).padStart(5)} ` +
          `${f0(real.serverCpu).padStart(4)} ${f0(real.loaderCpu).padStart(4)} ${f0(real.otherCpu).padStart(4)} ${f0(real.perCpuSecond).padStart(9)} | ` +
          `${f0(b.rps).padStart(14)} ${f0(b.avg).padStart(6)} ${f1(b.p99).padStart(5)} ` +
          `${f0(b.serverCpu).padStart(4)} ${f0(b.loaderCpu).padStart(4)} ${f0(b.otherCpu).padStart(4)} ${f0(b.perCpuSecond).padStart(9)} | ` +
          `${ratio.toFixed(2).padStart(6)} | ${(real.perCpuSecond / b.perCpuSecond).toFixed(2).padStart(9)} | ` +
          `${target.padEnd(22)} | ${ok ? 'yes' : 'NO'}${problems ? ` (${problems})` : ''}`,
      );
    }
    const rssOk = memory.hwm < 250;
    allOk &&= rssOk;
    console.log(
      `\nserver RSS after the run: VmRSS ${f0(memory.rss)} MB, peak VmHWM ${f0(memory.hwm)} MB (target < 250 MB: ${rssOk ? 'yes' : 'NO'}); ` +
        `baseline VmRSS ${f0(baselineMemory.rss)} MB, VmHWM ${f0(baselineMemory.hwm)} MB`,
    );
    const busiest = Math.max(...results.flatMap((r) => [r.real.otherCpu, r.base.otherCpu]));
    if (busiest > 20) console.log(`warning: other processes used up to ${f0(busiest)}% CPU during the runs; the figures are disturbed`);
    console.log(allOk ? 'all targets met' : 'some targets NOT met');
    if (!allOk) process.exitCode = 1;
    clearTimeout(watchdog);
  } finally {
    await cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

await main();
