/**
 * The For-you feed of a member (docs/decisions/0029-for-you-feed.md): loads the candidates (papers listed in
 * the last FOR_YOU_WINDOW_DAYS days, with their community heat), the member's signals and followed topics,
 * the embeddings of both from the site's semantic model where there is one, and ranks them with the pure
 * model of src/domain/for-you.ts. The page, the private feeds and the digest's "Picked for you" all call this.
 */
import type { Database } from '../db/connection.ts';
import { embeddingsOf } from '../db/queries/embeddings.ts';
import { dataVersion } from '../db/queries/papers.ts';
import { heatOf, loadFollowedTopics, memberSignals } from '../db/queries/for-you.ts';
import { latestListingTime, listingsBetween, type Listing } from '../db/queries/lists.ts';
import { addDays } from '../domain/dates.ts';
import { rankForYou, type Candidate, type Ranked, type Signal } from '../domain/for-you.ts';
import { rankTrending, trendingReference } from '../domain/trending.ts';
import { usableSemantic, type SemanticIndex } from './types.ts';

/** New papers: those listed in this many days up to the newest list. */
export const FOR_YOU_WINDOW_DAYS = 30;

export interface ForYouItem extends Ranked {
  listing: Listing;
}

export interface ForYouFeed {
  items: ForYouItem[];
  /** How many signals the model learnt from (0: a cold start, shown in heat order). */
  signals: number;
  heat: number;
  window: { from: string; to: string };
}

const textOf = (title: string, abstract: string | null) => `${title}\n${abstract ?? ''}`;

/** The member's ranked feed; `heat` overrides their stored slider (the bench compares blends). */
export async function forYouFeed(database: Database, semantic: SemanticIndex | null, userId: number, now: Date, opts: { heat?: number } = {}): Promise<ForYouFeed> {
  const { db } = database;
  const index = usableSemantic(semantic);
  const { ranked, window, vectors: candidateVectors, candidates: candidateList } = await candidatesOf(database, index?.model ?? null, now);
  const signalRows = await memberSignals(db, userId);
  const followed = await loadFollowedTopics(db, userId);
  const heat = opts.heat ?? (await heatOf(db, userId));
  const signalVectors = index ? await embeddingsOf(db, index.model, signalRows.map((s) => s.paperId).filter((id) => !candidateVectors.has(id))) : new Map<string, Float32Array>();
  const vectors = { get: (id: string) => candidateVectors.get(id) ?? signalVectors.get(id) };
  const candidates = candidateList;
  const signals: Signal[] = signalRows.map((s) => ({ paperId: s.paperId, kind: s.kind, title: s.title, text: textOf(s.title, s.abstract), vector: vectors.get(s.paperId) ?? null }));
  const byId = new Map(ranked.map((r) => [r.item.paperId, r.item.listing]));
  const items = rankForYou({ candidates, signals, followed, heat }).map((r) => ({ ...r, listing: byId.get(r.paperId)! }));
  return { items, signals: signalRows.length, heat, window };
}

interface CandidateSet {
  key: string;
  ranked: { item: { paperId: string; listing: Listing }; score: number }[];
  window: { from: string; to: string };
  vectors: Map<string, Float32Array>;
  /** What the ranking reads of each listing (made once per set). */
  candidates: Candidate[];
}

/**
 * The window's listings with their heat and vectors: the same for every member, so kept (one set per database)
 * until the papers, votes or minute change. The heat is computed at the start of the minute.
 */
const candidateSets = new WeakMap<Database, CandidateSet>();

async function candidatesOf(database: Database, model: string | null, now: Date): Promise<CandidateSet> {
  const { db } = database;
  const minute = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
  const key = `${minute.toISOString()}|${await dataVersion(db)}|${await dataVersion(db, 'votes')}|${model}`;
  const known = candidateSets.get(database);
  if (known?.key === key) return known;
  const reference = trendingReference(minute, await latestListingTime(db));
  const to = reference.toISOString().slice(0, 10);
  const window = { from: addDays(to, -FOR_YOU_WINDOW_DAYS), to };
  const listings = (await listingsBetween(db, window)).filter((l) => (l.entry.listedAt ?? `${l.entry.day}T00:00:00.000Z`) <= reference.toISOString());
  const ranked = rankTrending(
    listings.map((l) => ({ paperId: l.paper.id, upvotes: l.paper.upvotes, comments: l.entry.numComments, listedAt: l.entry.listedAt ?? `${l.entry.day}T00:00:00.000Z`, listing: l })),
    reference,
  );
  const vectors = model ? await embeddingsOf(db, model, ranked.map((r) => r.item.paperId)) : new Map<string, Float32Array>();
  const candidates: Candidate[] = ranked.map(({ item: { listing: l }, score }) => ({
    paperId: l.paper.id,
    title: l.paper.title,
    text: textOf(l.paper.title, l.paper.abstract),
    categories: l.paper.categories,
    authors: l.paper.authors.map((a) => a.name),
    organization: l.organization?.name ?? null,
    keywords: l.paper.aiKeywords ?? [],
    vector: vectors.get(l.paper.id) ?? null,
    heat: score,
  }));
  const set = { key, ranked, window, vectors, candidates };
  candidateSets.set(database, set);
  return set;
}
