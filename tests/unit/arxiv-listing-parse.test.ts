import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { looksLikeArxivListing, parseListingLine } from '../../src/importers/arxiv-listing/parse.ts';
import { detectFormat } from '../../src/importers/formats.ts';

const text = readFileSync(new URL('../fixtures/arxiv-listing/listing.jsonl', import.meta.url), 'utf8');
const lines = text.trim().split('\n');

test('listing records: categories without ACM/MSC classes, authors, abstract, comment', () => {
  assert.equal(detectFormat(text), 'arxiv-listing');
  assert.ok(looksLikeArxivListing(text));
  const [a, b, c] = lines.map((l, i) => parseListingLine(l, i + 1).paper);
  assert.equal(a!.id, '2510.22115');
  assert.equal(a!.source, 'arxiv');
  assert.equal(a!.version, undefined, 'listings say nothing of versions');
  assert.equal(a!.title, 'Every Activation Boosted: Scaling General Reasoner to 1 Trillion Open Language Foundation');
  assert.deepEqual(a!.categories, ['cs.LG', 'cs.CL']);
  assert.equal(a!.comments, 'Ling 2.0 Technical Report');
  assert.deepEqual(b!.categories, ['cs.AI']);
  assert.equal(b!.comments, undefined);
  assert.deepEqual(b!.authors?.map((x) => x.name), ['Samuel Hildebrand', 'Curtis Taylor', 'James M Ghawaly Jr']);
  assert.deepEqual(c!.categories, ['cs.CV', 'cs.AI', 'cs.HC', 'cs.LG', 'stat.ML']);
});

test('bad lines say where and why', () => {
  assert.throws(() => parseListingLine('{"id": "2510.1"', 7), /^ImportError: line 7: invalid JSON/);
  assert.throws(() => parseListingLine('{"id": "nope", "title": "T", "categories": []}', 2), /line 2: "nope" is not an arXiv id/);
  assert.throws(() => parseListingLine('{"id": "2510.08945", "categories": []}', 3), /line 3: missing title/);
  assert.throws(() => parseListingLine('[1]', 4), /line 4: not a JSON object/);
});
