/**
 * Usernames for members who sign up through GitHub or Hugging Face: made from their login there,
 * fitted to this site's rules (src/domain/accounts.ts), then numbered until one is free.
 * Pure: the caller says which names are taken.
 */
import { RESERVED_USERNAMES, USERNAME_PATTERN, usernameProblem } from './accounts.ts';

const MAX = 32;
/** Used when a login keeps no letter or digit at all (e.g. only symbols). */
const FALLBACK = 'member';

/**
 * A login as a username of this site: lowercased, accents dropped, each run of anything else (dots,
 * underscores, spaces…) one hyphen, at most 32 characters; padded when too short.
 * `Hub.JS` → `hub-js`, `__x__` → `x-member`, `Ünïcode_Dev` → `unicode-dev`.
 */
export function usernameFromLogin(login: string): string {
  let s = login
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  s = s.slice(0, MAX).replace(/-+$/, '');
  if (s === '') return FALLBACK;
  if (s.length < 3) return `${s}-${FALLBACK}`;
  return s;
}

/** `base` with `-suffix`, cut so that the whole fits in 32 characters and stays a valid name. */
function withSuffix(base: string, suffix: string): string {
  const room = MAX - suffix.length - 1;
  return `${base.slice(0, room).replace(/-+$/, '')}-${suffix}`;
}

/**
 * Names to try in order: the base itself (unless reserved), then base-2 … base-99, then
 * `random()` suffixes. Every name yielded passes usernameProblem.
 */
export function* usernameCandidates(base: string, random: () => string): Generator<string> {
  if (usernameProblem(base) === null) yield base;
  for (let n = 2; n < 100; n++) {
    const name = withSuffix(base, String(n));
    if (usernameProblem(name) === null) yield name;
  }
  for (;;) {
    const name = withSuffix(base, random());
    if (USERNAME_PATTERN.test(name) && !RESERVED_USERNAMES.has(name)) yield name;
  }
}

/** The first candidate for `login` that `taken` says is free. */
export async function freeUsername(login: string, taken: (name: string) => Promise<boolean>, random: () => string): Promise<string> {
  for (const name of usernameCandidates(usernameFromLogin(login), random)) {
    if (!(await taken(name))) return name;
  }
  throw new Error('unreachable');
}
