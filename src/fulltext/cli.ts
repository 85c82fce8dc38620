/**
 * `dailypapers fulltext fetch [--ids ID...] [--limit N] [--json]` and `dailypapers fulltext status [--json]`:
 * what the fetch-fulltext job does each hour, now (src/fulltext/fetch.ts), and where it stands. Safe to re-run:
 * stored papers are skipped unless a newer version appeared (or they are named with --ids).
 */
import { InvalidArgumentError, type Command } from 'commander';
import type { Config } from '../config.ts';
import type { Database } from '../db/connection.ts';
import { fullTextStats } from '../db/queries/fulltext.ts';
import { IMAGE_DEFAULTS } from '../images/fetch.ts';
import { describeFullTexts, fetchFullTexts, FIGURES_PER_PAPER, FullTextOfflineError } from './fetch.ts';

type WithDatabase = <T>(fn: (config: Config, database: Database) => Promise<T>) => Promise<T>;

const positive = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new InvalidArgumentError('expected a whole number from 1 to 100000');
  return n;
};

export function registerFullTextCommands(program: Command, withDatabase: WithDatabase): void {
  const cmd = program.command('fulltext').description("papers' full text from arXiv's HTML (or PDF), for the reading view and /papers/ID.md");
  cmd
    .command('fetch')
    .description("fetch and convert the full text of the lists' papers that have none (or an older version's), within the daily budget")
    .option('--ids <ids...>', 'these papers instead (arXiv ids, already in the database), fetched again even if stored')
    .option('--limit <n>', 'at most this many papers (default FULLTEXT_PER_RUN)', positive)
    .option('--json', 'one JSON object on the last line of stdout')
    .action(async (opts: { ids?: string[]; limit?: number; json?: boolean }) => {
      try {
        const run = await withDatabase(async (config, database) => {
          const f = config.fulltext;
          if (f.dailyBudget === 0) throw new Error('fetching full text is off (FULLTEXT_DAILY_BUDGET=0)');
          const h = config.harvest;
          return fetchFullTexts(database, {
            htmlUrl: f.htmlUrl, pdfUrl: f.pdfUrl, dailyBudget: f.dailyBudget, limit: opts.limit ?? f.perRun, delayMs: h.delayMs,
            userAgent: h.userAgent, timeoutMs: h.timeoutMs, retryAfterMaxMs: h.retryAfterMaxMs, ...(opts.ids ? { ids: opts.ids } : {}),
            figures: { perPaper: FIGURES_PER_PAPER, allowPrivate: h.imagesAllowPrivate, maxBytes: IMAGE_DEFAULTS.maxBytes },
            log: opts.json ? () => {} : (line) => console.error(line),
          });
        });
        if (opts.json) console.log(JSON.stringify(run));
        else {
          for (const e of run.errors) console.error(`failed: ${e.id}: ${e.error}`);
          console.log(describeFullTexts(run));
        }
        if (run.stored === 0 && run.failed > 0) process.exitCode = 1;
      } catch (e) {
        if (e instanceof FullTextOfflineError || e instanceof Error) {
          if (opts.json) console.log(JSON.stringify({ error: e.message }));
          console.error(`fulltext fetch: ${e.message}`);
          process.exitCode = 1;
          return;
        }
        throw e;
      }
    });
  cmd
    .command('status')
    .description('papers with full text (from HTML, from PDF), waiting, failing, and requests made in the last 24 hours')
    .option('--json', 'one JSON object on the last line of stdout')
    .action(async (opts: { json?: boolean }) => {
      const { stats, budget } = await withDatabase(async (config, database) => ({ stats: await fullTextStats(database.db, new Date()), budget: config.fulltext.dailyBudget }));
      if (opts.json) console.log(JSON.stringify({ ...stats, dailyBudget: budget }));
      else {
        console.log(`full text: ${stats.html} from HTML, ${stats.pdf} from PDF; ${stats.pending} waiting, ${stats.failing} failing`);
        console.log(`requests in the last 24 hours: ${stats.requestsLast24h} of ${budget}`);
        for (const f of stats.recentFailures) console.log(`  ${f.paperId} (v${f.version || '?'}, ${f.attempts}×, ${f.triedAt}): ${f.error}`);
      }
    });
}
