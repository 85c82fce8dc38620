/**
 * `dailypapers summaries backfill [--all] [--limit N] [--json]` and `dailypapers summaries status [--json]`:
 * extracted summaries and keywords (src/domain/extract.ts) for papers without Hugging Face's, now rather than
 * at the extract-summaries job's next run. Safe to re-run: papers whose extract is current are skipped
 * (`--all` redoes them all).
 */
import { InvalidArgumentError, type Command } from 'commander';
import type { Config } from '../config.ts';
import type { Database } from '../db/connection.ts';
import { countExtracts, countPapersToExtract } from '../db/queries/extracts.ts';
import { EXTRACT_METHOD } from '../domain/extract.ts';
import { describeExtracts, extractPending } from './extract-pending.ts';

type WithDatabase = <T>(fn: (config: Config, database: Database) => Promise<T>) => Promise<T>;

const positive = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 10_000_000) throw new InvalidArgumentError('expected a whole number from 1 to 10000000');
  return n;
};

export function registerSummariesCommands(program: Command, withDatabase: WithDatabase): void {
  const summaries = program.command('summaries').description('extracted summaries and keywords of papers without Hugging Face’s (no model needed)');
  summaries
    .command('backfill')
    .description('extract the summaries and keywords that are missing or out of date (what the extract-summaries job does), now')
    .option('--all', 'redo every paper without Hugging Face’s summary, also those that are current')
    .option('--limit <n>', 'at most this many papers', positive)
    .option('--json', 'one JSON object on the last line of stdout')
    .action(async (opts: { all?: boolean; limit?: number; json?: boolean }) => {
      const r = await withDatabase((_config, database) =>
        extractPending(database, { all: opts.all ?? false, ...(opts.limit ? { limit: opts.limit } : {}) }),
      );
      if (opts.json) console.log(JSON.stringify(r));
      else console.log(`${describeExtracts(r)} (${(r.ms / 1000).toFixed(1)} s)`);
    });
  summaries
    .command('status')
    .description('how many papers have an extracted summary, and how many wait for one')
    .option('--json', 'one JSON object on the last line of stdout')
    .action(async (opts: { json?: boolean }) => {
      const r = await withDatabase(async (_config, database) => ({
        extracted: await countExtracts(database.db), waiting: await countPapersToExtract(database.db, EXTRACT_METHOD), method: EXTRACT_METHOD,
      }));
      if (opts.json) console.log(JSON.stringify(r));
      else console.log(`${r.extracted} papers have an extracted summary (method ${r.method}); ${r.waiting} wait for one`);
    });
}
