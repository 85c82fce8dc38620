/**
 * Fetching one paper from the arXiv API (`/api/query?id_list=ID`, Atom). Real network code: tested
 * against recorded responses served by a local HTTP server. Offline or failing, it says so plainly.
 */
import type { ImportRecord } from '../../domain/paper.ts';
import { ImportError } from '../errors.ts';
import { parseArxivAtom } from './parse.ts';

/** arXiv asks API clients to be patient; a person is waiting on the other side, so not too patient. */
export const ARXIV_TIMEOUT_MS = 10_000;

export class ArxivUnavailableError extends Error {
  override name = 'ArxivUnavailableError';
}

/** The paper with this canonical id, or null when arXiv has none. Throws ArxivUnavailableError. */
export async function fetchArxivPaper(apiUrl: string, id: string, timeoutMs = ARXIV_TIMEOUT_MS): Promise<ImportRecord | null> {
  const url = `${apiUrl}?id_list=${encodeURIComponent(id)}&max_results=1`;
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { 'user-agent': 'DailyPapers/0.1 (self-hosted)' } });
  } catch (e) {
    const why = (e as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs / 1000} s` : ((e as Error).cause as Error | undefined)?.message ?? (e as Error).message;
    throw new ArxivUnavailableError(`arXiv could not be reached (${why}).`);
  }
  if (!res.ok) throw new ArxivUnavailableError(`arXiv answered ${res.status} ${res.statusText}.`);
  try {
    const page = parseArxivAtom(await res.text());
    return page.records.find((r) => r.paper.id === id) ?? null;
  } catch (e) {
    // The API answers an unknown or malformed id with an error entry.
    if (e instanceof ImportError && /arXiv API error/.test(e.message)) return null;
    throw new ArxivUnavailableError(`arXiv's answer could not be read: ${(e as Error).message}`);
  }
}
