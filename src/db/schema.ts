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
  metadata_source: string;
  created_at: string;
  modified_at: string;
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
  created_at: string;
  modified_at: string;
}

export interface PaperCategoriesTable {
  paper_id: string;
  category: string;
  /** 0 for the primary category. */
  position: number;
}

export interface SiteStateTable {
  key: string;
  value: number;
}

export interface SchemaMigrationsTable {
  version: number;
  name: string;
  applied_at: string;
}

export interface DB {
  papers: PapersTable;
  organizations: OrganizationsTable;
  submitters: SubmittersTable;
  daily_entries: DailyEntriesTable;
  paper_categories: PaperCategoriesTable;
  site_state: SiteStateTable;
  schema_migrations: SchemaMigrationsTable;
}
