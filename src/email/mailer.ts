/**
 * Sending mail. Every message is written to the outbox table first (the queue: docs/decisions/0009-email-delivery.md).
 * `send` is for mail a person is waiting for (a confirmation link): it enqueues the row already claimed by this
 * process and tries the relay at once; a failure leaves it queued with a retry time, for `deliverOutbox`
 * (src/email/delivery.ts) to retry with backoff. `sendInBackground` does the same without waiting for the relay:
 * for request paths, whose answer must not take the relay's time (nor tell by it whether a mail was sent:
 * docs/decisions/0015-account-hardening.md). Bulk mail (digests) and notifications (`enqueue`: mentions) are
 * enqueued and left to `deliverOutbox`.
 * Without a relay (no SMTP_URL) mail stays in the outbox for admins to read in the app (/admin/outbox).
 */
import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer';
import type { Database } from '../db/connection.ts';
import { attemptRow, LEASE_SECONDS, newWorkerId, type AttemptOutcome, type OutboxRow } from './delivery.ts';

export { newWorkerId };

export interface Mail {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** Extra headers (List-Unsubscribe, List-Unsubscribe-Post…). */
  headers?: Record<string, string>;
  /** 'account' (default), 'subscription', 'digest'… shown in the outbox. */
  kind?: string;
  /** Enqueue at most once per key (INSERT … ON CONFLICT DO NOTHING); also names the Message-ID. */
  dedupeKey?: string;
  /** The subscription the mail is for: it is not sent once that subscriber has left or bounced. */
  subscriberId?: number;
}

/** DKIM signing (nodemailer signs when a key is configured). */
export interface DkimConfig {
  domainName: string;
  keySelector: string;
  /** PEM. */
  privateKey: string;
}

export interface MailConfig {
  /** `smtp://user:pass@host:587` or `smtps://…`; null keeps mail in the outbox. */
  smtpUrl: string | null;
  /** The From header, e.g. `Daily Papers <papers@example.org>`. */
  from: string;
  dkim?: DkimConfig | null;
}

/** A connection (or pool of connections) to the relay. */
export interface Relay {
  sendMail(message: SendMailOptions): Promise<unknown>;
  close(): void;
}

export interface SendResult {
  id: number;
  sent: boolean;
  error?: string;
  /** A mail with the same dedupe key was already enqueued: nothing was added. */
  duplicate?: boolean;
}

export interface Mailer {
  /** Records the mail and, with a relay, sends it now. Never throws for a relay failure (the mail is retried later). */
  send(mail: Mail): Promise<SendResult>;
  /** Records the mail for the deliver-outbox job (notifications nobody waits for): nothing is sent here. */
  enqueue(mail: Mail): Promise<SendResult>;
  /** Records the mail and, with a relay, starts sending it without waiting: for mail asked for on a request. */
  sendInBackground(mail: Mail): Promise<void>;
  /** Resolves when the sends `sendInBackground` started have ended (tests, benchmarks). */
  idle(): Promise<void>;
  /** The From header. */
  readonly from: string;
  /** Whether an SMTP relay is configured (else mail is held in the outbox). */
  readonly hasRelay: boolean;
  /** A relay connection for bulk sending (pooled); the caller closes it. Null without SMTP_URL. */
  openRelay(opts?: { pool?: boolean; maxConnections?: number }): Relay | null;
  /** Closes the connection `send` uses. */
  close(): void;
}

/** Connections a bulk run keeps open to the relay (nodemailer's pool). */
export const POOL_CONNECTIONS = 10;

export function createMailer(database: Database, config: MailConfig): Mailer {
  const makeTransport = (pool: boolean, maxConnections = POOL_CONNECTIONS): Transporter | null =>
    config.smtpUrl
      ? nodemailer.createTransport({
          url: config.smtpUrl,
          ...(pool ? { pool: true, maxConnections, maxMessages: 1000 } : {}),
          ...(config.dkim ? { dkim: config.dkim } : {}),
        } as Parameters<typeof nodemailer.createTransport>[0])
      : null;
  const transport = makeTransport(false);
  const workerId = newWorkerId();
  const relay: Relay | null = transport && { sendMail: (m) => transport.sendMail(m), close: () => transport.close() };
  const { db } = database;
  /** Writes the outbox row (claimed by this process when `claim`), or returns the id of the one with its dedupe key. */
  const insert = async (mail: Mail, now: Date, claim: boolean) => {
    const row = await db
      .insertInto('outbox')
      .values({
        to_address: mail.to, subject: mail.subject, text_body: mail.text, html_body: mail.html ?? null, created_at: now.toISOString(),
        kind: mail.kind ?? 'account', status: 'queued', dedupe_key: mail.dedupeKey ?? null, next_attempt_at: now.toISOString(),
        headers: mail.headers ? JSON.stringify(mail.headers) : null, subscriber_id: mail.subscriberId ?? null,
        claimed_by: claim ? workerId : null, claimed_until: claim ? new Date(now.getTime() + LEASE_SECONDS * 1000).toISOString() : null,
      })
      .onConflict((oc) => oc.column('dedupe_key').doNothing())
      .returningAll()
      .executeTakeFirst();
    return row ?? (await db.selectFrom('outbox').select('id').where('dedupe_key', '=', mail.dedupeKey ?? '').executeTakeFirstOrThrow()).id;
  };
  const inFlight = new Set<Promise<unknown>>();
  const attempt = async (row: OutboxRow, now: Date): Promise<SendResult> => {
    const outcome: AttemptOutcome = await attemptRow(database, relay!, config.from, row, now);
    if (outcome.kind === 'sent') return { id: row.id, sent: true };
    console.error(`mail to ${row.to_address} not sent: ${outcome.error}`);
    return { id: row.id, sent: false, error: outcome.error };
  };
  return {
    from: config.from,
    async enqueue(mail) {
      const row = await insert(mail, new Date(), false);
      return typeof row === 'number' ? { id: row, sent: false, duplicate: true } : { id: row.id, sent: false };
    },
    hasRelay: transport !== null,
    openRelay(opts = {}) {
      const t = makeTransport(opts.pool ?? true, opts.maxConnections);
      return t && { sendMail: (m) => t.sendMail(m), close: () => t.close() };
    },
    close: () => transport?.close(),
    async send(mail) {
      const now = new Date();
      // Claimed by this process at once, so that a background sender does not take it while it is sent here.
      const row = await insert(mail, now, relay !== null);
      if (typeof row === 'number') return { id: row, sent: false, duplicate: true };
      if (!relay) return { id: row.id, sent: false };
      return attempt(row, now);
    },
    async sendInBackground(mail) {
      const now = new Date();
      const row = await insert(mail, now, relay !== null);
      if (typeof row === 'number' || !relay) return;
      const pending: Promise<unknown> = attempt(row, now)
        .catch((e: unknown) => console.error(`mail to ${mail.to} not sent: ${(e as Error).message}`))
        .finally(() => inFlight.delete(pending));
      inFlight.add(pending);
    },
    async idle() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
  };
}
