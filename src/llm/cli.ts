/**
 * `dailypapers llm summarize [--limit N] [--json]`: summaries and keywords by the site's language model for
 * papers that have none (what the llm-summaries job does each hour), now; `dailypapers llm status`: how many
 * papers have Hugging Face's summary, a generated one, none. Safe to re-run: papers with a summary are skipped.
 */
import { InvalidArgumentError, type Command } from 'commander';
import type { Config } from '../config.ts';
import type { Database } from '../db/connection.ts';
import { summaryCounts } from '../db/queries/llm-summaries.ts';
import { LlmClient } from './client.ts';
import { describeSummaries, generateSummaries, SUMMARIES_PER_RUN } from './summaries.ts';

type WithDatabase = <T>(fn: (config: Config, database: Database) => Promise<T>) => Promise<T>;

const positive = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new InvalidArgumentError('expected a whole number from 1 to 10000');
  return n;
};

export function registerLlmCommands(program: Command, withDatabase: WithDatabase): void {
  const llm = program.command('llm').description('the language model the site owner chose (LLM_URL, LLM_MODEL)');
  llm
    .command('summarize')
    .description('write summaries and keywords with the model for papers that have none (never replaces Hugging Face’s)')
    .option('--limit <n>', `at most this many papers (default ${SUMMARIES_PER_RUN})`, positive)
    .option('--json', 'one JSON object on stdout')
    .action(async (opts: { limit?: number; json?: boolean }) => {
      const run = await withDatabase(async (config, database) => {
        if (!config.llm) {
          console.error('No language model is configured: set LLM_URL (an OpenAI-compatible endpoint, e.g. http://127.0.0.1:11434/v1) and LLM_MODEL.');
          process.exitCode = 2;
          return null;
        }
        return generateSummaries(database.db, { client: new LlmClient(config.llm), budgets: config.llm.budgets }, { limit: opts.limit ?? SUMMARIES_PER_RUN, now: () => new Date(), log: (s) => console.error(s) });
      });
      if (!run) return;
      if (opts.json) console.log(JSON.stringify(run));
      else console.log(describeSummaries(run));
      if (run.stopped && run.written === 0) process.exitCode = 1;
    });
  llm
    .command('status')
    .description('papers with Hugging Face’s summary, with a generated one, and without')
    .action(async () => {
      const c = await withDatabase((_config, database) => summaryCounts(database.db));
      console.log(`${c.papers} papers: ${c.hf} with Hugging Face's summary, ${c.generated} with a generated one, ${c.papers - c.hf - c.generated} without`);
    });
}
