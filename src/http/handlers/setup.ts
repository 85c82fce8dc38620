/**
 * The first admin (docs/decisions/0015-account-hardening.md). Being first to sign up makes no one admin: while the
 * site has no admin, `serve` prints a one-time link (`/setup?token=…`, SETUP_TOKEN_HOURS, stored hashed) to its
 * log, for the operator. Opened by a signed-in member with a confirmed address, it makes them the admin; opened
 * by someone signed out, it makes a new account, the admin. Without a valid link, or once there is an admin,
 * /setup is the ordinary 404 page: visitors see nothing of it. (The other way: `dailypapers users create --admin`.)
 */
import { html } from 'hono/html';
import { hashPassword, hashToken, newToken } from '../../auth/crypto.ts';
import type { Database } from '../../db/connection.ts';
import { consumeSetupToken, createSetupToken, setupTokenValid } from '../../db/queries/setup.ts';
import { createUser, DuplicateUserError, findUserByEmail, findUserByUsername, hasAdmin, setRole } from '../../db/queries/users.ts';
import { emailProblem, normalizeEmail, passwordProblem, SETUP_TOKEN_HOURS, usernameProblem } from '../../domain/accounts.ts';
import { csrfToken, frame, htmlError, type Ctx, type Deps } from '../context.ts';
import { formPage } from '../views/forms.ts';
import { layout } from '../views/layout.ts';
import { sendVerification, startSession } from './account.ts';

/** When the site has no admin: a new setup link (its token kept hashed), else null. For `serve`'s log. */
export async function setupLinkIfNoAdmin(database: Database, publicUrl: string, now = new Date()): Promise<string | null> {
  if (await hasAdmin(database.db)) return null;
  const token = newToken();
  await createSetupToken(database.db, hashToken(token), now, new Date(now.getTime() + SETUP_TOKEN_HOURS * 3_600_000));
  return `${publicUrl}/setup?token=${token}`;
}

const notFound = (c: Ctx, deps: Deps) => htmlError(c, deps, 404, 'Page not found', 'There is nothing at this address. The lists start at the home page.');

/** The token of a request, when it is a valid setup link and the site still has no admin. */
async function validToken(deps: Deps, token: string): Promise<boolean> {
  return /^[\w-]{43}$/.test(token) && !(await hasAdmin(deps.database.db)) && (await setupTokenValid(deps.database.db, hashToken(token), deps.now()));
}

const field = (body: Record<string, unknown>, name: string): string => (typeof body[name] === 'string' ? (body[name] as string).slice(0, 1000) : '');

function newAdminForm(c: Ctx, deps: Deps, token: string, values: Record<string, string> = {}, errors: Record<string, string | null> = {}) {
  return formPage(frame(c, deps), {
    title: `Set up ${deps.site.name}`,
    intro: 'This one-time link makes the site’s first admin. Create the admin account here, or log in first to make an existing account the admin.',
    action: '/setup',
    submit: 'Create the admin account',
    csrf: csrfToken(c, deps),
    hidden: { token },
    fields: [
      { name: 'username', label: 'Username', value: values.username, autocomplete: 'username', error: errors.username },
      { name: 'email', label: 'Email', type: 'email', value: values.email, autocomplete: 'email', hint: 'We send a link to confirm it.', error: errors.email },
      { name: 'password', label: 'Password', type: 'password', autocomplete: 'new-password', hint: 'At least 10 characters.', error: errors.password },
    ],
    after: html`<p class="after">Already a member? <a href="/login?next=${encodeURIComponent(`/setup?token=${token}`)}">Log in</a>, then open this link again.</p>`,
  });
}

/** GET /setup?token=… */
export const setupPage = (deps: Deps) => async (c: Ctx) => {
  const token = (c.req.query('token') ?? '').slice(0, 100);
  if (!(await validToken(deps, token))) return notFound(c, deps);
  const viewer = c.get('viewer');
  if (!viewer) return c.html(newAdminForm(c, deps, token));
  if (!viewer.emailVerified) {
    return c.html(layout(frame(c, deps), { title: `Set up ${deps.site.name}`, noindex: true }, html`<div class="form-page"><h1>Set up ${deps.site.name}</h1><p>Confirm your email address first (see <a href="/settings">your settings</a>), then open this link again.</p></div>`));
  }
  return c.html(
    formPage(frame(c, deps), {
      title: `Set up ${deps.site.name}`,
      intro: `This one-time link makes the site’s first admin. Make ${viewer.username} the admin?`,
      action: '/setup',
      submit: `Make ${viewer.username} the admin`,
      csrf: csrfToken(c, deps),
      hidden: { token },
      fields: [],
    }),
  );
};

/** POST /setup (token; and username, email, password when signed out). */
export const setup = (deps: Deps) => async (c: Ctx) => {
  const body = await c.req.parseBody();
  const token = field(body, 'token');
  if (!(await validToken(deps, token))) return notFound(c, deps);
  const { db } = deps.database;
  const viewer = c.get('viewer');
  if (viewer) {
    if (!viewer.emailVerified) return htmlError(c, deps, 403, 'Not yet', 'Confirm your email address first, then open the link again.');
    if (!(await consumeSetupToken(db, hashToken(token), deps.now()))) return notFound(c, deps);
    await setRole(db, viewer.username, 'admin');
    return c.redirect('/settings?notice=admin', 303);
  }
  const values = { username: field(body, 'username').trim().toLowerCase(), email: normalizeEmail(field(body, 'email')) };
  const password = field(body, 'password');
  const errors = {
    username: usernameProblem(values.username) ?? ((await findUserByUsername(db, values.username)) ? 'That username is taken.' : null),
    email: emailProblem(values.email) ?? ((await findUserByEmail(db, values.email)) ? 'An account uses that address: log in with it, then open this link again.' : null),
    password: passwordProblem(password),
  };
  if (errors.username || errors.email || errors.password) return c.html(newAdminForm(c, deps, token, values, errors), 400);
  const passwordHash = await hashPassword(password);
  if (!(await consumeSetupToken(db, hashToken(token), deps.now()))) return notFound(c, deps);
  try {
    const user = await createUser(db, { username: values.username, email: values.email, passwordHash, role: 'admin' });
    await sendVerification(deps, user);
    await startSession(c, deps, user);
  } catch (e) {
    if (!(e instanceof DuplicateUserError)) throw e;
    // The page says what happened; the operator's next step goes to the log, where they look.
    console.error('setup: the one-time admin link was used but no admin was made (the name or address was taken meanwhile); restart `dailypapers serve` for a new link, or run `dailypapers users create --email YOU@EXAMPLE.ORG --admin`');
    return htmlError(c, deps, 409, 'No account made', 'That name or address was taken a moment ago, and this one-time link is now used up. The site’s operator can make a new one.');
  }
  return c.redirect('/settings?notice=admin', 303);
};
