/**
 * The built-in model in the database (docs/decisions/0019-one-semantic-model-per-site.md): how long an
 * instance takes to get the site's model — from its cache (checksum + parse), from the database into an
 * empty or damaged cache (fetch + checksum + write + parse) — against the baseline of reading a model file
 * as before (read + parse), and how long storing it takes, on each engine. The model is synthetic but of
 * the default size (60,000 terms × 384 dimensions: ~92 MB, as a model trained on the real corpus).
 *
 *   npx tsx bench/model-store.ts [--terms N] [--dims N] [--engines sqlite,postgres] [--database-url URL]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseDatabaseUrl } from '../src/config.ts';
import { openDatabase } from '../src/db/connection.ts';
import { migrate } from '../src/db/migrate.ts';
import { DEFAULT_LSA_OPTIONS, modelId, parseLsa, serializeLsa, type LsaModel } from '../src/search/embedders/lsa.ts';
import { cachedModelFile, loadBuiltinModel, publishBuiltinModel, sha256 } from '../src/search/model-store.ts';

const { values } = parseArgs({ options: { terms: { type: 'string' }, dims: { type: 'string' }, engines: { type: 'string' }, 'database-url': { type: 'string' } } });
const terms = Number(values.terms ?? 60_000);
const dims = Number(values.dims ?? 384);
const engines = (values.engines ?? 'sqlite,postgres').split(',');

let seed = 1;
const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296) - 0.5;
const projection = new Float32Array(terms * dims);
for (let i = 0; i < projection.length; i++) projection[i] = rand();
const base: Omit<LsaModel, 'id'> = {
  dims, options: DEFAULT_LSA_OPTIONS, vocabulary: new Map(Array.from({ length: terms }, (_, i) => [`term${i}`, i])), projection, trainedAt: new Date(0).toISOString(), trainingDocs: 50_000,
};
const model: LsaModel = { ...base, id: modelId(base) };
const bytes = serializeLsa(model);
console.log(`synthetic model ${model.id}: ${terms} terms × ${dims} dims, ${(bytes.length / 1e6).toFixed(1)} MB`);

const ms = (t: number) => `${(performance.now() - t).toFixed(0)} ms`;
const time = async <T>(fn: () => Promise<T> | T): Promise<[T, number]> => {
  const t = performance.now();
  const r = await fn();
  return [r, performance.now() - t];
};
const tmp = mkdtempSync(path.join(tmpdir(), 'dailypapers-model-store-'));
try {
  // Baseline: what an instance did before, reading the model file beside the database.
  const legacy = path.join(tmp, 'legacy.lsa-model.bin');
  writeFileSync(legacy, bytes);
  const [, baseline] = await time(() => parseLsa(readFileSync(legacy)));
  console.log(`baseline (read + parse a local file): ${baseline.toFixed(0)} ms`);

  for (const engine of engines) {
    let url: string;
    let drop = () => {};
    if (engine === 'sqlite') url = `sqlite:${path.join(tmp, 'bench.db')}`;
    else if (values['database-url']) url = values['database-url'];
    else {
      const admin = 'postgres://postgres@127.0.0.1:5432/postgres';
      const name = `dailypapers_model_store_${process.pid}`;
      execFileSync('psql', [admin, '-qc', `create database ${name}`]);
      url = `postgres://postgres@127.0.0.1:5432/${name}`;
      drop = () => execFileSync('psql', [admin, '-qc', `drop database if exists ${name} with (force)`]);
    }
    const database = await openDatabase(parseDatabaseUrl(url));
    try {
      await migrate(database);
      const dir = path.join(tmp, `cache-${engine}`);
      const t = performance.now();
      const stored = await publishBuiltinModel(database, model, path.join(tmp, `trainer-${engine}`), bytes);
      console.log(`\n== ${engine}\nstore in the database (${stored.chunks} chunks): ${ms(t)}`);
      const log = () => {};
      const [, cold] = await time(() => loadBuiltinModel(database, dir, model.id, log));
      const [, warm] = await time(() => loadBuiltinModel(database, dir, model.id, log));
      const file = cachedModelFile(dir, stored.sha256);
      const damaged = readFileSync(file);
      const at = damaged.length >> 1;
      damaged.writeUInt8(damaged.readUInt8(at) ^ 0xff, at);
      writeFileSync(file, damaged);
      const [, repaired] = await time(() => loadBuiltinModel(database, dir, model.id, log));
      if (sha256(readFileSync(file)) !== stored.sha256) throw new Error('the cache was not repaired');
      const ratio = (x: number) => `${(x / baseline).toFixed(2)}× the baseline`;
      console.log(`empty cache (fetch + checksum + write + parse): ${cold.toFixed(0)} ms, ${ratio(cold)}`);
      console.log(`cached (checksum + parse): ${warm.toFixed(0)} ms, ${ratio(warm)}`);
      console.log(`damaged cache (checksum, fetch again, write, parse): ${repaired.toFixed(0)} ms, ${ratio(repaired)}`);
    } finally {
      await database.close();
      drop();
    }
  }
  console.log(`\npeak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
