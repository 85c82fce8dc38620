/**
 * Parses one response page of arXiv's OAI-PMH interface (https://export.arxiv.org/oai2): ListRecords or
 * GetRecord, with metadataPrefix `arXiv` (structured authors) or `arXivRaw` (author string, versions).
 * Pure: text in, records out.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { parseArxivId } from '../../domain/arxiv-id.ts';
import type { Author, ImportRecord, PaperInput } from '../../domain/paper.ts';
import { asArray, asNode, attr, text, type Node } from '../xml.ts';
import { ImportError, UpstreamError } from '../errors.ts';
import {
  collapseWhitespace,
  dropUndefined,
  optionalLine,
  optionalText,
  splitAuthorString,
  splitCategories,
  texAccentsToUnicode,
  toIsoTimestamp,
} from '../text.ts';

export interface OaiPage {
  records: ImportRecord[];
  /** Token for the next page; undefined when the list is complete. */
  resumptionToken?: string;
  /** Size of the whole list, when the repository says. */
  completeListSize?: number;
  /** Canonical ids of records the repository reports as deleted. */
  deleted: string[];
}

/** Elements that may repeat; the parser makes them arrays even when there is only one. */
const ARRAYS = new Set(['record', 'author', 'affiliation', 'version', 'error']);

const parser = new XMLParser({
  // Elements live in the OAI and arXiv namespaces (default namespaces today, but a prefix is legal).
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  ignoreDeclaration: true,
  // Keep every value a string: ids like `0704.4001` must not become the number 704.4001.
  parseTagValue: false,
  // arXiv writes accented letters as numeric references (`T&#xfc;bingen`); fast-xml-parser only
  // decodes those with htmlEntities on.
  htmlEntities: true,
  isArray: (name, _path, _leaf, isAttribute) => !isAttribute && ARRAYS.has(name),
});

/** True when the start of a file looks like an OAI-PMH response (for format detection). */
export function looksLikeOaiPmh(head: string): boolean {
  return /<(?:[\w-]+:)?OAI-PMH[\s>]/.test(head.slice(0, 4096));
}

export function parseOaiPmh(xml: string): OaiPage {
  // The parser itself is lenient (a truncated page would silently lose records), so validate first.
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw new ImportError(`not well-formed XML: ${valid.err.msg}`, `line ${valid.err.line}`);
  }
  const root = asNode(asNode(parser.parse(xml))?.['OAI-PMH']);
  if (!root) throw new ImportError('not an OAI-PMH response (no <OAI-PMH> root element)');

  const error = asArray(root['error'])[0];
  if (error !== undefined) {
    const code = attr(error, 'code') ?? 'unknown';
    // "No records match" is OAI-PMH's way of saying "empty list", not a failure.
    if (code === 'noRecordsMatch') return { records: [], deleted: [] };
    throw new UpstreamError('arXiv OAI-PMH', code, collapseWhitespace(text(error) ?? ''));
  }

  const list = asNode(root['ListRecords']) ?? asNode(root['GetRecord']);
  if (!list) {
    // An empty <ListRecords/> parses to '', which is a (strange but harmless) empty page.
    if (root['ListRecords'] !== undefined) return { records: [], deleted: [] };
    throw new ImportError('OAI-PMH response has neither ListRecords nor GetRecord');
  }

  const page: OaiPage = { records: [], deleted: [] };
  asArray(list['record']).forEach((rec, i) => {
    const position = `record ${i + 1}`; // 1-based, deleted records counted too, as in the file
    const header = asNode(asNode(rec)?.['header']);
    if (attr(header, 'status') === 'deleted') {
      // A deleted record has only a header: `oai:arXiv.org:0704.0003`.
      const raw = (text(header?.['identifier']) ?? '').replace(/^oai:arXiv\.org:/i, '');
      page.deleted.push(requireId(raw, position).id);
      return;
    }
    page.records.push({ paper: parseMetadata(asNode(asNode(rec)?.['metadata']), position) });
  });

  const token = list['resumptionToken'];
  if (token !== undefined) {
    // An empty token (possibly with attributes) marks the last page.
    const next = optionalText(text(token));
    if (next) page.resumptionToken = next;
    const size = attr(token, 'completeListSize')?.trim();
    if (size && /^\d+$/.test(size)) page.completeListSize = Number(size);
  }
  return page;
}

function parseMetadata(metadata: Node | undefined, position: string): PaperInput {
  const arxiv = asNode(metadata?.['arXiv']);
  const raw = asNode(metadata?.['arXivRaw']);
  const m = arxiv ?? raw;
  if (!m) {
    const format = metadata ? Object.keys(metadata).join(', ') : 'none';
    throw new ImportError(`no arXiv or arXivRaw metadata (found: ${format || 'none'})`, position);
  }

  const rawId = text(m['id']);
  if (!rawId) throw new ImportError('record has no id', position);
  const { id } = requireId(rawId, position);
  const where = `${position} (${id})`;
  const title = collapseWhitespace(text(m['title']) ?? '');
  if (!title) throw new ImportError('record has no title', where);

  const paper: PaperInput = {
    source: 'arxiv',
    id,
    title,
    abstract: optionalText(text(m['abstract'])),
    categories: optionalList(splitCategories(text(m['categories']) ?? '')),
    doi: optionalLine(text(m['doi'])),
    journalRef: optionalLine(text(m['journal-ref'])),
    comments: optionalLine(text(m['comments'])),
    reportNo: optionalLine(text(m['report-no'])),
    license: optionalText(text(m['license'])),
  };

  if (arxiv) {
    // <authors><author><keyname/><forenames/><suffix/><affiliation/>*</author>…</authors>
    paper.authors = optionalList(asArray(asNode(arxiv['authors'])?.['author']).map(structuredAuthor));
    // `created` is the date of v1, `updated` of the latest version (absent if there is only v1).
    paper.publishedAt = toIsoTimestamp(text(arxiv['created']));
    paper.updatedAt = toIsoTimestamp(text(arxiv['updated']));
  } else if (raw) {
    paper.authors = optionalList(splitAuthorString(text(raw['authors']) ?? ''));
    paper.arxivSubmitter = optionalText(collapseWhitespace(texAccentsToUnicode(text(raw['submitter']) ?? '')));
    // <version version="v2"><date>Tue, 2 Apr 2013 01:50:08 GMT</date>…</version>, oldest first.
    const versions = asArray(raw['version']);
    const first = versions[0];
    const last = versions[versions.length - 1];
    const n = /^v(\d+)$/.exec(attr(last, 'version') ?? '');
    if (n) paper.version = Number(n[1]);
    paper.publishedAt = toIsoTimestamp(text(asNode(first)?.['date']));
    paper.updatedAt = toIsoTimestamp(text(asNode(last)?.['date']));
  }
  return dropUndefined(paper);
}

/** `<keyname>Callan</keyname><forenames>Curtis G</forenames><suffix>Jr</suffix>` → "Curtis G Callan Jr". */
function structuredAuthor(node: unknown): Author {
  const a = asNode(node) ?? {};
  const part = (k: string) => text(a[k]) ?? '';
  // Collaborations come with a keyname only (`D0 Collaboration`).
  const name = collapseWhitespace(texAccentsToUnicode(`${part('forenames')} ${part('keyname')} ${part('suffix')}`));
  const affiliations = asArray(a['affiliation'])
    .map((x) => collapseWhitespace(text(x) ?? ''))
    .filter((x) => x !== '');
  return affiliations.length ? { name, affiliation: affiliations.join('; ') } : { name };
}

function requireId(raw: string, position: string) {
  const parsed = parseArxivId(raw);
  if (!parsed) throw new ImportError(`not an arXiv id: "${raw}"`, position);
  return parsed;
}


function optionalList<T>(list: T[]): T[] | undefined {
  return list.length ? list : undefined;
}

