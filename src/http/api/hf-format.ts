/**
 * The Hugging Face Daily Papers wire format: the objects `GET /api/daily_papers` and `GET /api/papers/ID`
 * answer with on huggingface.co, field for field, so that existing clients and bots work against us.
 *
 * What Hugging Face sent is given back as sent (every key, in its order, its types: migration 24), with
 * this site's live counts (upvotes, comments) in place of the captured ones. A paper or listing that did
 * not come from Hugging Face is written in Hugging Face's key order. A field we know nothing about is
 * left out (as Hugging Face does for old papers), never sent as null. docs/hf-compatibility.md lists
 * the deliberate differences.
 */
import type { Listing, Organization } from '../../db/queries/lists.ts';
import { hfEntryPublishedAt } from '../../domain/dates.ts';
import type { Paper } from '../../domain/merge.ts';

type Json = Record<string, unknown>;

const defined = (o: Json): Json => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined));

export function hfOrganization(o: Organization | null): Json | undefined {
  return o ? defined({ _id: o.hfId, name: o.name, fullname: o.fullname, avatar: o.avatarUrl }) : undefined;
}

/** The top-level `submittedBy`: the profile as Hugging Face gave it, else what we know of the person. */
function submitterObject(l: Listing | undefined): Json | undefined {
  const s = l?.submitter;
  if (!s) return undefined;
  return s.profile ?? defined({ _id: s.hfId, avatarUrl: s.avatarUrl, fullname: s.fullname, name: s.username, type: 'user' });
}

/** `paper.submittedOnDailyBy`: Hugging Face's user object there, with `user` (what huggingface_hub reads). */
function submittedOnDailyBy(l: Listing | undefined): Json | undefined {
  const s = l?.submitter;
  if (!s) return undefined;
  const p = s.profile ?? {};
  return defined({
    _id: s.hfId ?? p._id, avatarUrl: s.avatarUrl ?? p.avatarUrl, isPro: p.isPro ?? false, fullname: s.fullname ?? p.fullname,
    user: s.username, type: p.type ?? 'user', name: s.username,
  });
}

/** Keys of `from` in its order, with `live` values in place of the captured ones where `live` has them. */
function asSent(from: Json, live: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(from)) out[k] = k in live && live[k] !== undefined ? live[k] : v;
  return out;
}

/** The `paper` object. `listing` (the paper's newest listing, if any) adds when and by whom it was submitted. */
export function hfPaper(p: Paper, org: Organization | null, listing?: Listing): Json {
  if (p.hfPaper) return asSent(p.hfPaper, { upvotes: p.upvotes });
  return defined({
    id: p.id,
    authors: p.hfAuthors ?? p.authors.map((a) => ({ name: a.name, hidden: false })),
    mediaUrls: listing?.entry.mediaUrls,
    publishedAt: p.publishedAt,
    submittedOnDailyAt: listing?.entry.submittedAt,
    title: p.title,
    submittedOnDailyBy: submittedOnDailyBy(listing),
    summary: p.abstract,
    upvotes: p.upvotes,
    discussionId: p.discussionId,
    projectPage: p.projectPage,
    githubRepo: p.githubRepo,
    ai_summary: p.aiSummary,
    ai_keywords: p.aiKeywords,
    githubStars: p.githubStars,
    organization: hfOrganization(org),
  });
}

/**
 * The entry's top-level `publishedAt`: Hugging Face's as given; for a listing made here, the arXiv time in
 * US Eastern wall-clock (Hugging Face's way since 2025-03-11), else when it was listed.
 */
export function entryPublishedAt(l: Listing): string {
  if (l.entry.hfPublishedAt) return l.entry.hfPublishedAt;
  const computed = l.paper.publishedAt ? hfEntryPublishedAt(l.paper.publishedAt) : null;
  return computed ?? l.entry.listedAt ?? l.entry.submittedAt ?? `${l.entry.day}T00:00:00.000Z`;
}

/** One element of the `GET /api/daily_papers` array. */
export function hfDailyPaper(l: Listing): Json {
  const paper = hfPaper(l.paper, l.organization, l);
  if (l.entry.hfEntry) return { paper, ...asSent(l.entry.hfEntry, { numComments: l.entry.numComments }) };
  return defined({
    paper,
    publishedAt: entryPublishedAt(l),
    // Hugging Face's top-level title is the paper's on one line.
    title: l.paper.title.replace(/\s+/g, ' ').trim(),
    summary: l.paper.abstract,
    mediaUrls: l.entry.mediaUrls,
    thumbnail: l.entry.thumbnail,
    numComments: l.entry.numComments,
    submittedBy: submitterObject(l),
    organization: hfOrganization(l.organization),
    isAuthorParticipating: l.entry.isAuthorParticipating ?? false,
  });
}

/** Linked repositories in `GET /api/papers/ID`: empty lists and zeros when none were imported. */
export function hfLinkedRepos(p: Paper): Json {
  const r = p.hfRepos ?? { models: [], datasets: [], spaces: [] };
  return {
    linkedModels: r.models, numTotalModels: r.models.length,
    linkedDatasets: r.datasets, numTotalDatasets: r.datasets.length,
    linkedSpaces: r.spaces, numTotalSpaces: r.spaces.length,
  };
}
