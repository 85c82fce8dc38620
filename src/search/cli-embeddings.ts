/**
 * `dailypapers embeddings train | backfill | status`: the commands of semantic search, registered on the
 * program by src/cli.ts.
 */
import cliProgress from 'cli-progress';
import { type Command, InvalidArgumentError } from 'commander';
import type { Config } from '../config.ts';
import type { Database } from '../db/connection.ts';
import { countPapersToEmbed, embeddingCounts } from '../db/queries/embeddings.ts';
import { countPapers } from '../db/queries/papers.ts';
import { trainBuiltinModel } from './embedders/builtin.ts';
import { EmbedderError, type Embedder } from './embedders/types.ts';
import { embedPending } from './embed-pending.ts';
import { builtinModelFile, createEmbedder, storageBaseName } from './semantic.ts';
import { indexFile, VectorIndex } from './vectors.ts';

type WithDatabase = <T>(fn: (config: Config, database: Database) => Promise<T>) => Promise<T>;

const wholeNumber = (min: number, max: number) => (v: string) => {
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
  return Number(v);
};

function progressBar(label: string) {
  return process.stderr.isTTY
    ? new cliProgress.SingleBar({ stream: process.stderr, format: `${label} [{bar}] {percentage}% | {value}/{total} papers | ETA {eta_formatted}` }, cliProgress.Presets.shades_classic)
    : null;
}

async function backfill(database: Database, embedder: Embedder, batchSize: number, json: boolean): Promise<void> {
  const bar = progressBar('embedding');
  let started = false;
  try {
    const r = await embedPending(database, embedder, {
      batchSize,
      onProgress: (done, total) => {
        if (!started) {
          bar?.start(total, 0);
          started = true;
        }
        bar?.update(done);
      },
    });
    bar?.stop();
    const rate = r.embedded > 0 ? ` (${Math.round(r.embedded / Math.max(r.ms / 1000, 0.001))} papers/s)` : '';
    if (json) console.log(JSON.stringify({ model: r.model, embedded: r.embedded, remaining: r.remaining, ms: r.ms }));
    else console.log(`embedded ${r.embedded} papers with ${r.model} in ${(r.ms / 1000).toFixed(1)} s${rate}; ${r.remaining} left`);
  } finally {
    bar?.stop();
  }
}

export function registerEmbeddingsCommands(program: Command, withDatabase: WithDatabase): void {
  const cmd = program.command('embeddings').description('semantic search: train the built-in embedder, embed papers, show what is embedded');

  cmd
    .command('train')
    .description('(re)train the built-in embedder (LSA) on the papers in the database, then embed every paper with it')
    .option('--dims <n>', 'dimensions of the embeddings (more: better recall, slower training)', wholeNumber(8, 1024), 384)
    .option('--no-backfill', 'only train; embed the papers later with `embeddings backfill`')
    .option('--json', 'print the summary as one JSON object on the last line of stdout')
    .action(async (opts: { dims: number; backfill: boolean; json?: boolean }) => {
      await withDatabase(async (config, database) => {
        if (config.embeddings.embedder !== 'builtin') {
          console.error(`note: EMBEDDER=${config.embeddings.embedder}; the built-in model is trained anyway, but the site uses it only with EMBEDDER=builtin`);
        }
        const file = builtinModelFile(config.embeddings, config.database);
        const bar = progressBar('reading');
        bar?.start(1, 0);
        const r = await trainBuiltinModel(database, file, { dims: opts.dims }, (p) => {
          if (p.phase === 'reading') {
            bar?.setTotal(p.total);
            bar?.update(p.done);
          } else bar?.stop();
        });
        bar?.stop();
        const summary = { model: r.model.id, papers: r.papers, terms: r.model.vocabulary.size, dims: r.model.dims, file: r.file, ms: r.ms };
        if (!opts.json) console.log(`trained ${r.model.id} on ${r.papers} papers (${r.model.vocabulary.size} terms, ${r.model.dims} dimensions) in ${(r.ms / 1000).toFixed(1)} s → ${r.file}`);
        if (config.embeddings.embedder === 'builtin' && opts.backfill) {
          const embedder = await createEmbedder(config);
          if (!embedder) throw new EmbedderError(`the model file ${file} was not written`);
          await backfill(database, embedder, 512, false);
          // Build the index file now, so that the server's next start (or its next look) finds it ready.
          const index = await VectorIndex.open(database, embedder, { dir: config.embeddings.dir, baseName: storageBaseName(config.database) });
          await index.close();
        }
        if (opts.json) console.log(JSON.stringify(summary));
      });
    });

  cmd
    .command('backfill')
    .description('embed the papers that have no vector from the configured model (new papers, or all after a model change); safe to stop and re-run')
    .option('--batch-size <n>', 'papers per batch (and per transaction)', wholeNumber(1, 10_000), 256)
    .option('--json', 'print the summary as one JSON object on the last line of stdout')
    .action(async (opts: { batchSize: number; json?: boolean }) => {
      await withDatabase(async (config, database) => {
        const embedder = await createEmbedder(config);
        if (!embedder) {
          throw new EmbedderError(
            config.embeddings.embedder === 'none'
              ? 'EMBEDDER=none: semantic search is off; set EMBEDDER to builtin, transformers or openai'
              : `the built-in embedder is not trained yet (no ${builtinModelFile(config.embeddings, config.database)}); run \`dailypapers embeddings train\``,
          );
        }
        await backfill(database, embedder, opts.batchSize, opts.json ?? false);
        const index = await VectorIndex.open(database, embedder, { dir: config.embeddings.dir, baseName: storageBaseName(config.database) });
        await index.close();
      });
    });

  cmd
    .command('status')
    .description('papers embedded by each model, and how many the configured model still has to embed')
    .option('--json', 'one JSON object')
    .action(async (opts: { json?: boolean }) => {
      await withDatabase(async (config, database) => {
        const counts = await embeddingCounts(database.db);
        const papers = await countPapers(database.db);
        let current: string | null = null;
        let problem: string | null = null;
        try {
          current = (await createEmbedder(config))?.id ?? null;
        } catch (e) {
          problem = (e as Error).message;
        }
        const pending = current ? await countPapersToEmbed(database.db, current) : null;
        const file = current ? indexFile(config.embeddings.dir, storageBaseName(config.database), current, 'i8') : null;
        if (opts.json) {
          console.log(JSON.stringify({ embedder: config.embeddings.embedder, model: current, papers, pending, models: counts, indexFile: file, problem }));
          return;
        }
        console.log(`embedder: ${config.embeddings.embedder}${current ? ` (${current})` : problem ? ` (${problem})` : config.embeddings.embedder === 'builtin' ? ' (not trained: run `dailypapers embeddings train`)' : ''}`);
        console.log(`papers: ${papers}`);
        if (counts.length === 0) console.log('no embeddings yet');
        for (const c of counts) console.log(`${c.model}\t${c.papers} papers\t${c.dims} dims${c.model === current ? '\t(current)' : ''}`);
        if (pending !== null) console.log(`pending for ${current}: ${pending}`);
      });
    });
}
