/**
 * Configuration, read from the environment once at start, validated, and passed down.
 * A bad value stops the program with a message naming the variable and what was expected.
 */
import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_RULES, type SubmissionRules } from './domain/submission-rules.ts';
import { readFileSync } from 'node:fs';
import { DEFAULT_DAILY_DAYS, formatDigestDays, parseDigestDays } from './domain/digest.ts';
import type { DkimConfig } from './email/mailer.ts';
import { cronProblem, JOB_NAMES, type JobName } from './domain/jobs.ts';
import { CONNECT_TIMEOUT_MS, WEB_IDLE_IN_TRANSACTION_TIMEOUT_MS, WEB_STATEMENT_TIMEOUT_MS, type DatabaseBudget } from './db/connection.ts';

/**
 * The commands' long writers: a migration building an index over a million papers, a file imported in one
 * transaction. An hour ends a statement that is stuck, not one that is slow.
 */
export const CLI_STATEMENT_TIMEOUT_MS = 3_600_000;
/** Between two batches of an import the transaction waits only for the file being read. */
export const CLI_IDLE_IN_TRANSACTION_TIMEOUT_MS = 600_000;
import { parseTrustProxy, type TrustProxy } from './domain/client-address.ts';

export type DatabaseConfig =
  | { engine: 'sqlite'; path: string }
  | { engine: 'postgres'; url: string };

export interface Config {
  database: DatabaseConfig;
  /** PostgreSQL's timeouts: `web` for `serve`, `cli` for the commands' long writers (import, migrate, embeddings…). */
  databaseBudgets: { web: DatabaseBudget; cli: DatabaseBudget };
  port: number;
  host: string;
  site: SiteConfig;
  mail: { smtpUrl: string | null; from: string; dkim: DkimConfig | null };
  /** Email digests: the weekdays of the daily digest (0 = Sunday), from DIGEST_DAILY_DAYS. */
  digest: { dailyDays: number[] };
  /** TRUST_PROXY: which X-Forwarded-For hop is the client (none: the socket's address). */
  trustProxy: TrustProxy;
  /** API_TOKEN_READ_LIMIT: reads a minute per member for requests with a valid API token (src/http/middleware/rate-limit.ts). */
  apiTokenReadLimit: number;
  /** REDIS_URL: rate limits counted in Redis (all tiers) instead of the database (auth, write) and memory (read). */
  redisUrl: string | null;
  /** The arXiv API's query endpoint, for papers members submit that are not in the database yet. */
  arxivApiUrl: string;
  submissions: SubmissionRules;
  /** Sign-in with GitHub and Hugging Face: a provider is here only when its client id and secret are both set. */
  oauth: OAuthConfig;
  /** Background jobs (src/jobs): whether `serve` runs them, how often it looks, and their schedules. */
  jobs: JobsConfig;
  /** The harvester (src/harvest): where the upstreams are and how politely they are asked. */
  harvest: HarvestConfig;
  /** Papers' full text from arXiv's HTML (or PDF) (src/fulltext; docs/decisions/0034-full-text.md). */
  fulltext: FullTextConfig;
  /** Semantic search and similar papers (src/search/semantic.ts): which embedder, and where its files go. */
  embeddings: EmbeddingsConfig;
  /** The request log and /metrics (src/ops/log.ts, src/ops/metrics.ts; docs/decisions/0022-operations.md). */
  observability: ObservabilityConfig;
  /** A language model the site owner chooses (src/llm/client.ts; docs/decisions/0037-ask-this-paper.md): null when LLM_URL is unset. */
  llm: LlmConfig | null;
}

export interface LlmConfig {
  /** LLM_URL: an OpenAI-compatible base (`http://127.0.0.1:11434/v1` for Ollama); the client posts to `{url}/chat/completions`. */
  url: string;
  /** LLM_MODEL: the model name the endpoint knows; recorded as `ai_summary_model` beside generated summaries. */
  model: string;
  /** LLM_API_KEY: sent as a Bearer token. */
  apiKey: string | null;
  /** LLM_TIMEOUT_SECONDS: the longest answer (the first byte, and the whole stream). */
  timeoutMs: number;
  /** Daily budgets (LLM_MEMBER_REQUESTS_PER_DAY, LLM_MEMBER_TOKENS_PER_DAY, LLM_SITE_REQUESTS_PER_DAY, LLM_SITE_TOKENS_PER_DAY). */
  budgets: { memberRequests: number; memberTokens: number; siteRequests: number; siteTokens: number };
}

export interface ObservabilityConfig {
  /** LOG_LEVEL: pino's level for the request log (`silent` turns it off). */
  logLevel: LogLevel;
  /** GET /metrics: served when METRICS=on or METRICS_TOKEN is set; with a token, only to `Authorization: Bearer TOKEN`. */
  metrics: { enabled: boolean; token: string | null };
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface EmbeddingsConfig {
  /** EMBEDDER: `builtin` (LSA trained on the site's papers), `transformers`, `openai`, or `none` (semantic search off). */
  embedder: 'builtin' | 'transformers' | 'openai' | 'none';
  /** EMBEDDINGS_DIR: the built-in model and the vector index files (default: beside the SQLite file, or ./data). */
  dir: string;
  /** EMBEDDINGS_URL: an OpenAI-compatible server (`http://127.0.0.1:11434`, `…/v1`, or `…/v1/embeddings`). */
  url: string | null;
  /** EMBEDDINGS_MODEL: the model name the endpoint or transformers.js knows. */
  model: string | null;
  /** EMBEDDINGS_API_KEY: sent as a Bearer token to the endpoint. */
  apiKey: string | null;
  /** TRANSFORMERS_MODEL_PATH: a folder of transformers.js models (then nothing is downloaded). */
  transformersModelPath: string | null;
  /** EMBEDDINGS_TIMEOUT_SECONDS: the longest wait for one answer of the endpoint. */
  timeoutMs: number;
  /**
   * EMBEDDING_THREADS: worker threads that embed papers with the built-in embedder (default: the machine's
   * cores, at most 2; 0 embeds on the main thread; docs/decisions/0045-embedding-on-worker-threads.md).
   */
  threads?: number;
  /** SEMANTIC_FOLLOW_MS: how often `serve` looks in the database for a new site model and new vectors (decision 0023; default 5000). */
  followMs?: number;
}

export interface JobsConfig {
  /** JOBS_ENABLED: `serve` runs the scheduler (default true). */
  enabled: boolean;
  /** JOBS_TICK_SECONDS: how often the scheduler looks for due jobs. */
  tickMs: number;
  /** JOBS_TIMEZONE: the zone cron expressions are read in (arXiv announces at 20:00 US Eastern). */
  timezone: string;
  /** SCHEDULE_<JOB>: a cron expression replacing the job's default, or null for "off". */
  schedules: Partial<Record<JobName, string | null>>;
  /** JOBS_SCHEDULE_REFRESH_SECONDS: how often `serve` re-reads schedules set with `dailypapers jobs schedule` (default 30). */
  scheduleRefreshMs?: number;
}

export interface HarvestConfig {
  /** Sent with every upstream request, naming the site (arXiv asks harvesters to say who they are). */
  userAgent: string;
  arxivOaiUrl: string;
  /** arXiv categories kept (`cs.AI`), or whole archives (`cs`). */
  categories: string[];
  /** The first harvest starts this many days back. */
  firstDays: number;
  /** Pause between two requests to the same upstream. */
  delayMs: number;
  /** Longest wait for one answer. */
  timeoutMs: number;
  /** Longest Retry-After honoured; a longer one fails the run (it is retried later). */
  retryAfterMaxMs: number;
  hfMirror: boolean;
  hfApiUrl: string;
  /** Days of Hugging Face lists fetched per run (today and the days before). */
  hfDays: number;
  githubToken: string | null;
  githubStars: boolean;
  githubApiUrl: string;
  /** Repositories whose stars are read per run (oldest-read first). */
  githubPerRun: number;
  /** Images (src/images/fetch.ts): the base of relative image addresses, whether private addresses may be fetched (tests), images per run. */
  imagesBase: string;
  imagesAllowPrivate: boolean;
  imagesVia: string | null;
  imagesPerRun: number;
}

export interface FullTextConfig {
  /** ARXIV_HTML_URL: where arXiv's HTML renderings are (`{url}/{id}v{n}`). */
  htmlUrl: string;
  /** ARXIV_PDF_URL: where arXiv's PDFs are, for papers without HTML. */
  pdfUrl: string;
  /** FULLTEXT_DAILY_BUDGET: requests to arXiv for full text in any 24 hours (0 turns fetching off). */
  dailyBudget: number;
  /** FULLTEXT_PER_RUN: papers the fetch-fulltext job takes per run. */
  perRun: number;
}

/** The OAuth providers members may sign in with (the path segment of /auth/PROVIDER). */
export type OAuthProviderId = 'github' | 'huggingface';

/** One OAuth app registered at a provider, and where that provider is (tests point it at a local stand-in). */
export interface OAuthClientConfig {
  clientId: string;
  clientSecret: string;
  /** The provider's consent page and token endpoint (https://github.com, https://huggingface.co). */
  baseUrl: string;
  /** The provider's user API (https://api.github.com; Hugging Face's /oauth/userinfo is on its baseUrl). */
  apiUrl: string;
}

export type OAuthConfig = Partial<Record<OAuthProviderId, OAuthClientConfig>>;

export interface SiteConfig {
  /** Shown in the header and in titles. */
  name: string;
  /** Who curates the lists: the header says "by CURATORS and the research community". */
  curators: string | null;
  /** The address people reach the site at, for canonical links and feeds (no trailing slash). */
  publicUrl: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const DEFAULT_DATABASE_URL = 'sqlite:./data/dailypapers.db';

/** `sqlite:PATH`, `sqlite://PATH`, a bare file path, or `postgres://…` / `postgresql://…`. */
export function parseDatabaseUrl(raw: string): DatabaseConfig {
  const s = raw.trim();
  if (/^postgres(ql)?:\/\//.test(s)) {
    try {
      new URL(s);
    } catch {
      throw new ConfigError(`DATABASE_URL: "${s}" is not a valid postgres:// URL`);
    }
    return { engine: 'postgres', url: s };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s) && !s.startsWith('sqlite:')) {
    throw new ConfigError(`DATABASE_URL: unsupported scheme in "${s}"; expected sqlite:PATH, a file path or postgres://…`);
  }
  const file = s.replace(/^sqlite:(\/\/)?/, '');
  if (file === '') throw new ConfigError('DATABASE_URL: the sqlite: URL names no file; expected sqlite:PATH');
  return { engine: 'sqlite', path: file === ':memory:' ? file : path.resolve(file) };
}

const port = z.coerce
  .number({ error: 'expected a whole number from 1 to 65535' })
  .int('expected a whole number from 1 to 65535')
  .min(1, 'expected a whole number from 1 to 65535')
  .max(65535, 'expected a whole number from 1 to 65535');

/** OAuth client ids and secrets as the providers' app settings show them. */
const oauthCredential = z
  .string()
  .regex(/^[\x21-\x7e]{1,200}$/, 'expected the value from the OAuth app settings (printable characters, no spaces)');
const oauthBase = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });

const bool = z.enum(['true', 'false', '1', '0'], { error: 'expected true or false' });
const isTrue = (v: string | undefined) => v === 'true' || v === '1';

const seconds = (max: number) => z.coerce.number({ error: 'expected a number of seconds' }).min(0, 'expected 0 (no limit) or more seconds').max(max, `expected at most ${max} seconds`);

const EnvSchema = z.object({
  DATABASE_URL: z.string().default(DEFAULT_DATABASE_URL),
  DATABASE_STATEMENT_TIMEOUT_SECONDS: seconds(3600).default(WEB_STATEMENT_TIMEOUT_MS / 1000),
  DATABASE_CLI_STATEMENT_TIMEOUT_SECONDS: seconds(86_400).default(CLI_STATEMENT_TIMEOUT_MS / 1000),
  DATABASE_CONNECT_TIMEOUT_SECONDS: seconds(600).min(0.1, 'expected more than 0 seconds').default(CONNECT_TIMEOUT_MS / 1000),
  PORT: port.default(3000),
  HOST: z.string().min(1, 'expected a host name or address').default('127.0.0.1'),
  SITE_NAME: z.string().max(80, 'expected at most 80 characters').default('Daily Papers'),
  SITE_CURATORS: z.string().max(120, 'expected at most 120 characters').optional(),
  PUBLIC_URL: z
    .url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL, e.g. https://papers.example.org' })
    .optional(),
  SMTP_URL: z
    .url({ protocol: /^smtps?$/, error: 'expected smtp://user:password@host:port or smtps://…' })
    .optional(),
  MAIL_FROM: z.string().min(3, 'expected a From address, e.g. "Daily Papers <papers@example.org>"').optional(),
  DKIM_DOMAIN: z.string().regex(/^[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/, 'expected the signing domain, e.g. example.org').optional(),
  DKIM_SELECTOR: z.string().regex(/^[A-Za-z0-9._-]{1,63}$/, 'expected the DNS selector, e.g. mail2025').optional(),
  DKIM_PRIVATE_KEY: z.string().optional(),
  DKIM_PRIVATE_KEY_FILE: z.string().optional(),
  DIGEST_DAILY_DAYS: z.string().refine((v) => parseDigestDays(v) !== null, 'expected weekdays separated by commas, e.g. sun,mon,tue,wed,thu').default(formatDigestDays(DEFAULT_DAILY_DAYS)),
  TRUST_PROXY: z
    .string()
    .superRefine((v, ctx) => {
      const t = parseTrustProxy(v);
      if ('error' in t) ctx.addIssue({ code: 'custom', message: `expected false, the number of proxies in front (1, 2…), or the trusted proxies' addresses or CIDR ranges (e.g. 10.0.0.0/8, ::1): ${t.error}` });
    })
    .default('false'),
  API_TOKEN_READ_LIMIT: z.coerce.number({ error: 'expected a number of requests a minute' }).int('expected a whole number').min(1, 'expected 1 or more').max(1_000_000, 'expected at most 1000000').default(3000),
  REDIS_URL: z.url({ protocol: /^rediss?$/, error: 'expected redis://[:password@]host:port[/db] or rediss://…' }).optional(),
  ARXIV_API_URL: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).default('https://export.arxiv.org/api/query'),
  SUBMIT_WHO: z.enum(['verified', 'claimed', 'editors'], { error: 'expected verified, claimed or editors' }).default(DEFAULT_RULES.who),
  SUBMIT_MAX_AGE_DAYS: z.coerce.number({ error: 'expected a number of days' }).int('expected a whole number of days').min(0, 'expected 0 or more days').default(DEFAULT_RULES.maxPaperAgeDays),
  SUBMIT_DAILY_CAP: z.coerce.number({ error: 'expected a number' }).int('expected a whole number').min(0, 'expected 0 or more').default(DEFAULT_RULES.dailyCap),
  SUBMIT_WEEKENDS: z.enum(['true', 'false', '1', '0'], { error: 'expected true or false' }).default(DEFAULT_RULES.weekends ? 'true' : 'false'),
  GITHUB_CLIENT_ID: oauthCredential.optional(),
  GITHUB_CLIENT_SECRET: oauthCredential.optional(),
  GITHUB_OAUTH_BASE: oauthBase.default('https://github.com'),
  GITHUB_API_BASE: oauthBase.default('https://api.github.com'),
  HF_CLIENT_ID: oauthCredential.optional(),
  HF_CLIENT_SECRET: oauthCredential.optional(),
  HF_OAUTH_BASE: oauthBase.default('https://huggingface.co'),
  JOBS_ENABLED: bool.default('true'),
  JOBS_TICK_SECONDS: z.coerce.number({ error: 'expected a number of seconds' }).min(0.01, 'expected more than 0 seconds').max(3600, 'expected at most 3600 seconds').default(5),
  JOBS_SCHEDULE_REFRESH_SECONDS: z.coerce.number({ error: 'expected a number of seconds' }).min(0.05, 'expected 0.05 seconds or more').max(3600, 'expected at most 3600 seconds').default(30),
  JOBS_TIMEZONE: z.string().refine(isTimeZone, 'expected an IANA time zone, e.g. America/New_York or UTC').default('America/New_York'),
  ARXIV_HTML_URL: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).default('https://arxiv.org/html'),
  ARXIV_PDF_URL: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).default('https://arxiv.org/pdf'),
  FULLTEXT_DAILY_BUDGET: z.coerce.number({ error: 'expected a number' }).int('expected a whole number').min(0, 'expected 0 or more').max(100000, 'expected at most 100000').default(300),
  FULLTEXT_PER_RUN: z.coerce.number({ error: 'expected a number' }).int('expected a whole number').min(1, 'expected 1 or more').max(10000, 'expected at most 10000').default(40),
  ARXIV_OAI_URL: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).default('https://export.arxiv.org/oai2'),
  HARVEST_CATEGORIES: z
    .string()
    .regex(/^\s*[a-z][a-z-]*(\.[A-Za-z-]+)?(\s+[a-z][a-z-]*(\.[A-Za-z-]+)?)*\s*$/, 'expected arXiv categories separated by spaces, e.g. "cs.AI cs.CL stat.ML"')
    .default('cs.AI cs.CL cs.CV cs.LG stat.ML'),
  HARVEST_FIRST_DAYS: z.coerce.number({ error: 'expected a number of days' }).int('expected a whole number of days').min(0, 'expected 0 or more days').max(3650, 'expected at most 3650 days').default(3),
  HARVEST_DELAY_SECONDS: z.coerce.number({ error: 'expected a number of seconds' }).min(0, 'expected 0 or more seconds').max(600, 'expected at most 600 seconds').default(3),
  HARVEST_TIMEOUT_SECONDS: z.coerce.number({ error: 'expected a number of seconds' }).min(0.01, 'expected more than 0 seconds').max(3600, 'expected at most 3600 seconds').default(60),
  HARVEST_RETRY_AFTER_MAX_SECONDS: z.coerce.number({ error: 'expected a number of seconds' }).min(0, 'expected 0 or more seconds').max(86400, 'expected at most 86400 seconds').default(600),
  HF_MIRROR: bool.default('false'),
  HF_API_URL: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).default('https://huggingface.co'),
  HF_MIRROR_DAYS: z.coerce.number({ error: 'expected a number of days' }).int('expected a whole number of days').min(1, 'expected 1 or more days').max(60, 'expected at most 60 days').default(3),
  GITHUB_TOKEN: z.string().regex(/^[\x21-\x7e]{1,255}$/, 'expected a GitHub token (printable characters, no spaces)').optional(),
  GITHUB_STARS: bool.optional(),
  GITHUB_STARS_PER_RUN: z.coerce.number({ error: 'expected a number' }).int('expected a whole number').min(1, 'expected 1 or more').max(5000, 'expected at most 5000').default(50),
  IMAGES_BASE_URL: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).default('https://huggingface.co'),
  IMAGES_ALLOW_PRIVATE_ADDRESSES: bool.default('false'),
  IMAGES_FETCH_VIA: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).optional(),
  IMAGES_PER_RUN: z.coerce.number({ error: 'expected a number' }).int('expected a whole number').min(1, 'expected 1 or more').max(10000, 'expected at most 10000').default(500),
  EMBEDDER: z.enum(['builtin', 'transformers', 'openai', 'none'], { error: 'expected builtin, transformers, openai or none' }).default('builtin'),
  EMBEDDINGS_DIR: z.string().optional(),
  EMBEDDINGS_URL: z.url({ protocol: /^https?$/, error: 'expected the http(s) URL of an OpenAI-compatible server, e.g. http://127.0.0.1:11434' }).optional(),
  EMBEDDINGS_MODEL: z.string().regex(/^[\x21-\x7e]{1,200}$/, 'expected a model name, e.g. nomic-embed-text').optional(),
  EMBEDDINGS_API_KEY: z.string().regex(/^[\x21-\x7e]{1,500}$/, 'expected an API key (printable characters, no spaces)').optional(),
  TRANSFORMERS_MODEL_PATH: z.string().optional(),
  EMBEDDINGS_TIMEOUT_SECONDS: z.coerce.number({ error: 'expected a number of seconds' }).min(0.01, 'expected more than 0 seconds').max(3600, 'expected at most 3600 seconds').default(30),
  EMBEDDING_THREADS: z.coerce.number({ error: 'expected a number of threads' }).int('expected a whole number of threads').min(0, 'expected 0 (the main thread) or more').max(64, 'expected at most 64').optional(),
  SEMANTIC_FOLLOW_MS: z.coerce.number({ error: 'expected a number of milliseconds' }).int('expected a whole number of milliseconds').min(50, 'expected 50 ms or more').max(3_600_000, 'expected at most 3600000 ms').default(5000),
  LLM_URL: z.url({ protocol: /^https?$/, error: 'expected the http(s) base URL of an OpenAI-compatible server, e.g. http://127.0.0.1:11434/v1' }).optional(),
  LLM_MODEL: z.string().regex(/^[\x21-\x7e]{1,200}$/, 'expected a model name, e.g. llama3.2').optional(),
  LLM_API_KEY: z.string().regex(/^[\x21-\x7e]{1,500}$/, 'expected an API key (printable characters, no spaces)').optional(),
  LLM_TIMEOUT_SECONDS: z.coerce.number({ error: 'expected a number of seconds' }).min(0.01, 'expected more than 0 seconds').max(600, 'expected at most 600 seconds').default(60),
  LLM_MEMBER_REQUESTS_PER_DAY: z.coerce.number({ error: 'expected a number' }).int('expected a whole number').min(0, 'expected 0 or more').default(30),
  LLM_MEMBER_TOKENS_PER_DAY: z.coerce.number({ error: 'expected a number' }).int('expected a whole number').min(0, 'expected 0 or more').default(60000),
  LLM_SITE_REQUESTS_PER_DAY: z.coerce.number({ error: 'expected a number' }).int('expected a whole number').min(0, 'expected 0 or more').default(1000),
  LLM_SITE_TOKENS_PER_DAY: z.coerce.number({ error: 'expected a number' }).int('expected a whole number').min(0, 'expected 0 or more').default(2000000),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  METRICS: z.enum(['on', 'off'], { error: 'expected on or off' }).optional(),
  METRICS_TOKEN: z.string().regex(/^[\x21-\x7e]{16,200}$/, 'expected at least 16 printable characters, no spaces (e.g. from `openssl rand -hex 24`)').optional(),
});

/** True for a time zone this Node.js knows (IANA names, UTC). */
function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const SCHEDULE_PREFIX = 'SCHEDULE_';
const scheduleVar = (job: JobName) => SCHEDULE_PREFIX + job.toUpperCase().replace(/-/g, '_');

/** SCHEDULE_<JOB> variables: a 5-field cron expression or `off`; an unknown job or a bad expression is named. */
function jobSchedules(env: Record<string, string>, timezone: string): { schedules: JobsConfig['schedules']; problems: string[] } {
  const schedules: JobsConfig['schedules'] = {};
  const problems: string[] = [];
  for (const [key, value] of Object.entries(env)) {
    if (!key.startsWith(SCHEDULE_PREFIX)) continue;
    const job = JOB_NAMES.find((j) => scheduleVar(j) === key);
    if (!job) {
      problems.push(`${key}: no such job (expected one of ${JOB_NAMES.map(scheduleVar).join(', ')}) (got "${value}")`);
      continue;
    }
    const v = value.trim();
    if (v === 'off') {
      schedules[job] = null;
      continue;
    }
    const problem = cronProblem(v, timezone);
    if (problem) problems.push(`${key}: expected a cron expression of 5 fields (minute hour day month weekday) or "off": ${problem} (got "${value}")`);
    else schedules[job] = v;
  }
  return { schedules, problems };
}

/** A provider is on when both its variables are set; one without the other is a mistake worth stopping for. */
function oauthClient(
  env: NodeJS.ProcessEnv, idVar: string, secretVar: string, provider: string, c: { id?: string | undefined; secret?: string | undefined; baseUrl: string; apiUrl: string },
): OAuthClientConfig | undefined {
  if (c.id === undefined && c.secret === undefined) return undefined;
  if (c.id === undefined || c.secret === undefined) {
    const [missing, present] = c.id === undefined ? [idVar, secretVar] : [secretVar, idVar];
    throw new ConfigError(
      `invalid configuration:\n  ${missing}: required when ${present} is set (sign-in with ${provider} needs both; unset both to turn it off) (got "${env[missing] ?? ''}")`,
    );
  }
  const trim = (u: string) => u.replace(/\/+$/, '');
  return { clientId: c.id, clientSecret: c.secret, baseUrl: trim(c.baseUrl), apiUrl: trim(c.apiUrl) };
}

/** DKIM signing: DKIM_DOMAIN, DKIM_SELECTOR and a key (DKIM_PRIVATE_KEY, PEM, or DKIM_PRIVATE_KEY_FILE) all set, or none. */
function dkimConfig(e: { DKIM_DOMAIN?: string | undefined; DKIM_SELECTOR?: string | undefined; DKIM_PRIVATE_KEY?: string | undefined; DKIM_PRIVATE_KEY_FILE?: string | undefined }): DkimConfig | null {
  const any = e.DKIM_DOMAIN ?? e.DKIM_SELECTOR ?? e.DKIM_PRIVATE_KEY ?? e.DKIM_PRIVATE_KEY_FILE;
  if (any === undefined) return null;
  let key = e.DKIM_PRIVATE_KEY;
  if (key === undefined && e.DKIM_PRIVATE_KEY_FILE !== undefined) {
    try {
      key = readFileSync(e.DKIM_PRIVATE_KEY_FILE, 'utf8');
    } catch (err) {
      throw new ConfigError(`invalid configuration:\n  DKIM_PRIVATE_KEY_FILE: cannot read ${e.DKIM_PRIVATE_KEY_FILE}: ${(err as Error).message}`);
    }
  }
  if (!e.DKIM_DOMAIN || !e.DKIM_SELECTOR || !key) {
    throw new ConfigError('invalid configuration:\n  DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY (or DKIM_PRIVATE_KEY_FILE): set all of them to sign mail with DKIM, or none');
  }
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key)) throw new ConfigError('invalid configuration:\n  DKIM_PRIVATE_KEY: expected a PEM private key (-----BEGIN PRIVATE KEY-----…) (got a value, not shown)');
  return { domainName: e.DKIM_DOMAIN, keySelector: e.DKIM_SELECTOR, privateKey: key.replace(/\\n/g, '\n') };
}

/** Reads the configuration from an environment (process.env by default). Throws ConfigError. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Set but empty is a mistake (a missing secret in a deployment), not "use the local default file".
  if (env.DATABASE_URL !== undefined && env.DATABASE_URL.trim() === '') {
    throw new ConfigError('invalid configuration:\n  DATABASE_URL: set but empty; expected sqlite:PATH or postgres://USER@HOST:PORT/DB (unset it for the default sqlite:./data/dailypapers.db)');
  }
  const blankAsUnset = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(blankAsUnset);
  if (!parsed.success) {
    // Secrets are named, never echoed: the message ends up in logs.
    const got = (name: string) => (/_SECRET$|_TOKEN$|_API_KEY$|^REDIS_URL$/.test(name) ? 'a value, not shown' : `"${env[name]}"`);
    const msgs = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message} (got ${got(String(i.path[0]))})`);
    throw new ConfigError(`invalid configuration:\n  ${msgs.join('\n  ')}`);
  }
  const e = parsed.data;
  const { schedules, problems } = jobSchedules(blankAsUnset as Record<string, string>, e.JOBS_TIMEZONE);
  if (problems.length > 0) throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  const host = e.HOST === '0.0.0.0' || e.HOST === '::' ? '127.0.0.1' : e.HOST;
  const github = oauthClient(env, 'GITHUB_CLIENT_ID', 'GITHUB_CLIENT_SECRET', 'GitHub', { id: e.GITHUB_CLIENT_ID, secret: e.GITHUB_CLIENT_SECRET, baseUrl: e.GITHUB_OAUTH_BASE, apiUrl: e.GITHUB_API_BASE });
  const huggingface = oauthClient(env, 'HF_CLIENT_ID', 'HF_CLIENT_SECRET', 'Hugging Face', { id: e.HF_CLIENT_ID, secret: e.HF_CLIENT_SECRET, baseUrl: e.HF_OAUTH_BASE, apiUrl: e.HF_OAUTH_BASE });
  return {
    database: parseDatabaseUrl(e.DATABASE_URL),
    databaseBudgets: {
      web: { statementTimeoutMs: e.DATABASE_STATEMENT_TIMEOUT_SECONDS * 1000, idleInTransactionTimeoutMs: WEB_IDLE_IN_TRANSACTION_TIMEOUT_MS, connectTimeoutMs: e.DATABASE_CONNECT_TIMEOUT_SECONDS * 1000 },
      cli: { statementTimeoutMs: e.DATABASE_CLI_STATEMENT_TIMEOUT_SECONDS * 1000, idleInTransactionTimeoutMs: CLI_IDLE_IN_TRANSACTION_TIMEOUT_MS, connectTimeoutMs: e.DATABASE_CONNECT_TIMEOUT_SECONDS * 1000 },
    },
    port: e.PORT,
    host: e.HOST,
    site: {
      name: e.SITE_NAME,
      curators: e.SITE_CURATORS ?? null,
      publicUrl: (e.PUBLIC_URL ?? `http://${host}:${e.PORT}`).replace(/\/+$/, ''),
    },
    mail: { smtpUrl: e.SMTP_URL ?? null, from: e.MAIL_FROM ?? `${e.SITE_NAME} <noreply@${new URL(e.PUBLIC_URL ?? 'http://localhost').hostname}>`, dkim: dkimConfig(e) },
    digest: { dailyDays: parseDigestDays(e.DIGEST_DAILY_DAYS)! },
    trustProxy: parseTrustProxy(e.TRUST_PROXY) as TrustProxy,
    apiTokenReadLimit: e.API_TOKEN_READ_LIMIT,
    redisUrl: e.REDIS_URL ?? null,
    arxivApiUrl: e.ARXIV_API_URL,
    submissions: {
      who: e.SUBMIT_WHO, maxPaperAgeDays: e.SUBMIT_MAX_AGE_DAYS, dailyCap: e.SUBMIT_DAILY_CAP,
      weekends: e.SUBMIT_WEEKENDS === 'true' || e.SUBMIT_WEEKENDS === '1',
    },
    oauth: { ...(github ? { github } : {}), ...(huggingface ? { huggingface } : {}) },
    jobs: { enabled: isTrue(e.JOBS_ENABLED), tickMs: Math.round(e.JOBS_TICK_SECONDS * 1000), timezone: e.JOBS_TIMEZONE, schedules, scheduleRefreshMs: Math.round(e.JOBS_SCHEDULE_REFRESH_SECONDS * 1000) },
    harvest: {
      userAgent: `${e.SITE_NAME.replace(/[^\x20-\x7e]/g, '').trim() || 'Daily Papers'} (Daily Papers harvester; ${(e.PUBLIC_URL ?? `http://${host}:${e.PORT}`).replace(/\/+$/, '')})`,
      arxivOaiUrl: e.ARXIV_OAI_URL,
      categories: e.HARVEST_CATEGORIES.trim().split(/\s+/),
      firstDays: e.HARVEST_FIRST_DAYS,
      delayMs: Math.round(e.HARVEST_DELAY_SECONDS * 1000),
      timeoutMs: Math.round(e.HARVEST_TIMEOUT_SECONDS * 1000),
      retryAfterMaxMs: Math.round(e.HARVEST_RETRY_AFTER_MAX_SECONDS * 1000),
      hfMirror: isTrue(e.HF_MIRROR),
      hfApiUrl: e.HF_API_URL.replace(/\/+$/, ''),
      hfDays: e.HF_MIRROR_DAYS,
      githubToken: e.GITHUB_TOKEN ?? null,
      // Unauthenticated, GitHub allows 60 requests an hour: on with a token, or when asked for.
      githubStars: e.GITHUB_STARS === undefined ? e.GITHUB_TOKEN !== undefined : isTrue(e.GITHUB_STARS),
      githubApiUrl: e.GITHUB_API_BASE.replace(/\/+$/, ''),
      githubPerRun: e.GITHUB_STARS_PER_RUN,
      imagesBase: e.IMAGES_BASE_URL.replace(/\/+$/, ''),
      imagesAllowPrivate: isTrue(e.IMAGES_ALLOW_PRIVATE_ADDRESSES),
      imagesVia: e.IMAGES_FETCH_VIA ?? null,
      imagesPerRun: e.IMAGES_PER_RUN,
    },
    fulltext: { htmlUrl: e.ARXIV_HTML_URL.replace(/\/+$/, ''), pdfUrl: e.ARXIV_PDF_URL.replace(/\/+$/, ''), dailyBudget: e.FULLTEXT_DAILY_BUDGET, perRun: e.FULLTEXT_PER_RUN },
    embeddings: embeddingsConfig(e, parseDatabaseUrl(e.DATABASE_URL)),
    llm: llmConfig(e),
    observability: {
      logLevel: e.LOG_LEVEL,
      // A token turns /metrics on unless METRICS=off says otherwise.
      metrics: { enabled: e.METRICS === 'on' || (e.METRICS === undefined && e.METRICS_TOKEN !== undefined), token: e.METRICS_TOKEN ?? null },
    },
  };
}

function llmConfig(e: z.infer<typeof EnvSchema>): LlmConfig | null {
  if (!e.LLM_URL) return null;
  if (!e.LLM_MODEL) throw new ConfigError('invalid configuration:\n  LLM_MODEL: required when LLM_URL is set (the model name the server knows, e.g. llama3.2)');
  return {
    url: e.LLM_URL.replace(/\/+$/, ''), model: e.LLM_MODEL, apiKey: e.LLM_API_KEY ?? null, timeoutMs: Math.round(e.LLM_TIMEOUT_SECONDS * 1000),
    budgets: { memberRequests: e.LLM_MEMBER_REQUESTS_PER_DAY, memberTokens: e.LLM_MEMBER_TOKENS_PER_DAY, siteRequests: e.LLM_SITE_REQUESTS_PER_DAY, siteTokens: e.LLM_SITE_TOKENS_PER_DAY },
  };
}

function embeddingsConfig(e: z.infer<typeof EnvSchema>, database: DatabaseConfig): EmbeddingsConfig {
  const problem = (name: string, why: string) => new ConfigError(`invalid configuration:\n  ${name}: ${why}`);
  if (e.EMBEDDER === 'openai' && !e.EMBEDDINGS_URL) throw problem('EMBEDDINGS_URL', 'required when EMBEDDER=openai (an OpenAI-compatible server, e.g. http://127.0.0.1:11434 for Ollama)');
  if (e.EMBEDDER === 'openai' && !e.EMBEDDINGS_MODEL) throw problem('EMBEDDINGS_MODEL', 'required when EMBEDDER=openai (the model name the server knows, e.g. nomic-embed-text)');
  const besideDb = database.engine === 'sqlite' && database.path !== ':memory:' ? path.dirname(database.path) : path.resolve('data');
  return {
    embedder: e.EMBEDDER,
    dir: e.EMBEDDINGS_DIR ? path.resolve(e.EMBEDDINGS_DIR) : besideDb,
    url: e.EMBEDDINGS_URL ?? null,
    model: e.EMBEDDINGS_MODEL ?? (e.EMBEDDER === 'transformers' ? 'Xenova/all-MiniLM-L6-v2' : null),
    apiKey: e.EMBEDDINGS_API_KEY ?? null,
    transformersModelPath: e.TRANSFORMERS_MODEL_PATH ? path.resolve(e.TRANSFORMERS_MODEL_PATH) : null,
    timeoutMs: Math.round(e.EMBEDDINGS_TIMEOUT_SECONDS * 1000),
    followMs: e.SEMANTIC_FOLLOW_MS,
    // Unset: the embedder's default (src/search/embedders/lsa-pool.ts, defaultEmbedThreads).
    ...(e.EMBEDDING_THREADS !== undefined ? { threads: e.EMBEDDING_THREADS } : {}),
  };
}
