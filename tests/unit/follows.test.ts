/** Following, the pure rules: stored values, keyword matching, and which searches are followable. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { authorKey, describeChannel, keywordMatcher, normalizeFollowValue } from '../../src/domain/follows.ts';
import { followableQuery } from '../../src/http/follow-control.ts';

test('values are stored normalized, bad ones refused with a message', () => {
  assert.deepEqual(normalizeFollowValue('author', '  Ada   LOVELACE '), { ok: true, value: 'ada lovelace' });
  assert.deepEqual(normalizeFollowValue('keyword', 'Diffusion Models'), { ok: true, value: 'diffusion models' });
  assert.deepEqual(normalizeFollowValue('category', 'cs.CL'), { ok: true, value: 'cs.CL' });
  assert.deepEqual(normalizeFollowValue('category', 'hep-th'), { ok: true, value: 'hep-th' });
  assert.equal(normalizeFollowValue('category', 'cs CL; drop').ok, false);
  assert.equal(normalizeFollowValue('keyword', 'ai').ok, false);
  assert.equal(normalizeFollowValue('author', '   ').ok, false);
  assert.equal(normalizeFollowValue('author', 'x'.repeat(201)).ok, false);
  assert.equal(normalizeFollowValue('saved_search', '0').ok, false);
  assert.deepEqual(normalizeFollowValue('saved_search', '12'), { ok: true, value: '12' });
  assert.equal(authorKey('Ada\u00a0 Lovelace'), 'ada lovelace');
});

test('a keyword matches whole words from their start, ignoring case', () => {
  const graph = keywordMatcher('graph');
  assert.equal(graph('Graph neural networks'), true);
  assert.equal(graph('on graphs'), true);
  assert.equal(graph('a paragraph'), false);
  const phrase = keywordMatcher('diffusion models');
  assert.equal(phrase('Latent Diffusion\nModels for video'), true);
  assert.equal(phrase('diffusion of models'), false);
  assert.equal(keywordMatcher('c++ (templates)')('using C++ (templates) here'), true, 'regex characters are literal');
});

test('describing a channel uses the paper’s spelling of an author', () => {
  assert.equal(describeChannel({ kind: 'author', value: 'ada lovelace' }, ['Ada Lovelace']), 'by Ada Lovelace');
  assert.equal(describeChannel({ kind: 'category', value: 'cs.CL' }), 'in cs.CL');
  assert.equal(describeChannel({ kind: 'keyword', value: 'rag' }), 'matching “rag”');
});

test('an author search follows the author, plain words a keyword, anything else nothing', () => {
  assert.deepEqual(followableQuery('author:"Ada Lovelace"'), { kind: 'author', value: 'Ada Lovelace' });
  assert.deepEqual(followableQuery('author:Lovelace'), { kind: 'author', value: 'Lovelace' });
  assert.deepEqual(followableQuery('diffusion models'), { kind: 'keyword', value: 'diffusion models' });
  assert.deepEqual(followableQuery('"state space models"'), { kind: 'keyword', value: 'state space models' });
  assert.equal(followableQuery('diffusion -video'), null);
  assert.equal(followableQuery('cat:cs.CL diffusion'), null);
  assert.equal(followableQuery('a OR b OR c'), null);
  assert.equal(followableQuery(''), null);
});
