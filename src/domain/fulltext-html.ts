/**
 * arXiv's HTML rendering of a paper (made by LaTeXML from the TeX source) → clean Markdown
 * (docs/decisions/0034-full-text.md). Pure: the fetcher (src/fulltext/fetch.ts) hands it the page and stores
 * what it returns.
 *
 * - Sections (`section.ltx_section`, `div.ltx_subsection`…, appendices, the bibliography) become `##`…`#####`
 *   headings, in order; each has a stable anchor made from LaTeXML's own id (`S2.SS1` → `s2-ss1`), so a link to
 *   a section survives a re-fetch of the same paper. The list of sections is returned beside the Markdown:
 *   the reading view gives the headings these ids, in the same order.
 * - Math is kept as TeX from LaTeXML's `alttext` (or its TeX annotation): `$…$` inline, `$$…$$` on a line of its
 *   own for equations (aligned rows for groups, the number as `\tag`). An equation LaTeXML left without any TeX
 *   stays as its text.
 * - Figures: `![caption](absolute image address)` followed by the caption in italics; tables (`ltx_tabular`)
 *   become GFM tables (header = first row; spans filled with empty cells); the references list becomes a list.
 * - The page around the paper (arXiv's header, the LaTeXML footer, the table of contents, author blocks and
 *   the abstract, which the paper's metadata already has) is left out. Text is escaped for Markdown.
 */
import { parseDocument, DomUtils } from 'htmlparser2';
import type { ChildNode, Element } from 'domhandler';

export interface FullTextSection {
  anchor: string;
  title: string;
  level: number;
}

export interface ConversionCounts {
  sections: number;
  equations: number;
  figures: number;
  tables: number;
  references: number;
}

export interface Converted {
  markdown: string;
  sections: FullTextSection[];
  /** What the Markdown holds (equations: kept as TeX). */
  counts: ConversionCounts;
}

const SECTION_LEVEL: Record<string, number> = {
  ltx_section: 2,
  ltx_appendix: 2,
  ltx_bibliography: 2,
  ltx_subsection: 3,
  ltx_subsubsection: 4,
  ltx_paragraph: 5,
  ltx_subparagraph: 5,
};

/** Parts of the page that are not the paper's text. */
const SKIPPED = /\b(ltx_page_header|ltx_page_footer|ltx_page_navbar|ltx_TOC|ltx_rdf|ltx_authors|ltx_dates|ltx_abstract|ltx_title_document|ltx_bib_cited|ltx_bib_links|ltx_note_mark|ltx_role_footnotemark|ltx_tag_note|ltx_ERROR|package-alerts|ltx_pagination|section-title-bar)\b/;
const SKIPPED_TAGS = new Set(['script', 'style', 'nav', 'header', 'footer', 'button', 'noscript', 'svg', 'iframe', 'form', 'input', 'head', 'template']);

const classes = (el: Element): string => el.attribs['class'] ?? '';
const hasClass = (el: Element, name: string): boolean => (' ' + classes(el) + ' ').includes(' ' + name + ' ');
const isElement = (n: ChildNode): n is Element => n.type === 'tag' || n.type === 'script' || n.type === 'style';

/** Characters Markdown reads as markup anywhere in a line, and `$` (math), `|` (tables). */
const INLINE_SPECIAL = /[\\`*_[\]<>~&$|]/g;
export function escapeText(s: string): string {
  return s.replace(INLINE_SPECIAL, (ch) => `\\${ch}`);
}

/** LaTeXML's alttext: `%` + newline is a line continuation it adds; other whitespace runs become one space. */
export function cleanTex(tex: string): string {
  return tex
    .replace(/(?<!\\)%\r?\n/g, '')
    .replace(/\s+/g, ' ')
    .replace(/\$/g, '\\$')
    .trim();
}

/** The TeX of a `<math>` element: alttext, else its TeX annotation, else null. */
function mathTex(el: Element): string | null {
  const alt = el.attribs['alttext'];
  if (alt && alt.trim()) return cleanTex(alt);
  const ann = DomUtils.findOne((e) => e.name === 'annotation' && (e.attribs['encoding'] ?? '').includes('tex'), el.children, true);
  if (ann) {
    const t = DomUtils.textContent(ann).trim();
    if (t) return cleanTex(t);
  }
  return null;
}

/** An anchor from LaTeXML's id (`S2.SS1` → `s2-ss1`), else from the title; unique within the document. */
function anchorFor(id: string | undefined, title: string, taken: Set<string>): string {
  let base = (id ?? '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  if (!base) base = title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'section';
  let anchor = base;
  for (let i = 2; taken.has(anchor); i++) anchor = `${base}-${i}`;
  taken.add(anchor);
  return anchor;
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();
/** A caption in italics, unless it holds `*` (in TeX: `a^*`), which would end the emphasis early. */
const italic = (s: string) => (s.includes('*') ? s : `*${s}*`);

class Converter {
  readonly blocks: string[] = [];
  readonly sections: FullTextSection[] = [];
  readonly counts: ConversionCounts = { sections: 0, equations: 0, figures: 0, tables: 0, references: 0 };
  private readonly anchors = new Set<string>();

  constructor(private readonly base: string | null) {}

  private url(src: string): string | null {
    try {
      const u = this.base ? new URL(src, this.base) : new URL(src);
      return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
    } catch {
      return null;
    }
  }

  /** Inline content of a node as Markdown (one line). */
  inline(nodes: ChildNode[]): string {
    let out = '';
    for (const n of nodes) {
      if (n.type === 'text') {
        out += escapeText(n.data.replace(/\s+/g, ' '));
        continue;
      }
      if (!isElement(n)) continue;
      const el = n;
      if (SKIPPED_TAGS.has(el.name) || SKIPPED.test(classes(el))) continue;
      if (el.name === 'math') {
        const tex = mathTex(el);
        if (tex !== null) out += el.attribs['display'] === 'block' ? ` $$${tex}$$ ` : `$${tex}$`;
        else out += escapeText(oneLine(DomUtils.textContent(el)));
        continue;
      }
      if (el.name === 'br') {
        out += ' ';
        continue;
      }
      if (el.name === 'img') continue;
      if (hasClass(el, 'ltx_note')) {
        const content = DomUtils.findOne((e) => hasClass(e, 'ltx_note_content'), el.children, true);
        const text = content ? oneLine(this.inline(content.children)) : '';
        if (text) out += ` (${text})`;
        continue;
      }
      const inner = this.inline(el.children);
      const trimmed = inner.trim();
      if (el.name === 'a') {
        const href = el.attribs['href'] ?? '';
        const target = /^https?:\/\//i.test(href) ? this.url(href) : null;
        out += target && trimmed ? `[${trimmed}](${target.replace(/[()<> ]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)})` : inner;
      } else if (trimmed && (el.name === 'em' || el.name === 'i' || hasClass(el, 'ltx_font_italic')) && !/[*]/.test(trimmed)) {
        out += inner.replace(trimmed, `*${trimmed}*`);
      } else if (trimmed && (el.name === 'strong' || el.name === 'b' || hasClass(el, 'ltx_font_bold')) && !/[*]/.test(trimmed)) {
        out += inner.replace(trimmed, `**${trimmed}**`);
      } else if (trimmed && (el.name === 'code' || hasClass(el, 'ltx_font_typewriter')) && !trimmed.includes('`')) {
        out += inner.replace(trimmed, `\`${trimmed.replace(/\\(.)/g, '$1')}\``);
      } else {
        out += inner;
      }
    }
    return out;
  }

  private paragraph(text: string): void {
    const t = oneLine(text);
    if (!t) return;
    // A paragraph must not start with a block marker: a heading, a list item, a quote, a numbered list.
    this.blocks.push(t.replace(/^([#+=-]|>|\d+(?=[.)]))/, (m) => (/\d/.test(m) ? `${m}\\` : `\\${m}`)));
  }

  /**
   * An equation table (one row or a group): the TeX of each row's cells, aligned when the group shares one
   * number (or none); rows numbered separately stay separate equations.
   */
  private equation(table: Element): void {
    const rows: { cells: string[]; tag: string | null; text: string; tex: boolean }[] = [];
    for (const tr of DomUtils.findAll((e) => e.name === 'tr', table.children)) {
      const row = { cells: [] as string[], tag: null as string | null, text: '', tex: false };
      const texts: string[] = [];
      for (const td of tr.children.filter(isElement)) {
        if (td.name !== 'td' && td.name !== 'th') continue;
        const c = classes(td);
        if (/ltx_eqn_center_pad|ltx_eqn_pad/.test(c)) continue;
        if (/ltx_eqn_eqno/.test(c) || DomUtils.findOne((e) => /ltx_tag_equation/.test(classes(e)), [td], true)) {
          const t = oneLine(DomUtils.textContent(td)).replace(/^\(|\)$/g, '');
          if (t) row.tag = t;
          continue;
        }
        const maths = DomUtils.findAll((e) => e.name === 'math', td.children);
        const parts = maths.map((m) => mathTex(m)).filter((t): t is string => t !== null);
        if (parts.length > 0) {
          row.tex = true;
          row.cells.push(parts.join(' ').replace(/\\displaystyle\s*/g, '').trim());
          continue;
        }
        const text = oneLine(DomUtils.textContent(td));
        row.cells.push(text ? `\\text{${text.replace(/[{}\\$]/g, '')}}` : '');
        if (text) texts.push(text);
      }
      while (row.cells.length > 0 && row.cells[row.cells.length - 1] === '') row.cells.pop();
      row.text = texts.join(' ');
      if (row.cells.length > 0 || row.tag) rows.push(row);
    }
    if (!rows.some((r) => r.tex)) {
      // LaTeXML kept no TeX (an old conversion): the formula's text, as it was shown.
      for (const r of rows) if (r.text) this.paragraph(escapeText(r.text) + (r.tag ? ` (${escapeText(r.tag)})` : ''));
      return;
    }
    const tagTex = (tag: string | null) => (tag ? `\\tag{${tag.replace(/[{}\\$]/g, '')}}` : '');
    const tags = new Set(rows.map((r) => r.tag).filter((t) => t !== null));
    const groups = tags.size > 1 ? rows.map((r) => [r]) : [rows];
    for (const group of groups) {
      const lines = group.map((r) => r.cells.join(' & ')).filter((l) => l.trim() !== '');
      if (lines.length === 0) continue;
      const tag = group.find((r) => r.tag)?.tag ?? null;
      const body = lines.length === 1 && !lines[0]!.includes('&') ? lines[0]! : `\\begin{aligned}${lines.join(' \\\\ ')}\\end{aligned}`;
      this.blocks.push(`$$${body}${tagTex(tag)}$$`);
      this.counts.equations++;
    }
  }

  private caption(el: Element): string {
    const cap = DomUtils.findOne((e) => e.name === 'figcaption' || hasClass(e, 'ltx_caption'), el.children, true);
    return cap ? oneLine(this.inline(cap.children)) : '';
  }

  private figure(el: Element): void {
    const caption = this.caption(el);
    const tables = DomUtils.findAll((e) => e.name === 'table' && hasClass(e, 'ltx_tabular'), el.children);
    const imgs = DomUtils.findAll((e) => e.name === 'img', el.children);
    const isTable = hasClass(el, 'ltx_table') || (tables.length > 0 && imgs.length === 0);
    if (isTable || imgs.length === 0) {
      // A table, or a float of text (an algorithm, a listing): its caption, then its content.
      if (caption) this.blocks.push(italic(caption));
      for (const t of tables) this.table(t);
      if (tables.length === 0) this.children(el.children.filter((c) => !(isElement(c) && (c.name === 'figcaption' || hasClass(c, 'ltx_caption')))));
      return;
    }
    const alt = caption.replace(/[[\]]/g, '').replace(/\$+[^$]*\$+/g, '').replace(/\\(.)/g, '$1').slice(0, 200).trim() || 'Figure';
    let shown = false;
    for (const img of imgs) {
      const src = img.attribs['src'];
      const url = src ? this.url(src) : null;
      if (!url) continue;
      this.blocks.push(`![${escapeText(alt)}](${url.replace(/[()<> ]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)})`);
      shown = true;
    }
    if (caption) this.blocks.push(italic(caption));
    if (shown || caption) this.counts.figures++;
    for (const t of tables) this.table(t);
  }

  /** A LaTeXML tabular → a GFM table; nested tables are flattened into their cell's text. */
  private table(el: Element): void {
    const rows = DomUtils.findAll((e) => e.name === 'tr', el.children);
    const grid: string[][] = [];
    for (const tr of rows) {
      // Only rows of this table, not of one nested inside a cell.
      let p = tr.parent as Element | null;
      while (p && p.name !== 'table') p = p.parent as Element | null;
      if (p !== el) continue;
      const row: string[] = [];
      for (const td of tr.children.filter(isElement)) {
        if (td.name !== 'td' && td.name !== 'th') continue;
        row.push(oneLine(this.inline(td.children)) || ' ');
        const span = Math.min(Number(td.attribs['colspan'] ?? 1) || 1, 50);
        for (let i = 1; i < span; i++) row.push(' ');
      }
      if (row.length > 0) grid.push(row);
    }
    if (grid.length === 0) return;
    const width = Math.max(...grid.map((r) => r.length));
    const line = (r: string[]) => `| ${Array.from({ length: width }, (_, i) => r[i] ?? ' ').join(' | ')} |`;
    const out = [line(grid[0]!), `|${' --- |'.repeat(width)}`, ...grid.slice(1).map(line)];
    this.blocks.push(out.join('\n'));
    this.counts.tables++;
  }

  private list(el: Element): void {
    const ordered = el.name === 'ol' || hasClass(el, 'ltx_enumerate');
    const items: string[] = [];
    let n = 0;
    for (const li of el.children.filter(isElement)) {
      if (li.name !== 'li') continue;
      n++;
      const content = li.children.filter((c) => !(isElement(c) && /ltx_tag_item|ltx_tag_itemize|ltx_tag_enumerate/.test(classes(c))));
      const text = oneLine(this.blockText(content));
      if (!text) continue;
      items.push(`${ordered ? `${n}.` : '-'} ${text}`);
    }
    if (items.length > 0) this.blocks.push(items.join('\n'));
  }

  /** Block content flattened to one paragraph of inline Markdown (list items, references). */
  private blockText(nodes: ChildNode[]): string {
    const parts: string[] = [];
    let run: ChildNode[] = [];
    const flush = () => {
      if (run.length > 0) parts.push(this.inline(run));
      run = [];
    };
    for (const n of nodes) {
      if (isElement(n) && (SKIPPED_TAGS.has(n.name) || SKIPPED.test(classes(n)))) continue;
      if (isElement(n) && (n.name === 'p' || n.name === 'div' || hasClass(n, 'ltx_bibblock'))) {
        flush();
        parts.push(this.blockText(n.children));
      } else run.push(n);
    }
    flush();
    return parts.join(' ').replace(/\s+([.,;:)])(?=\s|$)/g, '$1');
  }

  private bibliography(el: Element): void {
    const items = DomUtils.findAll((e) => e.name === 'li' && hasClass(e, 'ltx_bibitem'), el.children);
    const lines: string[] = [];
    for (const li of items) {
      const tag = DomUtils.findOne((e) => /ltx_tag_bibitem|ltx_bib_key/.test(classes(e)), li.children, true);
      const rest = li.children.filter((c) => c !== tag);
      let label = tag ? oneLine(DomUtils.textContent(tag)) : '';
      if (label && !/^\[.*\]$/.test(label)) label = `[${label}]`;
      const text = oneLine(this.blockText(rest));
      if (!text) continue;
      lines.push(`- ${label ? `${escapeText(label)} ` : ''}${text}`);
      this.counts.references++;
    }
    if (lines.length > 0) this.blocks.push(lines.join('\n'));
  }

  private heading(el: Element, level: number): void {
    const h = el.children.filter(isElement).find((c) => /^h[1-6]$/.test(c.name));
    const title = h ? oneLine(this.inline(h.children)) : hasClass(el, 'ltx_bibliography') ? 'References' : '';
    const plainTitle = h ? oneLine(DomUtils.textContent(h)) : title;
    const anchor = hasClass(el, 'ltx_bibliography') && !this.anchors.has('references') ? (this.anchors.add('references'), 'references') : anchorFor(el.attribs['id'], plainTitle, this.anchors);
    const shown = title || 'Section';
    this.sections.push({ anchor, title: plainTitle || shown, level });
    this.blocks.push(`${'#'.repeat(level)} ${shown}`);
    this.counts.sections++;
  }

  /** A container's children, as blocks. */
  children(nodes: ChildNode[]): void {
    let pending: ChildNode[] = [];
    const flush = () => {
      if (pending.length > 0) this.paragraph(this.inline(pending));
      pending = [];
    };
    for (const n of nodes) {
      if (n.type === 'text') {
        pending.push(n);
        continue;
      }
      if (!isElement(n)) continue;
      const el = n;
      const c = classes(el);
      if (SKIPPED_TAGS.has(el.name) || SKIPPED.test(c)) continue;
      const sectionClass = Object.keys(SECTION_LEVEL).find((k) => hasClass(el, k));
      if (sectionClass && (el.name === 'section' || el.name === 'div')) {
        flush();
        this.heading(el, SECTION_LEVEL[sectionClass]!);
        if (sectionClass === 'ltx_bibliography') this.bibliography(el);
        else this.children(el.children.filter((ch) => !(isElement(ch) && /^h[1-6]$/.test(ch.name))));
        continue;
      }
      if (el.name === 'table' && /ltx_equation|ltx_eqn_table|ltx_equationgroup/.test(c)) {
        flush();
        this.equation(el);
        continue;
      }
      if (el.name === 'figure' || hasClass(el, 'ltx_figure') || hasClass(el, 'ltx_table') || hasClass(el, 'ltx_float')) {
        flush();
        this.figure(el);
        continue;
      }
      if (el.name === 'table') {
        flush();
        this.table(el);
        continue;
      }
      if (el.name === 'ul' || el.name === 'ol') {
        flush();
        this.list(el);
        continue;
      }
      if (el.name === 'p') {
        flush();
        this.paragraph(this.inline(el.children));
        continue;
      }
      if (/^h[1-6]$/.test(el.name)) {
        // A run-in title (theorem, proof, paragraph without a section class): bold, starting the text.
        flush();
        const t = oneLine(this.inline(el.children));
        if (t) this.blocks.push(`**${t.replace(/\*/g, '')}**`);
        continue;
      }
      if (el.name === 'math' && el.attribs['display'] === 'block') {
        flush();
        const tex = mathTex(el);
        if (tex) {
          this.blocks.push(`$$${tex}$$`);
          this.counts.equations++;
        }
        continue;
      }
      if (el.name === 'pre' || hasClass(el, 'ltx_listing')) {
        flush();
        // LaTeXML writes a listing as one element per line (ltx_listingline); a <pre> keeps its own breaks.
        const lines = DomUtils.findAll((e) => hasClass(e, 'ltx_listingline'), el.children);
        const code = (lines.length > 0 ? lines.map((l) => DomUtils.textContent(l).replace(/\u00a0/g, ' ')).join('\n') : DomUtils.textContent(el)).replace(/\s+$/, '');
        if (code.trim()) this.blocks.push('```\n' + code.replace(/```/g, '`\u200b``') + '\n```');
        continue;
      }
      if (el.name === 'blockquote' || el.name === 'div' || el.name === 'section' || el.name === 'article' || el.name === 'main' || el.name === 'body' || el.name === 'html') {
        flush();
        this.children(el.children);
        continue;
      }
      pending.push(el);
    }
    flush();
  }
}

/** The element holding the paper in a LaTeXML page: the `ltx_document`, else the page's body. */
function documentRoot(html: string): Element | null {
  const doc = parseDocument(html, { decodeEntities: true, lowerCaseAttributeNames: false });
  return (
    DomUtils.findOne((e) => hasClass(e, 'ltx_document'), doc.children, true) ??
    DomUtils.findOne((e) => e.name === 'body', doc.children, true) ??
    DomUtils.findOne((e) => e.name === 'html', doc.children, true)
  );
}

/**
 * Converts a LaTeXML page to Markdown. `base` is the page's address, against which figures' relative
 * addresses are resolved (`https://arxiv.org/html/2401.01234v2/`); without it relative figures are dropped.
 */
export function latexmlToMarkdown(html: string, base: string | null = null): Converted {
  const root = documentRoot(html);
  const c = new Converter(base);
  if (root) c.children(root.children);
  const markdown = c.blocks.join('\n\n').trim();
  return { markdown: markdown ? `${markdown}\n` : '', sections: c.sections, counts: c.counts };
}

/** What the source page holds, counted the way the converter sees it (the benchmark's denominator). */
export function countLatexml(html: string): ConversionCounts {
  const root = documentRoot(html);
  const all = root ? DomUtils.findAll(() => true, root.children) : [];
  const inSkipped = (e: Element): boolean => {
    for (let p: Element | null = e; p; p = p.parent as Element | null) if (p.type === 'tag' && SKIPPED.test(classes(p))) return true;
    return false;
  };
  const kept = all.filter((e) => !inSkipped(e));
  const sectionEl = (e: Element) => (e.name === 'section' || e.name === 'div') && Object.keys(SECTION_LEVEL).some((k) => hasClass(e, k));
  const eqTable = (e: Element) => e.name === 'table' && /ltx_equation|ltx_eqn_table|ltx_equationgroup/.test(classes(e));
  const inEqTable = (e: Element): boolean => {
    for (let p = e.parent as Element | null; p; p = p.parent as Element | null) if (p.type === 'tag' && eqTable(p)) return true;
    return false;
  };
  return {
    sections: kept.filter(sectionEl).length,
    equations: kept.filter((e) => (eqTable(e) && !inEqTable(e)) || (e.name === 'math' && e.attribs['display'] === 'block' && !inEqTable(e))).length,
    figures: kept.filter((e) => (e.name === 'figure' || hasClass(e, 'ltx_figure')) && !hasClass(e, 'ltx_table') && DomUtils.findOne((x) => x.name === 'img' || x.name === 'figcaption', e.children, true) !== null && !(e.parent && (e.parent as Element).type === 'tag' && hasClass(e.parent as Element, 'ltx_figure'))).length,
    tables: kept.filter((e) => e.name === 'table' && hasClass(e, 'ltx_tabular')).length,
    references: kept.filter((e) => e.name === 'li' && hasClass(e, 'ltx_bibitem')).length,
  };
}

/** A page that is LaTeXML's output (arXiv answers some ids with a page saying there is no HTML). */
export function looksLikeLatexml(html: string): boolean {
  return /class="[^"]*\bltx_(document|page_main|para)\b/.test(html);
}

/** Figure addresses in a converted text, in order (the image store fetches them; the reading view looks them up). */
export function figureUrls(markdown: string): string[] {
  return [...markdown.matchAll(/!\[[^\]]*\]\((https?:\/\/[^)\s]+)\)/g)].map((m) => m[1]!);
}
