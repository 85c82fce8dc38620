/**
 * "From what you follow": a digest section for subscribers who are members, of the new papers the
 * notify-follows scan brought them (src/notify/new-papers.ts) during the digest's period (the last day for
 * the daily digest, the last week for the weekly one), newest first, without those already in the digest.
 */
import { listNotifications } from '../db/queries/notifications.ts';
import { mailPapers } from '../db/queries/saved-searches.ts';
import { shortAbstract } from '../domain/digest.ts';
import type { DigestSectionProvider } from '../email/digest-run.ts';

export const FOLLOWED_SHOWN = 10;
export const FOLLOWED_TITLE = 'From what you follow';
/** Notifications read per subscriber to fill the section. */
const READ = 200;

export function followedPapers(): DigestSectionProvider {
  return async ({ database, subscriber, period, now, sections }) => {
    if (subscriber.userId === null) return null;
    const since = new Date(now.getTime() - (period.frequency === 'weekly' ? 7 : 1) * 86_400_000).toISOString();
    const inDigest = new Set((sections ?? []).flatMap((s) => s.papers.map((p) => p.id)));
    const recent = (await listNotifications(database.db, subscriber.userId, { limit: READ, kind: 'paper' }))
      .filter((n) => n.createdAt > since && n.paperId && !inDigest.has(n.paperId));
    if (recent.length === 0) return null;
    const shown = recent.slice(0, FOLLOWED_SHOWN);
    const papers = await mailPapers(database.db, shown.map((n) => n.paperId!));
    return {
      id: 'followed',
      title: FOLLOWED_TITLE,
      intro: recent.length > shown.length ? `${recent.length} new papers from the authors, organizations, categories and keywords you follow; the newest ${shown.length} here.` : 'New papers from the authors, organizations, categories and keywords you follow.',
      papers: shown.flatMap((n) => {
        const p = papers.get(n.paperId!);
        return p ? [{ ...p, abstract: shortAbstract(p.abstract) }] : [];
      }),
    };
  };
}
