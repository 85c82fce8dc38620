import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { safeNext } from '../../src/http/context.ts';

test('safeNext keeps paths of this site', () => {
  for (const p of ['/', '/papers/trending', '/papers/search?q=a%20b&mode=keyword', '/papers/2511.01678#discussion', '/setup?token=abc_-DEF']) {
    assert.equal(safeNext(p), p);
  }
});

test('safeNext turns anything else into /: other sites, control characters, backslashes, encoded tricks', () => {
  const hostile = [
    undefined, '', 'papers', 'https://evil.example', '//evil.example', '///evil', '/\\evil', '/\\\\evil', '\\/evil',
    '/\u0000x', '/\r\nSet-Cookie: x=y', '/\tx', '/ x', '/\u007fx', '/é', '/\u2028x',
    '/%2F%2Fevil', '/%2fevil', '/%5Cevil', '/%5cevil', '/%00x', '/%0d%0aSet-Cookie:x', '/x%0a', '/%E0%A4%A', '/'.padEnd(600, 'a'),
  ];
  for (const p of hostile) assert.equal(safeNext(p), '/', JSON.stringify(p));
});

test('whatever it is given, safeNext answers a same-site path that is a valid Location header', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.string().map((s) => `/${s}`), fc.webPath(), fc.string().map((s) => `/${encodeURIComponent(s)}`)), (input) => {
      const out = safeNext(input);
      assert.ok(out === '/' || out === input);
      assert.match(out, /^\/[\x21-\x7e]*$/);
      const decoded = decodeURIComponent(out);
      assert.doesNotMatch(decoded, /^\/[/\\]|[\x00-\x1f\x7f]/);
      new Headers({ location: out }); // throws on an invalid header value
    }),
    { numRuns: 2000 },
  );
});
