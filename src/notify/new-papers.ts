/**
 * New papers of followed channels (docs/decisions/0031-follows-and-notifications.md). Papers land through
 * several doors (imports, the harvest, the Hugging Face mirror, submissions that fetch from arXiv); every one
 * of them sets `papers.created_at`. So this scan reads the papers that entered the database after a
 * high-water mark on (created_at, id), a batch at a time, matches each against the follows (authors by name,
 * the organization, categories, keywords in the title and abstract) and records one notification per member
 * and paper. Then one mail per member gathers what is waiting to be mailed, at most once per
 * MAIL_BATCH_INTERVAL_MS: a big import makes one mail, not hundreds.
 *
 * Idempotent: a notification is unique per (member, paper), and the mail's dedupe key is unique; the mark never
 * passes `now - SCAN_LAG_MS`, so a paper whose import committed late (its created_at earlier than papers seen
 * already) is still read by the next run.
 */
import type { SiteConfig } from '../config.ts';
import type { Database } from '../db/connection.ts';
import { followedKeywords, followersOf } from '../db/queries/follows.ts';
import {
  addNotifications, type NewNotification, lastBatchMailAt, mailableFor, membersWithPendingMail, papersAfter, pendingMail, readMark, setEmailStatus, writeMark,
} from '../db/queries/notifications.ts';
import { authorKey, describeChannel, keywordMatcher, type MatchedChannel } from '../domain/follows.ts';
import { deliverOutbox, type DeliverResult } from '../email/delivery.ts';
import type { Mailer } from '../email/mailer.ts';
import { followedPapersMail } from './mail.ts';

/** Papers read per query. */
export const SCAN_BATCH = 500;
/** Papers read per run at most (the rest next run): bounded work whatever an import brought. */
export const SCAN_MAX_PER_RUN = 20_000;
/** The mark stays this far behind the run, for imports that commit late (their batches are short: seconds). */
export const SCAN_LAG_MS = 10 * 60_000;
/** At most one mail of followed papers per member this often; what arrives meanwhile waits for the next. */
export const MAIL_BATCH_INTERVAL_MS = 60 * 60_000;
/** Papers listed in one mail; the rest are counted and linked. */
export const MAIL_PAPERS_SHOWN = 20;
/** Members mailed per query. */
const MAIL_MEMBER_BATCH = 200;
const MARK = 'new-papers';

export const followMailKey = (userId: number, firstNotificationId: number) => `follows:${userId}:${firstNotificationId}`;

export interface NotifyResult {
  papers: number;
  notifications: number;
  mails: number;
  delivery?: DeliverResult;
}

interface PaperRow {
  id: string;
  title: string;
  abstract: string | null;
  authors: string;
  categories: string;
  ai_keywords: string | null;
  created_at: string;
  organization: string | null;
}

const authorNames = (json: string): string[] => {
  try {
    const v = JSON.parse(json) as unknown;
    return Array.isArray(v) ? v.flatMap((a) => (a && typeof a === 'object' && typeof (a as { name?: unknown }).name === 'string' ? [(a as { name: string }).name] : [])) : [];
  } catch {
    return [];
  }
};

/** Reads new papers since the mark and records the notifications of their followers. */
export async function scanNewPapers(database: Database, now: Date): Promise<{ papers: number; notifications: number }> {
  const { db } = database;
  let mark = await readMark(db, MARK);
  if (!mark) {
    // The first run starts at the earliest follow: a paper older than a follow is not news to its follower.
    const first = await db.selectFrom('follows').select((eb) => eb.fn.min<string>('created_at').as('t')).executeTakeFirst();
    mark = { createdAt: first?.t ?? now.toISOString(), paperId: '' };
    await writeMark(db, MARK, mark);
  }
  const safe = new Date(now.getTime() - SCAN_LAG_MS).toISOString();
  let cursor = mark;
  let durable = mark;
  let papers = 0;
  let notifications = 0;
  const keywords = (await followedKeywords(db)).map((k) => ({ k, test: keywordMatcher(k) }));
  for (;;) {
    const batch = (await papersAfter(db, cursor, SCAN_BATCH)) as PaperRow[];
    if (batch.length === 0) break;
    const info = batch.map((p) => {
      const names = authorNames(p.authors);
      const text = `${p.title}\n${p.abstract ?? ''}\n${p.ai_keywords ?? ''}`;
      return { p, names, keys: names.map(authorKey), cats: p.categories.split(/\s+/).filter(Boolean), words: keywords.filter((k) => k.test(text)).map((k) => k.k) };
    });
    const followers = await followersOf(db, [
      { kind: 'author', values: info.flatMap((i) => i.keys) },
      { kind: 'organization', values: info.flatMap((i) => (i.p.organization ? [i.p.organization] : [])) },
      { kind: 'category', values: info.flatMap((i) => i.cats) },
      { kind: 'keyword', values: info.flatMap((i) => i.words) },
    ]);
    const mailable = await mailableFor(db, followers.map((f) => f.userId), 'paper');
    const pending: NewNotification[] = [];
    for (const i of info) {
      const matched = new Map<number, MatchedChannel[]>();
      for (const f of followers) {
        if (f.since > i.p.created_at) continue;
        const hit = f.kind === 'author' ? i.keys.includes(f.value) : f.kind === 'organization' ? i.p.organization === f.value
          : f.kind === 'category' ? i.cats.includes(f.value) : f.kind === 'keyword' ? i.words.includes(f.value) : false;
        if (!hit || f.kind === 'saved_search') continue;
        const list = matched.get(f.userId) ?? [];
        list.push({ kind: f.kind, value: f.value });
        matched.set(f.userId, list);
      }
      for (const [userId, channels] of matched) {
        pending.push({
          userId, kind: 'paper', dedupeKey: `paper:${i.p.id}`, paperId: i.p.id, now,
          detail: { channels, why: channels.map((c) => describeChannel(c, i.names)).join(', ') },
          emailStatus: mailable.has(userId) ? 'pending' : 'skipped',
        });
      }
      papers++;
      if (i.p.created_at < safe) durable = { createdAt: i.p.created_at, paperId: i.p.id };
    }
    // Written before the mark moves past these papers: a run stopped here finds them again (the dedupe keys keep it to one each).
    notifications += await addNotifications(db, pending);
    const last = batch.at(-1)!;
    cursor = { createdAt: last.created_at, paperId: last.id };
    if (durable !== mark) await writeMark(db, MARK, durable);
    if (batch.length < SCAN_BATCH || papers >= SCAN_MAX_PER_RUN) break;
  }
  return { papers, notifications };
}

/** Enqueues one mail per member with followed papers waiting, unless one went within MAIL_BATCH_INTERVAL_MS. */
export async function mailFollowedPapers(database: Database, site: SiteConfig, now: Date): Promise<number> {
  const { db } = database;
  let mails = 0;
  let after = 0;
  const recent = new Date(now.getTime() - MAIL_BATCH_INTERVAL_MS).toISOString();
  for (;;) {
    const members = await membersWithPendingMail(db, 'paper', after, MAIL_MEMBER_BATCH);
    if (members.length === 0) break;
    after = members.at(-1)!;
    const mailable = await mailableFor(db, members, 'paper');
    for (const userId of members) {
      const pending = await pendingMail(db, userId, 'paper');
      if (pending.length === 0) continue;
      const to = mailable.get(userId);
      // Mail turned off (or the address unconfirmed) since they were recorded: never mailed.
      if (!to) {
        await setEmailStatus(db, pending.map((p) => p.id), 'skipped');
        continue;
      }
      const last = await lastBatchMailAt(db, `follows:${userId}:`);
      if (last && last > recent) continue;
      const shownIds = pending.slice(-MAIL_PAPERS_SHOWN).reverse();
      const titles = new Map((await db.selectFrom('papers').select(['id', 'title']).where('id', 'in', shownIds.flatMap((p) => (p.paperId ? [p.paperId] : []))).execute()).map((r) => [r.id, r.title]));
      const lines = shownIds.flatMap((p) => (p.paperId && titles.has(p.paperId) ? [{ id: p.paperId, title: titles.get(p.paperId)!, why: String(p.detail.why ?? '') }] : []));
      if (lines.length === 0) {
        await setEmailStatus(db, pending.map((p) => p.id), 'skipped');
        continue;
      }
      const mail = followedPapersMail(site, to.email, { username: to.username, papers: lines, total: pending.length });
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('outbox').values({
          to_address: mail.to, subject: mail.subject, text_body: mail.text, html_body: mail.html ?? null, created_at: now.toISOString(),
          kind: 'notification', status: 'queued', dedupe_key: followMailKey(userId, pending[0]!.id), next_attempt_at: now.toISOString(),
          headers: JSON.stringify({}), subscriber_id: null,
        }).onConflict((oc) => oc.column('dedupe_key').doNothing()).execute();
        await setEmailStatus(trx, pending.map((p) => p.id), 'sent');
      });
      mails++;
    }
  }
  return mails;
}

/** The job: scan, mail, and (given a mailer) deliver what was enqueued. */
export async function notifyNewPapers(database: Database, opts: { site: SiteConfig; now?: Date; mailer?: Mailer }): Promise<NotifyResult> {
  const now = opts.now ?? new Date();
  const scanned = await scanNewPapers(database, now);
  const mails = await mailFollowedPapers(database, opts.site, now);
  const result: NotifyResult = { ...scanned, mails };
  if (opts.mailer && mails > 0) result.delivery = await deliverOutbox(database, opts.mailer, { now });
  return result;
}

export const describeNotify = (r: NotifyResult): string =>
  `${r.papers} new papers read, ${r.notifications} notifications, ${r.mails} mails enqueued${r.delivery ? `; ${r.delivery.sent} sent, ${r.delivery.retrying} retrying, ${r.delivery.failed} failed` : ''}`;
