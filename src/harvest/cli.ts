/**
 * `dailypapers harvest hf --from D [--to D]` and `dailypapers harvest arxiv [--from D] [--to D] [--categories …]`:
 * backfills from the command line, registered on the program by src/cli.ts. Both are resumable (what was
 * fetched is kept; running the same command again goes on where it stopped and asks nothing twice) and
 * polite (HARVEST_DELAY_SECONDS or --delay between requests, Retry-After honoured). Exit codes as for every
 * command: 0 done, 1 an upstream failed (run it again), 2 usage error.
 */
import cliProgress from 'cli-progress';
import { type Command, InvalidArgumentError } from 'commander';
import type { Config } from '../config.ts';
import type { Database } from '../db/connection.ts';
import { checkDayRange } from '../domain/backfill.ts';
import { addDays } from '../domain/dates.ts';
import { describeHarvest, harvestArxiv, type SetSummary } from './arxiv-oai.ts';
import { UpstreamFetchError } from './fetch.ts';
import { backfillHuggingFace, describeHfBackfill } from './hf-backfill.ts';

type WithDatabase = <T>(fn: (config: Config, database: Database) => Promise<T>) => Promise<T>;

interface RangeOptions {
  from?: string;
  to?: string;
  json?: boolean;
  delay?: number;
}

const today = () => new Date().toISOString().slice(0, 10);

const seconds = (v: string) => {
  if (!/^\d+(\.\d+)?$/.test(v) || Number(v) > 600) throw new InvalidArgumentError('expected a number of seconds from 0 to 600');
  return Number(v);
};

const categoryList = (v: string) => {
  const list = v.split(/[\s,]+/).filter(Boolean);
  const bad = list.find((c) => !/^[a-z][a-z-]*(\.[A-Za-z-]+)?$/.test(c));
  if (list.length === 0 || bad !== undefined) throw new InvalidArgumentError(`expected arXiv categories or archives separated by spaces or commas, e.g. "cs.AI,cs.CL,stat.ML"${bad ? ` (got "${bad}")` : ''}`);
  return list;
};

/** A usage error found in an action (commander's own errors are printed by commander): one line, exit code 2. */
class BadRange extends Error {}

function range(opts: RangeOptions, defaultFrom?: string): { from: string; to: string } {
  const r = checkDayRange({ from: opts.from ?? defaultFrom, to: opts.to }, today());
  if ('problem' in r) throw new BadRange(r.problem);
  return r;
}

/** Runs an action; a bad range is said in one line with exit code 2. */
const usage = <A extends unknown[]>(action: (...args: A) => Promise<void>) => async (...args: A) => {
  try {
    await action(...args);
  } catch (e) {
    if (!(e instanceof BadRange)) throw e;
    console.error(`dailypapers: ${e.message}`);
    process.exitCode = 2;
  }
};

/** Ctrl-C / SIGTERM stop at the next safe point (what was written stays; a re-run resumes). */
function stopSignal(): { signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  const stop = () => controller.abort(new Error('stopped (SIGINT/SIGTERM); what was fetched is kept: run the same command again to go on'));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return { signal: controller.signal, release: () => (process.off('SIGINT', stop), process.off('SIGTERM', stop)) };
}

function bar(unit: string) {
  return process.stderr.isTTY
    ? new cliProgress.SingleBar({ stream: process.stderr, format: `harvesting [{bar}] {percentage}% | {value}/{total} ${unit} | ETA {eta_formatted}` }, cliProgress.Presets.shades_classic)
    : null;
}

export function registerHarvestCommands(program: Command, withDatabase: WithDatabase): void {
  const cmd = program.command('harvest').description('backfill papers from Hugging Face\'s daily lists or arXiv over a range of days (resumable, polite)');

  cmd
    .command('hf')
    .description('import Hugging Face\'s Daily Papers list of each day from --from to --to (GET HF_API_URL/api/daily_papers?date=D); days fetched once settled are not asked again')
    .option('--from <day>', 'the first day, YYYY-MM-DD')
    .option('--to <day>', 'the last day, YYYY-MM-DD (default: today, UTC)')
    .option('--delay <seconds>', 'pause between two requests (default: HARVEST_DELAY_SECONDS, 3)', seconds)
    .option('--json', 'print the summary as one JSON object on the last line of stdout')
    .action(usage(async (opts: RangeOptions) => {
      const { from, to } = range(opts);
      const { signal, release } = stopSignal();
      const progress = bar('days');
      try {
        const s = await withDatabase(async (config, database) => {
          const h = config.harvest;
          progress?.start(1, 0);
          return backfillHuggingFace(
            database,
            { apiUrl: h.hfApiUrl, from, to, delayMs: opts.delay !== undefined ? opts.delay * 1000 : h.delayMs, timeoutMs: h.timeoutMs, retryAfterMaxMs: h.retryAfterMaxMs, userAgent: h.userAgent },
            {
              signal, now: () => new Date(),
              onDay: (_day, done, total) => {
                progress?.setTotal(total);
                progress?.update(done);
              },
              onRetryAfter: (ms) => console.error(`Hugging Face asked to retry after ${ms / 1000} s; waiting`),
            },
          );
        });
        progress?.stop();
        if (s.error) console.error(`dailypapers: ${s.error}; the days before it are kept: run the same command again to go on`);
        if (opts.json) console.log(JSON.stringify(s));
        else console.log(describeHfBackfill(s));
        process.exitCode = s.error ? 1 : 0;
      } catch (e) {
        progress?.stop();
        if (!signal.aborted) throw e;
        console.error(`dailypapers: ${(signal.reason as Error).message}`);
        process.exitCode = 1;
      } finally {
        release();
      }
    }));

  cmd
    .command('arxiv')
    .description('harvest arXiv (OAI-PMH, ARXIV_OAI_URL) from --from to --to, with a position of its own per range (the scheduled harvest\'s is left as it is)')
    .option('--from <day>', 'the first day, YYYY-MM-DD (default: HARVEST_FIRST_DAYS days ago)')
    .option('--to <day>', 'the last day, YYYY-MM-DD (default: today, UTC; a range ending today is asked again from where it got)')
    .option('--categories <list>', 'arXiv categories or archives, e.g. "cs.AI,cs.CL" (default: HARVEST_CATEGORIES)', categoryList)
    .option('--delay <seconds>', 'pause between two requests (default: HARVEST_DELAY_SECONDS, 3)', seconds)
    .option('--json', 'print the summary as one JSON object on the last line of stdout')
    .action(usage(async (opts: RangeOptions & { categories?: string[] }) => {
      // Checked before the database is opened (a usage error), with the configured default for --from.
      if (opts.from !== undefined) range(opts);
      const { signal, release } = stopSignal();
      try {
        const result = await withDatabase(async (config, database) => {
          const h = config.harvest;
          const { from, to } = range(opts, addDays(today(), -h.firstDays));
          const categories = opts.categories ?? h.categories;
          const sets = await harvestArxiv(
            database,
            {
              url: h.arxivOaiUrl, categories, firstDays: h.firstDays, delayMs: opts.delay !== undefined ? opts.delay * 1000 : h.delayMs,
              timeoutMs: h.timeoutMs, retryAfterMaxMs: h.retryAfterMaxMs, userAgent: h.userAgent,
              // A range ending today stays open (`until` left out): arXiv's today is still being written.
              range: { from, until: to < today() ? to : null },
            },
            { signal, now: () => new Date(), log: (m) => console.error(m) },
          ).catch((e: unknown) => {
            if (e instanceof UpstreamFetchError) return e;
            throw e;
          });
          return { from, to, categories, sets };
        });
        if (result.sets instanceof UpstreamFetchError) {
          console.error(`dailypapers: ${result.sets.message}; the pages before it are kept: run the same command again to go on`);
          if (opts.json) console.log(JSON.stringify({ from: result.from, to: result.to, categories: result.categories, error: result.sets.message }));
          process.exitCode = 1;
          return;
        }
        const sets: Record<string, SetSummary> = result.sets;
        const total = (k: keyof Omit<SetSummary, 'cursor'>) => Object.values(sets).reduce((n, s) => n + s[k], 0);
        const summary = { from: result.from, to: result.to, categories: result.categories, requests: total('pages'), records: total('records'), kept: total('kept'), new: total('new'), updated: total('updated'), sets };
        if (opts.json) console.log(JSON.stringify(summary));
        else console.log(`${result.from} to ${result.to}: ${summary.requests} requests, ${summary.kept} papers kept (${summary.new} new, ${summary.updated} updated)${summary.requests ? `; ${describeHarvest(sets)}` : ''}`);
        process.exitCode = 0;
      } catch (e) {
        if (!signal.aborted) throw e;
        console.error(`dailypapers: ${(signal.reason as Error).message}`);
        process.exitCode = 1;
      } finally {
        release();
      }
    }));
}
