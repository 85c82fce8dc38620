import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  describeTopicsUnconfirmed, dailyPeriod, defaultDigestDay, maxPapersFrom, parseDigestDays, rankCandidates, rankingFor, selectForSubscriber, shortAbstract,
  topicMatcher, topicsFrom, weeklyPeriod, type DigestCandidate,
} from '../../src/domain/digest.ts';
import { isPermanentRecipientError, messageIdFor, retryDelaySeconds, RETRY_MAX_SECONDS } from '../../src/email/delivery.ts';

const paper = (id: string, over: Partial<DigestCandidate> = {}): DigestCandidate => ({
  id, title: `Paper ${id}`, abstract: '', upvotes: 0, comments: 0, listedAt: '2025-11-20T12:00:00.000Z', categories: ['cs.LG'], organization: null, ...over,
});

test('daily digests go out on arXiv announcement days and cover the lists since the previous one', () => {
  assert.deepEqual(dailyPeriod('2025-11-20')?.range, { from: '2025-11-20', to: '2025-11-20' }); // Thursday
  assert.deepEqual(dailyPeriod('2025-11-23')?.range, { from: '2025-11-21', to: '2025-11-23' }); // Sunday: Fri, Sat, Sun
  assert.equal(dailyPeriod('2025-11-21'), null); // Friday
  assert.equal(dailyPeriod('2025-11-22'), null); // Saturday
  assert.deepEqual(dailyPeriod('2025-11-21', [5])?.range, { from: '2025-11-15', to: '2025-11-21' });
  assert.equal(dailyPeriod('2025-11-20')?.key, '2025-11-20');
});

test('weekly digests are ISO weeks; the default day is US Eastern', () => {
  const w = weeklyPeriod('2025-11-20');
  assert.equal(w.key, '2025-W47');
  assert.deepEqual(w.range, { from: '2025-11-17', to: '2025-11-23' });
  // 02:00 UTC on Friday is still Thursday evening in New York.
  assert.equal(defaultDigestDay('daily', new Date('2025-11-21T02:00:00Z')), '2025-11-20');
  assert.equal(defaultDigestDay('weekly', new Date('2025-11-24T15:00:00Z')), '2025-11-23');
});

test('DIGEST_DAILY_DAYS', () => {
  assert.deepEqual(parseDigestDays('sun,mon,tue,wed,thu'), [0, 1, 2, 3, 4]);
  assert.deepEqual(parseDigestDays('Monday, friday'), [1, 5]);
  assert.equal(parseDigestDays('someday'), null);
  assert.equal(parseDigestDays(''), null);
});

test('topics: categories (and whole archives), keywords at the start of a word, organizations; any one matches', () => {
  const m = topicMatcher({ categories: ['cs.CL', 'stat'], keywords: ['LLM', 'diffusion'], organizations: ['meta'] });
  assert.ok(m(paper('1', { categories: ['cs.CL'] })));
  assert.ok(m(paper('2', { categories: ['stat.ML'] })));
  assert.ok(m(paper('3', { title: 'Scaling LLMs' })));
  assert.ok(m(paper('4', { abstract: 'A latent-diffusion approach' })));
  assert.ok(!m(paper('5', { title: 'Confusion matrices' })), '"diffusion" is not inside "confusion"');
  assert.ok(!m(paper('6', { title: 'SMALLM' })));
  assert.ok(m(paper('7', { organization: { name: 'meta', fullname: 'Meta AI' } })));
  assert.ok(!m(paper('8')));
  assert.ok(topicMatcher('all')(paper('9')));
});

test('selection: the ranked papers that match, capped; nothing matching is an empty digest', () => {
  const ranked = [paper('a', { categories: ['cs.CV'] }), paper('b', { categories: ['cs.CL'] }), paper('c', { categories: ['cs.CL'] }), paper('d', { categories: ['cs.CL'] })];
  assert.deepEqual(selectForSubscriber(ranked, { categories: ['cs.CL'], keywords: [], organizations: [] }, 2).map((p) => p.id), ['b', 'c']);
  assert.deepEqual(selectForSubscriber(ranked, 'all', 10).length, 4);
  assert.deepEqual(selectForSubscriber(ranked, { categories: ['math.OC'], keywords: [], organizations: [] }, 10), []);
});

test('ranking: trending while fresh, upvotes once the period is well past, and always for weekly', () => {
  const period = dailyPeriod('2025-11-20')!;
  assert.equal(rankingFor(period, new Date('2025-11-20T23:00:00Z')), 'trending');
  assert.equal(rankingFor(period, new Date('2025-11-25T00:00:00Z')), 'upvotes');
  assert.equal(rankingFor(weeklyPeriod('2025-11-20'), new Date('2025-11-24T00:00:00Z')), 'upvotes');
  const fresh = paper('fresh', { upvotes: 10, listedAt: '2025-11-20T20:00:00.000Z' });
  const old = paper('old', { upvotes: 14, listedAt: '2025-11-20T00:00:00.000Z' });
  assert.deepEqual(rankCandidates([old, fresh], period, new Date('2025-11-20T23:00:00Z')).map((p) => p.id), ['fresh', 'old']);
  assert.deepEqual(rankCandidates([fresh, old, old], period, new Date('2025-12-20T00:00:00Z')).map((p) => p.id), ['old', 'fresh']);
});

test('form values', () => {
  assert.deepEqual(topicsFrom({ everything: true, categories: 'cs.CL', keywords: '', organizations: '' }), { topics: 'all' });
  assert.deepEqual(topicsFrom({ everything: false, categories: '', keywords: '', organizations: '' }), { topics: 'all' });
  assert.deepEqual(topicsFrom({ everything: false, categories: 'cs.CL, cs.CL,\nstat.ML', keywords: ' large  models ', organizations: '' }), { topics: { categories: ['cs.CL', 'stat.ML'], keywords: ['large models'], organizations: [] } });
  assert.ok('problem' in topicsFrom({ everything: false, categories: 'CS CL', keywords: '', organizations: '' }));
  assert.equal(maxPapersFrom('5'), 5);
  assert.equal(maxPapersFrom(''), 10);
  assert.equal(maxPapersFrom('0'), null);
  assert.equal(maxPapersFrom('51'), null);
  assert.equal(maxPapersFrom('5.5'), null);
});

test('abstracts are cut at a word', () => {
  const s = shortAbstract('word '.repeat(100), 30);
  assert.ok(s.length <= 31 && s.endsWith('word…'), s);
  assert.equal(shortAbstract('short'), 'short');
});

test('delivery rules: backoff, permanent failures, Message-IDs from the dedupe key', () => {
  assert.deepEqual([1, 2, 3, 4].map(retryDelaySeconds), [60, 120, 240, 480]);
  assert.equal(retryDelaySeconds(30), RETRY_MAX_SECONDS);
  assert.ok(isPermanentRecipientError({ responseCode: 550, command: 'RCPT TO' }));
  assert.ok(isPermanentRecipientError({ responseCode: 554, command: 'DATA' }));
  assert.ok(!isPermanentRecipientError({ responseCode: 451, command: 'RCPT TO' }));
  assert.ok(!isPermanentRecipientError({ responseCode: 535, command: 'AUTH PLAIN' }), 'our credentials, not the address');
  assert.ok(!isPermanentRecipientError({ code: 'ECONNECTION' }));
  assert.equal(messageIdFor({ id: 7, dedupe_key: 'digest:daily:2025-11-20:42', created_at: '2025-11-20T00:00:00Z' }, 'Daily Papers <papers@example.org>'), '<digest.daily.2025-11-20.42@example.org>');
});

test('topics before confirmation: category codes and a count, never the typed words', () => {
  assert.equal(describeTopicsUnconfirmed('all'), 'everything');
  assert.equal(describeTopicsUnconfirmed({ categories: ['cs.CL', 'cs.LG'], keywords: [], organizations: [] }), 'cs.CL, cs.LG');
  const typed = describeTopicsUnconfirmed({ categories: ['cs.CL'], keywords: ['call 555 now'], organizations: ['evil.example'] });
  assert.equal(typed, 'cs.CL · 2 keywords or organizations (shown once you confirm)');
  assert.equal(describeTopicsUnconfirmed({ categories: [], keywords: ['x'], organizations: [] }), '1 keyword or organization (shown once you confirm)');
});
