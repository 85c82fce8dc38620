/**
 * The Hugging Face Daily Papers wire format: the objects `GET /api/daily_papers` and `GET /api/papers/ID`
 * answer with on huggingface.co, field for field, so that existing clients and bots work against us.
 * A field we know nothing about is left out (as Hugging Face does for old papers), never sent as null.
 */
import type { Listing, Organization } from '../../db/queries/lists.ts';
import type { Paper } from '../../domain/merge.ts';

type Json = Record<string, unknown>;

const defined = (o: Json): Json => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined));

export function hfOrganization(o: Organization | null): Json | undefined {
  return o ? defined({ _id: o.hfId, name: o.name, fullname: o.fullname, avatar: o.avatarUrl }) : undefined;
}

function submitterObject(l: Listing | undefined): Json | undefined {
  const s = l?.submitter;
  if (!s) return undefined;
  // The profile as Hugging Face gave it, else what we know of the person.
  return s.profile ?? defined({ _id: s.hfId, avatarUrl: s.avatarUrl, fullname: s.fullname, name: s.username, type: 'user' });
}

/** The `paper` object. `listing` (the paper's newest listing, if any) adds when and by whom it was submitted. */
export function hfPaper(p: Paper, org: Organization | null, listing?: Listing): Json {
  return defined({
    id: p.id,
    authors: p.hfAuthors ?? p.authors.map((a) => ({ name: a.name, hidden: false })),
    publishedAt: p.publishedAt,
    submittedOnDailyAt: listing?.entry.submittedAt,
    title: p.title,
    submittedOnDailyBy: submitterObject(listing),
    summary: p.abstract,
    upvotes: p.upvotes,
    discussionId: p.discussionId,
    projectPage: p.projectPage,
    githubRepo: p.githubRepo,
    githubStars: p.githubStars,
    ai_summary: p.aiSummary,
    ai_keywords: p.aiKeywords,
    organization: hfOrganization(org),
    mediaUrls: listing?.entry.mediaUrls,
  });
}

/** One element of the `GET /api/daily_papers` array. */
export function hfDailyPaper(l: Listing): Json {
  return defined({
    paper: hfPaper(l.paper, l.organization, l),
    // When the paper was put on the list (not the arXiv date, which is paper.publishedAt).
    publishedAt: l.entry.listedAt ?? l.entry.submittedAt ?? `${l.entry.day}T00:00:00.000Z`,
    // Hugging Face's top-level title is the paper's on one line.
    title: l.paper.title.replace(/\s+/g, ' ').trim(),
    summary: l.paper.abstract,
    thumbnail: l.entry.thumbnail,
    mediaUrls: l.entry.mediaUrls,
    numComments: l.entry.numComments,
    submittedBy: submitterObject(l),
    organization: hfOrganization(l.organization),
    isAuthorParticipating: l.entry.isAuthorParticipating ?? false,
  });
}
