/**
 * /admin/jobs (admins only): the background jobs with their schedule, next run, last run, duration,
 * status and error, the recent runs, and per job "Run now" (due at once: the next tick of any instance
 * claims it) and enable/disable. Forms post with the CSRF token and answer 303.
 */
import { html } from 'hono/html';
import { getJobRow, listJobRows, recentRuns, requestRun, setJobEnabled, type JobRow } from '../../db/queries/jobs.ts';
import { listHarvestStates } from '../../db/queries/harvest.ts';
import type { JobDefinition } from '../../jobs/types.ts';
import { csrfToken, frame, htmlError, type Ctx, type Deps } from '../context.ts';
import { layout } from '../views/layout.ts';
import { can } from '../../domain/permissions.ts';

/** Runs listed under the table. */
export const RECENT_RUNS_SHOWN = 30;

const JOB_NAME = /^[a-z0-9-]{1,64}$/;
const when = (t: string | null) => (t ? t.slice(0, 19).replace('T', ' ') + ' UTC' : '–');
const duration = (ms: number | null) => (ms === null ? '–' : ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`);

/** Anonymous visitors log in; everyone but admins gets 403. Null when the viewer is an admin. */
function refuse(c: Ctx, deps: Deps): Response | Promise<Response> | null {
  const viewer = c.get('viewer');
  if (!viewer) return c.redirect('/login?next=%2Fadmin%2Fjobs', 303);
  if (!can(viewer, 'admin')) return htmlError(c, deps, 403, 'Admins only', 'Background jobs are run by admins.');
  return null;
}

function statusOf(row: JobRow | undefined, def: JobDefinition | undefined, now: Date): string {
  if (def?.off) return 'off';
  if (!row) return 'not scheduled yet';
  if (row.lease_until && row.lease_until > now.toISOString()) return 'running';
  if (row.enabled !== 1) return 'disabled';
  return row.last_status === 'running' ? 'interrupted' : (row.last_status ?? 'never run');
}

export const jobsPage = (deps: Deps) => async (c: Ctx) => {
  const refused = refuse(c, deps);
  if (refused) return refused;
  const { db } = deps.database;
  const now = deps.now();
  const rows = new Map((await listJobRows(db)).map((r) => [r.name, r]));
  const defs = new Map(deps.jobs.map((d) => [d.name, d]));
  const names = [...deps.jobs.map((d) => d.name), ...[...rows.keys()].filter((n) => !defs.has(n)).sort()];
  const runs = await recentRuns(db, RECENT_RUNS_SHOWN);
  const harvest = await listHarvestStates(db);
  const csrf = csrfToken(c, deps);
  const form = (name: string, action: string, label: string, cls = 'small') =>
    html`<form method="post" action="/admin/jobs/${name}/${action}" style="display:inline"><input type="hidden" name="_csrf" value="${csrf}"><button type="submit" class="button ${cls}">${label}</button></form>`;
  return c.html(
    layout(
      frame(c, deps),
      { title: 'Background jobs', noindex: true },
      html`<div class="prose" style="max-width:none">
<h1>Background jobs</h1>
<p class="meta-line"><a href="/admin/outbox">Outbox</a> · <a href="/admin/organizations">Organizations</a></p>
<p>Recurring work, run by whichever instance of the site claims it first. Schedules are cron expressions (in the configured time zone), set with <code>SCHEDULE_&lt;JOB&gt;</code>, or with <code>dailypapers jobs schedule JOB CRON</code> (stored in the database, in force on every instance within a minute, no restart). “Run now” makes a job due at once; a failed job is retried with growing delays, then at its next scheduled time.</p>
<div class="table-scroll"><table class="jobs">
<thead><tr><th>Job</th><th>Schedule</th><th>Next run</th><th>Last run</th><th>Duration</th><th>Status</th><th>Error or result</th><th>Actions</th></tr></thead>
<tbody>
${names.map((name) => {
  const row = rows.get(name);
  const def = defs.get(name);
  const status = statusOf(row, def, now);
  return html`<tr id="job-${name}" data-status="${status}">
<td><strong>${name}</strong>${def ? html`<br><small>${def.description}</small>` : ''}</td>
<td><code>${row?.schedule ?? def?.schedule ?? ''}</code></td>
<td>${def?.off ? '–' : when(row?.next_run_at ?? null)}</td>
<td>${when(row?.last_started_at ?? null)}</td>
<td>${duration(row?.last_duration_ms ?? null)}</td>
<td class="status-${status.replace(/\s+/g, '-')}">${status}${row && row.attempts > 0 ? html` (${row.attempts} failure${row.attempts === 1 ? '' : 's'} in a row)` : ''}</td>
<td>${def?.off ? html`<small>${def.off}</small>` : row?.last_error ? html`<span class="error">${row.last_error}</span>` : html`<small>${row?.last_result ?? ''}</small>`}</td>
<td>${row && !def?.off ? html`${row.enabled === 1 ? form(name, 'run', 'Run now') : ''} ${form(name, row.enabled === 1 ? 'disable' : 'enable', row.enabled === 1 ? 'Disable' : 'Enable', 'small secondary')}` : ''}</td>
</tr>`;
})}
</tbody>
</table></div>
${harvest.length
  ? html`<h2>Harvest positions</h2><div class="table-scroll"><table><thead><tr><th>Source</th><th>Next list from</th><th>List in progress</th><th>Updated</th></tr></thead><tbody>
${harvest.map((s) => html`<tr><td>${s.source}</td><td>${s.cursor ?? '–'}</td><td>${s.resumption_token ? html`from ${s.list_from}, token <code>${s.resumption_token}</code>` : '–'}</td><td>${when(s.updated_at)}</td></tr>`)}
</tbody></table></div>`
  : ''}
<h2>Recent runs</h2>
${runs.length === 0 ? html`<p class="empty">No run yet.</p>` : ''}
<div class="table-scroll"><table class="runs"><tbody>
${runs.map((r) => html`<tr><td>${r.name}</td><td>${when(r.started_at)}</td><td>${r.finished_at ? duration(new Date(r.finished_at).getTime() - new Date(r.started_at).getTime()) : '–'}</td><td>${r.status}</td><td>${r.error ? html`<span class="error">${r.error}</span>` : html`<small>${r.result ?? ''}</small>`}</td></tr>`)}
</tbody></table></div>
</div>`,
    ),
  );
};

/** POST /admin/jobs/:name/run | enable | disable */
export const jobAction = (deps: Deps, action: 'run' | 'enable' | 'disable') => async (c: Ctx) => {
  const refused = refuse(c, deps);
  if (refused) return refused;
  const name = c.req.param('name') ?? '';
  const { db } = deps.database;
  if (!JOB_NAME.test(name) || !(await getJobRow(db, name))) return htmlError(c, deps, 404, 'No such job', `There is no background job named “${name}”.`);
  if (action === 'run') await requestRun(db, name, deps.now());
  else await setJobEnabled(db, name, action === 'enable');
  return c.redirect(`/admin/jobs#job-${name}`, 303);
};
