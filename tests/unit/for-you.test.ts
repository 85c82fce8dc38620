import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explain, percentiles, rankForYou, type Candidate, type Signal } from '../../src/domain/for-you.ts';

const v = (...xs: number[]) => Float32Array.from(xs);
const cand = (id: string, text: string, vector: Float32Array | null, heat = 0, categories = ['cs.LG']): Candidate => ({
  paperId: id, title: text.split('.')[0]!, text, categories, authors: ['Ada Lovelace'], organization: null, keywords: [], vector, heat,
});
const sig = (id: string, kind: Signal['kind'], text: string, vector: Float32Array | null): Signal => ({ paperId: id, kind, title: text.split('.')[0]!, text, vector });

const pool = [
  cand('d1', 'Video diffusion models. We train diffusion models for video generation.', v(1, 0, 0), 1),
  cand('d2', 'Faster video diffusion. Diffusion sampling for video at scale.', v(0.9, 0.1, 0), 2),
  cand('r1', 'Robot grasping policies. Reinforcement learning for robot grasping.', v(0, 1, 0), 5),
  cand('q1', 'Quantum error correction. Surface codes and decoders.', v(0, 0, 1), 9, ['quant-ph']),
];

test('with no signal the order is the community heat', () => {
  const r = rankForYou({ candidates: pool, signals: [], followed: [], heat: 0 });
  assert.deepEqual(r.map((x) => x.paperId), ['q1', 'r1', 'd2', 'd1']);
  assert.equal(r[0]!.why.trendingIn, 'quant-ph');
});

test('a saved paper brings similar papers first and says why', () => {
  const signals = [sig('s1', 'saved', 'Image diffusion models. Diffusion for image generation and video.', v(1, 0.05, 0))];
  const r = rankForYou({ candidates: pool, signals, followed: [], heat: 0 });
  assert.deepEqual(r.slice(0, 2).map((x) => x.paperId).sort(), ['d1', 'd2']);
  assert.equal(r[0]!.why.because?.paperId, 's1');
  assert.equal(r[0]!.why.because?.kind, 'saved');
  assert.ok(r[0]!.why.matches.includes('diffusion'), `matches: ${r[0]!.why.matches.join(', ')}`);
  assert.match(explain(r[0]!.why).join(' · '), /^because you saved “Image diffusion models” · matches: .*diffusion/);
  // Far from the signal: no "because".
  assert.equal(r.find((x) => x.paperId === 'q1')!.why.because, undefined);
});

test('the slider moves the blend from relevance to heat', () => {
  const signals = [sig('s1', 'upvote', 'Video diffusion. Diffusion video.', v(1, 0, 0))];
  const personal = rankForYou({ candidates: pool, signals, followed: [], heat: 0 }).map((x) => x.paperId);
  const hot = rankForYou({ candidates: pool, signals, followed: [], heat: 100 }).map((x) => x.paperId);
  assert.equal(personal[0]!.startsWith('d'), true);
  assert.deepEqual(hot, ['q1', 'r1', 'd2', 'd1']);
});

test('not interested removes the paper and lowers similar ones; more like this raises them', () => {
  const base = [sig('s1', 'upvote', 'Video diffusion and robot policies. Diffusion robot.', v(0.7, 0.7, 0))];
  const before = rankForYou({ candidates: pool, signals: base, followed: [], heat: 0 });
  const rankOf = (r: typeof before, id: string) => r.findIndex((x) => x.paperId === id);
  const less = rankForYou({ candidates: pool, signals: [...base, sig('d1', 'less', pool[0]!.text, pool[0]!.vector!)], followed: [], heat: 0 });
  assert.equal(rankOf(less, 'd1'), -1, 'the paper itself is gone');
  assert.ok(less.find((x) => x.paperId === 'd2')!.relevance < before.find((x) => x.paperId === 'd2')!.relevance, 'its neighbour drops');
  assert.ok(rankOf(less, 'd2') > rankOf(less, 'r1'));
  assert.equal(rankOf(before, 'r1'), 0);
  const more = rankForYou({ candidates: pool, signals: [...base, sig('d2', 'more', pool[1]!.text, pool[1]!.vector!)], followed: [], heat: 0 });
  assert.equal(rankOf(more, 'd2'), -1, 'a paper with feedback is not shown again');
  assert.ok(more.find((x) => x.paperId === 'd1')!.relevance > before.find((x) => x.paperId === 'd1')!.relevance, 'its neighbour rises');
  assert.equal(rankOf(more, 'd1'), 0);
});

test('followed topics favour matching papers and are named', () => {
  const r = rankForYou({ candidates: pool, signals: [], followed: [{ kind: 'category', value: 'cs.LG' }, { kind: 'keyword', value: 'grasping' }], heat: 0 });
  assert.equal(r[0]!.paperId, 'r1');
  assert.deepEqual(r[0]!.why.followed.map((f) => f.value), ['cs.LG', 'grasping']);
  assert.equal(r.at(-1)!.paperId, 'q1');
});

test('without embeddings the words alone rank', () => {
  const noVectors = pool.map((c) => ({ ...c, vector: null }));
  const r = rankForYou({ candidates: noVectors, signals: [sig('s1', 'seed', 'Quantum codes. Surface codes decoders.', null)], followed: [], heat: 0 });
  assert.equal(r[0]!.paperId, 'q1');
  assert.match(explain(r[0]!.why).join(' · '), /matches: .*codes/);
});

test('percentiles share ranks on ties', () => {
  assert.deepEqual(percentiles([3, 1, 3, 2]), [2 / 3, 0, 2 / 3, 1 / 3]);
  assert.deepEqual(percentiles([5]), [1]);
});
