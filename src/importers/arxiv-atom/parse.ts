/**
 * Parses one Atom feed page of the arXiv API (https://export.arxiv.org/api/query). Two generations
 * exist: the legacy feed (until 2025) repeats `xmlns` on many elements and declares the `arxiv:` and
 * `opensearch:` prefixes per element; the 2025 feed declares them once on <feed> and orders the
 * elements differently. Stripping namespace prefixes makes both look the same. Pure: text in,
 * records out.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { parseArxivId } from '../../domain/arxiv-id.ts';
import type { Author, ImportRecord, PaperInput } from '../../domain/paper.ts';
import { asArray, asNode, attr, text, type Node } from '../xml.ts';
import { ImportError, UpstreamError } from '../errors.ts';
import { collapseWhitespace, dropUndefined, optionalLine, optionalText, texAccentsToUnicode, toIsoTimestamp } from '../text.ts';

export interface AtomPage {
  records: ImportRecord[];
  /** opensearch:totalResults: how many entries the whole query matches. */
  totalResults?: number;
  /** opensearch:startIndex: 0-based offset of this page. */
  startIndex?: number;
  /** opensearch:itemsPerPage: the page size asked for. */
  itemsPerPage?: number;
}

/** Elements that may repeat; the parser makes them arrays even when there is only one. */
const ARRAYS = new Set(['entry', 'author', 'affiliation', 'category']);

const parser = new XMLParser({
  removeNSPrefix: true, // `arxiv:doi` → `doi`, `opensearch:totalResults` → `totalResults`; drops xmlns
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  ignoreDeclaration: true,
  parseTagValue: false, // keep every value a string
  htmlEntities: true, // decode numeric character references (`&#xe9;`)
  isArray: (name, _path, _leaf, isAttribute) => !isAttribute && ARRAYS.has(name),
});

/** An entry id: `http://arxiv.org/abs/2401.01234v2`, `https://arxiv.org/abs/hep-th/9901001v1`. */
const ABS_URL = /^https?:\/\/(?:export\.|www\.)?arxiv\.org\/abs\/(.+)$/;

/** True when the start of a file looks like an arXiv API Atom feed (for format detection). */
export function looksLikeArxivAtom(head: string): boolean {
  const s = head.slice(0, 4096);
  return /<(?:[\w-]+:)?feed[\s>]/.test(s) && s.includes('http://www.w3.org/2005/Atom') && /arxiv\.org/i.test(s);
}

export function parseArxivAtom(xml: string): AtomPage {
  // The parser itself is lenient (a truncated feed would silently lose entries), so validate first.
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw new ImportError(`not well-formed XML: ${valid.err.msg}`, `line ${valid.err.line}`);
  }
  const feed = asNode(asNode(parser.parse(xml))?.['feed']);
  if (!feed) throw new ImportError('not an Atom feed (no <feed> root element)');

  const entries = asArray(feed['entry']).map((e) => asNode(e) ?? {});
  // The API reports errors as a feed with one entry: id `http://arxiv.org/api/errors#code`, title `Error`.
  for (const e of entries) {
    const id = text(e['id']) ?? '';
    if (id.includes('/api/errors') && text(e['title'])?.trim() === 'Error') {
      const code = id.split('#')[1] ?? 'unknown';
      throw new UpstreamError('arXiv API', code, collapseWhitespace(text(e['summary']) ?? ''));
    }
  }

  const page: AtomPage = {
    records: entries.map((e, i) => ({ paper: parseEntry(e, `entry ${i + 1}`) })),
    totalResults: count(feed['totalResults']),
    startIndex: count(feed['startIndex']),
    itemsPerPage: count(feed['itemsPerPage']),
  };
  return dropUndefined(page);
}

function parseEntry(e: Node, position: string): PaperInput {
  const rawId = text(e['id'])?.trim();
  if (!rawId) throw new ImportError('entry has no id', position);
  const parsed = parseArxivId(ABS_URL.exec(rawId)?.[1] ?? '');
  if (!parsed) throw new ImportError(`not an arXiv abstract URL: "${rawId}"`, position);
  const where = `${position} (${parsed.id})`;
  const title = collapseWhitespace(text(e['title']) ?? '');
  if (!title) throw new ImportError('entry has no title', where);

  // Primary category first, then the others in feed order, without repeats.
  const categories = [
    ...new Set(
      [e['primary_category'], ...asArray(e['category'])]
        .map((c) => attr(c, 'term')?.trim())
        .filter((c): c is string => !!c),
    ),
  ];
  const authors = asArray(e['author']).map(entryAuthor).filter((a) => a.name !== '');

  return dropUndefined<PaperInput>({
    source: 'arxiv',
    id: parsed.id,
    version: parsed.version,
    title,
    abstract: optionalText(text(e['summary'])),
    authors: authors.length ? authors : undefined,
    categories: categories.length ? categories : undefined,
    publishedAt: toIsoTimestamp(text(e['published'])),
    updatedAt: toIsoTimestamp(text(e['updated'])),
    doi: optionalLine(text(e['doi'])),
    comments: optionalLine(text(e['comment'])),
    journalRef: optionalLine(text(e['journal_ref'])),
  });
}

/** `<author><name>A. B</name><arxiv:affiliation>MIT</arxiv:affiliation>…</author>` */
function entryAuthor(node: unknown): Author {
  const a = asNode(node) ?? {};
  const name = collapseWhitespace(texAccentsToUnicode(text(a['name']) ?? ''));
  const affiliations = asArray(a['affiliation'])
    .map((x) => collapseWhitespace(text(x) ?? ''))
    .filter((x) => x !== '');
  return affiliations.length ? { name, affiliation: affiliations.join('; ') } : { name };
}


function count(v: unknown): number | undefined {
  const s = text(v)?.trim();
  return s && /^\d+$/.test(s) ? Number(s) : undefined;
}

