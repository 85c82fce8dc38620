/**
 * Reading the daily lists: a day, a week or a month of listings, their neighbours, trending candidates,
 * a paper with the lists it was on, and papers by organization or category.
 */
import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { DayRange } from '../../domain/dates.ts';
import type { DailyEntry, Paper } from '../../domain/merge.ts';
import type { DB } from '../schema.ts';
import { rowToPaper } from './papers.ts';
import { DELETED_ACCOUNT } from '../../domain/accounts.ts';
import type { ListCursor } from '../../domain/list-cursor.ts';

type Db = Kysely<DB>;

export interface Organization {
  name: string;
  fullname: string | null;
  avatarUrl: string | null;
  hfId: string | null;
}

export interface Submitter {
  username: string;
  fullname: string | null;
  avatarUrl: string | null;
  hfId: string | null;
  /** The profile object as the source gave it. */
  profile: Record<string, unknown> | null;
}

/** A paper as listed on a day: what list pages, feeds and the daily_papers API show. */
export interface Listing {
  paper: Paper;
  organization: Organization | null;
  entry: DailyEntry;
  /** Who put it on the list: an imported submitter, or a member of this site. */
  submitter: Submitter | null;
  /** An editor featured it: it leads its day. */
  featured: boolean;
}

/** A paper with its organization, for pages that list papers rather than listings. */
export interface PaperWithOrg {
  paper: Paper;
  organization: Organization | null;
  /** This site's comments on the paper (not on a list, it has no imported count). */
  numComments?: number;
}

export interface Page<T> {
  items: T[];
  total: number;
}

export interface PageRequest {
  limit: number;
  offset: number;
}

function listingQuery(db: Db) {
  return db
    .selectFrom('daily_entries as e')
    .innerJoin('papers', 'papers.id', 'e.paper_id')
    .leftJoin('organizations as o', 'o.id', 'papers.organization_id')
    .leftJoin('submitters as s', 's.id', 'e.submitter_id')
    .leftJoin('users as u', 'u.id', 'e.user_id')
    .selectAll('papers')
    .select([
      'e.featured_at as e_featured_at', 'u.username as u_username', 'u.display_name as u_display_name', 'u.deleted_at as u_deleted_at',
      'e.day as e_day', 'e.listed_at as e_listed_at', 'e.submitted_at as e_submitted_at', 'e.comment as e_comment',
      'e.num_comments as e_num_comments', 'e.thumbnail as e_thumbnail', 'e.media_urls as e_media_urls',
      'e.is_author_participating as e_is_author_participating', 'e.hf_entry as e_hf_entry', 'e.hf_published_at as e_hf_published_at',
      'o.name as o_name', 'o.fullname as o_fullname', 'o.avatar_url as o_avatar_url', 'o.hf_id as o_hf_id',
      's.username as s_username', 's.fullname as s_fullname', 's.avatar_url as s_avatar_url', 's.hf_id as s_hf_id',
      's.profile as s_profile',
    ]);
}

type ListingRow = Awaited<ReturnType<ReturnType<typeof listingQuery>['execute']>>[number];

export function organizationOf(r: { o_name: string | null; o_fullname: string | null; o_avatar_url: string | null; o_hf_id: string | null }): Organization | null {
  return r.o_name === null ? null : { name: r.o_name, fullname: r.o_fullname, avatarUrl: r.o_avatar_url, hfId: r.o_hf_id };
}

/**
 * A paper as pages show it: `upvotes` is the count imported from Hugging Face plus the upvotes of
 * this site's members (the import path keeps them apart; see src/db/queries/papers.ts).
 */
export function shownPaper(r: Parameters<typeof rowToPaper>[0], orgName: string | null): Paper {
  const p = rowToPaper(r, orgName);
  return { ...p, upvotes: p.upvotes + r.member_upvotes };
}

/** The upvotes pages show, for ordering in SQL. */
const shownUpvotes = sql<number>`papers.upvotes + papers.member_upvotes`;

/**
 * The entry's publishedAt for ordering: Hugging Face's, else the arXiv date (listings made here; the value
 * they answer with is that date in US Eastern wall-clock time, a shift of 4 or 5 hours: src/domain/dates.ts).
 */
const entryPublishedAt = sql<string>`coalesce(e.hf_published_at, papers.published_at, e.listed_at, '')`;

function toListing(r: ListingRow): Listing {
  const paper = shownPaper(r, r.o_name);
  return {
    paper,
    organization: organizationOf(r),
    entry: {
      paperId: r.id, day: r.e_day, listedAt: r.e_listed_at, submitter: r.s_username, submittedAt: r.e_submitted_at,
      comment: r.e_comment, numComments: r.e_num_comments + r.comments_count, thumbnail: r.e_thumbnail,
      mediaUrls: r.e_media_urls === null ? null : JSON.parse(r.e_media_urls),
      isAuthorParticipating: r.e_is_author_participating === null ? null : r.e_is_author_participating === 1,
      hfEntry: r.e_hf_entry === null ? null : JSON.parse(r.e_hf_entry), hfPublishedAt: r.e_hf_published_at,
    },
    submitter:
      r.s_username !== null
        ? {
            username: r.s_username, fullname: r.s_fullname, avatarUrl: r.s_avatar_url, hfId: r.s_hf_id,
            profile: r.s_profile === null ? null : JSON.parse(r.s_profile),
          }
        : r.u_username !== null
          ? r.u_deleted_at === null
            ? { username: r.u_username, fullname: r.u_display_name, avatarUrl: null, hfId: null, profile: null }
            : { username: DELETED_ACCOUNT, fullname: null, avatarUrl: null, hfId: null, profile: null }
          : null,
    featured: r.e_featured_at !== null,
  };
}

/** `upvotes`: most upvoted first. `publishedAt`: most recently listed first (Hugging Face's meaning). */
export type ListingSort = 'upvotes' | 'publishedAt';

/** The comments a listing shows: Hugging Face's count when it was imported plus this site's comments. */
const shownComments = sql<number>`e.num_comments + papers.comments_count`;

/**
 * Listings of the days in a range, most upvoted first (or newest arXiv date first), one page of them. `countCap`:
 * count no further than that many listings (`total` is then at most `countCap`), for callers that only need to
 * know whether more follow.
 */
export async function listingsInRange(
  db: Db,
  range: DayRange,
  page: PageRequest,
  sort: ListingSort = 'upvotes',
  submitter?: string,
  countCap?: number,
): Promise<Page<Listing>> {
  const filter = <Q extends SelectQueryBuilder<any, any, any>>(q: Q): Q => {
    let out = q.where('e.day', '>=', range.from).where('e.day', '<=', range.to) as Q;
    if (submitter !== undefined) out = out.where((eb: any) => eb.or([eb('s.username', '=', submitter), eb('u.username', '=', submitter)])) as Q;
    return out;
  };
  let q = filter(listingQuery(db));
  q = sort === 'upvotes'
    ? q.orderBy(sql`case when e.featured_at is null then 1 else 0 end`).orderBy(shownUpvotes, 'desc')
        // Hugging Face's tie-break: the entry's publishedAt, newest first, then the submission time.
        .orderBy(entryPublishedAt, 'desc').orderBy(sql`coalesce(e.submitted_at, e.listed_at, '')`, 'desc').orderBy(shownComments, 'desc').orderBy('e.day', 'desc').orderBy('papers.id', 'desc')
    : q.orderBy('e.day', 'desc').orderBy('e.listed_at', 'desc').orderBy(shownUpvotes, 'desc');
  const rows = await q.orderBy('papers.id').limit(page.limit).offset(page.offset).execute();
  const matching = filter(db.selectFrom('daily_entries as e').leftJoin('submitters as s', 's.id', 'e.submitter_id').leftJoin('users as u', 'u.id', 'e.user_id'));
  const count =
    countCap === undefined
      ? await matching.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
      : await db.selectFrom(matching.select(sql<number>`1`.as('one')).limit(countCap).as('t')).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { items: rows.map(toListing), total: Number(count.n) };
}

/** Every listing since a day (inclusive): the candidates that trending ranks. */
export async function listingsSince(db: Db, fromDay: string): Promise<Listing[]> {
  const rows = await listingQuery(db).where('e.day', '>=', fromDay).execute();
  return rows.map(toListing);
}

/** Every listing of the days in a range (inclusive): trending within a day, week or month. */
export async function listingsBetween(db: Db, range: DayRange): Promise<Listing[]> {
  const rows = await listingQuery(db).where('e.day', '>=', range.from).where('e.day', '<=', range.to).execute();
  return rows.map(toListing);
}

/** The newest day that has a list, or null when there is none. */
export async function latestListingDay(db: Db): Promise<string | null> {
  const r = await db.selectFrom('daily_entries').select((eb) => eb.fn.max<string>('day').as('d')).executeTakeFirst();
  return r?.d ?? null;
}

/** When the newest listing was made (its listing time, or its day), for the trending reference. */
export async function latestListingTime(db: Db): Promise<Date | null> {
  const day = await latestListingDay(db);
  if (day === null) return null;
  const r = await db
    .selectFrom('daily_entries')
    .select((eb) => eb.fn.max<string>('listed_at').as('t'))
    .where('day', '=', day)
    .executeTakeFirst();
  const t = r?.t && r.t.slice(0, 10) >= day ? r.t : `${day}T00:00:00.000Z`;
  return new Date(t);
}

/** The newest day with a list within a range, or null. */
export async function latestListingDayIn(db: Db, range: DayRange): Promise<string | null> {
  const r = await db
    .selectFrom('daily_entries')
    .select((eb) => eb.fn.max<string>('day').as('d'))
    .where('day', '>=', range.from)
    .where('day', '<=', range.to)
    .executeTakeFirst();
  return r?.d ?? null;
}

/** The nearest days with a list before and after a range (null where there is none): navigation skips empty days. */
export async function neighbourDays(db: Db, range: DayRange): Promise<{ prev: string | null; next: string | null }> {
  const prev = await db.selectFrom('daily_entries').select((eb) => eb.fn.max<string>('day').as('d')).where('day', '<', range.from).executeTakeFirst();
  const next = await db.selectFrom('daily_entries').select((eb) => eb.fn.min<string>('day').as('d')).where('day', '>', range.to).executeTakeFirst();
  return { prev: prev?.d ?? null, next: next?.d ?? null };
}

/**
 * A paper with its organization and every listing of it (newest first), or undefined. `localComments`:
 * this site's comments (the listings' `numComments` already include them).
 */
export async function paperWithListings(
  db: Db,
  id: string,
): Promise<{ paper: Paper; organization: Organization | null; listings: Listing[]; localComments: number } | undefined> {
  const row = await db
    .selectFrom('papers')
    .leftJoin('organizations as o', 'o.id', 'papers.organization_id')
    .selectAll('papers')
    .select(['o.name as o_name', 'o.fullname as o_fullname', 'o.avatar_url as o_avatar_url', 'o.hf_id as o_hf_id'])
    .where('papers.id', '=', id)
    .executeTakeFirst();
  if (!row) return undefined;
  const listings = (await listingQuery(db).where('e.paper_id', '=', id).orderBy('e.day', 'desc').execute()).map(toListing);
  return { paper: shownPaper(row, row.o_name), organization: organizationOf(row), listings, localComments: row.comments_count };
}

export async function getOrganization(db: Db, name: string): Promise<(Organization & { id: number }) | undefined> {
  const r = await db.selectFrom('organizations').selectAll().where('name', '=', name).executeTakeFirst();
  return r && { id: r.id, name: r.name, fullname: r.fullname, avatarUrl: r.avatar_url, hfId: r.hf_id };
}

/** Papers with their organization's columns (o_*), for pages that list papers. */
export function paperQuery(db: Db) {
  return db
    .selectFrom('papers')
    .leftJoin('organizations as o', 'o.id', 'papers.organization_id')
    .selectAll('papers')
    .select(['o.name as o_name', 'o.fullname as o_fullname', 'o.avatar_url as o_avatar_url', 'o.hf_id as o_hf_id']);
}

/**
 * Counts on list pages stop here: an exact count of a category with 100k papers reads 100k index entries on
 * every page view; pages say "10,000+ papers" instead (docs/decisions/0041-keyset-pagination.md).
 */
export const LIST_COUNT_CAP = 10_000;

/** A count that stops at a cap: `capped` when there are more than `cap` rows. */
export interface CappedCount {
  count: number;
  capped: boolean;
}

/** A page of a keyset-paged list: its rows and whether rows follow (`more`) or precede (`earlier`) it. */
export interface KeysetPage<T> {
  items: T[];
  /** The sort key of each item, in the same order (for the cursors of the Next/Previous links). */
  keys: ListCursor[];
  /** Rows follow the last item. */
  more: boolean;
  /** Rows precede the first item. */
  earlier: boolean;
}

/** Where a page of a keyset list is: the first page, the page after a row (`?after=`) or the page before one (`?before=`). */
export interface KeysetRequest {
  limit: number;
  /** The page of the rows after this one (Next). */
  after?: ListCursor;
  /** The page of the rows before this one (Previous); ignored when `after` is given. */
  before?: ListCursor;
}

/** The sort date of a paper in list order: a paper without an arXiv date sorts last, on both engines. */
const paperSortDate = sql<string>`coalesce(papers.published_at, '')`;

/** What one keyset list needs: its filter, its sort columns, and where its rows come from. */
interface KeysetList {
  /** Papers (with `o_*`) of the list; the keyset columns are `date` and `id` below. */
  rows: (db: Db) => SelectQueryBuilder<any, any, any>;
  date: ReturnType<typeof sql<string>> | string;
  id: string;
  /** The list's rows with nothing joined (the keyset columns only), for counts and existence checks. */
  members: (db: Db) => SelectQueryBuilder<any, any, any>;
}

const orgList = (organizationId: number): KeysetList => ({
  rows: (db) => paperQuery(db).where('papers.organization_id', '=', organizationId),
  date: paperSortDate,
  id: 'papers.id',
  members: (db) => db.selectFrom('papers').where('papers.organization_id', '=', organizationId),
});

const categoryList = (category: string): KeysetList => ({
  // From the category's index range (paper_categories_keyset), each row joined to its paper by primary key.
  rows: (db) =>
    db
      .selectFrom('paper_categories as c')
      .innerJoin('papers', 'papers.id', 'c.paper_id')
      .leftJoin('organizations as o', 'o.id', 'papers.organization_id')
      .selectAll('papers')
      .select(['o.name as o_name', 'o.fullname as o_fullname', 'o.avatar_url as o_avatar_url', 'o.hf_id as o_hf_id'])
      .where('c.category', '=', category),
  date: 'c.sort_date',
  id: 'c.paper_id',
  // Every category row has its paper (a foreign key, cascading): no join needed to count them.
  members: (db) => db.selectFrom('paper_categories as c').where('c.category', '=', category),
});

const ref = (col: KeysetList['date']) => (typeof col === 'string' ? sql.ref(col) : col);

/** Rows strictly after (`dir` 'after') or before a key in list order. */
function beyond(list: KeysetList, key: ListCursor, dir: 'after' | 'before') {
  const date = ref(list.date);
  const id = sql.ref(list.id);
  // The first conjunct bounds the index range (both planners seek with it); the second settles ties of the date.
  return dir === 'after'
    ? sql<boolean>`(${date} <= ${key.date} and (${date} < ${key.date} or ${id} < ${key.id}))`
    : sql<boolean>`(${date} >= ${key.date} and (${date} > ${key.date} or ${id} > ${key.id}))`;
}

function ordered<Q extends SelectQueryBuilder<any, any, any>>(q: Q, list: KeysetList, dir: 'desc' | 'asc'): Q {
  return q.orderBy(ref(list.date), dir).orderBy(sql.ref(list.id), dir) as Q;
}

type PaperRow = Parameters<typeof shownPaper>[0] & { o_name: string | null; o_fullname: string | null; o_avatar_url: string | null; o_hf_id: string | null };

const toPaperWithOrg = (r: PaperRow): PaperWithOrg => ({ paper: shownPaper(r, r.o_name), organization: organizationOf(r), numComments: r.comments_count });
const keyOf = (r: PaperRow): ListCursor => ({ date: r.published_at ?? '', id: r.id });

async function keysetPage(db: Db, list: KeysetList, req: KeysetRequest): Promise<KeysetPage<PaperWithOrg>> {
  const base = list.rows(db);
  if (req.before && !req.after) {
    const rows = (await ordered(base.where(beyond(list, req.before, 'before')), list, 'asc').limit(req.limit + 1).execute()) as PaperRow[];
    const earlier = rows.length > req.limit;
    // Back at the start with less than a page (papers were added meanwhile): the first page, full.
    if (!earlier && rows.length < req.limit) return keysetPage(db, list, { limit: req.limit });
    const shown = rows.slice(0, req.limit).reverse();
    const after = shown.at(-1);
    const more = after !== undefined && (await exists(db, list, keyOf(after), 'after'));
    return { items: shown.map(toPaperWithOrg), keys: shown.map(keyOf), more, earlier };
  }
  const q = req.after ? base.where(beyond(list, req.after, 'after')) : base;
  const rows = (await ordered(q, list, 'desc').limit(req.limit + 1).execute()) as PaperRow[];
  const shown = rows.slice(0, req.limit);
  const first = shown[0];
  const earlier = req.after !== undefined && (first ? await exists(db, list, keyOf(first), 'before') : true);
  return { items: shown.map(toPaperWithOrg), keys: shown.map(keyOf), more: rows.length > req.limit, earlier };
}

async function exists(db: Db, list: KeysetList, key: ListCursor, dir: 'after' | 'before'): Promise<boolean> {
  const r = await list.members(db).select(sql<number>`1`.as('one')).where(beyond(list, key, dir)).limit(1).executeTakeFirst();
  return r !== undefined;
}

/**
 * The sort keys of rows `offset` and `offset + 1` (fewer at the end), for the redirects of old `?p=N` links: an
 * OFFSET, but over the list's index alone (no row is read) and at most LEGACY_PAGE_MAX pages deep.
 */
async function keysAtOffset(db: Db, list: KeysetList, offset: number): Promise<ListCursor[]> {
  const rows = await ordered(list.members(db).select([ref(list.date).as('date'), sql.ref(list.id).as('id')]), list, 'desc')
    .limit(2)
    .offset(offset)
    .execute();
  return rows.map((r) => ({ date: r.date as string, id: r.id as string }));
}

async function cappedCount(db: Db, list: KeysetList, cap: number): Promise<CappedCount> {
  const inner = list.members(db).select(sql<number>`1`.as('one')).limit(cap + 1);
  const r = await db.selectFrom(inner.as('t')).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const n = Number(r.n);
  return n > cap ? { count: cap, capped: true } : { count: n, capped: false };
}

/** A list paged by keyset: its pages, its count (capped), and the sort keys at an offset (for `?p=N` redirects). */
export interface PaperList {
  page(req: KeysetRequest): Promise<KeysetPage<PaperWithOrg>>;
  /** How many papers, counted up to `cap` (more: `capped`). */
  count(cap?: number): Promise<CappedCount>;
  /** The sort keys of rows `offset` and `offset + 1` (fewer at the end). */
  keysAt(offset: number): Promise<ListCursor[]>;
}

function paperList(db: Db, list: KeysetList): PaperList {
  return {
    page: (req) => keysetPage(db, list, req),
    count: (cap = LIST_COUNT_CAP) => cappedCount(db, list, cap),
    keysAt: (offset) => keysAtOffset(db, list, offset),
  };
}

/** An organization's papers (by its id), newest arXiv date first then id descending. */
export const organizationPapers = (db: Db, organizationId: number): PaperList => paperList(db, orgList(organizationId));

/** Papers of an arXiv category (primary or cross-listed), newest arXiv date first then id descending. */
export const categoryPapers = (db: Db, category: string): PaperList => paperList(db, categoryList(category));

/** The newest listing of each of these papers (those never listed are absent), for search results in Hugging Face's format. */
export async function latestListingsOf(db: Db, ids: string[]): Promise<Map<string, Listing>> {
  const out = new Map<string, Listing>();
  if (ids.length === 0) return out;
  const rows = await listingQuery(db).where('e.paper_id', 'in', ids).orderBy('e.day', 'desc').execute();
  for (const r of rows) if (!out.has(r.id)) out.set(r.id, toListing(r));
  return out;
}

/** Papers by id with their organization (those not found are absent), for search results. */
export async function papersByIds(db: Db, ids: string[]): Promise<Map<string, PaperWithOrg>> {
  const out = new Map<string, PaperWithOrg>();
  if (ids.length === 0) return out;
  const rows = await paperQuery(db).where('papers.id', 'in', ids).execute();
  for (const r of rows) out.set(r.id, { paper: shownPaper(r, r.o_name), organization: organizationOf(r), numComments: r.comments_count });
  return out;
}
