/**
 * A paper's PDF → Markdown, for papers arXiv has no HTML for (older ones: arXiv answers 404). Text is
 * extracted with unpdf (Mozilla's PDF.js in a build without native parts; docs/decisions/0034-full-text.md), then
 * shaped by a few rules: numbered headings ("2.1 Method", "3. Results") and the usual unnumbered ones
 * (Abstract, References, Acknowledgements, Appendix) become headings; lines are joined into paragraphs
 * (a hyphen at a line's end joins the word); page numbers standing alone are dropped. Math cannot be
 * recovered from a PDF: it stays as the text PDF.js gives.
 */
import { extractText, getDocumentProxy } from 'unpdf';
import { escapeText, type Converted, type FullTextSection } from '../domain/fulltext-html.ts';

/** A PDF larger than this many pages is cut (a thesis or a book): the text of the first pages is kept. */
export const PDF_MAX_PAGES = 200;

const NUMBERED = /^(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+(\p{Lu}[^\n]{1,90})$/u;
const NAMED = /^(Abstract|Introduction|Related Work|Conclusions?|Discussion|References|Bibliography|Acknowledge?ments?|Appendix(?:\s+[A-Z])?(?:[.:]?\s+\S.{0,80})?)$/i;

/**
 * Whether a numbered heading may follow the previous one: the next number at some depth ("2.3" after "2.2"
 * or after "2.2.4", "3" after "2.9") or the first one deeper ("2.1" after "2"). A line such as
 * "2 CARD16 VERSION" in a table after "2.9" is not a heading.
 */
export function followsNumbering(prev: number[], next: number[]): boolean {
  if (prev.length === 0) return next.every((n) => n === 1) || (next.length === 1 && next[0]! <= 2);
  if (next.length === prev.length + 1) return prev.every((n, i) => next[i] === n) && next[next.length - 1] === 1;
  if (next.length > prev.length) return false;
  const depth = next.length;
  return next.slice(0, depth - 1).every((n, i) => prev[i] === n) && next[depth - 1] === prev[depth - 1]! + 1;
}

/** Whether a line reads as a heading, and its level (## for "1", ### for "1.2"…). */
export function headingOf(line: string, prev: number[] = []): { level: number; title: string; number: string | null } | null {
  const t = line.trim();
  if (t.length > 100) return null;
  const m = NUMBERED.exec(t);
  // A numbered heading has few words and no sentence end (a numbered list item or a reference has more).
  if (m && !/[.,;:]$/.test(m[2]!) && m[2]!.split(/\s+/).length <= 12 && followsNumbering(prev, m[1]!.split('.').map(Number))) {
    return { level: Math.min(2 + m[1]!.split('.').length - 1, 5), title: t, number: m[1]! };
  }
  if (NAMED.test(t)) return { level: 2, title: t, number: null };
  return null;
}

/** Lines of text (one page or many) → Markdown blocks and sections. */
export function textToMarkdown(pages: string[]): Converted {
  const blocks: string[] = [];
  const sections: FullTextSection[] = [];
  const taken = new Set<string>();
  const counts = { sections: 0, equations: 0, figures: 0, tables: 0, references: 0 };
  let para: string[] = [];
  let inReferences = false;
  let numbering: number[] = [];
  const flush = () => {
    if (para.length === 0) return;
    let text = '';
    for (const line of para) {
      if (text.endsWith('-') && /^\p{Ll}/u.test(line)) text = text.slice(0, -1) + line;
      else text += (text ? ' ' : '') + line;
    }
    const escaped = escapeText(text.replace(/\s+/g, ' ').trim()).replace(/^([#+=-]|>|\d+(?=[.)]))/, (m) => (/\d/.test(m) ? `${m}\\` : `\\${m}`));
    if (escaped) {
      blocks.push(inReferences ? `- ${escaped}` : escaped);
      if (inReferences) counts.references++;
    }
    para = [];
  };
  for (const page of pages) {
    for (const raw of page.split('\n')) {
      const line = raw.replace(/\s+/g, ' ').trim();
      if (!line) {
        flush();
        continue;
      }
      if (/^\d{1,4}$/.test(line)) continue; // a page number
      const h = headingOf(line, numbering);
      if (h) {
        flush();
        if (h.number) numbering = h.number.split('.').map(Number);
        let base = h.number ? `sec-${h.number.replace(/\./g, '-')}` : h.title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'section';
        if (taken.has(base)) {
          let i = 2;
          while (taken.has(`${base}-${i}`)) i++;
          base = `${base}-${i}`;
        }
        taken.add(base);
        sections.push({ anchor: base, title: h.title, level: h.level });
        blocks.push(`${'#'.repeat(h.level)} ${escapeText(h.title)}`);
        counts.sections++;
        inReferences = /^(References|Bibliography)$/i.test(h.title);
        continue;
      }
      // In the references, a new entry starts with "[12]" or "12." : each becomes one list item.
      if (inReferences && /^(\[\d+\]|\d{1,3}\.)\s/.test(line)) flush();
      para.push(line);
    }
    flush();
  }
  flush();
  const markdown = blocks.join('\n\n').trim();
  return { markdown: markdown ? `${markdown}\n` : '', sections, counts };
}

/** Extracts a PDF's text and shapes it as Markdown; throws on a file that is not a readable PDF. */
export async function pdfToMarkdown(bytes: Uint8Array): Promise<Converted & { pages: number }> {
  const pdf = await getDocumentProxy(new Uint8Array(bytes));
  try {
    const { totalPages, text } = await extractText(pdf, { mergePages: false });
    const pages = (text as string[]).slice(0, PDF_MAX_PAGES);
    return { ...textToMarkdown(pages), pages: totalPages };
  } finally {
    await pdf.destroy().catch(() => {});
  }
}
