/**
 * The outbox sender: claim → send → mark (docs/decisions/0009-email-delivery.md).
 *
 * Rows are claimed with a lease (claimed_by, claimed_until) in one UPDATE … RETURNING (on PostgreSQL the
 * candidate rows are picked `FOR UPDATE SKIP LOCKED`), so two workers never hold the same row; each row is
 * marked sent in its own statement as soon as the relay accepts it. A worker killed mid-run leaves its rows
 * claimed until the lease runs out (or at once, when a later run on the same host sees that its process is
 * gone); they are then sent by the next run. The residual window: a kill after the relay said 250 and before
 * the row was marked sends that mail again, with the same Message-ID (derived from the row's dedupe key).
 *
 * Failures: a 5xx reply to RCPT TO or DATA is permanent (the row fails, the address's subscription is marked
 * bounced and gets no more mail); anything else (4xx, connection refused, timeouts) is retried with
 * exponential backoff up to MAX_ATTEMPTS.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { sql, type Selectable } from 'kysely';
import type { Database } from '../db/connection.ts';
import type { OutboxTable, SubscriberStatus } from '../db/schema.ts';
import type { Mailer, Relay } from './mailer.ts';

/** Identifies one sending process in the outbox's leases: `host:pid:random`. */
export const newWorkerId = (): string => `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;

/** How long a claim holds a row; a running worker renews it every third of this. */
export const LEASE_SECONDS = 30;
/** The first retry waits this long; each further one twice as long as the one before… */
export const RETRY_BASE_SECONDS = 60;
/** …up to this. */
export const RETRY_MAX_SECONDS = 6 * 3600;
/** After this many failed attempts (about 13 hours of retries) a mail is given up as failed. */
export const MAX_ATTEMPTS = 8;
/** Queued mail older than this is not sent any more (a digest or a confirmation link is stale by then). */
export const OUTBOX_MAX_AGE_HOURS = 72;
/** Rows claimed at a time. */
export const CLAIM_BATCH = 100;

export type OutboxRow = Selectable<OutboxTable>;

export type AttemptOutcome =
  | { kind: 'sent' }
  | { kind: 'retry'; error: string; connection: boolean }
  | { kind: 'failed'; error: string; bounced: boolean };

/** Wait before attempt number `attempts + 1`, after `attempts` failures. */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * 2 ** Math.max(0, attempts - 1));
}

/** A nodemailer error that says the recipient's server refused this address or message for good. */
export function isPermanentRecipientError(e: unknown): boolean {
  const err = e as { responseCode?: number; command?: string };
  const code = err.responseCode ?? 0;
  return code >= 500 && code < 600 && code !== 503 && (err.command === 'RCPT TO' || err.command === 'DATA');
}

/** The Message-ID of a row: from its dedupe key when it has one, so that a resent copy has the same id. */
export function messageIdFor(row: Pick<OutboxRow, 'id' | 'dedupe_key' | 'created_at'>, from: string): string {
  const domain = /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? 'localhost';
  const local = row.dedupe_key ? row.dedupe_key.replace(/[^A-Za-z0-9.-]+/g, '.') : `outbox.${row.id}.${Date.parse(row.created_at)}`;
  return `<${local}@${domain}>`;
}

/** Sends one claimed row and records the outcome. */
export async function attemptRow(database: Database, relay: Relay, from: string, row: OutboxRow, now: Date): Promise<AttemptOutcome> {
  const { db } = database;
  try {
    await relay.sendMail({
      from, to: row.to_address, subject: row.subject, text: row.text_body, ...(row.html_body ? { html: row.html_body } : {}),
      messageId: messageIdFor(row, from), headers: row.headers ? JSON.parse(row.headers) : {},
      // base64 costs a fraction of quoted-printable's CPU (measured with bench/digest.ts) and every client reads it.
      textEncoding: 'base64',
    });
  } catch (e) {
    const error = (e as Error).message.slice(0, 500);
    const attempts = row.attempts + 1;
    if (isPermanentRecipientError(e)) {
      await db.updateTable('outbox')
        .set({ status: 'failed', attempts, last_error: error, claimed_by: null, claimed_until: null })
        .where('id', '=', row.id).execute();
      await db.updateTable('subscribers')
        .set((eb) => ({ bounce_count: eb('bounce_count', '+', 1), last_bounce: error, updated_at: now.toISOString(), status: sql<SubscriberStatus>`case when status = 'unsubscribed' then 'unsubscribed' else 'bounced' end` }))
        .where('email', '=', row.to_address.toLowerCase()).execute();
      return { kind: 'failed', error, bounced: true };
    }
    const giveUp = attempts >= MAX_ATTEMPTS;
    await db.updateTable('outbox')
      .set({
        status: giveUp ? 'failed' : 'queued', attempts, last_error: error, claimed_by: null, claimed_until: null,
        next_attempt_at: new Date(now.getTime() + retryDelaySeconds(attempts) * 1000).toISOString(),
      })
      .where('id', '=', row.id).execute();
    const connection = (e as { responseCode?: number }).responseCode === undefined;
    return giveUp ? { kind: 'failed', error, bounced: false } : { kind: 'retry', error, connection };
  }
  // Marked at once, alone: the window in which a kill makes a duplicate is this one statement.
  await db.updateTable('outbox')
    .set({ status: 'sent', sent_at: new Date().toISOString(), attempts: row.attempts + 1, last_error: null, claimed_by: null, claimed_until: null })
    .where('id', '=', row.id).execute();
  return { kind: 'sent' };
}

export interface DeliverOptions {
  /** The clock (tests move it forward to pass retry times). */
  now?: Date | (() => Date);
  /** Names this worker in the leases (default host:pid:random). */
  workerId?: string;
  /** At most this many mails in this call (default: all that are due). */
  limit?: number;
  leaseSeconds?: number;
  /** Connections to the relay (nodemailer pool). */
  maxConnections?: number;
}

export interface DeliverResult {
  sent: number;
  /** Permanently failed (5xx, or out of attempts). */
  failed: number;
  /** Of which the address bounced. */
  bounced: number;
  /** Failed for now; queued again with a retry time. */
  retrying: number;
  /** Not sent because the subscription was left or bounced meanwhile. */
  cancelled: number;
  /** Queued too long (OUTBOX_MAX_AGE_HOURS): given up. */
  expired: number;
  /** No relay is configured: mail stays in the outbox. */
  held: boolean;
}

/** Sends what is due in the outbox. Safe to run in several processes at once. */
export async function deliverOutbox(database: Database, mailer: Mailer, opts: DeliverOptions = {}): Promise<DeliverResult> {
  const result: DeliverResult = { sent: 0, failed: 0, bounced: 0, retrying: 0, cancelled: 0, expired: 0, held: false };
  const clock = typeof opts.now === 'function' ? opts.now : opts.now ? ((d: Date) => () => d)(opts.now) : () => new Date();
  const leaseMs = (opts.leaseSeconds ?? LEASE_SECONDS) * 1000;
  const workerId = opts.workerId ?? newWorkerId();
  const { db, engine } = database;
  if (!mailer.hasRelay) return { ...result, held: true };

  const start = clock();
  await releaseDeadLocalWorkers(database, start);
  const expired = await db.updateTable('outbox')
    .set({ status: 'failed', last_error: `expired: not sent within ${OUTBOX_MAX_AGE_HOURS} hours` })
    .where('status', '=', 'queued')
    .where('created_at', '<', new Date(start.getTime() - OUTBOX_MAX_AGE_HOURS * 3_600_000).toISOString())
    .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', start.toISOString())]))
    .executeTakeFirst();
  result.expired = Number(expired.numUpdatedRows);

  const relay = mailer.openRelay({ pool: true, maxConnections: opts.maxConnections })!;
  const inFlight = new Set<number>();
  const heartbeat = setInterval(() => {
    if (inFlight.size === 0) return;
    void db.updateTable('outbox').set({ claimed_until: new Date(clock().getTime() + leaseMs).toISOString() })
      .where('id', 'in', [...inFlight]).where('claimed_by', '=', workerId).execute().catch(() => {});
  }, leaseMs / 3);
  heartbeat.unref();
  try {
    let remaining = opts.limit ?? Infinity;
    while (remaining > 0) {
      const now = clock();
      const nowIso = now.toISOString();
      let pick = db.selectFrom('outbox').select('id')
        .where('status', '=', 'queued')
        .where((eb) => eb.or([eb('next_attempt_at', 'is', null), eb('next_attempt_at', '<=', nowIso)]))
        .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', nowIso)]))
        .orderBy('id').limit(Math.min(CLAIM_BATCH, remaining));
      if (engine === 'postgres') pick = pick.forUpdate().skipLocked();
      const rows = await db.updateTable('outbox')
        .set({ claimed_by: workerId, claimed_until: new Date(now.getTime() + leaseMs).toISOString() })
        .where('id', 'in', pick)
        .where('status', '=', 'queued')
        .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', nowIso)]))
        .returningAll()
        .execute();
      if (rows.length === 0) break;
      remaining -= rows.length;
      rows.sort((a, b) => a.id - b.id);

      // Subscribers who left or bounced since their mail was enqueued get nothing more.
      const subscriberIds = [...new Set(rows.flatMap((r) => (r.subscriber_id === null ? [] : [r.subscriber_id])))];
      const statuses = new Map(
        subscriberIds.length === 0 ? [] : (await db.selectFrom('subscribers').select(['id', 'status']).where('id', 'in', subscriberIds).execute()).map((s) => [s.id, s.status] as const),
      );
      const eligible = (r: OutboxRow) => {
        if (r.subscriber_id === null) return true;
        const s = statuses.get(r.subscriber_id);
        return r.kind === 'digest' ? s === 'active' : s === 'active' || s === 'pending';
      };
      const cancelled = rows.filter((r) => !eligible(r)).map((r) => r.id);
      if (cancelled.length > 0) {
        await db.updateTable('outbox').set({ status: 'cancelled', claimed_by: null, claimed_until: null }).where('id', 'in', cancelled).execute();
        result.cancelled += cancelled.length;
      }

      let relayDown = false;
      await Promise.all(
        rows.filter(eligible).map(async (row) => {
          inFlight.add(row.id);
          try {
            const outcome = await attemptRow(database, relay, mailer.from, row, clock());
            if (outcome.kind === 'sent') result.sent++;
            else if (outcome.kind === 'failed') {
              result.failed++;
              if (outcome.bounced) result.bounced++;
            } else {
              result.retrying++;
              if (outcome.connection) relayDown = true;
            }
          } finally {
            inFlight.delete(row.id);
          }
        }),
      );
      // The relay cannot be reached: stop here, the rest waits for the next run.
      if (relayDown) {
        console.error('the SMTP relay cannot be reached; queued mail is retried later');
        break;
      }
    }
  } finally {
    clearInterval(heartbeat);
    relay.close();
  }
  return result;
}

/**
 * Rows claimed by a sender on this host whose process has died (kill -9, a crash) are released at once
 * rather than when their lease runs out. Other hosts' claims are left to their leases.
 */
async function releaseDeadLocalWorkers(database: Database, now: Date): Promise<void> {
  const host = hostname();
  const claims = await database.db.selectFrom('outbox').select('claimed_by').distinct()
    .where('status', '=', 'queued').where('claimed_until', '>=', now.toISOString()).where('claimed_by', 'like', `${host}:%`)
    .execute();
  for (const { claimed_by } of claims) {
    const pid = Number(claimed_by?.slice(host.length + 1).split(':')[0]);
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || processAlive(pid)) continue;
    await database.db.updateTable('outbox').set({ claimed_by: null, claimed_until: null }).where('claimed_by', '=', claimed_by).where('status', '=', 'queued').execute();
  }
}

/** Whether a process of this host is running (a worker id's pid; also used for import runs). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
