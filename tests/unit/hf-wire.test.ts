import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hfEntryPublishedAt } from '../../src/domain/dates.ts';
import { isCutOf, mergePaper } from '../../src/domain/merge.ts';

test("the entry's publishedAt, Hugging Face's way: arXiv time in US Eastern wall-clock, labelled UTC", () => {
  assert.equal(hfEntryPublishedAt('2026-05-28T00:00:00Z'), '2026-05-27T20:00:00.000Z'); // EDT, -4 h
  assert.equal(hfEntryPublishedAt('2026-01-15T00:00:00.000Z'), '2026-01-14T19:00:00.000Z'); // EST, -5 h
  assert.equal(hfEntryPublishedAt('2025-03-27T17:59:59.000Z'), '2025-03-27T13:59:59.000Z');
  assert.equal(hfEntryPublishedAt('not a time'), null);
});

test('a title cut by a listing never replaces the full one', () => {
  const full = 'Stealing Part of a Production Language Model';
  assert.ok(isCutOf('Stealing Part of a Production…', full));
  assert.ok(isCutOf('Stealing Part of a\n  Production ...', full));
  assert.ok(!isCutOf('Stealing Part of a Production Language Model', full));
  assert.ok(!isCutOf('Something else…', full));
  const stored = mergePaper(undefined, { source: 'hf', id: '2403.06634', title: full });
  const after = mergePaper(stored, { source: 'arxiv', id: '2403.06634', title: 'Stealing Part of a Production…', version: 1 });
  assert.equal(after.title, full);
  const renamed = mergePaper(stored, { source: 'arxiv', id: '2403.06634', title: 'Stealing Part of a Production Model', version: 2 });
  assert.equal(renamed.title, 'Stealing Part of a Production Model');
});
