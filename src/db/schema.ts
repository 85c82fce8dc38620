/**
 * Table types for Kysely: the shape of each row as both engines return it.
 * Conventions (docs/decisions/0003-storage-conventions.md): times are ISO 8601 UTC text, days are
 * `YYYY-MM-DD` text, lists and objects are JSON text, booleans are 0/1 integers. The same values
 * then come back from SQLite and PostgreSQL, and one set of queries serves both.
 */
import type { Generated } from 'kysely';

export interface PapersTable {
  id: string;
  version: number | null;
  title: string;
  abstract: string | null;
  /** JSON: [{name, affiliation?}] */
  authors: string;
  /** arXiv categories, space separated, primary first (arXiv's own notation). */
  categories: string;
  published_at: string | null;
  updated_at: string | null;
  doi: string | null;
  journal_ref: string | null;
  comments: string | null;
  report_no: string | null;
  license: string | null;
  arxiv_submitter: string | null;
  github_repo: string | null;
  github_stars: number | null;
  project_page: string | null;
  ai_summary: string | null;
  /** JSON: string[] */
  ai_keywords: string | null;
  upvotes: number;
  /** JSON: Hugging Face author objects as given. */
  hf_authors: string | null;
  discussion_id: string | null;
  organization_id: number | null;
  hf_observed_on: string | null;
  /** Upvotes of this site's members, beside `upvotes` (the count imported from Hugging Face). */
  member_upvotes: Generated<number>;
  /** This site's comments that are not deleted or hidden, beside `daily_entries.num_comments` (Hugging Face's count). */
  comments_count: Generated<number>;
  /** Set when a moderator locks the paper's discussion: no new comments or replies. */
  comments_locked_at: Generated<string | null>;
  metadata_source: string;
  created_at: string;
  modified_at: string;
  /** JSON: Hugging Face's `paper` object of the latest capture, as given (migration 24). */
  hf_paper: Generated<string | null>;
  /** JSON: {models, datasets, spaces} linked to the paper, as an import or mirror brought them. */
  hf_repos: Generated<string | null>;
  /** The model (LLM_MODEL) that wrote a generated ai_summary/ai_keywords; null for Hugging Face's own (migration 32). */
  ai_summary_model: Generated<string | null>;
  /** Raised by triggers on insert and on every change of title or abstract (the embedded text; migration 33). */
  text_seq: Generated<number>;
}

export interface OrganizationsTable {
  id: Generated<number>;
  name: string;
  fullname: string | null;
  avatar_url: string | null;
  hf_id: string | null;
  created_at: string;
}

export interface SubmittersTable {
  id: Generated<number>;
  username: string;
  fullname: string | null;
  avatar_url: string | null;
  hf_id: string | null;
  /** JSON: the profile object as the source gave it. */
  profile: string | null;
  created_at: string;
}

export interface DailyEntriesTable {
  id: Generated<number>;
  paper_id: string;
  day: string;
  listed_at: string | null;
  submitter_id: number | null;
  submitted_at: string | null;
  comment: string | null;
  num_comments: number;
  thumbnail: string | null;
  /** JSON: string[] */
  media_urls: string | null;
  is_author_participating: number | null;
  /** The member who put the paper on the list (imported entries name a `submitter` instead). */
  user_id: Generated<number | null>;
  /** Set when an editor features the entry: featured entries lead their day. */
  featured_at: Generated<string | null>;
  created_at: string;
  modified_at: string;
  /** JSON: Hugging Face's entry object without `paper`, as given (migration 24). */
  hf_entry: Generated<string | null>;
  /** The entry's top-level `publishedAt`, as Hugging Face gave it or computed its way. */
  hf_published_at: Generated<string | null>;
}

export interface PaperCategoriesTable {
  paper_id: string;
  category: string;
  /** 0 for the primary category. */
  position: number;
  /** The paper's sort date, `coalesce(published_at, '')`, kept by triggers for category pages (migration 34). */
  sort_date: Generated<string>;
}

export interface SiteStateTable {
  key: string;
  value: number;
}

export type Role = 'member' | 'editor' | 'moderator' | 'admin';

export interface UsersTable {
  id: Generated<number>;
  username: string;
  email: string;
  email_verified_at: string | null;
  password_hash: string | null;
  display_name: string | null;
  /** Plain text shown on the profile (migration 26), at most PROFILE_BIO_MAX characters. */
  bio: string | null;
  role: Generated<Role>;
  suspended_at: string | null;
  deleted_at: string | null;
  created_at: string;
}

export interface SessionsTable {
  token_hash: string;
  user_id: number;
  created_at: string;
  expires_at: string;
  user_agent: string | null;
}

export interface UserTokensTable {
  token_hash: string;
  user_id: number;
  /** 'email': a change of address, mailed to the new address (`new_email`) and made when its link is clicked. */
  purpose: 'verify' | 'reset' | 'email';
  expires_at: string;
  used_at: string | null;
  created_at: string;
  new_email: Generated<string | null>;
}

export interface OutboxTable {
  id: Generated<number>;
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string | null;
  created_at: string;
  sent_at: string | null;
  attempts: Generated<number>;
  last_error: string | null;
  /** What the mail is: 'account' (confirmations, resets, mentions), 'subscription', 'digest' (migration 12). */
  kind: Generated<string>;
  /** 'queued' (to send, from next_attempt_at), 'sent', 'failed' (permanently), 'cancelled' (its subscriber left). */
  status: Generated<OutboxStatus>;
  /** Unique when set: a mail with this key is enqueued once (digests: digest:PERIOD:KEY:SUBSCRIBER). */
  dedupe_key: string | null;
  next_attempt_at: string | null;
  /** The lease of the worker sending it (src/email/delivery.ts). */
  claimed_by: string | null;
  claimed_until: string | null;
  /** JSON: extra headers, e.g. List-Unsubscribe. */
  headers: string | null;
  subscriber_id: number | null;
}

export type OutboxStatus = 'queued' | 'sent' | 'failed' | 'cancelled';

export type SubscriberStatus = 'pending' | 'active' | 'unsubscribed' | 'bounced';

/** An email subscription to the digests (migration 12; src/db/queries/subscribers.ts). */
export interface SubscribersTable {
  id: Generated<number>;
  /** Lowercase. */
  email: string;
  user_id: number | null;
  status: SubscriberStatus;
  frequency: 'daily' | 'weekly';
  max_papers: number;
  /** JSON: "all" or {categories, keywords, organizations} (src/domain/digest.ts). */
  topics: string;
  /** SHA-256 of the confirmation link's token, while pending. */
  confirm_token_hash: string | null;
  confirm_sent_at: string | null;
  /** Random, signed into the unsubscribe and preferences links with the site secret. */
  link_key: string;
  bounce_count: Generated<number>;
  last_bounce: string | null;
  created_at: string;
  updated_at: string;
  confirmed_at: string | null;
  unsubscribed_at: string | null;
}

export interface SiteSecretsTable {
  name: string;
  value: string;
  created_at: string;
}

/** A one-time link that makes its opener the site's first admin (`serve` prints it while there is none). */
export interface SetupTokensTable {
  token_hash: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export interface VotesTable {
  user_id: number;
  paper_id: string;
  created_at: string;
}

export interface ApiTokensTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  token_hash: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** A comment on a paper, or a reply (parent_id). Soft-deleted: the row stays so that replies keep their place. */
export interface CommentsTable {
  id: Generated<number>;
  paper_id: string;
  user_id: number;
  parent_id: number | null;
  /** The Markdown source as written. */
  body: string;
  /** Sanitized HTML rendered from `body` at write time, by renderer `render_version`. */
  body_html: string;
  render_version: number;
  upvotes: Generated<number>;
  created_at: string;
  edited_at: string | null;
  deleted_at: string | null;
  /** Set by a moderator: shown as removed, like a deleted comment. */
  hidden_at: Generated<string | null>;
}

export interface CommentVotesTable {
  user_id: number;
  comment_id: number;
  created_at: string;
}

/** Members a comment mentioned and mailed (once per comment, whatever its edits). */
export interface CommentMentionsTable {
  comment_id: number;
  user_id: number;
  created_at: string;
  /** When the mention was mailed; null when the recipient's cap was reached (migration 21). */
  mailed_at: Generated<string | null>;
}

/** A member's flag on a comment or a submission (daily-list entry); open while resolved_at is null. */
export interface FlagsTable {
  id: Generated<number>;
  user_id: number;
  target_type: 'comment' | 'submission';
  comment_id: number | null;
  /** The flagged entry; null once it is taken off the list (paper_id and day still say which it was). */
  entry_id: number | null;
  paper_id: string;
  day: string | null;
  /** A key of FLAG_REASONS (src/domain/moderation.ts). */
  reason: string;
  details: string | null;
  created_at: string;
  resolved_at: string | null;
  resolved_by: number | null;
  /** 'dismissed' (nothing done) or 'actioned' (the item was hidden or removed). */
  resolution: 'dismissed' | 'actioned' | null;
}

/** Every moderator action, written in the action's transaction. */
export interface ModerationLogTable {
  id: Generated<number>;
  moderator_id: number;
  /** A key of MODERATION_ACTIONS (src/domain/moderation.ts). */
  action: string;
  target_type: 'comment' | 'paper' | 'submission' | 'user' | 'flag' | 'claim';
  target_id: string;
  paper_id: string | null;
  day: string | null;
  /** The member concerned (the comment's author, the suspended member, the claimant…). */
  user_id: number | null;
  reason: string | null;
  created_at: string;
}

/** "I am this author": a member's claim on one entry (position, name) of a paper's author list. */
export interface AuthorClaimsTable {
  id: Generated<number>;
  user_id: number;
  paper_id: string;
  author_index: number;
  author_name: string;
  status: 'pending' | 'approved' | 'denied';
  /** The moderator's reason for a denial (shown to the member). */
  reason: string | null;
  created_at: string;
  decided_at: string | null;
  decided_by: number | null;
  /** Set by the member to leave the paper off their profile. */
  hidden_at: string | null;
}

/** A provider account (GitHub, Hugging Face) a member signs in with; provider_user_id is the provider's stable id. */
export interface OAuthAccountsTable {
  provider: 'github' | 'huggingface';
  provider_user_id: string;
  user_id: number;
  /** The login at the provider when last used (people rename; the id stays). */
  provider_login: string;
  created_at: string;
  last_used_at: string;
}

/** A member's named collection of papers; others see it only when it is public. The slug stays when it is renamed. */
export interface CollectionsTable {
  id: Generated<number>;
  user_id: number;
  slug: string;
  name: string;
  /** 0/1 */
  is_public: Generated<number>;
  created_at: string;
  /** Changed by every write to the collection or its papers (feeds use it as their date). */
  updated_at: string;
}

/** A paper in a collection, with its owner's note. */
export interface CollectionPapersTable {
  collection_id: number;
  paper_id: string;
  note: string | null;
  added_at: string;
  /** The owner's private note (migration 29): shown to them alone, in their exports. */
  private_note: Generated<string | null>;
}

/** A member of an organization: they attach papers to it (admins name the members). */
export interface OrganizationMembersTable {
  organization_id: number;
  user_id: number;
  created_at: string;
}

/** One embedding per paper (src/db/queries/embeddings.ts); `vector` is little-endian Float32 bytes. */
export interface PaperEmbeddingsTable {
  paper_id: string;
  model: string;
  dims: number;
  vector: Uint8Array;
  /** Raised on every write (site_state `embedding_seq`); the paper's key in the vector index. */
  seq: number;
  updated_at: string;
}

/** A built-in embedder's model file, content-addressed (migration 0019; src/db/queries/embedding-models.ts). */
export interface EmbeddingModelsTable {
  /** The model id recorded beside its vectors (`builtin-lsa-384@…`). */
  id: string;
  /** Of the whole file; also the key of its chunks. */
  sha256: string;
  bytes: number;
  chunks: number;
  created_at: string;
}

/** The file's bytes, chunk `n` (0-based) of a model. */
export interface EmbeddingModelChunksTable {
  sha256: string;
  n: number;
  data: Uint8Array;
}

/** One row (id 1): the site's semantic model and the key naming the instances' cached index files. */
export interface EmbeddingSiteTable {
  id: number;
  site_key: string;
  model: string | null;
  updated_at: string;
  /** The high-water mark: every paper with text_seq <= it has a vector of `model` for its text (migration 33; 0 after a model change). */
  embedded_text_seq: Generated<number>;
}

export interface RemovedEntriesTable {
  paper_id: string;
  day: string;
  removed_at: string;
}

export type JobStatus = 'ok' | 'error' | 'running';

/** A recurring background job (src/jobs): its schedule, next run, lease and last outcome. */
export interface JobsTable {
  name: string;
  schedule: string;
  /** 0/1: an admin's switch (the configuration may turn a job off too). */
  enabled: Generated<number>;
  next_run_at: string;
  /** The instance running it, and until when its lease holds (renewed while it runs). */
  lease_owner: string | null;
  lease_until: string | null;
  /** Failures in a row; 0 after a success. */
  attempts: Generated<number>;
  last_started_at: string | null;
  last_finished_at: string | null;
  last_duration_ms: number | null;
  last_status: JobStatus | null;
  last_error: string | null;
  /** A short summary of what the last successful run did. */
  last_result: string | null;
  /** The cron expression set with `dailypapers jobs schedule` (migration 23); null: the configuration's. */
  custom_schedule: string | null;
}

/** One run of a job (the newest JOB_RUNS_KEPT per job are kept). */
export interface JobRunsTable {
  id: Generated<number>;
  name: string;
  owner: string;
  started_at: string;
  finished_at: string | null;
  status: JobStatus;
  error: string | null;
  result: string | null;
}

/** Where the harvester is in an upstream list (`arxiv-oai:cs`): committed with each page it writes. */
export interface HarvestStateTable {
  source: string;
  cursor: string | null;
  resumption_token: string | null;
  list_from: string | null;
  list_max_datestamp: string | null;
  updated_at: string;
}

/** When the stars of a paper's GitHub repository were last read. */
export interface GithubReposTable {
  url: string;
  stars: number | null;
  status: 'ok' | 'missing' | 'error';
  checked_at: string;
}

/** A stored image: WebP bytes keyed by their SHA-256 (migration 25; src/db/queries/images.ts). */
export interface ImagesTable {
  hash: string;
  data: Uint8Array;
  width: number;
  height: number;
  bytes: number;
  created_at: string;
}

/** A remote image address and what fetching it gave: a stored image, or the reason it failed. */
export interface ImageSourcesTable {
  url: string;
  kind: 'thumbnail' | 'avatar';
  status: 'ok' | 'failed';
  hash: string | null;
  error: string | null;
  attempts: number;
  fetched_at: string;
}

/** A member's saved search, mailed as an alert when new papers match it (migration 14; src/db/queries/saved-searches.ts). */
export interface SavedSearchesTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  /** The query text as typed (q). */
  query: string;
  /** JSON: the search form's filters (SearchFilters of src/search/keyword.ts). */
  filters: string;
  mode: 'hybrid' | 'keyword' | 'semantic';
  /** 0/1: new matches are mailed. */
  alert_enabled: Generated<number>;
  /** High-water mark on papers.created_at: papers that entered the database up to this were looked at. */
  alerted_until: string;
  last_checked_at: string | null;
  created_at: string;
  updated_at: string;
}

/** A paper an alert run found for a saved search (once per search). */
export interface SavedSearchMatchesTable {
  saved_search_id: number;
  paper_id: string;
  matched_at: string;
}

/** Rate-limit counters (migration 0016): one row per key and fixed window. */
export interface RateLimitsTable {
  key: string;
  count: number;
  /** The window's end, in ms since the epoch. */
  reset_at: number;
}

export interface SchemaMigrationsTable {
  version: number;
  name: string;
  applied_at: string;
  /** The migration's `compatibleWith` (the oldest schema version whose code runs with it applied); null: none older. */
  compatible_with: number | null;
}

/** The earliest time the next call to an upstream may start (migration 21). */
export interface ThrottleSlotsTable {
  name: string;
  next_at: string;
}

/** A call to the arXiv API made for a member's submission (migration 21), for the per-member cap. */
export interface ArxivFetchesTable {
  id: Generated<number>;
  user_id: number;
  fetched_at: string;
}

/** Answers to questions on a paper or a collection (migration 32, src/db/queries/ask.ts). */
export interface AskAnswersTable {
  id: Generated<number>;
  /** `paper:ID@VERSION` or `collection:ID@HASH` (the papers and their versions). */
  scope: string;
  question_key: string;
  model: string;
  answer: string;
  /** JSON: CitedPassage[] */
  citations: string;
  created_at: string;
}

/** Language-model requests and tokens a day, per member and for the site (user_id 0) (migration 32). */
export interface LlmUsageTable {
  day: string;
  user_id: number;
  requests: number;
  tokens: number;
}

export interface DB {
  ask_answers: AskAnswersTable;
  llm_usage: LlmUsageTable;
  papers: PapersTable;
  paper_embeddings: PaperEmbeddingsTable;
  embedding_models: EmbeddingModelsTable;
  embedding_model_chunks: EmbeddingModelChunksTable;
  embedding_site: EmbeddingSiteTable;
  organizations: OrganizationsTable;
  submitters: SubmittersTable;
  daily_entries: DailyEntriesTable;
  paper_categories: PaperCategoriesTable;
  site_state: SiteStateTable;
  users: UsersTable;
  sessions: SessionsTable;
  user_tokens: UserTokensTable;
  outbox: OutboxTable;
  subscribers: SubscribersTable;
  site_secrets: SiteSecretsTable;
  setup_tokens: SetupTokensTable;
  votes: VotesTable;
  api_tokens: ApiTokensTable;
  removed_entries: RemovedEntriesTable;
  comments: CommentsTable;
  comment_votes: CommentVotesTable;
  comment_mentions: CommentMentionsTable;
  flags: FlagsTable;
  moderation_log: ModerationLogTable;
  author_claims: AuthorClaimsTable;
  oauth_accounts: OAuthAccountsTable;
  collections: CollectionsTable;
  collection_papers: CollectionPapersTable;
  organization_members: OrganizationMembersTable;
  jobs: JobsTable;
  job_runs: JobRunsTable;
  harvest_state: HarvestStateTable;
  github_repos: GithubReposTable;
  saved_searches: SavedSearchesTable;
  throttle_slots: ThrottleSlotsTable;
  arxiv_fetches: ArxivFetchesTable;
  saved_search_matches: SavedSearchMatchesTable;
  rate_limits: RateLimitsTable;
  schema_migrations: SchemaMigrationsTable;
  import_runs: ImportRunsTable;
  import_staging: ImportStagingTable;
  images: ImagesTable;
  image_sources: ImageSourcesTable;
  hf_days: HfDaysTable;
  setup_requests: SetupRequestsTable;
  paper_fulltext: PaperFulltextTable;
  fulltext_failures: FulltextFailuresTable;
  fulltext_requests: FulltextRequestsTable;
  for_you_feedback: ForYouFeedbackTable;
  for_you_settings: ForYouSettingsTable;
  feed_tokens: FeedTokensTable;
  paper_extracts: PaperExtractsTable;
  follows: FollowsTable;
  notifications: NotificationsTable;
  notification_settings: NotificationSettingsTable;
  notification_marks: NotificationMarksTable;
}

/** An extracted summary and keywords of a paper without Hugging Face's (migration 31, src/domain/extract.ts). */
export interface PaperExtractsTable {
  paper_id: string;
  summary: string | null;
  /** JSON: string[] */
  keywords: string;
  /** EXTRACT_METHOD of the code that wrote it. */
  method: number;
  extracted_at: string;
}

/** An import of one big file in progress (docs/decisions/0017-imports-in-short-batches.md). */
export interface ImportRunsTable {
  id: Generated<number>;
  file: string;
  format: string;
  status: 'staging' | 'ready';
  owner: string;
  lease_until: string;
  staged: Generated<number>;
  new: Generated<number>;
  updated: Generated<number>;
  unchanged: Generated<number>;
  created_at: string;
}

/** A parsed record of an import run, waiting to be applied. */
export interface ImportStagingTable {
  run_id: number;
  seq: number;
  record: string;
}

/** A Hugging Face Daily Papers list fetched by a backfill (migration 22). */
export interface HfDaysTable {
  day: string;
  entries: number;
  settled: number;
  fetched_at: string;
}

/** A one-click action of /admin/setup, queued for the setup-requests job (migration 22). */
export interface SetupRequestsTable {
  id: Generated<number>;
  action: string;
  params: string;
  requested_by: number | null;
  requested_at: string;
  status: string;
  progress: string | null;
  started_at: string | null;
  finished_at: string | null;
  result: string | null;
}

/** A paper's full text as Markdown (migration 30; docs/decisions/0034-full-text.md). */
export interface PaperFulltextTable {
  paper_id: string;
  /** The arXiv version it was made from (`v3`), or `latest` when arXiv did not say. */
  version: string;
  /** The version as a number (0 for `latest`), compared with papers.version. */
  version_number: number;
  source: 'html' | 'pdf';
  source_url: string;
  markdown: string;
  /** JSON: [{anchor, title, level}] in document order. */
  sections: string;
  /** JSON: what the Markdown holds (sections, equations, figures, tables, references). */
  counts: string;
  source_bytes: number;
  fetched_at: string;
}

/** Why fetching a paper's full text failed, and how many times for that version (migration 30). */
export interface FulltextFailuresTable {
  paper_id: string;
  /** The version tried (0: unknown, the latest). */
  version_number: number;
  error: string;
  attempts: number;
  tried_at: string;
}

/** One request made to arXiv for full text, counted against the daily budget (migration 30). */
export interface FulltextRequestsTable {
  id: Generated<number>;
  url: string;
  status: number;
  requested_at: string;
}

/** What a member told the For-you feed about a paper (migration 27). */
export interface ForYouFeedbackTable {
  user_id: number;
  paper_id: string;
  /** 'more' (👍), 'less' (👎) or 'seed' (picked on the start page). */
  kind: string;
  created_at: string;
}

/** A member's For-you blend: percent community heat, 0–100 (migration 27). */
export interface ForYouSettingsTable {
  user_id: number;
  heat: number;
  updated_at: string;
}

/** A member's secret for private feed addresses, SHA-256 hex (migration 27). */
export interface FeedTokensTable {
  user_id: number;
  token_hash: string;
  created_at: string;
}

/** What a member follows (migration 28; src/db/queries/follows.ts). */
export interface FollowsTable {
  id: Generated<number>;
  user_id: number;
  kind: 'author' | 'organization' | 'category' | 'keyword' | 'saved_search';
  value: string;
  created_at: string;
}

/** A member's inbox (migration 28; src/db/queries/notifications.ts). */
export interface NotificationsTable {
  id: Generated<number>;
  user_id: number;
  /** 'reply' | 'mention' | 'paper' (a followed channel's new paper) | 'claim' (a decision on an authorship claim). */
  kind: string;
  dedupe_key: string;
  paper_id: string | null;
  comment_id: number | null;
  claim_id: number | null;
  actor_id: number | null;
  /** JSON: what the inbox shows beside the links (the channels that matched, a claim's decision…). */
  detail: string;
  created_at: string;
  read_at: string | null;
  email_status: 'pending' | 'sent' | 'skipped';
}

export interface NotificationSettingsTable {
  user_id: number;
  kind: string;
  email: number;
}

/** The high-water mark of the scan of new papers for followers (src/notify/new-papers.ts). */
export interface NotificationMarksTable {
  name: string;
  created_at: string;
  paper_id: string;
}
