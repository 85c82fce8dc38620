/**
 * "Ask this paper" (docs/decisions/0037-ask-this-paper.md), the pure parts: a paper's text cut into passages
 * by headings and paragraphs, the question's cache key, the prompt that hands the model only the retrieved
 * passages, and the check of the answer's citations against them.
 */
import type { ChatMessage } from '../llm/client.ts';

/** A paper's text as Markdown with its sections (src/db/queries/paper-text.ts; full text once wired). */
export interface PaperTextDoc {
  /** The arXiv version (`v2`) or the date the text is of: part of the answers' cache key. */
  version: string;
  /** `metadata`: built from title, abstract and AI summary (no full text yet); the others come from the full text. */
  source: 'html' | 'pdf' | 'metadata';
  markdown: string;
  sections: { anchor: string; title: string; level: number }[];
}

export interface Passage {
  /** `P1`, `P2`…: what the model cites; numbered in the order they are sent. */
  id: string;
  paperId: string;
  /** The section's anchor (links go to `#anchor`). */
  anchor: string;
  /** The section's title. */
  section: string;
  text: string;
}

/** A passage before it is numbered for a prompt. */
export type Chunk = Omit<Passage, 'id'>;

/** Passages are paragraphs; shorter ones of one section are joined up to this many characters… */
export const CHUNK_TARGET_CHARS = 700;
/** …and longer ones are cut at sentence ends past this many. */
export const CHUNK_MAX_CHARS = 1400;
/** Passages sent to the model for one question (a paper), and for a collection. */
export const PASSAGES_PER_QUESTION = 5;
export const PASSAGES_PER_COLLECTION_QUESTION = 8;
/** The longest question accepted, in characters. */
export const QUESTION_MAX_CHARS = 500;
/** The most tokens the answer may take (`max_tokens`). */
export const ANSWER_MAX_TOKENS = 600;
/** What the model is told to answer when the passages do not hold the answer (and what the page shows then). */
export const REFUSAL = 'The passages of the paper shown here do not answer this question.';

const slug = (s: string) => s.toLowerCase().normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'section';

/** Sentences of a paragraph (ends at . ! ? followed by a space and a capital or digit; "e.g. x" stays whole). */
export function sentences(text: string): string[] {
  return text.split(/(?<=[.!?])\s+(?=[A-Z0-9(“"])/).map((s) => s.trim()).filter((s) => s !== '');
}

/**
 * The passages of a paper's Markdown: a heading starts a section (its anchor is the next of `sections`
 * with that title, else made from the title), blank lines separate paragraphs; paragraphs of a section are
 * joined up to CHUNK_TARGET_CHARS, and a longer one is cut at sentence ends past CHUNK_MAX_CHARS. Text before
 * the first heading belongs to the first section, or to `top`.
 */
export function chunkMarkdown(paperId: string, doc: Pick<PaperTextDoc, 'markdown' | 'sections'>): Chunk[] {
  const pending = [...doc.sections];
  let anchor = doc.sections[0]?.anchor ?? 'top';
  let section = doc.sections[0]?.title ?? '';
  const out: Chunk[] = [];
  let buf = '';
  const flush = () => {
    const t = buf.trim();
    buf = '';
    if (t !== '') out.push({ paperId, anchor, section, text: t });
  };
  const addParagraph = (p: string) => {
    const text = p.replace(/\s+/g, ' ').trim();
    if (text === '') return;
    if (text.length > CHUNK_MAX_CHARS) {
      flush();
      let piece = '';
      for (const s of sentences(text)) {
        if (piece !== '' && piece.length + s.length + 1 > CHUNK_MAX_CHARS) {
          out.push({ paperId, anchor, section, text: piece });
          piece = '';
        }
        piece = piece === '' ? s : `${piece} ${s}`;
      }
      if (piece !== '') out.push({ paperId, anchor, section, text: piece });
      return;
    }
    if (buf !== '' && buf.length + text.length + 1 > CHUNK_TARGET_CHARS) flush();
    buf = buf === '' ? text : `${buf}\n${text}`;
  };
  let para: string[] = [];
  for (const line of doc.markdown.split(/\r?\n/)) {
    const h = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (h) {
      addParagraph(para.join(' '));
      para = [];
      flush();
      const title = h[2]!;
      const i = pending.findIndex((s) => s.title === title);
      if (i >= 0) {
        anchor = pending[i]!.anchor;
        pending.splice(0, i + 1);
      } else anchor = slug(title);
      section = title;
      continue;
    }
    if (line.trim() === '') {
      addParagraph(para.join(' '));
      para = [];
    } else para.push(line);
  }
  addParagraph(para.join(' '));
  flush();
  return out;
}

/** Numbers passages for a prompt: P1, P2… in order. */
export const numbered = (chunks: Chunk[]): Passage[] => chunks.map((c, i) => ({ id: `P${i + 1}`, ...c }));

/**
 * The cache key of a question: Unicode-normalized (NFKC), lowercased, spaces collapsed, the final
 * punctuation dropped. "What is X?" and "what is  x" are one question.
 */
export function normalizeQuestion(q: string): string {
  return q.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim().replace(/[\s?.!。？！]+$/u, '');
}

/** Why a question cannot be asked, or null. */
export function questionProblem(q: string): string | null {
  const t = q.trim();
  if (t === '') return 'Please write a question.';
  if (t.length > QUESTION_MAX_CHARS) return `A question is at most ${QUESTION_MAX_CHARS} characters long (this one has ${t.length}).`;
  if (normalizeQuestion(t).replace(/[^\p{L}\p{N}]/gu, '').length < 3) return 'Please write a question in words.';
  return null;
}

/** The conversation sent to the model: the rules, then the passages (each with its id) and the question. Nothing else of the paper. */
export function askMessages(question: string, passages: Passage[], scope: { kind: 'paper'; title: string } | { kind: 'collection'; title: string; papers: Map<string, string> }): ChatMessage[] {
  const what = scope.kind === 'paper' ? 'a research paper' : 'a collection of research papers';
  const system = [
    `You answer questions about ${what} using ONLY the numbered passages the user gives.`,
    'After each sentence of your answer, cite the passages it rests on by their ids in square brackets, e.g. [P2] or [P1][P3].',
    `If the passages do not contain the answer, reply exactly: "${REFUSAL}"`,
    'Never use knowledge from outside the passages, never invent passage ids, and keep the answer under 200 words.',
  ].join(' ');
  const parts = passages.map((p) => {
    const where = scope.kind === 'collection' ? `Paper: ${scope.papers.get(p.paperId) ?? p.paperId} (arXiv ${p.paperId}); section: ${p.section || 'untitled'}` : `Section: ${p.section || 'untitled'}`;
    return `[${p.id}] (${where})\n${p.text}`;
  });
  const user = `${scope.kind === 'paper' ? 'Paper' : 'Collection'}: ${scope.title}\n\nPassages:\n\n${parts.join('\n\n')}\n\nQuestion: ${question.trim()}`;
  return [{ role: 'system', content: system }, { role: 'user', content: user }];
}

export interface CheckedAnswer {
  /** The answer with citations of passages that were not sent replaced by `[?]`. */
  text: string;
  /** The passages cited that were sent, in the order first cited. */
  cited: Passage[];
  /** Ids cited that were not among the passages sent (flagged, dropped from the answer). */
  unknown: string[];
  /** The model said the passages do not answer. */
  refused: boolean;
}

const CITATION = /\[((?:P\d{1,3})(?:\s*[,;]\s*P\d{1,3})*)\]/g;

/** Checks an answer's citations against the passages sent. */
export function checkCitations(answer: string, passages: Passage[]): CheckedAnswer {
  const byId = new Map(passages.map((p) => [p.id, p]));
  const cited: Passage[] = [];
  const unknown: string[] = [];
  const text = answer.trim().replace(CITATION, (_m, ids: string) => {
    const kept: string[] = [];
    for (const id of ids.split(/\s*[,;]\s*/)) {
      const p = byId.get(id);
      if (p) {
        if (!cited.includes(p)) cited.push(p);
        kept.push(id);
      } else if (!unknown.includes(id)) unknown.push(id);
    }
    return kept.length > 0 ? kept.map((id) => `[${id}]`).join('') : '[?]';
  });
  const refused = normalizeQuestion(answer).includes(normalizeQuestion(REFUSAL)) || (cited.length === 0 && /\b(do(es)? not|don't|cannot|can't) (answer|say|contain|mention|provide)/i.test(answer));
  return { text, cited, unknown, refused };
}
