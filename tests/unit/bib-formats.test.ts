import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { citationKey, splitName, texEscape, toBibtex, toCslJson, toRis, type ExportItem } from '../../src/domain/bib-export.ts';
import {
  decodeText, detectFormat, LibraryFileError, matchEntries, MAX_IMPORT_BYTES, MAX_IMPORT_ENTRIES, parseBibtex, parseBibtexRaw, parseCslJson, parseLibrary, parseRis, texToText,
} from '../../src/domain/bib-import.ts';
import { normalizeNote } from '../../src/domain/collections.ts';

const ITEM: ExportItem = {
  id: '1706.03762',
  title: 'Attention Is All You Need: $\\mathcal{O}(n^2)$ & 100% {braces}_under ~tilde^ \\backslash #hash',
  authors: ['Ashish Vaswani', 'Ludwig van Beethoven', 'Martin Luther King Jr.', 'OpenAI', 'José Ñúñez'],
  abstract: 'We cost $5 and\nuse $x_1$ math.',
  publishedAt: '2017-06-12T17:57:34Z',
  categories: ['cs.CL', 'cs.LG'],
  doi: '10.5555/3295222.3295349',
  journalRef: null,
  note: 'Read for the course.\n\nSection 3 & 50% {of} it \\ here.\nAB  - looks like a tag',
};
const OLD: ExportItem = { id: 'hep-th/9901001', title: 'Old style', authors: [], abstract: null, publishedAt: null, categories: [], doi: null, journalRef: 'Phys. Rev. D 60 (1999)', note: null };

describe('export', () => {
  test('BibTeX: TeX-safe title in double braces, "Last, First" authors, year/month, eprint fields, url, doi, abstract, annote', () => {
    const bib = toBibtex([ITEM, OLD], 'test');
    assert.match(bib, /^% test\n/);
    assert.match(bib, /@misc\{vaswani2017_1706\.03762,\n/);
    assert.match(bib, /title = \{\{Attention Is All You Need: \$\\mathcal\{O\}\(n\^2\)\$ \\& 100\\% \\\{braces\\\}\\_under \\textasciitilde\{\}tilde\\textasciicircum\{\} \\textbackslash\{\}backslash \\#hash\}\}/);
    assert.match(bib, /author = \{Vaswani, Ashish and van Beethoven, Ludwig and King, Jr\., Martin Luther and \{OpenAI\} and Ñúñez, José\}/);
    assert.match(bib, /year = \{2017\},\n {2}month = jun,/);
    assert.match(bib, /eprint = \{1706\.03762\},\n {2}archiveprefix = \{arXiv\},\n {2}primaryclass = \{cs\.CL\},\n {2}url = \{https:\/\/arxiv\.org\/abs\/1706\.03762\},\n {2}doi = \{10\.5555\/3295222\.3295349\}/);
    assert.match(bib, /abstract = \{We cost \\\$5 and use \$x_1\$ math\.\}/);
    assert.match(bib, /annote = \{Read for the course\.\n\nSection 3 \\& 50\\% \\\{of\\\} it \\textbackslash\{\} here\./);
    assert.match(bib, /@article\{arxiv_hep-th_9901001,[\s\S]*eprint = \{hep-th\/9901001\}[\s\S]*journal = \{Phys\. Rev\. D 60 \(1999\)\}/);
    // Every brace the writer opens, it closes: the file reads back whole.
    assert.equal(parseBibtexRaw(bib).length, 2);
  });

  test('RIS: one tag a line, CRLF, authors "Last, First", ER closes each record', () => {
    const ris = toRis([ITEM]);
    assert.match(ris, /^TY {2}- GEN\r\nID {2}- vaswani2017_1706\.03762\r\nTI {2}- Attention/);
    assert.match(ris, /\r\nAU {2}- Vaswani, Ashish\r\nAU {2}- van Beethoven, Ludwig\r\nAU {2}- King, Martin Luther, Jr\.\r\nAU {2}- OpenAI\r\n/);
    assert.match(ris, /\r\nPY {2}- 2017\r\nDA {2}- 2017\/06\/12\r\n/);
    assert.match(ris, /\r\nAB {2}- We cost \$5 and use \$x_1\$ math\.\r\n/);
    assert.match(ris, /\r\nUR {2}- https:\/\/arxiv\.org\/abs\/1706\.03762\r\nDO {2}- 10\.5555/);
    assert.match(ris, /\r\nER {2}- \r\n$/);
  });

  test('CSL-JSON: family/given authors, literal for one-word names, date-parts, URL, DOI, number, annote', () => {
    const [item] = JSON.parse(toCslJson([ITEM])) as Record<string, unknown>[];
    assert.equal(item!.id, 'vaswani2017_1706.03762');
    assert.equal(item!.type, 'article');
    assert.deepEqual((item!.author as unknown[]).slice(0, 4), [
      { family: 'Vaswani', given: 'Ashish' }, { family: 'van Beethoven', given: 'Ludwig' }, { family: 'King', given: 'Martin Luther', suffix: 'Jr.' }, { literal: 'OpenAI' },
    ]);
    assert.deepEqual(item!.issued, { 'date-parts': [[2017, 6, 12]] });
    assert.equal(item!.URL, 'https://arxiv.org/abs/1706.03762');
    assert.equal(item!.DOI, ITEM.doi);
    assert.equal(item!.number, 'arXiv:1706.03762');
    assert.equal(item!.annote, ITEM.note);
  });

  test('keys are the same in every export and unique per paper', () => {
    assert.equal(citationKey(ITEM), citationKey({ id: ITEM.id, authors: [...ITEM.authors], publishedAt: ITEM.publishedAt }), 'made from the id, the first author and the year alone');
    assert.notEqual(citationKey(ITEM), citationKey({ ...ITEM, id: '1706.03763' }));
    assert.equal(citationKey(OLD), 'arxiv_hep-th_9901001');
    assert.equal(citationKey({ id: '2401.00001', authors: ['Émile Zoë Ångström-Ölund'], publishedAt: '2024-01-01' }), 'angstromolund2024_2401.00001');
    assert.deepEqual(splitName('Jean-Pierre de la Cruz'), { family: 'de la Cruz', given: 'Jean-Pierre', suffix: '' });
    assert.deepEqual(splitName('Vaswani, Ashish'), { family: 'Vaswani', given: 'Ashish', suffix: '' });
  });
});

describe('round trip: what we write, we read back', () => {
  for (const [name, write, read] of [
    ['BibTeX', (xs: ExportItem[]) => toBibtex(xs, 'h'), parseBibtex],
    ['RIS', toRis, parseRis],
    ['CSL-JSON', toCslJson, parseCslJson],
  ] as const) {
    test(`${name}: ids and notes survive`, () => {
      const back = read(write([ITEM, OLD]));
      assert.deepEqual(back.map((e) => [e.key, e.arxivId, e.doi, e.note]), [
        [citationKey(ITEM), '1706.03762', null, ITEM.note],
        [citationKey(OLD), 'hep-th/9901001', null, null],
      ]);
      assert.equal(back[0]!.title, ITEM.title);
    });
  }

  test('any note and title survive BibTeX escaping (property)', () => {
    const textArb = fc.string({ unit: fc.constantFrom(...'ab \n\\{}&%$#_~^é"@,=()'.split('')), maxLength: 60 });
    fc.assert(
      fc.property(textArb, textArb, (rawNote, rawTitle) => {
        const note = normalizeNote(rawNote) || null;
        const title = rawTitle.replace(/\s+/g, ' ').trim() || 'x';
        for (const write of [(x: ExportItem[]) => toBibtex(x, 'h'), toRis, toCslJson]) {
          const text = write([{ ...ITEM, title, note }]);
          const [back] = detectFormat(text) === 'bibtex' ? parseBibtex(text) : detectFormat(text) === 'ris' ? parseRis(text) : parseCslJson(text);
          assert.equal(back!.note, note);
          assert.equal(back!.arxivId, ITEM.id);
        }
        assert.equal(texToText(texEscape(title, false)), title);
      }),
      // The example: a math span that balances as BibTeX counts braces but not as TeX does (it broke the entry).
      { numRuns: 300, examples: [['', '$\\{}$']] },
    );
  });
});

describe('reading what reference managers write', () => {
  test('Zotero BibTeX: the arXiv DOI, the "arXiv:… [cs]" note, HTML annote', () => {
    const zotero = `
@misc{vaswani_attention_2023,
	title = {Attention {Is} {All} {You} {Need}},
	url = {http://arxiv.org/abs/1706.03762},
	doi = {10.48550/arXiv.1706.03762},
	urldate = {2024-01-05},
	publisher = {arXiv},
	author = {Vaswani, Ashish and Shazeer, Noam},
	month = aug,
	year = {2023},
	note = {arXiv:1706.03762 [cs]},
	keywords = {Computer Science - Computation and Language},
	annote = {Comment: 15 pages, 5 figures},
}

@article{brown_language_2020,
	title = {Language {Models} are {Few}-{Shot} {Learners}},
	journal = {arXiv:2005.14165 [cs]},
	author = {Brown, Tom B.},
	year = {2020},
}

@book{knuth_art_1997,
	title = {The {Art} of {Computer} {Programming}},
	publisher = {Addison-Wesley},
	year = {1997},
}

@article{nature_2021,
	title = {Highly accurate protein structure prediction with {AlphaFold}},
	doi = {10.1038/s41586-021-03819-2},
}`;
    const entries = parseBibtex(zotero);
    assert.deepEqual(entries.map((e) => [e.key, e.arxivId, e.doi]), [
      ['vaswani_attention_2023', '1706.03762', null],
      ['brown_language_2020', '2005.14165', null],
      ['knuth_art_1997', null, null],
      ['nature_2021', null, '10.1038/s41586-021-03819-2'],
    ]);
    assert.equal(entries[0]!.title, 'Attention Is All You Need');
    assert.equal(entries[0]!.note, 'Comment: 15 pages, 5 figures');
  });

  test('Better BibTeX (BibTeX and biblatex flavours), @string macros, # concatenation, accents', () => {
    const bbt = `@string{ieee = "IEEE Trans."}
@comment{jabref-meta: databaseType:bibtex;}
@misc{vaswaniAttentionAllYou2017,
  title = {Attention {{Is All You Need}}},
  author = {Vaswani, Ashish and G{\\"o}del, Kurt and Erd\\H{o}s, Paul and {\\'E}mile, Zola},
  year = {2017},
  eprint = {1706.03762v7},
  archiveprefix = {arxiv},
  primaryclass = {cs},
  journal = ieee # " 12",
}
@online{heDeepResidual2015,
  title = "Deep Residual Learning for {Image} Recognition",
  eprint = {1512.03385},
  eprinttype = {arxiv},
  eprintclass = {cs},
}
@inproceedings{old, title={Old style}, eprint={hep-th/9901001}}
@article(paren, title = {Parentheses}, url = {https://arxiv.org/pdf/2401.01234v2.pdf})`;
    const entries = parseBibtex(bbt);
    assert.deepEqual(entries.map((e) => [e.key, e.arxivId]), [
      ['vaswaniAttentionAllYou2017', '1706.03762'], ['heDeepResidual2015', '1512.03385'], ['old', 'hep-th/9901001'], ['paren', '2401.01234'],
    ]);
    const raw = parseBibtexRaw(bbt);
    assert.equal(raw[0]!.fields.get('journal'), 'IEEE Trans. 12');
    assert.equal(texToText(raw[0]!.fields.get('author')!), 'Vaswani, Ashish and Gödel, Kurt and Erdős, Paul and Émile, Zola');
  });

  test('Zotero RIS: N1 with the arXiv id is an identifier, an HTML N1 is the note; DO with the arXiv DOI', () => {
    const ris = [
      'TY  - PREPRINT', 'TI  - Attention Is All You Need', 'AU  - Vaswani, Ashish', 'AB  - The dominant sequence', 'DO  - 10.48550/arXiv.1706.03762',
      'N1  - arXiv:1706.03762 [cs]', 'N1  - <p>Great paper &amp; <b>must</b> read</p>', 'PB  - arXiv', 'PY  - 2023', 'UR  - http://arxiv.org/abs/1706.03762', 'ER  - ', '',
      'TY  - JOUR', 'ID  - nature', 'TI  - AlphaFold', 'DO  - https://doi.org/10.1038/S41586-021-03819-2', 'ER  -', '',
      'TY  - BOOK', 'TI  - The Art of Computer Programming', 'ER  - ',
    ].join('\n');
    const entries = parseRis(ris);
    assert.deepEqual(entries.map((e) => [e.key, e.arxivId, e.doi, e.note]), [
      ['line 1', '1706.03762', null, 'Great paper & must read'],
      ['nature', null, '10.1038/s41586-021-03819-2', null],
      ['line 19', null, null, null],
    ]);
  });

  test('Zotero CSL-JSON: number and note carry the id; Better BibTeX {items} shape', () => {
    const csl = JSON.stringify([
      { id: 'http://zotero.org/users/1/items/ABCD', type: 'article', title: 'Attention', number: 'arXiv:1706.03762', note: 'arXiv:1706.03762 [cs]', URL: 'http://arxiv.org/abs/1706.03762' },
      { id: 'x', type: 'book', title: 'No id' },
      { id: 'doi', type: 'article-journal', title: 'AlphaFold', DOI: '10.1038/s41586-021-03819-2' },
    ]);
    assert.deepEqual(parseCslJson(csl).map((e) => [e.key, e.arxivId, e.doi]), [['http://zotero.org/users/1/items/ABCD', '1706.03762', null], ['x', null, null], ['doi', null, '10.1038/s41586-021-03819-2']]);
    assert.equal(parseCslJson(JSON.stringify({ items: [{ id: 'a', URL: 'https://arxiv.org/abs/2401.01234' }] }))[0]!.arxivId, '2401.01234');
  });

  test('matching: found by arXiv id or DOI; the rest named with their key, title and why', () => {
    const entries = parseBibtex('@misc{a, eprint={1706.03762}} @misc{b, title={Missing}, eprint={2401.99999}} @misc{c, title={By DOI}, doi={10.1234/X}} @misc{d, title={Nothing}} @misc{e, doi={https://doi.org/10.5678/y}}');
    const r = matchEntries(entries, { ids: new Set(['1706.03762']), byDoi: new Map([['10.1234/x', '2301.00001']]) });
    assert.deepEqual(r.items, [{ paperId: '1706.03762', note: null }, { paperId: '2301.00001', note: null }]);
    assert.deepEqual(r.unmatched, [
      { key: 'b', title: 'Missing', why: 'arXiv 2401.99999 is not on this site' },
      { key: 'd', title: 'Nothing', why: 'the entry names no arXiv id or DOI' },
      { key: 'e', title: '', why: 'no paper here has the DOI 10.5678/y' },
    ]);
  });
});

describe('hostile and malformed files: refused whole, naming the entry', () => {
  const refuses = (fn: () => unknown, message: RegExp) => assert.throws(fn, (e: unknown) => e instanceof LibraryFileError && message.test(e.message));

  test('BibTeX: unterminated braces and quotes, a missing comma, a missing "=", a file cut inside an entry', () => {
    refuses(() => parseBibtex('@misc{good, title={Fine}}\n\n@article{broken,\n  title = {Never {closed},\n  year = 2020\n}\n'), /entry “broken” \(line 3\)[^]*never closed/);
    refuses(() => parseBibtex('@misc{q,\n title = "open {quote}\n}'), /entry “q” \(line 1\): the value of “title” \(line 2\) opens a quote that is never closed/);
    refuses(() => parseBibtex('@misc{k1 title = {x}}'), /entry “k1” \(line 1\): expected a comma after the key/);
    refuses(() => parseBibtex('@misc{k2,\n\n title {x}}'), /entry “k2” \(line 1\): the field “title” on line 3 has no “=”/);
    refuses(() => parseBibtex('@misc{k3, title = {x},'), /entry “k3” \(line 1\) is never closed: the file ends inside it/);
    refuses(() => parseBibtex('@misc{k4, title = {x} year = 2020}'), /entry “k4” \(line 1\): expected a comma or “\}” after the field “title”/);
    refuses(() => parseBibtex('@comment{never closed'), /@comment on line 1 is never closed/);
    refuses(() => parseBibtex('@misc{k5, title = ' + '{'.repeat(50_000)), /entry “k5” \(line 1\): the value of “title” \(line 1\) opens a “\{” that is never closed/);
  });

  test('RIS: a record without ER, a tag outside any record', () => {
    refuses(() => parseRis('TY  - GEN\nID  - first\nTI  - x\nER  - \nTY  - GEN\nID  - cut\nTI  - y\n'), /the record “cut” \(line 5\) is cut off/);
    refuses(() => parseRis('TY  - GEN\nTI  - a\nTY  - GEN\nER  - '), /the record on line 1 has no “ER {2}- ” line before the next record on line 3/);
    refuses(() => parseRis('TI  - orphan\n'), /line 1 \(TI\) is outside any record/);
  });

  test('CSL-JSON: not JSON, not items', () => {
    refuses(() => parseCslJson('[{"id": "a",\n "title": }]'), /not valid JSON.*"title": }/);
    refuses(() => parseCslJson('[{"id":"a"}, 3]'), /item 2 is not an object/);
    refuses(() => parseCslJson('[{"id":"a","title":{"x":1}}]'), /item “a” \(item 1\): its title is not text/);
  });

  test('binary, not UTF-8, larger than the cap (10 MB), empty of entries', () => {
    refuses(() => decodeText(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])), /not a text file/);
    refuses(() => decodeText(new Uint8Array([0x40, 0x6d, 0xff, 0xfe, 0x41])), /not UTF-8/);
    refuses(() => decodeText(new Uint8Array(10 * 1024 * 1024).fill(0x41)), /larger than 2 MB/);
    assert.equal(decodeText(new Uint8Array(MAX_IMPORT_BYTES).fill(0x41)).length, MAX_IMPORT_BYTES);
    assert.equal(detectFormat('just some words'), null);
  });

  test(`100k entries: refused once past ${MAX_IMPORT_ENTRIES}, in every format`, () => {
    const n = 100_000;
    refuses(() => parseBibtex(Array.from({ length: n }, (_, i) => `@misc{k${i},eprint={1706.03762}}`).join('\n')), /more than 2000 entries/);
    refuses(() => parseRis(Array.from({ length: n }, () => 'TY  - GEN\nER  - ').join('\n')), /more than 2000 entries/);
    refuses(() => parseCslJson(JSON.stringify(Array.from({ length: n }, (_, i) => ({ id: `k${i}` })))), /more than 2000 entries/);
    assert.equal(parseLibrary(Array.from({ length: MAX_IMPORT_ENTRIES }, (_, i) => `@misc{k${i},eprint={1706.03762}}`).join('\n'), 'bibtex').length, MAX_IMPORT_ENTRIES);
  });

  test('a 10 MB BibTeX text of one huge field is read in one pass (no backtracking), and an @ in free text is a comment', () => {
    const big = `@misc{big, title = {${'a{b}c '.repeat(1_500_000)}}, eprint = {1706.03762}}`;
    assert.ok(big.length > 9_000_000);
    assert.equal(parseBibtex(big)[0]!.arxivId, '1706.03762');
    assert.equal(parseBibtex('mail me @ home\n@misc{x, eprint={2401.01234}}')[0]!.arxivId, '2401.01234');
  });
});
