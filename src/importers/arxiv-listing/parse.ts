/**
 * arXiv listing records as JSON lines: what scrapers of arXiv's daily listing pages (and the
 * `arxiv-listings` sample data) write, one paper a line:
 *   {"id":"2510.08945","categories":["cs.AI","I.7.5; I.2.1"],"pdf":"…","abs":"…",
 *    "authors":["Samuel Hildebrand",…],"title":"…","comment":null,"summary":"…"}
 * They carry the arXiv categories that Hugging Face's data lacks, but no version or dates, so among
 * arXiv sources they rank lowest: they fill gaps and replace only what Hugging Face said.
 */
import { ARXIV_CATEGORY, parseArxivId } from '../../domain/arxiv-id.ts';
import type { ImportRecord, PaperInput } from '../../domain/paper.ts';
import { ImportError } from '../errors.ts';
import { collapseWhitespace, dropUndefined, optionalLine, optionalText, texAccentsToUnicode } from '../text.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The first line is a listing record: an object with an id and a list (not a string) of categories. */
export function looksLikeArxivListing(head: string): boolean {
  const first = head.replace(/^\uFEFF/, '').trimStart().split('\n', 1)[0]!;
  try {
    const r: unknown = JSON.parse(first);
    return isObj(r) && typeof r.id === 'string' && Array.isArray(r.categories) && ('abs' in r || 'pdf' in r);
  } catch {
    return false;
  }
}

export function parseListingLine(line: string, lineNumber: number): ImportRecord {
  const where = `line ${lineNumber}`;
  let r: unknown;
  try {
    r = JSON.parse(line);
  } catch (e) {
    throw new ImportError(`invalid JSON: ${(e as Error).message}`, where);
  }
  if (!isObj(r)) throw new ImportError('not a JSON object', where);
  const rawId = typeof r.id === 'string' ? r.id : '';
  const ref = parseArxivId(rawId);
  if (!ref) throw new ImportError(rawId ? `"${rawId}" is not an arXiv id` : 'missing id', where);
  const title = typeof r.title === 'string' ? collapseWhitespace(r.title) : '';
  if (title === '') throw new ImportError(`missing title (${ref.id})`, where);
  const categories = Array.isArray(r.categories)
    ? [...new Set(r.categories.filter((c): c is string => typeof c === 'string').flatMap((c) => c.split(/\s+/)).filter((c) => ARXIV_CATEGORY.test(c)))]
    : [];
  const authors = Array.isArray(r.authors)
    ? r.authors.filter((a): a is string => typeof a === 'string' && a.trim() !== '').map((name) => ({ name: collapseWhitespace(texAccentsToUnicode(name)) }))
    : [];
  const paper: PaperInput = {
    source: 'arxiv',
    id: ref.id,
    version: ref.version,
    title,
    abstract: optionalText(r.summary),
    authors: authors.length > 0 ? authors : undefined,
    categories: categories.length > 0 ? categories : undefined,
    comments: optionalLine(typeof r.comment === 'string' ? r.comment : undefined),
  };
  return { paper: dropUndefined(paper) };
}
