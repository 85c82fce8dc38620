/** Email subscriptions to the digests, their signed links, and the papers a digest picks from. */
import { createHmac, randomBytes } from 'node:crypto';
import { sql, type Kysely, type Selectable } from 'kysely';
import { sameToken } from '../../auth/crypto.ts';
import type { DayRange } from '../../domain/dates.ts';
import { parseTopics, serializeTopics, type DigestCandidate, type Frequency, type TopicChoice } from '../../domain/digest.ts';
import type { DB, SubscribersTable, SubscriberStatus } from '../schema.ts';

type Db = Kysely<DB>;

export interface Subscriber {
  id: number;
  email: string;
  userId: number | null;
  status: SubscriberStatus;
  frequency: Frequency;
  maxPapers: number;
  topics: TopicChoice;
  confirmSentAt: string | null;
  linkKey: string;
  bounceCount: number;
}

export const toSubscriber = (r: Selectable<SubscribersTable>): Subscriber => ({
  id: r.id, email: r.email, userId: r.user_id, status: r.status, frequency: r.frequency, maxPapers: r.max_papers,
  topics: parseTopics(r.topics), confirmSentAt: r.confirm_sent_at, linkKey: r.link_key, bounceCount: r.bounce_count,
});

export interface Preferences {
  frequency: Frequency;
  maxPapers: number;
  topics: TopicChoice;
}

// ---- signed links (unsubscribe, preferences)

const secrets = new WeakMap<Db, string>();

/** The key that signs mail links: made by migration 12, kept in the database so every instance shares it. */
export async function linkSecret(db: Db): Promise<string> {
  const cached = secrets.get(db);
  if (cached) return cached;
  const row = await db.selectFrom('site_secrets').select('value').where('name', '=', 'mail_links').executeTakeFirstOrThrow();
  secrets.set(db, row.value);
  return row.value;
}

const signature = (secret: string, id: number, linkKey: string) =>
  createHmac('sha256', secret).update(`subscriber:${id}:${linkKey}`).digest('base64url');

/** `ID.SIGNATURE`: opens the subscriber's preferences and unsubscribes them, without logging in. */
export function signSubscriberLink(secret: string, s: { id: number; linkKey: string }): string {
  return `${s.id}.${signature(secret, s.id, s.linkKey)}`;
}

/** The subscriber a signed link is for, or undefined when it is malformed or forged. */
export async function subscriberForLink(db: Db, token: string | undefined): Promise<Subscriber | undefined> {
  const m = /^(\d{1,12})\.([\w-]{43})$/.exec(token ?? '');
  if (!m) return undefined;
  const row = await db.selectFrom('subscribers').selectAll().where('id', '=', Number(m[1])).executeTakeFirst();
  if (!row) return undefined;
  return sameToken(signature(await linkSecret(db), row.id, row.link_key), m[2]!) ? toSubscriber(row) : undefined;
}

// ---- reading and changing subscriptions

export async function findSubscriberByEmail(db: Db, email: string): Promise<Subscriber | undefined> {
  const r = await db.selectFrom('subscribers').selectAll().where('email', '=', email.toLowerCase()).executeTakeFirst();
  return r && toSubscriber(r);
}

export async function findSubscriberForUser(db: Db, userId: number, email: string): Promise<Subscriber | undefined> {
  const r = await db.selectFrom('subscribers').selectAll()
    .where((eb) => eb.or([eb('user_id', '=', userId), eb('email', '=', email.toLowerCase())]))
    .orderBy(sql`case when user_id is null then 1 else 0 end`).executeTakeFirst();
  return r && toSubscriber(r);
}

/**
 * Records a subscription request: a new pending row, or an existing one (any status but active) made
 * pending again with these preferences and a new confirmation token. An active subscription is left as it is.
 * Returns the row as it now is.
 */
export async function requestSubscription(db: Db, email: string, prefs: Preferences, confirmTokenHash: string | null, now: Date, userId: number | null = null): Promise<Subscriber> {
  const t = now.toISOString();
  const values = {
    status: 'pending' as const, frequency: prefs.frequency, max_papers: prefs.maxPapers, topics: serializeTopics(prefs.topics),
    confirm_token_hash: confirmTokenHash, confirm_sent_at: confirmTokenHash ? t : null, updated_at: t, unsubscribed_at: null,
  };
  await db.insertInto('subscribers')
    .values({ email: email.toLowerCase(), user_id: userId, link_key: randomBytes(12).toString('base64url'), created_at: t, ...values })
    .onConflict((oc) => oc.column('email').doUpdateSet(values).where('subscribers.status', '!=', 'active'))
    .execute();
  return (await findSubscriberByEmail(db, email))!;
}

/** An active subscription straight away (a member whose address is confirmed). */
export async function activateSubscription(db: Db, email: string, prefs: Preferences, now: Date, userId: number | null): Promise<Subscriber> {
  const t = now.toISOString();
  const values = {
    status: 'active' as const, frequency: prefs.frequency, max_papers: prefs.maxPapers, topics: serializeTopics(prefs.topics),
    confirm_token_hash: null, updated_at: t, confirmed_at: t, unsubscribed_at: null, user_id: userId,
  };
  await db.insertInto('subscribers')
    .values({ email: email.toLowerCase(), link_key: randomBytes(12).toString('base64url'), created_at: t, confirm_sent_at: null, ...values })
    .onConflict((oc) => oc.column('email').doUpdateSet(values))
    .execute();
  return (await findSubscriberByEmail(db, email))!;
}

/** Confirms the pending subscription whose token hashes to this; undefined when there is none. */
export async function confirmSubscription(db: Db, tokenHash: string, now: Date): Promise<Subscriber | undefined> {
  const r = await db.updateTable('subscribers')
    .set({ status: 'active', confirm_token_hash: null, confirmed_at: now.toISOString(), updated_at: now.toISOString() })
    .where('confirm_token_hash', '=', tokenHash).where('status', '=', 'pending')
    .returningAll().executeTakeFirst();
  return r && toSubscriber(r);
}

export async function pendingByToken(db: Db, tokenHash: string): Promise<Subscriber | undefined> {
  const r = await db.selectFrom('subscribers').selectAll().where('confirm_token_hash', '=', tokenHash).where('status', '=', 'pending').executeTakeFirst();
  return r && toSubscriber(r);
}

/** Marks when a mail about the subscription was last sent (rate limit). */
export async function touchConfirmSent(db: Db, id: number, now: Date): Promise<void> {
  await db.updateTable('subscribers').set({ confirm_sent_at: now.toISOString() }).where('id', '=', id).execute();
}

export async function updatePreferences(db: Db, id: number, prefs: Preferences, now: Date): Promise<void> {
  await db.updateTable('subscribers')
    .set({ frequency: prefs.frequency, max_papers: prefs.maxPapers, topics: serializeTopics(prefs.topics), updated_at: now.toISOString() })
    .where('id', '=', id).execute();
}

/** Unsubscribes; true when it was subscribed (pending or active). Queued digests to it are cancelled. */
export async function unsubscribe(db: Db, id: number, now: Date): Promise<boolean> {
  const r = await db.updateTable('subscribers')
    .set({ status: 'unsubscribed', unsubscribed_at: now.toISOString(), updated_at: now.toISOString(), confirm_token_hash: null })
    .where('id', '=', id).where('status', 'in', ['pending', 'active'])
    .executeTakeFirst();
  await db.updateTable('outbox').set({ status: 'cancelled' }).where('subscriber_id', '=', id).where('status', '=', 'queued').where('claimed_until', 'is', null).execute();
  return Number(r.numUpdatedRows) > 0;
}

/** Active subscribers of a frequency, in id order after `afterId` (keyset pages keep memory flat). */
export async function activeSubscribers(db: Db, frequency: Frequency, afterId: number, limit: number): Promise<Subscriber[]> {
  const rows = await db.selectFrom('subscribers').selectAll()
    .where('status', '=', 'active').where('frequency', '=', frequency).where('id', '>', afterId)
    .orderBy('id').limit(limit).execute();
  return rows.map(toSubscriber);
}

export async function countSubscribers(db: Db): Promise<Record<SubscriberStatus, number>> {
  const rows = await db.selectFrom('subscribers').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('status').execute();
  const out: Record<SubscriberStatus, number> = { pending: 0, active: 0, unsubscribed: 0, bounced: 0 };
  for (const r of rows) out[r.status] = Number(r.n);
  return out;
}

// ---- digest candidates

/** Every paper listed on a day of the range, with what digest selection needs (a paper listed twice comes twice). */
export async function digestCandidates(db: Db, range: DayRange): Promise<DigestCandidate[]> {
  const rows = await db
    .selectFrom('daily_entries as e')
    .innerJoin('papers as p', 'p.id', 'e.paper_id')
    .leftJoin('organizations as o', 'o.id', 'p.organization_id')
    .select([
      'p.id', 'p.title', 'p.abstract', 'p.upvotes', 'p.member_upvotes', 'p.comments_count', 'p.categories',
      'e.day', 'e.listed_at', 'e.num_comments', 'o.name as o_name', 'o.fullname as o_fullname',
    ])
    .where('e.day', '>=', range.from).where('e.day', '<=', range.to)
    .execute();
  return rows.map((r) => ({
    id: r.id, title: r.title, abstract: r.abstract ?? '', upvotes: r.upvotes + r.member_upvotes, comments: r.num_comments + r.comments_count,
    listedAt: r.listed_at && r.listed_at.slice(0, 10) >= r.day ? r.listed_at : `${r.day}T00:00:00.000Z`,
    categories: r.categories.split(/\s+/).filter(Boolean),
    organization: r.o_name === null ? null : { name: r.o_name, fullname: r.o_fullname },
  }));
}
