/**
 * Saved searches and their alerts, the pure part: limits, names, the filters kept as JSON, and what an alert
 * mail holds. The run is src/email/alerts.ts; the queries src/db/queries/saved-searches.ts.
 */
import type { SearchMode } from '../search/hybrid.ts';
import type { SearchFilters } from '../search/keyword.ts';

/** A member keeps at most this many saved searches (each costs a search per alert run). */
export const MAX_SAVED_SEARCHES = 25;
export const MAX_SAVED_NAME = 100;
export const MAX_SAVED_QUERY = 1000;
/** Each saved search's alert asks the shared search for this many of the newest matches. */
export const ALERT_SEARCH_LIMIT = 200;
/** At most this many papers of one saved search in one mail (the rest: "and N more", with the link). */
export const ALERT_PAPERS_PER_SEARCH = 20;
/**
 * After a run the mark moves to the newest paper seen, but never closer to the run than this: papers whose
 * import committed late, with an earlier created_at, are still looked at next time (matches already mailed
 * are remembered, so the overlap never repeats one).
 */
export const ALERT_MARK_OVERLAP_MS = 6 * 60 * 60_000;
/** Recent matches listed per saved search on /settings/alerts. */
export const RECENT_MATCHES_SHOWN = 10;

/** A name from the form, or one made from the query. */
export function savedSearchName(name: string, query: string, filters: SearchFilters): string {
  const clean = name.trim().replace(/\s+/g, ' ').slice(0, MAX_SAVED_NAME);
  if (clean) return clean;
  const q = query.trim().replace(/\s+/g, ' ');
  const parts = [q, filters.category, filters.organization].filter((x): x is string => Boolean(x));
  return (parts.join(' · ') || 'Saved search').slice(0, MAX_SAVED_NAME);
}

export const serializeFilters = (f: SearchFilters): string => JSON.stringify({
  ...(f.from ? { from: f.from } : {}), ...(f.to ? { to: f.to } : {}), ...(f.category ? { category: f.category } : {}),
  ...(f.organization ? { organization: f.organization } : {}), ...(f.hasCode ? { hasCode: true } : {}), ...(f.listed ? { listed: true } : {}),
});

export function parseFilters(s: string): SearchFilters {
  try {
    const v = JSON.parse(s) as Record<string, unknown>;
    if (!v || typeof v !== 'object') return {};
    const str = (x: unknown) => (typeof x === 'string' && x !== '' ? x : null);
    const out: SearchFilters = {};
    if (str(v.from)) out.from = str(v.from);
    if (str(v.to)) out.to = str(v.to);
    if (str(v.category)) out.category = str(v.category);
    if (str(v.organization)) out.organization = str(v.organization);
    if (v.hasCode === true) out.hasCode = true;
    if (v.listed === true) out.listed = true;
    return out;
  } catch {
    return {};
  }
}

export const isSearchMode = (m: string): m is SearchMode => m === 'hybrid' || m === 'keyword' || m === 'semantic';

/** The later of two ISO instants. */
export const laterOf = (a: string, b: string): string => (a >= b ? a : b);

/** Where the mark goes after a run that saw papers up to `newestSeen` (null: none new). */
export function nextMark(current: string, newestSeen: string | null, now: Date): string {
  if (newestSeen === null) return current;
  const cap = new Date(now.getTime() - ALERT_MARK_OVERLAP_MS).toISOString();
  return laterOf(current, newestSeen < cap ? newestSeen : cap);
}
