/**
 * How often submissions may call the arXiv API (docs/decisions/0020-authorization-rules.md). Papers
 * already in the database are never fetched; these bound what a member (or many) can make us ask.
 */

export interface ArxivThrottle {
  /** Site-wide pause between two calls' starts, in ms. */
  minIntervalMs: number;
  /** The longest a submission waits for its turn; beyond it, it is refused with a Retry-After. */
  maxWaitMs: number;
  /** Calls one member's submissions may make in `periodMs` (editors are not capped). */
  perMember: number;
  periodMs: number;
}

/** arXiv's terms of use for its API: "no more than one request every three seconds". */
export const ARXIV_MIN_INTERVAL_MS = 3_000;
/** Three members' turns at most: a person waits that long for a form; longer, they are told to come back. */
export const ARXIV_MAX_WAIT_MS = 3 * ARXIV_MIN_INTERVAL_MS;
/**
 * Twice the default daily submission cap (5): room for a typo'd id or a paper too old for the list,
 * while one account cannot make us fetch more than this from arXiv a day.
 */
export const ARXIV_FETCHES_PER_MEMBER = 10;
export const ARXIV_FETCH_PERIOD_MS = 24 * 3_600_000;

export const DEFAULT_ARXIV_THROTTLE: ArxivThrottle = {
  minIntervalMs: ARXIV_MIN_INTERVAL_MS,
  maxWaitMs: ARXIV_MAX_WAIT_MS,
  perMember: ARXIV_FETCHES_PER_MEMBER,
  periodMs: ARXIV_FETCH_PERIOD_MS,
};

/**
 * The turn of a call asked for at `nowMs` when the next free start is `nextAtMs`: it starts at the later
 * of the two, and the one after it `minIntervalMs` later; refused (with how long until a turn within the
 * wait is free) when the start is further away than `maxWaitMs`.
 */
export function takeTurn(t: ArxivThrottle, nextAtMs: number, nowMs: number): { ok: true; startMs: number; nextAtMs: number } | { ok: false; retryAfterMs: number } {
  const startMs = Math.max(nextAtMs, nowMs);
  if (startMs - nowMs > t.maxWaitMs) return { ok: false, retryAfterMs: startMs - nowMs - t.maxWaitMs };
  return { ok: true, startMs, nextAtMs: startMs + t.minIntervalMs };
}
