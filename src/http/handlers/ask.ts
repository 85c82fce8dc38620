/**
 * POST /papers/:id/ask and POST /users/:username/collections/:slug/ask (docs/decisions/0037-ask-this-paper.md):
 * members ask a question (form field `q`, with the CSRF token). Posted by the plain form, the answer comes
 * back as a page; posted by public/app.js with `Accept: application/x-ndjson`, it streams as lines of JSON:
 * `{"type":"delta","text":…}` while the model writes, then `{"type":"done","html":…}` (the checked answer,
 * rendered and escaped here) or `{"type":"error","message":…}`. Visitors are sent to log in; a site without
 * a model has no such page (404).
 */
import { stream } from 'hono/streaming';
import { collectionBySlug, papersOfCollection } from '../../db/queries/collections.ts';
import { SLUG_PATTERN } from '../../domain/collections.ts';
import { askCollection, askPaper, COLLECTION_PAPERS_MAX, type AskContext, type AskResult } from '../../llm/ask.ts';
import { usableSemantic } from '../../search/types.ts';
import { csrfToken, frame, htmlError, type Ctx, type Deps } from '../context.ts';
import { answerBlock, answerPage, type AnswerModel, type AskBoxModel } from '../views/ask.ts';
import { idFromPath } from './paper.ts';

const NOT_HERE = 'Asking questions is not available on this site.';

const field = (form: Record<string, unknown>, name: string) => (typeof form[name] === 'string' ? (form[name] as string) : '');

const wantsStream = (c: Ctx) => (c.req.header('accept') ?? '').includes('application/x-ndjson');

function context(deps: Deps): AskContext {
  const semantic = usableSemantic(deps.semantic);
  return { db: deps.database.db, llm: deps.llm!, embedder: semantic?.embedder ?? null, now: deps.now() };
}

interface Target {
  title: string;
  back: string;
  backLabel: string;
  box: Omit<AskBoxModel, 'csrf' | 'question'>;
  papers?: Map<string, string>;
  run: (ctx: AskContext, question: string, userId: number, onDelta?: (t: string) => Promise<void>) => Promise<AskResult>;
}

/** Everything after finding what is asked: who may ask, then the page or the stream. */
async function respond(c: Ctx, deps: Deps, target: Target) {
  const viewer = c.get('viewer')!;
  const form = await c.req.parseBody();
  const question = field(form, 'q').slice(0, 5000);
  const ctx = context(deps);
  const model = (r: Extract<AskResult, { ok: true }>): AnswerModel => ({ question: question.trim(), answer: r.answer, cited: r.cited, refused: r.refused, cached: r.cached, model: r.model, ...(target.papers ? { papers: target.papers } : {}) });
  if (wantsStream(c)) {
    c.header('Content-Type', 'application/x-ndjson; charset=utf-8');
    c.header('Cache-Control', 'private, no-store');
    c.header('X-Accel-Buffering', 'no');
    return stream(c, async (s) => {
      const line = (o: unknown) => s.write(`${JSON.stringify(o)}\n`);
      const r = await target.run(ctx, question, viewer.id, async (t) => void (await line({ type: 'delta', text: t })));
      if (r.ok) await line({ type: 'done', html: String(await answerBlock(model(r))) });
      else await line({ type: 'error', status: r.status, message: r.message });
    });
  }
  const r = await target.run(ctx, question, viewer.id);
  const box = { ...target.box, csrf: csrfToken(c, deps), question };
  const page = answerPage(frame(c, deps), { title: target.title, back: target.back, backLabel: target.backLabel, box, ...(r.ok ? { answer: model(r) } : { problem: r.message }) });
  return c.html(page, r.ok ? 200 : r.status);
}

/** Refusals before anything is read: no model here, a visitor (log in), a suspended member. */
function gate(c: Ctx, deps: Deps, back: string) {
  if (!deps.llm) return htmlError(c, deps, 404, 'Not available', NOT_HERE);
  const viewer = c.get('viewer');
  if (!viewer) return wantsStream(c) ? c.json({ type: 'error', status: 401, message: 'Please log in to ask questions.' }, 401) : c.redirect(`/login?next=${encodeURIComponent(`${back}#ask`)}`, 303);
  if (viewer.suspended) return htmlError(c, deps, 403, 'Not allowed', 'Your account is suspended: you cannot ask questions.');
  return null;
}

/** POST /papers/:id/ask */
export const askPaperForm = (deps: Deps) => async (c: Ctx) => {
  const ref = idFromPath(c);
  if (!ref) return htmlError(c, deps, 400, 'Not an arXiv id', 'Questions go to papers, by arXiv id.');
  const back = `/papers/${ref.id}`;
  const refused = gate(c, deps, back);
  if (refused) return refused;
  const paper = await deps.database.db.selectFrom('papers').select(['id', 'title']).where('id', '=', ref.id).executeTakeFirst();
  if (!paper) return htmlError(c, deps, 404, 'Paper not found', `There is no paper arXiv:${ref.id} here.`);
  return respond(c, deps, {
    title: paper.title.replace(/\s+/g, ' ').trim(), back, backLabel: 'Back to the paper',
    box: { action: `${back}/ask`, what: 'this paper', here: back },
    run: (ctx, q, userId, onDelta) => askPaper(ctx, paper.id, q, userId, onDelta),
  });
};

/** POST /users/:username/collections/:slug/ask: a public collection, or the viewer's own. */
export const askCollectionForm = (deps: Deps) => async (c: Ctx) => {
  const username = c.req.param('username') ?? '';
  const slug = c.req.param('slug') ?? '';
  const back = `/users/${encodeURIComponent(username)}/collections/${encodeURIComponent(slug)}`;
  const refused = gate(c, deps, back);
  if (refused) return refused;
  const found = SLUG_PATTERN.test(slug) ? await collectionBySlug(deps.database.db, username, slug) : undefined;
  if (!found || (!found.isPublic && found.userId !== c.get('viewer')!.id)) return htmlError(c, deps, 404, 'Collection not found', 'There is no such collection, or its owner keeps it private.');
  const list = await papersOfCollection(deps.database.db, found.id, { limit: COLLECTION_PAPERS_MAX, offset: 0 });
  const papers = new Map(list.items.map((i) => [i.paper.id, i.paper.title.replace(/\s+/g, ' ').trim()]));
  return respond(c, deps, {
    title: found.name, back, backLabel: 'Back to the collection', papers,
    box: { action: `${back}/ask`, what: 'this collection', here: back },
    run: (ctx, q, userId, onDelta) => askCollection(ctx, { id: found.id, name: found.name, paperIds: [...papers.keys()] }, q, userId, onDelta),
  });
};
