/**
 * Accounts: sign up, confirm the email, log in and out, reset a forgotten password, settings.
 * Every POST has passed the CSRF check and the auth rate limit before it gets here.
 */
import { privateFeedsSection } from './for-you.ts';
import type { Context } from 'hono';
import { html } from 'hono/html';
import { deleteCookie, setCookie } from 'hono/cookie';
import { DUMMY_HASH, hashPassword, hashToken, newToken, verifyPassword } from '../../auth/crypto.ts';
import {
  createSession, createUser, createUserToken, consumeUserToken, deleteSession, deleteUserSessions, DuplicateUserError,
  findLogin, findUserByEmail, findUserById, findUserByUsername, markEmailVerified, setPassword, type User,
  confirmEmailChange, deleteAccount, emailTaken,
} from '../../db/queries/users.ts';
import {
  EMAIL_CHANGE_TOKEN_HOURS, emailProblem, FRESH_SIGN_IN_MINUTES, normalizeEmail, passwordProblem, RESET_TOKEN_MINUTES, SESSION_DAYS,
  usernameProblem, VERIFY_TOKEN_HOURS,
} from '../../domain/accounts.ts';
import { confirmEmailChangeMail, emailChangeNoticeMail, resetPasswordMail, signupAttemptMail, verifyEmailMail } from '../../email/templates.ts';
import { createApiToken, listApiTokens, revokeApiToken, revokeUserApiTokens } from '../../db/queries/tokens.ts';
import { CSRF_COOKIE, csrfToken, frame, htmlError, safeNext, secureCookies, SESSION_COOKIE, type Ctx, type Deps } from '../context.ts';
import { getCookie } from 'hono/cookie';
import { afterResponse } from '../after-response.ts';
import { throttleLogin } from '../middleware/rate-limit.ts';
import { formPage } from '../views/forms.ts';
import { profileSection } from './profile-edit.ts';
import { oauthButtons } from '../views/oauth.ts';
import { layout } from '../views/layout.ts';

/** Messages shown after a redirect; only these keys, so no text from the URL reaches the page. */
const NOTICES: Record<string, string> = {
  verified: 'Thank you: your email address is confirmed.',
  'verify-sent': 'We sent you a new confirmation link.',
  'password-changed': 'Your password is changed. Please log in with the new one.',
  'logged-out-everywhere': 'You are logged out on every other device, and your API tokens are revoked.',
  welcome: 'Welcome! We sent you a link to confirm your email address.',
  'email-sent': 'We sent a link to the new address. Your email address changes when you open it.',
  'email-changed': 'Your email address is changed.',
  'profile-saved': 'Your profile is saved.',
  admin: 'You are the admin of this site.',
  'account-deleted': 'Your account is deleted. Thank you for having been part of this community.',
  'welcome-oauth': 'Welcome! Your account is ready and your email address is confirmed. To log in with a password too, choose one through “Forgot your password?” on the log-in page.',
};
const notice = (c: Context) => NOTICES[c.req.query('notice') ?? ''] ?? null;

const field = (body: Record<string, unknown>, name: string): string => {
  const v = body[name];
  return typeof v === 'string' ? v.slice(0, 1000) : '';
};

/** Logs this browser in as `user` (also used by sign-in with GitHub / Hugging Face, handlers/oauth.ts). */
export async function startSession(c: Context, deps: Deps, user: User): Promise<void> {
  const token = newToken();
  const expires = new Date(deps.now().getTime() + SESSION_DAYS * 86_400_000);
  await createSession(deps.database.db, { tokenHash: hashToken(token), userId: user.id, expiresAt: expires.toISOString(), userAgent: c.req.header('user-agent') ?? null });
  const secure = secureCookies(deps);
  setCookie(c, SESSION_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'Lax', secure, expires });
  // A new CSRF token with the new session: a token planted before log-in is worth nothing after.
  setCookie(c, CSRF_COOKIE, newToken(), { path: '/', httpOnly: true, sameSite: 'Lax', secure });
}

export async function sendVerification(deps: Deps, user: User): Promise<void> {
  const token = newToken();
  const expires = new Date(deps.now().getTime() + VERIFY_TOKEN_HOURS * 3_600_000);
  await createUserToken(deps.database.db, { tokenHash: hashToken(token), userId: user.id, purpose: 'verify', expiresAt: expires.toISOString() });
  await deps.mailer.sendInBackground(verifyEmailMail(deps.site, user.email, user.username, `${deps.site.publicUrl}/verify?token=${token}`));
}

// ---- sign up

function signupForm(c: Context, deps: Deps, values: Record<string, string> = {}, errors: Record<string, string | null> = {}, error: string | null = null) {
  return formPage(frame(c, deps), {
    title: 'Create your account',
    intro: `Members of ${deps.site.name} upvote, submit and discuss papers.`,
    action: `/signup?next=${encodeURIComponent(safeNext(c.req.query('next')))}`,
    submit: 'Sign up',
    csrf: csrfToken(c, deps),
    honeypot: true,
    error,
    fields: [
      { name: 'username', label: 'Username', value: values.username, autocomplete: 'username', hint: 'Lowercase letters, digits and hyphens; shown with what you post.', error: errors.username },
      { name: 'email', label: 'Email', type: 'email', value: values.email, autocomplete: 'email', hint: 'We send a link to confirm it. It is never shown.', error: errors.email },
      { name: 'password', label: 'Password', type: 'password', autocomplete: 'new-password', hint: 'At least 10 characters.', error: errors.password },
    ],
    after: html`${oauthButtons(deps.oauth, safeNext(c.req.query('next')))}<p class="after">Already a member? <a href="/login">Log in</a></p>`,
  });
}

export const signupPage = (deps: Deps) => (c: Ctx) => (c.get('viewer') ? c.redirect('/settings', 303) : c.html(signupForm(c, deps)));

/**
 * POST /signup. The answer does not tell whether an account uses the address: a new address gets an account and a
 * confirmation link, a known one a mail to its owner ("someone tried to sign up with your address"), and both
 * answers are the same redirect to "check your mail", with no session (the confirmation link signs in), at the
 * same time: the password is hashed either way (argon2id: most of the time taken), and the lookup, the account
 * and the mail come after the answer (afterResponse). Usernames are public (profiles): a taken one is said so.
 */
export const signup = (deps: Deps) => async (c: Ctx) => {
  const body = await c.req.parseBody();
  if (field(body, 'website') !== '') {
    return c.html(signupForm(c, deps, {}, {}, 'Sign-up failed. If you are a person, please try again.'), 400);
  }
  const values = { username: field(body, 'username').trim().toLowerCase(), email: normalizeEmail(field(body, 'email')) };
  const password = field(body, 'password');
  const errors = { username: usernameProblem(values.username), email: emailProblem(values.email), password: passwordProblem(password) };
  if (errors.username || errors.email || errors.password) return c.html(signupForm(c, deps, values, errors), 400);
  const { db } = deps.database;
  const usernameTaken = () => c.html(signupForm(c, deps, values, { username: 'That username is taken.' }), 409);
  if (await findUserByUsername(db, values.username)) return usernameTaken();
  const passwordHash = await hashPassword(password);
  // The rest runs after the answer, so that its time does not tell a known address from a new one.
  afterResponse(c, 'sign-up', async () => {
    const owner = await findUserByEmail(db, values.email);
    if (owner) return deps.mailer.sendInBackground(signupAttemptMail(deps.site, owner.email, owner.username, `${deps.site.publicUrl}/reset`));
    try {
      await sendVerification(deps, await createUser(db, { username: values.username, email: values.email, passwordHash }));
    } catch (e) {
      // Taken a moment ago (a double click, a race for the name): nothing to do; the page said "check your mail".
      if (!(e instanceof DuplicateUserError)) throw e;
    }
  });
  return c.redirect('/signup/sent', 303);
};

/** GET /signup/sent: where every sign-up lands, whatever the address. */
export const signupSentPage = (deps: Deps) => (c: Ctx) =>
  c.html(
    layout(frame(c, deps), { title: 'Check your mail', noindex: true }, html`<div class="form-page"><h1>Check your mail</h1><p>We sent a mail to the address you gave. Open the link in it (within ${VERIFY_TOKEN_HOURS} hours) to confirm your address and sign in.</p><p class="hint">Nothing arrived? Look in the spam folder, or <a href="/login">log in</a> if you have an account here already.</p></div>`),
  );

// ---- confirm the email

export const verifyEmail = (deps: Deps) => async (c: Ctx) => {
  const token = c.req.query('token') ?? '';
  const userId = token.length <= 100 ? await consumeUserToken(deps.database.db, hashToken(token), 'verify', deps.now()) : undefined;
  if (userId === undefined) {
    return htmlError(c, deps, 400, 'This link does not work', 'It is unknown, used already or expired. Log in and ask for a new one in your settings.');
  }
  await markEmailVerified(deps.database.db, userId);
  // The link reached the address: it signs in the browser that opens it (unless one is signed in already).
  const user = c.get('viewer') ? undefined : await findUserById(deps.database.db, userId);
  if (user) await startSession(c, deps, user);
  return c.redirect(c.get('viewer') || user ? '/settings?notice=verified' : '/login?notice=verified', 303);
};

// ---- log in and out

function loginForm(c: Context, deps: Deps, login = '', error: string | null = null) {
  return formPage(frame(c, deps), {
    title: 'Log in',
    action: `/login?next=${encodeURIComponent(safeNext(c.req.query('next')))}`,
    submit: 'Log in',
    csrf: csrfToken(c, deps),
    notice: notice(c),
    error,
    fields: [
      { name: 'login', label: 'Email or username', value: login, autocomplete: 'username' },
      { name: 'password', label: 'Password', type: 'password', autocomplete: 'current-password' },
    ],
    after: html`${oauthButtons(deps.oauth, safeNext(c.req.query('next')))}<p class="after"><a href="/reset">Forgot your password?</a> · New here? <a href="/signup?next=${encodeURIComponent(safeNext(c.req.query('next')))}">Sign up</a></p>`,
  });
}

export const loginPage = (deps: Deps) => (c: Ctx) => (c.get('viewer') ? c.redirect(safeNext(c.req.query('next')), 303) : c.html(loginForm(c, deps)));

export const login = (deps: Deps) => async (c: Ctx) => {
  const body = await c.req.parseBody();
  const loginName = field(body, 'login').trim();
  const password = field(body, 'password');
  const found = loginName ? await findLogin(deps.database.db, loginName) : undefined;
  // Per name as typed (a username or an email), from any address (src/http/middleware/rate-limit.ts LOGIN_TIER).
  // Not per account: a count shared by an account's username and email would tell, by its 429, which email is
  // whose (the cost: twice the guesses per account, by username and by email).
  const throttled = await throttleLogin(c, deps, `name:${loginName.toLowerCase()}`);
  if (throttled) return c.html(loginForm(c, deps, loginName, throttled), 429);
  // The same work whether or not the account exists: timing does not tell which addresses have one.
  const ok = await verifyPassword(found?.passwordHash ?? DUMMY_HASH, password);
  if (!found || !ok) return c.html(loginForm(c, deps, loginName, 'That email or username and password do not match an account.'), 401);
  await startSession(c, deps, found.user);
  return c.redirect(safeNext(c.req.query('next')), 303);
};

export const logout = (deps: Deps) => async (c: Ctx) => {
  const token = getCookie(c, SESSION_COOKIE);
  if (token) await deleteSession(deps.database.db, hashToken(token));
  deleteCookie(c, SESSION_COOKIE, { path: '/' });
  return c.redirect('/', 303);
};

// ---- forgotten password

export const resetRequestPage = (deps: Deps) => (c: Ctx) =>
  c.html(
    formPage(frame(c, deps), {
      title: 'Reset your password',
      intro: 'We will mail you a link to choose a new password.',
      action: '/reset',
      submit: 'Send the link',
      csrf: csrfToken(c, deps),
      fields: [{ name: 'email', label: 'Email', type: 'email', autocomplete: 'email' }],
    }),
  );

export const resetRequest = (deps: Deps) => async (c: Ctx) => {
  const body = await c.req.parseBody();
  const email = normalizeEmail(field(body, 'email'));
  // The same answer at the same time either way: this form does not tell who has an account. The address is
  // looked up, the token written and the mail enqueued after the answer (and the mail sent off the request).
  if (!emailProblem(email)) {
    afterResponse(c, 'password reset request', async () => {
      const user = await findUserByEmail(deps.database.db, email);
      if (!user) return;
      const token = newToken();
      const expires = new Date(deps.now().getTime() + RESET_TOKEN_MINUTES * 60_000);
      await createUserToken(deps.database.db, { tokenHash: hashToken(token), userId: user.id, purpose: 'reset', expiresAt: expires.toISOString() });
      await deps.mailer.sendInBackground(resetPasswordMail(deps.site, user.email, `${deps.site.publicUrl}/reset/confirm?token=${token}`));
    });
  }
  return c.html(
    layout(frame(c, deps), { title: 'Check your mail', noindex: true }, html`<div class="form-page"><h1>Check your mail</h1><p>If an account uses that address, a link to reset its password is on its way. It works for ${RESET_TOKEN_MINUTES} minutes.</p></div>`),
  );
};

function resetConfirmForm(c: Context, deps: Deps, token: string, error: string | null = null) {
  return formPage(frame(c, deps), {
    title: 'Choose a new password',
    action: '/reset/confirm',
    submit: 'Save the new password',
    csrf: csrfToken(c, deps),
    hidden: { token },
    fields: [{ name: 'password', label: 'New password', type: 'password', autocomplete: 'new-password', hint: 'At least 10 characters.', error }],
  });
}

export const resetConfirmPage = (deps: Deps) => (c: Ctx) => c.html(resetConfirmForm(c, deps, (c.req.query('token') ?? '').slice(0, 100)));

export const resetConfirm = (deps: Deps) => async (c: Ctx) => {
  const body = await c.req.parseBody();
  const token = field(body, 'token');
  const password = field(body, 'password');
  const problem = passwordProblem(password);
  if (problem) return c.html(resetConfirmForm(c, deps, token, problem), 400);
  const userId = token.length <= 100 ? await consumeUserToken(deps.database.db, hashToken(token), 'reset', deps.now()) : undefined;
  if (userId === undefined) return htmlError(c, deps, 400, 'This link does not work', 'It is unknown, used already or expired. Ask for a new one.');
  await setPassword(deps.database.db, userId, await hashPassword(password));
  // Whoever was logged in with the old password is logged out, and the API tokens made then stop working.
  await deleteUserSessions(deps.database.db, userId);
  await revokeUserApiTokens(deps.database.db, userId, deps.now());
  deleteCookie(c, SESSION_COOKIE, { path: '/' });
  return c.redirect('/login?notice=password-changed', 303);
};

// ---- settings

export const settingsPage = (deps: Deps) => (c: Ctx) => renderSettings(c, deps, null);

/** The settings page; `newToken` is a just-created API token, shown this once. */
async function renderSettings(c: Ctx, deps: Deps, created: { name: string; token: string } | null) {
  const viewer = c.get('viewer');
  if (!viewer) return c.redirect(`/login?next=${encodeURIComponent('/settings')}`, 303);
  const csrf = csrfToken(c, deps);
  const note = notice(c);
  const tokens = await listApiTokens(deps.database.db, viewer.id);
  // Accounts made through GitHub / Hugging Face may have no password: they confirm a deletion with their username.
  const hasPassword = (await findLogin(deps.database.db, viewer.username))?.passwordHash != null;
  return c.html(
    layout(
      frame(c, deps),
      { title: 'Settings', noindex: true },
      html`<div class="form-page">
  <h1>Settings</h1>
  ${note ? html`<p class="notice" role="status">${note}</p>` : ''}
  <p>Signed in as <strong>${viewer.username}</strong> (${viewer.email}) · ${viewer.role}</p>
  ${viewer.emailVerified
    ? html`<p>Your email address is confirmed.</p>`
    : html`<form method="post" action="/settings/verify"><input type="hidden" name="_csrf" value="${csrf}"><p>Your email address is not confirmed yet.</p><button class="button" type="submit">Send the link again</button></form>`}
  <p><a href="/users/${viewer.username}/collections">Your collections</a> · <a href="/settings/subscription">Email digest</a> · <a href="/settings/alerts">Saved searches and alerts</a></p>
  ${await profileSection(deps, viewer, csrf)}
  ${await privateFeedsSection(deps, viewer.id, csrf)}
  <h2 id="email">Email address</h2>
  <form method="post" action="/settings/email">
    <input type="hidden" name="_csrf" value="${csrf}">
    <label for="f-new-email">New email address</label><input id="f-new-email" name="email" type="email" autocomplete="email" required>
    ${hasPassword ? html`<label for="f-email-current">Current password</label><input id="f-email-current" name="current" type="password" autocomplete="current-password" required>` : ''}
    <p class="hint">We mail a link to the new address: your address changes when you open it (within ${EMAIL_CHANGE_TOKEN_HOURS} hours). Your current address gets a notice.${hasPassword ? '' : ` Your account has no password: sign in again (log out, then in) less than ${FRESH_SIGN_IN_MINUTES} minutes before changing it.`}</p>
    <button class="button ghost" type="submit">Change the email address</button>
  </form>
  <h2>Password</h2>
  <form method="post" action="/settings/password">
    <input type="hidden" name="_csrf" value="${csrf}">
    <label for="f-current">Current password</label><input id="f-current" name="current" type="password" autocomplete="current-password" required>
    <label for="f-new">New password</label><input id="f-new" name="password" type="password" autocomplete="new-password" required>
    <button class="button" type="submit">Change the password</button>
  </form>
  <h2>Sessions</h2>
  <p class="hint">Changing or resetting the password, and this button, end your other sessions and revoke your API tokens.</p>
  <form method="post" action="/settings/logout-everywhere"><input type="hidden" name="_csrf" value="${csrf}"><button class="button ghost" type="submit">Log out everywhere else</button></form>
  <h2 id="tokens">API tokens</h2>
  <p class="hint">Programs use a token as <code>Authorization: Bearer dp_…</code> to act as you through the <a href="/docs/api">API</a>: reading, votes, comments, claims, flags and moderation. A token cannot manage your account, tokens, email or password, nor open these pages.</p>
  ${created ? html`<div class="notice" role="status"><p>Your new token “${created.name}”. Copy it now: it is not shown again.</p><p><code class="token">${created.token}</code></p></div>` : ''}
  ${tokens.length > 0
    ? html`<ul class="tokens">${tokens.map(
        (t) => html`<li><strong>${t.name}</strong> · created ${t.createdAt.slice(0, 10)} · ${t.lastUsedAt ? `last used ${t.lastUsedAt.slice(0, 16).replace('T', ' ')} UTC` : 'never used'}
        <form method="post" action="/settings/tokens/${t.id}/revoke"><input type="hidden" name="_csrf" value="${csrf}"><button class="link" type="submit">Revoke</button></form></li>`,
      )}</ul>`
    : ''}
  <form method="post" action="/settings/tokens">
    <input type="hidden" name="_csrf" value="${csrf}">
    <label for="f-token-name">Token name</label><input id="f-token-name" name="name" type="text" maxlength="60" placeholder="e.g. my paper bot" required>
    <button class="button ghost" type="submit">Create a token</button>
  </form>
  <h2 id="delete">Delete your account</h2>
  <p class="hint">Your collections, sessions and API tokens go, and your username and email address become free. Your comments stay, shown as from “[deleted account]”, and your upvotes still count. This cannot be undone.</p>
  <form method="post" action="/settings/delete">
    <input type="hidden" name="_csrf" value="${csrf}">
    ${hasPassword
      ? html`<label for="f-delete-password">Your password</label><input id="f-delete-password" name="password" type="password" autocomplete="current-password" required>`
      : html`<label for="f-delete-confirm">Type your username (${viewer.username}) to confirm</label><input id="f-delete-confirm" name="confirm" type="text" autocomplete="off" required>`}
    <button class="button danger" type="submit">Delete my account</button>
  </form>
</div>`,
    ),
  );
}

export const createToken = (deps: Deps) => async (c: Ctx) => {
  const viewer = c.get('viewer');
  if (!viewer) return c.redirect('/login?next=%2Fsettings', 303);
  const name = field(await c.req.parseBody(), 'name').trim().slice(0, 60);
  if (name === '') return htmlError(c, deps, 400, 'No token made', 'Give the token a name, to know later what uses it.');
  const token = `dp_${newToken()}`;
  await createApiToken(deps.database.db, viewer.id, name, hashToken(token), deps.now());
  return renderSettings(c, deps, { name, token });
};

export const revokeToken = (deps: Deps) => async (c: Ctx) => {
  const viewer = c.get('viewer');
  if (!viewer) return c.redirect('/login?next=%2Fsettings', 303);
  const id = Number(c.req.param('id'));
  if (!Number.isSafeInteger(id) || !(await revokeApiToken(deps.database.db, viewer.id, id, deps.now()))) {
    return htmlError(c, deps, 404, 'No such token', 'That token is not yours, or it was revoked already.');
  }
  return c.redirect('/settings#tokens', 303);
};

export const resendVerification = (deps: Deps) => async (c: Ctx) => {
  const viewer = c.get('viewer');
  if (!viewer) return c.redirect('/login?next=%2Fsettings', 303);
  if (!viewer.emailVerified) await sendVerification(deps, viewer);
  return c.redirect('/settings?notice=verify-sent', 303);
};

export const changePassword = (deps: Deps) => async (c: Ctx) => {
  const viewer = c.get('viewer');
  if (!viewer) return c.redirect('/login?next=%2Fsettings', 303);
  const body = await c.req.parseBody();
  const found = await findLogin(deps.database.db, viewer.username);
  if (!found || !(await verifyPassword(found.passwordHash, field(body, 'current')))) {
    return htmlError(c, deps, 403, 'Password not changed', 'The current password is not right.');
  }
  const problem = passwordProblem(field(body, 'password'));
  if (problem) return htmlError(c, deps, 400, 'Password not changed', problem);
  await setPassword(deps.database.db, viewer.id, await hashPassword(field(body, 'password')));
  await deleteUserSessions(deps.database.db, viewer.id);
  await revokeUserApiTokens(deps.database.db, viewer.id, deps.now());
  await startSession(c, deps, viewer);
  return c.redirect('/settings?notice=logged-out-everywhere', 303);
};

export const logoutEverywhere = (deps: Deps) => async (c: Ctx) => {
  const viewer = c.get('viewer');
  if (!viewer) return c.redirect('/login', 303);
  const fresh = await findUserById(deps.database.db, viewer.id);
  await deleteUserSessions(deps.database.db, viewer.id);
  await revokeUserApiTokens(deps.database.db, viewer.id, deps.now());
  if (fresh) await startSession(c, deps, fresh);
  return c.redirect('/settings?notice=logged-out-everywhere', 303);
};

// ---- change the email address, delete the account

/**
 * Whether the member proved again that they are who they say: their password, or, for an account without one
 * (made through GitHub / Hugging Face), a sign-in less than FRESH_SIGN_IN_MINUTES ago (a session left open on a
 * shared computer is not enough to move the account to another address, from which its password could be reset).
 */
async function reauthenticated(c: Ctx, deps: Deps, viewer: User, password: string): Promise<boolean> {
  const found = await findLogin(deps.database.db, viewer.username);
  if (!found) return false;
  if (found.passwordHash !== null) return verifyPassword(found.passwordHash, password);
  const auth = c.get('auth');
  return auth?.via === 'session' && deps.now().getTime() - Date.parse(auth.signedInAt) < FRESH_SIGN_IN_MINUTES * 60_000;
}

/**
 * POST /settings/email (email, current): mails a link to the new address (the change happens when it
 * is opened) and a notice to the current one, in case it was not its owner who asked.
 */
export const changeEmail = (deps: Deps) => async (c: Ctx) => {
  const viewer = c.get('viewer');
  if (!viewer) return c.redirect('/login?next=%2Fsettings', 303);
  const body = await c.req.parseBody();
  const email = normalizeEmail(field(body, 'email'));
  const problem = emailProblem(email) ?? (email === viewer.email ? 'That is the address your account uses already.' : null);
  if (problem) return htmlError(c, deps, 400, 'Email not changed', problem);
  if (!(await reauthenticated(c, deps, viewer, field(body, 'current')))) {
    const hasPassword = (await findLogin(deps.database.db, viewer.username))?.passwordHash != null;
    return htmlError(c, deps, 403, 'Email not changed', hasPassword ? 'The current password is not right.' : `Your account has no password: sign in again (log out, then in), then change the address within ${FRESH_SIGN_IN_MINUTES} minutes. Or choose a password through “Forgot your password?”.`);
  }
  if (await emailTaken(deps.database.db, email, viewer.id)) return htmlError(c, deps, 409, 'Email not changed', 'Another account uses that address.');
  const token = newToken();
  const expires = new Date(deps.now().getTime() + EMAIL_CHANGE_TOKEN_HOURS * 3_600_000);
  await createUserToken(deps.database.db, { tokenHash: hashToken(token), userId: viewer.id, purpose: 'email', expiresAt: expires.toISOString(), newEmail: email });
  await deps.mailer.sendInBackground(confirmEmailChangeMail(deps.site, email, viewer.username, `${deps.site.publicUrl}/settings/email/confirm?token=${token}`));
  await deps.mailer.sendInBackground(emailChangeNoticeMail(deps.site, viewer.email, viewer.username, email, `${deps.site.publicUrl}/settings`));
  return c.redirect('/settings?notice=email-sent', 303);
};

/** GET /settings/email/confirm?token=: the link mailed to the new address; it works once. */
export const confirmEmail = (deps: Deps) => async (c: Ctx) => {
  const token = c.req.query('token') ?? '';
  const r = token.length <= 100 ? await confirmEmailChange(deps.database.db, hashToken(token), deps.now()) : null;
  if (r?.ok !== true) {
    return r?.problem === 'taken'
      ? htmlError(c, deps, 409, 'Email not changed', 'Another account uses that address now.')
      : htmlError(c, deps, 400, 'This link does not work', 'It is unknown, used already or expired. Ask for a new one in your settings.');
  }
  return c.redirect(c.get('viewer') ? '/settings?notice=email-changed' : '/login?notice=email-changed', 303);
};

/** POST /settings/delete (password, or confirm=USERNAME for accounts without one): deletes the account (queries/users.ts deleteAccount). */
export const deleteAccountForm = (deps: Deps) => async (c: Ctx) => {
  const viewer = c.get('viewer');
  if (!viewer) return c.redirect('/login?next=%2Fsettings', 303);
  const body = await c.req.parseBody();
  const found = await findLogin(deps.database.db, viewer.username);
  const confirmed = found?.passwordHash ? await verifyPassword(found.passwordHash, field(body, 'password')) : field(body, 'confirm').trim().toLowerCase() === viewer.username;
  if (!confirmed) {
    return htmlError(c, deps, 403, 'Account not deleted', found?.passwordHash ? 'The password is not right.' : 'Type your username to confirm.');
  }
  await deleteAccount(deps.database.db, viewer.id, deps.now());
  deleteCookie(c, SESSION_COOKIE, { path: '/' });
  return c.redirect('/login?notice=account-deleted', 303);
};
