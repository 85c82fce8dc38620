/**
 * "Picked for you": a digest section for subscribers who are members, of papers near (by embedding) the ones
 * they upvoted lately. Cheap per subscriber: one small query of their latest votes, `similarTo` on at most
 * PICKS_SEEDS papers of the in-process index, one query for which of the neighbours they upvoted already, one
 * for the picks' details. Without a semantic index there is no such section.
 */
import { mailPapers } from '../db/queries/saved-searches.ts';
import { votedAmong } from '../db/queries/votes.ts';
import { shortAbstract } from '../domain/digest.ts';
import { usableSemantic, type SemanticIndex } from '../search/types.ts';
import type { DigestSectionProvider } from './digest-run.ts';

/** Upvotes (the latest) whose neighbours are looked up. */
export const PICKS_SEEDS = 5;
/** Votes older than this say little about what a member reads now. */
export const PICKS_VOTE_DAYS = 90;
/** Neighbours asked per upvoted paper. */
export const PICKS_NEIGHBOURS = 10;
/** Papers in the section. */
export const PICKS_SHOWN = 5;
export const PICKS_TITLE = 'Picked for you';

/** The provider for runDigest's `extraSections`; with no index, one that adds nothing. */
export function personalPicks(index: SemanticIndex | null): DigestSectionProvider {
  return async ({ database, subscriber, now, sections }) => {
    const semantic = usableSemantic(index);
    if (!semantic || subscriber.userId === null) return null;
    const { db } = database;
    const since = new Date(now.getTime() - PICKS_VOTE_DAYS * 86_400_000).toISOString();
    const seeds = (await db.selectFrom('votes').select('paper_id').where('user_id', '=', subscriber.userId).where('created_at', '>=', since)
      .orderBy('created_at', 'desc').orderBy('paper_id').limit(PICKS_SEEDS).execute()).map((r) => r.paper_id);
    if (seeds.length === 0) return null;
    // A paper near several of the member's upvotes ranks by the sum of its similarities.
    const score = new Map<string, number>();
    for (const seed of seeds) {
      for (const h of await semantic.similarTo(seed, PICKS_NEIGHBOURS)) score.set(h.paperId, (score.get(h.paperId) ?? 0) + h.score);
    }
    const inDigest = new Set((sections ?? []).flatMap((s) => s.papers.map((p) => p.id)));
    for (const id of [...seeds, ...inDigest]) score.delete(id);
    const upvoted = await votedAmong(db, subscriber.userId, [...score.keys()]);
    const ranked = [...score.entries()].filter(([id]) => !upvoted.has(id)).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, PICKS_SHOWN);
    if (ranked.length === 0) return null;
    const papers = await mailPapers(db, ranked.map(([id]) => id));
    return {
      id: 'picks',
      title: PICKS_TITLE,
      intro: 'Papers close to the ones you upvoted lately.',
      papers: ranked.flatMap(([id]) => {
        const p = papers.get(id);
        return p ? [{ ...p, abstract: shortAbstract(p.abstract) }] : [];
      }),
    };
  };
}
