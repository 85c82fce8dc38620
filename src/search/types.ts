/**
 * The seam between the search page/API (keyword + hybrid, src/search/keyword.ts, hybrid.ts) and the
 * semantic side (embedders + the in-process nearest-neighbour index, src/search/vectors.ts). The
 * HTTP layer receives a SemanticIndex in its deps, or null where none is set up yet.
 */
export interface ScoredPaper {
  paperId: string;
  /** Higher is better; comparable only within one result list. */
  score: number;
}

export interface SemanticIndex {
  /** The model that made the vectors (for example `builtin-lsa-256@<hash>`), shown in API answers. */
  readonly model: string;
  /**
   * false while this instance cannot search semantically (no site model yet, or one it cannot make): an
   * index that follows the database (`serve`, decision 0023) turns on by itself once it can. Absent: true.
   */
  readonly available?: boolean;
  /** The embedder that makes its query vectors (Ask this paper embeds passages with it: src/search/passages.ts). */
  readonly embedder?: import('./embedders/types.ts').Embedder;
  /** Papers nearest to a free-text query, best first. */
  searchText(text: string, k: number): Promise<ScoredPaper[]>;
  /**
   * The same, with the query's exact cosine similarity to each of those papers and to each of `candidates`
   * that has a vector (hybrid search scores the keyword results by it).
   */
  searchTextWith(text: string, k: number, candidates: readonly string[]): Promise<TextMatches>;
  /** Papers nearest to this one, itself excluded, best first; [] when it has no vector yet. */
  similarTo(paperId: string, k: number): Promise<ScoredPaper[]>;
}

export interface TextMatches {
  nearest: ScoredPaper[];
  /** Paper id → cosine similarity to the query (papers without a vector of the model are absent). */
  similarity: Map<string, number>;
}

/** The index when it can answer now, else null: what every caller checks before a semantic search. */
export const usableSemantic = (s: SemanticIndex | null | undefined): SemanticIndex | null => (s && s.available !== false ? s : null);
