import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { mergeEntry, mergePaper } from '../../src/domain/merge.ts';
import type { PaperInput } from '../../src/domain/paper.ts';

const arxiv: PaperInput = {
  source: 'arxiv', id: '2401.01234', version: 2, title: 'Attention Is Enough', abstract: 'We show.',
  authors: [{ name: 'Ada Lovelace', affiliation: 'Analytical Engines' }], categories: ['cs.CL', 'cs.LG'],
  publishedAt: '2024-01-02T00:00:00.000Z', updatedAt: '2024-02-01T00:00:00.000Z', license: 'CC BY 4.0',
};
const hf: PaperInput = {
  source: 'hf', id: '2401.01234', title: 'Attention is enough', abstract: 'We show (HF copy).',
  authors: [{ name: 'Ada Lovelace' }], hfAuthors: [{ _id: 'a1', name: 'Ada Lovelace', hidden: false }],
  publishedAt: '2024-01-02T00:00:00.000Z', upvotes: 42, githubRepo: 'https://github.com/x/y', aiKeywords: ['attention'],
  organization: { name: 'lab' },
};

test('arXiv owns bibliographic fields, Hugging Face the community ones, whatever the order', () => {
  const a = mergePaper(mergePaper(undefined, arxiv), hf);
  const b = mergePaper(mergePaper(undefined, hf), arxiv);
  assert.deepEqual(a, b);
  assert.equal(a.title, 'Attention Is Enough');
  assert.equal(a.abstract, 'We show.');
  assert.deepEqual(a.categories, ['cs.CL', 'cs.LG']);
  assert.equal(a.upvotes, 42);
  assert.equal(a.githubRepo, 'https://github.com/x/y');
  assert.deepEqual(a.hfAuthors, hf.hfAuthors);
  assert.equal(a.organization, 'lab');
  assert.equal(a.metadataSource, 'arxiv');
  assert.equal(a.version, 2);
});

test('an older arXiv version does not roll a paper back, but fills gaps', () => {
  const v2 = mergePaper(undefined, arxiv);
  const v1 = mergePaper(v2, { source: 'arxiv', id: arxiv.id, version: 1, title: 'Old title', doi: '10.1/x' });
  assert.equal(v1.title, 'Attention Is Enough');
  assert.equal(v1.version, 2);
  assert.equal(v1.doi, '10.1/x');
  const v3 = mergePaper(v2, { source: 'arxiv', id: arxiv.id, version: 3, title: 'New title' });
  assert.equal(v3.title, 'New title');
  assert.equal(v3.abstract, 'We show.', 'a field the newer record does not give is kept');
});

test('a value not given never erases one stored, and upvotes never go down', () => {
  const p = mergePaper(mergePaper(undefined, hf), { source: 'hf', id: hf.id, title: hf.title, upvotes: 10 });
  assert.equal(p.upvotes, 42);
  assert.equal(p.githubRepo, 'https://github.com/x/y');
  assert.deepEqual(p.aiKeywords, ['attention']);
});

test('property: merging the same record again changes nothing', () => {
  const input = fc.record({
    source: fc.constantFrom('arxiv' as const, 'hf' as const),
    id: fc.constant('2401.01234'),
    title: fc.string({ minLength: 1 }),
    version: fc.option(fc.integer({ min: 1, max: 9 }), { nil: undefined }),
    abstract: fc.option(fc.string(), { nil: undefined }),
    upvotes: fc.option(fc.nat(), { nil: undefined }),
    doi: fc.option(fc.string(), { nil: undefined }),
    githubStars: fc.option(fc.nat(), { nil: undefined }),
  });
  fc.assert(
    fc.property(fc.array(input, { maxLength: 5 }), input, (before, last) => {
      const stored = [...before, last].reduce((p, r) => mergePaper(p, r), undefined as ReturnType<typeof mergePaper> | undefined);
      assert.deepEqual(mergePaper(stored, last), stored);
    }),
  );
});

test('entries: given fields replace, absent ones are kept', () => {
  const e1 = mergeEntry(undefined, { paperId: 'x', day: '2024-01-02', numComments: 3, mediaUrls: ['a.png'] });
  const e2 = mergeEntry(e1, { paperId: 'x', day: '2024-01-02', numComments: 5 });
  assert.equal(e2.numComments, 5);
  assert.deepEqual(e2.mediaUrls, ['a.png']);
});

test('the later Hugging Face capture owns the community fields, whatever the order', () => {
  const early: PaperInput = { source: 'hf', id: '2604.07429', title: 'T', projectPage: 'https://old.example', upvotes: 2, observedOn: '2026-04-10' };
  const late: PaperInput = { source: 'hf', id: '2604.07429', title: 'T', projectPage: 'https://new.example', githubStars: 2, upvotes: 42, observedOn: '2026-04-16' };
  const a = mergePaper(mergePaper(undefined, early), late);
  const b = mergePaper(mergePaper(undefined, late), early);
  assert.deepEqual(a, b);
  assert.equal(a.projectPage, 'https://new.example');
  assert.equal(a.upvotes, 42);
  assert.equal(a.hfObservedOn, '2026-04-16');
});
