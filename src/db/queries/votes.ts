/** Members' upvotes on papers: one per member per paper, the count kept exact under concurrency. */
import type { Kysely } from 'kysely';
import type { DB } from '../schema.ts';
import { bumpDataVersion } from './papers.ts';

type Db = Kysely<DB>;

/**
 * Sets a member's vote on a paper to `on` and returns the paper's shown count. Setting (not toggling)
 * makes a double click one vote. The vote row and the counter change in one transaction, and the
 * counter only moves when a row was really inserted or deleted, so parallel votes count exactly.
 * Returns undefined when there is no such paper.
 */
export async function setVote(db: Db, userId: number, paperId: string, on: boolean, now: Date): Promise<{ upvoted: boolean; upvotes: number } | undefined> {
  return db.transaction().execute(async (trx) => {
    const paper = await trx.selectFrom('papers').select('id').where('id', '=', paperId).executeTakeFirst();
    if (!paper) return undefined;
    const changed = on
      ? await trx
          .insertInto('votes')
          .values({ user_id: userId, paper_id: paperId, created_at: now.toISOString() })
          .onConflict((oc) => oc.columns(['user_id', 'paper_id']).doNothing())
          .returning('paper_id')
          .executeTakeFirst()
      : await trx.deleteFrom('votes').where('user_id', '=', userId).where('paper_id', '=', paperId).returning('paper_id').executeTakeFirst();
    if (changed) {
      await trx
        .updateTable('papers')
        .set((eb) => ({ member_upvotes: eb('member_upvotes', '+', on ? 1 : -1) }))
        .where('id', '=', paperId)
        .execute();
      await bumpDataVersion(trx, 'votes');
    }
    const r = await trx.selectFrom('papers').select(['upvotes', 'member_upvotes']).where('id', '=', paperId).executeTakeFirstOrThrow();
    return { upvoted: on, upvotes: r.upvotes + r.member_upvotes };
  });
}

/** Which of these papers a member has upvoted. */
export async function votedAmong(db: Db, userId: number, paperIds: string[]): Promise<Set<string>> {
  if (paperIds.length === 0) return new Set();
  const rows = await db.selectFrom('votes').select('paper_id').where('user_id', '=', userId).where('paper_id', 'in', paperIds).execute();
  return new Set(rows.map((r) => r.paper_id));
}
