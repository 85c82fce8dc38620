/**
 * The model: what a source says about a paper and a daily-list entry, in one shape for every importer.
 * A field left undefined means "this source does not say"; merging never lets that erase a known value.
 */

/** Which kind of source a record comes from; decides who owns which fields when records are merged. */
export type Source = 'arxiv' | 'hf';

export interface Author {
  name: string;
  affiliation?: string;
}

/** An author object exactly as Hugging Face gives it (`_id`, `name`, `hidden`, sometimes `user`, `status`…). */
export type HfAuthor = { name: string } & Record<string, unknown>;

export interface OrganizationInput {
  /** Short name, unique (Hugging Face's `name`, e.g. `ShanghaiAiLab`). */
  name: string;
  fullname?: string;
  avatarUrl?: string;
  hfId?: string;
}

export interface SubmitterInput {
  /** Username, unique (Hugging Face's `name`/`user`). */
  username: string;
  fullname?: string;
  avatarUrl?: string;
  hfId?: string;
  /** The rest of the profile object as the source gave it, kept for faithful API output. */
  profile?: Record<string, unknown>;
}

export interface PaperInput {
  source: Source;
  /** Canonical arXiv id without version (see domain/arxiv-id.ts). */
  id: string;
  /** Latest version this source knows, if it says. */
  version?: number;
  title: string;
  abstract?: string;
  /** In order, primary author first. */
  authors?: Author[];
  /** arXiv categories, primary first, no duplicates. */
  categories?: string[];
  /** When version 1 appeared on arXiv (ISO 8601, UTC). */
  publishedAt?: string;
  /** When the latest version appeared (ISO 8601, UTC). */
  updatedAt?: string;
  doi?: string;
  journalRef?: string;
  comments?: string;
  reportNo?: string;
  license?: string;
  /** Name of the person who submitted the paper to arXiv. */
  arxivSubmitter?: string;
  githubRepo?: string;
  githubStars?: number;
  projectPage?: string;
  aiSummary?: string;
  aiKeywords?: string[];
  upvotes?: number;
  /** Hugging Face's own author objects (ids, hidden flags, linked users), for faithful API output. */
  hfAuthors?: HfAuthor[];
  discussionId?: string;
  organization?: OrganizationInput;
  /**
   * The day this source saw the paper (for Hugging Face, the day's list it was on): when two captures
   * disagree on a community field (a new project page, more stars), the later one wins.
   */
  observedOn?: string;
  /** Hugging Face's `paper` object exactly as given (every key, in its order), for HF-shaped answers. */
  hfPaper?: Record<string, unknown>;
  /** Models, datasets and Spaces linked to the paper, as an import or mirror brought them. */
  hfRepos?: HfRepos;
}

/** Repositories on Hugging Face linked to a paper, each object as Hugging Face gives it. */
export interface HfRepos {
  models: Record<string, unknown>[];
  datasets: Record<string, unknown>[];
  spaces: Record<string, unknown>[];
}

/** A paper on a day's list. */
export interface DailyEntryInput {
  paperId: string;
  /** The list's day, YYYY-MM-DD. */
  day: string;
  /** When the paper was put on the list (Hugging Face's top-level `publishedAt`). */
  listedAt?: string;
  submitter?: SubmitterInput;
  /** When it was submitted (Hugging Face's `submittedOnDailyAt`). */
  submittedAt?: string;
  comment?: string;
  numComments?: number;
  thumbnail?: string;
  mediaUrls?: string[];
  isAuthorParticipating?: boolean;
  /** Hugging Face's entry object without `paper`, exactly as given (every key, in its order). */
  hfEntry?: Record<string, unknown>;
  /** The entry's top-level `publishedAt` as Hugging Face gave it (text kept as sent). */
  hfPublishedAt?: string;
}

/** One record of an import file: a paper, and where the source lists it on a day, that entry. */
export interface ImportRecord {
  paper: PaperInput;
  entry?: DailyEntryInput;
}
