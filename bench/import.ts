/**
 * Import benchmark: generates a synthetic arXiv snapshot file of N lines with realistic text (the word-bigram
 * model of bench/text-model.ts, learned from the real Hugging Face Daily Papers files in HF_DAILY_DIR, as
 * bench/search-speed.ts's corpus), imports it into a fresh database on each engine in a child process, and
 * prints papers/s and the child's peak RSS, against a baseline measured in the same run (parsing the file
 * without a database). `--small-vocabulary` generates bench/synthetic.ts's lines instead (the default before
 * 7 December 2026): their ~30-word vocabulary made the keyword index 2.7× cheaper than real text
 * (docs/decisions/0048-import-at-scale-and-three-million-papers.md), so figures taken with it are not import rates of real papers.
 *
 *   npm run bench:import -- [HF_DAILY_DIR] [--lines 1000000] [--engines sqlite,postgres] [--file PATH] [--keep]
 *        [--small-vocabulary]
 *
 * PostgreSQL: a fresh database on BENCH_DATABASE_URL or TEST_DATABASE_URL (default the local server).
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { parseSnapshotLine } from '../src/importers/arxiv-snapshot/parse.ts';
import { importInChild } from './import-child.ts';
import { writeCorpus } from './search-corpus.ts';
import { generate } from './synthetic.ts';
import { learnTextModel } from './text-model.ts';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'small-vocabulary': { type: 'boolean', default: false },
    lines: { type: 'string', default: '1000000' },
    engines: { type: 'string', default: 'sqlite,postgres' },
    file: { type: 'string' },
    keep: { type: 'boolean', default: false },
    worker: { type: 'string' },
  },
});

// ---- worker: runs in a child process so that its peak RSS is the importer's own
async function worker(mode: string, file: string): Promise<void> {
  const t0 = performance.now();
  let records = 0;
  if (mode === 'parse') {
    let n = 0;
    for await (const line of createInterface({ input: createReadStream(file, { highWaterMark: 1 << 20 }), crlfDelay: Infinity })) {
      if (line) parseSnapshotLine(line, ++n), records++;
    }
  } else {
    const { openDatabase } = await import('../src/db/connection.ts');
    const { migrate } = await import('../src/db/migrate.ts');
    const { importFiles } = await import('../src/importers/import-files.ts');
    const { parseDatabaseUrl } = await import('../src/config.ts');
    const database = await openDatabase(parseDatabaseUrl(mode));
    await migrate(database);
    const r = await importFiles(database, [file], { format: 'arxiv-snapshot' });
    await database.close();
    if (r.rejected > 0) throw new Error(r.rejections[0]!.reason);
    records = r.new + r.updated + r.unchanged;
  }
  const seconds = (performance.now() - t0) / 1000;
  console.log(JSON.stringify({ records, seconds, maxRssMB: process.resourceUsage().maxRSS / 1024 }));
}

async function main(): Promise<void> {
  if (args.worker) return worker(args.worker, args.file!);
  const n = Number(args.lines);
  const dir = mkdtempSync(path.join(tmpdir(), 'dailypapers-bench-'));
  const file = args.file ?? path.join(dir, `snapshot-${n}.jsonl`);
  try {
    if (!existsSync(file)) {
      process.stderr.write(`generating ${n} lines… `);
      if (args['small-vocabulary']) await generate(file, n);
      else await writeCorpus(learnTextModel(path.resolve(positionals[0] ?? '../shared/data/hf-daily')), file, n);
      process.stderr.write(`${(statSync(file).size / 1e6).toFixed(0)} MB\n`);
    }
    const base = await importInChild('parse', file);
    const rate = (r: { records: number; seconds: number }) => r.records / r.seconds;
    console.log(`file: ${file} (${(statSync(file).size / 1e6).toFixed(0)} MB, ${base.records} lines)`);
    console.log(`baseline, parse only:  ${rate(base).toFixed(0).padStart(7)} papers/s  peak RSS ${base.maxRssMB.toFixed(0)} MB`);
    for (const engine of args.engines!.split(',')) {
      let url: string;
      let drop = () => {};
      if (engine === 'sqlite') url = `sqlite:${path.join(dir, 'bench.db')}`;
      else {
        const admin = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
        const name = `dailypapers_bench_${process.pid}`;
        execFileSync('psql', [admin, '-qc', `create database ${name}`]);
        const u = new URL(admin);
        u.pathname = `/${name}`;
        url = u.toString();
        drop = () => execFileSync('psql', [admin, '-qc', `drop database if exists ${name} with (force)`]);
      }
      try {
        const r = await importInChild(url, file);
        console.log(
          `${engine.padEnd(8)} import:       ${rate(r).toFixed(0).padStart(7)} papers/s  peak RSS ${r.maxRssMB.toFixed(0)} MB  ` +
            `(${(rate(r) / rate(base)).toFixed(2)}× parse-only; ${r.seconds.toFixed(1)} s)`,
        );
      } finally {
        drop();
      }
    }
  } finally {
    if (!args.keep) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
