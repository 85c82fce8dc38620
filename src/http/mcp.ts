/**
 * The agent interface: a Model Context Protocol server (the official TypeScript SDK) over Streamable HTTP at
 * POST /mcp, stateless (a server and transport per request, JSON answers, no session to keep between
 * instances). Public tools read what the site shows anyone; personal tools (my_collections, collection_papers,
 * my_saved_searches) need a member's API token (`Authorization: Bearer dp_…`) and answer a tool error
 * without one. Identity comes from the token only, never a cookie, so /mcp needs no CSRF token
 * (docs/decisions/0025-agent-interface.md). Rate limits: the API's read tier (app.ts).
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Context } from 'hono';
import { z } from 'zod';
import { collectionsOfUser, ownCollection, papersOfCollection } from '../db/queries/collections.ts';
import { latestListingDay, latestListingsOf, listingsInRange, paperWithListings, papersByIds, type Listing, type Organization } from '../db/queries/lists.ts';
import { savedSearchesOf } from '../db/queries/saved-searches.ts';
import { getExtract } from '../db/queries/extracts.ts';
import type { User } from '../db/queries/users.ts';
import { parseArxivId } from '../domain/arxiv-id.ts';
import { addDays } from '../domain/dates.ts';
import type { Paper } from '../domain/merge.ts';
import { search } from '../search/hybrid.ts';
import type { Ctx, Deps } from './context.ts';
import { hfPaper } from './api/hf-format.ts';
import { markdownOfPaper } from './handlers/paper-markdown.ts';
import { trendingListings } from './handlers/trending.ts';
import { similarPapers } from './handlers/similar.ts';
import { collectionUrl } from './views/member-collections.ts';

/** Longest abstract in list answers; paper_details and read_paper give the whole text. */
export const MCP_ABSTRACT_CHARS = 600;
export const MCP_MAX_LIMIT = 50;
const MAX_QUERY = 1000;

/** A refusal or a bad argument: the SDK answers it as a tool result with isError, its message as the text. */
class ToolRefusal extends Error {}

const limit = (fallback: number) => z.number().int().min(1).max(MCP_MAX_LIMIT).default(fallback).describe(`How many papers (1 to ${MCP_MAX_LIMIT}).`);
const paperId = z.string().min(1).max(100).describe('An arXiv id, like 2401.01234 or hep-th/9901001 (a version suffix is ignored).');

const json = (value: unknown): CallToolResult => ({ content: [{ type: 'text', text: JSON.stringify(value) }] });

/** A paper in list answers: what an agent needs to choose one, with where to read more. */
function brief(deps: Deps, p: Paper, org: Organization | null, extra: Record<string, unknown> = {}) {
  const abstract = p.abstract?.replace(/\s+/g, ' ').trim() ?? null;
  return {
    id: p.id,
    title: p.title.replace(/\s+/g, ' ').trim(),
    authors: (p.hfAuthors?.map((a) => a.name) ?? p.authors.map((a) => a.name)).slice(0, 20),
    publishedAt: p.publishedAt,
    upvotes: p.upvotes,
    ...(org ? { organization: org.fullname ?? org.name } : {}),
    ...(p.githubRepo ? { githubRepo: p.githubRepo } : {}),
    ...(p.aiSummary ? { aiSummary: p.aiSummary } : {}),
    abstract: abstract && abstract.length > MCP_ABSTRACT_CHARS ? `${abstract.slice(0, MCP_ABSTRACT_CHARS)}…` : abstract,
    url: new URL(`/papers/${p.id}`, deps.site.publicUrl).toString(),
    ...extra,
  };
}
const fromListing = (deps: Deps, l: Listing) => brief(deps, l.paper, l.organization, { listedOn: l.entry.day, numComments: l.entry.numComments });

function canonicalId(raw: string): string {
  const ref = parseArxivId(raw.trim());
  if (!ref) throw new ToolRefusal(`id: "${raw.slice(0, 100)}" is not an arXiv id (like 2401.01234 or hep-th/9901001)`);
  return ref.id;
}

/** The MCP server for one request; `member` is the token's member, or null. */
export function agentServer(deps: Deps, member: User | null): McpServer {
  const server = new McpServer(
    { name: `${deps.site.name} (Daily Papers)`, version: '1.0.0' },
    {
      instructions:
        `Research papers from ${deps.site.name}: daily lists picked by the community, trending, search, details, the paper as Markdown, ` +
        'similar papers. my_collections, collection_papers and my_saved_searches need an API token of this site (Authorization: Bearer dp_…).',
    },
  );
  const { db } = deps.database;
  const needMember = (): User => {
    if (!member) throw new ToolRefusal('This tool reads your own data: connect with an API token of this site (Authorization: Bearer dp_…, made in Settings → API tokens).');
    return member;
  };
  const readOnly = { readOnlyHint: true, openWorldHint: false };

  server.registerTool(
    'daily_papers',
    {
      title: 'Daily papers',
      description: 'The papers on the daily list of a day, most upvoted first. Without a date, the latest day that has a list.',
      inputSchema: { date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'date: expected YYYY-MM-DD').optional().describe('The day, YYYY-MM-DD.'), limit: limit(30) },
      annotations: readOnly,
    },
    async ({ date, limit: n }) => {
      const day = date ?? (await latestListingDay(db));
      if (!day) return json({ date: null, papers: [] });
      const list = await listingsInRange(db, { from: day, to: day }, { limit: n, offset: 0 }, 'upvotes');
      return json({ date: day, total: list.total, papers: list.items.map((l) => fromListing(deps, l)) });
    },
  );

  server.registerTool(
    'trending_papers',
    {
      title: 'Trending papers',
      description: 'Papers people upvote and discuss now (period "now": recent upvotes weigh most), or the most upvoted of the last 7 ("week") or 30 ("month") days of lists.',
      inputSchema: { period: z.enum(['now', 'week', 'month']).default('now').describe('now, week or month.'), limit: limit(20) },
      annotations: readOnly,
    },
    async ({ period, limit: n }) => {
      if (period === 'now') return json({ period, papers: (await trendingListings(deps.database, deps.now())).slice(0, n).map((l) => fromListing(deps, l)) });
      const latest = await latestListingDay(db);
      if (!latest) return json({ period, papers: [] });
      const from = addDays(latest, period === 'week' ? -6 : -29);
      const list = await listingsInRange(db, { from, to: latest }, { limit: n, offset: 0 }, 'upvotes');
      return json({ period, from, to: latest, papers: list.items.map((l) => fromListing(deps, l)) });
    },
  );

  server.registerTool(
    'search_papers',
    {
      title: 'Search papers',
      description:
        'Searches titles, authors and abstracts. mode: hybrid (keywords and meaning; keyword alone where the site has no semantic index), keyword, or semantic. ' +
        'Query syntax: words, "quoted phrases", -excluded, author:NAME, cat:cs.CL, org:NAME, year:2024. An arXiv id finds that paper.',
      inputSchema: {
        query: z.string().trim().min(1, 'query: give the words to search for').max(MAX_QUERY).describe('What to search for.'),
        mode: z.enum(['hybrid', 'keyword', 'semantic']).default('hybrid'),
        limit: limit(10),
      },
      annotations: readOnly,
    },
    async ({ query, mode, limit: n }) => {
      const outcome = await search(deps, { q: query, mode, sort: 'relevance', limit: n, offset: 0 });
      if (outcome.kind === 'invalid' || outcome.kind === 'too-slow') throw new ToolRefusal(outcome.message);
      const ids = outcome.kind === 'redirect' ? [outcome.paperId] : outcome.kind === 'results' ? outcome.hits.map((h) => h.paperId) : [];
      const [papers, listings] = await Promise.all([papersByIds(db, ids), latestListingsOf(db, ids)]);
      const found = ids.filter((id) => papers.has(id)).map((id) => {
        const p = papers.get(id)!;
        const listedOn = listings.get(id)?.entry.day;
        return brief(deps, p.paper, p.organization, listedOn ? { listedOn } : {});
      });
      return json({
        query, mode: outcome.kind === 'results' ? outcome.mode : mode,
        total: outcome.kind === 'results' ? outcome.total : found.length,
        notices: outcome.kind === 'results' ? outcome.notices : [],
        papers: found,
      });
    },
  );

  server.registerTool(
    'paper_details',
    {
      title: 'Paper details',
      description: "A paper's record as the Hugging Face-compatible API gives it (GET /api/papers/ID): authors, dates, abstract, upvotes, code, organization, the days it was listed.",
      inputSchema: { id: paperId },
      annotations: readOnly,
    },
    async ({ id }) => {
      const found = await paperWithListings(db, canonicalId(id));
      if (!found) throw new ToolRefusal(`paper ${canonicalId(id)} not found on this site`);
      // Without Hugging Face's summary: this site's extracted one, in fields of its own (decision record 0036).
      const extract = found.paper.aiSummary ? undefined : await getExtract(db, found.paper.id);
      return json({
        ...hfPaper(found.paper, found.organization, found.listings[0]),
        ...(extract?.summary ? { extractedSummary: extract.summary, extractedKeywords: extract.keywords } : {}),
        listedOn: found.listings.map((l) => l.entry.day),
        url: new URL(`/papers/${found.paper.id}`, deps.site.publicUrl).toString(),
        markdownUrl: new URL(`/papers/${found.paper.id}.md`, deps.site.publicUrl).toString(),
      });
    },
  );

  server.registerTool(
    'read_paper',
    {
      title: 'Read a paper',
      description: 'The paper as Markdown: title, authors, links (arXiv, PDF, code), abstract, and the full text where the site has it.',
      inputSchema: { id: paperId },
      annotations: readOnly,
    },
    async ({ id }) => {
      const out = await markdownOfPaper(deps, id.trim());
      if (!out.ok) throw new ToolRefusal(out.message);
      return { content: [{ type: 'text', text: out.markdown }] };
    },
  );

  server.registerTool(
    'similar_papers',
    {
      title: 'Similar papers',
      description: 'The papers closest in meaning to one paper (by embedding), best first. Empty where the site has no semantic index.',
      inputSchema: { id: paperId, limit: limit(10) },
      annotations: readOnly,
    },
    async ({ id, limit: n }) => {
      const canonical = canonicalId(id);
      if (!(await paperWithListings(db, canonical))) throw new ToolRefusal(`paper ${canonical} not found on this site`);
      const similar = await similarPapers(deps, canonical, n);
      return json({
        id: canonical,
        ...(deps.semantic ? {} : { notice: 'This site has no semantic index: no similar papers.' }),
        papers: similar.map((s) => brief(deps, s.paper, s.organization)),
      });
    },
  );

  server.registerTool(
    'my_collections',
    {
      title: 'My collections',
      description: 'Your collections of papers (public and private), most recently changed first. Needs your API token.',
      inputSchema: {},
      annotations: readOnly,
    },
    async () => {
      const me = needMember();
      const collections = await collectionsOfUser(db, me.id, false);
      return json({
        collections: collections.map((c) => ({
          id: c.id, name: c.name, public: c.isPublic, papers: c.paperCount, updatedAt: c.updatedAt,
          url: new URL(collectionUrl(c), deps.site.publicUrl).toString(),
        })),
      });
    },
  );

  server.registerTool(
    'collection_papers',
    {
      title: 'Papers of one of my collections',
      description: 'The papers in one of your collections (its id from my_collections), most recently added first, with your notes. Needs your API token.',
      inputSchema: {
        collection_id: z.number().int().min(1).describe('The collection, as my_collections gives it.'),
        limit: limit(30),
        offset: z.number().int().min(0).max(10_000).default(0),
      },
      annotations: readOnly,
    },
    async ({ collection_id, limit: n, offset }) => {
      const me = needMember();
      const collection = await ownCollection(db, collection_id, me.id);
      if (!collection) throw new ToolRefusal(`collection ${collection_id}: you have no collection with this id`);
      const page = await papersOfCollection(db, collection.id, { limit: n, offset });
      return json({
        collection: { id: collection.id, name: collection.name, public: collection.isPublic },
        total: page.total,
        papers: page.items.map((p) => brief(deps, p.paper, p.organization, { addedAt: p.addedAt, ...(p.note ? { note: p.note } : {}) })),
      });
    },
  );

  server.registerTool(
    'my_saved_searches',
    {
      title: 'My saved searches',
      description: 'Your saved searches (their query, filters and mode, and whether their daily alert is on); run one with search_papers. Needs your API token.',
      inputSchema: {},
      annotations: readOnly,
    },
    async () => {
      const me = needMember();
      const saved = await savedSearchesOf(db, me.id);
      return json({
        savedSearches: saved.map((s) => ({ id: s.id, name: s.name, query: s.query, filters: s.filters, mode: s.mode, alert: s.alertEnabled, createdAt: s.createdAt })),
      });
    },
  );

  return server;
}

const rpcError = (c: Context, status: 400 | 405, code: number, message: string) => c.json({ jsonrpc: '2.0', error: { code, message }, id: null }, status);

/** POST /mcp: one JSON-RPC message or batch, answered by a fresh stateless server. */
export const mcpEndpoint = (deps: Deps) => async (c: Ctx) => {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    return rpcError(c, 400, -32700, 'Parse error: the body is not JSON');
  }
  // A browser's session cookie never counts here: only a token names a member.
  const member = c.get('auth')?.via === 'token' ? c.get('viewer') : null;
  const server = agentServer(deps, member);
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  try {
    await server.connect(transport);
    return await transport.handleRequest(c.req.raw, { parsedBody: body });
  } finally {
    void server.close();
  }
};

/** GET and DELETE /mcp: a stateless server has no stream to open and no session to end. */
export const mcpMethodNotAllowed = (c: Context) => {
  c.header('Allow', 'POST');
  return rpcError(c, 405, -32000, 'Method not allowed: this MCP server is stateless; send JSON-RPC messages with POST.');
};
