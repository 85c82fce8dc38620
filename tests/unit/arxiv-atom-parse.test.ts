import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { looksLikeArxivAtom, parseArxivAtom } from '../../src/importers/arxiv-atom/parse.ts';
import { ImportError, UpstreamError } from '../../src/importers/errors.ts';

const fixtures = path.resolve(import.meta.dirname, '../fixtures/arxiv-atom');
const fixture = (name: string) => readFileSync(path.join(fixtures, name), 'utf8');

test('legacy feed: per-element namespaces, old-style id, affiliations, category order', () => {
  const page = parseArxivAtom(fixture('legacy-feed.xml'));
  assert.equal(page.totalResults, 2);
  assert.equal(page.startIndex, 0);
  assert.equal(page.itemsPerPage, 10);
  assert.equal(page.records.length, 2);

  assert.deepEqual(page.records[0]!.paper, {
    source: 'arxiv',
    id: 'hep-th/9901001',
    version: 2,
    title: 'Branes at Angles and Black Holes in Four Dimensions',
    abstract: 'We study branes at angles.\nThe black hole entropy is computed & compared.',
    authors: [
      { name: 'Jean-Sébastien Sereni', affiliation: 'Princeton University; IAS' },
      { name: 'H1 Collaboration' },
    ],
    // primary_category first even though the <category> list has it second
    categories: ['hep-th', 'gr-qc'],
    publishedAt: '1999-01-04T16:00:01.000Z',
    updatedAt: '1999-03-15T15:12:44.000Z', // -05:00 offset normalized to UTC
    doi: '10.1088/1126-6708/1999/01/001',
    comments: '23 pages, 8 figures; v2: typos corrected',
    journalRef: 'JHEP 9901:001,1999',
  });
  assert.deepEqual(page.records[1]!.paper, {
    source: 'arxiv',
    id: '0705.1234',
    version: 1,
    title: 'Gamma rays from the Galactic Centre',
    abstract: 'Short abstract.',
    authors: [{ name: 'D. Horns' }],
    categories: ['astro-ph'],
    publishedAt: '2007-05-09T14:30:00.000Z',
    updatedAt: '2007-05-09T14:30:00.000Z',
  });
});

test('2025 feed: default namespace, arxiv: prefixes, different element order', () => {
  const page = parseArxivAtom(fixture('feed-2025.xml'));
  assert.equal(page.totalResults, 175141);
  assert.equal(page.startIndex, 20);
  assert.equal(page.itemsPerPage, 3);
  assert.deepEqual(
    page.records.map((r) => [r.paper.id, r.paper.version]),
    [
      ['2102.03929', 3],
      ['cond-mat/0107042', 1],
      ['1711.09828', 1],
    ],
  );

  const [a, b, c] = page.records.map((r) => r.paper);
  assert.equal(a!.title, 'A flexible 300 mm integrated Si MOS platform for electron- and hole-spin qubits exploration');
  assert.equal(a!.abstract, 'We present a 300 mm platform.\nSpin qubits are characterised (T<1 K).');
  assert.deepEqual(a!.authors, [
    { name: 'R. Li', affiliation: 'imec; KU Leuven' },
    { name: 'N. I. Dumoulin Stuyck' },
  ]);
  assert.deepEqual(a!.categories, ['cond-mat.mes-hall', 'physics.app-ph', 'quant-ph']);
  assert.equal(a!.publishedAt, '2021-02-07T21:56:59.000Z');
  assert.equal(a!.updatedAt, '2021-06-07T09:12:00.000Z');
  assert.equal(a!.doi, '10.1109/IEDM13553.2020.9371956');
  assert.equal(a!.comments, 'IEDM 2020, December 12-18, 2020');
  assert.equal(a!.journalRef, '2020 IEEE International Electron Devices Meeting (IEDM 2020), 38.3.1-38.3.4');

  assert.equal(
    b!.title,
    'From Mott insulator to overdoped superconductor: Evolution of the electronic structure of cuprates studied by ARPES',
  );
  assert.deepEqual(b!.categories, ['cond-mat.supr-con', 'cond-mat.str-el']);
  assert.deepEqual(b!.authors, [
    { name: 'A. Damascelli', affiliation: 'Stanford University' },
    { name: 'Z. -X. Shen', affiliation: 'Stanford University' },
  ]);

  // An entry with none of the optional arxiv: elements
  assert.deepEqual(Object.keys(c!).sort(), [
    'abstract', 'authors', 'categories', 'id', 'publishedAt', 'source', 'title', 'updatedAt', 'version',
  ]);
});

test('https entry ids are accepted too', () => {
  const xml = fixture('feed-2025.xml').replaceAll('<id>http://arxiv.org/abs/', '<id>https://arxiv.org/abs/');
  assert.deepEqual(
    parseArxivAtom(xml).records.map((r) => r.paper.id),
    ['2102.03929', 'cond-mat/0107042', '1711.09828'],
  );
});

test('a feed without entries is an empty page', () => {
  assert.deepEqual(parseArxivAtom(fixture('empty-feed.xml')), {
    records: [],
    totalResults: 0,
    startIndex: 0,
    itemsPerPage: 10,
  });
});

test('the error feed throws UpstreamError', () => {
  assert.throws(
    () => parseArxivAtom(fixture('error-feed.xml')),
    (e: unknown) => {
      assert.ok(e instanceof UpstreamError);
      assert.equal(e.service, 'arXiv API');
      assert.equal(e.code, 'incorrect_id_format_for_0713.12345');
      assert.equal(e.message, 'arXiv API error incorrect_id_format_for_0713.12345: incorrect id format for 0713.12345');
      return true;
    },
  );
});

test('bad input throws ImportError with a position', () => {
  const xml = fixture('feed-2025.xml');
  const rejects = (input: string, pattern: RegExp) =>
    assert.throws(
      () => parseArxivAtom(input),
      (e: unknown) => e instanceof ImportError && !(e instanceof UpstreamError) && pattern.test(e.message),
    );

  rejects('not xml at all', /not well-formed XML/);
  rejects(xml.slice(0, 1500), /^line \d+: not well-formed XML/); // truncated
  rejects('<?xml version="1.0"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"/>', /not an Atom feed/);
  rejects(
    xml.replace('<title>Electronic properties of graphene decorated with 3d adatoms</title>', '<title> </title>'),
    /^entry 3 \(1711\.09828\): entry has no title/,
  );
  rejects(xml.replace('<id>http://arxiv.org/abs/cond-mat/0107042v1</id>', ''), /^entry 2: entry has no id/);
  rejects(
    xml.replace('http://arxiv.org/abs/1711.09828v1</id>', 'http://example.org/abs/1711.09828v1</id>'),
    /^entry 3: not an arXiv abstract URL: "http:\/\/example\.org\/abs\/1711\.09828v1"/,
  );
});

test('looksLikeArxivAtom', () => {
  for (const name of ['legacy-feed.xml', 'feed-2025.xml', 'error-feed.xml', 'empty-feed.xml']) {
    assert.equal(looksLikeArxivAtom(fixture(name).slice(0, 1000)), true, name);
  }
  assert.equal(looksLikeArxivAtom('<?xml version="1.0"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'), false);
  assert.equal(
    looksLikeArxivAtom('<feed xmlns="http://www.w3.org/2005/Atom"><title>Someone else’s blog</title>'),
    false,
  );
});

// The real feeds in the shared data directory, when it is there (it is not part of the repo).
const repoRoot = path.resolve(import.meta.dirname, '../..');
const shared = path.resolve(repoRoot, '../shared/data/arxiv-atom');

test('real arXiv API feeds parse', { skip: !existsSync(shared) && `${shared} is absent` }, () => {
  const expected: Record<string, number> = {
    'arxiv_feed.xml': 1,
    'arxiv_real_feed.xml': 1,
    'query_all_electron_max10.xml': 10,
  };
  for (const name of readdirSync(shared).filter((n) => n.endsWith('.xml'))) {
    const xml = readFileSync(path.join(shared, name), 'utf8');
    assert.ok(looksLikeArxivAtom(xml), name);
    if (name === 'arxiv_error.xml') {
      assert.throws(() => parseArxivAtom(xml), { name: 'UpstreamError', code: 'incorrect_id_format_for_1234.12345' });
      continue;
    }
    const page = parseArxivAtom(xml);
    assert.equal(page.records.length, expected[name], name);
    for (const { paper } of page.records) {
      assert.ok(paper.id && paper.version && paper.title && paper.authors?.length, `${name}: ${paper.id}`);
      assert.equal(paper.categories?.[0] !== undefined, true, `${name}: ${paper.id}`);
    }
  }
  const page = parseArxivAtom(readFileSync(path.join(shared, 'query_all_electron_max10.xml'), 'utf8'));
  assert.equal(page.totalResults, 175141);
  assert.deepEqual(page.records[0]!.paper.categories, ['cond-mat.supr-con', 'cond-mat.str-el']);
});
