/**
 * Image storage (docs/decisions/0026-images-in-the-database.md): thumbnails per second, resize only (sharp:
 * PNG → 640 px WebP) and the full path (HTTP download from a local stand-in for the CDNs, resize, store) on
 * SQLite and PostgreSQL, and the disk a paper costs (its thumbnail plus its share of avatars). The addresses
 * are the real ones of the last days of DATA/hf-daily; the pictures are made with sharp at the real sizes
 * (1200×648 PNG thumbnails, 400×400 JPEG avatars), since the benchmark does not go on the internet.
 *
 *   npx tsx bench/images.ts ../shared/data [--papers 80] [--runs 3] [--engines sqlite,postgres]
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { importFiles } from '../src/importers/import-files.ts';
import { downloadImage, fetchPendingImages, IMAGE_DEFAULTS, toWebp, type ImageFetchOptions } from '../src/images/fetch.ts';
import { openTestDatabase } from '../tests/helpers/db.ts';
import { startImageCdn } from '../tests/helpers/image-cdn.ts';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { papers: { type: 'string' }, runs: { type: 'string' }, engines: { type: 'string' } } });
const data = positionals[0];
if (!data) {
  console.error('usage: npx tsx bench/images.ts DATA_DIR [--papers N] [--runs N] [--engines sqlite,postgres]');
  process.exit(2);
}
const wantPapers = Number(values.papers ?? 80);
const runs = Number(values.runs ?? 3);
const engines = (values.engines ?? 'sqlite,postgres').split(',') as ('sqlite' | 'postgres')[];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// The newest days until there are enough papers.
const dir = path.join(data, 'hf-daily');
const files: string[] = [];
let papers = 0;
for (const f of readdirSync(dir).filter((n) => /^\d{4}-\d{2}-\d{2}\.json$/.test(n)).sort().reverse()) {
  if (papers >= wantPapers) break;
  try {
    const day = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as unknown[];
    if (!Array.isArray(day) || day.length === 0) continue;
    files.push(path.join(dir, f));
    papers += day.length;
  } catch {
    /* a malformed day: skipped */
  }
}
const thumbs: string[] = [];
for (const f of files) for (const e of JSON.parse(readFileSync(f, 'utf8')) as { thumbnail?: string }[]) if (e.thumbnail) thumbs.push(e.thumbnail);
console.log(`${files.length} days (${files.map((f) => path.basename(f, '.json')).join(', ')}): ${papers} papers, ${thumbs.length} thumbnails`);

const cdn = await startImageCdn();
const opts: ImageFetchOptions = { base: 'https://huggingface.co', via: cdn.base, allowPrivate: true, userAgent: 'bench', timeoutMs: 30_000, maxBytes: IMAGE_DEFAULTS.maxBytes };
try {
  // The stand-in makes each picture once; fetch them all first so that its work is not measured.
  const originals = await Promise.all(thumbs.map((u) => downloadImage(u, opts).then((r) => r.bytes)));
  const inBytes = originals.reduce((s, b) => s + b.length, 0);
  console.log(`input thumbnails: median ${(median(originals.map((b) => b.length)) / 1024).toFixed(0)} KB (${(inBytes / 1024 / 1024).toFixed(1)} MB in all)`);

  const resize: number[] = [];
  let outBytes: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    outBytes = [];
    for (const b of originals) outBytes.push((await toWebp(b, 'thumbnail')).data.length);
    resize.push(originals.length / ((performance.now() - t) / 1000));
  }
  console.log(`resize only (one at a time): median ${median(resize).toFixed(1)} thumbnails/s; WebP median ${(median(outBytes) / 1024).toFixed(1)} KB`);

  for (const engine of engines) {
    const database = await openTestDatabase(engine);
    try {
      await importFiles(database, files);
      const rates: number[] = [];
      const perPaper: number[] = [];
      for (let r = 0; r < runs; r++) {
        await database.db.deleteFrom('image_sources').execute();
        await database.db.deleteFrom('images').execute();
        const t = performance.now();
        const s = await fetchPendingImages(database, { ...opts, limit: 100_000, concurrency: 4 });
        const secs = (performance.now() - t) / 1000;
        const n = s.stored + s.failed;
        rates.push(n / secs);
        const sum = await database.db.selectFrom('images').select((eb) => eb.fn.sum<number>('bytes').as('b')).executeTakeFirstOrThrow();
        perPaper.push(Number(sum.b) / papers);
        if (r === 0) console.log(`  ${engine}: ${s.stored} stored, ${s.failed} failed (SVG default avatars) of ${n} addresses`);
      }
      console.log(`full (download + resize + store, 4 at a time) on ${engine}: median ${median(rates).toFixed(1)} images/s; disk per paper (thumbnail + avatars): ${(median(perPaper) / 1024).toFixed(1)} KB`);
    } finally {
      await database.close();
    }
  }
} finally {
  await cdn.close();
}
