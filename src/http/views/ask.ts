/**
 * "Ask this paper" / "Ask this collection" (docs/decisions/0037-ask-this-paper.md): the question box (a POST
 * form that works without JavaScript; public/app.js streams the answer into the page when it can), and the
 * answer with its citations, each a link to the section it quotes. All text is escaped here; the streamed
 * answer is replaced by this server-rendered HTML once complete.
 */
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { QUESTION_MAX_CHARS } from '../../domain/ask.ts';
import type { CitedPassage } from '../../llm/ask.ts';
import { layout, type Frame } from './layout.ts';

export interface AskBoxModel {
  /** Where the form posts (`/papers/ID/ask`, `/users/NAME/collections/SLUG/ask`). */
  action: string;
  /** "this paper" or "this collection". */
  what: string;
  /** null: a visitor (offered to log in). */
  csrf: string | null;
  /** Where log-in comes back to. */
  here: string;
  question?: string;
}

export function askBox(m: AskBoxModel) {
  const id = 'ask-q';
  if (m.csrf === null) {
    return html`<section id="ask" class="ask" aria-labelledby="ask-h"><h2 id="ask-h">Ask ${m.what}</h2>
  <p><a href="/login?next=${encodeURIComponent(m.here + '#ask')}">Log in</a> to ask questions about ${m.what}: a language model answers from its text and cites the passages it used.</p>
</section>`;
  }
  return html`<section id="ask" class="ask" aria-labelledby="ask-h"><h2 id="ask-h">Ask ${m.what}</h2>
  <form class="ask-form" method="post" action="${m.action}" data-ask>
    <input type="hidden" name="_csrf" value="${m.csrf}">
    <label for="${id}">Your question</label>
    <textarea id="${id}" name="q" rows="2" maxlength="${QUESTION_MAX_CHARS}" required>${m.question ?? ''}</textarea>
    <p class="hint">A language model answers from the text of ${m.what} only, and cites the passages it used. It can be wrong: check the passages.</p>
    <button class="button" type="submit">Ask</button>
  </form>
  <div class="ask-answer" aria-live="polite" data-ask-answer></div>
</section>`;
}

/** Answer text with `[P3]` turned into links to the cited passages below (numbered as cited). */
function answerText(text: string, cited: CitedPassage[]) {
  const index = new Map(cited.map((p, i) => [p.id, i + 1]));
  const parts: (string | HtmlEscapedString | Promise<HtmlEscapedString>)[] = [];
  let last = 0;
  for (const m of text.matchAll(/\[(P\d{1,3}|\?)\]/g)) {
    parts.push(text.slice(last, m.index));
    const n = index.get(m[1]!);
    parts.push(n ? html`<a class="cite" href="#cite-${n}" aria-label="passage ${n}">[${n}]</a>` : html`<span class="cite-unknown" title="This citation named a passage the model was not given; it was removed.">[?]</span>`);
    last = m.index + m[0].length;
  }
  parts.push(text.slice(last));
  return html`<p>${parts}</p>`;
}

export interface AnswerModel {
  question: string;
  answer: string;
  cited: CitedPassage[];
  refused: boolean;
  cached: boolean;
  model: string;
  /** Collections: paper id → title, to name the paper of each cited passage. */
  papers?: Map<string, string>;
}

/** The answer and its cited passages (the block the JS puts in place of the streamed text). */
export function answerBlock(a: AnswerModel) {
  return html`<div class="answer">
  <p class="answer-q"><strong>Q:</strong> ${a.question}</p>
  ${a.refused ? html`<p class="answer-refused">${a.answer}</p>` : answerText(a.answer, a.cited)}
  ${a.cited.length > 0
    ? html`<h3 class="answer-sources-h">Passages cited</h3><ol class="answer-sources">${a.cited.map(
        (p, i) => html`<li id="cite-${i + 1}"><a href="${p.href}">${a.papers ? html`${a.papers.get(p.paperId) ?? p.paperId} · ` : ''}${p.section || 'Section'}</a><blockquote>${p.text.length > 600 ? `${p.text.slice(0, 600)}…` : p.text}</blockquote></li>`,
      )}</ol>`
    : ''}
  <p class="hint">Answered by ${a.model}${a.cached ? ' (an earlier answer to the same question)' : ''}. It can be wrong: check the passages.</p>
</div>`;
}

/** The page a question posted without JavaScript answers with: the answer (or why there is none) and the box again. */
export function answerPage(frame: Frame, m: { title: string; back: string; backLabel: string; box: AskBoxModel; answer?: AnswerModel; problem?: string }) {
  return layout(
    frame,
    { title: `Ask: ${m.title}`, noindex: true },
    html`<article class="ask-page">
  <p><a href="${m.back}">← ${m.backLabel}</a></p>
  <h1>${m.title}</h1>
  ${m.problem ? html`<p class="notice notice-error" role="alert">${m.problem}</p>` : ''}
  ${m.answer ? answerBlock(m.answer) : ''}
  ${askBox({ ...m.box, question: m.answer ? '' : (m.box.question ?? '') })}
</article>`,
  );
}
