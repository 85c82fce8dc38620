/**
 * An embedder turns papers and queries into vectors. Three implementations, chosen by EMBEDDER:
 * `builtin` (LSA trained on this site's own papers, src/search/embedders/builtin.ts), `transformers`
 * (an ONNX model through @huggingface/transformers, transformers.ts) and `openai` (any OpenAI-compatible
 * /v1/embeddings endpoint, openai.ts).
 */
export interface PaperText {
  title: string;
  abstract: string | null;
}

export interface Embedder {
  /**
   * The model's identity, recorded beside every vector it makes (`builtin-lsa-256@3f2a…`,
   * `openai:nomic-embed-text`, `transformers:Xenova/all-MiniLM-L6-v2`). Vectors from another id are stale.
   */
  readonly id: string;
  /** Length of the vectors; 0 until known (an endpoint tells it with its first answer). */
  readonly dimensions: number;
  /** One unit vector per paper (title and abstract), in order. */
  embedDocuments(papers: PaperText[]): Promise<Float32Array[]>;
  /** The unit vector of a search query. */
  embedQuery(text: string): Promise<Float32Array>;
  /**
   * Looks again at where the model comes from (the site's model in the database, which `embeddings
   * train` or `embeddings use` may have changed); true when the model or its availability changed.
   */
  refresh?(): Promise<boolean>;
  /**
   * Why this instance cannot embed with the model (`id`) now, for the operator; null or absent when it
   * can. An unavailable embedder embeds no query and refuses documents.
   */
  readonly unavailable?: string | null;
  close?(): Promise<void>;
}

/** A configuration or availability problem, with a message that says what to do. */
export class EmbedderError extends Error {
  override name = 'EmbedderError';
}

/** The text models other than the built-in one read for a paper. */
export const paperText = (p: PaperText): string => (p.abstract ? `${p.title.replace(/\s+/g, ' ').trim()}\n\n${p.abstract.replace(/\s+/g, ' ').trim()}` : p.title.replace(/\s+/g, ' ').trim());

/** Scales a vector to length 1 (a zero vector stays zero). */
export function normalize(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  const n = Math.sqrt(s);
  if (n > 0) for (let i = 0; i < v.length; i++) v[i] = v[i]! / n;
  return v;
}
