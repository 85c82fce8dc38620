/**
 * Members' notifications (migration 28; docs/decisions/0031-follows-and-notifications.md): replies to their
 * comments, mentions, new papers of what they follow, decisions on their authorship claims. Each event is
 * recorded once per member (its dedupe key); read state and mail state are per notification.
 */
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../schema.ts';

type Db = Kysely<DB> | Transaction<DB>;

export const NOTIFICATION_KINDS = ['reply', 'mention', 'paper', 'claim'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];
export const isNotificationKind = (k: string): k is NotificationKind => (NOTIFICATION_KINDS as readonly string[]).includes(k);

/** Mail is on for every kind until the member turns it off. */
export const EMAIL_DEFAULT = true;

export interface NewNotification {
  userId: number;
  kind: NotificationKind;
  dedupeKey: string;
  paperId?: string | null;
  commentId?: number | null;
  claimId?: number | null;
  actorId?: number | null;
  detail?: Record<string, unknown>;
  now: Date;
  /** Whether it waits to be mailed in a batch ('pending'), was mailed at once ('sent'), or is not mailed ('skipped'). */
  emailStatus: 'pending' | 'sent' | 'skipped';
}

/** Records a notification once; true when it is new. */
const notificationRow = (n: NewNotification) => ({
  user_id: n.userId, kind: n.kind, dedupe_key: n.dedupeKey, paper_id: n.paperId ?? null, comment_id: n.commentId ?? null,
  claim_id: n.claimId ?? null, actor_id: n.actorId ?? null, detail: JSON.stringify(n.detail ?? {}), created_at: n.now.toISOString(),
  read_at: null, email_status: n.emailStatus,
});

/** Adds one (nothing when one with its dedupe key is there); whether it was new. Works inside a caller's transaction. */
export async function addNotification(db: Db, n: NewNotification): Promise<boolean> {
  const row = await db.insertInto('notifications').values(notificationRow(n)).onConflict((oc) => oc.columns(['user_id', 'dedupe_key']).doNothing()).returning('id').executeTakeFirst();
  return Boolean(row);
}

/** Rows per INSERT: 11 parameters each, well under SQLite's 32,766 bound parameters. */
const INSERT_CHUNK = 500;
/** INSERTs per transaction: a commit per 5,000 rows halves the time on SQLite and holds the write lock ~0.2 s. */
const CHUNKS_PER_TRANSACTION = 10;

/** Adds many at once (multi-row inserts; one already there by its dedupe key is left alone); how many were new. */
export async function addNotifications(db: Db, list: readonly NewNotification[]): Promise<number> {
  let added = 0;
  const step = INSERT_CHUNK * CHUNKS_PER_TRANSACTION;
  for (let t = 0; t < list.length; t += step) {
    added += await db.transaction().execute(async (trx) => {
      let n = 0;
      for (let i = t; i < Math.min(t + step, list.length); i += INSERT_CHUNK) {
        const rows = await trx.insertInto('notifications').values(list.slice(i, Math.min(i + INSERT_CHUNK, t + step)).map(notificationRow))
          .onConflict((oc) => oc.columns(['user_id', 'dedupe_key']).doNothing()).returning('id').execute();
        n += rows.length;
      }
      return n;
    });
  }
  return added;
}

export interface Notification {
  id: number;
  kind: NotificationKind;
  paperId: string | null;
  paperTitle: string | null;
  commentId: number | null;
  claimId: number | null;
  actor: string | null;
  detail: Record<string, unknown>;
  createdAt: string;
  readAt: string | null;
}

const parseDetail = (s: string): Record<string, unknown> => {
  try {
    const v = JSON.parse(s) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
};

/**
 * A member's notifications, newest first: `limit` of them, older than `beforeId` when given (the next page),
 * only unread with `unreadOnly`. What the inbox and a feed of it render.
 */
export async function listNotifications(db: Db, userId: number, opts: { limit: number; beforeId?: number; unreadOnly?: boolean; kind?: NotificationKind }): Promise<Notification[]> {
  let q = db.selectFrom('notifications as n')
    .leftJoin('papers as p', 'p.id', 'n.paper_id')
    .leftJoin('users as a', 'a.id', 'n.actor_id')
    .select(['n.id', 'n.kind', 'n.paper_id', 'p.title', 'n.comment_id', 'n.claim_id', 'a.username', 'n.detail', 'n.created_at', 'n.read_at'])
    .where('n.user_id', '=', userId);
  if (opts.beforeId !== undefined) q = q.where('n.id', '<', opts.beforeId);
  if (opts.unreadOnly) q = q.where('n.read_at', 'is', null);
  if (opts.kind) q = q.where('n.kind', '=', opts.kind);
  const rows = await q.orderBy('n.id', 'desc').limit(opts.limit).execute();
  return rows.map((r) => ({
    id: r.id, kind: r.kind as NotificationKind, paperId: r.paper_id, paperTitle: r.title, commentId: r.comment_id, claimId: r.claim_id,
    actor: r.username, detail: parseDetail(r.detail), createdAt: r.created_at, readAt: r.read_at,
  }));
}

export async function unreadCount(db: Db, userId: number): Promise<number> {
  const { n } = await db.selectFrom('notifications').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).where('read_at', 'is', null).executeTakeFirstOrThrow();
  return Number(n);
}

/** Marks one of the member's notifications read (another member's id changes nothing): true when it changed. */
export async function markRead(db: Db, userId: number, id: number, now: Date): Promise<boolean> {
  const r = await db.updateTable('notifications').set({ read_at: now.toISOString() }).where('id', '=', id).where('user_id', '=', userId).where('read_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Marks all of the member's notifications read; the number marked. */
export async function markAllRead(db: Db, userId: number, now: Date): Promise<number> {
  const r = await db.updateTable('notifications').set({ read_at: now.toISOString() }).where('user_id', '=', userId).where('read_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Whether a notification of this id belongs to the member. */
export async function ownsNotification(db: Db, userId: number, id: number): Promise<boolean> {
  return Boolean(await db.selectFrom('notifications').select('id').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst());
}

/** The member's mail choice per kind (the default where they made none). */
export async function emailSettings(db: Db, userId: number): Promise<Record<NotificationKind, boolean>> {
  const rows = await db.selectFrom('notification_settings').select(['kind', 'email']).where('user_id', '=', userId).execute();
  const out = Object.fromEntries(NOTIFICATION_KINDS.map((k) => [k, EMAIL_DEFAULT])) as Record<NotificationKind, boolean>;
  for (const r of rows) if (isNotificationKind(r.kind)) out[r.kind] = Number(r.email) === 1;
  return out;
}

export async function setEmailSettings(db: Db, userId: number, settings: Record<NotificationKind, boolean>): Promise<void> {
  for (const kind of NOTIFICATION_KINDS) {
    const email = settings[kind] ? 1 : 0;
    await db.insertInto('notification_settings').values({ user_id: userId, kind, email })
      .onConflict((oc) => oc.columns(['user_id', 'kind']).doUpdateSet({ email })).execute();
  }
}

/** Which of these members get mail of a kind: confirmed, not suspended or deleted, and the kind on. */
export async function mailableFor(db: Db, userIds: number[], kind: NotificationKind): Promise<Map<number, { email: string; username: string }>> {
  const out = new Map<number, { email: string; username: string }>();
  const unique = [...new Set(userIds)];
  for (let i = 0; i < unique.length; i += 500) {
    const chunk = unique.slice(i, i + 500);
    const rows = await db.selectFrom('users as u')
      .leftJoin('notification_settings as s', (j) => j.onRef('s.user_id', '=', 'u.id').on('s.kind', '=', kind))
      .select(['u.id', 'u.email', 'u.username', 's.email as on'])
      .where('u.id', 'in', chunk).where('u.email_verified_at', 'is not', null).where('u.suspended_at', 'is', null).where('u.deleted_at', 'is', null)
      .execute();
    for (const r of rows) if (r.on === null ? EMAIL_DEFAULT : Number(r.on) === 1) out.set(r.id, { email: r.email, username: r.username });
  }
  return out;
}

/** Members with notifications of a kind waiting to be mailed (batched mail), after `afterUserId`. */
export async function membersWithPendingMail(db: Db, kind: NotificationKind, afterUserId: number, limit: number): Promise<number[]> {
  const rows = await db.selectFrom('notifications').select('user_id').distinct().where('email_status', '=', 'pending').where('kind', '=', kind)
    .where('user_id', '>', afterUserId).orderBy('user_id').limit(limit).execute();
  return rows.map((r) => r.user_id);
}

/** A member's notifications of a kind waiting to be mailed, oldest first. */
export async function pendingMail(db: Db, userId: number, kind: NotificationKind): Promise<{ id: number; paperId: string | null; detail: Record<string, unknown> }[]> {
  const rows = await db.selectFrom('notifications').select(['id', 'paper_id', 'detail']).where('user_id', '=', userId).where('kind', '=', kind)
    .where('email_status', '=', 'pending').orderBy('id').execute();
  return rows.map((r) => ({ id: r.id, paperId: r.paper_id, detail: parseDetail(r.detail) }));
}

export async function setEmailStatus(db: Db, ids: number[], status: 'sent' | 'skipped'): Promise<void> {
  for (let i = 0; i < ids.length; i += 500) await db.updateTable('notifications').set({ email_status: status }).where('id', 'in', ids.slice(i, i + 500)).execute();
}

/** When the member was last mailed a batch of a kind (the outbox), for spacing batches. */
export async function lastBatchMailAt(db: Db, dedupePrefix: string): Promise<string | null> {
  const row = await db.selectFrom('outbox').select('created_at').where('dedupe_key', 'like', `${dedupePrefix}%`).orderBy('created_at', 'desc').limit(1).executeTakeFirst();
  return row?.created_at ?? null;
}

/** The scan's high-water mark (null before the first scan). */
export async function readMark(db: Db, name: string): Promise<{ createdAt: string; paperId: string } | null> {
  const row = await db.selectFrom('notification_marks').select(['created_at', 'paper_id']).where('name', '=', name).executeTakeFirst();
  return row ? { createdAt: row.created_at, paperId: row.paper_id } : null;
}

export async function writeMark(db: Db, name: string, mark: { createdAt: string; paperId: string }): Promise<void> {
  await db.insertInto('notification_marks').values({ name, created_at: mark.createdAt, paper_id: mark.paperId })
    .onConflict((oc) => oc.column('name').doUpdateSet({ created_at: mark.createdAt, paper_id: mark.paperId })).execute();
}

/** Papers that entered the database after a mark, in (created_at, id) order: what the scan reads, a batch at a time. */
export async function papersAfter(db: Db, mark: { createdAt: string; paperId: string }, limit: number) {
  const rows = await db.selectFrom('papers as p').leftJoin('organizations as o', 'o.id', 'p.organization_id')
    .select(['p.id', 'p.title', 'p.abstract', 'p.authors', 'p.categories', 'p.ai_keywords', 'p.created_at', 'o.name as organization'])
    .where((eb) => eb.or([eb('p.created_at', '>', mark.createdAt), eb.and([eb('p.created_at', '=', mark.createdAt), eb('p.id', '>', mark.paperId)])]))
    .orderBy('p.created_at').orderBy('p.id').limit(limit).execute();
  return rows;
}
