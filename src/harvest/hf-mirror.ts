/**
 * Hugging Face mirror mode (HF_MIRROR=true): the public Daily Papers lists of today and the days before
 * (`GET /api/daily_papers?date=YYYY-MM-DD`), imported with the hf-daily parser and the merge writer,
 * upvotes included: a seed for a new community. One transaction per day's list.
 */
import type { Database } from '../db/connection.ts';
import { applyRecords } from '../db/queries/papers.ts';
import { addDays } from '../domain/dates.ts';
import { ImportError } from '../importers/errors.ts';
import { parseHfDaily } from '../importers/hf-daily/parse.ts';
import type { ImportRecord } from '../domain/paper.ts';
import type { JobContext } from '../jobs/types.ts';
import { fetchText, sleep, UpstreamFetchError } from './fetch.ts';

export interface HfMirrorOptions {
  apiUrl: string;
  days: number;
  delayMs: number;
  timeoutMs: number;
  retryAfterMaxMs: number;
  userAgent: string;
}

export interface HfMirrorSummary {
  days: Record<string, { entries: number; new: number; updated: number }>;
}

export async function mirrorHuggingFace(database: Database, o: HfMirrorOptions, ctx: Pick<JobContext, 'signal' | 'now'>): Promise<HfMirrorSummary> {
  const today = ctx.now().toISOString().slice(0, 10);
  const summary: HfMirrorSummary = { days: {} };
  for (let i = 0; i < o.days; i++) {
    if (i > 0) await sleep(o.delayMs, ctx.signal);
    const day = addDays(today, -i);
    const records = await fetchHfDay(day, o, ctx.signal);
    const counts = await database.db.transaction().execute((trx) => applyRecords(trx, records, database.maxParams));
    summary.days[day] = { entries: records.length, new: counts.new, updated: counts.updated };
  }
  return summary;
}

/** One day's list (`GET /api/daily_papers?date=DAY`), parsed; an answer that is not a list is an UpstreamFetchError. */
export async function fetchHfDay(
  day: string, o: Pick<HfMirrorOptions, 'apiUrl' | 'timeoutMs' | 'retryAfterMaxMs' | 'userAgent'> & { onRetryAfter?: (ms: number) => void }, signal: AbortSignal,
): Promise<ImportRecord[]> {
  const url = `${o.apiUrl}/api/daily_papers?date=${day}`;
  const { text } = await fetchText(url, {
    service: 'Hugging Face', userAgent: o.userAgent, timeoutMs: o.timeoutMs, retryAfterMaxMs: o.retryAfterMaxMs, signal,
    headers: { accept: 'application/json' }, ...(o.onRetryAfter ? { onRetryAfter: o.onRetryAfter } : {}),
  });
  try {
    return parseHfDaily(text, { day });
  } catch (e) {
    if (e instanceof ImportError) throw new UpstreamFetchError(`Hugging Face: GET ${url}: ${e.message}`);
    throw e;
  }
}

export function describeMirror(s: HfMirrorSummary): string {
  return Object.entries(s.days).map(([day, d]) => `${day}: ${d.entries} papers (${d.new} new, ${d.updated} updated)`).join('; ');
}
