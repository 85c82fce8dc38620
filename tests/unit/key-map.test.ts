/**
 * The vector index's key map (src/search/vectors.ts KeyMap): key → paper from a saved key file at once,
 * paper → key made at its first use; a re-embedded paper's new key replaces its old one both ways.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KeyMap } from '../../src/search/vectors.ts';

test('a loaded key map answers key → paper, and a re-embedded paper gives back its old key, once', () => {
  const keys = KeyMap.of({ seqs: [3, 5, 9], paperIds: ['2401.00001', '2401.00002', '2401.00003'], highSeq: 9 });
  assert.equal(keys.size, 3);
  assert.equal(keys.paperOf(5), '2401.00002');
  assert.equal(keys.paperOf(4), undefined);
  // The second paper re-embedded: seq 12 replaces 5.
  assert.equal(keys.assign(12, '2401.00002'), 5);
  assert.equal(keys.paperOf(5), undefined);
  assert.equal(keys.paperOf(12), '2401.00002');
  assert.equal(keys.size, 3);
  // The same key again, and a new paper: nothing to drop.
  assert.equal(keys.assign(12, '2401.00002'), undefined);
  assert.equal(keys.assign(13, '2401.00004'), undefined);
  assert.deepEqual(keys.saved(13), { seqs: [3, 9, 12, 13], paperIds: ['2401.00001', '2401.00003', '2401.00002', '2401.00004'], highSeq: 13 });
});

test('an empty key map (an index built from the database) fills as it is assigned', () => {
  const keys = new KeyMap();
  assert.equal(keys.assign(1, 'a'), undefined);
  assert.equal(keys.assign(2, 'b'), undefined);
  assert.equal(keys.assign(3, 'a'), 1);
  assert.deepEqual(keys.saved(3), { seqs: [2, 3], paperIds: ['b', 'a'], highSeq: 3 });
});
