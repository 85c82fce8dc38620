/**
 * Papers' full text (migration 30; docs/decisions/0034-full-text.md): the Markdown made from arXiv's HTML or
 * the PDF, which papers still need it, failures, and the requests counted against the daily budget.
 *
 * `getFullText` is the one read the rest of the site uses (the reading view, `/papers/ID.md`, summaries,
 * Ask this paper).
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../schema.ts';

type Db = Kysely<DB>;

export interface FullText {
  /** The arXiv version it was made from (`v3`), or `latest` when arXiv did not say. */
  version: string;
  source: 'html' | 'pdf';
  markdown: string;
  /** Headings in document order; the anchors are the ids the reading view gives them. */
  sections: { anchor: string; title: string; level: number }[];
}

/** A paper failing this many times for one version is left alone until a new version appears. */
export const FULLTEXT_MAX_ATTEMPTS = 3;
/** Requests older than this are forgotten (the budget counts the last 24 hours). */
const REQUESTS_KEPT_MS = 2 * 24 * 3_600_000;

/** A paper's full text, or null when the site has none. */
export async function getFullText(db: Db, paperId: string): Promise<FullText | null> {
  const row = await db.selectFrom('paper_fulltext').select(['version', 'source', 'markdown', 'sections']).where('paper_id', '=', paperId).executeTakeFirst();
  if (!row) return null;
  let sections: FullText['sections'] = [];
  try {
    const parsed: unknown = JSON.parse(row.sections);
    if (Array.isArray(parsed)) sections = parsed as FullText['sections'];
  } catch {
    // A row is written whole by storeFullText; an unreadable list only loses the table of contents.
  }
  return { version: row.version, source: row.source === 'pdf' ? 'pdf' : 'html', markdown: row.markdown, sections };
}

/** Which of these papers have full text (for links to the reading view). */
export async function papersWithFullText(db: Db, ids: readonly string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db.selectFrom('paper_fulltext').select('paper_id').where('paper_id', 'in', ids.slice(i, i + 500)).execute();
    for (const r of rows) out.add(r.paper_id);
  }
  return out;
}

export interface StoredFullText extends FullText {
  paperId: string;
  sourceUrl: string;
  sourceBytes: number;
  counts: Record<string, number>;
}

/** Stores (or replaces) a paper's full text and forgets its failures. One transaction: never half-written. */
export async function storeFullText(db: Db, t: StoredFullText, now: Date): Promise<void> {
  const row = {
    version: t.version, version_number: versionNumber(t.version), source: t.source, source_url: t.sourceUrl, markdown: t.markdown,
    sections: JSON.stringify(t.sections), counts: JSON.stringify(t.counts), source_bytes: t.sourceBytes, fetched_at: now.toISOString(),
  };
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('paper_fulltext')
      .values({ paper_id: t.paperId, ...row })
      .onConflict((oc) => oc.column('paper_id').doUpdateSet(row))
      .execute();
    await trx.deleteFrom('fulltext_failures').where('paper_id', '=', t.paperId).execute();
  });
}

/** Notes a failed attempt at a paper's version (0: unknown); the count starts again for a new version. */
export async function recordFullTextFailure(db: Db, paperId: string, version: number, error: string, now: Date): Promise<void> {
  const why = error.slice(0, 500);
  const at = now.toISOString();
  await db
    .insertInto('fulltext_failures')
    .values({ paper_id: paperId, version_number: version, error: why, attempts: 1, tried_at: at })
    .onConflict((oc) =>
      oc.column('paper_id').doUpdateSet((eb) => ({
        error: why,
        tried_at: at,
        attempts: sql<number>`case when ${eb.ref('fulltext_failures.version_number')} = ${version} then ${eb.ref('fulltext_failures.attempts')} + 1 else 1 end`,
        version_number: version,
      })),
    )
    .execute();
}

export interface PendingPaper {
  id: string;
  /** The paper's latest version as the site knows it (null: unknown). */
  version: number | null;
  /** The version stored now, when there is one (a re-fetch). */
  storedVersion: string | null;
}

/**
 * Papers on the lists that need their full text, newest day first, at most `limit`: those without any, and
 * those whose stored text is of an older version than the paper's. Papers that failed FULLTEXT_MAX_ATTEMPTS
 * times for their current version are skipped.
 */
export async function pendingFullText(db: Db, limit: number): Promise<PendingPaper[]> {
  const rows = await db
    .selectFrom('daily_entries as e')
    .innerJoin('papers as p', 'p.id', 'e.paper_id')
    .leftJoin('paper_fulltext as f', 'f.paper_id', 'p.id')
    .leftJoin('fulltext_failures as x', 'x.paper_id', 'p.id')
    .select((eb) => ['p.id as id', 'p.version as version', 'f.version as storedVersion', eb.fn.max('e.day').as('day')])
    .where((eb) => eb.or([eb('f.paper_id', 'is', null), eb('f.version_number', '<', eb.fn.coalesce('p.version', sql.lit(0)))]))
    .where((eb) =>
      eb.or([eb('x.paper_id', 'is', null), eb('x.version_number', '!=', eb.fn.coalesce('p.version', sql.lit(0))), eb('x.attempts', '<', FULLTEXT_MAX_ATTEMPTS)]),
    )
    .groupBy(['p.id', 'p.version', 'f.version'])
    .orderBy('day', 'desc')
    .orderBy('p.id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ id: r.id, version: r.version, storedVersion: r.storedVersion }));
}

/** `v3` → 3; `latest` → 0 (older than any known version: the next run stores the numbered one). */
export function versionNumber(v: string): number {
  const m = /^v(\d+)$/.exec(v);
  return m ? Number(m[1]) : 0;
}

/** A paper's latest known version, and whether it exists (for `fulltext fetch --ids`). */
export async function paperVersion(db: Db, id: string): Promise<{ version: number | null } | undefined> {
  return db.selectFrom('papers').select('version').where('id', '=', id).executeTakeFirst();
}

/** Requests made to arXiv for full text since `since`. */
export async function fullTextRequestsSince(db: Db, since: Date): Promise<number> {
  const r = await db
    .selectFrom('fulltext_requests')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('requested_at', '>', since.toISOString())
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Counts a request against the budget (and forgets those nothing counts any more). */
export async function recordFullTextRequest(db: Db, url: string, status: number, now: Date): Promise<void> {
  await db.deleteFrom('fulltext_requests').where('requested_at', '<', new Date(now.getTime() - REQUESTS_KEPT_MS).toISOString()).execute();
  await db.insertInto('fulltext_requests').values({ url: url.slice(0, 500), status, requested_at: now.toISOString() }).execute();
}

export interface FullTextStats {
  html: number;
  pdf: number;
  failing: number;
  /** Papers on the lists without full text (or with an older version's). */
  pending: number;
  requestsLast24h: number;
  recentFailures: { paperId: string; version: number; error: string; attempts: number; triedAt: string }[];
}

export async function fullTextStats(db: Db, now: Date): Promise<FullTextStats> {
  const bySource = await db.selectFrom('paper_fulltext').select(['source', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('source').execute();
  const failing = await db
    .selectFrom('fulltext_failures')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('attempts', '>=', FULLTEXT_MAX_ATTEMPTS)
    .executeTakeFirstOrThrow();
  const recent = await db.selectFrom('fulltext_failures').selectAll().orderBy('tried_at', 'desc').limit(10).execute();
  return {
    html: Number(bySource.find((r) => r.source === 'html')?.n ?? 0),
    pdf: Number(bySource.find((r) => r.source === 'pdf')?.n ?? 0),
    failing: Number(failing.n),
    pending: (await pendingFullText(db, 100_000)).length,
    requestsLast24h: await fullTextRequestsSince(db, new Date(now.getTime() - 24 * 3_600_000)),
    recentFailures: recent.map((r) => ({ paperId: r.paper_id, version: r.version_number, error: r.error, attempts: r.attempts, triedAt: r.tried_at })),
  };
}
