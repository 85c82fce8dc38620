/**
 * The first harvest on a new site: when `serve` starts with jobs on and the site has no papers, the arXiv
 * harvest is made due at once (no waiting for its 6-hour slot) once arXiv's OAI-PMH answers an `Identify`,
 * and the log says so in one line, with the operator's next step either way. It runs in the background after
 * the server is up, never delays start or stop (the caller aborts it on shutdown), and does nothing when
 * the harvest is already due, off or disabled (docs/decisions/0021-first-run-and-backfill.md).
 */
import type { Config } from '../config.ts';
import type { Database } from '../db/connection.ts';
import { getJobRow, requestRun } from '../db/queries/jobs.ts';
import { countPapers } from '../db/queries/papers.ts';
import { fetchText } from '../harvest/fetch.ts';
import type { JobDefinition } from './types.ts';

/** The longest wait for arXiv's answer to the check (the harvest itself has HARVEST_TIMEOUT_SECONDS). */
export const FIRST_HARVEST_PROBE_TIMEOUT_MS = 10_000;

export type FirstHarvest = 'started' | 'unreachable' | 'not-needed';

export async function firstHarvestIfEmpty(
  database: Database, config: Config, jobs: JobDefinition[], opts: { signal: AbortSignal; log: (line: string) => void; now?: () => Date },
): Promise<FirstHarvest> {
  const now = opts.now ?? (() => new Date());
  const def = jobs.find((j) => j.name === 'harvest-arxiv');
  if (!config.jobs.enabled || !def || def.off) return 'not-needed';
  if ((await countPapers(database.db)) > 0) return 'not-needed';
  const row = await getJobRow(database.db, 'harvest-arxiv');
  if (!row || row.enabled !== 1 || row.next_run_at <= now().toISOString()) return 'not-needed';
  const h = config.harvest;
  const setup = `${config.site.publicUrl}/admin/setup`;
  try {
    await fetchText(`${h.arxivOaiUrl}?verb=Identify`, {
      service: 'arXiv OAI-PMH', userAgent: h.userAgent, timeoutMs: Math.min(h.timeoutMs, FIRST_HARVEST_PROBE_TIMEOUT_MS), retryAfterMaxMs: 0, signal: opts.signal,
    });
  } catch (e) {
    if (opts.signal.aborted) return 'not-needed';
    opts.log(`The site has no papers yet, and arXiv does not answer (${(e as Error).message}): the first harvest waits for its schedule (${row.next_run_at}). Check ARXIV_OAI_URL and the network, or import papers (${setup}, \`dailypapers harvest hf --from YYYY-MM-DD\`, \`dailypapers import\`).`);
    return 'unreachable';
  }
  opts.signal.throwIfAborted();
  await requestRun(database.db, 'harvest-arxiv', now());
  opts.log(`The site has no papers yet: the first arXiv harvest starts now (${h.categories.join(' ')}, the last ${h.firstDays} days). For more (Hugging Face's lists, the embedder) open ${setup} as the admin.`);
  return 'started';
}
