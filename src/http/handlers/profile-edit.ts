/** POST /settings/profile: a member's display name and bio (src/domain/profile.ts), shown on their profile. */
import { html } from 'hono/html';
import { findProfile, updateProfileFields } from '../../db/queries/profiles.ts';
import { BIO_MAX, DISPLAY_NAME_MAX, parseProfileFields } from '../../domain/profile.ts';
import { htmlError, type Ctx, type Deps } from '../context.ts';

const text = (v: unknown) => (typeof v === 'string' ? v.slice(0, 5000) : '');

export const saveProfile = (deps: Deps) => async (c: Ctx) => {
  const viewer = c.get('viewer');
  if (!viewer) return c.redirect('/login?next=%2Fsettings', 303);
  if (viewer.suspended) return htmlError(c, deps, 403, 'Profile not changed', 'Your account is suspended.');
  const body = await c.req.parseBody();
  const parsed = parseProfileFields({ displayName: text(body.display_name), bio: text(body.bio) });
  if (!parsed.ok) return htmlError(c, deps, 400, 'Profile not changed', parsed.problem);
  await updateProfileFields(deps.database.db, viewer.id, parsed.fields);
  return c.redirect('/settings?notice=profile-saved#profile', 303);
};

/** The settings page's "Profile" section. */
export async function profileSection(deps: Deps, viewer: { id: number; username: string }, csrf: string) {
  const p = await findProfile(deps.database.db, viewer.username);
  return html`<h2 id="profile">Profile</h2>
  <form method="post" action="/settings/profile">
    <input type="hidden" name="_csrf" value="${csrf}">
    <label for="f-display-name">Display name</label><input id="f-display-name" name="display_name" type="text" maxlength="${DISPLAY_NAME_MAX}" value="${p?.displayName ?? ''}" autocomplete="name">
    <label for="f-bio">Bio</label><textarea id="f-bio" name="bio" rows="3" maxlength="${BIO_MAX}">${p?.bio ?? ''}</textarea>
    <p class="hint">Shown on <a href="/users/${viewer.username}">your profile</a>; plain text, at most ${BIO_MAX} characters.</p>
    <button class="button ghost" type="submit">Save the profile</button>
  </form>`;
}
