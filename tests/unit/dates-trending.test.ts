import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { addDays, formatCardDate, formatLongDay, formatRange, isoWeekOf, parseDay, parseIsoWeek, parseMonth } from '../../src/domain/dates.ts';
import { trendingReference, trendingScore } from '../../src/domain/trending.ts';

test('days are validated as real dates', () => {
  assert.equal(parseDay('2024-02-29'), '2024-02-29');
  for (const bad of ['2023-02-29', '2024-13-01', '2024-1-01', '20240101', 'today', '2024-02-30', '']) assert.equal(parseDay(bad), null, bad);
});

test('ISO weeks: known weeks, year boundaries and week 53', () => {
  assert.deepEqual(parseIsoWeek('2024-W45'), { from: '2024-11-04', to: '2024-11-10' });
  assert.deepEqual(parseIsoWeek('2025-W01'), { from: '2024-12-30', to: '2025-01-05' });
  assert.deepEqual(parseIsoWeek('2020-W53'), { from: '2020-12-28', to: '2021-01-03' });
  assert.equal(parseIsoWeek('2021-W53'), null, '2021 has 52 weeks');
  assert.equal(parseIsoWeek('2024-W00'), null);
  assert.equal(parseIsoWeek('2024-45'), null);
  assert.equal(isoWeekOf('2021-01-01'), '2020-W53');
  assert.equal(isoWeekOf('2024-12-30'), '2025-W01');
});

test('property: every day lies in the week isoWeekOf names', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 40_000 }), (n) => {
      const day = addDays('1990-01-01', n);
      const range = parseIsoWeek(isoWeekOf(day))!;
      assert.ok(range.from <= day && day <= range.to, day);
    }),
  );
});

test('months and formatting', () => {
  assert.deepEqual(parseMonth('2024-02'), { from: '2024-02-01', to: '2024-02-29' });
  assert.equal(parseMonth('2024-13'), null);
  const now = new Date('2024-12-01T00:00:00Z');
  assert.equal(formatCardDate('2024-10-01T12:00:00.000Z', now), 'Oct 1');
  assert.equal(formatCardDate('2023-11-08T00:00:00.000Z', now), 'Nov 8, 2023');
  assert.equal(formatLongDay('2024-11-08'), 'Friday, Nov 8, 2024');
  assert.equal(formatRange({ from: '2024-11-04', to: '2024-11-10' }), 'Nov 4 – 10, 2024');
  assert.equal(formatRange({ from: '2024-12-30', to: '2025-01-05' }), 'Dec 30, 2024 – Jan 5, 2025');
});

test('trending score: golden values', () => {
  const r = (x: number) => Math.round(x * 10_000) / 10_000;
  assert.equal(r(trendingScore({ upvotes: 10, comments: 0, ageHours: 0 })), 4.3528);
  assert.equal(r(trendingScore({ upvotes: 10, comments: 5, ageHours: 0 })), 8.7055);
  assert.equal(r(trendingScore({ upvotes: 100, comments: 3, ageHours: 24 })), 2.1249);
  assert.equal(r(trendingScore({ upvotes: 100, comments: 3, ageHours: 168 })), 0.2232);
  assert.equal(trendingScore({ upvotes: 0, comments: 0, ageHours: 5 }), 0);
  assert.equal(trendingScore({ upvotes: 5, comments: 0, ageHours: -3 }), trendingScore({ upvotes: 5, comments: 0, ageHours: 0 }));
});

test('trending: fresher wins at equal votes; more votes win at equal age', () => {
  fc.assert(
    fc.property(fc.nat(1000), fc.nat(50), fc.double({ min: 0, max: 500, noNaN: true }), fc.double({ min: 0.1, max: 100, noNaN: true }), (u, c, age, dt) => {
      assert.ok(trendingScore({ upvotes: u + 1, comments: c, ageHours: age }) > trendingScore({ upvotes: u, comments: c, ageHours: age }));
      assert.ok(trendingScore({ upvotes: u + 1, comments: c, ageHours: age }) > trendingScore({ upvotes: u + 1, comments: c, ageHours: age + dt }));
    }),
  );
});

test('trending reference: now, or a day after the newest listing of a stale site', () => {
  const now = new Date('2026-11-26T12:00:00Z');
  assert.equal(trendingReference(now, null), now);
  assert.equal(trendingReference(now, new Date('2026-11-26T08:00:00Z')), now);
  assert.equal(trendingReference(now, new Date('2026-05-29T00:00:00Z')).toISOString(), '2026-05-30T00:00:00.000Z');
});
