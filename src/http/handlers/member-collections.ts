/**
 * Members' collections: the pages (a member's public collections, one collection) and the forms that
 * change them (create, save a paper, note, remove, rename, visibility, delete). Every form works
 * without JavaScript and answers 303. Each write names the viewer as owner in its query, so another
 * member's collection answers 404, like a collection that does not exist (a private one stays secret).
 * (src/http/handlers/collections.ts is another thing: organization and category pages.)
 */
import {
  addToCollection, collectionBySlug, collectionsOfUser, createCollection, deleteCollection, ownCollection, papersOfCollection,
  removeFromCollection, renameCollection, setCollectionVisibility, setNote, type Collection,
} from '../../db/queries/collections.ts';
import { findUserByUsername, type User } from '../../db/queries/users.ts';
import { parseArxivId } from '../../domain/arxiv-id.ts';
import { collectionNameProblem, noteProblem, normalizeCollectionName, normalizeNote, SLUG_PATTERN } from '../../domain/collections.ts';
import { withoutControlChars } from '../../domain/text.ts';
import { csrfToken, frame, htmlError, PAGE_SIZE, pageParam, safeNext, votingFor, type Ctx, type Deps } from '../context.ts';
import { collectionPage, collectionsListPage, collectionUrl } from '../views/member-collections.ts';
import { cardFromPaper } from '../views/cards.ts';
import { withStoredImages } from '../card-images.ts';
import { privateNotesOf } from '../../db/queries/library.ts';

/** A form field, without the control characters nobody types (src/domain/text.ts). */
const text = (body: Record<string, unknown>, name: string): string => {
  const v = body[name];
  return typeof v === 'string' ? withoutControlChars(v) : '';
};

/** A collection id from the path: a positive whole number that fits an integer column, else null. */
function collectionId(c: Ctx): number | null {
  const raw = c.req.param('cid') ?? '';
  const n = /^[0-9]{1,10}$/.test(raw) ? Number(raw) : 0;
  return n >= 1 && n <= 2_147_483_647 ? n : null;
}

/** The member who may write, or the answer that says why not (log in first; suspended). */
function writer(c: Ctx, deps: Deps, back: string): { viewer: User } | { answer: Response | Promise<Response> } {
  const viewer = c.get('viewer');
  if (!viewer) return { answer: c.redirect(`/login?next=${encodeURIComponent(back)}`, 303) };
  if (viewer.suspended) return { answer: htmlError(c, deps, 403, 'Your account is suspended', 'Suspended members cannot change collections.') };
  return { viewer };
}

const notYours = (c: Ctx, deps: Deps) =>
  htmlError(c, deps, 404, 'Collection not found', 'There is no such collection among yours. It may have been deleted.');

const mustConfirm = (c: Ctx, deps: Deps) =>
  htmlError(c, deps, 403, 'Please confirm your email first', 'Public collections are for members whose email address is confirmed. Keep it private until then.');

// ---- pages

/** GET /collections: the viewer's own collections (log in first). */
export const myCollections = () => (c: Ctx) => {
  const viewer = c.get('viewer');
  return c.redirect(viewer ? `/users/${encodeURIComponent(viewer.username)}/collections` : '/login?next=%2Fcollections', 303);
};

/** GET /users/:username/collections: a member's public collections (all of them, with forms, for the member). */
export const collectionsPage = (deps: Deps) => async (c: Ctx) => {
  const username = c.req.param('username') ?? '';
  const owner = username.length <= 64 ? await findUserByUsername(deps.database.db, username) : undefined;
  if (!owner) return htmlError(c, deps, 404, 'Member not found', 'There is no member with that username here.');
  const isOwner = c.get('viewer')?.id === owner.id;
  const collections = await collectionsOfUser(deps.database.db, owner.id, !isOwner);
  return c.html(collectionsListPage(frame(c, deps), { owner: owner.username, collections, manage: isOwner ? { csrf: csrfToken(c, deps), limits: deps.collectionLimits } : null }));
};

/** GET /users/:username/collections/:slug: one collection; a private one only for its owner (404 for others). */
export const collectionPageHandler = (deps: Deps) => async (c: Ctx) => {
  const page = pageParam(c);
  if (page === null) return htmlError(c, deps, 400, 'Bad page number', 'The page number (?p=) must be a whole number from 1.');
  const slug = c.req.param('slug') ?? '';
  const found = SLUG_PATTERN.test(slug) ? await collectionBySlug(deps.database.db, c.req.param('username') ?? '', slug) : undefined;
  const isOwner = found !== undefined && c.get('viewer')?.id === found.userId;
  if (!found || (!found.isPublic && !isOwner)) return htmlError(c, deps, 404, 'Collection not found', 'There is no such collection, or its owner keeps it private.');
  const list = await papersOfCollection(deps.database.db, found.id, { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
  const voting = await votingFor(c, deps, list.items.map((i) => i.paper.id));
  return c.html(
    collectionPage(frame(c, deps), {
      collection: found, items: list.items, cards: await withStoredImages(deps.database.db, list.items.map(cardFromPaper)), total: list.total, page, pages: Math.max(1, Math.ceil(list.total / PAGE_SIZE)),
      voting, now: deps.now(),
      manage: isOwner ? { csrf: csrfToken(c, deps), privateNotes: await privateNotesOf(deps.database.db, found.id, list.items.map((i) => i.paper.id)) } : null,
    }),
  );
};

// ---- forms

/** POST /collections (name, public=1): a new, empty collection; 303 to it. */
export const createCollectionForm = (deps: Deps) => async (c: Ctx) => {
  const w = writer(c, deps, '/collections');
  if ('answer' in w) return w.answer;
  const body = await c.req.parseBody();
  const name = normalizeCollectionName(text(body, 'name'));
  const problem = collectionNameProblem(name);
  if (problem) return htmlError(c, deps, 400, 'No collection made', problem);
  const isPublic = text(body, 'public') === '1';
  if (isPublic && !w.viewer.emailVerified) return mustConfirm(c, deps);
  const r = await createCollection(deps.database.db, { userId: w.viewer.id, name, isPublic, now: deps.now(), maxCollections: deps.collectionLimits.maxCollections });
  if (!r.ok) return capReached(c, deps);
  return c.redirect(collectionUrl(r.collection), 303);
};

const capReached = (c: Ctx, deps: Deps) =>
  htmlError(c, deps, 409, 'No collection made', `A member keeps at most ${deps.collectionLimits.maxCollections} collections. Delete one you no longer need, or add to an existing one.`);

/**
 * POST /collections/add (paper, collection=ID or new_name, note, next): saves a paper to one of the
 * viewer's collections, or to a new private one, and goes back to `next`. Saving it twice is not an error.
 */
export const addToCollectionForm = (deps: Deps) => async (c: Ctx) => {
  const body = await c.req.parseBody();
  const ref = parseArxivId(text(body, 'paper').slice(0, 100));
  const next = safeNext(text(body, 'next') || (ref ? `/papers/${ref.id}` : '/'));
  const w = writer(c, deps, next);
  if ('answer' in w) return w.answer;
  if (!ref) return htmlError(c, deps, 400, 'Not saved', 'Collections hold papers, named by arXiv id.');
  const note = normalizeNote(text(body, 'note'));
  const noteIssue = noteProblem(note);
  if (noteIssue) return htmlError(c, deps, 400, 'Not saved', noteIssue);
  const name = normalizeCollectionName(text(body, 'new_name'));
  const { db } = deps.database;
  const limits = deps.collectionLimits;
  if (name !== '') {
    const problem = collectionNameProblem(name);
    if (problem) return htmlError(c, deps, 400, 'Not saved', problem);
    const r = await createCollection(db, { userId: w.viewer.id, name, isPublic: false, now: deps.now(), maxCollections: limits.maxCollections, paperId: ref.id, note });
    if (!r.ok) return r.problem === 'cap' ? capReached(c, deps) : htmlError(c, deps, 404, 'Paper not found', `There is no paper ${ref.id} here.`);
    return c.redirect(next, 303);
  }
  const id = /^[0-9]{1,10}$/.test(text(body, 'collection')) ? Number(text(body, 'collection')) : null;
  if (id === null) return htmlError(c, deps, 400, 'Not saved', 'Choose one of your collections, or name a new one.');
  const r = await addToCollection(db, { collectionId: id, userId: w.viewer.id, paperId: ref.id, note, now: deps.now(), maxPapers: limits.maxPapers });
  if (r === 'no-collection') return notYours(c, deps);
  if (r === 'no-paper') return htmlError(c, deps, 404, 'Paper not found', `There is no paper ${ref.id} here.`);
  if (r === 'cap') return htmlError(c, deps, 409, 'Not saved', `A collection holds at most ${limits.maxPapers} papers. Start another one, or remove papers you no longer need.`);
  return c.redirect(next, 303);
};

/** Runs a write on one of the viewer's collections (POST /collections/:cid/…), then 303 to the collection (or `to`). */
async function onOwn(
  c: Ctx,
  deps: Deps,
  act: (viewer: User, collection: Collection, body: Record<string, unknown>) => Promise<Response | string>,
): Promise<Response> {
  const w = writer(c, deps, '/collections');
  if ('answer' in w) return w.answer;
  const id = collectionId(c);
  const collection = id === null ? undefined : await ownCollection(deps.database.db, id, w.viewer.id);
  if (!collection) return notYours(c, deps);
  const out = await act(w.viewer, collection, await c.req.parseBody());
  return typeof out === 'string' ? c.redirect(out, 303) : out;
}

/** The arXiv id in a form's `paper` field, canonical, or null. */
const paperField = (body: Record<string, unknown>) => parseArxivId(text(body, 'paper').slice(0, 100))?.id ?? null;

/** POST /collections/:cid/rename (name). The address stays the same. */
export const renameForm = (deps: Deps) => (c: Ctx) =>
  onOwn(c, deps, async (viewer, col, body) => {
    const name = normalizeCollectionName(text(body, 'name'));
    const problem = collectionNameProblem(name);
    if (problem) return htmlError(c, deps, 400, 'Not renamed', problem);
    return (await renameCollection(deps.database.db, col.id, viewer.id, name, deps.now())) ? collectionUrl(col) : notYours(c, deps);
  });

/** POST /collections/:cid/visibility (public=1 or 0). */
export const visibilityForm = (deps: Deps) => (c: Ctx) =>
  onOwn(c, deps, async (viewer, col, body) => {
    const value = text(body, 'public');
    if (value !== '1' && value !== '0') return htmlError(c, deps, 400, 'Nothing changed', 'public must be 1 (public) or 0 (private).');
    if (value === '1' && !viewer.emailVerified) return mustConfirm(c, deps);
    return (await setCollectionVisibility(deps.database.db, col.id, viewer.id, value === '1', deps.now())) ? collectionUrl(col) : notYours(c, deps);
  });

/** POST /collections/:cid/note (paper, note): sets the note on a paper of the collection; an empty note clears it. */
export const noteForm = (deps: Deps) => (c: Ctx) =>
  onOwn(c, deps, async (viewer, col, body) => {
    const paper = paperField(body);
    const note = normalizeNote(text(body, 'note'));
    const problem = noteProblem(note);
    if (problem) return htmlError(c, deps, 400, 'Note not saved', problem);
    const ok = paper !== null && (await setNote(deps.database.db, { collectionId: col.id, userId: viewer.id, paperId: paper, note, now: deps.now() }));
    return ok ? `${collectionUrl(col)}#paper-${paper}` : htmlError(c, deps, 404, 'Paper not found', 'That paper is not in this collection.');
  });

/** POST /collections/:cid/remove (paper). */
export const removeForm = (deps: Deps) => (c: Ctx) =>
  onOwn(c, deps, async (viewer, col, body) => {
    const paper = paperField(body);
    const ok = paper !== null && (await removeFromCollection(deps.database.db, { collectionId: col.id, userId: viewer.id, paperId: paper, now: deps.now() }));
    return ok ? collectionUrl(col) : htmlError(c, deps, 404, 'Paper not found', 'That paper is not in this collection.');
  });

/** POST /collections/:cid/delete: the collection and its notes go; 303 to the member's collections. */
export const deleteForm = (deps: Deps) => (c: Ctx) =>
  onOwn(c, deps, async (viewer, col) =>
    (await deleteCollection(deps.database.db, col.id, viewer.id)) ? `/users/${encodeURIComponent(viewer.username)}/collections` : notYours(c, deps),
  );
