/**
 * arXiv identifiers.
 *
 * New style (since April 2007): `YYMM.NNNN` (to 2014) or `YYMM.NNNNN` (from 2015), e.g. `2401.01234`.
 * Old style (before April 2007): `archive/YYMMNNN` or `archive.SC/YYMMNNN`, e.g. `hep-th/9901001`,
 * `supr-con/9609003`, `math.GT/0309136`. The subject class (`.GT`) is not part of the canonical id.
 * Either may carry a version suffix `vN`; we store the id without it and the version separately.
 */
export interface ArxivId {
  /** Canonical id without version: `2401.01234`, `hep-th/9901001`. */
  id: string;
  /** Version number from a `vN` suffix, if there was one. */
  version?: number;
}

const NEW_STYLE = /^(\d{4}\.\d{4,5})(?:v(\d+))?$/;
const OLD_STYLE = /^([a-z]+(?:-[a-z]+)*)(?:\.[A-Za-z]{2})?\/(\d{7})(?:v(\d+))?$/;

/** Parses a bare id (`2401.01234v2`, `arXiv:2401.01234`, `hep-th/9901001`); null when it is not one. */
export function parseArxivId(raw: string): ArxivId | null {
  const s = raw.trim().replace(/^arxiv:/i, '');
  let m = NEW_STYLE.exec(s);
  if (m) {
    const month = Number(s.slice(2, 4));
    if (month < 1 || month > 12) return null;
    return withVersion(m[1]!, m[2]);
  }
  m = OLD_STYLE.exec(s);
  if (m) return withVersion(`${m[1]}/${m[2]}`, m[3]);
  return null;
}

/**
 * Parses an id or an arXiv URL (abs, pdf, html, with or without version or `.pdf`), e.g.
 * `https://arxiv.org/abs/2401.01234v2`, `http://arxiv.org/pdf/hep-th/9901001v1.pdf`,
 * `https://huggingface.co/papers/2401.01234`, and the same without a scheme (`arxiv.org/abs/2401.01234`,
 * `hf.co/papers/2401.01234`).
 */
export function parseArxivReference(raw: string): ArxivId | null {
  const direct = parseArxivId(raw);
  if (direct) return direct;
  let url: URL;
  const trimmed = raw.trim();
  // Pasted without a scheme (`arxiv.org/abs/…`, `hf.co/papers/…`): only these sites' addresses are taken.
  const bare = /^(?:www\.|export\.)?(?:arxiv\.org|huggingface\.co|hf\.co)\//i.test(trimmed);
  try {
    url = new URL(bare ? `https://${trimmed}` : trimmed);
  } catch {
    return null;
  }
  const m = /^\/(?:abs|pdf|html|papers)\/(.+?)(?:\.pdf)?\/?$/.exec(url.pathname);
  return m ? parseArxivId(decodeURIComponent(m[1]!)) : null;
}

function withVersion(id: string, version: string | undefined): ArxivId {
  return version === undefined ? { id } : { id, version: Number(version) };
}

/** The arXiv abstract page of a paper. */
export const arxivAbsUrl = (id: string): string => `https://arxiv.org/abs/${id}`;
/** The arXiv PDF of a paper (latest version). */
export const arxivPdfUrl = (id: string): string => `https://arxiv.org/pdf/${id}`;

/**
 * arXiv category names: `cs.CL`, `hep-th`, `astro-ph.GA`, `math-ph`, `q-bio.NC`. Listings mix in
 * ACM and MSC classes (`I.2.7`, `68T45`), which are not categories. Physics subjects are lower-case words,
 * some hyphenated: `cond-mat.stat-mech`, `physics.optics`, `physics.atom-ph` (src/domain/arxiv-taxonomy.ts).
 */
export const ARXIV_CATEGORY = /^[a-z]{1,8}(?:-[a-z]{2,6})?(?:\.(?:[A-Z]{2}|[a-z]{2,6}(?:-[a-z]{2,4})?))?$/;
