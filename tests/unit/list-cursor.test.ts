import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { comesBefore, CURSOR_MAX_LENGTH, CursorError, decodeCursor, encodeCursor, parseCursor } from '../../src/domain/list-cursor.ts';

test('a cursor round-trips the sort key of a row, new- and old-style ids, with and without a date', () => {
  for (const key of [
    { date: '2025-11-04T17:59:59.000Z', id: '2511.01678' },
    { date: '2007-04-02', id: '0704.0001' },
    { date: '1999-01-01T00:00:00Z', id: 'hep-th/9901001' },
    { date: '', id: 'supr-con/9609003' },
    { date: '2024-03-11 17:59:59+00:00', id: '2403.12345' },
  ]) {
    const c = encodeCursor(key);
    assert.match(c, /^[A-Za-z0-9_-]+$/, 'URL-safe, no padding');
    assert.ok(c.length <= CURSOR_MAX_LENGTH);
    assert.deepEqual(decodeCursor(c), key);
  }
});

test('the cursor is opaque: no date or id in plain sight', () => {
  const c = encodeCursor({ date: '2025-11-04', id: '2511.01678' });
  assert.doesNotMatch(c, /2511|2025-11/);
});

test('malformed cursors are refused with a message, never an exception of another kind', () => {
  const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64url');
  const cases: [string, RegExp][] = [
    ['', /empty/],
    ['x'.repeat(CURSOR_MAX_LENGTH + 1), /too long/],
    ['abc=', /malformed/],
    ['a+b/', /malformed/],
    ['a', /malformed/],
    ['%00', /malformed/],
    [b64('not json'), /malformed/],
    [b64('{"date":"2025-01-01","id":"2501.00001"}'), /position/],
    [b64('["2025-01-01"]'), /position/],
    [b64('["2025-01-01","2501.00001","x"]'), /position/],
    [b64('[20250101,"2501.00001"]'), /position/],
    [b64('["yesterday","2501.00001"]'), /date and a paper/],
    [b64('["2025-01-01","<script>"]'), /date and a paper/],
    [b64('["2025-01-01","../../etc/passwd"]'), /date and a paper/],
    [b64('["2025-01-01",""]'), /date and a paper/],
    [b64(`["2025-01-01","${'1'.repeat(80)}"]`), /date and a paper/],
    [b64('["2025-01-01\' or 1=1 --","2501.00001"]'), /date and a paper/],
  ];
  for (const [raw, message] of cases) {
    assert.throws(() => decodeCursor(raw), (e: unknown) => e instanceof CursorError && message.test(e.message), raw);
    const parsed = parseCursor(raw);
    assert.ok(parsed instanceof CursorError, raw);
  }
});

test('any string decodes to a valid key or a CursorError', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 300 }), (s) => {
      const r = parseCursor(s);
      if (!(r instanceof CursorError)) assert.deepEqual(decodeCursor(encodeCursor(r)), r);
    }),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => {
      const r = parseCursor(Buffer.from(bytes).toString('base64url'));
      assert.ok(r instanceof CursorError || typeof r.id === 'string');
    }),
  );
});

test('encoding refuses a key that no row has (a programming error)', () => {
  assert.throws(() => encodeCursor({ date: 'soon', id: '2501.00001' }));
  assert.throws(() => encodeCursor({ date: '2025-01-01', id: '' }));
});

test('order: newest date first, then id descending, papers without a date last', () => {
  const rows = [
    { date: '2025-01-02', id: '2501.00001' },
    { date: '2025-01-01', id: '2501.00009' },
    { date: '2025-01-01', id: '2501.00002' },
    { date: '', id: '2501.00005' },
  ];
  for (let i = 0; i < rows.length; i++) {
    for (let j = 0; j < rows.length; j++) assert.equal(comesBefore(rows[i]!, rows[j]!), i < j, `${i} ${j}`);
  }
});
