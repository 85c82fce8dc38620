import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseArxivId, parseArxivReference } from '../../src/domain/arxiv-id.ts';

test('new-style ids, with and without version', () => {
  assert.deepEqual(parseArxivId('2401.01234'), { id: '2401.01234' });
  assert.deepEqual(parseArxivId('2401.01234v3'), { id: '2401.01234', version: 3 });
  assert.deepEqual(parseArxivId('0704.0001'), { id: '0704.0001' });
  assert.deepEqual(parseArxivId('arXiv:1501.00001v12'), { id: '1501.00001', version: 12 });
});

test('old-style ids keep the archive and drop the subject class', () => {
  assert.deepEqual(parseArxivId('hep-th/9901001'), { id: 'hep-th/9901001' });
  assert.deepEqual(parseArxivId('supr-con/9609003v1'), { id: 'supr-con/9609003', version: 1 });
  assert.deepEqual(parseArxivId('math.GT/0309136'), { id: 'math/0309136' });
});

test('things that are not arXiv ids', () => {
  for (const s of ['', 'hello', '2413.01234', '2401.123', '2401.123456', 'hep-th/990100', '../etc/passwd', '2401.01234v', 'HEP-TH/9901001']) {
    assert.equal(parseArxivId(s), null, s);
  }
});

test('references: abs, pdf and Hugging Face URLs', () => {
  assert.deepEqual(parseArxivReference('https://arxiv.org/abs/2401.01234v2'), { id: '2401.01234', version: 2 });
  assert.deepEqual(parseArxivReference('http://arxiv.org/pdf/hep-th/9901001v1.pdf'), { id: 'hep-th/9901001', version: 1 });
  assert.deepEqual(parseArxivReference('https://arxiv.org/pdf/2401.01234'), { id: '2401.01234' });
  assert.deepEqual(parseArxivReference('https://huggingface.co/papers/2401.01234'), { id: '2401.01234' });
  // Pasted without a scheme (issue 14): arXiv's and Hugging Face's addresses only.
  assert.deepEqual(parseArxivReference('arxiv.org/abs/2401.01234v2'), { id: '2401.01234', version: 2 });
  assert.deepEqual(parseArxivReference('www.arxiv.org/pdf/2401.01234.pdf'), { id: '2401.01234' });
  assert.deepEqual(parseArxivReference('hf.co/papers/2401.01234'), { id: '2401.01234' });
  assert.deepEqual(parseArxivReference('huggingface.co/papers/2401.01234'), { id: '2401.01234' });
  assert.equal(parseArxivReference('example.org/abs/2401.01234'), null);
  assert.equal(parseArxivReference('https://example.com/abs/nope'), null);
  assert.equal(parseArxivReference('not a url'), null);
});
