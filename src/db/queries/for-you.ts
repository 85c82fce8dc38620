/**
 * The For-you feed's storage (migration 27, docs/decisions/0029-for-you-feed.md): a member's feedback
 * (👍 more like this, 👎 not interested, seeds picked on the start page), their heat slider, and the signals
 * the ranking reads (their upvotes and saved papers, with the feedback), each with the paper's text.
 */
import { followedTopics } from './follows.ts';
import type { Kysely } from 'kysely';
import type { DB } from '../schema.ts';
import { DEFAULT_HEAT, type FeedbackKind, type Followed, type PositiveKind } from '../../domain/for-you.ts';

type Db = Kysely<DB>;

export const FEEDBACK_KINDS: readonly FeedbackKind[] = ['more', 'less', 'seed'];
/** Latest upvotes, and latest saved papers, that the model reads (older ones say little of what a member reads now). */
export const SIGNALS_EACH = 200;
/** Feedback rows read (and kept per member: the oldest go beyond it). */
export const FEEDBACK_CAP = 500;

/** Records (or changes) what a member said of a paper; false when there is no such paper. */
export async function setFeedback(db: Db, userId: number, paperId: string, kind: FeedbackKind, now: Date): Promise<boolean> {
  const paper = await db.selectFrom('papers').select('id').where('id', '=', paperId).executeTakeFirst();
  if (!paper) return false;
  await db
    .insertInto('for_you_feedback')
    .values({ user_id: userId, paper_id: paperId, kind, created_at: now.toISOString() })
    .onConflict((oc) => oc.columns(['user_id', 'paper_id']).doUpdateSet({ kind, created_at: now.toISOString() }))
    .execute();
  return true;
}

/** Takes back what a member said of a paper (true when there was something). */
export async function clearFeedback(db: Db, userId: number, paperId: string): Promise<boolean> {
  const r = await db.deleteFrom('for_you_feedback').where('user_id', '=', userId).where('paper_id', '=', paperId).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** Reset: forgets every piece of feedback and every seed of a member (never their votes or collections). */
export async function resetFeedback(db: Db, userId: number): Promise<number> {
  const r = await db.deleteFrom('for_you_feedback').where('user_id', '=', userId).executeTakeFirst();
  return Number(r.numDeletedRows);
}

export interface FeedbackRow {
  paperId: string;
  kind: FeedbackKind;
  title: string;
  createdAt: string;
}

/** A member's feedback, newest first. */
export async function feedbackOf(db: Db, userId: number, limit = FEEDBACK_CAP): Promise<FeedbackRow[]> {
  const rows = await db
    .selectFrom('for_you_feedback as f')
    .innerJoin('papers as p', 'p.id', 'f.paper_id')
    .select(['f.paper_id', 'f.kind', 'f.created_at', 'p.title'])
    .where('f.user_id', '=', userId)
    .orderBy('f.created_at', 'desc')
    .orderBy('f.paper_id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ paperId: r.paper_id, kind: r.kind as FeedbackKind, title: r.title, createdAt: r.created_at }));
}

/** The member's slider: percent community heat (DEFAULT_HEAT until they set it). */
export async function heatOf(db: Db, userId: number): Promise<number> {
  const r = await db.selectFrom('for_you_settings').select('heat').where('user_id', '=', userId).executeTakeFirst();
  return r ? Number(r.heat) : DEFAULT_HEAT;
}

export async function setHeat(db: Db, userId: number, heat: number, now: Date): Promise<void> {
  await db
    .insertInto('for_you_settings')
    .values({ user_id: userId, heat, updated_at: now.toISOString() })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ heat, updated_at: now.toISOString() }))
    .execute();
}

export interface SignalRow {
  paperId: string;
  kind: PositiveKind | 'less';
  title: string;
  abstract: string | null;
}

/**
 * What the ranking learns from: the member's latest upvotes and saved papers (any collection) and their
 * feedback. A paper with several signals appears once, by the strongest: feedback, then saved, then upvote.
 */
export async function memberSignals(db: Db, userId: number): Promise<SignalRow[]> {
  const feedback = await db
    .selectFrom('for_you_feedback as f')
    .innerJoin('papers as p', 'p.id', 'f.paper_id')
    .select(['f.paper_id', 'f.kind', 'p.title', 'p.abstract'])
    .where('f.user_id', '=', userId)
    .orderBy('f.created_at', 'desc')
    .limit(FEEDBACK_CAP)
    .execute();
  const saved = await db
    .selectFrom('collection_papers as cp')
    .innerJoin('collections as c', 'c.id', 'cp.collection_id')
    .innerJoin('papers as p', 'p.id', 'cp.paper_id')
    .select(['cp.paper_id', 'p.title', 'p.abstract'])
    .where('c.user_id', '=', userId)
    .orderBy('cp.added_at', 'desc')
    .limit(SIGNALS_EACH)
    .execute();
  const votes = await db
    .selectFrom('votes as v')
    .innerJoin('papers as p', 'p.id', 'v.paper_id')
    .select(['v.paper_id', 'p.title', 'p.abstract'])
    .where('v.user_id', '=', userId)
    .orderBy('v.created_at', 'desc')
    .limit(SIGNALS_EACH)
    .execute();
  const out = new Map<string, SignalRow>();
  for (const r of feedback) out.set(r.paper_id, { paperId: r.paper_id, kind: r.kind as FeedbackKind, title: r.title, abstract: r.abstract });
  for (const r of saved) if (!out.has(r.paper_id)) out.set(r.paper_id, { paperId: r.paper_id, kind: 'saved', title: r.title, abstract: r.abstract });
  for (const r of votes) if (!out.has(r.paper_id)) out.set(r.paper_id, { paperId: r.paper_id, kind: 'upvote', title: r.title, abstract: r.abstract });
  return [...out.values()];
}

/** The topics a member follows (authors, organizations, categories, keywords), which the ranking favours; saved searches are channels of their own. */
export async function loadFollowedTopics(db: Db, userId: number): Promise<Followed[]> {
  return (await followedTopics(db, userId)).flatMap(({ kind, value }) => (kind === 'saved_search' ? [] : [{ kind, value }]));
}
