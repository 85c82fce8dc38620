import assert from 'node:assert/strict';
import { test } from 'node:test';
import { authorLinks, authorPosition, sameAuthorName } from '../../src/domain/claims.ts';
import {
  FLAG_DETAILS_MAX, flagProblem, MODERATION_REASON_MAX, reasonProblem,
} from '../../src/domain/moderation.ts';

test('flag reasons and details; moderator reasons', () => {
  assert.equal(flagProblem('spam', ''), null);
  assert.match(flagProblem('bogus', '')!, /Choose a reason/);
  assert.match(flagProblem('other', '  ')!, /Say in a few words/);
  assert.equal(flagProblem('other', 'a bot'), null);
  assert.match(flagProblem('spam', 'x'.repeat(FLAG_DETAILS_MAX + 1))!, /at most/);
  assert.match(reasonProblem('hide-comment', ' ')!, /Give a reason/);
  assert.equal(reasonProblem('restore-comment', ''), null);
  assert.match(reasonProblem('dismiss-flag', 'x'.repeat(MODERATION_REASON_MAX + 1))!, /at most/);
});

test('a claim follows its author when a new version reorders the list', () => {
  const v1 = [{ name: 'Ada Lovelace' }, { name: 'Charles Babbage' }];
  const v2 = [{ name: 'Mary Somerville' }, { name: 'Charles Babbage' }, { name: 'Ada  Lovelace.' }];
  assert.equal(authorPosition(v1, 0, 'Ada Lovelace'), 0);
  assert.equal(authorPosition(v2, 0, 'Ada Lovelace'), 2, 'found by name');
  assert.equal(authorPosition(v2, 5, 'Nobody'), null);
  assert.ok(sameAuthorName('Gödel, Kurt', 'godel, kurt'));
  assert.deepEqual(
    [...authorLinks(v2, [{ authorIndex: 0, authorName: 'Ada Lovelace', username: 'ada' }, { authorIndex: 1, authorName: 'Charles Babbage', username: 'cb' }])],
    [[2, 'ada'], [1, 'cb']],
  );
});
