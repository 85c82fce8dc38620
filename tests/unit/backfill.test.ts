import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkDayRange, daysInRange, HF_DAY_SETTLED_AFTER_DAYS, isSettled, SETUP_RANGE_MAX_DAYS } from '../../src/domain/backfill.ts';

const TODAY = '2025-11-20';

test('daysInRange lists every day, both ends included, across months and leap days', () => {
  assert.deepEqual(daysInRange('2024-02-28', '2024-03-01'), ['2024-02-28', '2024-02-29', '2024-03-01']);
  assert.deepEqual(daysInRange('2025-11-03', '2025-11-03'), ['2025-11-03']);
  assert.deepEqual(daysInRange('2025-11-04', '2025-11-03'), []);
});

test(`a day is settled ${HF_DAY_SETTLED_AFTER_DAYS} days after it, not before`, () => {
  assert.equal(isSettled('2025-11-18', TODAY), true);
  assert.equal(isSettled('2025-11-19', TODAY), false);
  assert.equal(isSettled(TODAY, TODAY), false);
});

test('checkDayRange: a range, or one sentence saying what is wrong', () => {
  assert.deepEqual(checkDayRange({ from: '2025-11-03', to: '2025-11-07' }, TODAY), { from: '2025-11-03', to: '2025-11-07' });
  assert.deepEqual(checkDayRange({ from: '2025-11-03', to: undefined }, TODAY), { from: '2025-11-03', to: TODAY });
  assert.deepEqual(checkDayRange({ from: '2025-11-03', to: '' }, TODAY), { from: '2025-11-03', to: TODAY });
  const problem = (from: string | undefined, to: string | undefined, maxDays?: number) => {
    const r = checkDayRange({ from, to }, TODAY, maxDays === undefined ? {} : { maxDays });
    return 'problem' in r ? r.problem : null;
  };
  assert.match(problem(undefined, undefined)!, /give the first day/);
  assert.match(problem('2025-02-30', undefined)!, /"2025-02-30" is not a day/);
  assert.match(problem('2025-11-03', 'yesterday')!, /"yesterday" is not a day/);
  assert.match(problem('2025-11-07', '2025-11-03')!, /ends \(2025-11-03\) before it starts \(2025-11-07\)/);
  assert.match(problem('2999-01-01', undefined)!, /2999-01-01 is in the future \(today is 2025-11-20 UTC\)/);
  assert.match(problem('2025-11-03', '2025-11-21')!, /2025-11-21 is in the future/);
  assert.equal(problem('2024-11-20', TODAY, SETUP_RANGE_MAX_DAYS), null, '366 days fit');
  assert.match(problem('2024-11-19', TODAY, SETUP_RANGE_MAX_DAYS)!, /367 days is more than the 366 a request may cover/);
});
