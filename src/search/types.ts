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
  /** Papers nearest to a free-text query, best first. */
  searchText(text: string, k: number): Promise<ScoredPaper[]>;
  /** Papers nearest to this one, itself excluded, best first; [] when it has no vector yet. */
  similarTo(paperId: string, k: number): Promise<ScoredPaper[]>;
}
