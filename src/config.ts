/**
 * Configuration, read from the environment once at start, validated, and passed down.
 * A bad value stops the program with a message naming the variable and what was expected.
 */
import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_RULES, type SubmissionRules } from './domain/submission-rules.ts';

export type DatabaseConfig =
  | { engine: 'sqlite'; path: string }
  | { engine: 'postgres'; url: string };

export interface Config {
  database: DatabaseConfig;
  port: number;
  host: string;
  site: SiteConfig;
  mail: { smtpUrl: string | null; from: string };
  /** Behind a reverse proxy, take the client's address from X-Forwarded-For (else the socket's). */
  trustProxy: boolean;
  /** The arXiv API's query endpoint, for papers members submit that are not in the database yet. */
  arxivApiUrl: string;
  submissions: SubmissionRules;
  /** Sign-in with GitHub and Hugging Face: a provider is here only when its client id and secret are both set. */
  oauth: OAuthConfig;
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

const EnvSchema = z.object({
  DATABASE_URL: z.string().default(DEFAULT_DATABASE_URL),
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
  TRUST_PROXY: z.enum(['true', 'false', '1', '0'], { error: 'expected true or false' }).default('false'),
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
});

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

/** Reads the configuration from an environment (process.env by default). Throws ConfigError. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const blankAsUnset = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(blankAsUnset);
  if (!parsed.success) {
    // Secrets are named, never echoed: the message ends up in logs.
    const got = (name: string) => (/_SECRET$/.test(name) ? 'a value, not shown' : `"${env[name]}"`);
    const msgs = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message} (got ${got(String(i.path[0]))})`);
    throw new ConfigError(`invalid configuration:\n  ${msgs.join('\n  ')}`);
  }
  const e = parsed.data;
  const host = e.HOST === '0.0.0.0' || e.HOST === '::' ? '127.0.0.1' : e.HOST;
  const github = oauthClient(env, 'GITHUB_CLIENT_ID', 'GITHUB_CLIENT_SECRET', 'GitHub', { id: e.GITHUB_CLIENT_ID, secret: e.GITHUB_CLIENT_SECRET, baseUrl: e.GITHUB_OAUTH_BASE, apiUrl: e.GITHUB_API_BASE });
  const huggingface = oauthClient(env, 'HF_CLIENT_ID', 'HF_CLIENT_SECRET', 'Hugging Face', { id: e.HF_CLIENT_ID, secret: e.HF_CLIENT_SECRET, baseUrl: e.HF_OAUTH_BASE, apiUrl: e.HF_OAUTH_BASE });
  return {
    database: parseDatabaseUrl(e.DATABASE_URL),
    port: e.PORT,
    host: e.HOST,
    site: {
      name: e.SITE_NAME,
      curators: e.SITE_CURATORS ?? null,
      publicUrl: (e.PUBLIC_URL ?? `http://${host}:${e.PORT}`).replace(/\/+$/, ''),
    },
    mail: { smtpUrl: e.SMTP_URL ?? null, from: e.MAIL_FROM ?? `${e.SITE_NAME} <noreply@${new URL(e.PUBLIC_URL ?? 'http://localhost').hostname}>` },
    trustProxy: e.TRUST_PROXY === 'true' || e.TRUST_PROXY === '1',
    arxivApiUrl: e.ARXIV_API_URL,
    submissions: {
      who: e.SUBMIT_WHO, maxPaperAgeDays: e.SUBMIT_MAX_AGE_DAYS, dailyCap: e.SUBMIT_DAILY_CAP,
      weekends: e.SUBMIT_WEEKENDS === 'true' || e.SUBMIT_WEEKENDS === '1',
    },
    oauth: { ...(github ? { github } : {}), ...(huggingface ? { huggingface } : {}) },
  };
}
