#!/usr/bin/env node
// Builds native/bm25-idf.c, the FTS5 ranking function keyword search uses on SQLite at scale
// (docs/decisions/0044-ranking-at-scale.md), against the SQLite headers better-sqlite3 ships, with the
// machine's C compiler ($CC, else cc). Run by `npm install` (the `prepare` script). Nothing is
// downloaded. Without a compiler the site still works: keyword search then ranks with FTS5's bm25(),
// which is slower past ~100k papers; this script says so and exits 0.
import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ext = process.platform === 'darwin' ? 'dylib' : process.platform === 'win32' ? 'dll' : 'so';
const out = path.join(root, 'build', `bm25-idf.${ext}`);
const headers = path.join(path.dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json')), 'deps', 'sqlite3');
const cc = process.env.CC || 'cc';
const flags = process.platform === 'darwin' ? ['-dynamiclib', '-undefined', 'dynamic_lookup'] : ['-shared'];
mkdirSync(path.dirname(out), { recursive: true });
try {
  // Written beside the target, then renamed: a running server never loads a half-written file.
  execFileSync(cc, ['-O2', '-fPIC', ...flags, '-I', headers, path.join(root, 'native', 'bm25-idf.c'), '-o', `${out}.partial`, '-lm'], { stdio: ['ignore', 'inherit', 'inherit'] });
  renameSync(`${out}.partial`, out);
  console.log(`built ${path.relative(root, out)}`);
} catch (e) {
  console.warn(`dailypapers: could not build native/bm25-idf.c with ${cc} (${e.message.split('\n')[0]}). The site works without it; keyword search on SQLite is then slower past ~100k papers. Install a C compiler (Debian: apt-get install gcc) and run \`node scripts/build-native.mjs\`.`);
}
