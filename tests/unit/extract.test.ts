import assert from 'node:assert/strict';
import { test } from 'node:test';
import { extract, extractKeywords, extractSummary, KEYWORD_COUNT, MAX_SENTENCES, SENTENCE_MAX_WORDS, splitSentences, SUMMARY_MAX_WORDS } from '../../src/domain/extract.ts';

// A real arXiv abstract (2506.08007, Reinforcement Pre-Training), as Hugging Face and arXiv give it: hard-wrapped.
const TITLE = 'Reinforcement Pre-Training';
const ABSTRACT = `In this work, we introduce Reinforcement Pre-Training (RPT) as a new scaling
paradigm for large language models and reinforcement learning (RL).
Specifically, we reframe next-token prediction as a reasoning task trained
using RL, where it receives verifiable rewards for correctly predicting the
next token for a given context. RPT offers a scalable method to leverage vast
amounts of text data for general-purpose RL, rather than relying on
domain-specific annotated answers. By incentivizing the capability of
next-token reasoning, RPT significantly improves the language modeling accuracy
of predicting the next tokens. Moreover, RPT provides a strong pre-trained
foundation for further reinforcement fine-tuning. The scaling curves show that
increased training compute consistently improves the next-token prediction
accuracy. The results position RPT as an effective and promising scaling
paradigm to advance language model pre-training.`;

const wordCount = (s: string) => s.split(/\s+/).filter(Boolean).length;

test('the summary is the sentence that states the contribution, without its discourse opener', () => {
  assert.equal(
    extractSummary(TITLE, ABSTRACT),
    'We introduce Reinforcement Pre-Training (RPT) as a new scaling paradigm for large language models and reinforcement learning (RL).',
  );
});

test('keywords are noun phrases of the abstract, acronyms included, about as many as Hugging Face gives', () => {
  const k = extractKeywords(TITLE, ABSTRACT);
  assert.equal(k.length, KEYWORD_COUNT);
  assert.equal(k[0], 'Reinforcement Pre-Training');
  for (const want of ['RPT', 'reinforcement learning', 'reinforcement fine-tuning', 'language modeling accuracy']) assert.ok(k.includes(want), `${want} in ${k.join(' | ')}`);
  // No stopwords or reporting verbs at a phrase's ends, no phrase inside another.
  for (const phrase of k) {
    assert.doesNotMatch(phrase, /^(the|a|of|we|and|improves|introduce)\b|\b(the|of|and|improves)$/i, phrase);
    for (const other of k) if (other !== phrase) assert.ok(!` ${other.toLowerCase()} `.includes(` ${phrase.toLowerCase()} `), `${phrase} inside ${other}`);
  }
  assert.equal(extractKeywords(TITLE, ABSTRACT, 3).length, 3);
});

test('the same input gives the same output, every time', () => {
  const a = extract(TITLE, ABSTRACT);
  for (let i = 0; i < 5; i++) assert.deepEqual(extract(TITLE, ABSTRACT), a);
});

test('TeX becomes plain text: no dollar signs or control words in what is shown', () => {
  const x = extract(
    '$\\delta$-mem: Efficient Memory',
    'We propose $\\delta$-mem, a memory with $O(n \\log n)$ cost and \\textbf{bounded} error over $\\mathbb{R}^n$. It is fast.',
  );
  // The three-word second sentence says too little to be added.
  assert.equal(x.summary, 'We propose δ-mem, a memory with O(n log n) cost and bounded error over ℝⁿ.');
  for (const k of x.keywords) assert.doesNotMatch(k, /[\\$]/, k);
  assert.ok(x.keywords.includes('δ-mem'), x.keywords.join(' | '));
});

test('empty, blank and one-sentence abstracts', () => {
  assert.deepEqual(extract('A title', null), { summary: null, keywords: [] });
  assert.deepEqual(extract('A title', ''), { summary: null, keywords: [] });
  assert.deepEqual(extract('A title', '   \n  '), { summary: null, keywords: [] });
  const one = extract('Graph Sparsifiers', 'We give a near-linear time algorithm for spectral graph sparsifiers');
  assert.equal(one.summary, 'We give a near-linear time algorithm for spectral graph sparsifiers');
  assert.ok(one.keywords.includes('spectral graph sparsifiers'), one.keywords.join(' | '));
  // Only stopwords and numbers: a summary (the text is all there is) but no keyword.
  assert.deepEqual(extract('x', 'It is 42.').keywords, []);
});

test('abbreviations and decimals do not end a sentence', () => {
  assert.deepEqual(splitSentences('We compare to GPT-4 (OpenAI et al. 2023), e.g. on 3.5 tasks. Results hold. Fig. 2 shows it.'), [
    'We compare to GPT-4 (OpenAI et al. 2023), e.g. on 3.5 tasks.', 'Results hold.', 'Fig. 2 shows it.',
  ]);
});

test('huge abstracts are bounded: the summary stays short and the work stays finite', () => {
  const sentence = (i: number) => `Sentence number ${i} studies graph neural network robustness under adversarial perturbation of edges`;
  const huge = Array.from({ length: 5000 }, (_, i) => sentence(i)).join('. ');
  assert.ok(splitSentences(huge).length <= MAX_SENTENCES);
  const x = extract('Robust graph neural networks', huge);
  assert.ok(x.summary && wordCount(x.summary) <= SUMMARY_MAX_WORDS + 1, x.summary ?? '');
  assert.ok(x.keywords.length <= KEYWORD_COUNT);
  // One endless sentence is cut at a clause boundary, marked with an ellipsis.
  const endless = `We propose ${Array.from({ length: 300 }, (_, i) => `method ${i}, which helps`).join(' and ')}`;
  const s = extractSummary('Methods', endless)!;
  assert.ok(wordCount(s) <= SENTENCE_MAX_WORDS && s.endsWith('…'), s);
});

test('a sentence that only points to code is not the summary', () => {
  const s = extractSummary('Fast Sorting', 'Code is available at https://github.com/x/y. We propose a fast sorting network for GPUs that halves latency.');
  assert.equal(s, 'We propose a fast sorting network for GPUs that halves latency.');
});
