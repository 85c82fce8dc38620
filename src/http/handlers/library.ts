/**
 * Portable libraries (docs/decisions/0033-portable-libraries.md): exports of a collection or of all a member's
 * saved papers (BibTeX, RIS, CSL-JSON; pages and /api/ alike), imports of a reference-manager file into a
 * collection (a form, and /api/ with a token), private notes, and the search over one's saved papers.
 *
 * Who may read what: a public collection is exported for anyone, a private one for its owner only (404 for
 * others, like its page); private notes only ever reach their owner. Imports: all of a file or nothing.
 */
import { collectionBySlug, collectionsOfUser, ownCollection } from '../../db/queries/collections.ts';
import { importIntoCollection, MAX_SAVED_HITS, resolveReferences, savedPapers, searchSaved, setPrivateNote, type ImportTarget } from '../../db/queries/library.ts';
import { findUserByUsername, type User } from '../../db/queries/users.ts';
import { EXPORT_FORMATS, FORMAT_FILE, serialize, type ExportFormat, type ExportItem } from '../../domain/bib-export.ts';
import { decodeText, detectFormat, LibraryFileError, matchEntries, parseLibrary, type ImportFormat, type Unmatched } from '../../domain/bib-import.ts';
import { parseArxivId } from '../../domain/arxiv-id.ts';
import { collectionNameProblem, normalizeCollectionName, normalizeNote, noteProblem, SLUG_PATTERN } from '../../domain/collections.ts';
import { withoutControlChars } from '../../domain/text.ts';
import type { Tier } from '../middleware/rate-limit.ts';
import { csrfToken, frame, htmlError, type Ctx, type Deps } from '../context.ts';
import { importPage, importReportPage, savedSearchPage } from '../views/library.ts';
import { collectionUrl } from '../views/member-collections.ts';

/** Imports per member: each reads a file and resolves up to thousands of references; a person imports a few at a time. */
export const IMPORT_TIER: Tier = { name: 'library-import', limit: 10, windowSeconds: 60 * 60 };

const isApi = (c: Ctx) => c.req.path.startsWith('/api/');

/** An error as a page for people, as JSON on the API. */
function fail(c: Ctx, deps: Deps, status: 400 | 403 | 404 | 409 | 413 | 429, heading: string, message: string) {
  return isApi(c) ? c.json({ error: message }, status) : htmlError(c, deps, status, heading, message);
}

function formatParam(c: Ctx): ExportFormat | null {
  const f = c.req.param('format') ?? '';
  return (EXPORT_FORMATS as readonly string[]).includes(f) ? (f as ExportFormat) : null;
}

const badFormat = (c: Ctx, deps: Deps) =>
  fail(c, deps, 400, 'Unknown format', `The export format must be one of: ${EXPORT_FORMATS.join(', ')}.`);

/** The rows as export items: the owner's private note where they have one, else the collection's note. */
function toItems(rows: Awaited<ReturnType<typeof savedPapers>>, owner: boolean): ExportItem[] {
  return rows.map((r) => ({
    id: r.id, title: r.title, authors: r.authors, abstract: r.abstract, publishedAt: r.publishedAt, categories: r.categories,
    doi: r.doi, journalRef: r.journalRef, note: (owner ? r.privateNote : null) ?? r.note,
  }));
}

function download(c: Ctx, deps: Deps, format: ExportFormat, items: ExportItem[], name: string, header: string, isPrivate: boolean) {
  const file = FORMAT_FILE[format];
  c.header('Content-Type', file.type);
  c.header('Content-Disposition', `attachment; filename="${name.replace(/[^A-Za-z0-9._-]/g, '_')}.${file.ext}"`);
  if (isPrivate) c.header('Cache-Control', 'private, no-store');
  return c.body(serialize(format, items, `${header} (${deps.site.publicUrl})`));
}

/** GET /users/:username/collections/:slug/export/:format (and under /api/): one collection. */
export const exportCollection = (deps: Deps) => async (c: Ctx) => {
  const format = formatParam(c);
  if (!format) return badFormat(c, deps);
  const slug = c.req.param('slug') ?? '';
  const found = SLUG_PATTERN.test(slug) ? await collectionBySlug(deps.database.db, c.req.param('username') ?? '', slug) : undefined;
  const isOwner = found !== undefined && c.get('viewer')?.id === found.userId;
  if (!found || (!found.isPublic && !isOwner)) return fail(c, deps, 404, 'Collection not found', 'There is no such collection, or its owner keeps it private.');
  const rows = await savedPapers(deps.database.db, [found.id]);
  return download(c, deps, format, toItems(rows, isOwner), `${found.owner}-${found.slug}`, `“${found.name}”, a collection by ${found.owner}`, !found.isPublic || isOwner);
};

/** GET /users/:username/collections/export/:format (and under /api/): every saved paper (the public collections' for others). */
export const exportAll = (deps: Deps) => async (c: Ctx) => {
  const format = formatParam(c);
  if (!format) return badFormat(c, deps);
  const username = c.req.param('username') ?? '';
  const owner = username.length <= 64 ? await findUserByUsername(deps.database.db, username) : undefined;
  if (!owner) return fail(c, deps, 404, 'Member not found', 'There is no member with that username here.');
  const isOwner = c.get('viewer')?.id === owner.id;
  const collections = await collectionsOfUser(deps.database.db, owner.id, !isOwner);
  const rows = await savedPapers(deps.database.db, collections.map((col) => col.id));
  return download(c, deps, format, toItems(rows, isOwner), `${owner.username}-saved`, `Papers saved by ${owner.username}`, isOwner);
};

/** The member who may import, or the answer that says why not. */
function importer(c: Ctx, deps: Deps): { viewer: User } | { answer: Response | Promise<Response> } {
  const viewer = c.get('viewer');
  if (!viewer) return { answer: isApi(c) ? c.json({ error: 'log in, or send an API token' }, 401) : c.redirect('/login?next=%2Fcollections%2Fimport', 303) };
  if (viewer.suspended) return { answer: fail(c, deps, 403, 'Your account is suspended', 'Suspended members cannot change collections.') };
  return { viewer };
}

/** GET /collections/import[?into=ID]: the form. */
export const importForm = (deps: Deps) => async (c: Ctx) => {
  const w = importer(c, deps);
  if ('answer' in w) return w.answer;
  const into = /^[0-9]{1,10}$/.test(c.req.query('into') ?? '') ? Number(c.req.query('into')) : null;
  const collections = await collectionsOfUser(deps.database.db, w.viewer.id, false);
  return c.html(importPage(frame(c, deps), { csrf: csrfToken(c, deps), collections: collections.map((col) => ({ id: col.id, name: col.name })), into }));
};

const text = (v: unknown): string => (typeof v === 'string' ? withoutControlChars(v) : '');

/**
 * POST /collections/import (a form: file, collection=ID or new_name) and POST /api/collections/import (the same
 * multipart form, or the file as the body with ?collection=ID or ?new_name=…): reads the whole file, finds its
 * papers, and saves them in one transaction; answers with what was added and, entry by entry, what was not found.
 */
export const importLibrary = (deps: Deps) => async (c: Ctx) => {
  const w = importer(c, deps);
  if ('answer' in w) return w.answer;
  const verdict = await deps.rateLimiter.hit(IMPORT_TIER, `user:${w.viewer.id}`);
  if (!verdict.allowed) {
    c.header('Retry-After', String(verdict.resetSeconds));
    return fail(c, deps, 429, 'Too many imports', `At most ${IMPORT_TIER.limit} imports an hour. Try again in ${Math.ceil(verdict.resetSeconds / 60)} minutes.`);
  }
  let bytes: Uint8Array;
  let filename = '';
  let fields: Record<string, string>;
  const type = c.req.header('content-type') ?? '';
  if (type.startsWith('multipart/form-data') || type.startsWith('application/x-www-form-urlencoded')) {
    const body = await c.req.parseBody();
    const file = body.file;
    if (!(file instanceof File)) return fail(c, deps, 400, 'Nothing imported', 'Choose a file to import (BibTeX, RIS or CSL-JSON).');
    bytes = new Uint8Array(await file.arrayBuffer());
    filename = file.name;
    fields = { collection: text(body.collection), new_name: text(body.new_name), format: text(body.format) };
  } else if (isApi(c)) {
    bytes = new Uint8Array(await c.req.arrayBuffer());
    fields = { collection: c.req.query('collection') ?? '', new_name: withoutControlChars(c.req.query('new_name') ?? ''), format: c.req.query('format') ?? '' };
  } else {
    return fail(c, deps, 400, 'Nothing imported', 'Send the file with the import form.');
  }

  // Where to: one of the member's collections, or a new private one.
  let target: ImportTarget;
  if (/^[0-9]{1,10}$/.test(fields.collection!)) target = { collectionId: Number(fields.collection) };
  else {
    const name = normalizeCollectionName(fields.new_name!);
    if (name === '') return fail(c, deps, 400, 'Nothing imported', 'Choose one of your collections, or name a new one.');
    const problem = collectionNameProblem(name);
    if (problem) return fail(c, deps, 400, 'Nothing imported', problem);
    target = { newName: name };
  }

  let entries;
  try {
    const content = decodeText(bytes);
    if (content.trim() === '') throw new LibraryFileError('The file is empty.');
    const asked = fields.format as ImportFormat | '';
    const format = asked === 'bibtex' || asked === 'ris' || asked === 'csl-json' ? asked : detectFormat(content, filename);
    if (!format) throw new LibraryFileError('This is not a BibTeX, RIS or CSL-JSON file: no “@type{” entry, no “TY  - ” record, and not JSON.');
    entries = parseLibrary(content, format);
    if (entries.length === 0) throw new LibraryFileError(`No references were found in this ${format === 'bibtex' ? 'BibTeX' : format === 'ris' ? 'RIS' : 'CSL-JSON'} file: it holds no entries.`);
  } catch (e) {
    if (e instanceof LibraryFileError) return fail(c, deps, e.message.startsWith('The file is larger') ? 413 : 400, 'Nothing imported', e.message);
    throw e;
  }

  const { db } = deps.database;
  const found = await resolveReferences(db, entries.flatMap((e) => (e.arxivId ? [e.arxivId] : [])), entries.flatMap((e) => (e.doi ? [e.doi] : [])));
  const { items, unmatched } = matchEntries(entries, found);
  const r = await importIntoCollection(db, {
    userId: w.viewer.id, target, items, now: deps.now(), maxPapers: deps.collectionLimits.maxPapers, maxCollections: deps.collectionLimits.maxCollections,
  });
  if (!r.ok) {
    if (r.problem === 'no-collection') return fail(c, deps, 404, 'Collection not found', 'There is no such collection among yours. It may have been deleted.');
    if (r.problem === 'collections-cap') return fail(c, deps, 409, 'Nothing imported', `A member keeps at most ${deps.collectionLimits.maxCollections} collections. Import into an existing one.`);
    return fail(c, deps, 409, 'Nothing imported', `A collection holds at most ${deps.collectionLimits.maxPapers} papers; this file would add ${items.length} to it and there is room for ${r.room ?? 0}. Import into a new collection, or split the file.`);
  }
  const report = { entries: entries.length, added: r.added, already: r.already, notesSet: r.notesSet, unmatched };
  if (isApi(c)) {
    return c.json({
      collection: { id: r.collection.id, name: r.collection.name, url: new URL(collectionUrl(r.collection), deps.site.publicUrl).toString() },
      ...report,
      notFound: unmatched.map((u: Unmatched) => ({ key: u.key, title: u.title, why: u.why })),
    });
  }
  return c.html(importReportPage(frame(c, deps), { collection: r.collection, ...report }));
};

/** POST /collections/:cid/private-note (paper, note): the owner's private note; an empty one clears it. */
export const privateNoteForm = (deps: Deps) => async (c: Ctx) => {
  const viewer = c.get('viewer');
  if (!viewer) return c.redirect('/login?next=%2Fcollections', 303);
  if (viewer.suspended) return htmlError(c, deps, 403, 'Your account is suspended', 'Suspended members cannot change collections.');
  const raw = c.req.param('cid') ?? '';
  const id = /^[0-9]{1,10}$/.test(raw) ? Number(raw) : null;
  const collection = id === null ? undefined : await ownCollection(deps.database.db, id, viewer.id);
  if (!collection) return htmlError(c, deps, 404, 'Collection not found', 'There is no such collection among yours. It may have been deleted.');
  const body = await c.req.parseBody();
  const paper = parseArxivId(text(body.paper).slice(0, 100))?.id ?? null;
  const note = normalizeNote(text(body.note));
  const problem = noteProblem(note);
  if (problem) return htmlError(c, deps, 400, 'Note not saved', problem);
  const ok = paper !== null && (await setPrivateNote(deps.database.db, { collectionId: collection.id, userId: viewer.id, paperId: paper, note }));
  return ok ? c.redirect(`${collectionUrl(collection)}#paper-${paper}`, 303) : htmlError(c, deps, 404, 'Paper not found', 'That paper is not in this collection.');
};

/** GET /collections/search?q=: the member's saved papers whose title or notes hold the words. */
export const searchSavedPage = (deps: Deps) => async (c: Ctx) => {
  const viewer = c.get('viewer');
  if (!viewer) return c.redirect(`/login?next=${encodeURIComponent(c.req.url.slice(new URL(c.req.url).origin.length))}`, 303);
  const q = withoutControlChars(c.req.query('q') ?? '').replace(/\s+/g, ' ').trim();
  if (q.length > 200) return htmlError(c, deps, 400, 'Search too long', 'Search with at most 200 characters.');
  const hits = q === '' ? [] : await searchSaved(deps.database.db, viewer.id, q, MAX_SAVED_HITS);
  c.header('Cache-Control', 'private, no-store');
  return c.html(savedSearchPage(frame(c, deps), { q, hits, limit: MAX_SAVED_HITS }));
};

/** The library routes in the OpenAPI description (src/http/api/openapi.ts). */
export function libraryOpenApi() {
  const error = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
  const format = { name: 'format', in: 'path', required: true, schema: { type: 'string', enum: [...EXPORT_FORMATS] } };
  const file = {
    description: 'The file: BibTeX (application/x-bibtex), RIS (application/x-research-info-systems) or CSL-JSON (application/vnd.citationstyles.csl+json).',
    content: { 'text/plain': { schema: { type: 'string' } } },
  };
  return {
    '/api/users/{username}/collections/{slug}/export/{format}': {
      get: {
        operationId: 'exportCollection',
        summary: 'A collection as BibTeX, RIS or CSL-JSON',
        description: 'A public collection for anyone; a private one for its owner only (404 for others). The owner gets their private notes (annote, N1).',
        security: [{}, { token: [] }],
        parameters: [{ name: 'username', in: 'path', required: true, schema: { type: 'string' } }, { name: 'slug', in: 'path', required: true, schema: { type: 'string' } }, format],
        responses: { 200: file, 400: error('Unknown format.'), 404: error('No such collection, or a private one.') },
      },
    },
    '/api/users/{username}/collections/export/{format}': {
      get: {
        operationId: 'exportSavedPapers',
        summary: "Every paper a member saved (for others: those of the member's public collections)",
        security: [{}, { token: [] }],
        parameters: [{ name: 'username', in: 'path', required: true, schema: { type: 'string' } }, format],
        responses: { 200: file, 400: error('Unknown format.'), 404: error('No such member.') },
      },
    },
    '/api/collections/import': {
      post: {
        operationId: 'importLibrary',
        summary: 'Import a BibTeX, RIS or CSL-JSON file into one of your collections, or a new private one',
        description:
          'multipart/form-data with `file` and `collection` (an id) or `new_name`; or the file as the body with `?collection=` or `?new_name=`. ' +
          `Read whole or refused (400 naming the entry); at most ${IMPORT_TIER.limit} imports an hour. Answers what was added and, entry by entry, what was not found.`,
        security: [{ token: [] }],
        parameters: [
          { name: 'collection', in: 'query', schema: { type: 'integer' } },
          { name: 'new_name', in: 'query', schema: { type: 'string' } },
          { name: 'format', in: 'query', description: 'Detected from the content when left out.', schema: { type: 'string', enum: ['bibtex', 'ris', 'csl-json'] } },
        ],
        requestBody: { required: true, content: { 'multipart/form-data': { schema: { type: 'object' } }, 'text/plain': { schema: { type: 'string' } } } },
        responses: {
          200: { description: '{collection, entries, added, already, notesSet, notFound: [{key, title, why}]}', content: { 'application/json': { schema: { type: 'object' } } } },
          400: error('The file cannot be read (the message names the entry), or no target.'),
          401: error('No token.'),
          404: error('Not one of your collections.'),
          409: error('A cap would be passed; nothing was imported.'),
          413: error('The file is larger than 2 MB.'),
          429: error('Too many imports.'),
        },
      },
    },
  };
}
