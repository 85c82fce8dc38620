/**
 * Reads under a steady vote rate (docs/decisions/0018-cache-scopes-and-notifications.md): the read throughput of
 * one cached page and of a mix of pages while members vote at 0 (read-only: the baseline), 4 and 25 votes a
 * second through the site, on SQLite and PostgreSQL, in the same run. Prints req/s and the ratio to read-only.
 *
 *   npm run bench:cache-votes -- [DATA_DIR=../shared/data] [--engines sqlite,postgres] [--days 20] [--rates 4,25]
 *                                [--duration 8] [--connections 20] [--root DIR] [--pg postgres://postgres@127.0.0.1:5432/postgres]
 *
 * The server runs from source (`node --import tsx ROOT/src/cli.ts serve`, jobs off) in a child process; --root
 * runs another checkout of the project (e.g. an export of main, to measure before and after). The database is
 * created and imported by that checkout's own `dailypapers import` (the last --days files of DATA_DIR/hf-daily),
 * then members and sessions are added with this checkout's queries. Votes are POSTed as the members (JSON,
 * toggling on and off, spread over the latest day's papers, so that the measured pages show the counts they change).
 * The load generator and the voters run in this process and compete with the server for the CPU; the CPU used
 * by other processes is printed: req/s are disturbed when it is high, reads per CPU-second of the server much less.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
// @ts-ignore autocannon ships no type declarations.
import autocannonUntyped from 'autocannon';
import { hashToken, newToken, sessionCsrfToken } from '../src/auth/crypto.ts';
import { parseDatabaseUrl } from '../src/config.ts';
import { openDatabase } from '../src/db/connection.ts';
import { createSession, createUser, markEmailVerified } from '../src/db/queries/users.ts';
import { isoWeekOf } from '../src/domain/dates.ts';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    engines: { type: 'string', default: 'sqlite,postgres' },
    days: { type: 'string', default: '20' },
    rates: { type: 'string', default: '4,25' },
    duration: { type: 'string', default: '8' },
    connections: { type: 'string', default: '20' },
    root: { type: 'string', default: path.resolve(import.meta.dirname, '..') },
    pg: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
  },
});

interface AutocannonRequest {
  path?: string;
  setupRequest?: (req: { headers: Record<string, string> }) => { headers: Record<string, string> };
}
interface AutocannonResult {
  requests: { total: number };
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
}
const autocannon = autocannonUntyped as (o: { url: string; connections: number; duration: number; headers: Record<string, string>; requests: AutocannonRequest[]; timeout: number }) => Promise<AutocannonResult>;

/** Members who vote: the write tier allows each 60 a minute; 200 keep each far below it at 25 votes/s. */
const VOTERS = 200;
/** Simulated client addresses (TRUST_PROXY): the read tier allows 600 requests a minute to each. */
const CLIENTS = 10_000;
let client = 0;
const forwarded = (req: { headers: Record<string, string> }) => {
  client = (client + 1) % CLIENTS;
  req.headers['x-forwarded-for'] = `10.${client >> 16}.${(client >> 8) & 255}.${client & 255}`;
  return req;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const CLK_TCK = 100;
const busySeconds = () => {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  return (cpu.slice(0, 8).reduce((a, b) => a + b, 0) - cpu[3]! - cpu[4]!) / CLK_TCK;
};
const cpuOf = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / CLK_TCK;
};

function run(cmd: string[], env: Record<string, string>, cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, cmd, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd.join(' ')} exited ${code}:\n${out.slice(-4000)}`))));
  });
}

async function startServer(root: string, url: string): Promise<{ child: ChildProcess; base: string; output: () => string }> {
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: url, PORT: String(port), HOST: '127.0.0.1', NODE_ENV: 'production', TRUST_PROXY: 'true', JOBS_ENABLED: 'false', EMBEDDER: 'none' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out = (out + d).slice(-8000)));
  child.stderr!.on('data', (d) => (out = (out + d).slice(-8000)));
  const base = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(200)) {
    if (child.exitCode !== null) throw new Error(`the server exited:\n${out}`);
    if ((await fetch(`${base}/healthz`).catch(() => null))?.status === 200) return { child, base, output: () => out };
  }
  child.kill('SIGKILL');
  throw new Error(`the server did not answer /healthz within 60 s:\n${out}`);
}

interface Voter {
  cookie: string;
  csrf: string;
}

/** Votes at `rate` a second until stopped; returns how many were answered 200 and how many not. */
function voteAt(base: string, rate: number, voters: Voter[], papers: string[]) {
  const state = new Map<string, boolean>();
  let tick = 0;
  let ok = 0;
  let failed = 0;
  let inFlight = 0;
  const timer = rate > 0 ? setInterval(() => {
    if (inFlight > 50) return void failed++;
    const v = voters[tick % voters.length]!;
    const paper = papers[tick % papers.length]!;
    tick++;
    const key = `${v.csrf}:${paper}`;
    const on = !state.get(key);
    state.set(key, on);
    inFlight++;
    client = (client + 1) % CLIENTS;
    fetch(`${base}/papers/${paper}/vote`, {
      method: 'POST',
      headers: { cookie: v.cookie, accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': `10.200.${client >> 8 & 255}.${client & 255}` },
      body: new URLSearchParams({ _csrf: v.csrf, value: on ? '1' : '0' }).toString(),
    })
      .then((r) => (r.status === 200 ? ok++ : failed++), () => failed++)
      .finally(() => inFlight--);
  }, 1000 / rate) : undefined;
  return { stop: () => (clearInterval(timer), { ok, failed }) };
}

interface Row {
  workload: string;
  rate: number;
  rps: number;
  votes: { ok: number; failed: number };
  errors: number;
  serverCpu: number;
  /** Reads answered per second of the server's own CPU time (votes included): stays meaningful on a busy machine. */
  perCpu: number;
  /** The same, net of the CPU the server spends on the votes alone (measured without reads at that rate). */
  perReadCpu: number;
  otherCpu: number;
}

async function benchEngine(engine: 'sqlite' | 'postgres', root: string, files: string[]): Promise<Row[]> {
  const tmp = mkdtempSync(path.join(tmpdir(), 'dailypapers-cache-votes-'));
  const dbName = `dailypapers_bench_cv_${process.pid}`;
  const admin = new pg.Client({ connectionString: args.pg });
  let url = `sqlite:${path.join(tmp, 'bench.db')}`;
  if (engine === 'postgres') {
    await admin.connect();
    await admin.query(`create database ${dbName}`);
    const u = new URL(args.pg!);
    u.pathname = `/${dbName}`;
    url = u.toString();
  }
  let server: ChildProcess | undefined;
  try {
    const t0 = performance.now();
    await run(['--import', 'tsx', 'src/cli.ts', 'import', ...files, '--json'], { DATABASE_URL: url }, root);
    console.log(`${engine}: imported ${files.length} daily lists with ${root}'s importer in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const database = await openDatabase(parseDatabaseUrl(url));
    const voters: Voter[] = [];
    try {
      for (let i = 0; i < VOTERS; i++) {
        const user = await createUser(database.db, { username: `voter${i}`, email: `voter${i}@example.org`, passwordHash: null });
        await markEmailVerified(database.db, user.id);
        const session = newToken();
        await createSession(database.db, { tokenHash: hashToken(session), userId: user.id, expiresAt: new Date(Date.now() + 86_400_000).toISOString(), userAgent: null });
        // A signed-in browser's CSRF token is bound to its session; the same value in the cookie suits a checkout
        // from before that (double submit of the cookie), so --root may name either.
        const csrf = sessionCsrfToken(session);
        voters.push({ cookie: `dp_session=${session}; dp_csrf=${csrf}`, csrf });
      }
    } finally {
      await database.close();
    }

    const started = await startServer(root, url);
    server = started.child;
    const base = started.base;
    const latest = path.basename(files.at(-1)!, '.json');
    const list = (await (await fetch(`${base}/api/daily_papers?date=${latest}`)).json()) as { paper: { id: string } }[];
    const papers = list.map((e) => e.paper.id);
    if (papers.length === 0) throw new Error(`no papers on ${latest}`);
    const workloads: [string, string[]][] = [
      ['cached page', [`/papers/date/${latest}`]],
      ['mixed reads', ['/papers', `/papers/date/${latest}`, `/papers/week/${isoWeekOf(latest)}`, '/papers/trending', `/api/daily_papers?date=${latest}`, '/feeds/daily.rss', ...papers.slice(0, 10).map((id) => `/papers/${id}`)]],
    ];
    const rates = [0, ...args.rates!.split(',').map(Number)];
    // The server's CPU for the votes alone, per second, at each rate: to tell what reads cost under votes.
    const votesCpu = new Map<number, number>([[0, 0]]);
    for (const rate of rates.filter((r) => r > 0)) {
      const voting = voteAt(base, rate, voters, papers);
      await sleep(500);
      const cpu0 = cpuOf(server.pid!);
      const t0 = performance.now();
      await sleep(Number(args.duration) * 1000);
      votesCpu.set(rate, (cpuOf(server.pid!) - cpu0) / ((performance.now() - t0) / 1000));
      voting.stop();
      await sleep(300);
    }
    const rows: Row[] = [];
    for (const [workload, urls] of workloads) {
      const requests = urls.map((p) => ({ path: p, setupRequest: forwarded }));
      for (const u of urls) await fetch(base + u).then((r) => r.arrayBuffer()); // each page made once, as a first visitor would
      await autocannon({ url: base, connections: Number(args.connections), duration: 2, headers: { 'accept-encoding': 'gzip' }, requests, timeout: 10 });
      for (const rate of rates) {
        const voting = voteAt(base, rate, voters, papers);
        await sleep(500); // the vote rate is steady before the reads are counted
        const cpu0 = cpuOf(server.pid!);
        const busy0 = busySeconds();
        const own0 = process.cpuUsage();
        const t0 = performance.now();
        const r = await autocannon({ url: base, connections: Number(args.connections), duration: Number(args.duration), headers: { 'accept-encoding': 'gzip' }, requests, timeout: 10 });
        const seconds = (performance.now() - t0) / 1000;
        const votes = voting.stop();
        if (server.exitCode !== null || server.signalCode !== null) throw new Error(`the server exited during the run:\n${started.output()}`);
        const serverCpu = (cpuOf(server.pid!) - cpu0) / seconds;
        const own = process.cpuUsage(own0);
        const otherCpu = Math.max(0, (busySeconds() - busy0) / seconds - serverCpu - (own.user + own.system) / 1e6 / seconds);
        const perCpu = r.requests.total / (serverCpu * seconds);
        const perReadCpu = r.requests.total / (Math.max(0.001, serverCpu - votesCpu.get(rate)!) * seconds);
        rows.push({ workload, rate, rps: r.requests.total / seconds, votes, errors: r.errors + r.timeouts + r.non2xx, serverCpu: 100 * serverCpu, perCpu, perReadCpu, otherCpu: 100 * otherCpu });
        process.stderr.write(`${engine} ${workload} at ${rate} votes/s: ${(r.requests.total / seconds).toFixed(0)} req/s\n`);
        await sleep(300);
      }
    }
    return rows;
  } finally {
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((r) => server!.once('exit', r));
    }
    if (engine === 'postgres') {
      await admin.query(`drop database if exists ${dbName} with (force)`).catch(() => {});
      await admin.end();
    }
    rmSync(tmp, { recursive: true, force: true });
  }
}

const dataDir = path.resolve(positionals[0] ?? '../shared/data');
const daily = path.join(dataDir, 'hf-daily');
const files = readdirSync(daily).filter((f) => /^\d{4}-\d{2}-\d{2}\.json$/.test(f)).sort().slice(-Number(args.days)).map((f) => path.join(daily, f));
const root = path.resolve(args.root!);
console.log(`root ${root}; ${availableParallelism()} CPU cores; ${args.connections} connections, ${args.duration} s per measure; votes by ${VOTERS} members`);
for (const engine of args.engines!.split(',') as ('sqlite' | 'postgres')[]) {
  const rows = await benchEngine(engine, root, files);
  console.log(`\n${engine}                 votes/s    req/s   ratio  req/cpu-s   ratio  net of votes   ratio  votes ok/failed  non-2xx  server cpu%  other cpu%`);
  for (const r of rows) {
    const readOnly = rows.find((x) => x.workload === r.workload && x.rate === 0)!;
    console.log(
      `${r.workload.padEnd(22)} ${String(r.rate).padStart(7)} ${r.rps.toFixed(0).padStart(8)} ${(r.rps / readOnly.rps).toFixed(2).padStart(7)} ` +
        `${r.perCpu.toFixed(0).padStart(10)} ${(r.perCpu / readOnly.perCpu).toFixed(2).padStart(7)} ` +
        `${r.perReadCpu.toFixed(0).padStart(13)} ${(r.perReadCpu / readOnly.perReadCpu).toFixed(2).padStart(7)} ` +
        `${`${r.votes.ok}/${r.votes.failed}`.padStart(16)} ${String(r.errors).padStart(8)} ${r.serverCpu.toFixed(0).padStart(12)} ${r.otherCpu.toFixed(0).padStart(11)}`,
    );
  }
  console.log(
    'ratio: to the read-only run of the same workload; req/cpu-s: reads per second of the server\'s CPU (its votes included); ' +
      'net of votes: the same without the CPU the server spent on votes alone at that rate (measured first).',
  );
}
