/**
 * A paper as Markdown, for agents and command-line readers: what `GET /papers/ID.md` (and `GET /papers/ID` with
 * `Accept: text/markdown`) answers, and the MCP tool read_paper. Like Hugging Face's: the title, the authors, links
 * (arXiv, PDF, the paper's page here, code, project page), the abstract, then the full text where the site has it.
 *
 * Titles and abstracts are plain text: characters Markdown would read as markup are escaped, so a title like
 * `*Attention* <is> all [you] need` shows as typed. TeX math (`$…$`, `$$…$$`, `\(…\)`, `\[…\]`) is kept as it is:
 * Markdown renderers with a math extension show it, and escaping `_` or `\` inside it would break it.
 */
import { arxivAbsUrl, arxivPdfUrl } from './arxiv-id.ts';

export interface PaperMarkdownInput {
  id: string;
  title: string;
  authors: string[];
  abstract: string | null;
  /** The arXiv publication time (ISO), if known. */
  publishedAt: string | null;
  upvotes: number;
  githubRepo: string | null;
  projectPage: string | null;
  aiSummary: string | null;
  aiKeywords: string[] | null;
  /** Picked from the abstract by src/domain/extract.ts, for papers without Hugging Face's: shown labelled as extracted. */
  extractedSummary?: string | null;
  extractedKeywords?: string[] | null;
  /** The paper's page on this site (absolute URL). */
  pageUrl: string;
  /**
   * The paper's full text, already Markdown, where the site has it (issue 16 adds the source); null leaves the
   * section out. It is trusted Markdown made by the site, not escaped.
   */
  fullText: string | null;
}

/** TeX math spans, kept verbatim. `$$` before `$`; a `$` preceded by a backslash is a literal dollar. */
const MATH = /(\$\$[\s\S]+?\$\$|(?<!\\)\$[^$\n]+?(?<!\\)\$|\\\([\s\S]+?\\\)|\\\[[\s\S]+?\\\])/g;
/**
 * Punctuation Markdown (CommonMark + GFM) reads as markup anywhere in a line; each can be backslash-escaped.
 * Not `(`: `\(` would open TeX math; parentheses only matter after `]`, which is escaped.
 */
const INLINE_SPECIAL = /[\\`*_[\]<>~&]/g;

/** Escapes one line or paragraph of plain text for Markdown, keeping TeX math spans as they are. */
export function escapeMarkdown(text: string): string {
  const parts = text.split(MATH);
  const out = parts.map((part, i) => (i % 2 === 1 ? part : part.replace(INLINE_SPECIAL, (ch) => `\\${ch}`))).join('');
  // Block markers at the start of a line: a heading, a list item (`- `, `+ `, `1. `), a setext underline.
  return out.replace(/^(\s*)([#+=-]|\d+(?=[.)]))/gm, (_, space: string, marker: string) => (/\d/.test(marker) ? `${space}${marker}\\` : `${space}\\${marker}`));
}

/** Whitespace of a one-line text (titles, names) made single spaces. */
const oneLine = (s: string): string => s.replace(/\s+/g, ' ').trim();

/**
 * An abstract's paragraphs: arXiv breaks lines inside sentences, so single line breaks become spaces and blank
 * lines (or lines starting with an indent, as arXiv marks a new paragraph) separate paragraphs.
 */
function paragraphs(text: string): string[] {
  return text
    .replace(/\r\n?/g, '\n')
    .split(/\n\s*\n|\n(?=[ \t]+\S)/)
    .map(oneLine)
    .filter((p) => p !== '');
}

/** A link target: only http(s) addresses; anything else is not linked. Parentheses and spaces are encoded. */
function safeUrl(url: string | null): string | null {
  if (!url || !/^https?:\/\/[^\s]+$/i.test(url)) return null;
  return url.replace(/[()<>]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The Markdown document of a paper. */
export function paperMarkdown(p: PaperMarkdownInput): string {
  const lines: string[] = [`# ${escapeMarkdown(oneLine(p.title))}`, ''];
  if (p.authors.length > 0) lines.push(`**Authors:** ${p.authors.map((a) => escapeMarkdown(oneLine(a))).join(', ')}`, '');
  if (p.publishedAt) lines.push(`**Published on arXiv:** ${p.publishedAt.slice(0, 10)}`, '');
  const links = [`[arXiv](${arxivAbsUrl(p.id)})`, `[PDF](${arxivPdfUrl(p.id)})`, `[Paper page](${safeUrl(p.pageUrl) ?? p.pageUrl})`];
  const code = safeUrl(p.githubRepo);
  if (code) links.push(`[Code](${code})`);
  const project = safeUrl(p.projectPage);
  if (project) links.push(`[Project page](${project})`);
  lines.push(`**Links:** ${links.join(' · ')}`, '');
  lines.push(`**Upvotes:** ${p.upvotes}`, '');
  if (p.aiKeywords && p.aiKeywords.length > 0) lines.push(`**Keywords:** ${p.aiKeywords.map((k) => escapeMarkdown(oneLine(k))).join(', ')}`, '');
  else if (!p.aiSummary && p.extractedKeywords && p.extractedKeywords.length > 0) {
    lines.push(`**Extracted keywords:** ${p.extractedKeywords.map((k) => escapeMarkdown(oneLine(k))).join(', ')}`, '');
  }
  if (p.aiSummary) lines.push('## AI summary', '', escapeMarkdown(oneLine(p.aiSummary)), '');
  else if (p.extractedSummary) {
    lines.push('## Extracted summary', '', escapeMarkdown(oneLine(p.extractedSummary)), '', '_Sentences picked from the abstract by this site, not written by a model._', '');
  }
  lines.push('## Abstract', '');
  const abstract = p.abstract ? paragraphs(p.abstract) : [];
  if (abstract.length === 0) lines.push('_No abstract is available._', '');
  for (const para of abstract) lines.push(escapeMarkdown(para), '');
  if (p.fullText !== null && p.fullText.trim() !== '') lines.push('## Full text', '', p.fullText.trim(), '');
  return lines.join('\n');
}

/**
 * Whether an Accept header asks for Markdown rather than HTML: `text/markdown` with a higher quality than
 * `text/html` (or as high and listed first). Wildcards (`*\/*`, `text/*`) never choose Markdown: browsers send them.
 */
export function prefersMarkdown(accept: string | undefined): boolean {
  if (!accept) return false;
  let md = { q: 0, at: Infinity };
  let htmlQ = { q: 0, at: Infinity };
  accept.split(',').forEach((part, at) => {
    const [type = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const qParam = params.find((x) => x.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!Number.isFinite(q)) return;
    if ((type === 'text/markdown' || type === 'text/x-markdown') && q > md.q) md = { q, at };
    if (type === 'text/html' && q > htmlQ.q) htmlQ = { q, at };
  });
  return md.q > 0 && (md.q > htmlQ.q || (md.q === htmlQ.q && md.at < htmlQ.at));
}
