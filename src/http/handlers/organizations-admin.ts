/**
 * Organizations run on this site. Admins create and edit them and name their members at
 * /admin/organizations; editors (any organization) and an organization's members (their own) attach a
 * paper to it, or detach it, from the paper's page. Every action is checked on the server: anonymous
 * requests are sent to log in (303), others without the right get 403. Forms post with the CSRF token and
 * answer 303. Known limit: Hugging Face imports own `papers.organization` (src/domain/merge.ts), so a
 * later import that names an organization for a paper sets it again.
 */
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import {
  addMember, createOrganization, findOrganization, isMember, listOrganizations, membersOf, organizationsOfMember,
  paperOrganizationId, removeMember, setPaperOrganization, updateOrganization, type OrganizationRow,
} from '../../db/queries/organizations.ts';
import { findUserByUsername, type User } from '../../db/queries/users.ts';
import { csrfToken, frame, htmlError, safeNext, type Ctx, type Deps } from '../context.ts';
import { layout } from '../views/layout.ts';
import { idFromPath } from './paper.ts';
import { can } from '../../domain/permissions.ts';

/** An organization's name is its address: letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit. */
export const ORGANIZATION_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,62}[A-Za-z0-9])?$/;
export const DISPLAY_NAME_MAX = 100;
export const AVATAR_URL_MAX = 500;
/** Organizations the admin page and the editors' choice list show. */
const LIST_LIMIT = 1000;

export interface OrganizationFields {
  fullname: string | null;
  avatarUrl: string | null;
}

/** The display name and avatar URL of a form, or what is wrong with them. */
export function organizationFieldsOf(form: Record<string, unknown>): { ok: true; value: OrganizationFields } | { ok: false; problem: string } {
  const fullname = (typeof form.fullname === 'string' ? form.fullname : '').trim();
  const avatar = (typeof form.avatar_url === 'string' ? form.avatar_url : '').trim();
  if (fullname.length > DISPLAY_NAME_MAX) return { ok: false, problem: `The display name is at most ${DISPLAY_NAME_MAX} characters.` };
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(fullname)) return { ok: false, problem: 'The display name cannot contain control characters.' };
  if (avatar !== '') {
    let url: URL | null = null;
    try {
      url = new URL(avatar);
    } catch {
      url = null;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || avatar.length > AVATAR_URL_MAX || !/^https?:\/\/[^\s"'<>]+$/i.test(avatar)) {
      return { ok: false, problem: `The avatar URL must be an http:// or https:// address of at most ${AVATAR_URL_MAX} characters.` };
    }
  }
  return { ok: true, value: { fullname: fullname || null, avatarUrl: avatar || null } };
}

export function organizationNameProblem(name: string): string | null {
  return ORGANIZATION_NAME.test(name) ? null : 'The name is 1 to 64 letters, digits, “-”, “_” or “.”, starting and ending with a letter or digit (it becomes the address /organizations/NAME).';
}

const isAdmin = (u: User) => can(u, 'admin');
const isEditor = (u: User) => can(u, 'editor');
const shownName = (o: { name: string; fullname: string | null }) => o.fullname?.trim() || o.name;
const orgPath = (name: string) => `/admin/organizations/${encodeURIComponent(name)}`;

/** The viewer when an admin; else log in (anonymous) or 403. */
async function adminOr(c: Ctx, deps: Deps, back: string): Promise<User | Response> {
  const viewer = c.get('viewer');
  if (!viewer) return c.redirect(`/login?next=${encodeURIComponent(back)}`, 303);
  if (!isAdmin(viewer)) return htmlError(c, deps, 403, 'Admins only', 'Only admins create organizations and name their members.');
  return viewer;
}

const field = (id: string, label: string, name: string, value: string, extra: { required?: boolean; hint?: string; pattern?: string } = {}) =>
  html`<label for="${id}">${label}</label><input id="${id}" type="text" name="${name}" value="${value}"${extra.required ? html` required` : ''}>${extra.hint ? html`<p class="hint">${extra.hint}</p>` : ''}`;

/** GET /admin/organizations: every organization and a form to create one. */
function listPage(c: Ctx, deps: Deps, orgs: Awaited<ReturnType<typeof listOrganizations>>, form: { name: string; fullname: string; avatarUrl: string; error: string | null }) {
  const csrf = csrfToken(c, deps);
  return layout(
    frame(c, deps),
    { title: 'Organizations', noindex: true },
    html`<div class="prose" style="max-width:none">
<h1>Organizations</h1>
<p>Members of an organization attach papers to it from the paper’s page; editors attach papers to any organization. Organizations imported from Hugging Face are listed too.</p>
${orgs.length === 0 ? html`<p class="empty">No organizations yet.</p>` : html`<div class="table-scroll"><table><thead><tr><th>Name</th><th>Display name</th><th>Members</th><th>Papers</th><th></th></tr></thead><tbody>
${orgs.map((o) => html`<tr><td><a href="/organizations/${encodeURIComponent(o.name)}">${o.name}</a></td><td>${o.fullname ?? ''}</td><td>${o.members}</td><td>${o.papers}</td><td><a href="${orgPath(o.name)}">Edit</a>${o.hfId ? ' · from Hugging Face' : ''}</td></tr>`)}
</tbody></table></div>`}
</div>
<div class="form-page" style="padding-top:12px">
<h2 id="new-org">New organization</h2>
${form.error ? html`<p class="form-error" role="alert">${form.error}</p>` : ''}
<form method="post" action="/admin/organizations">
  <input type="hidden" name="_csrf" value="${csrf}">
  ${field('org-name', 'Name', 'name', form.name, { required: true, hint: 'Letters, digits, “-”, “_”, “.”: the address /organizations/NAME. It cannot be changed later.' })}
  ${field('org-fullname', 'Display name', 'fullname', form.fullname)}
  ${field('org-avatar', 'Avatar URL', 'avatar_url', form.avatarUrl, { hint: 'An http:// or https:// address of an image (optional).' })}
  <button type="submit" class="button">Create</button>
</form>
</div>`,
  );
}

/** GET /admin/organizations/:name: edit the display name and avatar, add and remove members. */
function editPage(c: Ctx, deps: Deps, org: OrganizationRow, members: { username: string }[], state: { fullname: string; avatarUrl: string; error: string | null; memberError?: string | null; username?: string }) {
  const csrf = csrfToken(c, deps);
  const base = orgPath(org.name);
  return layout(
    frame(c, deps),
    { title: `Organization ${org.name}`, noindex: true },
    html`<div class="form-page">
<p class="meta-line"><a href="/admin/organizations">← Organizations</a></p>
<h1>${shownName(org)}</h1>
<p class="intro">Page: <a href="/organizations/${encodeURIComponent(org.name)}">/organizations/${org.name}</a>${org.hfId ? ' · imported from Hugging Face (a later import may change the display name and avatar again)' : ''}</p>
${state.error ? html`<p class="form-error" role="alert">${state.error}</p>` : ''}
<form method="post" action="${base}">
  <input type="hidden" name="_csrf" value="${csrf}">
  ${field('org-fullname', 'Display name', 'fullname', state.fullname)}
  ${field('org-avatar', 'Avatar URL', 'avatar_url', state.avatarUrl, { hint: 'An http:// or https:// address of an image (optional).' })}
  <button type="submit" class="button">Save</button>
</form>
<h2 id="members">Members</h2>
${members.length === 0 ? html`<p class="empty">No members yet.</p>` : html`<ul class="org-members">${members.map(
  (m) => html`<li><a href="/users/${m.username}">${m.username}</a> <form method="post" action="${base}/members/remove" style="display:inline"><input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="username" value="${m.username}"><button type="submit" class="link">Remove</button></form></li>`,
)}</ul>`}
${state.memberError ? html`<p class="form-error" role="alert">${state.memberError}</p>` : ''}
<form method="post" action="${base}/members">
  <input type="hidden" name="_csrf" value="${csrf}">
  ${field('org-member', 'Add a member (username)', 'username', state.username ?? '', { required: true })}
  <button type="submit" class="button">Add member</button>
</form>
</div>`,
  );
}

/** GET /admin/organizations */
export const adminList = (deps: Deps) => async (c: Ctx) => {
  const admin = await adminOr(c, deps, '/admin/organizations');
  if (admin instanceof Response) return admin;
  const orgs = await listOrganizations(deps.database.db, LIST_LIMIT);
  return c.html(listPage(c, deps, orgs, { name: '', fullname: '', avatarUrl: '', error: null }));
};

/** POST /admin/organizations (name, fullname, avatar_url) */
export const adminCreate = (deps: Deps) => async (c: Ctx) => {
  const admin = await adminOr(c, deps, '/admin/organizations');
  if (admin instanceof Response) return admin;
  const form = await c.req.parseBody();
  const name = (typeof form.name === 'string' ? form.name : '').trim();
  const fields = organizationFieldsOf(form);
  const again = async (error: string, status: 400 | 409) => {
    const orgs = await listOrganizations(deps.database.db, LIST_LIMIT);
    const str = (k: string) => (typeof form[k] === 'string' ? (form[k] as string) : '');
    return c.html(listPage(c, deps, orgs, { name: str('name'), fullname: str('fullname'), avatarUrl: str('avatar_url'), error }), status);
  };
  const problem = organizationNameProblem(name) ?? (fields.ok ? null : fields.problem);
  if (problem || !fields.ok) return again(problem ?? '', 400);
  const created = await createOrganization(deps.database.db, { name, ...fields.value, now: deps.now() });
  if (!created) return again(`There is an organization named “${name}” already.`, 409);
  return c.redirect(orgPath(name), 303);
};

/** The organization of the path, or a 404 page. */
async function orgOr(c: Ctx, deps: Deps): Promise<OrganizationRow | Response> {
  const name = c.req.param('name') ?? '';
  const org = name.length <= 100 ? await findOrganization(deps.database.db, name) : undefined;
  return org ?? htmlError(c, deps, 404, 'Organization not found', `There is no organization named “${name.slice(0, 100)}” here.`);
}

/** GET /admin/organizations/:name */
export const adminEditPage = (deps: Deps) => async (c: Ctx) => {
  const admin = await adminOr(c, deps, c.req.path);
  if (admin instanceof Response) return admin;
  const org = await orgOr(c, deps);
  if (org instanceof Response) return org;
  const members = await membersOf(deps.database.db, org.id);
  return c.html(editPage(c, deps, org, members, { fullname: org.fullname ?? '', avatarUrl: org.avatarUrl ?? '', error: null }));
};

/** POST /admin/organizations/:name (fullname, avatar_url) */
export const adminUpdate = (deps: Deps) => async (c: Ctx) => {
  const admin = await adminOr(c, deps, c.req.path);
  if (admin instanceof Response) return admin;
  const org = await orgOr(c, deps);
  if (org instanceof Response) return org;
  const form = await c.req.parseBody();
  const fields = organizationFieldsOf(form);
  if (!fields.ok) {
    const members = await membersOf(deps.database.db, org.id);
    const str = (k: string) => (typeof form[k] === 'string' ? (form[k] as string) : '');
    return c.html(editPage(c, deps, org, members, { fullname: str('fullname'), avatarUrl: str('avatar_url'), error: fields.problem }), 400);
  }
  await updateOrganization(deps.database.db, org.id, fields.value);
  return c.redirect(orgPath(org.name), 303);
};

/** POST /admin/organizations/:name/members (username) and /members/remove (username) */
export const adminMember = (deps: Deps, add: boolean) => async (c: Ctx) => {
  const admin = await adminOr(c, deps, c.req.path);
  if (admin instanceof Response) return admin;
  const org = await orgOr(c, deps);
  if (org instanceof Response) return org;
  const form = await c.req.parseBody();
  const username = (typeof form.username === 'string' ? form.username : '').trim();
  const user = username !== '' && username.length <= 64 ? await findUserByUsername(deps.database.db, username) : undefined;
  const { db } = deps.database;
  if (!user) {
    const members = await membersOf(db, org.id);
    return c.html(
      editPage(c, deps, org, members, { fullname: org.fullname ?? '', avatarUrl: org.avatarUrl ?? '', error: null, memberError: `There is no member named “${username.slice(0, 64)}”.`, username }),
      400,
    );
  }
  const changed = add ? await addMember(db, org.id, user.id, deps.now()) : await removeMember(db, org.id, user.id);
  if (!changed) return htmlError(c, deps, 409, 'Nothing to do', add ? `${user.username} is a member already.` : `${user.username} is not a member.`);
  return c.redirect(`${orgPath(org.name)}#members`, 303);
}

/** May this viewer attach papers to, or detach them from, this organization? */
async function mayUse(deps: Deps, viewer: User, organizationId: number): Promise<boolean> {
  return isEditor(viewer) || (!viewer.suspended && (await isMember(deps.database.db, organizationId, viewer.id)));
}

/** POST /papers/:id/organization (organization) and /papers/:id/organization/remove */
export const paperOrganization = (deps: Deps, attach: boolean) => async (c: Ctx) => {
  const ref = idFromPath(c);
  const form = await c.req.parseBody();
  const back = ref ? `/papers/${ref.id}` : '/';
  const next = typeof form.next === 'string' && form.next !== '' ? safeNext(form.next) : back;
  const viewer = c.get('viewer');
  if (!viewer) return c.redirect(`/login?next=${encodeURIComponent(back)}`, 303);
  if (viewer.suspended) return htmlError(c, deps, 403, 'Not allowed', 'Your account is suspended.');
  if (!ref) return htmlError(c, deps, 404, 'Not found', 'There is no such paper.');
  const { db } = deps.database;
  const current = await paperOrganizationId(db, ref.id);
  if (current === undefined) return htmlError(c, deps, 404, 'Not found', `There is no paper ${ref.id} here.`);
  // Taking a paper from an organization needs the right to that organization too.
  if (current !== null && !(await mayUse(deps, viewer, current))) {
    return htmlError(c, deps, 403, 'Not allowed', 'This paper belongs to an organization you are not a member of: an editor can change it.');
  }
  if (!attach) {
    if (current === null) return htmlError(c, deps, 409, 'Nothing to do', 'This paper is not attached to an organization.');
    await setPaperOrganization(db, ref.id, null);
    return c.redirect(next, 303);
  }
  const name = (typeof form.organization === 'string' ? form.organization : '').trim();
  const org = name !== '' && name.length <= 100 ? await findOrganization(db, name) : undefined;
  if (!org) return htmlError(c, deps, 400, 'Cannot do that', name === '' ? 'Choose an organization.' : `There is no organization named “${name.slice(0, 100)}”.`);
  if (!(await mayUse(deps, viewer, org.id))) {
    return htmlError(c, deps, 403, 'Not allowed', 'Only the members of an organization (and editors) attach papers to it.');
  }
  if (!(await setPaperOrganization(db, ref.id, org.id))) return htmlError(c, deps, 409, 'Nothing to do', `The paper is attached to ${org.name} already.`);
  return c.redirect(next, 303);
};

/**
 * The side-column form of a paper's page: attach the paper to an organization the viewer may use, or
 * detach it. Empty for anonymous visitors, suspended members and members of no organization.
 */
export async function organizationTools(c: Ctx, deps: Deps, paperId: string, current: string | null): Promise<HtmlEscapedString | string> {
  const viewer = c.get('viewer');
  if (!viewer || viewer.suspended) return '';
  const { db } = deps.database;
  const editor = isEditor(viewer);
  const choices = editor ? await listOrganizations(db, LIST_LIMIT) : await organizationsOfMember(db, viewer.id);
  if (choices.length === 0) return '';
  const canChangeCurrent = current === null || editor || choices.some((o) => o.name === current);
  if (!canChangeCurrent) return '';
  const csrf = csrfToken(c, deps);
  const others = choices.filter((o) => o.name !== current);
  return html`<div class="paper-tools org-tools"><strong>Organization</strong>
${others.length > 0 ? html`<form class="mod-form" method="post" action="/papers/${paperId}/organization">
  <input type="hidden" name="_csrf" value="${csrf}">
  <label for="org-choice">${current === null ? 'Attach to' : 'Move to'}</label>
  <select id="org-choice" name="organization" required>${others.map((o) => html`<option value="${o.name}">${shownName(o)}${o.fullname?.trim() ? ` (${o.name})` : ''}</option>`)}</select>
  <button type="submit" class="link">${current === null ? 'Attach' : 'Move'}</button>
</form>` : ''}
${current !== null ? html`<form class="mod-form" method="post" action="/papers/${paperId}/organization/remove">
  <input type="hidden" name="_csrf" value="${csrf}">
  <button type="submit" class="link">Detach from ${current}</button>
</form>` : ''}
</div>`;
}
