/**
 * Every recurring job of the site: name, what it does, default schedule (cron, in JOBS_TIMEZONE; each
 * replaced by SCHEDULE_<JOB>, or turned off with SCHEDULE_<JOB>=off), whether the configuration turns it
 * on, its timeout, and the handler. The scheduler (src/jobs/scheduler.ts) runs them; the admin page
 * (/admin/jobs) and `dailypapers jobs list` show them.
 */
import type { Config } from '../config.ts';
import type { Database } from '../db/connection.ts';
import type { JobName } from '../domain/jobs.ts';
import { deliverOutbox } from '../email/delivery.ts';
import { describeAlerts, runSavedSearchAlerts } from '../email/alerts.ts';
import { runDigest } from '../email/digest-run.ts';
import { personalPicks } from '../email/personal-picks.ts';
import { createMailer, type Mailer } from '../email/mailer.ts';
import type { Embedder } from '../search/embedders/types.ts';
import { embedPending } from '../search/embed-pending.ts';
import { openSemanticIndex, SiteEmbedder } from '../search/semantic.ts';
import { VectorIndex } from '../search/vectors.ts';
import type { SemanticIndex } from '../search/types.ts';
import { describeHarvest, harvestArxiv } from '../harvest/arxiv-oai.ts';
import { describeStars, refreshGithubStars } from '../harvest/github-stars.ts';
import { describeImages, fetchPendingImages, IMAGE_DEFAULTS } from '../images/fetch.ts';
import { describeMirror, mirrorHuggingFace } from '../harvest/hf-mirror.ts';
import { describeFullTexts, fetchFullTexts, FIGURES_PER_PAPER } from '../fulltext/fetch.ts';
import { cleanup, OUTBOX_KEEP_DAYS } from './cleanup.ts';
import { refreshTrending } from './refresh-trending.ts';
import { runSetupRequests } from './setup-requests.ts';
import { describeExtracts, extractPending } from '../summaries/extract-pending.ts';
import { describeNotify, notifyNewPapers } from '../notify/new-papers.ts';
import { followedPapers } from '../notify/digest-section.ts';
import type { JobDefinition } from './types.ts';
import { describeSummaries, generateSummaries, SUMMARIES_PER_RUN } from '../llm/summaries.ts';
import { LlmClient } from '../llm/client.ts';

/** Default schedules, read in JOBS_TIMEZONE (America/New_York unless configured). */
export const DEFAULT_SCHEDULES: Record<JobName, string> = {
  // Four times a day; arXiv announces new papers Sunday to Thursday at 20:00 US Eastern.
  'harvest-arxiv': '0 */6 * * *',
  // Hugging Face's list of the day grows during the day.
  'mirror-hf': '10 * * * *',
  // 50 repositories an hour fit in GitHub's 60 unauthenticated requests an hour.
  'github-stars': '20 * * * *',
  'refresh-trending': '*/15 * * * *',
  'embed-new-papers': '*/10 * * * *',
  // Every evening after arXiv's announcement (20:00 US Eastern); runDigest skips days not in DIGEST_DAILY_DAYS.
  'digest-daily': '0 21 * * *',
  // Monday morning, the week before.
  'digest-weekly': '0 9 * * 1',
  // Every morning: papers that arrived since yesterday's run, matched against members' saved searches.
  'saved-search-alerts': '0 7 * * *',
  'deliver-outbox': '* * * * *',
  'cleanup': '0 4 * * *',
  // New lists bring new thumbnails and avatars (src/images/fetch.ts).
  'fetch-images': '25 * * * *',
  // The setup page makes it due at once when it queues an action; the hourly run only picks up leftovers.
  'setup-requests': '30 * * * *',
  // Papers new on the lists get their full text within the hour (FULLTEXT_PER_RUN a run, within the daily budget).
  'fetch-fulltext': '40 * * * *',
  // Papers the harvest and imports brought get their extracted summary within ten minutes.
  'extract-summaries': '5-59/10 * * * *',
  // Summaries by the site's language model (LLM_URL), a few a run, for papers Hugging Face did not summarize.
  'llm-summaries': '50 * * * *',
  // New papers of followed authors, organizations, categories and keywords (src/notify/new-papers.ts).
  'notify-follows': '*/5 * * * *',
};

const MINUTE = 60_000;
/** Papers embedded per run of embed-new-papers (the rest wait for the next run). */
export const EMBED_PER_RUN = 2000;
/** Papers given an extracted summary per run of extract-summaries (about 1 ms each; the rest wait for the next run). */
export const EXTRACT_PER_RUN = 5000;

export interface JobDeps {
  database: Database;
  mailer?: Mailer;
  /**
   * The semantic index for digests' personal picks and semantic saved searches (`serve` shares the server's);
   * without it the first job that needs one opens it (openSemanticIndex), null when none is set up.
   */
  semantic?: SemanticIndex | null;
}

export function jobDefinitions(config: Config, deps: JobDeps): JobDefinition[] {
  let embedder: Embedder | undefined;
  let ownMailer: Mailer | undefined;
  const mailer = () => deps.mailer ?? (ownMailer ??= createMailer(deps.database, config.mail));
  let ownSemantic: Promise<SemanticIndex | null> | undefined;
  const semantic = () => (deps.semantic !== undefined ? Promise.resolve(deps.semantic) : (ownSemantic ??= openSemanticIndex(deps.database, config)));
  const h = config.harvest;
  const schedule = (name: JobName) => config.jobs.schedules[name] ?? DEFAULT_SCHEDULES[name];
  const off = (name: JobName, why: string | null) =>
    config.jobs.schedules[name] === null ? `turned off by SCHEDULE_${name.toUpperCase().replace(/-/g, '_')}=off` : why;
  const fetching = { userAgent: h.userAgent, timeoutMs: h.timeoutMs, retryAfterMaxMs: h.retryAfterMaxMs };

  const jobs: JobDefinition[] = [
    {
      name: 'harvest-arxiv',
      description: `new arXiv papers in ${h.categories.join(' ')} (OAI-PMH from ${h.arxivOaiUrl})`,
      schedule: schedule('harvest-arxiv'),
      off: off('harvest-arxiv', null),
      timeoutMs: 120 * MINUTE,
      run: async (ctx) =>
        describeHarvest(
          await harvestArxiv(ctx.database, { url: h.arxivOaiUrl, categories: h.categories, firstDays: h.firstDays, delayMs: h.delayMs, ...fetching }, ctx),
        ),
    },
    {
      name: 'mirror-hf',
      description: `Hugging Face's Daily Papers lists of the last ${h.hfDays} days, with their upvotes (${h.hfApiUrl})`,
      schedule: schedule('mirror-hf'),
      off: off('mirror-hf', h.hfMirror ? null : 'off: set HF_MIRROR=true to mirror Hugging Face’s lists'),
      timeoutMs: 15 * MINUTE,
      run: async (ctx) => describeMirror(await mirrorHuggingFace(ctx.database, { apiUrl: h.hfApiUrl, days: h.hfDays, delayMs: h.delayMs, ...fetching }, ctx)),
    },
    {
      name: 'github-stars',
      description: `GitHub stars of papers' repositories, ${h.githubPerRun} a run (${h.githubApiUrl})`,
      schedule: schedule('github-stars'),
      off: off('github-stars', h.githubStars ? null : 'off: set GITHUB_TOKEN (or GITHUB_STARS=true for 60 unauthenticated requests an hour)'),
      timeoutMs: 30 * MINUTE,
      run: async (ctx) =>
        describeStars(await refreshGithubStars(ctx.database, { apiUrl: h.githubApiUrl, token: h.githubToken, perRun: h.githubPerRun, ...fetching }, ctx)),
    },
    {
      name: 'refresh-trending',
      description: 'ranks trending papers and refreshes cached pages when the order changed (scores decay with time)',
      schedule: schedule('refresh-trending'),
      off: off('refresh-trending', null),
      timeoutMs: 2 * MINUTE,
      run: (ctx) => refreshTrending(ctx.database, ctx.now()),
    },
    {
      name: 'embed-new-papers',
      description: `embeddings of new or edited papers (all of them after a model change) for the current model (${EMBED_PER_RUN} a run), for semantic search`,
      schedule: schedule('embed-new-papers'),
      off: off('embed-new-papers', config.embeddings.embedder === 'none' ? 'off: no embedder (EMBEDDER=none)' : null),
      timeoutMs: 30 * MINUTE,
      run: async (ctx) => {
        // The server's embedder when it has one (one copy of the model in memory), else one of the job's own
        // (quiet: what it cannot do is this job's result, for the admin page).
        const shared = deps.semantic instanceof VectorIndex ? deps.semantic.embedder : undefined;
        embedder ??= shared ?? (await SiteEmbedder.open(ctx.database, config, { log: () => {} }));
        const r = await embedPending(ctx.database, embedder, { limit: EMBED_PER_RUN, signal: ctx.signal });
        if (r.skipped) return r.skipped;
        return `${r.embedded} papers embedded with ${r.model}, ${r.remaining} waiting`;
      },
    },
    ...(['daily', 'weekly'] as const).map((period): JobDefinition => ({
      name: `digest-${period}`,
      description: `the ${period} digest mail to its subscribers (enqueued once per subscriber and period, then sent)`,
      schedule: schedule(`digest-${period}`),
      off: off(`digest-${period}`, null),
      timeoutMs: 60 * MINUTE,
      run: async (ctx) => {
        const r = await runDigest(ctx.database, {
          period, now: ctx.now(), site: config.site, dailyDays: config.digest.dailyDays, mailer: mailer(), extraSections: [personalPicks(await semantic()), followedPapers()],
        });
        if (r.skipped) return `no digest: ${r.skipped}`;
        const d = r.delivery;
        return `${r.period!.key}: ${r.subscribers} subscribers, ${r.enqueued} enqueued, ${r.alreadyQueued} already queued, ${r.empty} with nothing${d ? `; ${d.sent} sent, ${d.retrying} retrying, ${d.failed} failed` : ''}`;
      },
    })),
    {
      name: 'saved-search-alerts',
      description: 'mails members the new papers matching their saved searches (one mail per member and day)',
      schedule: schedule('saved-search-alerts'),
      off: off('saved-search-alerts', null),
      timeoutMs: 60 * MINUTE,
      run: async (ctx) => describeAlerts(await runSavedSearchAlerts(ctx.database, { site: config.site, semantic: await semantic(), now: ctx.now(), mailer: mailer() })),
    },
    {
      name: 'notify-follows',
      description: 'notifies members of new papers from what they follow (one mail per member at most hourly)',
      schedule: schedule('notify-follows'),
      off: off('notify-follows', null),
      timeoutMs: 15 * MINUTE,
      run: async (ctx) => describeNotify(await notifyNewPapers(ctx.database, { site: config.site, now: ctx.now(), mailer: mailer() })),
    },
    {
      name: 'deliver-outbox',
      description: 'sends mail waiting in the outbox (retries with backoff)',
      schedule: schedule('deliver-outbox'),
      off: off('deliver-outbox', config.mail.smtpUrl ? null : 'off: no SMTP_URL, mail stays in the outbox'),
      timeoutMs: 10 * MINUTE,
      run: async (ctx) => {
        const r = await deliverOutbox(ctx.database, mailer(), { now: ctx.now });
        return r.held ? 'no relay: mail held in the outbox' : `${r.sent} sent, ${r.retrying} retrying, ${r.failed} failed (${r.bounced} bounced), ${r.expired} expired`;
      },
    },
    {
      name: 'cleanup',
      description: `deletes expired sessions and links, sent mail older than ${OUTBOX_KEEP_DAYS} days and old job runs`,
      schedule: schedule('cleanup'),
      off: off('cleanup', null),
      timeoutMs: 10 * MINUTE,
      run: (ctx) => cleanup(ctx.database, ctx.now()),
    },
    {
      name: 'fetch-images',
      description: `thumbnails and avatars of the lists, ${h.imagesPerRun} a run: fetched, resized to WebP and stored (pages never hot-link them)`,
      schedule: schedule('fetch-images'),
      off: off('fetch-images', null),
      timeoutMs: 30 * MINUTE,
      run: async (ctx) =>
        describeImages(
          await fetchPendingImages(ctx.database, {
            base: h.imagesBase, allowPrivate: h.imagesAllowPrivate, via: h.imagesVia, userAgent: h.userAgent, timeoutMs: Math.min(h.timeoutMs, IMAGE_DEFAULTS.timeoutMs),
            maxBytes: IMAGE_DEFAULTS.maxBytes, limit: h.imagesPerRun, signal: ctx.signal, now: ctx.now,
          }),
        ),
    },
    {
      name: 'setup-requests',
      description: 'runs the actions queued on the setup page (/admin/setup): harvest arXiv, mirror Hugging Face lists, train the embedder',
      schedule: schedule('setup-requests'),
      off: off('setup-requests', null),
      timeoutMs: 120 * MINUTE,
      run: (ctx) => runSetupRequests(config, ctx),
    },
    {
      name: 'fetch-fulltext',
      description: `full text of the lists' papers from arXiv's HTML (PDF where there is none), ${config.fulltext.perRun} a run, ${config.fulltext.dailyBudget} requests a day (${config.fulltext.htmlUrl})`,
      schedule: schedule('fetch-fulltext'),
      off: off('fetch-fulltext', config.fulltext.dailyBudget === 0 ? 'off: FULLTEXT_DAILY_BUDGET=0' : null),
      timeoutMs: 60 * MINUTE,
      run: async (ctx) =>
        describeFullTexts(
          await fetchFullTexts(ctx.database, {
            htmlUrl: config.fulltext.htmlUrl, pdfUrl: config.fulltext.pdfUrl, dailyBudget: config.fulltext.dailyBudget, limit: config.fulltext.perRun,
            delayMs: h.delayMs, ...fetching, signal: ctx.signal, now: ctx.now, log: ctx.log,
            figures: { perPaper: FIGURES_PER_PAPER, allowPrivate: h.imagesAllowPrivate, maxBytes: IMAGE_DEFAULTS.maxBytes },
          }),
        ),
    },
    {
      name: 'extract-summaries',
      description: `extracted summaries and keywords (no model) of papers without Hugging Face's, ${EXTRACT_PER_RUN} a run`,
      schedule: schedule('extract-summaries'),
      off: off('extract-summaries', null),
      timeoutMs: 30 * MINUTE,
      run: async (ctx) => describeExtracts(await extractPending(ctx.database, { limit: EXTRACT_PER_RUN, signal: ctx.signal })),
    },
    {
      name: 'llm-summaries',
      description: `summaries and keywords by the language model (${config.llm?.model ?? 'none'}), ${SUMMARIES_PER_RUN} papers without one a run`,
      schedule: schedule('llm-summaries'),
      off: off('llm-summaries', config.llm ? null : 'off: set LLM_URL and LLM_MODEL (an OpenAI-compatible endpoint)'),
      timeoutMs: 30 * MINUTE,
      run: async (ctx) =>
        describeSummaries(await generateSummaries(ctx.database.db, { client: new LlmClient(config.llm!), budgets: config.llm!.budgets }, { limit: SUMMARIES_PER_RUN, now: ctx.now, signal: ctx.signal, log: ctx.log })),
    },
  ];
  return jobs;
}
