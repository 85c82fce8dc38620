/**
 * The one ordered list of migrations. Append only: a migration that has shipped is never edited;
 * change the schema with a new one. Each runs in its own transaction on both engines.
 */
import type { ColumnDefinitionBuilder, Kysely } from 'kysely';
import type { Engine } from '../connection.ts';
import { papers } from './0001-papers.ts';
import { accounts } from './0002-accounts.ts';
import { tokensAndSubmissions } from './0003-tokens-and-submissions.ts';
import { comments } from './0004-comments.ts';
import { moderation } from './0005-moderation.ts';
import { collections } from './0006-collections.ts';
import { oauth } from './0007-oauth.ts';
import { organizations } from './0008-organizations.ts';
import { removedEntries } from './0009-removed-entries.ts';
import { searchIndex } from './0010-search-index.ts';
import { embeddings } from './0011-embeddings.ts';
import { subscriptions } from './0012-subscriptions.ts';
import { jobs } from './0013-jobs.ts';
import { savedSearches } from './0014-saved-searches.ts';
import { setupTokens } from './0015-setup-tokens.ts';
import { rateLimits } from './0016-rate-limits.ts';
import { importStaging } from './0017-import-staging.ts';
import { changeScopes } from './0018-change-scopes.ts';
import { embeddingModels } from './0019-embedding-models.ts';
import { throttles } from './0021-throttles.ts';
import { firstRun } from './0022-first-run.ts';
import { jobSchedules } from './0023-job-schedules.ts';
import { hfWire } from './0024-hf-wire.ts';
import { images } from './0025-images.ts';
import { profileBio } from './0026-profile-bio.ts';
import { forYou } from './0027-for-you.ts';
import { followsAndNotifications } from './0028-follows-and-notifications.ts';
import { privateNotes } from './0029-private-notes.ts';
import { fulltext } from './0030-fulltext.ts';
import { extractedSummaries } from './0031-extracted-summaries.ts';
import { ask } from './0032-ask.ts';
import { textSeq } from './0033-text-seq.ts';
import { keysetPagination } from './0034-keyset-pagination.ts';
import { importTextSeq } from './0035-import-text-seq.ts';
import { keywordStatistics } from './0036-keyword-statistics.ts';
import { suppliedSearchDocuments } from './0037-supplied-search-documents.ts';
import { compoundWords } from './0038-compound-words.ts';
import { dateOrder } from './0039-date-order.ts';
import { withCodeOrder } from './0040-with-code-order.ts';

export interface MigrationContext {
  engine: Engine;
  /** Column builder for an auto-numbered integer primary key, which the engines spell differently. */
  id: (c: ColumnDefinitionBuilder) => ColumnDefinitionBuilder;
}

export interface Migration {
  version: number;
  name: string;
  // The schema builder works on any Kysely instance; migrations do not use the table types.
  up(db: Kysely<any>, ctx: MigrationContext): Promise<void>;
  /**
   * Rolling upgrades: the oldest schema version whose code still runs correctly once this migration is applied
   * (an added table, column or index leaves older code working: `version - 1` or less). Omitted: older code
   * cannot, and an older release refuses to start on the database (src/db/migrate.ts).
   */
  compatibleWith?: number;
  /**
   * What a migration that may take minutes does, said before it runs (the CLI prints it: an operator upgrading a
   * big database otherwise sees nothing happen); nothing when it returns undefined (another engine, nothing to do).
   */
  notice?: (db: Kysely<any>, ctx: MigrationContext) => Promise<string | undefined>;
}

export const migrations: readonly Migration[] = [papers, accounts, tokensAndSubmissions, comments, moderation, collections, oauth, organizations, removedEntries, searchIndex, embeddings, subscriptions, jobs, savedSearches, setupTokens, rateLimits, importStaging, changeScopes, embeddingModels, throttles, firstRun, jobSchedules, hfWire, images, profileBio, forYou, followsAndNotifications, privateNotes, fulltext, extractedSummaries, ask, textSeq, keysetPagination, importTextSeq, keywordStatistics, suppliedSearchDocuments, compoundWords, dateOrder, withCodeOrder];
