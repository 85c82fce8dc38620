/** A deterministic semantic index for tests of hybrid and semantic modes (no model, no vectors). */
import type { ScoredPaper, SemanticIndex, TextMatches } from '../../src/search/types.ts';

/** A semantic index of our own seam's shape: a fixed ranking for any text (tests of hybrid and semantic modes). */
export class FixedSemanticIndex implements SemanticIndex {
  readonly model = 'test-fixed@1';
  constructor(private readonly ranking: string[]) {}
  async searchText(_text: string, k: number): Promise<ScoredPaper[]> {
    return this.ranking.slice(0, k).map((paperId, i) => ({ paperId, score: 1 - i / 100 }));
  }
  async searchTextWith(text: string, k: number): Promise<TextMatches> {
    const nearest = await this.searchText(text, k);
    return { nearest, similarity: new Map(nearest.map((h) => [h.paperId, h.score])) };
  }
  async similarTo(): Promise<ScoredPaper[]> {
    return [];
  }
}
