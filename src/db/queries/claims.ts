/**
 * Authorship claims: made by members, decided by moderators (with a log row in the same transaction),
 * hidden from a profile by their owner. The partial unique indexes of migration 5 keep one live claim
 * per member per paper and one approved member per author entry, also under concurrency.
 */
import type { Kysely } from 'kysely';
import { authorPosition, type ClaimStatus } from '../../domain/claims.ts';
import type { Author } from '../../domain/paper.ts';
import type { DB } from '../schema.ts';
import { logAction } from './moderation.ts';
import { bumpDataVersion } from './papers.ts';

type Db = Kysely<DB>;

export interface Claim {
  id: number;
  userId: number;
  username: string;
  paperId: string;
  paperTitle: string;
  authorIndex: number;
  authorName: string;
  status: ClaimStatus;
  /** Why a moderator denied it. */
  reason: string | null;
  createdAt: string;
  decidedAt: string | null;
  /** Its owner left the paper off their profile. */
  hidden: boolean;
}

function claimQuery(db: Db) {
  return db
    .selectFrom('author_claims as a')
    .innerJoin('users as u', 'u.id', 'a.user_id')
    .innerJoin('papers as p', 'p.id', 'a.paper_id')
    .select([
      'a.id', 'a.user_id', 'u.username', 'a.paper_id', 'p.title', 'a.author_index', 'a.author_name', 'a.status', 'a.reason',
      'a.created_at', 'a.decided_at', 'a.hidden_at', 'p.published_at',
    ])
    .where('u.deleted_at', 'is', null);
}

type Row = Awaited<ReturnType<ReturnType<typeof claimQuery>['execute']>>[number];

const toClaim = (r: Row): Claim => ({
  id: r.id, userId: r.user_id, username: r.username, paperId: r.paper_id, paperTitle: r.title, authorIndex: r.author_index,
  authorName: r.author_name, status: r.status, reason: r.reason, createdAt: r.created_at, decidedAt: r.decided_at, hidden: r.hidden_at !== null,
});

/** Whether another member's approved claim points at this entry of the author list today. */
async function entryTaken(db: Db, paperId: string, authors: Author[], index: number, exceptUserId: number): Promise<boolean> {
  const approved = await db
    .selectFrom('author_claims as a')
    .innerJoin('users as u', 'u.id', 'a.user_id')
    .select(['a.author_index', 'a.author_name'])
    .where('a.paper_id', '=', paperId)
    .where('a.status', '=', 'approved')
    .where('a.user_id', '!=', exceptUserId)
    .where('u.deleted_at', 'is', null)
    .execute();
  return approved.some((a) => authorPosition(authors, a.author_index, a.author_name) === index);
}

export type CreateClaimResult =
  | { ok: true; id: number }
  | { ok: false; problem: 'no-paper' | 'no-author' | 'pending' | 'approved' | 'taken' };

/** A member claims entry `authorIndex` of a paper's author list. */
export async function createClaim(db: Db, c: { userId: number; paperId: string; authorIndex: number; now: Date }): Promise<CreateClaimResult> {
  return db.transaction().execute(async (trx) => {
    const paper = await trx.selectFrom('papers').select('authors').where('id', '=', c.paperId).executeTakeFirst();
    if (!paper) return { ok: false, problem: 'no-paper' };
    const authors = JSON.parse(paper.authors) as Author[];
    const author = authors[c.authorIndex];
    if (!author) return { ok: false, problem: 'no-author' };
    const live = await trx.selectFrom('author_claims').select('status').where('user_id', '=', c.userId).where('paper_id', '=', c.paperId).where('status', '!=', 'denied').executeTakeFirst();
    if (live) return { ok: false, problem: live.status === 'approved' ? 'approved' : 'pending' };
    if (await entryTaken(trx, c.paperId, authors, c.authorIndex, c.userId)) return { ok: false, problem: 'taken' };
    const row = await trx
      .insertInto('author_claims')
      .values({ user_id: c.userId, paper_id: c.paperId, author_index: c.authorIndex, author_name: author.name, status: 'pending', created_at: c.now.toISOString() })
      .onConflict((oc) => oc.doNothing())
      .returning('id')
      .executeTakeFirst();
    return row ? { ok: true, id: row.id } : { ok: false, problem: 'pending' };
  });
}

/** Approved claims on a paper (for the links of its author list). */
export async function approvedClaimsOnPaper(db: Db, paperId: string): Promise<Claim[]> {
  return (await claimQuery(db).where('a.paper_id', '=', paperId).where('a.status', '=', 'approved').orderBy('a.decided_at').execute()).map(toClaim);
}

/** A member's latest claim on a paper (pending, approved, or the last denied one), or undefined. */
export async function latestClaimOnPaper(db: Db, userId: number, paperId: string): Promise<Claim | undefined> {
  const r = await claimQuery(db).where('a.user_id', '=', userId).where('a.paper_id', '=', paperId).orderBy('a.created_at', 'desc').orderBy('a.id', 'desc').executeTakeFirst();
  return r && toClaim(r);
}

/** A member's claims on one paper (pending, approved and denied), newest first. */
export async function claimsOfUserOnPaper(db: Db, userId: number, paperId: string): Promise<Claim[]> {
  return (await claimQuery(db).where('a.user_id', '=', userId).where('a.paper_id', '=', paperId).orderBy('a.created_at', 'desc').orderBy('a.id', 'desc').execute()).map(toClaim);
}

/** Claims waiting for a moderator, oldest first. */
export async function pendingClaims(db: Db, limit: number): Promise<Claim[]> {
  return (await claimQuery(db).where('a.status', '=', 'pending').orderBy('a.created_at').orderBy('a.id').limit(limit).execute()).map(toClaim);
}

/**
 * A member's claims, newest paper first: approved ones for the profile (without the hidden ones
 * unless `all`), or with `all` every claim (their own view shows pending and denied ones too).
 */
export async function claimsOfUser(db: Db, userId: number, opts: { all: boolean; limit: number }): Promise<Claim[]> {
  let q = claimQuery(db).where('a.user_id', '=', userId);
  if (!opts.all) q = q.where('a.status', '=', 'approved').where('a.hidden_at', 'is', null);
  const rows = await q.orderBy('p.published_at', 'desc').orderBy('a.id', 'desc').limit(opts.limit).execute();
  return rows.map(toClaim);
}

/** Whether a member has at least one approved claim (the `claimed` submission rule). */
export async function hasApprovedClaim(db: Db, userId: number): Promise<boolean> {
  return !!(await db.selectFrom('author_claims').select('id').where('user_id', '=', userId).where('status', '=', 'approved').limit(1).executeTakeFirst());
}

export type DecideResult = { ok: true; paperId: string; userId: number } | { ok: false; problem: 'not-found' | 'decided' | 'taken' };

/**
 * A moderator approves or denies a pending claim, with a reason (required to deny: the member reads
 * it). The decision and its log row are one transaction; an approval changes the paper's page.
 */
export async function decideClaim(db: Db, d: { moderatorId: number; claimId: number; approve: boolean; reason: string; now: Date }): Promise<DecideResult> {
  return db.transaction().execute(async (trx) => {
    const claim = await trx.selectFrom('author_claims').select(['user_id', 'paper_id', 'author_index', 'author_name', 'status']).where('id', '=', d.claimId).executeTakeFirst();
    if (!claim) return { ok: false, problem: 'not-found' };
    if (claim.status !== 'pending') return { ok: false, problem: 'decided' };
    if (d.approve) {
      const paper = await trx.selectFrom('papers').select('authors').where('id', '=', claim.paper_id).executeTakeFirstOrThrow();
      const authors = JSON.parse(paper.authors) as Author[];
      const at = authorPosition(authors, claim.author_index, claim.author_name);
      if (at === null || (await entryTaken(trx, claim.paper_id, authors, at, claim.user_id))) return { ok: false, problem: 'taken' };
    }
    const updated = await trx
      .updateTable('author_claims')
      .set({ status: d.approve ? 'approved' : 'denied', reason: d.reason.trim() || null, decided_at: d.now.toISOString(), decided_by: d.moderatorId })
      .where('id', '=', d.claimId)
      .where('status', '=', 'pending')
      .returning('id')
      .executeTakeFirst();
    if (!updated) return { ok: false, problem: 'decided' };
    await logAction(trx, {
      moderatorId: d.moderatorId, action: d.approve ? 'approve-claim' : 'deny-claim', targetType: 'claim', targetId: d.claimId,
      paperId: claim.paper_id, userId: claim.user_id, reason: d.reason, now: d.now,
    });
    if (d.approve) await bumpDataVersion(trx);
    return { ok: true, paperId: claim.paper_id, userId: claim.user_id };
  });
}

/** The owner of an approved claim leaves its paper off their profile, or puts it back. */
export async function setClaimHidden(db: Db, c: { userId: number; claimId: number; hidden: boolean; now: Date }): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const r = await trx
      .updateTable('author_claims')
      .set({ hidden_at: c.hidden ? c.now.toISOString() : null })
      .where('id', '=', c.claimId)
      .where('user_id', '=', c.userId)
      .where('status', '=', 'approved')
      .executeTakeFirst();
    const changed = Number(r.numUpdatedRows) > 0;
    if (changed) await bumpDataVersion(trx);
    return changed;
  });
}
