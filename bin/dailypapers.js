#!/usr/bin/env node
// Entry point of the `dailypapers` command: runs the compiled CLI (built by `npm install` via `prepare`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
if (!existsSync(cli)) {
  console.error('dailypapers: dist/cli.js is missing; run `npm run build` first.');
  process.exit(2);
}
await import(cli);
