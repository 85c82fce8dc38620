import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  commentBodyProblem, compareComments, EDIT_WINDOW_MINUTES, MAX_COMMENT_LENGTH, mentionsIn, normalizeCommentBody, orderThread,
  wilsonLowerBound, withinEditWindow, WILSON_Z,
} from '../../src/domain/comments.ts';
import { renderComment } from '../../src/http/views/markdown.ts';

const r6 = (x: number) => Math.round(x * 1e6) / 1e6;

test('Wilson lower bound: golden values (z = 1.2816, 80%)', () => {
  // Computed independently (Python, Evan Miller's formula); a change here is a change of ranking.
  const golden: [number, number, number][] = [
    [0, 0, 0], [1, 0, 0.378448], [2, 0, 0.549092], [5, 0, 0.752743], [10, 0, 0.858931], [100, 0, 0.983842],
    [1, 1, 0.164252], [5, 5, 0.312204], [9, 1, 0.717556], [90, 10, 0.854858], [0, 5, 0], [3, 7, 0.153799],
  ];
  for (const [ups, downs, want] of golden) assert.equal(r6(wilsonLowerBound(ups, downs)), want, `${ups} up, ${downs} down`);
  assert.equal(WILSON_Z, 1.281551565545);
});

test('Wilson lower bound: upvotes only is n / (n + z²); more votes at the same share rank higher; within [0, share]', () => {
  for (const n of [1, 3, 17, 250]) assert.ok(Math.abs(wilsonLowerBound(n) - n / (n + WILSON_Z ** 2)) < 1e-12);
  assert.ok(wilsonLowerBound(90, 10) > wilsonLowerBound(9, 1));
  assert.ok(wilsonLowerBound(2) > wilsonLowerBound(1));
  fc.assert(
    fc.property(fc.nat(10_000), fc.nat(10_000), (u, d) => {
      const w = wilsonLowerBound(u, d);
      assert.ok(w >= 0 && w <= (u + d === 0 ? 0 : u / (u + d)) + 1e-12);
      assert.ok(wilsonLowerBound(u + 1, d) >= w - 1e-12, 'an upvote never lowers it');
    }),
  );
});

const at = (min: number) => new Date(Date.UTC(2025, 10, 20, 12, min)).toISOString();

test('best: by Wilson score, ties to the older comment; new: newest first', () => {
  const a = { id: 1, parentId: null, createdAt: at(0), upvotes: 0 };
  const b = { id: 2, parentId: null, createdAt: at(1), upvotes: 3 };
  const c = { id: 3, parentId: null, createdAt: at(2), upvotes: 1 };
  const d = { id: 4, parentId: null, createdAt: at(3), upvotes: 0 };
  assert.deepEqual([d, c, b, a].sort(compareComments('best')).map((x) => x.id), [2, 3, 1, 4]);
  assert.deepEqual([a, b, c, d].sort(compareComments('new')).map((x) => x.id), [4, 3, 2, 1]);
});

test('a thread in reading order: replies follow their parent, siblings sorted, orphans at the top', () => {
  const items = [
    { id: 1, parentId: null, createdAt: at(0), upvotes: 0 },
    { id: 2, parentId: 1, createdAt: at(1), upvotes: 0 },
    { id: 3, parentId: null, createdAt: at(2), upvotes: 5 },
    { id: 4, parentId: 1, createdAt: at(3), upvotes: 2 },
    { id: 5, parentId: 4, createdAt: at(4), upvotes: 0 },
    { id: 6, parentId: 99, createdAt: at(5), upvotes: 0 },
  ];
  const best = orderThread(items, 'best').map((p) => `${p.item.id}@${p.depth}`);
  assert.deepEqual(best, ['3@0', '1@0', '4@1', '5@2', '2@1', '6@0']);
  const fresh = orderThread(items, 'new').map((p) => `${p.item.id}@${p.depth}`);
  assert.deepEqual(fresh, ['6@0', '3@0', '1@0', '4@1', '5@2', '2@1']);
  // A chain 20,000 deep does not overflow the stack.
  const chain = Array.from({ length: 20_000 }, (_, i) => ({ id: i + 1, parentId: i === 0 ? null : i, createdAt: at(0), upvotes: 0 }));
  const placed = orderThread(chain, 'best');
  assert.equal(placed.at(-1)!.depth, 19_999);
});

test('comment text rules: empty, too long, edit window, line endings', () => {
  assert.match(commentBodyProblem('')!, /cannot be empty/);
  assert.match(commentBodyProblem(' \n\t ')!, /cannot be empty/);
  assert.equal(commentBodyProblem('x'.repeat(MAX_COMMENT_LENGTH)), null);
  assert.match(commentBodyProblem('x'.repeat(MAX_COMMENT_LENGTH + 1))!, /at most 10,000 characters/);
  assert.equal(normalizeCommentBody('a\r\nb\rc  \n\n'), 'a\nb\nc');
  const t = new Date('2025-11-20T12:00:00.000Z');
  assert.equal(withinEditWindow(t.toISOString(), new Date(t.getTime() + (EDIT_WINDOW_MINUTES * 60 - 1) * 1000)), true);
  assert.equal(withinEditWindow(t.toISOString(), new Date(t.getTime() + EDIT_WINDOW_MINUTES * 60_000)), false);
});

test('mentions: usernames after @, not in addresses, each once, lowercase', () => {
  assert.deepEqual(mentionsIn('@ada thanks, cc @Bob-Smith and @ada; mail ada@example.org, @x, @no_underscore, (@carol)'), ['ada', 'bob-smith', 'carol']);
  assert.deepEqual(mentionsIn('@' + 'a'.repeat(33)), []);
});

test('Markdown: the safe subset', () => {
  const h = (s: string) => renderComment(s).html;
  assert.equal(h('**bold** *it* ~~gone~~'), '<p><strong>bold</strong> <em>it</em> <s>gone</s></p>\n');
  assert.equal(h('<script>alert(1)</script>'), '<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n');
  assert.equal(h('<img src=x onerror=alert(1)>'), '<p>&lt;img src=x onerror=alert(1)&gt;</p>\n');
  assert.equal(h('[x](https://example.org/?a=1&b=2)'), '<p><a href="https://example.org/?a=1&amp;b=2" rel="nofollow ugc noopener">x</a></p>\n');
  assert.equal(h('[m](mailto:ada@example.org)'), '<p><a href="mailto:ada@example.org" rel="nofollow ugc noopener">m</a></p>\n');
  for (const bad of ['javascript:alert(1)', 'JavaScript:alert(1)', 'vbscript:x', 'data:text/html;base64,PHNjcmlwdD4=', '/relative', 'ftp://example.org']) {
    assert.doesNotMatch(h(`[x](${bad})`), /<a /, bad);
  }
  assert.doesNotMatch(h('![alt](https://example.org/i.png)'), /<img/);
  assert.equal(h('# Not a heading'), '<p># Not a heading</p>\n');
  assert.equal(h('see https://example.org/x, not train.py'), '<p>see <a href="https://example.org/x" rel="nofollow ugc noopener">https://example.org/x</a>, not train.py</p>\n');
  assert.equal(h('`a <b>` and\n\n```py\nif a < b: pass\n```'), '<p><code>a &lt;b&gt;</code> and</p>\n<pre><code class="language-py">if a &lt; b: pass\n</code></pre>\n');
  assert.equal(h('one\ntwo'), '<p>one<br>\ntwo</p>\n');
});

test('Markdown: $math$ through the shared KaTeX call; prices and code stay text', () => {
  const h = (s: string) => renderComment(s).html;
  assert.match(h('energy $E = mc^2$ here'), /^<p>energy <span class="katex"><math xmlns="http:\/\/www.w3.org\/1998\/Math\/MathML"><semantics><mrow><mi>E<\/mi><mo>=<\/mo><mi>m<\/mi><msup><mi>c<\/mi><mn>2<\/mn><\/msup><\/mrow>.*<\/math><\/span> here<\/p>\n$/);
  assert.match(h('$a_1 * b_2$'), /<msub><mi>a<\/mi><mn>1<\/mn><\/msub>/, 'Markdown does not touch the TeX');
  assert.equal(h('$5 and $10'), '<p>$5 and $10</p>\n');
  assert.equal(h('`$x$`'), '<p><code>$x$</code></p>\n');
  assert.equal(h('\\$x\\$'), '<p>$x$</p>\n');
  assert.equal(h('bad $\\frac{$ tex'), '<p>bad $\\frac{$ tex</p>\n');
  assert.doesNotMatch(h('$\\href{javascript:alert(1)}{x}$'), /href=/);
});

test('Markdown: mentions are collected from text, not from code or links', () => {
  assert.deepEqual(renderComment('hi @ada, `@bob`, [@carol](https://example.org) and\n\n```\n@dave\n```\n@erin').mentions, ['ada', 'erin']);
});
