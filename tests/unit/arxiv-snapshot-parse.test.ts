import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { looksLikeSnapshot, parseSnapshotLine } from '../../src/importers/arxiv-snapshot/parse.ts';
import { ImportError } from '../../src/importers/errors.ts';
import type { PaperInput } from '../../src/domain/paper.ts';

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');
const lines = (text: string): string[] => text.split('\n').filter((l) => l.trim() !== '');
const papers: PaperInput[] = lines(fixture('arxiv-snapshot/snapshot.jsonl')).map((l, i) => {
  const rec = parseSnapshotLine(l, i + 1);
  assert.equal(rec.entry, undefined, 'the snapshot says nothing about daily lists');
  return rec.paper;
});
const byId = (id: string): PaperInput => papers.find((p) => p.id === id) ?? assert.fail(`no ${id}`);

test('a full record: versions, dates, TeX accents, null license', () => {
  assert.equal(papers.length, 6);
  assert.deepEqual(byId('0704.0001'), {
    source: 'arxiv',
    id: '0704.0001',
    version: 2,
    title: 'Calculation of prompt diphoton production cross sections at Tevatron and LHC energies',
    abstract:
      'A fully differential calculation in perturbative quantum chromodynamics is\npresented for the production of massive photon pairs at hadron colliders.',
    authors: [{ name: 'C. Balázs' }, { name: 'E. L. Berger' }, { name: 'P. M. Nadolsky' }, { name: 'C.-P. Yuan' }],
    categories: ['hep-ph'],
    publishedAt: '2007-04-02T19:18:42.000Z',
    updatedAt: '2007-07-24T20:10:27.000Z',
    comments: '37 pages, 15 figures; published version',
    journalRef: 'Phys.Rev.D76:013009,2007',
    doi: '10.1103/PhysRevD.76.013009',
    reportNo: 'ANL-HEP-PR-07-12',
    arxivSubmitter: 'Pavel Nadolsky',
  });
  assert.ok(!('license' in byId('0704.0001')), 'null license is left out, not null');
});

test('old-style ids, affiliations from authors_parsed, one version', () => {
  const p = byId('supr-con/9609003');
  assert.deepEqual(p.authors, [{ name: 'Yasumasa Hasegawa', affiliation: 'Himeji Institute of Technology' }]);
  assert.deepEqual(p.categories, ['supr-con', 'cond-mat.supr-con']);
  assert.equal(p.version, 1);
  assert.equal(p.publishedAt, '1996-09-18T07:57:30.000Z');
  assert.equal(p.updatedAt, p.publishedAt);
  assert.equal(p.doi, '10.1143/JPSJ.65.3131');
  assert.equal(p.journalRef, undefined);
  assert.equal(p.reportNo, undefined);
  assert.equal(p.license, undefined);

  const m = byId('hep-th/9711200');
  assert.equal(m.title, 'The Large N Limit of Superconformal Field Theories and Supergravity');
  assert.deepEqual(m.authors, [{ name: 'Juan M. Maldacena' }]);
  assert.equal(m.version, 3);
  assert.equal(m.publishedAt, '1997-11-27T18:29:54.000Z');
  assert.equal(m.updatedAt, '1998-01-22T19:36:53.000Z');
  assert.equal(m.comments, '20 pages, harvmac, v2: section on AdS_2 corrected, references added, v3: more references and a sign in eqn 2.8 corrected');
});

test('TeX accents in authors_parsed, duplicate categories, null comments', () => {
  const p = byId('0704.0062');
  assert.deepEqual(p.authors?.map((a) => a.name), ['Rastislav Šrámek', 'Broňa Brejová', 'Tomáš Vinař', 'Mikkel Øbro']);
  assert.equal(p.arxivSubmitter, 'Tomáš Vinař');
  assert.deepEqual(p.categories, ['cs.DS']);
  assert.equal(p.comments, undefined);
  assert.match(p.journalRef ?? '', /^Algorithms in Bioinformatics: .* Philadelphia, PA, USA, September 2007\. Springer$/);
});

test('several affiliations, suffixes, five versions, a license', () => {
  const p = byId('0704.0025');
  assert.deepEqual(p.authors, [
    {
      name: 'A. S. Mishchenko',
      affiliation: 'CREST, Japan Science and Technology Agency; Russian Research Centre Kurchatov Institute',
    },
    { name: 'N. Nagaosa', affiliation: 'The University of Tokyo' },
    { name: 'Neal J. Evans II' },
  ]);
  assert.equal(p.version, 5);
  assert.equal(p.publishedAt, '2007-04-02T13:34:56.000Z');
  assert.equal(p.updatedAt, '2007-05-03T11:20:05.000Z');
  assert.equal(p.license, 'http://arxiv.org/licenses/nonexclusive-distrib/1.0/');
  assert.equal(p.doi, undefined);
});

test('without authors_parsed the authors string is split', () => {
  const p = byId('1706.03762');
  assert.deepEqual(p.authors, [
    { name: 'Ashish Vaswani', affiliation: 'Google Brain' },
    { name: 'Noam Shazeer', affiliation: 'Google Brain' },
    { name: 'Aidan N. Gomez', affiliation: 'University of Toronto' },
  ]);
  assert.deepEqual(p.categories, ['cs.CL', 'cs.LG']);
  assert.equal(p.version, 7);
  assert.equal(p.updatedAt, '2023-08-02T00:41:18.000Z');
});

test('a malformed line is rejected with its line number', () => {
  const all = lines(fixture('arxiv-snapshot/snapshot-bad-line.jsonl'));
  assert.equal(parseSnapshotLine(all[0]!, 1).paper.id, '0704.0001');
  assert.equal(parseSnapshotLine(all[1]!, 2).paper.id, 'hep-th/9711200');
  assert.throws(
    () => parseSnapshotLine(all[2]!, 3),
    (e: unknown) => e instanceof ImportError && e.position === 'line 3' && /^line 3: invalid JSON: /.test(e.message),
  );
  assert.equal(parseSnapshotLine(all[3]!, 4).paper.id, '0704.0062');
});

test('missing or bad id and title are rejected', () => {
  const bad = (line: string, re: RegExp): void =>
    assert.throws(() => parseSnapshotLine(line, 7), (e: unknown) => e instanceof ImportError && re.test(e.message));
  bad('{"title": "T"}', /^line 7: missing id$/);
  bad('{"id": "0704.0001", "title": " \\n "}', /^line 7 \(0704\.0001\): missing title$/);
  bad('{"id": "0704.0001"}', /^line 7 \(0704\.0001\): missing title$/);
  bad('{"id": "foo", "title": "T"}', /^line 7 \(foo\): id "foo" is not an arXiv id$/);
  bad('["0704.0001"]', /^line 7: not a JSON object$/);
  bad('', /^line 7: invalid JSON/);
});

test('a minimal record: only id and title', () => {
  assert.deepEqual(parseSnapshotLine('{"id": "math.GT/0309136v2", "title": "T"}', 1), {
    paper: { source: 'arxiv', id: 'math/0309136', version: 2, title: 'T' },
  });
});

test('looksLikeSnapshot', () => {
  assert.equal(looksLikeSnapshot(fixture('arxiv-snapshot/snapshot.jsonl').slice(0, 4096)), true);
  assert.equal(looksLikeSnapshot('{"abstract": "x", "id": "0704.0001"}\n'), true);
  assert.equal(looksLikeSnapshot('{"id": "0704.0001", "title": "cut off by the head'), true);
  assert.equal(looksLikeSnapshot(fixture('hf-daily/2024-03-12.json').slice(0, 4096)), false);
  assert.equal(looksLikeSnapshot(fixture('hf-daily-malformed/2025-01-10.json').slice(0, 4096)), false);
  assert.equal(looksLikeSnapshot('{"name": "x"}\n'), false);
  assert.equal(looksLikeSnapshot('<?xml version="1.0"?>'), false);
});

// ---- Against the real data in ../shared/data (skipped when it is not there) ----

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const kaggle = path.resolve(repoRoot, '../shared/data/arxiv-kaggle');
const noData = existsSync(kaggle) ? false : `no real data at ${kaggle}`;

test('real data: the snapshot head and the three pretty-printed entries parse', { skip: noData }, (t) => {
  const head = readFileSync(path.join(kaggle, 'arxiv-metadata-oai-snapshot.head.jsonl'), 'utf8');
  assert.equal(looksLikeSnapshot(head.slice(0, 4096)), true);
  const recs = lines(head).map((l, i) => parseSnapshotLine(l, i + 1));
  assert.equal(recs.length, 200);
  for (const { paper } of recs) {
    assert.ok(paper.authors && paper.authors.length > 0, paper.id);
    assert.ok(paper.version && paper.publishedAt && paper.updatedAt && paper.categories?.length, paper.id);
    assert.ok(Object.values(paper).every((v) => v !== null), paper.id);
  }
  const entries = ['entry_1.json', 'entry_2.json', 'entry_3.json'].map((f, i) =>
    parseSnapshotLine(JSON.stringify(JSON.parse(readFileSync(path.join(kaggle, f), 'utf8'))), i + 1).paper,
  );
  assert.deepEqual(entries.map((p) => p.id), ['0704.0001', '0704.0002', 'supr-con/9609003']);
  assert.deepEqual(entries[2]?.authors, [{ name: 'Yasumasa Hasegawa', affiliation: 'Himeji Institute of Technology' }]);
  t.diagnostic(`${recs.length} snapshot lines and ${entries.length} entries parsed`);
});
