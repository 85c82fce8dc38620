/**
 * Cursors of the paper lists that page by keyset (category and organization pages; docs/decisions/0041-keyset-pagination.md).
 *
 * A cursor is the sort key of one row of the list: the paper's sort date (its arXiv date, `''` when it has none,
 * which sorts last) and its id (the tie-break: lists are newest date first, then id descending). `?after=CURSOR`
 * is the page of the rows that follow that row, `?before=CURSOR` the page of the rows that precede it.
 *
 * On the wire it is opaque and URL-safe: base64url (no padding) of the JSON array `[date, id]`. Nothing in it is
 * trusted: `decodeCursor` checks the alphabet, the length, the JSON shape and the shape of both fields, and says
 * what is wrong in a sentence a 400 page can show. Pure: no I/O.
 */

/** The sort key of a row: where a page starts or ends. */
export interface ListCursor {
  /** The paper's sort date (`published_at`, an ISO date or timestamp), or `''` for a paper without one. */
  date: string;
  /** The paper's id (an arXiv id): the tie-break between papers of the same date. */
  id: string;
}

/** Longest cursor accepted: a real one is about 60 characters (a timestamp and an old-style id). */
export const CURSOR_MAX_LENGTH = 200;

const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** An ISO date, optionally with a time and zone, as stored in `published_at`. */
const DATE = /^\d{4}-\d{2}-\d{2}(?:[T ][0-9:.]{1,18}(?:Z|[+-]\d{2}:?\d{2})?)?$/;
/** A paper id: an arXiv id, new (`2401.01234`) or old style (`hep-th/9901001`), without anything else. */
const ID = /^[A-Za-z0-9][A-Za-z0-9.\/-]{0,63}$/;

/** Why a cursor was refused, in words for the reader (a 400). */
export class CursorError extends Error {
  override name = 'CursorError';
}

/** The cursor of a row. Throws on a key that could not come from a row (a programming error, not input). */
export function encodeCursor(key: ListCursor): string {
  if (!validKey(key)) throw new Error(`not a list sort key: ${JSON.stringify(key)}`);
  return Buffer.from(JSON.stringify([key.date, key.id]), 'utf8').toString('base64url');
}

/** The sort key a cursor names; throws CursorError, with a message fit for a 400 page, when it is not a cursor. */
export function decodeCursor(raw: string): ListCursor {
  if (raw.length === 0) throw new CursorError('The page cursor is empty: follow the Next and Previous links of the list.');
  if (raw.length > CURSOR_MAX_LENGTH) throw new CursorError(`The page cursor is too long (over ${CURSOR_MAX_LENGTH} characters): it is not one this site made.`);
  if (!BASE64URL.test(raw) || raw.length % 4 === 1) throw new CursorError('The page cursor is malformed: it is not one this site made. Follow the Next and Previous links of the list.');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw new CursorError('The page cursor is malformed: it is not one this site made. Follow the Next and Previous links of the list.');
  }
  if (!Array.isArray(parsed) || parsed.length !== 2 || typeof parsed[0] !== 'string' || typeof parsed[1] !== 'string') {
    throw new CursorError('The page cursor is malformed: it does not name a position in a list.');
  }
  const key = { date: parsed[0], id: parsed[1] };
  if (!validKey(key)) throw new CursorError('The page cursor is malformed: it does not name a date and a paper.');
  return key;
}

/** The cursor, or the CursorError saying why it is not one (for handlers that answer rather than throw). */
export function parseCursor(raw: string): ListCursor | CursorError {
  try {
    return decodeCursor(raw);
  } catch (e) {
    if (e instanceof CursorError) return e;
    throw e;
  }
}

/** Whether a key has the shape of a row's sort key. */
export function validKey(key: ListCursor): boolean {
  return (key.date === '' || DATE.test(key.date)) && ID.test(key.id) && !key.id.includes('..');
}

/**
 * Whether row `a` comes before row `b` in a list's order (newest date first, then id descending; `''` last).
 * The SQL of src/db/queries/lists.ts orders the same way; tests compare the two.
 */
export function comesBefore(a: ListCursor, b: ListCursor): boolean {
  return a.date !== b.date ? a.date > b.date : a.id > b.id;
}
