/**
 * "Picked for you": a digest section for subscribers who are members, ranked by the For-you model
 * (src/search/for-you.ts, docs/decisions/0029-for-you-feed.md) with the member's own blend, each paper with
 * the same explanation as on the For-you page. Papers already in the digest's other sections are left out.
 * A member who has given no signal (no upvote, save, 👍/👎 or seed) gets no such section: the top papers
 * already are the community's picks. Without a semantic index the model ranks by words alone.
 */
import { mailPapers } from '../db/queries/saved-searches.ts';
import { shortAbstract } from '../domain/digest.ts';
import { explain } from '../domain/for-you.ts';
import { forYouFeed } from '../search/for-you.ts';
import type { SemanticIndex } from '../search/types.ts';
import type { DigestSectionProvider } from './digest-run.ts';

/** Papers in the section. */
export const PICKS_SHOWN = 5;
export const PICKS_TITLE = 'Picked for you';

/** The provider for runDigest's `extraSections`. */
export function personalPicks(index: SemanticIndex | null): DigestSectionProvider {
  return async ({ database, subscriber, now, sections }) => {
    if (subscriber.userId === null) return null;
    const feed = await forYouFeed(database, index, subscriber.userId, now);
    if (feed.signals === 0) return null;
    const inDigest = new Set((sections ?? []).flatMap((s) => s.papers.map((p) => p.id)));
    const ranked = feed.items.filter((i) => !inDigest.has(i.paperId)).slice(0, PICKS_SHOWN);
    if (ranked.length === 0) return null;
    const papers = await mailPapers(database.db, ranked.map((i) => i.paperId));
    return {
      id: 'picks',
      title: PICKS_TITLE,
      intro: 'Ranked for you, as on your For-you page, from what you upvote, save and ask for.',
      papers: ranked.flatMap((i) => {
        const p = papers.get(i.paperId);
        const why = explain(i.why).join(' · ');
        return p ? [{ ...p, abstract: shortAbstract(p.abstract), ...(why ? { why: why[0]!.toUpperCase() + why.slice(1) } : {}) }] : [];
      }),
    };
  };
}
