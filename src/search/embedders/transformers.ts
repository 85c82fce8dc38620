/**
 * transformers.js (`@huggingface/transformers`): an ONNX sentence-embedding model run in process, mean
 * pooled and normalised. The package is not a dependency of Daily Papers (it brings onnxruntime-node and
 * sharp): it is loaded only when EMBEDDER=transformers, and its absence is a clear error.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { EmbedderError, normalize, paperText, type Embedder, type PaperText } from './types.ts';

export interface TransformersEmbedderOptions {
  /** A model name (`Xenova/all-MiniLM-L6-v2`): a folder under `localModelPath`, or on the Hugging Face Hub. */
  model: string;
  /** Where models are read from; when set, nothing is downloaded. */
  localModelPath: string | null;
  /** Where downloaded models are cached (when `localModelPath` is not set). */
  cacheDir: string;
  /** The package to import (tests name one that does not exist). */
  packageName?: string;
  batchSize?: number;
}

type Extractor = (texts: string[], o: { pooling: 'mean'; normalize: boolean }) => Promise<{ data: Float32Array; dims: number[] }>;

/** The id of a transformers.js model, recorded beside its vectors. */
export const transformersModelId = (model: string): string => `transformers:${model}`;

export async function transformersEmbedder(opts: TransformersEmbedderOptions): Promise<Embedder> {
  const pkg = opts.packageName ?? '@huggingface/transformers';
  const where = opts.localModelPath ? path.join(opts.localModelPath, opts.model) : `the Hugging Face Hub (cached in ${opts.cacheDir})`;
  const help = `EMBEDDER=transformers needs \`npm install @huggingface/transformers\` and a model folder at ${opts.localModelPath ? where : `TRANSFORMERS_MODEL_PATH/${opts.model}`} (or internet access to download ${opts.model})`;
  let mod: { pipeline: (task: string, model: string, o?: Record<string, unknown>) => Promise<Extractor>; env: Record<string, unknown> };
  try {
    mod = (await import(pkg)) as typeof mod;
  } catch (e) {
    throw new EmbedderError(`${help}: the package cannot be loaded (${(e as Error).message.split('\n')[0]})`);
  }
  if (opts.localModelPath) {
    if (!existsSync(path.join(opts.localModelPath, opts.model))) throw new EmbedderError(`${help}: there is no folder ${where}`);
    mod.env.localModelPath = opts.localModelPath;
    mod.env.allowRemoteModels = false;
    mod.env.allowLocalModels = true;
  } else {
    mod.env.cacheDir = opts.cacheDir;
  }
  let extractor: Extractor;
  try {
    extractor = await mod.pipeline('feature-extraction', opts.model);
  } catch (e) {
    throw new EmbedderError(`${help}: the model ${opts.model} cannot be loaded from ${where} (${(e as Error).message.split('\n')[0]})`);
  }
  let dimensions = 0;
  const batchSize = opts.batchSize ?? 16;
  async function embed(texts: string[]): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += batchSize) {
      const batch = texts.slice(i, i + batchSize);
      const t = await extractor(batch, { pooling: 'mean', normalize: true });
      const d = t.dims.at(-1)!;
      dimensions = d;
      for (let j = 0; j < batch.length; j++) out.push(normalize(Float32Array.from(t.data.subarray(j * d, (j + 1) * d))));
    }
    return out;
  }
  return {
    id: transformersModelId(opts.model),
    get dimensions() {
      return dimensions;
    },
    embedDocuments: (papers: PaperText[]) => embed(papers.map(paperText)),
    embedQuery: async (text: string) => (await embed([text]))[0]!,
  };
}
