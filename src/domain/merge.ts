/**
 * Merging what several sources say about one paper, without losing anything.
 *
 * Each field has an owner. arXiv sources (OAI-PMH, the API, the snapshot) own the bibliographic
 * fields; Hugging Face Daily Papers owns the community fields (upvotes, AI summary, code links,
 * organization). The owner's value replaces what is stored; any other source only fills a gap.
 * Among arXiv records the freshest (highest version, then latest update) wins: an old OAI page
 * imported after a newer snapshot does not roll a paper back. A value a source does not give
 * (undefined) never erases one that is stored. So importing arXiv then Hugging Face data gives the
 * same paper as the other way round, and importing the same record twice changes nothing.
 */
import type { Author, HfAuthor, HfRepos, PaperInput, Source, DailyEntryInput } from './paper.ts';

/** A paper as stored: every field present, null where no source has said. */
export interface Paper {
  id: string;
  version: number | null;
  title: string;
  abstract: string | null;
  authors: Author[];
  categories: string[];
  publishedAt: string | null;
  updatedAt: string | null;
  doi: string | null;
  journalRef: string | null;
  comments: string | null;
  reportNo: string | null;
  license: string | null;
  arxivSubmitter: string | null;
  githubRepo: string | null;
  githubStars: number | null;
  projectPage: string | null;
  aiSummary: string | null;
  aiKeywords: string[] | null;
  upvotes: number;
  hfAuthors: HfAuthor[] | null;
  discussionId: string | null;
  /** The organization's unique name. */
  organization: string | null;
  /** The day of the Hugging Face capture the community fields come from. */
  hfObservedOn: string | null;
  /** Which kind of source the bibliographic fields come from: 'arxiv' once any arXiv record was merged. */
  metadataSource: Source;
  /** Hugging Face's `paper` object of the latest capture, as given. */
  hfPaper: Record<string, unknown> | null;
  hfRepos: HfRepos | null;
}

/** Bibliographic fields, owned by arXiv sources. */
const ARXIV_FIELDS = [
  'title', 'abstract', 'authors', 'categories', 'publishedAt', 'updatedAt', 'doi', 'journalRef',
  'comments', 'reportNo', 'license', 'arxivSubmitter',
] as const satisfies readonly (keyof Paper & keyof PaperInput)[];

/** Community fields, owned by Hugging Face Daily Papers (upvotes are handled on their own). */
const HF_FIELDS = [
  'githubRepo', 'githubStars', 'projectPage', 'aiSummary', 'aiKeywords', 'hfAuthors', 'discussionId', 'hfPaper', 'hfRepos',
] as const satisfies readonly (keyof Paper & keyof PaperInput)[];

type Field = (typeof ARXIV_FIELDS)[number] | (typeof HF_FIELDS)[number];

/**
 * What a source gives for a field, normalized so that "nothing" is always undefined. An empty list
 * from arXiv (no categories) says nothing; from Hugging Face (`ai_keywords: []`) it is a value, and
 * the API gives it back.
 */
function given(input: PaperInput, field: Field): unknown {
  const v = input[field];
  if (v === null || v === undefined || v === '') return undefined;
  if (Array.isArray(v) && v.length === 0 && input.source === 'arxiv') return undefined;
  return v;
}

/** How fresh an arXiv record is: higher version first, then later update. */
function isFresherOrSame(incoming: PaperInput, existing: Paper): boolean {
  const iv = incoming.version ?? 0;
  const ev = existing.version ?? 0;
  if (iv !== ev) return iv > ev;
  return (incoming.updatedAt ?? '') >= (existing.updatedAt ?? '');
}

export function emptyPaper(input: PaperInput): Paper {
  return {
    id: input.id, version: null, title: input.title, abstract: null, authors: [], categories: [],
    publishedAt: null, updatedAt: null, doi: null, journalRef: null, comments: null, reportNo: null,
    license: null, arxivSubmitter: null, githubRepo: null, githubStars: null, projectPage: null,
    aiSummary: null, aiKeywords: null, upvotes: 0, hfAuthors: null, discussionId: null,
    organization: null, hfObservedOn: null, metadataSource: input.source, hfPaper: null, hfRepos: null,
  };
}

/** The paper after merging `incoming` into `existing` (or into nothing). Pure; `existing` is not changed. */
export function mergePaper(existing: Paper | undefined, incoming: PaperInput): Paper {
  const base = existing ?? emptyPaper(incoming);
  const out: Paper = { ...base };
  const set = out as unknown as Record<Field, unknown>;

  const ownsArxiv =
    incoming.source === 'arxiv' && (existing === undefined || base.metadataSource !== 'arxiv' || isFresherOrSame(incoming, base));
  for (const f of ARXIV_FIELDS) {
    const v = given(incoming, f);
    if (v !== undefined && (ownsArxiv || isEmpty(base[f])) && !(f === 'title' && isCutOf(v as string, base.title))) set[f] = v;
  }
  // The latest Hugging Face capture owns the community fields (same day: the one imported last).
  const ownsHf = incoming.source === 'hf' && (incoming.observedOn ?? '') >= (base.hfObservedOn ?? '');
  for (const f of HF_FIELDS) {
    const v = given(incoming, f);
    if (v !== undefined && (ownsHf || isEmpty(base[f]))) set[f] = v;
  }
  if (incoming.version !== undefined) out.version = Math.max(base.version ?? 0, incoming.version);
  // Upvotes only grow at the source; a later capture of the same list has at least as many.
  if (incoming.upvotes !== undefined) out.upvotes = Math.max(base.upvotes, incoming.upvotes);
  if (incoming.organization && (ownsHf || base.organization === null)) out.organization = incoming.organization.name;
  if (ownsHf && incoming.observedOn !== undefined) out.hfObservedOn = incoming.observedOn;
  if (incoming.source === 'arxiv') out.metadataSource = 'arxiv';
  return out;
}

/**
 * A title cut short by a listing (`A long title about…`, `A long title about ...`) of the one stored:
 * it never replaces the full one.
 */
export function isCutOf(incoming: string, stored: string): boolean {
  const m = /^([\s\S]*?)\s*(?:\.\.\.|…)$/.exec(incoming.trim());
  if (!m || m[1]!.length === 0) return false;
  const flat = (t: string) => t.replace(/\s+/g, ' ').trim();
  const full = flat(stored);
  return full.length > m[1]!.length && full.startsWith(flat(m[1]!));
}

function isEmpty(v: unknown): boolean {
  return v === null || v === undefined || (Array.isArray(v) && v.length === 0);
}

/** A daily-list entry as stored (submitter by username). */
export interface DailyEntry {
  paperId: string;
  day: string;
  listedAt: string | null;
  submitter: string | null;
  submittedAt: string | null;
  comment: string | null;
  numComments: number;
  thumbnail: string | null;
  mediaUrls: string[] | null;
  isAuthorParticipating: boolean | null;
  /** Hugging Face's entry object without `paper`, as given. */
  hfEntry: Record<string, unknown> | null;
  /** The entry's top-level `publishedAt`, as Hugging Face gave it or computed its way. */
  hfPublishedAt: string | null;
}

/** The entry after merging: what the source gives replaces what is stored; nothing given erases nothing. */
export function mergeEntry(existing: DailyEntry | undefined, incoming: DailyEntryInput): DailyEntry {
  const e: DailyEntry = existing
    ? { ...existing }
    : {
        paperId: incoming.paperId, day: incoming.day, listedAt: null, submitter: null, submittedAt: null,
        comment: null, numComments: 0, thumbnail: null, mediaUrls: null, isAuthorParticipating: null,
        hfEntry: null, hfPublishedAt: null,
      };
  if (incoming.listedAt) e.listedAt = incoming.listedAt;
  if (incoming.submitter) e.submitter = incoming.submitter.username;
  if (incoming.submittedAt) e.submittedAt = incoming.submittedAt;
  if (incoming.comment) e.comment = incoming.comment;
  if (incoming.numComments !== undefined) e.numComments = incoming.numComments;
  if (incoming.thumbnail) e.thumbnail = incoming.thumbnail;
  if (incoming.mediaUrls && incoming.mediaUrls.length > 0) e.mediaUrls = incoming.mediaUrls;
  if (incoming.isAuthorParticipating !== undefined) e.isAuthorParticipating = incoming.isAuthorParticipating;
  if (incoming.hfEntry) e.hfEntry = incoming.hfEntry;
  if (incoming.hfPublishedAt) e.hfPublishedAt = incoming.hfPublishedAt;
  return e;
}

/** Whether two stored values differ (both built by the functions above, so key order is stable). */
export function differs<T>(a: T, b: T): boolean {
  return JSON.stringify(a) !== JSON.stringify(b);
}
