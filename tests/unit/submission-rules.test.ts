import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_RULES, submissionRefusal, type SubmissionContext } from '../../src/domain/submission-rules.ts';

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
