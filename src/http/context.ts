/** What every handler may use: the database, the site settings and the clock (a function, for tests). */
import type { Context } from 'hono';
import type { SiteConfig } from '../config.ts';
import type { Database } from '../db/connection.ts';
import { errorPage } from './views/layout.ts';

export interface AppDeps {
  database: Database;
  site: SiteConfig;
  now?: () => Date;
}

export interface Deps {
  database: Database;
  site: SiteConfig;
  now: () => Date;
}

/** A 4xx page (HTML) that says what is wrong. */
export function htmlError(c: Context, deps: Deps, status: 400 | 404, heading: string, message: string) {
  return c.html(errorPage(deps.site, status, heading, message), status);
}

/** Cards on a list page. */
export const PAGE_SIZE = 30;

/** `?p=` (1-based page number): null when present but not a page number. */
export function pageParam(c: Context): number | null {
  const raw = c.req.query('p');
  if (raw === undefined || raw === '') return 1;
  return /^\d{1,6}$/.test(raw) && Number(raw) >= 1 ? Number(raw) : null;
}
