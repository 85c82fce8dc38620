/**
 * Generated summaries and keywords (docs/decisions/0037-ask-this-paper.md): for papers without Hugging
 * Face's, a bounded number a run (the `llm-summaries` job, `dailypapers llm summarize`), charged to the
 * site's daily budget. The model reads the title and abstract only. An answer that does not parse as a
 * summary and keywords is skipped (nothing stored); a model that is down or slow ends the run.
 */
import type { Kysely } from 'kysely';
import { reserveRequest, recordTokens, type BudgetLimits } from '../db/queries/ask.ts';
import { papersWithoutSummary, storeGeneratedSummary } from '../db/queries/llm-summaries.ts';
import { bumpDataVersion } from '../db/queries/papers.ts';
import type { DB } from '../db/schema.ts';
import { LlmError, promptTokens, type ChatMessage, type LlmClient } from './client.ts';

/** Papers summarized per run by default (LLM_SUMMARIES_PER_RUN is not a setting: the CLI's --limit is). */
export const SUMMARIES_PER_RUN = 20;
export const SUMMARY_MAX_TOKENS = 250;
const SUMMARY_MIN_CHARS = 40;
const SUMMARY_MAX_CHARS = 700;
const KEYWORDS_MAX = 8;

export function summaryMessages(title: string, abstract: string): ChatMessage[] {
  return [
    { role: 'system', content: 'You summarize research papers for a paper list. Use only the title and abstract given. Answer in exactly two lines: "Summary: " followed by one or two plain sentences (at most 60 words), then "Keywords: " followed by 3 to 8 short key phrases separated by commas.' },
    { role: 'user', content: `Title: ${title.replace(/\s+/g, ' ').trim()}\n\nAbstract: ${abstract.replace(/\s+/g, ' ').trim()}` },
  ];
}

/** The summary and keywords of a model's answer, or null when it is not in the asked shape. */
export function parseSummary(text: string): { summary: string; keywords: string[] } | null {
  const s = /summary\s*:\s*([\s\S]*?)(?:\n\s*\**keywords\**\s*:|$)/i.exec(text);
  const k = /keywords\**\s*:\s*(.+)/i.exec(text);
  if (!s || !k) return null;
  const summary = s[1]!.replace(/\*\*/g, '').replace(/\s+/g, ' ').trim();
  const keywords = [...new Set(k[1]!.split(/[,;]/).map((w) => w.replace(/[*."]/g, '').trim()).filter((w) => w.length >= 2 && w.length <= 60))].slice(0, KEYWORDS_MAX);
  if (summary.length < SUMMARY_MIN_CHARS || summary.length > SUMMARY_MAX_CHARS || keywords.length === 0) return null;
  return { summary, keywords };
}

export interface SummariesRun {
  written: number;
  skipped: number;
  /** Why the run ended before its papers were done (the model down, the budget spent), or null. */
  stopped: string | null;
}

export async function generateSummaries(db: Kysely<DB>, llm: { client: LlmClient; budgets: BudgetLimits }, o: { limit: number; now: () => Date; signal?: AbortSignal; log?: (s: string) => void }): Promise<SummariesRun> {
  const run: SummariesRun = { written: 0, skipped: 0, stopped: null };
  for (const p of await papersWithoutSummary(db, o.limit)) {
    if (o.signal?.aborted) break;
    const messages = summaryMessages(p.title, p.abstract);
    const day = o.now().toISOString().slice(0, 10);
    const refusal = await reserveRequest(db, day, null, promptTokens(messages) + SUMMARY_MAX_TOKENS, llm.budgets);
    if (refusal) {
      run.stopped = `the site's daily ${refusal.what} budget for the language model is spent`;
      break;
    }
    try {
      const r = await llm.client.chat(messages, { maxTokens: SUMMARY_MAX_TOKENS, temperature: 0, ...(o.signal ? { signal: o.signal } : {}) });
      await recordTokens(db, day, null, (r.promptTokens || promptTokens(messages)) + r.completionTokens);
      const parsed = parseSummary(r.text);
      if (!parsed) {
        run.skipped++;
        o.log?.(`${p.id}: the answer is not a summary and keywords; nothing stored`);
        continue;
      }
      if (await storeGeneratedSummary(db, p.id, parsed.summary, parsed.keywords, llm.client.model, o.now())) run.written++;
      else run.skipped++;
    } catch (e) {
      if (!(e instanceof LlmError)) throw e;
      await recordTokens(db, day, null, promptTokens(messages));
      if (e.kind === 'garbage' || e.kind === 'too-large') {
        run.skipped++;
        o.log?.(`${p.id}: ${e.message}; nothing stored`);
        continue;
      }
      run.stopped = `the language model failed: ${e.message}`;
      break;
    }
  }
  if (run.written > 0) await bumpDataVersion(db);
  return run;
}

export const describeSummaries = (r: SummariesRun): string =>
  `${r.written} summaries written, ${r.skipped} skipped${r.stopped ? `; stopped: ${r.stopped}` : ''}`;
