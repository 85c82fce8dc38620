/**
 * What members follow (migration 28; docs/decisions/0031-follows-and-notifications.md): authors, organizations,
 * categories, keywords and saved searches, one row per (member, kind, value). Values arrive normalized
 * (src/domain/follows.ts normalizeFollowValue).
 */
import type { Kysely } from 'kysely';
import { MAX_FOLLOWS, type FollowKind } from '../../domain/follows.ts';
import type { DB } from '../schema.ts';

type Db = Kysely<DB>;

export interface Follow {
  id: number;
  kind: FollowKind;
  value: string;
  createdAt: string;
}

export type FollowResult = { ok: true; added: boolean } | { ok: false; problem: 'limit' | 'no-saved-search' };

/** Follows a thing; following it again changes nothing. Refused past MAX_FOLLOWS, or for another member's saved search. */
export async function follow(db: Db, f: { userId: number; kind: FollowKind; value: string; now: Date }): Promise<FollowResult> {
  return db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('follows').select('id').where('user_id', '=', f.userId).where('kind', '=', f.kind).where('value', '=', f.value).executeTakeFirst();
    if (existing) return { ok: true, added: false };
    if (f.kind === 'saved_search') {
      const own = await trx.selectFrom('saved_searches').select('id').where('id', '=', Number(f.value)).where('user_id', '=', f.userId).executeTakeFirst();
      if (!own) return { ok: false, problem: 'no-saved-search' };
    }
    const { n } = await trx.selectFrom('follows').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', f.userId).executeTakeFirstOrThrow();
    if (Number(n) >= MAX_FOLLOWS) return { ok: false, problem: 'limit' };
    const row = await trx.insertInto('follows').values({ user_id: f.userId, kind: f.kind, value: f.value, created_at: f.now.toISOString() })
      .onConflict((oc) => oc.columns(['user_id', 'kind', 'value']).doNothing()).returning('id').executeTakeFirst();
    return { ok: true, added: Boolean(row) };
  });
}

/** Stops following; true when there was something to stop. */
export async function unfollow(db: Db, f: { userId: number; kind: FollowKind; value: string }): Promise<boolean> {
  const r = await db.deleteFrom('follows').where('user_id', '=', f.userId).where('kind', '=', f.kind).where('value', '=', f.value).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** A member's follows, by kind then value. */
export async function followsOf(db: Db, userId: number): Promise<Follow[]> {
  const rows = await db.selectFrom('follows').select(['id', 'kind', 'value', 'created_at']).where('user_id', '=', userId).orderBy('kind').orderBy('value').execute();
  return rows.map((r) => ({ id: r.id, kind: r.kind, value: r.value, createdAt: r.created_at }));
}

/** Which of these values of a kind the member follows (the follow buttons of a page). */
export async function followedAmong(db: Db, userId: number, kind: FollowKind, values: string[]): Promise<Set<string>> {
  if (values.length === 0) return new Set();
  const rows = await db.selectFrom('follows').select('value').where('user_id', '=', userId).where('kind', '=', kind).where('value', 'in', values.slice(0, 500)).execute();
  return new Set(rows.map((r) => r.value));
}

export async function isFollowing(db: Db, userId: number, kind: FollowKind, value: string): Promise<boolean> {
  return (await followedAmong(db, userId, kind, [value])).has(value);
}

/**
 * The topics a member follows, for ranking (the For-you feed): every follow as {kind, value}, values as stored
 * (authors and keywords in lowercase; saved searches by id).
 */
export async function followedTopics(db: Db, userId: number): Promise<{ kind: FollowKind; value: string }[]> {
  return (await followsOf(db, userId)).map(({ kind, value }) => ({ kind, value }));
}

/** A follow that matched, with when it began (a paper older than the follow is not news to its follower). */
export interface Follower {
  userId: number;
  kind: FollowKind;
  value: string;
  since: string;
}

/** Followers of any of these (kind, value) pairs; the scan of new papers asks once per batch. */
export async function followersOf(db: Db, channels: { kind: FollowKind; values: string[] }[]): Promise<Follower[]> {
  const out: Follower[] = [];
  for (const { kind, values } of channels) {
    const unique = [...new Set(values)];
    for (let i = 0; i < unique.length; i += 500) {
      const rows = await db.selectFrom('follows').select(['user_id', 'kind', 'value', 'created_at']).where('kind', '=', kind).where('value', 'in', unique.slice(i, i + 500)).execute();
      for (const r of rows) out.push({ userId: r.user_id, kind: r.kind, value: r.value, since: r.created_at });
    }
  }
  return out;
}

/** Every keyword somebody follows (matched against each new paper's text). */
export async function followedKeywords(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('follows').select('value').distinct().where('kind', '=', 'keyword').execute();
  return rows.map((r) => r.value);
}
