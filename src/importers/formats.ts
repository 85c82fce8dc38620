/**
 * The import formats, and telling them apart by content (the first few kilobytes of a file), so that
 * `dailypapers import` takes a mixed folder without being told what is in it.
 */
import { looksLikeArxivAtom } from './arxiv-atom/parse.ts';
import { looksLikeArxivListing } from './arxiv-listing/parse.ts';
import { looksLikeOaiPmh } from './arxiv-oai/parse.ts';
import { looksLikeSnapshot } from './arxiv-snapshot/parse.ts';
import { looksLikeHfDaily } from './hf-daily/parse.ts';

export const FORMATS = ['hf-daily', 'arxiv-oai', 'arxiv-atom', 'arxiv-snapshot', 'arxiv-listing'] as const;
export type Format = (typeof FORMATS)[number];

/** How many bytes of a file format detection looks at. */
export const HEAD_BYTES = 64 * 1024;

/** The format of a file from its first bytes, or null when it is none of ours. */
export function detectFormat(head: string): Format | null {
  const s = head.replace(/^\uFEFF/, '').trimStart();
  if (s.startsWith('<')) {
    if (looksLikeOaiPmh(s)) return 'arxiv-oai';
    if (looksLikeArxivAtom(s)) return 'arxiv-atom';
    return null;
  }
  // Hugging Face answers a day without papers (a weekend) with an empty array.
  if (/^\[\s*\]\s*$/.test(s)) return 'hf-daily';
  // Both are JSON lines starting with an id; listings give categories as a list, the snapshot as a string.
  if (looksLikeArxivListing(s)) return 'arxiv-listing';
  if (looksLikeSnapshot(s)) return 'arxiv-snapshot';
  if (looksLikeHfDaily(s)) return 'hf-daily';
  return null;
}
