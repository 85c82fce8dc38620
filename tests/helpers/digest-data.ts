/** Papers on daily lists and digest subscribers, written straight to the database (for digest tests and bench/digest.ts). */
import { randomBytes } from 'node:crypto';
import type { Database } from '../../src/db/connection.ts';
import { serializeTopics, type TopicChoice } from '../../src/domain/digest.ts';

export interface SeedPaper {
  id: string;
  title: string;
  abstract?: string;
  /** Space-separated arXiv categories, primary first. */
  categories: string;
  upvotes: number;
  /** The daily list it is on. */
  day: string;
  organization?: string;
}

export async function seedPapers(database: Database, papers: SeedPaper[]): Promise<void> {
  const { db } = database;
  const t = new Date().toISOString();
  const orgIds = new Map<string, number>();
  for (const name of new Set(papers.flatMap((p) => (p.organization ? [p.organization] : [])))) {
    const existing = await db.selectFrom('organizations').select('id').where('name', '=', name).executeTakeFirst();
    const row = existing ?? (await db.insertInto('organizations').values({ name, fullname: `${name[0]!.toUpperCase()}${name.slice(1)} Research`, avatar_url: null, hf_id: null, created_at: t }).returning('id').executeTakeFirstOrThrow());
    orgIds.set(name, row.id);
  }
  for (let i = 0; i < papers.length; i += 200) {
    const chunk = papers.slice(i, i + 200);
    await db.insertInto('papers').values(chunk.map((p) => ({
      id: p.id, version: 1, title: p.title, abstract: p.abstract ?? `Abstract of ${p.title}.`, authors: JSON.stringify([{ name: 'A. Author' }]),
      categories: p.categories, published_at: `${p.day}T00:00:00.000Z`, updated_at: null, doi: null, journal_ref: null, comments: null, report_no: null,
      license: null, arxiv_submitter: null, github_repo: null, github_stars: null, project_page: null, ai_summary: null, ai_keywords: null,
      upvotes: p.upvotes, hf_authors: null, discussion_id: null, organization_id: p.organization ? orgIds.get(p.organization)! : null, hf_observed_on: null,
      metadata_source: 'test', created_at: t, modified_at: t,
    }))).execute();
    await db.insertInto('paper_categories').values(chunk.flatMap((p) => p.categories.split(' ').map((category, position) => ({ paper_id: p.id, category, position })))).execute();
    await db.insertInto('daily_entries').values(chunk.map((p) => ({
      paper_id: p.id, day: p.day, listed_at: `${p.day}T12:00:00.000Z`, submitter_id: null, submitted_at: null, comment: null, num_comments: 0,
      thumbnail: null, media_urls: null, is_author_participating: null, created_at: t, modified_at: t,
    }))).execute();
  }
}

export interface SeedSubscriber {
  email: string;
  frequency?: 'daily' | 'weekly';
  maxPapers?: number;
  topics?: TopicChoice;
  status?: 'active' | 'pending';
}

/** Active subscribers (confirmed), in batches. */
export async function seedSubscribers(database: Database, subscribers: SeedSubscriber[]): Promise<void> {
  const t = new Date().toISOString();
  for (let i = 0; i < subscribers.length; i += 500) {
    await database.db.insertInto('subscribers').values(subscribers.slice(i, i + 500).map((s) => ({
      email: s.email.toLowerCase(), user_id: null, status: s.status ?? 'active', frequency: s.frequency ?? 'daily', max_papers: s.maxPapers ?? 10,
      topics: serializeTopics(s.topics ?? 'all'), confirm_token_hash: null, confirm_sent_at: null, link_key: randomBytes(12).toString('base64url'),
      created_at: t, updated_at: t, confirmed_at: t, unsubscribed_at: null,
    }))).execute();
  }
}
