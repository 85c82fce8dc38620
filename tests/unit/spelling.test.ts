import assert from 'node:assert/strict';
import { test } from 'node:test';
import { didYouMean, replaceWords, surfaceForm } from '../../src/domain/spelling.ts';
import { stemDistance } from '../../src/search/keyword.ts';

const vocabulary = [
  { term: 'mixtur', docs: 996 },
  { term: 'mixer', docs: 40 },
  { term: 'mixur', docs: 1 },
  { term: 'transform', docs: 3000 },
  { term: 'ma', docs: 5000 },
  { term: 'mix', docs: 900 },
];

test('a rare word close to a common one gets a suggestion', () => {
  assert.equal(didYouMean('mixure', 1, vocabulary, stemDistance), 'mixtur');
  assert.equal(didYouMean('mixure', 0, vocabulary, stemDistance), 'mixtur');
  assert.equal(didYouMean('transfomer', 2, vocabulary, stemDistance), 'transform');
});

test('no suggestion for a common word, a word far from everything, or a close word that is not much more common', () => {
  assert.equal(didYouMean('mixure', 50, vocabulary, stemDistance), null, 'the word is in many papers');
  assert.equal(didYouMean('quantum', 1, vocabulary, stemDistance), null, 'nothing close');
  assert.equal(didYouMean('mixure', 3, [{ term: 'mixtur', docs: 30 }], stemDistance), null, 'only 10× as common');
  assert.equal(didYouMean('mixur', 1, [{ term: 'mixur', docs: 500 }], stemDistance), null, 'the same term');
});

test('the stem is shown as people write it, and replaced in the query', () => {
  assert.equal(surfaceForm('mixtur', ['A Mixture of Experts', 'mixtures of experts', 'Sparse mixture models']), 'mixture');
  assert.equal(surfaceForm('zzz', ['nothing here']), null);
  assert.equal(replaceWords('Mixure of experts', [['mixure', 'mixture']]), 'mixture of experts');
  assert.equal(replaceWords('mixures mixure', [['mixure', 'mixture']]), 'mixures mixture', 'whole words only');
});
