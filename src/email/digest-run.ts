/**
 * A digest run: for every active subscriber of a frequency (or one address), pick their papers of the period,
 * render the mail and enqueue it in the outbox under the dedupe key digest:FREQUENCY:PERIOD:SUBSCRIBER
 * (INSERT … ON CONFLICT DO NOTHING), so that a run repeated, restarted after a crash or run by two workers
 * at once enqueues each digest once. Sending is deliverOutbox's (src/email/delivery.ts): runDigest calls it
 * when given a mailer; the scheduler may call the two separately.
 */
import type { SiteConfig } from '../config.ts';
import type { Database } from '../db/connection.ts';
import {
  activeSubscribers, digestCandidates, findSubscriberByEmail, linkSecret, signSubscriberLink, type Subscriber,
} from '../db/queries/subscribers.ts';
import {
  dailyPeriod, DEFAULT_DAILY_DAYS, defaultDigestDay, rankCandidates, selectForSubscriber, shortAbstract, weeklyPeriod,
  type DigestCandidate, type DigestPeriod, type Frequency,
} from '../domain/digest.ts';
import { parseDay } from '../domain/dates.ts';
import { deliverOutbox, type DeliverOptions, type DeliverResult } from './delivery.ts';
import { digestMail, subscriberLinks, type DigestSection } from './digest-templates.ts';
import type { Mailer } from './mailer.ts';

/** Subscribers read, rendered and enqueued at a time (memory stays flat whatever their number). */
export const SUBSCRIBER_BATCH = 250;

export class DigestError extends Error {
  override name = 'DigestError';
}

export interface DigestSectionContext {
  database: Database;
  subscriber: Subscriber;
  period: DigestPeriod;
  now: Date;
  /** The sections before this one (the top papers first), so a provider can leave out papers already there. */
  sections?: readonly DigestSection[];
}

/**
 * Adds a section to each subscriber's digest (saved-search alerts, personal picks…): null or no papers
 * leaves it out. The top papers are always the first section.
 */
export type DigestSectionProvider = (ctx: DigestSectionContext) => Promise<DigestSection | null> | DigestSection | null;

export interface RunDigestOptions {
  period: Frequency;
  /** A day (`YYYY-MM-DD`) in the period; default defaultDigestDay (today in US Eastern time, or yesterday for weekly). */
  date?: string;
  /** Only this subscriber (must be active; the frequency is not checked). */
  to?: string;
  /** Say who would get what; enqueue and send nothing. */
  dryRun?: boolean;
  now?: Date;
  site: SiteConfig;
  /** Weekdays of the daily digest (0 = Sunday); DEFAULT_DAILY_DAYS. */
  dailyDays?: readonly number[];
  /** Further sections after the top papers. */
  extraSections?: DigestSectionProvider[];
  /** Deliver what was enqueued, through this mailer, before returning. */
  mailer?: Mailer;
  deliver?: DeliverOptions;
}

export interface DigestPlanLine {
  email: string;
  papers: string[];
  /** Already enqueued by an earlier run: not again. */
  alreadyQueued: boolean;
}

export interface RunDigestResult {
  period: DigestPeriod | null;
  /** Why nothing was done (e.g. not a daily digest day). */
  skipped?: string;
  /** Subscribers considered. */
  subscribers: number;
  /** Digests enqueued by this run. */
  enqueued: number;
  /** Digests an earlier run had enqueued already. */
  alreadyQueued: number;
  /** Subscribers with nothing matching their topics: no mail. */
  empty: number;
  /** With dryRun: who would get what. */
  plan?: DigestPlanLine[];
  delivery?: DeliverResult;
}

export const digestDedupeKey = (period: DigestPeriod, subscriberId: number) => `digest:${period.frequency}:${period.key}:${subscriberId}`;

/** The period a run is for; null (with the reason) when there is no digest that day. */
export function digestPeriodFor(frequency: Frequency, date: string | undefined, now: Date, dailyDays: readonly number[] = DEFAULT_DAILY_DAYS): DigestPeriod | { skipped: string } {
  const day = date === undefined ? defaultDigestDay(frequency, now) : parseDay(date);
  if (day === null) throw new DigestError(`--date: "${date}" is not a date; expected YYYY-MM-DD`);
  if (frequency === 'weekly') return weeklyPeriod(day);
  return dailyPeriod(day, dailyDays) ?? { skipped: `${day} is not a daily digest day (DIGEST_DAILY_DAYS)` };
}

/** The ranked papers of a period, loaded once per run. */
export async function periodCandidates(database: Database, period: DigestPeriod, now: Date): Promise<DigestCandidate[]> {
  return rankCandidates(await digestCandidates(database.db, period.range), period, now);
}

const shortAbstracts = new WeakMap<DigestCandidate, string>();
/** Each candidate's abstract is cut once per run, not once per subscriber. */
function shortAbstractOf(c: DigestCandidate): string {
  let s = shortAbstracts.get(c);
  if (s === undefined) shortAbstracts.set(c, (s = shortAbstract(c.abstract)));
  return s;
}

/** The sections of one subscriber's digest (empty sections dropped). */
export async function sectionsFor(ranked: DigestCandidate[], ctx: DigestSectionContext, extra: DigestSectionProvider[] = []): Promise<DigestSection[]> {
  const top = selectForSubscriber(ranked, ctx.subscriber.topics, ctx.subscriber.maxPapers);
  const sections: DigestSection[] = [{
    id: 'top',
    title: ctx.period.frequency === 'daily' ? 'Trending papers' : 'Top papers of the week',
    papers: top.map((c) => ({ id: c.id, title: c.title, abstract: shortAbstractOf(c), upvotes: c.upvotes, comments: c.comments, organization: c.organization?.fullname ?? c.organization?.name ?? null })),
  }];
  for (const provide of extra) {
    const s = await provide({ ...ctx, sections });
    if (s) sections.push(s);
  }
  return sections.filter((s) => s.papers.length > 0);
}

export async function runDigest(database: Database, opts: RunDigestOptions): Promise<RunDigestResult> {
  const now = opts.now ?? new Date();
  const found = digestPeriodFor(opts.period, opts.date, now, opts.dailyDays);
  if ('skipped' in found) return { period: null, skipped: found.skipped, subscribers: 0, enqueued: 0, alreadyQueued: 0, empty: 0 };
  const period = found;
  const { db } = database;
  const result: RunDigestResult = { period, subscribers: 0, enqueued: 0, alreadyQueued: 0, empty: 0, ...(opts.dryRun ? { plan: [] } : {}) };
  const ranked = await periodCandidates(database, period, now);
  const secret = await linkSecret(db);

  let only: Subscriber | undefined;
  if (opts.to !== undefined) {
    only = await findSubscriberByEmail(db, opts.to.trim());
    if (!only || only.status !== 'active') throw new DigestError(`no active subscriber with the address ${opts.to}`);
  }
  let afterId = 0;
  for (;;) {
    const batch = only ? (afterId === 0 ? [only] : []) : await activeSubscribers(db, period.frequency, afterId, SUBSCRIBER_BATCH);
    if (batch.length === 0) break;
    afterId = batch.at(-1)!.id;
    result.subscribers += batch.length;
    const keys = batch.map((s) => digestDedupeKey(period, s.id));
    const queued = new Set((await db.selectFrom('outbox').select('dedupe_key').where('dedupe_key', 'in', keys).execute()).map((r) => r.dedupe_key));
    const rows = [];
    for (const subscriber of batch) {
      const key = digestDedupeKey(period, subscriber.id);
      if (queued.has(key) && !opts.dryRun) {
        result.alreadyQueued++;
        continue;
      }
      const sections = await sectionsFor(ranked, { database, subscriber, period, now }, opts.extraSections);
      if (sections.length === 0) {
        result.empty++;
        continue;
      }
      if (opts.dryRun) {
        result.plan!.push({ email: subscriber.email, papers: sections.flatMap((s) => s.papers.map((p) => p.id)), alreadyQueued: queued.has(key) });
        if (queued.has(key)) result.alreadyQueued++;
        continue;
      }
      const mail = digestMail(opts.site, { to: subscriber.email, period, sections, topics: subscriber.topics, links: subscriberLinks(opts.site, signSubscriberLink(secret, subscriber)) });
      rows.push({
        to_address: mail.to, subject: mail.subject, text_body: mail.text, html_body: mail.html ?? null, created_at: now.toISOString(),
        kind: 'digest', status: 'queued' as const, dedupe_key: key, next_attempt_at: now.toISOString(),
        headers: JSON.stringify(mail.headers ?? {}), subscriber_id: subscriber.id,
      });
    }
    if (rows.length > 0) {
      const inserted = await db.insertInto('outbox').values(rows).onConflict((oc) => oc.column('dedupe_key').doNothing()).returning('id').execute();
      result.enqueued += inserted.length;
      result.alreadyQueued += rows.length - inserted.length;
    }
    if (only) break;
  }
  if (opts.mailer && !opts.dryRun) result.delivery = await deliverOutbox(database, opts.mailer, { now, ...opts.deliver });
  return result;
}
