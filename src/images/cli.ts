/**
 * `dailypapers images fetch [--limit N] [--json]`: fetches, resizes and stores the thumbnails and avatars
 * not stored yet (what the fetch-images job does each hour), now. Safe to re-run: stored images are skipped.
 */
import { InvalidArgumentError, type Command } from 'commander';
import type { Config } from '../config.ts';
import type { Database } from '../db/connection.ts';
import { imageStats } from '../db/queries/images.ts';
import { describeImages, fetchPendingImages, IMAGE_DEFAULTS } from './fetch.ts';

type WithDatabase = <T>(fn: (config: Config, database: Database) => Promise<T>) => Promise<T>;

const positive = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new InvalidArgumentError('expected a whole number from 1 to 100000');
  return n;
};

export function registerImagesCommands(program: Command, withDatabase: WithDatabase): void {
  const images = program.command('images').description('thumbnails and avatars, stored on this site');
  images
    .command('fetch')
    .description('fetch, resize (WebP) and store the images of the lists not stored yet; failures are recorded and retried on later runs')
    .option('--limit <n>', 'at most this many images (default IMAGES_PER_RUN)', positive)
    .option('--json', 'one JSON object on the last line of stdout')
    .action(async (opts: { limit?: number; json?: boolean }) => {
      const { run, stats } = await withDatabase(async (config, database) => {
        const h = config.harvest;
        const run = await fetchPendingImages(database, {
          base: h.imagesBase, allowPrivate: h.imagesAllowPrivate, via: h.imagesVia, userAgent: h.userAgent, timeoutMs: Math.min(h.timeoutMs, IMAGE_DEFAULTS.timeoutMs),
          maxBytes: IMAGE_DEFAULTS.maxBytes, limit: opts.limit ?? h.imagesPerRun,
        });
        return { run, stats: await imageStats(database.db) };
      });
      if (opts.json) console.log(JSON.stringify({ ...run, storedImages: stats.images, storedBytes: stats.bytes }));
      else {
        for (const e of run.errors) console.error(`failed: ${e.url}: ${e.error}`);
        console.log(`${describeImages(run)}; ${stats.images} images stored in all (${(stats.bytes / 1024 / 1024).toFixed(1)} MB)`);
      }
    });
}
