/**
 * Hugging Face Daily Papers: one response of `GET /api/daily_papers?date=YYYY-MM-DD` (a JSON array of
 * entries `{ paper: {...}, publishedAt, title, submittedBy, ... }`) → one ImportRecord per entry.
 *
 * The schema grew over the years (see README of the shared data): every field but `paper.id` and
 * `paper.title` is optional, and absent fields stay undefined. A file that is not the API's array, or
 * has one bad entry, is rejected as a whole with an ImportError; nothing is repaired.
 */
import { parseArxivId } from '../../domain/arxiv-id.ts';
import type {
  DailyEntryInput,
  HfAuthor,
  HfRepos,
  ImportRecord,
  OrganizationInput,
  PaperInput,
  SubmitterInput,
} from '../../domain/paper.ts';
import { ImportError } from '../errors.ts';
import { withoutControlChars } from '../../domain/text.ts';
import { collapseWhitespace, dropUndefined, optionalText, toIsoTimestamp } from '../text.ts';

type Obj = Record<string, unknown>;

export interface HfDailyOptions {
  /** The list's day (YYYY-MM-DD), e.g. from the file name; wins over anything the entries say. */
  day?: string;
}

/** Parses a whole Daily Papers response. Throws ImportError when the file or any entry is bad. */
export function parseHfDaily(text: string, opts: HfDailyOptions = {}): ImportRecord[] {
  if (opts.day !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(opts.day)) {
    throw new ImportError(`day "${opts.day}" is not a YYYY-MM-DD date`);
  }
  const data = parseJson(text);
  if (!Array.isArray(data)) {
    if (isObj(data) && Array.isArray(data.data)) {
      // A scraper saved `{status, date, count, data: [...]}` instead of the API's answer.
      const strings = data.data.some((e) => typeof e === 'string') ? `; ${STRINGS}` : '';
      throw new ImportError(`a {status, date, count, data} wrapper object, not the API's JSON array${strings}`);
    }
    throw new ImportError(`expected a JSON array of daily-paper entries, found ${describe(data)}`);
  }
  if (data.some((e) => typeof e === 'string')) throw new ImportError(STRINGS);
  return data.map((e, i) => parseEntry(e, i + 1, opts.day));
}

const STRINGS = 'entries are strings (looks like Python repr output saved by a scraper), not JSON objects';

/**
 * Cheap routing test on the first few KB of a file: a JSON array mentioning `paper`. Also true for the
 * two known broken shapes (an array of Python-repr strings, a `{status,date,count,data}` wrapper), so
 * that they reach parseHfDaily and get its clear message rather than "unknown format".
 */
export function looksLikeHfDaily(head: string): boolean {
  const s = head.replace(/^\uFEFF/, '').trimStart();
  const mentionsPaper = /["']paper["']\s*:/.test(s); // `"paper":` in JSON, `'paper':` in Python repr
  if (s.startsWith('[')) return mentionsPaper;
  return s.startsWith('{') && /"data"\s*:\s*\[/.test(s) && mentionsPaper;
}

function parseEntry(raw: unknown, n: number, day: string | undefined): ImportRecord {
  if (!isObj(raw)) throw new ImportError(`not a JSON object but ${describe(raw)}`, `entry ${n}`);
  const p = raw.paper;
  if (!isObj(p)) throw new ImportError('missing paper object', `entry ${n}`);
  const rawId = typeof p.id === 'string' ? p.id : undefined;
  const where = rawId ? `entry ${n} (${rawId})` : `entry ${n}`;
  if (rawId === undefined) throw new ImportError('missing paper.id', where);
  const arxiv = parseArxivId(rawId);
  if (!arxiv) throw new ImportError(`paper.id "${rawId}" is not an arXiv id`, where);
  // Kept as given (Hugging Face keeps arXiv's line wraps in paper.title): the API gives back what came in.
  const title = typeof p.title === 'string' && p.title.trim() !== '' ? p.title : '';
  if (title === '') throw new ImportError('missing paper.title', where);

  const paper: PaperInput = {
    source: 'hf',
    id: arxiv.id,
    version: arxiv.version,
    title,
    // As given, not trimmed: the API gives back exactly what came in (views unwrap and trim).
    abstract: optionalText(p.summary) === undefined ? undefined : (p.summary as string),
    authors: undefined,
    hfAuthors: undefined,
    publishedAt: toIsoTimestamp(p.publishedAt),
    upvotes: num(p.upvotes),
    discussionId: optionalText(p.discussionId),
    aiSummary: optionalText(p.ai_summary),
    aiKeywords: strings(p.ai_keywords),
    githubRepo: optionalText(p.githubRepo),
    githubStars: num(p.githubStars),
    projectPage: optionalText(p.projectPage),
    organization: organization(p.organization ?? raw.organization),
    // Every key as sent, in its order (githubRepoAddedBy, ai_summary_model, names untrimmed…): HF-shaped answers give it back.
    hfPaper: p,
    hfRepos: linkedRepos(p),
  };
  if (Array.isArray(p.authors)) {
    const hfAuthors = p.authors.map((a, i): HfAuthor => {
      if (!isObj(a) || typeof a.name !== 'string') throw new ImportError(`paper.authors[${i}] has no name`, where);
      return a as HfAuthor; // kept exactly as given: ids, hidden flags, linked users
    });
    paper.hfAuthors = hfAuthors;
    paper.authors = hfAuthors.map((a) => ({ name: collapseWhitespace(a.name) }));
  }

  const sub = isObj(raw.submittedBy) ? raw.submittedBy : p.submittedOnDailyBy;
  const submittedAt = toIsoTimestamp(p.submittedOnDailyAt);
  const listedAt = listingTime(raw.publishedAt, p.publishedAt);
  const entryDay = day ?? dayOf(submittedAt, listedAt);
  if (entryDay === undefined) {
    throw new ImportError(
      "cannot tell the list's day: no paper.submittedOnDailyAt, and the top-level publishedAt is the arXiv " +
        'date, not a listing time; pass the day (name the file YYYY-MM-DD.json)',
      where,
    );
  }
  const entry: DailyEntryInput = {
    paperId: arxiv.id,
    day: entryDay,
    listedAt,
    submitter: submitter(sub),
    submittedAt,
    numComments: num(raw.numComments),
    thumbnail: optionalText(raw.thumbnail),
    mediaUrls: strings(raw.mediaUrls) ?? strings(p.mediaUrls), // paper.mediaUrls (2025-03+) repeats the top level
    isAuthorParticipating: typeof raw.isAuthorParticipating === 'boolean' ? raw.isAuthorParticipating : undefined,
    hfEntry: withoutPaper(raw),
    hfPublishedAt: typeof raw.publishedAt === 'string' && toIsoTimestamp(raw.publishedAt) ? raw.publishedAt : undefined,
  };
  // Early files (2024-03 → 06) have a single `mediaUrl`; almost always it is the auto-generated social
  // card, i.e. what later files call `thumbnail`, and only rarely a real uploaded image or video.
  const mediaUrl = optionalText(raw.mediaUrl);
  if (mediaUrl && entry.mediaUrls === undefined) {
    if (SOCIAL_THUMBNAIL.test(mediaUrl)) entry.thumbnail ??= mediaUrl;
    else entry.mediaUrls = [mediaUrl];
  }
  // The list's day dates this capture of the community fields: the latest capture of a paper wins.
  paper.observedOn = entryDay;
  return { paper: dropUndefined(paper), entry: dropUndefined(entry) };
}

/** `linkedModels`, `linkedDatasets`, `linkedSpaces` where the object has them (a paper_info answer mirrored). */
function linkedRepos(p: Obj): HfRepos | undefined {
  const list = (v: unknown) => (Array.isArray(v) ? v.filter(isObj) : undefined);
  const models = list(p.linkedModels);
  const datasets = list(p.linkedDatasets);
  const spaces = list(p.linkedSpaces);
  if (!models && !datasets && !spaces) return undefined;
  return { models: models ?? [], datasets: datasets ?? [], spaces: spaces ?? [] };
}

/** The entry's own keys (submitterOrganization, legacy mediaUrl…), in order, without the paper. */
function withoutPaper(raw: Obj): Obj {
  const { paper: _paper, ...rest } = raw;
  return rest;
}

const SOCIAL_THUMBNAIL = /^https:\/\/cdn-thumbnails\.huggingface\.co\/social-thumbnails\//;

/**
 * The top-level `publishedAt`, when it is a listing time. Until 2025-03-10 it is when the paper was put
 * on the list. From 2025-03-11 Hugging Face fills it with the arXiv date instead, written in New York
 * time but labelled UTC: exactly `paper.publishedAt` minus 4 or 5 hours. That is no listing time, so we
 * drop it (a real listing time never sits a whole number of hours, to the millisecond, from the arXiv one).
 */
function listingTime(top: unknown, arxivPublished: unknown): string | undefined {
  const listed = toIsoTimestamp(top);
  const arxiv = toIsoTimestamp(arxivPublished);
  if (!listed || !arxiv) return listed;
  const hours = (Date.parse(arxiv) - Date.parse(listed)) / 3_600_000;
  return Number.isInteger(hours) && hours >= 0 && hours <= 12 ? undefined : listed;
}

/**
 * The list's day when the caller does not say. `submittedOnDailyAt` (2025-03-17 on) always falls on
 * the day asked for. Before that, listing times run from about 21:30 UTC the evening before (from
 * 2024-12) to about 16:00 UTC on the day, so the UTC date of listing time + 3 h gives the day.
 */
function dayOf(submittedAt: string | undefined, listedAt: string | undefined): string | undefined {
  if (submittedAt) return submittedAt.slice(0, 10);
  if (listedAt) return new Date(Date.parse(listedAt) + 3 * 3_600_000).toISOString().slice(0, 10);
  return undefined;
}

/** `submittedBy` (top level, `name`) or `paper.submittedOnDailyBy` (`user`, later also `name`). */
function submitter(v: unknown): SubmitterInput | undefined {
  if (!isObj(v)) return undefined;
  const username = optionalText(v.name) ?? optionalText(v.user);
  if (!username) return undefined;
  return dropUndefined({
    username,
    fullname: optionalText(v.fullname),
    avatarUrl: optionalText(v.avatarUrl),
    hfId: optionalText(v._id),
    profile: v,
  });
}

function organization(v: unknown): OrganizationInput | undefined {
  if (!isObj(v)) return undefined;
  const name = optionalText(v.name);
  if (!name) return undefined;
  return dropUndefined({ name, fullname: optionalText(v.fullname), avatarUrl: optionalText(v.avatar), hfId: optionalText(v._id) });
}

function parseJson(text: string): unknown {
  try {
    // Fields are kept as given (the API gives them back), but for control characters (src/domain/text.ts).
    return JSON.parse(text.replace(/^\uFEFF/, ''), (_key, v: unknown) => (typeof v === 'string' ? withoutControlChars(v) : v));
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const m = /at position (\d+)/.exec(msg);
    const pos = m ? Number(m[1]) : undefined;
    const truncated = pos === undefined ? /end of JSON input/.test(msg) : pos >= text.trimEnd().length;
    const hint = truncated ? ' (the file ends too early: truncated?)' : '';
    throw new ImportError(`invalid JSON: ${msg}${hint}`, pos === undefined ? undefined : lineAndColumn(text, pos));
  }
}

function lineAndColumn(text: string, pos: number): string {
  const before = text.slice(0, pos).split('\n');
  return `line ${before.length}, column ${before[before.length - 1]!.length + 1}`;
}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const strings = (v: unknown): string[] | undefined =>
  Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : undefined;

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

