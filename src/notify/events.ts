/**
 * Notifications of members' own activity (docs/decisions/0031-follows-and-notifications.md): a reply to a
 * member's comment, a mention, a decision on their authorship claim. Recorded in the inbox once per event
 * (its dedupe key) and mailed at once when the member keeps that kind's mail on.
 */
import type { SiteConfig } from '../config.ts';
import type { Database } from '../db/connection.ts';
import type { CommentRecord, Mentioned } from '../db/queries/comments.ts';
import { addNotification, mailableFor } from '../db/queries/notifications.ts';
import type { Mailer } from '../email/mailer.ts';
import { excerpt } from '../http/views/text.ts';
import { claimDecisionMail, replyMail } from './mail.ts';

export interface EventDeps {
  database: Database;
  mailer: Mailer;
  site: SiteConfig;
  now: () => Date;
}

/**
 * A comment was written or edited: its mentions (the members the comment write chose to notify) go to their
 * inboxes; on a new reply, the author of the parent comment too (unless they wrote it, or it mentions them).
 * The mention mail itself is sent by src/http/comment-actions.ts (mentionRecipients filters it).
 */
export async function notifyComment(deps: EventDeps, comment: CommentRecord, paperTitle: string, mentioned: Mentioned[], isNew: boolean): Promise<void> {
  const { db } = deps.database;
  const now = deps.now();
  const mailMention = await mailableFor(db, mentioned.map((m) => m.id), 'mention');
  for (const m of mentioned) {
    if (m.id === comment.userId) continue;
    await addNotification(db, {
      userId: m.id, kind: 'mention', dedupeKey: `mention:${comment.id}`, paperId: comment.paperId, commentId: comment.id, actorId: comment.userId, now,
      detail: { excerpt: excerpt(comment.body, 200) }, emailStatus: mailMention.has(m.id) ? 'sent' : 'skipped',
    });
  }
  if (!isNew || comment.parentId === null) return;
  const parent = await db.selectFrom('comments').select(['user_id']).where('id', '=', comment.parentId).executeTakeFirst();
  if (!parent || parent.user_id === comment.userId || mentioned.some((m) => m.id === parent.user_id)) return;
  const to = (await mailableFor(db, [parent.user_id], 'reply')).get(parent.user_id);
  const added = await addNotification(db, {
    userId: parent.user_id, kind: 'reply', dedupeKey: `reply:${comment.id}`, paperId: comment.paperId, commentId: comment.id, actorId: comment.userId, now,
    detail: { excerpt: excerpt(comment.body, 200) }, emailStatus: to ? 'sent' : 'skipped',
  });
  if (added && to) {
    const link = `${deps.site.publicUrl}/papers/${comment.paperId}#comment-${comment.id}`;
    const mail = replyMail(deps.site, to.email, { username: to.username, by: comment.username, paperTitle, excerpt: excerpt(comment.body, 500), link });
    await deps.mailer.enqueue({ ...mail, kind: 'notification', dedupeKey: `reply.${comment.id}.${parent.user_id}` });
  }
}

/** The members among these whose mention mail is on (the others are notified in the inbox only). */
export async function mentionRecipients(database: Database, mentioned: Mentioned[]): Promise<Mentioned[]> {
  const on = await mailableFor(database.db, mentioned.map((m) => m.id), 'mention');
  return mentioned.filter((m) => on.has(m.id));
}

/** A moderator decided a member's authorship claim. */
export async function notifyClaimDecision(deps: EventDeps, claimId: number, approved: boolean): Promise<void> {
  const { db } = deps.database;
  const claim = await db.selectFrom('author_claims as c').innerJoin('papers as p', 'p.id', 'c.paper_id')
    .select(['c.user_id', 'c.paper_id', 'c.author_name', 'c.reason', 'c.decided_by', 'p.title']).where('c.id', '=', claimId).executeTakeFirst();
  if (!claim) return;
  const to = (await mailableFor(db, [claim.user_id], 'claim')).get(claim.user_id);
  const added = await addNotification(db, {
    userId: claim.user_id, kind: 'claim', dedupeKey: `claim:${claimId}`, paperId: claim.paper_id, claimId, actorId: claim.decided_by, now: deps.now(),
    detail: { approved, authorName: claim.author_name, reason: claim.reason }, emailStatus: to ? 'sent' : 'skipped',
  });
  if (added && to) {
    const mail = claimDecisionMail(deps.site, to.email, {
      username: to.username, approved, authorName: claim.author_name, paperTitle: claim.title, reason: claim.reason, link: `${deps.site.publicUrl}/papers/${claim.paper_id}`,
    });
    await deps.mailer.enqueue({ ...mail, kind: 'notification', dedupeKey: `claim.${claimId}` });
  }
}
