/**
 * The parameters of a search, as the page, the feeds and the API read them from the URL:
 * q, mode (hybrid|keyword|semantic), sort (relevance|date|upvotes), from, to (YYYY-MM-DD), cat, org,
 * code=1 (has code), listed=1 (was on a daily list). A bad value is a message naming the parameter.
 */
import { parseDay } from '../domain/dates.ts';
import { normalizeCategory } from '../domain/search-query.ts';
import { SEARCH_MODES, SEARCH_SORTS, type SearchMode } from '../search/hybrid.ts';
import type { SearchFilters, SearchSort } from '../search/keyword.ts';

export interface SearchParams {
  q: string;
  mode: SearchMode;
  sort: SearchSort;
  filters: SearchFilters;
}

const flag = (v: string | undefined) => v !== undefined && /^(1|true|on|yes)$/i.test(v);

export function parseSearchParams(
  query: Record<string, string>,
  defaults: { mode: SearchMode; sort: SearchSort },
): { ok: true; params: SearchParams } | { ok: false; message: string } {
  const q = query.q ?? '';
  const mode = query.mode || defaults.mode;
  if (!(SEARCH_MODES as readonly string[]).includes(mode)) return { ok: false, message: 'mode: expected hybrid, keyword or semantic' };
  const sort = query.sort || defaults.sort;
  if (!(SEARCH_SORTS as readonly string[]).includes(sort)) return { ok: false, message: 'sort: expected relevance, date or upvotes' };
  const filters: SearchFilters = {};
  for (const key of ['from', 'to'] as const) {
    const v = query[key];
    if (v === undefined || v === '') continue;
    const day = parseDay(v);
    if (!day) return { ok: false, message: `${key}: expected a day, YYYY-MM-DD` };
    filters[key] = day;
  }
  if (filters.from && filters.to && filters.from > filters.to) return { ok: false, message: 'from: the first day comes after the last (to)' };
  if (query.cat) {
    const cat = normalizeCategory(query.cat);
    if (!cat) return { ok: false, message: 'cat: expected an arXiv category, for example cs.CL' };
    filters.category = cat;
  }
  if (query.org) {
    if (query.org.length > 100) return { ok: false, message: 'org: at most 100 characters' };
    filters.organization = query.org.trim();
  }
  if (flag(query.code)) filters.hasCode = true;
  if (flag(query.listed)) filters.listed = true;
  return { ok: true, params: { q, mode: mode as SearchMode, sort: sort as SearchSort, filters } };
}

/** The URL query string of a search (only what differs from the defaults), with `extra` on top. */
export function searchQueryString(p: SearchParams, extra: Record<string, string | number> = {}, defaults = { mode: 'hybrid', sort: 'relevance' }): string {
  const u = new URLSearchParams();
  if (p.q !== '') u.set('q', p.q);
  if (p.mode !== defaults.mode) u.set('mode', p.mode);
  if (p.sort !== defaults.sort) u.set('sort', p.sort);
  if (p.filters.from) u.set('from', p.filters.from);
  if (p.filters.to) u.set('to', p.filters.to);
  if (p.filters.category) u.set('cat', p.filters.category);
  if (p.filters.organization) u.set('org', p.filters.organization);
  if (p.filters.hasCode) u.set('code', '1');
  if (p.filters.listed) u.set('listed', '1');
  for (const [k, v] of Object.entries(extra)) u.set(k, String(v));
  const s = u.toString();
  return s === '' ? '' : `?${s}`;
}
