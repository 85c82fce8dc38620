/**
 * Account rules, each a named constant with its reason. Changing one is a decision: say why in the
 * commit. The validators are pure and return a message for people, or null when the value is fine.
 */

/** Usernames: lowercase letters, digits and single hyphens, 3–32 characters, as in URLs (`/users/ada`). */
export const USERNAME_PATTERN = /^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,31}$/;

/** Names that would read as the site speaking, or collide with routes. */
export const RESERVED_USERNAMES = new Set([
  'admin', 'administrator', 'moderator', 'mod', 'root', 'system', 'staff', 'support', 'help', 'api', 'login',
  'logout', 'signup', 'settings', 'papers', 'users', 'static', 'feeds', 'about', 'docs', 'null', 'undefined',
]);

/** NIST SP 800-63B: at least 8; we ask 10, and no composition rules (they make passwords worse). */
export const PASSWORD_MIN_LENGTH = 10;
/** argon2 time grows with input: a cap stops 1 MB "passwords" from tying up the server. */
export const PASSWORD_MAX_LENGTH = 200;

/** RFC 5321's limit on a forward path. */
export const EMAIL_MAX_LENGTH = 254;

/** A session lasts this long after log-in; "log out everywhere" ends them all at once. */
export const SESSION_DAYS = 30;
/** A verification link stays valid this long: long enough for a weekend away. */
export const VERIFY_TOKEN_HOURS = 48;
/** A password-reset link is short-lived: whoever holds it can take the account. */
export const RESET_TOKEN_MINUTES = 60;
/** A link that moves the account to a new address: a day, as it is asked for by a member at the keyboard. */
export const EMAIL_CHANGE_TOKEN_HOURS = 24;

/**
 * An account without a password (made through GitHub / Hugging Face) changes its email address only this soon
 * after signing in: long enough to sign in and fill the form, too short for a session left open on a shared
 * computer to be used to move the account (and then its password reset) to another address.
 */
export const FRESH_SIGN_IN_MINUTES = 10;

/** A setup link (`serve` prints it while the site has no admin) works this long, once: a day to open it after start. */
export const SETUP_TOKEN_HOURS = 24;

/** How pages and the API name the author of what a deleted account wrote (its comments stay). */
export const DELETED_ACCOUNT = '[deleted account]';

export function usernameProblem(s: string): string | null {
  if (!USERNAME_PATTERN.test(s)) return 'Usernames have 3 to 32 lowercase letters, digits or single hyphens, and start and end with a letter or digit.';
  if (RESERVED_USERNAMES.has(s)) return 'That username is reserved; please choose another.';
  return null;
}

export function emailProblem(s: string): string | null {
  if (s.length > EMAIL_MAX_LENGTH || !/^[^\s@<>()",;:]{1,64}@[^\s@<>()",;:]+\.[^\s@<>()",;:]{2,}$/.test(s)) {
    return 'That does not look like an email address.';
  }
  return null;
}

export function passwordProblem(s: string): string | null {
  if (s.length < PASSWORD_MIN_LENGTH) return `Passwords have at least ${PASSWORD_MIN_LENGTH} characters.`;
  if (s.length > PASSWORD_MAX_LENGTH) return `Passwords have at most ${PASSWORD_MAX_LENGTH} characters.`;
  return null;
}

/** Email addresses are compared without case (the local part is case-sensitive in theory only). */
export const normalizeEmail = (s: string): string => s.trim().toLowerCase();
