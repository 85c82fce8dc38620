/**
 * `dailypapers embeddings train | use | backfill | status`: the commands of semantic search, registered on
 * the program by src/cli.ts. The site's model is one for all instances, in the database
 * (docs/decisions/0019-one-semantic-model-per-site.md): `train` and `use` set it.
 */
import cliProgress from 'cli-progress';
import { type Command, InvalidArgumentError } from 'commander';
import type { Config } from '../config.ts';
import type { Database } from '../db/connection.ts';
import { deleteModelsExcept, setSiteModel, siteModel, storedModel, storedModels } from '../db/queries/embedding-models.ts';
import { countPapersToEmbed, embeddingCounts } from '../db/queries/embeddings.ts';
import { countPapers } from '../db/queries/papers.ts';
import { trainBuiltinModel } from './embedders/builtin.ts';
import { EmbedderError } from './embedders/types.ts';
import { embedPending } from './embed-pending.ts';
import { publishBuiltinModel } from './model-store.ts';
import { configuredModelId, externalEmbedder, isBuiltinModel, SiteEmbedder } from './semantic.ts';
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

/**
 * Embeds the papers whose text has no vector of the site's model (after its high-water mark), then builds this instance's index file, so that
 * a server on this host finds it ready. Throws (exit 1) when this instance cannot make the site's model.
 */
async function backfill(config: Config, database: Database, batchSize: number, json: boolean): Promise<void> {
  if (config.embeddings.embedder === 'none') throw new EmbedderError('EMBEDDER=none: semantic search is off on this instance; set EMBEDDER to builtin, transformers or openai');
  const embedder = await SiteEmbedder.open(database, config, { log: (line) => console.error(line) });
  try {
    if (embedder.unavailable) throw new EmbedderError(embedder.unavailable);
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
      if (r.skipped) throw new EmbedderError(r.skipped);
      const rate = r.embedded > 0 ? ` (${Math.round(r.embedded / Math.max(r.ms / 1000, 0.001))} papers/s)` : '';
      if (json) console.log(JSON.stringify({ model: r.model, embedded: r.embedded, remaining: r.remaining, ms: r.ms }));
      else console.log(`embedded ${r.embedded} papers with ${r.model} in ${(r.ms / 1000).toFixed(1)} s${rate}; ${r.remaining} left`);
    } finally {
      bar?.stop();
    }
    const index = await VectorIndex.open(database, embedder, { dir: config.embeddings.dir });
    await index.close();
  } finally {
    await embedder.close();
  }
}

/**
 * Stores a freshly trained built-in model in the database as the site's model (every instance fetches it);
 * the previous built-in model stays, so that `embeddings use` can go back to it; older ones go.
 */
export async function publishAsSiteModel(config: Config, database: Database, r: Awaited<ReturnType<typeof trainBuiltinModel>>) {
  const stored = await publishBuiltinModel(database, r.model, config.embeddings.dir, r.bytes);
  const previous = await setSiteModel(database.db, r.model.id);
  await deleteModelsExcept(database.db, [r.model.id, ...(previous && isBuiltinModel(previous) ? [previous] : [])]);
  return { stored, previous };
}

export function registerEmbeddingsCommands(program: Command, withDatabase: WithDatabase): void {
  const cmd = program.command('embeddings').description('semantic search: train the built-in embedder, choose the site\'s model, embed papers, show what is embedded');

  cmd
    .command('train')
    .description('(re)train the built-in embedder (LSA) on the papers in the database, store it there as the site\'s model (every instance fetches it), then embed every paper with it')
    .option('--dims <n>', 'dimensions of the embeddings (more: better recall, slower training)', wholeNumber(8, 1024), 384)
    .option('--no-backfill', 'only train; the papers are embedded by the background job or `embeddings backfill`')
    .option('--json', 'print the summary as one JSON object on the last line of stdout')
    .action(async (opts: { dims: number; backfill: boolean; json?: boolean }) => {
      await withDatabase(async (config, database) => {
        const bar = progressBar('reading');
        bar?.start(1, 0);
        const r = await trainBuiltinModel(database, { dims: opts.dims }, (p) => {
          if (p.phase === 'reading') {
            bar?.setTotal(p.total);
            bar?.update(p.done);
          } else bar?.stop();
        });
        bar?.stop();
        const { stored, previous } = await publishAsSiteModel(config, database, r);
        const summary = { model: r.model.id, papers: r.papers, terms: r.model.vocabulary.size, dims: r.model.dims, bytes: stored.bytes, sha256: stored.sha256, previous, ms: r.ms };
        if (!opts.json) {
          console.log(`trained ${r.model.id} on ${r.papers} papers (${r.model.vocabulary.size} terms, ${r.model.dims} dimensions) in ${(r.ms / 1000).toFixed(1)} s`);
          console.log(`stored in the database (${(stored.bytes / 1e6).toFixed(1)} MB) as the site's model${previous && previous !== r.model.id ? ` (was ${previous})` : ''}; every instance uses it from its next look`);
        }
        if (opts.backfill) await backfill(config, database, 512, false);
        if (opts.json) console.log(JSON.stringify(summary));
      });
    });

  cmd
    .command('use')
    .description('make MODEL the site\'s model, for every instance: a stored built-in model (see `embeddings status`) or this instance\'s configured one (the default); then embed every paper with it')
    .argument('[model]', 'a model id; default: this instance\'s (EMBEDDER and EMBEDDINGS_MODEL, or the newest built-in model)')
    .option('--no-backfill', 'only switch; the papers are embedded by the background job or `embeddings backfill`')
    .option('--json', 'print the summary as one JSON object on the last line of stdout')
    .action(async (model: string | undefined, opts: { backfill: boolean; json?: boolean }) => {
      await withDatabase(async (config, database) => {
        const e = config.embeddings;
        const mine = configuredModelId(e);
        const target = model ?? mine ?? (await storedModels(database.db)).find((m) => isBuiltinModel(m.id))?.id;
        if (!target) throw new EmbedderError(e.embedder === 'none' ? 'EMBEDDER=none: name a model, or configure EMBEDDER on this instance' : 'no built-in model is stored yet: run `dailypapers embeddings train`');
        if (isBuiltinModel(target)) {
          if (!(await storedModel(database.db, target))) {
            const stored = (await storedModels(database.db)).map((m) => m.id);
            throw new EmbedderError(`no built-in model ${target} is stored${stored.length > 0 ? ` (stored: ${stored.join(', ')})` : ''}; run \`dailypapers embeddings train\` to make one`);
          }
        } else if (target !== mine) {
          throw new EmbedderError(`this instance is configured for ${mine ?? `EMBEDDER=${e.embedder}`}, so it cannot make ${target}: run \`dailypapers embeddings use\` on an instance configured for it (EMBEDDER and EMBEDDINGS_MODEL)`);
        } else {
          // Proves the endpoint or the model folder works before every instance is switched to it.
          const probe = await externalEmbedder(e);
          try {
            await probe.embedQuery('semantic search');
          } finally {
            await probe.close?.();
          }
        }
        const previous = await setSiteModel(database.db, target);
        const pending = await countPapersToEmbed(database.db, target);
        if (!opts.json) console.log(`the site's model is now ${target}${previous && previous !== target ? ` (was ${previous})` : ''}; ${pending} papers to embed with it`);
        if (opts.backfill) await backfill(config, database, 256, false);
        if (opts.json) console.log(JSON.stringify({ model: target, previous, pending }));
      });
    });

  cmd
    .command('backfill')
    .description('embed the papers whose text has no vector of the site\'s model (new or edited papers, or all after a model change); safe to stop and re-run')
    .option('--batch-size <n>', 'papers per batch (and per transaction)', wholeNumber(1, 10_000), 256)
    .option('--json', 'print the summary as one JSON object on the last line of stdout')
    .action(async (opts: { batchSize: number; json?: boolean }) => {
      await withDatabase((config, database) => backfill(config, database, opts.batchSize, opts.json ?? false));
    });

  cmd
    .command('status')
    .description('the site\'s model, whether this instance can make it, papers embedded by each model, and how many still wait')
    .option('--json', 'one JSON object')
    .action(async (opts: { json?: boolean }) => {
      await withDatabase(async (config, database) => {
        const site = await siteModel(database.db);
        const counts = await embeddingCounts(database.db);
        const papers = await countPapers(database.db);
        const stored = (await storedModels(database.db)).map((m) => ({ model: m.id, bytes: m.bytes, sha256: m.sha256 }));
        let current: string | null = null;
        let problem: string | null = config.embeddings.embedder === 'none' ? 'EMBEDDER=none: semantic search is off on this instance' : null;
        if (!problem) {
          const embedder = await SiteEmbedder.open(database, config, { log: () => {} });
          current = embedder.unavailable ? null : embedder.id;
          problem = embedder.unavailable;
          await embedder.close();
        }
        const pending = current ? await countPapersToEmbed(database.db, current) : null;
        const file = current ? indexFile(config.embeddings.dir, site.siteKey, current, 'i8') : null;
        if (opts.json) {
          console.log(JSON.stringify({ siteModel: site.model, embedder: config.embeddings.embedder, configured: configuredModelId(config.embeddings), model: current, papers, pending, models: counts, stored, indexFile: file, problem }));
          return;
        }
        console.log(`site's model: ${site.model ?? '(none yet)'}`);
        console.log(`this instance: EMBEDDER=${config.embeddings.embedder}${current ? `, embeds with ${current}` : problem ? ` (${problem})` : ''}`);
        console.log(`papers: ${papers}`);
        if (counts.length === 0) console.log('no embeddings yet');
        for (const c of counts) console.log(`${c.model}\t${c.papers} papers\t${c.dims} dims${c.model === current ? '\t(current)' : ''}`);
        for (const m of stored) console.log(`stored built-in model ${m.model}\t${(m.bytes / 1e6).toFixed(1)} MB`);
        if (pending !== null) console.log(`pending for ${current}: ${pending}`);
      });
    });
}
