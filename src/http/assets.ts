/**
 * Static assets (public/): read once at start, served from memory under names that carry a hash of
 * their content, so browsers may cache them for a year and still get a new version after a change.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

// src/http/ and dist/http/ are both two levels below the project folder.
const PUBLIC = fileURLToPath(new URL('../../public/', import.meta.url));

export interface Asset {
  body: Buffer;
  gzip: Buffer;
  type: string;
}

const TYPES: Record<string, string> = {
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  svg: 'image/svg+xml',
};

export const assetsByPath = new Map<string, Asset>();

function load(file: string): string {
  const body = readFileSync(PUBLIC + file);
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 10);
  const [name, ext] = file.split('.') as [string, string];
  const path = `/static/${name}.${hash}.${ext}`;
  assetsByPath.set(path, { body, gzip: gzipSync(body), type: TYPES[ext] ?? 'application/octet-stream' });
  return path;
}

export const ASSETS = { css: load('app.css'), js: load('app.js'), icon: load('icon.svg') };
