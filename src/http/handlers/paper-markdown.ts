/**
 * A paper as Markdown (src/domain/paper-markdown.ts), for agents and Hugging Face's clients (`hf papers read`,
 * the MCP read_paper tool): GET /papers/ID.md, and GET /papers/ID with `Accept: text/markdown`. Unknown ids are a
 * 404 and malformed ones a 400, in plain text (a Markdown client has no use for an HTML error page).
 */
import type { Context, MiddlewareHandler } from 'hono';
import { getFullText } from '../../db/queries/fulltext.ts';
import { paperWithListings } from '../../db/queries/lists.ts';
import { parseArxivId } from '../../domain/arxiv-id.ts';
import { paperMarkdown, prefersMarkdown } from '../../domain/paper-markdown.ts';
import type { Deps } from '../context.ts';
import { getExtract } from '../../db/queries/extracts.ts';

export type MarkdownOutcome = { ok: true; markdown: string } | { ok: false; status: 400 | 404; message: string };

/** The paper's full text as Markdown, where the site has it (src/fulltext; docs/decisions/0034-full-text.md). */
async function fullTextOf(deps: Deps, paperId: string): Promise<string | null> {
  return (await getFullText(deps.database.db, paperId))?.markdown ?? null;
}

/** The Markdown of a paper named by `raw` (an arXiv id, with or without version), or why there is none. */
export async function markdownOfPaper(deps: Deps, raw: string): Promise<MarkdownOutcome> {
  const ref = parseArxivId(raw);
  if (!ref) return { ok: false, status: 400, message: `"${raw.slice(0, 100)}" is not an arXiv id (like 2401.01234 or hep-th/9901001)` };
  const found = await paperWithListings(deps.database.db, ref.id);
  if (!found) return { ok: false, status: 404, message: `paper ${ref.id} not found` };
  const p = found.paper;
  const extract = p.aiSummary ? undefined : await getExtract(deps.database.db, p.id);
  const markdown = paperMarkdown({
    id: p.id, title: p.title, abstract: p.abstract, publishedAt: p.publishedAt, upvotes: p.upvotes,
    authors: p.hfAuthors?.map((a) => a.name) ?? p.authors.map((a) => a.name),
    githubRepo: p.githubRepo, projectPage: p.projectPage, aiSummary: p.aiSummary, aiKeywords: p.aiKeywords,
    pageUrl: new URL(`/papers/${p.id}`, deps.site.publicUrl).toString(),
    fullText: await fullTextOf(deps, p.id),
    extractedSummary: extract?.summary ?? null, extractedKeywords: extract?.keywords ?? null,
  });
  return { ok: true, markdown };
}

async function answer(c: Context, deps: Deps, raw: string): Promise<Response> {
  const out = await markdownOfPaper(deps, raw);
  c.header('Vary', 'Accept');
  if (!out.ok) return c.text(`${out.message}\n`, out.status);
  return c.body(out.markdown, 200, { 'Content-Type': 'text/markdown; charset=utf-8' });
}

/** GET /papers/ID.md (and /papers/ARCHIVE/NUMBER.md); anything else ending in .md is a 400. */
export const paperMarkdownFile = (deps: Deps) => (c: Context) => {
  const archive = c.req.param('archive');
  const file = archive ? `${archive}/${c.req.param('mdnumber') ?? ''}` : (c.req.param('file') ?? '');
  return answer(c, deps, file.replace(/\.md$/, ''));
};

/** Before the paper page: Markdown when the Accept header asks for it over HTML; the page varies by Accept. */
export const markdownWhenAsked =
  (deps: Deps): MiddlewareHandler =>
  async (c, next) => {
    if (prefersMarkdown(c.req.header('accept'))) {
      const archive = c.req.param('archive');
      return answer(c, deps, archive ? `${archive}/${c.req.param('number')}` : (c.req.param('id') ?? ''));
    }
    await next();
    c.res.headers.append('Vary', 'Accept');
  };
