/**
 * Semantic search as configured: one model for the whole site, named in the database
 * (docs/decisions/0019-one-semantic-model-per-site.md), the embedder this instance makes it with, and the
 * vector index the server answers from. `openSemanticIndex` is what `serve` calls; null means semantic
 * search (and similar papers) is off on this instance, with the reason logged.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Config, DatabaseConfig, EmbeddingsConfig } from '../config.ts';
import type { Database } from '../db/connection.ts';
import { claimSiteModel, siteModel } from '../db/queries/embedding-models.ts';
import { embeddingCounts } from '../db/queries/embeddings.ts';
import { builtinEmbedder } from './embedders/builtin.ts';
import { parseLsa, type LsaModel } from './embedders/lsa.ts';
import { openAiEmbedder, openAiModelId } from './embedders/openai.ts';
import { transformersEmbedder, transformersModelId } from './embedders/transformers.ts';
import { EmbedderError, type Embedder, type PaperText } from './embedders/types.ts';
import { loadBuiltinModel, publishBuiltinModel } from './model-store.ts';
import { VectorIndex, type Quantization } from './vectors.ts';

type SemanticConfig = Pick<Config, 'embeddings' | 'database'>;

/** The built-in models' ids start so (`builtin-lsa-384@…`): any instance can make them, from the database. */
export const isBuiltinModel = (model: string): boolean => model.startsWith('builtin-');

/** The model this instance's EMBEDDER would make; null for the built-in one (its id is the trained model's) and none. */
export function configuredModelId(e: EmbeddingsConfig): string | null {
  if (e.embedder === 'openai') return openAiModelId(e.model!);
  if (e.embedder === 'transformers') return transformersModelId(e.model!);
  return null;
}

/** The configured external embedder (openai, transformers); throws EmbedderError when transformers.js or its model is missing. */
export async function externalEmbedder(e: EmbeddingsConfig): Promise<Embedder> {
  if (e.embedder === 'openai') return openAiEmbedder({ url: e.url!, model: e.model!, apiKey: e.apiKey, timeoutMs: e.timeoutMs });
  if (e.embedder === 'transformers') return transformersEmbedder({ model: e.model!, localModelPath: e.transformersModelPath, cacheDir: path.join(e.dir, 'transformers-cache') });
  throw new Error(`EMBEDDER=${e.embedder} has no external embedder`);
}

const describeConfigured = (e: EmbeddingsConfig): string => {
  const id = configuredModelId(e);
  return id ? `${id} (EMBEDDER=${e.embedder}, EMBEDDINGS_MODEL=${e.model})` : `EMBEDDER=${e.embedder}`;
};

/**
 * Before decision 0019 the built-in model was a file named after the database (`dailypapers.lsa-model.bin`,
 * `pg-HOST-PORT-DB.lsa-model.bin`). The first instance that finds one on a site with no model stores it
 * in the database as the site's model, so that an upgraded site keeps its vectors.
 */
async function adoptLegacyModel(database: Database, config: SemanticConfig, log: (line: string) => void): Promise<string | null> {
  const file = path.join(config.embeddings.dir, `${legacyBaseName(config.database)}.lsa-model.bin`);
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return null;
  }
  let model: LsaModel;
  try {
    model = parseLsa(bytes);
  } catch (e) {
    log(`semantic search: ${file} (a model file of an earlier version) cannot be read (${(e as Error).message}); ignored`);
    return null;
  }
  await publishBuiltinModel(database, model, config.embeddings.dir, bytes);
  const site = await claimSiteModel(database.db, model.id);
  if (site === model.id) log(`semantic search: stored ${file} in the database as the site's model ${model.id}; every instance fetches it from there now, and the file can be deleted`);
  return site;
}

function legacyBaseName(database: DatabaseConfig): string {
  if (database.engine === 'sqlite') return database.path === ':memory:' ? 'memory' : path.basename(database.path).replace(/\.[^.]*$/, '') || 'dailypapers';
  const u = new URL(database.url);
  return `pg-${u.hostname}-${u.port || '5432'}-${u.pathname.replace(/^\//, '') || 'postgres'}`.replace(/[^A-Za-z0-9._-]+/g, '_');
}

/**
 * The embedder of the site's model on this instance. The site's model is read from the database; a
 * built-in one is made from the model stored there (cached in EMBEDDINGS_DIR), an external one only by an
 * instance configured for that very model. Otherwise the embedder is `unavailable`, with one log line
 * saying what the site's model is and how to switch. With no site model yet, an instance configured
 * for an external model uses it (the first to embed makes it the site's); a built-in one waits for
 * `embeddings train`. `refresh` follows the site's model when another process changes it.
 */
export class SiteEmbedder implements Embedder {
  private inner: Embedder | null = null;
  private external: Embedder | null = null;
  /** The built-in embedder of the site's model, when it is one (its worker threads end with it). */
  private builtin: Embedder | null = null;
  /** The site's model at the last look (undefined before the first). */
  private seen: string | null | undefined;
  private why: string | null = null;
  private siteId = '';

  private constructor(private readonly database: Database, private readonly config: SemanticConfig, private readonly log: (line: string) => void) {}

  static async open(database: Database, config: SemanticConfig, opts: { log?: (line: string) => void } = {}): Promise<SiteEmbedder> {
    const e = new SiteEmbedder(database, config, opts.log ?? ((line) => console.log(line)));
    await e.resolve((await siteModel(database.db)).model);
    return e;
  }

  get id(): string {
    return this.inner?.id ?? this.siteId;
  }

  get dimensions(): number {
    return this.inner?.dimensions ?? 0;
  }

  get unavailable(): string | null {
    return this.why;
  }

  async embedDocuments(papers: PaperText[]): Promise<Float32Array[]> {
    if (!this.inner) throw new EmbedderError(this.why ?? 'no embedder');
    return this.inner.embedDocuments(papers);
  }

  async embedQuery(text: string): Promise<Float32Array> {
    return this.inner ? this.inner.embedQuery(text) : new Float32Array(0);
  }

  async refresh(): Promise<boolean> {
    const site = (await siteModel(this.database.db)).model;
    if (site === this.seen) return false;
    const before = `${this.id} ${this.why}`;
    await this.resolve(site);
    return `${this.id} ${this.why}` !== before;
  }

  async close(): Promise<void> {
    await this.closeBuiltin();
    await this.external?.close?.();
  }

  private async closeBuiltin(): Promise<void> {
    const b = this.builtin;
    this.builtin = null;
    await b?.close?.();
  }

  private async resolve(site: string | null): Promise<void> {
    this.seen = site;
    const e = this.config.embeddings;
    if (site === null && e.embedder === 'builtin') site = this.seen = await adoptLegacyModel(this.database, this.config, this.log);
    if (site === null || !isBuiltinModel(site)) await this.closeBuiltin();
    if (site === null) {
      if (e.embedder === 'builtin') return this.off('', 'semantic search is off: the built-in embedder is not trained yet; run `dailypapers embeddings train`');
      return this.useExternal(configuredModelId(e)!);
    }
    if (isBuiltinModel(site)) {
      if (this.inner?.id === site) return this.on(this.inner);
      try {
        const model = await loadBuiltinModel(this.database, e.dir, site, this.log);
        // The previous model's worker threads end (a batch of it under way fails: its vectors would be stale).
        await this.closeBuiltin();
        this.builtin = builtinEmbedder(model, e.threads !== undefined ? { threads: e.threads } : {});
        this.on(this.builtin);
      } catch (err) {
        if (!(err instanceof EmbedderError)) throw err;
        return this.off(site, `semantic search is off: ${err.message}`);
      }
      const mine = configuredModelId(e);
      if (mine) this.log(`semantic search: the site's model is the built-in ${site} (stored in the database), so this instance's ${describeConfigured(e)} is not used; to switch the whole site to ${mine}, run \`dailypapers embeddings use\` on this instance (every paper is then embedded again)`);
      return;
    }
    if (configuredModelId(e) === site) return this.useExternal(site);
    this.off(site,
      `semantic search is off on this instance: the site's model is ${site} (set in the database), which this instance, configured for ${describeConfigured(e)}, cannot make; ` +
      `configure it like the instances that run ${site}, or switch the whole site with \`dailypapers embeddings use\` on this instance (\`dailypapers embeddings train\` for the built-in model); every paper is then embedded again`);
  }

  private async useExternal(id: string): Promise<void> {
    try {
      this.external ??= await externalEmbedder(this.config.embeddings);
    } catch (err) {
      if (!(err instanceof EmbedderError)) throw err;
      return this.off(id, `semantic search is off: ${err.message}`);
    }
    this.on(this.external);
  }

  private on(embedder: Embedder): void {
    this.inner = embedder;
    this.why = null;
  }

  private off(site: string, why: string): void {
    this.inner = null;
    this.siteId = site;
    if (why !== this.why) this.log(why);
    this.why = why;
  }
}

export interface OpenSemanticOptions {
  log?: (line: string) => void;
  quantization?: Quantization;
  /**
   * `serve` (decision 0023): the index follows the database every this many ms, and is opened even while
   * semantic search is off (no site model yet, or one this instance cannot make): it turns on by itself
   * once `embeddings train` / `use` gives it a model. Without it, such an instance gets null.
   */
  followMs?: number;
}

/**
 * The semantic index for the server, or null when semantic search is off on this instance (EMBEDDER=none;
 * no site model yet; a site model this instance cannot make: the log line says what to do). Never throws
 * for a damaged or missing model file: it is fetched again from the database. With stored vectors of
 * another model only, the index starts empty and fills as re-embedding (the background job) goes on.
 */
export async function openSemanticIndex(database: Database, config: SemanticConfig, opts: OpenSemanticOptions = {}): Promise<VectorIndex | null> {
  const log = opts.log ?? ((line: string) => console.log(line));
  if (config.embeddings.embedder === 'none') return null;
  const embedder = await SiteEmbedder.open(database, config, { log });
  if (embedder.unavailable && opts.followMs === undefined) {
    await embedder.close();
    return null;
  }
  const index = await VectorIndex.open(database, embedder, {
    dir: config.embeddings.dir, log,
    ...(opts.quantization ? { quantization: opts.quantization } : {}),
  });
  if (opts.followMs !== undefined) index.follow(opts.followMs);
  if (embedder.unavailable) {
    log(`semantic search: off for now; this instance looks for the site's model every ${opts.followMs} ms and turns it on without a restart`);
    return index;
  }
  const counts = await embeddingCounts(database.db);
  const mine = counts.find((c) => c.model === embedder.id)?.papers ?? 0;
  const others = counts.filter((c) => c.model !== embedder.id).reduce((s, c) => s + c.papers, 0);
  log(`semantic search: ${embedder.id}, ${index.size} papers in the index (${index.origin})${others > 0 ? `; ${others} papers still have vectors of another model and wait for re-embedding` : ''}${mine === 0 && others === 0 ? '; run `dailypapers embeddings backfill` to embed the papers' : ''}`);
  return index;
}

export { EmbedderError };
