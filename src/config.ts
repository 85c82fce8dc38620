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
}

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
});

/** Reads the configuration from an environment (process.env by default). Throws ConfigError. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const blankAsUnset = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(blankAsUnset);
  if (!parsed.success) {
    const msgs = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message} (got "${env[String(i.path[0])]}")`);
    throw new ConfigError(`invalid configuration:\n  ${msgs.join('\n  ')}`);
  }
  const e = parsed.data;
  const host = e.HOST === '0.0.0.0' || e.HOST === '::' ? '127.0.0.1' : e.HOST;
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
  };
}
