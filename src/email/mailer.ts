/**
 * Sending mail. Every message is written to the outbox table first; with an SMTP relay configured
 * (SMTP_URL) it is then sent through nodemailer and marked sent, and without one it stays there for
 * admins to read in the app (/admin/outbox). A relay that fails leaves the error on the row.
 */
import nodemailer, { type Transporter } from 'nodemailer';
import type { Database } from '../db/connection.ts';

export interface Mail {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

export interface MailConfig {
  /** `smtp://user:pass@host:587` or `smtps://…`; null keeps mail in the outbox. */
  smtpUrl: string | null;
  /** The From header, e.g. `Daily Papers <papers@example.org>`. */
  from: string;
}

export interface Mailer {
  /** Records the mail and sends it when a relay is configured. Never throws for a relay failure. */
  send(mail: Mail): Promise<{ id: number; sent: boolean; error?: string }>;
}

export function createMailer(database: Database, config: MailConfig): Mailer {
  const transport: Transporter | null = config.smtpUrl ? nodemailer.createTransport(config.smtpUrl) : null;
  const { db } = database;
  return {
    async send(mail) {
      const row = await db
        .insertInto('outbox')
        .values({ to_address: mail.to, subject: mail.subject, text_body: mail.text, html_body: mail.html ?? null, created_at: new Date().toISOString() })
        .returning('id')
        .executeTakeFirstOrThrow();
      if (!transport) return { id: row.id, sent: false };
      try {
        await transport.sendMail({ from: config.from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html });
        await db.updateTable('outbox').set((eb) => ({ sent_at: new Date().toISOString(), attempts: eb('attempts', '+', 1), last_error: null })).where('id', '=', row.id).execute();
        return { id: row.id, sent: true };
      } catch (e) {
        const error = (e as Error).message.slice(0, 500);
        console.error(`mail to ${mail.to} not sent: ${error}`);
        await db.updateTable('outbox').set((eb) => ({ attempts: eb('attempts', '+', 1), last_error: error })).where('id', '=', row.id).execute();
        return { id: row.id, sent: false, error };
      }
    },
  };
}
