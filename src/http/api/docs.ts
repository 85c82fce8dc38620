/** GET /docs/api: the API described for people, from the same OpenAPI document programs read. */
import type { Context } from 'hono';
import { html } from 'hono/html';
import { frame, type Deps } from '../context.ts';
import { layout } from '../views/layout.ts';
import { openApiDocument } from './openapi.ts';
import { tierOf } from '../middleware/rate-limit.ts';

interface Param {
  name: string;
  in: string;
  description: string;
  required?: boolean;
  schema: { type: string; default?: unknown; enum?: string[]; minimum?: number; maximum?: number };
}

/** The OpenAPI texts mark code with backticks (Markdown): shown as <code>, the rest escaped. */
const codeSpans = (text: string | undefined) =>
  (text ?? '').split('`').map((part, i) => (i % 2 === 1 ? html`<code>${part}</code>` : html`${part}`));

export const apiDocsPage = (deps: Deps) => (c: Context) => {
  const doc = openApiDocument(deps.site);
  const base = deps.site.publicUrl;
  type Op = { operationId: string; summary: string; description?: string; parameters?: Param[]; responses: Record<string, { description: string }> };
  const ops = Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item as Record<string, Op>).map(([method, op]) => ({ path, method: method.toUpperCase(), op })),
  );
  return c.html(
    layout(
      frame(c, deps),
      { title: 'API', canonical: '/docs/api', nav: 'api', description: doc.info.description.replace(/`/g, '') },
      html`<div class="prose">
<h1>API</h1>
<p>${codeSpans(doc.info.description)}</p>
<p>Machine-readable description: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1).</p>
${ops.map(
  ({ path, method, op }) => html`<h2 id="${op.operationId}"><code>${method} ${path}</code></h2>
<p><strong>${codeSpans(op.summary)}.</strong> ${codeSpans(op.description ?? '')}</p>
<div class="table-scroll"><table><thead><tr><th>Parameter</th><th>In</th><th>Type</th><th>Meaning</th></tr></thead><tbody>
${(op.parameters ?? []).map(
  (p) => html`<tr><td><code>${p.name}</code>${p.required ? ' (required)' : ''}</td><td>${p.in}</td><td>${p.schema.type}${p.schema.enum ? `: ${p.schema.enum.join(' | ')}` : ''}${p.schema.minimum !== undefined ? `, ${p.schema.minimum}–${p.schema.maximum ?? '…'}` : ''}${p.schema.default !== undefined ? `, default ${String(p.schema.default)}` : ''}</td><td>${codeSpans(p.description)}</td></tr>`,
)}
</tbody></table></div>
<p>Answers: ${Object.entries(op.responses).map(([code, r], i) => html`${i > 0 ? ', ' : ''}<strong>${code}</strong> ${codeSpans(r.description)}`)}</p>`,
)}
<h2 id="agents">Papers as Markdown, MCP, limits</h2>
<p><code>GET /papers/ID.md</code> (or <code>GET /papers/ID</code> with <code>Accept: text/markdown</code>) answers the paper as Markdown: title, authors, links, abstract, and the full text where the site has it.</p>
<p>An MCP server (Model Context Protocol, Streamable HTTP) is at <code>${base}/mcp</code>: tools daily_papers, trending_papers, search_papers, paper_details, read_paper, similar_papers, and, with <code>Authorization: Bearer dp_…</code>, my_collections, collection_papers and my_saved_searches. Point an MCP client at the URL; add the header for your own collections and saved searches.</p>
<p>Reads are limited to ${tierOf(deps, 'read').limit} a minute per address; requests with a valid token get ${tierOf(deps, 'apiToken').limit} a minute per account instead. An invalid token is a 401 and counts against the address. Every answer carries <code>RateLimit-Limit</code>, <code>RateLimit-Remaining</code> and <code>RateLimit-Reset</code>; a 429 carries <code>Retry-After</code>.</p>
<h2>Examples</h2>
<pre>curl '${base}/api/daily_papers?date=2024-11-08&amp;limit=5'
curl '${base}/api/daily_papers?week=2024-W45&amp;sort=trending'
curl '${base}/api/papers/2401.01234'
curl '${base}/papers/2401.01234.md'
curl '${base}/api/collections?item=papers/2401.01234'</pre>
</div>`,
    ),
  );
};
