/**
 * /admin/setup (admins only, like the rest of /admin): what this site has and how it is configured (database,
 * mail, embedder, background jobs, papers), and one-click actions to get papers in: harvest arXiv now, mirror
 * Hugging Face's lists for a range of days (at most SETUP_RANGE_MAX_DAYS), train the embedder. A click only
 * queues the action (setup_requests) and makes the setup-requests job due at once, so the request answers
 * at once and the page shows the progress and outcome (docs/decisions/0021-first-run-and-backfill.md).
 */
import { html } from 'hono/html';
import { enqueueSetupRequest, recentSetupRequests, setupRequestPending } from '../../db/queries/first-run.ts';
import { siteModel } from '../../db/queries/embedding-models.ts';
import { getJobRow, requestRun } from '../../db/queries/jobs.ts';
import { countPapers } from '../../db/queries/papers.ts';
import { checkDayRange, SETUP_RANGE_MAX_DAYS } from '../../domain/backfill.ts';
import { addDays } from '../../domain/dates.ts';
import { can } from '../../domain/permissions.ts';
import { SETUP_ACTIONS, type SetupAction } from '../../jobs/setup-requests.ts';
import { csrfToken, frame, htmlError, type Ctx, type Deps } from '../context.ts';
import { layout } from '../views/layout.ts';

/** Requests listed on the page. */
const REQUESTS_SHOWN = 10;
/** While an action is queued or running, the page reloads itself this often. */
const REFRESH_SECONDS = 5;

const when = (t: string | null) => (t ? t.slice(0, 19).replace('T', ' ') + ' UTC' : '–');

/** Anonymous visitors log in; everyone but admins gets 403 (as /admin/jobs). Null when the viewer is an admin. */
function refuse(c: Ctx, deps: Deps): Response | Promise<Response> | null {
  const viewer = c.get('viewer');
  if (!viewer) return c.redirect('/login?next=%2Fadmin%2Fsetup', 303);
  if (!can(viewer, 'admin')) return htmlError(c, deps, 403, 'Admins only', 'Setting up the site is for admins.');
  return null;
}

async function render(c: Ctx, deps: Deps, form: { from?: string; to?: string; error?: string } = {}, status: 200 | 400 = 200) {
  const { db } = deps.database;
  const s = deps.setupStatus;
  const papers = await countPapers(db);
  const model = (await siteModel(db)).model;
  const requests = await recentSetupRequests(db, REQUESTS_SHOWN);
  const job = await getJobRow(db, 'setup-requests');
  const pending = requests.some((r) => r.status === 'queued' || r.status === 'running');
  const csrf = csrfToken(c, deps);
  const today = deps.now().toISOString().slice(0, 10);
  const button = (action: SetupAction, label: string, fields: unknown = '') =>
    html`<form method="post" action="/admin/setup/${action}" class="setup-action"><input type="hidden" name="_csrf" value="${csrf}">${fields}<button type="submit" class="button">${label}</button></form>`;
  return c.html(
    layout(
      frame(c, deps),
      { title: 'Set up the site', noindex: true, ...(pending ? { head: html`<meta http-equiv="refresh" content="${REFRESH_SECONDS}">` } : {}) },
      html`<div class="prose" style="max-width:none">
<h1>Set up the site</h1>
<p class="meta-line"><a href="/admin/jobs">Background jobs</a> · <a href="/admin/outbox">Outbox</a></p>
<h2>What is configured</h2>
<table class="setup-status"><tbody>
<tr><th>Papers</th><td id="setup-papers">${papers}</td></tr>
<tr><th>Database</th><td>${deps.database.engine === 'sqlite' ? 'SQLite (embedded)' : 'PostgreSQL'}</td></tr>
<tr><th>Mail</th><td>${s.smtp ? 'sent through SMTP (SMTP_URL)' : html`no SMTP_URL: mail waits in the <a href="/admin/outbox">outbox</a>`}</td></tr>
<tr><th>Semantic search</th><td>${s.embedder === 'none' ? 'off (EMBEDDER=none)' : model ? html`on: the site’s model is <code>${model}</code>` : html`embedder <code>${s.embedder}</code>, no model yet${s.embedder === 'builtin' ? ': train it below once there are papers' : ''}`}</td></tr>
<tr><th>Background jobs</th><td id="setup-jobs">${s.jobsEnabled ? 'on in this instance' : 'off in this instance (JOBS_ENABLED=false): the actions below run on an instance with jobs on'}${job?.lease_until ? ' · setup actions running now' : ''}</td></tr>
</tbody></table>
<h2>Get papers in</h2>
${form.error ? html`<p class="form-error" role="alert">${form.error}</p>` : ''}
<div class="setup-actions">
<section><h3>Harvest arXiv now</h3><p>New papers of the last days in ${s.arxivCategories.join(' ') || 'the configured categories'} (HARVEST_CATEGORIES), from arXiv’s OAI-PMH interface.</p>${button('harvest-arxiv', 'Harvest arXiv now')}</section>
<section><h3>Mirror Hugging Face’s lists</h3><p>Hugging Face’s Daily Papers lists, with their upvotes, for each day of a range (at most ${SETUP_RANGE_MAX_DAYS} days; a few seconds a day).</p>
${button('mirror-hf', 'Mirror these days', html`<label for="setup-from">From</label> <input type="date" id="setup-from" name="from" value="${form.from ?? addDays(today, -6)}" required> <label for="setup-to">to</label> <input type="date" id="setup-to" name="to" value="${form.to ?? today}" required> `)}</section>
<section><h3>Train the embedder</h3><p>Trains the built-in embedder on the papers for semantic search and similar papers, then embeds them.</p>${button('train-embedder', 'Train the embedder')}</section>
</div>
<h2 id="requests">Requests</h2>
${requests.length === 0
  ? html`<p class="empty">Nothing requested yet.</p>`
  : html`<table class="setup-requests"><thead><tr><th>Action</th><th>Requested</th><th>Status</th><th>Progress or result</th></tr></thead><tbody>
${requests.map((r) => html`<tr id="setup-request-${r.id}" data-status="${r.status}"><td>${r.action}${r.action === 'mirror-hf' ? html` <small>${JSON.parse(r.params).from} – ${JSON.parse(r.params).to}</small>` : ''}</td><td>${when(r.requested_at)}</td><td class="status-${r.status}">${r.status}</td><td>${r.status === 'error' ? html`<span class="error">${r.result}</span>` : html`<small>${r.result ?? r.progress ?? ''}</small>`}</td></tr>`)}
</tbody></table>${pending ? html`<p><small>This page reloads every ${REFRESH_SECONDS} s while an action waits or runs.</small></p>` : ''}`}
</div>`,
    ),
    status,
  );
}

/** GET /admin/setup */
export const setupPage = (deps: Deps) => async (c: Ctx) => refuse(c, deps) ?? render(c, deps);

const field = (body: Record<string, unknown>, name: string) => (typeof body[name] === 'string' ? (body[name] as string).trim().slice(0, 20) : '');

/** POST /admin/setup/:action (harvest-arxiv | mirror-hf with from, to | train-embedder) */
export const setupAction = (deps: Deps) => async (c: Ctx) => {
  const refused = refuse(c, deps);
  if (refused) return refused;
  const action = c.req.param('action') ?? '';
  if (!(SETUP_ACTIONS as readonly string[]).includes(action)) return htmlError(c, deps, 404, 'No such action', 'The setup page offers: harvest arXiv, mirror Hugging Face’s lists, train the embedder.');
  const { db } = deps.database;
  const now = deps.now();
  let params: Record<string, string> = {};
  if (action === 'mirror-hf') {
    const body = await c.req.parseBody();
    const input = { from: field(body, 'from'), to: field(body, 'to') };
    const range = checkDayRange(input, now.toISOString().slice(0, 10), { maxDays: SETUP_RANGE_MAX_DAYS });
    if ('problem' in range) return render(c, deps, { ...input, error: `No request made: ${range.problem.replace(/--from YYYY-MM-DD/, 'the day it starts')}.` }, 400);
    params = range;
  }
  // A second click while the same action waits or runs queues nothing more.
  if (!(await setupRequestPending(db, action, params))) await enqueueSetupRequest(db, action, params, c.get('viewer')!.id, now);
  await requestRun(db, 'setup-requests', now);
  return c.redirect('/admin/setup#requests', 303);
};
