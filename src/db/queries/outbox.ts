/** The mail outbox, as admins read it. */
import type { Kysely } from 'kysely';
import type { DB } from '../schema.ts';

export interface OutboxMail {
  id: number;
  to: string;
  subject: string;
  text: string;
  createdAt: string;
  sentAt: string | null;
  attempts: number;
  lastError: string | null;
  kind: string;
  status: string;
  nextAttemptAt: string | null;
}

export async function recentMail(db: Kysely<DB>, limit: number): Promise<OutboxMail[]> {
  const rows = await db.selectFrom('outbox').selectAll().orderBy('id', 'desc').limit(limit).execute();
  return rows.map((r) => ({
    id: r.id, to: r.to_address, subject: r.subject, text: r.text_body, createdAt: r.created_at, sentAt: r.sent_at,
    attempts: r.attempts, lastError: r.last_error, kind: r.kind, status: r.status, nextAttemptAt: r.next_attempt_at,
  }));
}

/** Mails not sent, by status (`queued`, `failed`…), for /metrics. */
export async function outboxDepth(db: Kysely<DB>): Promise<Record<string, number>> {
  const rows = await db.selectFrom('outbox').select((eb) => ['status', eb.fn.countAll<number>().as('n')]).where('status', '!=', 'sent').groupBy('status').execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}
