import assert from 'node:assert/strict';
import { test } from 'node:test';
import { takeTurn } from '../../src/domain/arxiv-throttle.ts';
import { DEFAULT_RULES, paperRefusal, submissionRefusal, submitterRefusal, type SubmissionContext } from '../../src/domain/submission-rules.ts';

const base: SubmissionContext = {
  role: 'member', emailVerified: true, suspended: false, hasClaim: false, paperPublishedAt: '2025-11-01T00:00:00.000Z',
  day: '2025-11-05', now: new Date('2025-11-05T12:00:00Z'), submissionsToday: 0, alreadyListed: false,
};

test('the defaults let a confirmed member submit a recent paper', () => {
  assert.equal(submissionRefusal(DEFAULT_RULES, base), null);
  assert.deepEqual(DEFAULT_RULES, { who: 'verified', maxPaperAgeDays: 14, dailyCap: 5, weekends: true });
});

test('each rule refuses with its reason', () => {
  const r = (over: Partial<SubmissionContext>, rules = DEFAULT_RULES) => submissionRefusal(rules, { ...base, ...over });
  assert.match(r({ emailVerified: false })!, /confirm your email/);
  assert.match(r({ suspended: true })!, /suspended/);
  assert.match(r({ alreadyListed: true })!, /already on today’s list/);
  assert.match(r({ submissionsToday: 5 })!, /submitted 5 papers today/);
  assert.match(r({ paperPublishedAt: '2025-10-01T00:00:00.000Z' })!, /35 days ago; the list takes papers up to 14 days old/);
  assert.match(r({}, { ...DEFAULT_RULES, who: 'editors' })!, /only editors/);
  assert.match(r({}, { ...DEFAULT_RULES, who: 'claimed' })!, /claimed authorship/);
  assert.equal(r({ hasClaim: true }, { ...DEFAULT_RULES, who: 'claimed' }), null);
  assert.match(r({ day: '2025-11-08' }, { ...DEFAULT_RULES, weekends: false })!, /weekends/);
  assert.equal(r({ day: '2025-11-08' }), null, 'weekends are open by default');
});

test('editors skip the limits but not the duplicate check', () => {
  const editor = { ...base, role: 'editor', submissionsToday: 50, paperPublishedAt: '2001-01-01T00:00:00.000Z' };
  assert.equal(submissionRefusal({ ...DEFAULT_RULES, who: 'editors' }, editor), null);
  assert.match(submissionRefusal(DEFAULT_RULES, { ...editor, alreadyListed: true })!, /already/);
});

test('arXiv pacing: a turn starts at the later of now and the next free start; too far ahead is refused', () => {
  const t = { minIntervalMs: 3000, maxWaitMs: 9000, perMember: 10, periodMs: 86_400_000 };
  assert.deepEqual(takeTurn(t, 0, 10_000), { ok: true, startMs: 10_000, nextAtMs: 13_000 });
  assert.deepEqual(takeTurn(t, 13_000, 10_000), { ok: true, startMs: 13_000, nextAtMs: 16_000 }, 'waits 3 s');
  assert.deepEqual(takeTurn(t, 19_000, 10_000), { ok: true, startMs: 19_000, nextAtMs: 22_000 }, 'waits the longest allowed');
  assert.deepEqual(takeTurn(t, 22_000, 10_000), { ok: false, retryAfterMs: 3000 });
});

test('who may submit is decided without the paper; the paper is judged apart', () => {
  const who = { role: 'member', emailVerified: true, suspended: false, hasClaim: false, day: '2025-01-06', submissionsToday: 0 };
  assert.equal(submitterRefusal(DEFAULT_RULES, who), null);
  assert.match(submitterRefusal(DEFAULT_RULES, { ...who, role: 'admin', suspended: true })!, /suspended/, 'a suspended admin is refused too');
  assert.match(submitterRefusal(DEFAULT_RULES, { ...who, emailVerified: false })!, /confirm/);
  assert.match(submitterRefusal({ ...DEFAULT_RULES, who: 'editors' }, who)!, /only editors/);
  assert.equal(submitterRefusal({ ...DEFAULT_RULES, who: 'editors' }, { ...who, role: 'editor' }), null);
  const now = new Date('2025-01-06T12:00:00Z');
  assert.match(paperRefusal(DEFAULT_RULES, { role: 'member', paperPublishedAt: '2024-01-01T00:00:00Z', now, alreadyListed: false })!, /days ago/);
  assert.equal(paperRefusal(DEFAULT_RULES, { role: 'editor', paperPublishedAt: '2024-01-01T00:00:00Z', now, alreadyListed: false }), null);
});
