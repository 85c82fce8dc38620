/** Papers: reading them, and writing a batch of imported records merged into what is stored. */
import { PostgresAdapter, sql, type Insertable, type Kysely, type Selectable } from 'kysely';
import { differs, mergeEntry, mergePaper, type DailyEntry, type Paper } from '../../domain/merge.ts';
import type { ImportRecord, OrganizationInput, SubmitterInput } from '../../domain/paper.ts';
import { CHANGE_CHANNEL, noteLocalWrite, POSTGRES_VERSION_SEQUENCES, SQLITE_VERSION_KEYS, type Scope } from '../change-feed.ts';
import type { DB, PapersTable } from '../schema.ts';

type Db = Kysely<DB>;

/** How each record of a batch changed the database. */
export interface BatchCounts {
  new: number;
  updated: number;
  unchanged: number;
}

const json = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));
const parseJson = <T>(v: string | null): T | null => (v === null ? null : (JSON.parse(v) as T));

export function rowToPaper(r: Selectable<PapersTable>, orgName: string | null): Paper {
  return {
    id: r.id, version: r.version, title: r.title, abstract: r.abstract,
    authors: JSON.parse(r.authors), categories: r.categories === '' ? [] : r.categories.split(' '),
    publishedAt: r.published_at, updatedAt: r.updated_at, doi: r.doi, journalRef: r.journal_ref,
    comments: r.comments, reportNo: r.report_no, license: r.license, arxivSubmitter: r.arxiv_submitter,
    githubRepo: r.github_repo, githubStars: r.github_stars, projectPage: r.project_page,
    aiSummary: r.ai_summary, aiKeywords: parseJson(r.ai_keywords), upvotes: r.upvotes,
    hfAuthors: parseJson(r.hf_authors), discussionId: r.discussion_id, organization: orgName, hfObservedOn: r.hf_observed_on,
    metadataSource: r.metadata_source as Paper['metadataSource'],
    hfPaper: parseJson(r.hf_paper ?? null), hfRepos: parseJson(r.hf_repos ?? null),
  };
}

function paperToRow(p: Paper, organizationId: number | null, now: string): Insertable<PapersTable> {
  return {
    id: p.id, version: p.version, title: p.title, abstract: p.abstract, authors: JSON.stringify(p.authors),
    categories: p.categories.join(' '), published_at: p.publishedAt, updated_at: p.updatedAt, doi: p.doi,
    journal_ref: p.journalRef, comments: p.comments, report_no: p.reportNo, license: p.license,
    arxiv_submitter: p.arxivSubmitter, github_repo: p.githubRepo, github_stars: p.githubStars,
    project_page: p.projectPage, ai_summary: p.aiSummary, ai_keywords: json(p.aiKeywords), upvotes: p.upvotes,
    hf_authors: json(p.hfAuthors), discussion_id: p.discussionId, organization_id: organizationId, hf_observed_on: p.hfObservedOn,
    metadata_source: p.metadataSource, created_at: now, modified_at: now,
    hf_paper: json(p.hfPaper), hf_repos: json(p.hfRepos),
  };
}

/** One paper by canonical id, or undefined. */
export async function getPaper(db: Db, id: string): Promise<Paper | undefined> {
  const map = await loadPapers(db, [id]);
  return map.get(id);
}

export async function countPapers(db: Db): Promise<number> {
  const r = await db.selectFrom('papers').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

async function loadPapers(db: Db, ids: string[]): Promise<Map<string, Paper>> {
  const map = new Map<string, Paper>();
  if (ids.length === 0) return map;
  const rows = await db
    .selectFrom('papers')
    .leftJoin('organizations', 'organizations.id', 'papers.organization_id')
    .selectAll('papers')
    .select('organizations.name as org_name')
    .where('papers.id', 'in', ids)
    .execute();
  for (const r of rows) map.set(r.id, rowToPaper(r, r.org_name));
  return map;
}

/** Splits rows into chunks that stay under the engine's bound-parameter limit. */
function chunks<T extends object>(rows: T[], maxParams: number): T[][] {
  if (rows.length === 0) return [];
  const per = Math.max(1, Math.floor(maxParams / Object.keys(rows[0]!).length));
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += per) out.push(rows.slice(i, i + per));
  return out;
}

/**
 * PostgreSQL: keyword-index documents (paper_search_document) computed ahead of a batch's transaction, keyed by
 * the text they were computed from (searchText). The file importer computes the next batch's on another
 * connection, so on the server's other core, while it applies the current one: to_tsvector was ~40% of an
 * import's database time (docs/decisions/0050-import-on-two-cores.md).
 */
export type SearchDocuments = Map<string, string>;

/**
 * PostgreSQL: a bulk write's GIN settings, for its own transactions. GIN queues new entries in a pending list and
 * merges them into the index when the list passes gin_pending_list_limit (4 MB), sorting them in work_mem (4 MB);
 * the merges grow with the index. 40,000 documents into the index of 1M papers: 10.8 s with the defaults, 6.7 s with
 * 64 MB and 16 MB, 5.6 s with 256 MB and 64 MB (docs/decisions/0050-import-on-two-cores.md). Searches read the
 * pending list too: a 41 MB list cost them nothing measurable. The importer empties it at the end of a run
 * (cleanSearchPendingList), so that the next small writer does not merge what it left.
 */
export const IMPORT_GIN = { workMemKb: 65_536, pendingListKb: 16_384 } as const;

/** PostgreSQL: merges GIN's pending list of the keyword index into the index (in maintenance_work_mem). */
export async function cleanSearchPendingList(db: Db): Promise<void> {
  if (isPostgres(db)) await sql`select gin_clean_pending_list('paper_search_document')`.execute(db);
}

/** The text a paper's keyword-index document is computed from, as one key. */
const searchText = (p: Pick<Paper, 'title' | 'authors' | 'abstract'>): string => `${p.title}\u0000${JSON.stringify(p.authors)}\u0000${p.abstract ?? ''}`;

/**
 * The documents of the records' papers as each would be if new (mergePaper of nothing), leaving out papers
 * stored with that text already: for an unchanged file this computes nothing. Outside any transaction; one
 * statement.
 */
export async function searchDocuments(db: Db, records: ImportRecord[]): Promise<SearchDocuments> {
  const papers = [...new Map(records.map((r) => [r.paper.id, mergePaper(undefined, r.paper)])).values()];
  const docs: SearchDocuments = new Map();
  if (!isPostgres(db) || papers.length === 0) return docs;
  const r = await sql<{ i: string; doc: string }>`
    select u.i, paper_search_document(u.title, u.authors, u.abstract)::text as doc
    from unnest(${papers.map((p) => p.id)}::text[], ${papers.map((p) => p.title)}::text[],
                ${papers.map((p) => JSON.stringify(p.authors))}::text[], ${papers.map((p) => p.abstract)}::text[]) with ordinality u(id, title, authors, abstract, i)
    where not exists (select 1 from papers s where s.id = u.id and s.title = u.title and s.authors = u.authors and s.abstract is not distinct from u.abstract)`.execute(db);
  for (const row of r.rows) docs.set(searchText(papers[Number(row.i) - 1]!), row.doc);
  return docs;
}

/**
 * Merges a batch of records into the database: papers, their organizations, daily-list entries and
 * their submitters. Run it inside a transaction. Records are counted as `new` (the paper was not
 * stored), `updated` (something it carries changed what is stored) or `unchanged`. With `documents`
 * (PostgreSQL), the papers triggers leave the keyword index to this function (migration 37): it writes the
 * supplied document of each new paper or changed text, and computes those it was not given (a paper whose
 * merged text differs from its record's).
 */
export async function applyRecords(db: Db, records: ImportRecord[], maxParams: number, documents?: SearchDocuments): Promise<BatchCounts> {
  const now = new Date().toISOString();
  const counts: BatchCounts = { new: 0, updated: 0, unchanged: 0 };
  const ids = [...new Set(records.map((r) => r.paper.id))];
  const stored = await loadPapers(db, ids);
  const storedEntries = await loadEntries(db, records);
  const removed = await loadRemoved(db, records);

  // Merge in order, so a paper listed twice in one batch sees its first record.
  const papers = new Map<string, Paper>(stored);
  const entries = new Map<string, DailyEntry>(storedEntries);
  const changedPapers = new Set<string>();
  const changedEntries = new Set<string>();
  const orgs = new Map<string, OrganizationInput>();
  const submitters = new Map<string, SubmitterInput>();
  for (const { paper, entry } of records) {
    const before = papers.get(paper.id);
    const after = mergePaper(before, paper);
    let changed = before === undefined || differs(before, after);
    if (changed) {
      papers.set(paper.id, after);
      changedPapers.add(paper.id);
    }
    if (paper.organization) orgs.set(paper.organization.name, { ...orgs.get(paper.organization.name), ...paper.organization });
    // An entry editors or moderators took off its list stays off; the paper's data still merges.
    if (entry && !removed.has(`${entry.paperId} ${entry.day}`)) {
      const key = `${entry.paperId} ${entry.day}`;
      const eBefore = entries.get(key);
      const eAfter = mergeEntry(eBefore, entry);
      if (eBefore === undefined || differs(eBefore, eAfter)) {
        entries.set(key, eAfter);
        changedEntries.add(key);
        changed = true;
      }
      if (entry.submitter) submitters.set(entry.submitter.username, entry.submitter);
    }
    // A paper listed twice in one batch is new once; its second record is an update or unchanged.
    if (before === undefined) counts.new++;
    else if (changed) counts.updated++;
    else counts.unchanged++;
  }

  await upsertOrganizations(db, [...orgs.values()], now);
  // Ids of every organization a changed paper names, also those this batch did not mention.
  const orgIds = await organizationIds(db, [...changedPapers].flatMap((id) => papers.get(id)!.organization ?? []));
  const paperRows = [...changedPapers].map((id) => {
    const p = papers.get(id)!;
    return paperToRow(p, p.organization === null ? null : (orgIds.get(p.organization) ?? null), now);
  });
  if (!isPostgres(db)) {
    await numberNewPapers(db, paperRows, stored);
    // Oldest first: the keyword index's rowids are keyed by day (migration 39), and FTS5 writes what a transaction
    // gave it to disk each time a rowid is lower than the one before.
    paperRows.sort((a, b) => ((a.published_at ?? '') < (b.published_at ?? '') ? -1 : (a.published_at ?? '') > (b.published_at ?? '') ? 1 : 0));
  }
  const supplying = documents !== undefined && isPostgres(db) && paperRows.length > 0;
  if (supplying) {
    await sql`select set_config('dailypapers.search_documents', 'supplied', true), set_config('work_mem', ${`${IMPORT_GIN.workMemKb}kB`}, true),
      set_config('gin_pending_list_limit', ${`${IMPORT_GIN.pendingListKb}kB`}, true)`.execute(db);
  }
  for (const chunk of chunks(paperRows, maxParams)) {
    await db
      .insertInto('papers')
      .values(chunk)
      .onConflict((oc) =>
        oc.column('id').doUpdateSet((eb) => {
          const cols = Object.keys(chunk[0]!).filter((c) => c !== 'id' && c !== 'created_at' && c !== 'text_seq') as (keyof Insertable<PapersTable>)[];
          return Object.fromEntries(cols.map((c) => [c, eb.ref(`excluded.${c}`)]));
        }),
      )
      .execute();
  }
  if (supplying) {
    // New papers and changed texts; the document computed ahead for this text, if any.
    const docs: { id: string; doc: string | null }[] = [];
    for (const id of changedPapers) {
      const text = searchText(papers.get(id)!);
      const before = stored.get(id);
      if (before === undefined || searchText(before) !== text) docs.push({ id, doc: documents.get(text) ?? null });
    }
    await writeSearchDocuments(db, docs);
    await sql`select set_config('dailypapers.search_documents', '', true)`.execute(db);
  }

  // Hugging Face's summary replaces one a model wrote here (migration 32): it is no longer the model's.
  const hfSummarized = [...new Set(records.filter((r) => r.paper.aiSummary).map((r) => r.paper.id))];
  for (const ids of chunks(hfSummarized.map((id) => ({ id })), maxParams)) {
    await db.updateTable('papers').set({ ai_summary_model: null }).where('id', 'in', ids.map((r) => r.id)).where('ai_summary_model', 'is not', null).execute();
  }

  await writeCategories(db, [...changedPapers].map((id) => papers.get(id)!), maxParams);

  await upsertSubmitters(db, [...submitters.values()], now);
  const submitterIds = await submitterIdsOf(db, [...changedEntries].flatMap((k) => entries.get(k)!.submitter ?? []));
  const entryRows = [...changedEntries].map((key) => {
    const e = entries.get(key)!;
    return {
      paper_id: e.paperId, day: e.day, listed_at: e.listedAt,
      submitter_id: e.submitter === null ? null : (submitterIds.get(e.submitter) ?? null),
      submitted_at: e.submittedAt, comment: e.comment, num_comments: e.numComments, thumbnail: e.thumbnail,
      media_urls: json(e.mediaUrls),
      is_author_participating: e.isAuthorParticipating === null ? null : Number(e.isAuthorParticipating),
      created_at: now, modified_at: now, hf_entry: json(e.hfEntry), hf_published_at: e.hfPublishedAt,
    };
  });
  for (const chunk of chunks(entryRows, maxParams)) {
    await db
      .insertInto('daily_entries')
      .values(chunk)
      .onConflict((oc) =>
        oc.columns(['paper_id', 'day']).doUpdateSet((eb) => ({
          listed_at: eb.ref('excluded.listed_at'), submitter_id: eb.ref('excluded.submitter_id'),
          submitted_at: eb.ref('excluded.submitted_at'), comment: eb.ref('excluded.comment'),
          num_comments: eb.ref('excluded.num_comments'), thumbnail: eb.ref('excluded.thumbnail'),
          media_urls: eb.ref('excluded.media_urls'), is_author_participating: eb.ref('excluded.is_author_participating'),
          modified_at: eb.ref('excluded.modified_at'), hf_entry: eb.ref('excluded.hf_entry'), hf_published_at: eb.ref('excluded.hf_published_at'),
        })),
      )
      .execute();
  }
  if (changedPapers.size > 0 || changedEntries.size > 0) await bumpDataVersion(db);
  return counts;
}

/** PostgreSQL: upserts the keyword-index documents of papers just written; a missing one is computed from the row. */
async function writeSearchDocuments(db: Db, docs: { id: string; doc: string | null }[]): Promise<void> {
  if (docs.length === 0) return;
  await sql`
    insert into paper_search (paper_id, document)
    select p.id, coalesce(u.doc::tsvector, paper_search_document(p.title, p.authors, p.abstract))
    from unnest(${docs.map((d) => d.id)}::text[], ${docs.map((d) => d.doc)}::text[]) u(id, doc) join papers p on p.id = u.id
    on conflict (paper_id) do update set document = excluded.document`.execute(db);
}

/**
 * SQLite: gives the papers about to be inserted (not yet stored) the next text_seq values, in insertion order,
 * and raises the counter by their number, what migration 33's trigger did row by row with a second write of
 * each row (migration 35: the trigger now numbers only rows inserted with 0). The caller holds the write lock.
 * Rows of stored papers carry 0, which their upsert does not write (an edit of their text is numbered by the
 * update trigger).
 */
async function numberNewPapers(db: Db, rows: Insertable<PapersTable>[], stored: Map<string, Paper>): Promise<void> {
  const fresh = rows.filter((r) => !stored.has(r.id));
  if (fresh.length === 0) return;
  // Migration 35's trigger, which leaves numbered rows alone (not there: a schema before 33, or 33 applied after 35).
  const trigger = await sql<{ sql: string }>`select sql from sqlite_master where type = 'trigger' and name = 'papers_text_seq_insert'`.execute(db);
  if (!/when\s+new\.text_seq\s*=\s*0/i.test(trigger.rows[0]?.sql ?? '')) return;
  const counter = await db.selectFrom('site_state').select('value').where('key', '=', 'text_seq').executeTakeFirst();
  if (!counter) return;
  for (const r of rows) r.text_seq = 0;
  let seq = Number(counter.value);
  for (const r of fresh) r.text_seq = ++seq;
  await db.updateTable('site_state').set({ value: seq }).where('key', '=', 'text_seq').execute();
}

/** Replaces the category rows of papers whose record changed. */
async function writeCategories(db: Db, changed: Paper[], maxParams: number): Promise<void> {
  const ids = changed.map((p) => p.id);
  for (const chunk of chunks(ids.map((id) => ({ id })), maxParams)) {
    await db.deleteFrom('paper_categories').where('paper_id', 'in', chunk.map((c) => c.id)).execute();
  }
  // sort_date: the copy category pages order by (migration 34; its triggers check it against the paper's row).
  const rows = changed.flatMap((p) => p.categories.map((category, position) => ({ paper_id: p.id, category, position, sort_date: p.publishedAt ?? '' })));
  for (const chunk of chunks(rows, maxParams)) await db.insertInto('paper_categories').values(chunk).execute();
}

/**
 * Marks that what pages show has changed, so that page caches drop what they hold: `content` (the default)
 * for anything a page shows, `votes` for upvote counts only (pages may show those a few seconds late:
 * VOTE_STALENESS_MS). Inside a transaction it takes effect when that commits. No row is shared with other
 * writers on PostgreSQL: a sequence (never blocks) and a NOTIFY (sent at commit) to every instance's
 * listener (src/db/change-feed.ts). On SQLite, which has one writer at a time anyway, a site_state row.
 */
export async function bumpDataVersion(db: Db, scope: Scope = 'content'): Promise<void> {
  if (isPostgres(db)) {
    const seq = POSTGRES_VERSION_SEQUENCES[scope];
    await sql`select pg_notify(${CHANGE_CHANNEL}, ${scope} || ':' || nextval(${seq}::regclass))`.execute(db);
  } else {
    await db.updateTable('site_state').set((eb) => ({ value: eb('value', '+', 1) })).where('key', '=', SQLITE_VERSION_KEYS[scope]).execute();
  }
  noteLocalWrite();
}

/** The durable version of a scope, which bumpDataVersion raises. */
export async function dataVersion(db: Db, scope: Scope = 'content'): Promise<number> {
  if (isPostgres(db)) {
    const seq = sql.table(POSTGRES_VERSION_SEQUENCES[scope]);
    const r = await sql<{ v: number }>`select case when is_called then last_value else 0 end as v from ${seq}`.execute(db);
    return Number(r.rows[0]?.v ?? 0);
  }
  const r = await db.selectFrom('site_state').select('value').where('key', '=', SQLITE_VERSION_KEYS[scope]).executeTakeFirst();
  return Number(r?.value ?? 0);
}

const isPostgres = (db: Db) => db.getExecutor().adapter instanceof PostgresAdapter;

async function loadRemoved(db: Db, records: ImportRecord[]): Promise<Set<string>> {
  const wanted = records.flatMap((r) => (r.entry ? [r.entry] : []));
  if (wanted.length === 0) return new Set();
  const rows = await db
    .selectFrom('removed_entries')
    .select(['paper_id', 'day'])
    .where('paper_id', 'in', [...new Set(wanted.map((e) => e.paperId))])
    .where('day', 'in', [...new Set(wanted.map((e) => e.day))])
    .execute();
  return new Set(rows.map((r) => `${r.paper_id} ${r.day}`));
}

async function loadEntries(db: Db, records: ImportRecord[]): Promise<Map<string, DailyEntry>> {
  const map = new Map<string, DailyEntry>();
  const wanted = records.flatMap((r) => (r.entry ? [r.entry] : []));
  if (wanted.length === 0) return map;
  const rows = await db
    .selectFrom('daily_entries')
    .leftJoin('submitters', 'submitters.id', 'daily_entries.submitter_id')
    .selectAll('daily_entries')
    .select('submitters.username')
    .where('daily_entries.paper_id', 'in', [...new Set(wanted.map((e) => e.paperId))])
    .where('daily_entries.day', 'in', [...new Set(wanted.map((e) => e.day))])
    .execute();
  for (const r of rows) {
    map.set(`${r.paper_id} ${r.day}`, {
      paperId: r.paper_id, day: r.day, listedAt: r.listed_at, submitter: r.username, submittedAt: r.submitted_at,
      comment: r.comment, numComments: r.num_comments, thumbnail: r.thumbnail,
      mediaUrls: parseJson(r.media_urls),
      isAuthorParticipating: r.is_author_participating === null ? null : r.is_author_participating === 1,
      hfEntry: parseJson(r.hf_entry ?? null), hfPublishedAt: r.hf_published_at ?? null,
    });
  }
  return map;
}

async function organizationIds(db: Db, names: string[]): Promise<Map<string, number>> {
  if (names.length === 0) return new Map();
  const rows = await db.selectFrom('organizations').select(['id', 'name']).where('name', 'in', [...new Set(names)]).execute();
  return new Map(rows.map((r) => [r.name, r.id]));
}

/** Inserts organizations not yet stored and updates those whose details changed. */
async function upsertOrganizations(db: Db, orgs: OrganizationInput[], now: string): Promise<void> {
  if (orgs.length === 0) return;
  const names = orgs.map((o) => o.name);
  const existing = await db.selectFrom('organizations').selectAll().where('name', 'in', names).execute();
  const byName = new Map(existing.map((r) => [r.name, r]));
  for (const o of orgs) {
    const row = { fullname: o.fullname ?? null, avatar_url: o.avatarUrl ?? null, hf_id: o.hfId ?? null };
    const old = byName.get(o.name);
    if (!old) {
      await db.insertInto('organizations').values({ name: o.name, ...row, created_at: now }).execute();
    } else {
      const merged = {
        fullname: row.fullname ?? old.fullname, avatar_url: row.avatar_url ?? old.avatar_url, hf_id: row.hf_id ?? old.hf_id,
      };
      if (differs(merged, { fullname: old.fullname, avatar_url: old.avatar_url, hf_id: old.hf_id })) {
        await db.updateTable('organizations').set(merged).where('id', '=', old.id).execute();
      }
    }
  }
}

async function submitterIdsOf(db: Db, usernames: string[]): Promise<Map<string, number>> {
  if (usernames.length === 0) return new Map();
  const rows = await db.selectFrom('submitters').select(['id', 'username']).where('username', 'in', [...new Set(usernames)]).execute();
  return new Map(rows.map((r) => [r.username, r.id]));
}

/** Inserts submitters not yet stored and updates changed profiles. */
async function upsertSubmitters(db: Db, people: SubmitterInput[], now: string): Promise<void> {
  if (people.length === 0) return;
  const names = people.map((p) => p.username);
  const existing = await db.selectFrom('submitters').selectAll().where('username', 'in', names).execute();
  const byName = new Map(existing.map((r) => [r.username, r]));
  for (const p of people) {
    const old = byName.get(p.username);
    const merged = {
      fullname: p.fullname ?? old?.fullname ?? null,
      avatar_url: p.avatarUrl ?? old?.avatar_url ?? null,
      hf_id: p.hfId ?? old?.hf_id ?? null,
      profile: json(p.profile) ?? old?.profile ?? null,
    };
    if (!old) {
      await db.insertInto('submitters').values({ username: p.username, ...merged, created_at: now }).execute();
    } else if (differs(merged, { fullname: old.fullname, avatar_url: old.avatar_url, hf_id: old.hf_id, profile: old.profile })) {
      await db.updateTable('submitters').set(merged).where('id', '=', old.id).execute();
    }
  }
}
