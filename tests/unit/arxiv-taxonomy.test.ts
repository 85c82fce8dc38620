import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ARXIV_CATEGORY } from '../../src/domain/arxiv-id.ts';
import { ARXIV_TAXONOMY, categoryName } from '../../src/domain/arxiv-taxonomy.ts';

test('categories have their arXiv names; unknown ones have none', () => {
  assert.equal(categoryName('cs.CL'), 'Computation and Language');
  assert.equal(categoryName('hep-th'), 'High Energy Physics - Theory');
  assert.equal(categoryName('cond-mat.str-el'), 'Strongly Correlated Electrons');
  assert.equal(categoryName('cs.XX'), null);
  assert.equal(categoryName('cs.cl'), null, 'ids are case-sensitive, as arXiv writes them');
});

test('every id in the taxonomy is a well-formed category, listed once', () => {
  const ids = ARXIV_TAXONOMY.flatMap((g) => g.categories.map((c) => c.id));
  assert.ok(ids.length > 150, `${ids.length} categories`);
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids) assert.match(id, ARXIV_CATEGORY, id);
});
