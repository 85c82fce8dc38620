/**
 * Saved-search alerts (docs/decisions/0009-email-delivery.md): once a day, for every member with saved searches
 * whose mail is on, run each search through the shared search (src/search/hybrid.ts), keep the papers that
 * entered the database since the search's mark and were not mailed for it before, and enqueue one mail per
 * member under the dedupe key `alert:USER:DAY`. The matches and the new marks are written in the transaction
 * that enqueues the mail, so a run repeated or run twice at once mails each paper once.
 */
import { createHmac } from 'node:crypto';
import { sameToken } from '../auth/crypto.ts';
import type { SiteConfig } from '../config.ts';
import type { Database } from '../db/connection.ts';
import {
  enabledSavedSearchesOf, mailPapers, markChecked, membersWithAlerts, newPapersSince, newUnalerted, recordAlertRun,
  type NewPapersSince, type SavedSearch,
} from '../db/queries/saved-searches.ts';
import { linkSecret } from '../db/queries/subscribers.ts';
import { localDay, shortAbstract } from '../domain/digest.ts';
import { ALERT_PAPERS_PER_SEARCH, ALERT_SEARCH_LIMIT, nextMark } from '../domain/saved-searches.ts';
import { search, type SearchMode } from '../search/hybrid.ts';
import type { SearchFilters } from '../search/keyword.ts';
import { usableSemantic, type SemanticIndex } from '../search/types.ts';
import { searchQueryString } from '../http/search-params.ts';
import { deliverOutbox, type DeliverOptions, type DeliverResult } from './delivery.ts';
import { alertMail, type AlertLinks, type DigestSection } from './digest-templates.ts';
import type { Mailer } from './mailer.ts';

/** Members read and mailed at a time. */
export const ALERT_MEMBER_BATCH = 100;

export const alertDedupeKey = (userId: number, day: string) => `alert:${userId}:${day}`;

/**
 * The mode an alert runs in. Hybrid's semantic half has no cut-off (the nearest papers are always "found"), so
 * a hybrid saved search is alerted, and its feed linked, as keyword; semantic stays semantic when there is an index.
 */
export const alertMode = (mode: SearchMode, semantic: boolean): SearchMode => (mode === 'semantic' && semantic ? 'semantic' : 'keyword');

/** The search page / feed query string of a saved search, as its alert runs it (newest first). */
export const alertQueryString = (s: Pick<SavedSearch, 'query' | 'filters' | 'mode'>, semantic: boolean) =>
  searchQueryString({ q: s.query, mode: alertMode(s.mode, semantic), sort: 'date', filters: s.filters }, {}, { mode: 'hybrid', sort: 'relevance' });

// ---- signed links: turn off one saved search's alert, or all of a member's

const signature = (secret: string, payload: string) => createHmac('sha256', secret).update(payload).digest('base64url');

/** `USER.SIG` (all of a member's alerts) or `USER.SEARCH.SIG` (one saved search). */
export function signAlertLink(secret: string, userId: number, savedSearchId?: number): string {
  const payload = savedSearchId === undefined ? `alerts:${userId}` : `alerts:${userId}:${savedSearchId}`;
  return `${userId}${savedSearchId === undefined ? '' : `.${savedSearchId}`}.${signature(secret, payload)}`;
}

/** What a signed alert link turns off, or undefined when it is malformed or forged. */
export async function alertLinkTarget(database: Database, token: string | undefined): Promise<{ userId: number; savedSearchId: number | null } | undefined> {
  const m = /^(\d{1,12})(?:\.(\d{1,12}))?\.([\w-]{43})$/.exec(token ?? '');
  if (!m) return undefined;
  const userId = Number(m[1]);
  const savedSearchId = m[2] === undefined ? null : Number(m[2]);
  const expected = signature(await linkSecret(database.db), savedSearchId === null ? `alerts:${userId}` : `alerts:${userId}:${savedSearchId}`);
  return sameToken(expected, m[3]!) ? { userId, savedSearchId } : undefined;
}

export function alertLinks(site: SiteConfig, token: string): AlertLinks {
  const t = encodeURIComponent(token);
  return { manage: `${site.publicUrl}/settings/alerts`, turnOff: `${site.publicUrl}/alerts/off?token=${t}`, oneClick: `${site.publicUrl}/alerts/off/one-click?token=${t}` };
}

// ---- the run

export interface RunAlertsOptions {
  site: SiteConfig;
  semantic: SemanticIndex | null;
  now?: Date;
  /** Deliver what was enqueued, through this mailer, before returning. */
  mailer?: Mailer;
  deliver?: DeliverOptions;
}

export interface RunAlertsResult {
  day: string;
  /** Members with alerts on, and their saved searches run. */
  members: number;
  searches: number;
  /** Mails enqueued by this run, and members whose mail of the day an earlier run had enqueued (theirs wait for tomorrow). */
  enqueued: number;
  alreadyQueued: number;
  /** Papers mailed, summed over saved searches. */
  papers: number;
  delivery?: DeliverResult;
}

interface Found {
  search: SavedSearch;
  paperIds: string[];
  mark: string;
}

export async function runSavedSearchAlerts(database: Database, opts: RunAlertsOptions): Promise<RunAlertsResult> {
  const now = opts.now ?? new Date();
  const { db } = database;
  const day = localDay(now);
  const result: RunAlertsResult = { day, members: 0, searches: 0, enqueued: 0, alreadyQueued: 0, papers: 0 };
  const secret = await linkSecret(db);
  // Marks are shared by many searches (a run moves them all to the same place): ask once per mark.
  const sinceCache = new Map<string, Promise<NewPapersSince>>();
  const since = (mark: string) => {
    let p = sinceCache.get(mark);
    if (!p) sinceCache.set(mark, (p = newPapersSince(db, mark)));
    return p;
  };

  let afterId = 0;
  for (;;) {
    const members = await membersWithAlerts(db, afterId, ALERT_MEMBER_BATCH);
    if (members.length === 0) break;
    afterId = members.at(-1)!.userId;
    const searches = await enabledSavedSearchesOf(db, members.map((m) => m.userId));
    for (const member of members) {
      result.members++;
      const found: Found[] = [];
      const checked: { savedSearchId: number; mark: string }[] = [];
      for (const s of searches.filter((x) => x.userId === member.userId)) {
        result.searches++;
        const fresh = await since(s.alertedUntil);
        if (fresh.count === 0) {
          checked.push({ savedSearchId: s.id, mark: s.alertedUntil });
          continue;
        }
        const mark = nextMark(s.alertedUntil, fresh.newest, now);
        // Only papers published on or after the earliest new one can be new: the newest-first list reaches them sooner.
        const filters: SearchFilters = { ...s.filters };
        if (fresh.earliestDay && (!filters.from || filters.from < fresh.earliestDay)) filters.from = fresh.earliestDay;
        const outcome = await search(
          { database, semantic: opts.semantic },
          { q: s.query, mode: alertMode(s.mode, usableSemantic(opts.semantic) !== null), filters, sort: 'date', limit: ALERT_SEARCH_LIMIT, offset: 0 },
        );
        // Out of time: checked again next run (not marked, so no paper is skipped).
        if (outcome.kind === 'too-slow') continue;
        const ids = outcome.kind === 'results' ? await newUnalerted(db, s.id, outcome.hits.map((h) => h.paperId), s.alertedUntil) : [];
        if (ids.length > 0) found.push({ search: s, paperIds: ids, mark });
        else checked.push({ savedSearchId: s.id, mark });
      }
      if (found.length === 0) {
        await markChecked(db, checked, now);
        continue;
      }
      const papers = await mailPapers(db, found.flatMap((f) => f.paperIds.slice(0, ALERT_PAPERS_PER_SEARCH)));
      const sections: DigestSection[] = found.map((f) => {
        const shown = f.paperIds.slice(0, ALERT_PAPERS_PER_SEARCH).flatMap((id) => {
          const p = papers.get(id);
          return p ? [{ ...p, abstract: shortAbstract(p.abstract) }] : [];
        });
        const qs = alertQueryString(f.search, usableSemantic(opts.semantic) !== null);
        const n = f.paperIds.length;
        return {
          id: `alert:${f.search.id}`,
          title: `“${f.search.name}”`,
          intro: n > shown.length ? `${n} new papers; the newest ${shown.length} here.` : `${n} new paper${n === 1 ? '' : 's'}.`,
          papers: shown,
          links: [
            { href: `${opts.site.publicUrl}/papers/search${qs}`, label: 'All results' },
            { href: `${opts.site.publicUrl}/papers/search/feed.atom${qs}`, label: 'Feed' },
            { href: alertLinks(opts.site, signAlertLink(secret, member.userId, f.search.id)).turnOff, label: 'Turn off this alert' },
          ],
        };
      });
      const mail = alertMail(opts.site, { to: member.email, day, sections, links: alertLinks(opts.site, signAlertLink(secret, member.userId)) });
      const enqueued = await db.transaction().execute(async (trx) => {
        const row = await trx.insertInto('outbox').values({
          to_address: mail.to, subject: mail.subject, text_body: mail.text, html_body: mail.html ?? null, created_at: now.toISOString(),
          kind: 'alert', status: 'queued', dedupe_key: alertDedupeKey(member.userId, day), next_attempt_at: now.toISOString(),
          headers: JSON.stringify(mail.headers ?? {}), subscriber_id: null,
        }).onConflict((oc) => oc.column('dedupe_key').doNothing()).returning('id').executeTakeFirst();
        // Today's mail went already (an earlier run): leave the found papers and their marks for tomorrow's.
        if (!row) return false;
        await recordAlertRun(trx, found.map((f) => ({ savedSearchId: f.search.id, paperIds: f.paperIds, mark: f.mark })), now);
        await markChecked(trx, checked, now);
        return true;
      });
      if (enqueued) {
        result.enqueued++;
        result.papers += found.reduce((n, f) => n + f.paperIds.length, 0);
      } else {
        result.alreadyQueued++;
        await markChecked(db, checked, now);
      }
    }
  }
  if (opts.mailer) result.delivery = await deliverOutbox(database, opts.mailer, { now, ...opts.deliver });
  return result;
}

export const describeAlerts = (r: RunAlertsResult): string => {
  const d = r.delivery;
  return `${r.day}: ${r.members} members, ${r.searches} saved searches, ${r.enqueued} mails enqueued (${r.papers} papers), ${r.alreadyQueued} already sent today${d ? `; ${d.sent} sent, ${d.retrying} retrying, ${d.failed} failed` : ''}`;
};
