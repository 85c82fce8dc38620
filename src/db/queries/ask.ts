/**
 * Answers to questions (a cache per paper version or collection state, normalized question and model) and
 * the language model's daily budgets (docs/decisions/0037-ask-this-paper.md). The same statements on both engines.
 */
import type { Kysely } from 'kysely';
import type { Passage } from '../../domain/ask.ts';
import type { DB } from '../schema.ts';

type Db = Kysely<DB>;

export interface StoredAnswer {
  answer: string;
  citations: Passage[];
  model: string;
  createdAt: string;
}

export async function cachedAnswer(db: Db, scope: string, questionKey: string, model: string): Promise<StoredAnswer | null> {
  const r = await db.selectFrom('ask_answers').select(['answer', 'citations', 'model', 'created_at']).where('scope', '=', scope).where('question_key', '=', questionKey).where('model', '=', model).executeTakeFirst();
  return r ? { answer: r.answer, citations: JSON.parse(r.citations) as Passage[], model: r.model, createdAt: r.created_at } : null;
}

/** Keeps an answer; the first one for a key stays (two members asking at once store one). */
export async function storeAnswer(db: Db, scope: string, questionKey: string, a: StoredAnswer): Promise<void> {
  await db
    .insertInto('ask_answers')
    .values({ scope, question_key: questionKey, model: a.model, answer: a.answer, citations: JSON.stringify(a.citations), created_at: a.createdAt })
    .onConflict((oc) => oc.columns(['scope', 'question_key', 'model']).doNothing())
    .execute();
}

/** The site's row in llm_usage (members are their user id). */
export const SITE_USAGE = 0;

export interface Usage {
  requests: number;
  tokens: number;
}

async function bump(db: Db, day: string, userId: number, requests: number, tokens: number): Promise<Usage> {
  const r = await db
    .insertInto('llm_usage')
    .values({ day, user_id: userId, requests, tokens })
    .onConflict((oc) => oc.columns(['day', 'user_id']).doUpdateSet((eb) => ({ requests: eb('llm_usage.requests', '+', requests), tokens: eb('llm_usage.tokens', '+', tokens) })))
    .returning(['requests', 'tokens'])
    .executeTakeFirstOrThrow();
  return { requests: Number(r.requests), tokens: Number(r.tokens) };
}

export interface BudgetLimits {
  memberRequests: number;
  memberTokens: number;
  siteRequests: number;
  siteTokens: number;
}

export type BudgetRefusal = { who: 'member' | 'site'; what: 'requests' | 'tokens' };

/**
 * Counts one request against today's budgets of the member (null: a background job, the site's only) and the
 * site, if they allow it and `tokens` more. Atomic per row (an upsert that returns the new counts); a request
 * over a limit is taken back and refused.
 */
export async function reserveRequest(db: Db, day: string, userId: number | null, tokens: number, limits: BudgetLimits): Promise<BudgetRefusal | null> {
  return db.transaction().execute(async (trx) => {
    const site = await bump(trx, day, SITE_USAGE, 1, 0);
    const member = userId === null ? null : await bump(trx, day, userId, 1, 0);
    let refusal: BudgetRefusal | null = null;
    if (member && member.requests > limits.memberRequests) refusal = { who: 'member', what: 'requests' };
    else if (member && member.tokens + tokens > limits.memberTokens) refusal = { who: 'member', what: 'tokens' };
    else if (site.requests > limits.siteRequests) refusal = { who: 'site', what: 'requests' };
    else if (site.tokens + tokens > limits.siteTokens) refusal = { who: 'site', what: 'tokens' };
    if (refusal) {
      await bump(trx, day, SITE_USAGE, -1, 0);
      if (userId !== null) await bump(trx, day, userId, -1, 0);
    }
    return refusal;
  });
}

/** Adds the tokens a request used (prompt and answer) to the member's and the site's day. */
export async function recordTokens(db: Db, day: string, userId: number | null, tokens: number): Promise<void> {
  await bump(db, day, SITE_USAGE, 0, tokens);
  if (userId !== null) await bump(db, day, userId, 0, tokens);
}

export async function usageOn(db: Db, day: string, userId: number): Promise<Usage> {
  const r = await db.selectFrom('llm_usage').select(['requests', 'tokens']).where('day', '=', day).where('user_id', '=', userId).executeTakeFirst();
  return { requests: Number(r?.requests ?? 0), tokens: Number(r?.tokens ?? 0) };
}
