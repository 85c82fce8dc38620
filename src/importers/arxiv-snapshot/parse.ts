/**
 * The arXiv metadata snapshot (`arxiv-metadata-oai-snapshot.json`, as on Kaggle): one JSON object per
 * line, e.g.
 *   {"id":"0704.0001","submitter":"…","authors":"C. Bal\'azs, …","title":"…","comments":…,
 *    "journal-ref":…,"doi":…,"report-no":…,"categories":"hep-ph","license":null,"abstract":"…",
 *    "versions":[{"version":"v1","created":"Mon, 2 Apr 2007 19:18:42 GMT"},…],"update_date":"2008-11-26",
 *    "authors_parsed":[["Balázs","C.",""],…]}
 * Each line becomes one paper record (the snapshot says nothing about daily lists).
 */
import { parseArxivId } from '../../domain/arxiv-id.ts';
import type { Author, ImportRecord, PaperInput } from '../../domain/paper.ts';
import { ImportError } from '../errors.ts';
import {
  collapseWhitespace,
  dropUndefined,
  optionalText,
  splitAuthorString,
  splitCategories,
  texAccentsToUnicode,
  toIsoTimestamp,
} from '../text.ts';

type Obj = Record<string, unknown>;

/** Parses one line of the snapshot; `lineNumber` (1-based) is only for error messages. */
export function parseSnapshotLine(line: string, lineNumber: number): ImportRecord {
  const where = `line ${lineNumber}`;
  let r: unknown;
  try {
    r = JSON.parse(line);
  } catch (e) {
    throw new ImportError(`invalid JSON: ${e instanceof Error ? e.message : String(e)}`, where);
  }
  if (typeof r !== 'object' || r === null || Array.isArray(r)) throw new ImportError('not a JSON object', where);
  const o = r as Obj;
  if (typeof o.id !== 'string' || o.id.trim() === '') throw new ImportError('missing id', where);
  const arxiv = parseArxivId(o.id);
  if (!arxiv) throw new ImportError(`id "${o.id}" is not an arXiv id`, `${where} (${o.id})`);
  const title = typeof o.title === 'string' ? collapseWhitespace(o.title) : '';
  if (title === '') throw new ImportError('missing title', `${where} (${o.id})`);

  const versions = Array.isArray(o.versions) ? o.versions.filter(isObj) : [];
  const first = versions.find((v) => v.version === 'v1') ?? versions[0];
  const last = versions[versions.length - 1];
  const lastNumber = typeof last?.version === 'string' ? Number(/^v(\d+)$/.exec(last.version)?.[1]) : NaN;

  const paper: PaperInput = {
    source: 'arxiv',
    id: arxiv.id,
    version: Number.isInteger(lastNumber) ? lastNumber : arxiv.version,
    title,
    abstract: optionalText(o.abstract),
    authors: authors(o.authors_parsed, o.authors),
    categories: typeof o.categories === 'string' ? splitCategories(o.categories) : undefined,
    publishedAt: toIsoTimestamp(first?.created),
    updatedAt: toIsoTimestamp(last?.created),
    comments: text(o.comments),
    journalRef: text(o['journal-ref']),
    doi: text(o.doi),
    reportNo: text(o['report-no']),
    license: text(o.license),
    arxivSubmitter: typeof o.submitter === 'string' ? optionalText(clean(o.submitter)) : undefined,
  };
  dropUndefined(paper);
  return { paper };
}

/**
 * A cheap routing test on the first few KB of a file: the first line is a snapshot record. The line
 * may be cut off by the head, so `{"id":` at the start is enough; otherwise it must parse and look
 * like one.
 */
export function looksLikeSnapshot(head: string): boolean {
  const text = head.replace(/^\uFEFF/, '').trimStart();
  const firstLine = text.split('\n', 1)[0]!;
  if (/^\{\s*"id"\s*:/.test(firstLine)) return true;
  // The first line, or else one record pretty-printed over many lines, as people save a single entry.
  return isSnapshotRecord(firstLine) || isSnapshotRecord(text);
}

function isSnapshotRecord(json: string): boolean {
  try {
    const r: unknown = JSON.parse(json);
    return isObj(r) && 'id' in r && ('abstract' in r || 'authors_parsed' in r || 'versions' in r);
  } catch {
    return false;
  }
}

/**
 * Authors from `authors_parsed` (`[keyname, forenames, suffix, ...affiliations]`), which arXiv has
 * already split; else from the raw `authors` string.
 */
function authors(parsed: unknown, raw: unknown): Author[] | undefined {
  if (Array.isArray(parsed) && parsed.length > 0 && parsed.every(Array.isArray)) {
    const list = (parsed as unknown[][]).map((parts): Author => {
      const [keyname, forenames, suffix, ...affiliations] = parts.map((p) => (typeof p === 'string' ? clean(p) : ''));
      // arXiv's splitter writes hyphenated initials as "C. -P." where the authors string has "C.-P.".
      const given = (forenames ?? '').replace(/\. -(?=\S)/g, '.-');
      const name = [given, keyname, suffix].filter((s) => s).join(' ');
      const affiliation = affiliations.filter((a) => a !== '').join('; ');
      return affiliation ? { name, affiliation } : { name };
    });
    if (list.every((a) => a.name !== '')) return list;
  }
  if (typeof raw === 'string' && raw.trim() !== '') return splitAuthorString(raw);
  return undefined;
}

const clean = (s: string): string => collapseWhitespace(texAccentsToUnicode(s));
const text = (v: unknown): string | undefined => (typeof v === 'string' ? optionalText(collapseWhitespace(v)) : undefined);
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
