/**
 * GET /papers/ID/read: a paper's full text in the reading view (src/http/views/reading.ts). The HTML of a paper's
 * text is kept in memory for the next readers (rendering thousands of formulas is the costly part), keyed by the
 * stored version, so a re-fetched text is rendered again.
 */
import type { Context } from 'hono';
import { getFullText } from '../../db/queries/fulltext.ts';
import { storedImageHashes } from '../../db/queries/images.ts';
import { paperWithListings } from '../../db/queries/lists.ts';
import { arxivAbsUrl } from '../../domain/arxiv-id.ts';
import { frame, htmlError, type Deps } from '../context.ts';
import { errorPage } from '../views/layout.ts';
import { figureUrls, readingPage, renderFullText } from '../views/reading.ts';
import { idFromPath } from './paper.ts';
import { html } from 'hono/html';

/** Rendered texts kept (most recently read last); a rendered paper is ~100 KB to 2 MB of HTML. */
const CACHE_ENTRIES = 32;
const cache = new Map<string, string>();

export const paperRead = (deps: Deps) => async (c: Context) => {
  const ref = idFromPath(c);
  if (!ref) return htmlError(c, deps, 400, 'Not an arXiv id', 'Paper addresses use arXiv ids, like /papers/2401.01234/read.');
  if (!ref.canonical) return c.redirect(`/papers/${ref.id}/read`, 301);
  const db = deps.database.db;
  const found = await paperWithListings(db, ref.id);
  if (!found) return c.html(errorPage(frame(c, deps), 404, 'Paper not found', `There is no paper ${ref.id} here yet.`), 404);
  const text = await getFullText(db, ref.id);
  if (!text) {
    return c.html(
      errorPage(frame(c, deps), 404, 'No full text here yet', `The full text of ${ref.id} has not been fetched from arXiv yet.`, html`<p><a href="/papers/${ref.id}">Back to the paper page</a> · <a href="${arxivAbsUrl(ref.id)}" rel="noopener">Read it on arXiv ↗</a></p>`),
      404,
    );
  }
  const images = await storedImageHashes(db, figureUrls(text.markdown));
  const key = `${ref.id} ${text.version} ${text.markdown.length} ${[...images.values()].join(',')}`;
  let body = cache.get(key);
  if (body === undefined) {
    body = renderFullText(text, images);
    cache.set(key, body);
    if (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
  } else {
    cache.delete(key);
    cache.set(key, body);
  }
  return c.html(readingPage(frame(c, deps), { paper: found.paper, text, body }));
};
