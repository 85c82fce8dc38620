/**
 * Ask this paper / this collection (docs/decisions/0037-ask-this-paper.md): the question is checked, a cached
 * answer for the same text version and normalized question is returned as is; otherwise the passages that
 * best answer it are retrieved (src/search/passages.ts), the day's budgets are charged, only those passages
 * go to the model, the streamed answer's citations are checked against them, and a grounded answer is kept.
 * When the model is down, slow or answers garbage, or cites no passage it was given, nothing is kept and the
 * caller gets a message.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import {
  ANSWER_MAX_TOKENS, askMessages, checkCitations, chunkMarkdown, normalizeQuestion, numbered, questionProblem, REFUSAL,
  PASSAGES_PER_COLLECTION_QUESTION, PASSAGES_PER_QUESTION, type Chunk, type Passage, type PaperTextDoc,
} from '../domain/ask.ts';
import { cachedAnswer, recordTokens, reserveRequest, storeAnswer, type BudgetLimits, type BudgetRefusal } from '../db/queries/ask.ts';
import { loadPaperText, METADATA_ANCHORS } from '../db/queries/paper-text.ts';
import type { DB } from '../db/schema.ts';
import type { Embedder } from '../search/embedders/types.ts';
import { retrieve } from '../search/passages.ts';
import { LlmError, promptTokens, type LlmClient } from './client.ts';

export interface Llm {
  client: LlmClient;
  budgets: BudgetLimits;
}

export interface AskContext {
  db: Kysely<DB>;
  llm: Llm;
  embedder: Embedder | null;
  now: Date;
}

/** A paper's text with where its sections are read (the paper page for the metadata text, the reading view for the full text). */
export interface SourceText {
  paperId: string;
  title: string;
  doc: PaperTextDoc;
}

/** A cited passage with the address of its section. */
export type CitedPassage = Passage & { href: string };

export type AskResult =
  | { ok: true; answer: string; cited: CitedPassage[]; refused: boolean; cached: boolean; model: string; unknownCitations: string[] }
  | { ok: false; status: 400 | 404 | 429 | 503; message: string };

const PAGE_ANCHORS: ReadonlySet<string> = new Set(Object.values(METADATA_ANCHORS));

/** The most papers of a collection read for one question (the first ones, in the collection's order). */
export const COLLECTION_PAPERS_MAX = 50;

/** Where a cited section is: the paper page's own sections (abstract, AI summary), else the reading view of the full text. */
export const passageHref = (p: Pick<Passage, 'paperId' | 'anchor'>, source: PaperTextDoc['source']): string =>
  source === 'metadata' || PAGE_ANCHORS.has(p.anchor) ? `/papers/${p.paperId}#${p.anchor}` : `/papers/${p.paperId}/read#${p.anchor}`;

export const budgetMessage = (r: BudgetRefusal): string =>
  r.who === 'member'
    ? `You have used today's ${r.what === 'requests' ? 'questions' : 'allowance of model tokens'} for questions. Answers others already got still show; you can ask new questions again tomorrow (UTC).`
    : `This site has used today's ${r.what === 'requests' ? 'questions' : 'allowance of model tokens'} for its language model. Please try again tomorrow (UTC).`;

const today = (now: Date) => now.toISOString().slice(0, 10);

export async function askPaper(ctx: AskContext, paperId: string, question: string, userId: number, onDelta?: (t: string) => void | Promise<void>): Promise<AskResult> {
  const problem = questionProblem(question);
  if (problem) return { ok: false, status: 400, message: problem };
  const doc = await loadPaperText(ctx.db, paperId);
  const paper = await ctx.db.selectFrom('papers').select('title').where('id', '=', paperId).executeTakeFirst();
  if (!doc || !paper) return { ok: false, status: 404, message: 'This paper has no text to ask about yet.' };
  const title = paper.title.replace(/\s+/g, ' ').trim();
  return answer(ctx, { scope: `paper:${paperId}@${doc.version}:${doc.source}`, texts: [{ paperId, title, doc }], k: PASSAGES_PER_QUESTION, kind: { kind: 'paper', title } }, question, userId, onDelta);
}

export async function askCollection(ctx: AskContext, collection: { id: number; name: string; paperIds: string[] }, question: string, userId: number, onDelta?: (t: string) => void | Promise<void>): Promise<AskResult> {
  const problem = questionProblem(question);
  if (problem) return { ok: false, status: 400, message: problem };
  const ids = collection.paperIds.slice(0, COLLECTION_PAPERS_MAX);
  const titles = new Map((ids.length ? await ctx.db.selectFrom('papers').select(['id', 'title']).where('id', 'in', ids).execute() : []).map((r) => [r.id, r.title.replace(/\s+/g, ' ').trim()]));
  const texts: SourceText[] = [];
  for (const id of ids) {
    const doc = await loadPaperText(ctx.db, id);
    if (doc && titles.has(id)) texts.push({ paperId: id, title: titles.get(id)!, doc });
  }
  if (texts.length === 0) return { ok: false, status: 404, message: 'This collection has no paper with text to ask about yet.' };
  // The answer is for these papers at these versions: adding a paper or a new version asks again.
  const state = createHash('sha256').update(texts.map((t) => `${t.paperId}@${t.doc.version}:${t.doc.source}`).sort().join('\n')).digest('hex').slice(0, 32);
  return answer(ctx, { scope: `collection:${collection.id}@${state}`, texts, k: PASSAGES_PER_COLLECTION_QUESTION, kind: { kind: 'collection', title: collection.name, papers: new Map(texts.map((t) => [t.paperId, t.title])) } }, question, userId, onDelta);
}

interface Scope {
  scope: string;
  texts: SourceText[];
  k: number;
  kind: Parameters<typeof askMessages>[2];
}

async function answer(ctx: AskContext, s: Scope, question: string, userId: number, onDelta?: (t: string) => void | Promise<void>): Promise<AskResult> {
  const key = normalizeQuestion(question);
  const model = ctx.llm.client.model;
  const hit = await cachedAnswer(ctx.db, s.scope, key, model);
  if (hit) return { ok: true, answer: hit.answer, cited: hit.citations as CitedPassage[], refused: hit.answer === REFUSAL, cached: true, model, unknownCitations: [] };

  const chunks: Chunk[] = s.texts.flatMap((t) => chunkMarkdown(t.paperId, t.doc));
  const { ranked } = await retrieve(question, chunks, s.k, ctx.embedder);
  const passages = numbered(ranked.map((r) => r.chunk));
  const messages = askMessages(question, passages, s.kind);

  const day = today(ctx.now);
  const refusal = await reserveRequest(ctx.db, day, userId, promptTokens(messages) + ANSWER_MAX_TOKENS, ctx.llm.budgets);
  if (refusal) return { ok: false, status: 429, message: budgetMessage(refusal) };
  let result;
  try {
    result = await ctx.llm.client.chat(messages, { maxTokens: ANSWER_MAX_TOKENS, temperature: 0, ...(onDelta ? { onDelta } : {}) });
  } catch (e) {
    if (e instanceof LlmError) {
      await recordTokens(ctx.db, day, userId, promptTokens(messages));
      return { ok: false, status: 503, message: e.userMessage };
    }
    throw e;
  }
  await recordTokens(ctx.db, day, userId, (result.promptTokens || promptTokens(messages)) + result.completionTokens);
  const checked = checkCitations(result.text, passages);
  const sources = sourceOf(s.texts);
  const cited: CitedPassage[] = checked.cited.map((p) => ({ ...p, href: passageHref(p, sources.get(p.paperId) ?? 'metadata') }));
  if (checked.refused && checked.cited.length === 0) {
    await storeAnswer(ctx.db, s.scope, key, { answer: REFUSAL, citations: [], model, createdAt: ctx.now.toISOString() });
    return { ok: true, answer: REFUSAL, cited: [], refused: true, cached: false, model, unknownCitations: checked.unknown };
  }
  // Refusing to answer beyond the passages: an answer that rests on none of them is not shown, nor kept.
  if (checked.cited.length === 0) return { ok: false, status: 503, message: 'The language model answered without citing any passage of the paper, so its answer is not shown. Please rephrase the question.' };
  await storeAnswer(ctx.db, s.scope, key, { answer: checked.text, citations: cited, model, createdAt: ctx.now.toISOString() });
  return { ok: true, answer: checked.text, cited, refused: false, cached: false, model, unknownCitations: checked.unknown };
}

/** The source of each paper's text in a result (for the citation links). */
export const sourceOf = (texts: SourceText[]) => new Map(texts.map((t) => [t.paperId, t.doc.source]));
