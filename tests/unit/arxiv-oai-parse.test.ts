import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { looksLikeOaiPmh, parseOaiPmh } from '../../src/importers/arxiv-oai/parse.ts';
import { ImportError, UpstreamError } from '../../src/importers/errors.ts';

const fixtures = path.resolve(import.meta.dirname, '../fixtures/arxiv-oai');
const fixture = (name: string) => readFileSync(path.join(fixtures, name), 'utf8');

test('ListRecords, metadataPrefix=arXiv: structured authors, dates, optional fields', () => {
  const page = parseOaiPmh(fixture('listrecords-arxiv.xml'));
  assert.equal(page.resumptionToken, '436115|8001');
  assert.equal(page.completeListSize, 846926);
  assert.deepEqual(page.deleted, ['0705.1240']);
  assert.equal(page.records.length, 2);

  const [first, second] = page.records.map((r) => r.paper);
  assert.deepEqual(first, {
    source: 'arxiv',
    id: '0705.1234',
    title: 'Gamma rays from the Galactic Centre: a "dark" matter interpretation & its limits',
    abstract:
      'We study the flux of gamma rays with energies E > 100 GeV from the\nGalactic Centre.\n  A dark matter interpretation is disfavoured at 95% CL.',
    authors: [
      { name: 'D. Horns', affiliation: 'Institute for Astronomy and Astrophysics, University of Tübingen, Germany' },
      { name: 'K. E. Gabanyi', affiliation: 'Hungarian Academy of Sciences; FOMI, Satellite Geodetic Observatory, Budapest, Hungary' },
      { name: 'Curtis G Callan Jr' },
      { name: 'The H.E.S.S. Collaboration' },
    ],
    categories: ['astro-ph', 'hep-ph'],
    publishedAt: '2007-05-09T00:00:00.000Z',
    updatedAt: '2008-02-14T00:00:00.000Z',
    comments: '12 pages, 4 figures; v2: references added, matches published version',
    reportNo: 'MPI-K-07-123',
    journalRef: 'Phys.Lett.B 660:1-5, 2008',
    doi: '10.1016/j.physletb.2007.12.001',
    license: 'http://arxiv.org/licenses/nonexclusive-distrib/1.0/',
  });
  // The header datestamp (2009-03-02) is used nowhere.
  assert.ok(!JSON.stringify(first).includes('2009-03-02'));

  // Old-style id; no <updated> means the source does not say; numeric character references decoded;
  // arXiv's own half-converted TeX (`S\lawianowski`) is left as it is.
  assert.equal(second!.id, 'hep-th/9901001');
  assert.equal(second!.version, undefined);
  assert.equal(second!.updatedAt, undefined);
  assert.equal(second!.publishedAt, '1999-01-04T00:00:00.000Z');
  assert.equal(second!.abstract, 'Short.');
  assert.deepEqual(second!.authors, [{ name: 'Jean-Sébastien René' }, { name: 'Jan S\\lawianowski' }]);
  assert.equal('doi' in second!, false, 'absent fields are left out, not undefined');
});

test('ListRecords, metadataPrefix=arXivRaw: author string, submitter, versions, last page', () => {
  const page = parseOaiPmh(fixture('listrecords-arxivraw.xml'));
  // <resumptionToken cursor=… completeListSize=…/> with no text: the list is complete.
  assert.equal('resumptionToken' in page, false);
  assert.equal(page.completeListSize, 907003);
  assert.deepEqual(page.deleted, ['0801.3690']);

  const [a, b] = page.records.map((r) => r.paper);
  assert.equal(a!.id, '0801.3674');
  assert.equal(a!.version, 3);
  assert.equal(a!.publishedAt, '2008-01-23T21:13:53.000Z'); // date of v1
  assert.equal(a!.updatedAt, '2008-09-11T22:03:53.000Z'); // date of v3
  assert.equal(a!.title, 'A Study of Structure Formation and Reheating in the D3/D7 Brane Inflation Model');
  assert.equal(a!.arxivSubmitter, 'Jesús Maíz Apellániz');
  assert.deepEqual(a!.authors, [
    { name: 'Robert H. Brandenberger', affiliation: 'McGill' },
    { name: 'J. Maíz Apellániz' },
    { name: 'Anne-Christine Davis', affiliation: 'DAMTP, Cambridge' },
  ]);
  assert.deepEqual(a!.categories, ['hep-th', 'astro-ph', 'gr-qc']);
  assert.equal(a!.comments, 'Some sections expanded. Final version to appear in Phys. Rev. D');
  assert.equal(a!.journalRef, 'Phys.Rev.D78:083502,2008');
  // arXiv lists an erratum's DOI after the paper's, space-separated; kept as given.
  assert.equal(a!.doi, '10.1103/PhysRevD.78.083502 10.1103/PhysRevD.78.089901');
  assert.equal(a!.abstract, 'We study the spectrum of cosmological fluctuations in the D3/D7 brane\ninflationary universe.');

  assert.equal(b!.id, 'math/0309136');
  assert.equal(b!.version, 1);
  assert.equal(b!.publishedAt, '2003-09-08T17:20:11.000Z');
  assert.equal(b!.updatedAt, '2003-09-08T17:20:11.000Z');
  assert.equal(b!.arxivSubmitter, 'V. Nefer Şenoğuz');
  assert.deepEqual(b!.authors, [{ name: 'V. Nefer Şenoğuz' }, { name: 'G. Rauw' }, { name: 'E.Gosset' }]);
  assert.deepEqual(b!.categories, ['math.GT', 'math.QA']);
  assert.equal(b!.reportNo, 'IMB-2003-17');
});

test('GetRecord, metadataPrefix=arXivRaw', () => {
  const page = parseOaiPmh(fixture('getrecord-arxivraw.xml'));
  assert.deepEqual(page.deleted, []);
  assert.equal(page.resumptionToken, undefined);
  assert.equal(page.completeListSize, undefined);
  assert.deepEqual(page.records, [
    {
      paper: {
        source: 'arxiv',
        id: '1302.2146',
        version: 2,
        title: 'The Same-Sign Dilepton Signature of RPV/MFV SUSY',
        abstract:
          'The lack of observation of superpartners at the LHC so far\nhas led to a renewed interest in models with R-parity violation (RPV).',
        authors: [
          { name: 'Joshua Berger' },
          { name: 'Maxim Perelstein' },
          { name: 'Michael Saelim' },
          { name: 'Philip Tanedo' },
        ],
        categories: ['hep-ph', 'hep-ex'],
        comments: '18 pages, 6 figures; v2: References added',
        license: 'http://arxiv.org/licenses/nonexclusive-distrib/1.0/',
        arxivSubmitter: 'Michael Saelim',
        publishedAt: '2013-02-08T21:00:01.000Z',
        updatedAt: '2013-04-02T01:50:08.000Z',
      },
    },
  ]);
});

test('OAI-PMH error responses throw UpstreamError with code and message', () => {
  const cases: [string, string][] = [
    ['badArgument', "Verb 'GetRecord', illegal argument 'from'."],
    ['badResumptionToken', 'The resumptionToken supplied is illegal for this repository'],
    ['badVerb', "Bad verb. Verb 'ListRecord' not implemented."],
    [
      'idDoesNotExist',
      "Identifier 'oai:arXiv.org:0713.0001' has correct form but does not correspond to an item in this repository",
    ],
  ];
  for (const [code, message] of cases) {
    assert.throws(
      () => parseOaiPmh(fixture(`error-${code}.xml`)),
      (e: unknown) => {
        assert.ok(e instanceof UpstreamError);
        assert.equal(e.service, 'arXiv OAI-PMH');
        assert.equal(e.code, code);
        assert.equal(e.message, `arXiv OAI-PMH error ${code}: ${message}`);
        return true;
      },
    );
  }
});

test('noRecordsMatch is an empty page, not an error', () => {
  assert.deepEqual(parseOaiPmh(fixture('error-noRecordsMatch.xml')), { records: [], deleted: [] });
});

test('bad input throws ImportError with a position', () => {
  const xml = fixture('listrecords-arxivraw.xml');
  const rejects = (input: string, pattern: RegExp) =>
    assert.throws(
      () => parseOaiPmh(input),
      (e: unknown) => e instanceof ImportError && !(e instanceof UpstreamError) && pattern.test(e.message),
    );

  rejects('this is not XML', /not well-formed XML/);
  rejects('{"records": []}', /not well-formed XML/);
  rejects(xml.slice(0, 2000), /^line \d+: not well-formed XML/); // a truncated page
  rejects('<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"></feed>', /not an OAI-PMH response/);
  rejects(xml.replace('<title>Knot invariants and 3-manifolds</title>', ''), /^record 2 \(math\/0309136\): record has no title/);
  rejects(xml.replace('<id>math/0309136</id>', ''), /^record 2: record has no id/);
  rejects(xml.replace('<id>math/0309136</id>', '<id>not-an-id</id>'), /^record 2: not an arXiv id: "not-an-id"/);
  rejects(xml.replace('oai:arXiv.org:0801.3690', 'oai:arXiv.org:junk'), /^record 3: not an arXiv id: "junk"/);
  rejects(
    xml.replace(/<arXivRaw [\s\S]*?<\/arXivRaw>/, '<dc>Dublin Core</dc>'),
    /^record 1: no arXiv or arXivRaw metadata \(found: dc\)/,
  );
});

test('looksLikeOaiPmh', () => {
  assert.equal(looksLikeOaiPmh(fixture('listrecords-arxiv.xml').slice(0, 500)), true);
  assert.equal(looksLikeOaiPmh(fixture('error-badVerb.xml')), true); // no XML declaration
  assert.equal(looksLikeOaiPmh('<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">'), false);
  assert.equal(looksLikeOaiPmh('[{"paper": {}}]'), false);
});

// The real responses in the shared data directory, when it is there (it is not part of the repo).
const repoRoot = path.resolve(import.meta.dirname, '../..');
const shared = path.resolve(repoRoot, '../shared/data/arxiv-oai');

test('real OAI-PMH responses parse', { skip: !existsSync(shared) && `${shared} is absent` }, () => {
  for (const name of ['listrecords-arXiv-a.xml', 'listrecords-arXiv-b.xml', 'listrecords-arXivRaw.xml']) {
    const page = parseOaiPmh(readFileSync(path.join(shared, name), 'utf8'));
    assert.equal(page.records.length, 1000, name);
    assert.ok(page.resumptionToken, name);
    assert.ok(page.completeListSize! > 800_000, name);
    for (const { paper } of page.records) {
      assert.ok(paper.id && paper.title && paper.authors?.length && paper.publishedAt, `${name}: ${paper.id}`);
    }
  }
  const small = path.join(shared, 'small');
  for (const name of readdirSync(small).filter((n) => n.endsWith('.xml'))) {
    const xml = readFileSync(path.join(small, name), 'utf8');
    if (name.startsWith('ErrorResponse')) {
      if (name.includes('NoRecordsMatch')) assert.deepEqual(parseOaiPmh(xml), { records: [], deleted: [] });
      else assert.throws(() => parseOaiPmh(xml), UpstreamError, name);
      continue;
    }
    const page = parseOaiPmh(xml);
    assert.ok(page.records.length > 0, name);
    for (const { paper } of page.records) {
      assert.ok(paper.id && paper.title && paper.publishedAt, `${name}: ${paper.id}`);
    }
  }
});
