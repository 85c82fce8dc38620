import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collapseWhitespace, splitAuthorString, splitCategories, texAccentsToUnicode, toIsoTimestamp } from '../../src/importers/text.ts';

test('author strings: commas, "and", affiliations in parentheses', () => {
  assert.deepEqual(
    splitAuthorString('Robert H. Brandenberger (McGill), Keshav Dasgupta (McGill) and\n  Anne-Christine Davis (DAMTP, Cambridge)'),
    [
      { name: 'Robert H. Brandenberger', affiliation: 'McGill' },
      { name: 'Keshav Dasgupta', affiliation: 'McGill' },
      { name: 'Anne-Christine Davis', affiliation: 'DAMTP, Cambridge' },
    ],
  );
  assert.deepEqual(splitAuthorString('A. One, B. Two, et al.'), [{ name: 'A. One' }, { name: 'B. Two' }]);
  assert.deepEqual(splitAuthorString('Naoum C. Bacalis'), [{ name: 'Naoum C. Bacalis' }]);
  assert.deepEqual(splitAuthorString('Alexander Andersen'), [{ name: 'Alexander Andersen' }], '"and" inside a name is not a separator');
});

test('TeX accents become Unicode', () => {
  assert.equal(texAccentsToUnicode("C. Bal\\'azs"), 'C. Balázs');
  assert.equal(texAccentsToUnicode('G\\"odel, \\c{C}etin, Erd\\H{o}s, \\v{S}arka, {\\o}ksendal'), 'Gödel, Çetin, Erdős, Šarka, øksendal');
  assert.equal(texAccentsToUnicode('$x^2$ no accents'), '$x^2$ no accents');
});

test('dates: ISO, bare dates and RFC 2822 all become ISO UTC', () => {
  assert.equal(toIsoTimestamp('Mon, 2 Apr 2007 19:18:42 GMT'), '2007-04-02T19:18:42.000Z');
  assert.equal(toIsoTimestamp('2007-04-30'), '2007-04-30T00:00:00.000Z');
  assert.equal(toIsoTimestamp('2024-03-11T11:46:12.000Z'), '2024-03-11T11:46:12.000Z');
  assert.equal(toIsoTimestamp('2021-03-25T00:00:00-04:00'), '2021-03-25T04:00:00.000Z');
  assert.equal(toIsoTimestamp('yesterday'), undefined);
  assert.equal(toIsoTimestamp(null), undefined);
});

test('categories and white space', () => {
  assert.deepEqual(splitCategories(' cs.CL  cs.AI cs.CL '), ['cs.CL', 'cs.AI']);
  assert.equal(collapseWhitespace('Warping and\n  Supersymmetry '), 'Warping and Supersymmetry');
});
