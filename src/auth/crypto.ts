/** Random tokens, their stored hashes, and password hashing (argon2id). */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';

/** 256 bits of randomness, URL-safe: session cookies, mail links, CSRF tokens. */
export const newToken = (): string => randomBytes(32).toString('base64url');

/** What the database keeps of a token: its SHA-256. A token has 256 random bits, so no salt or slow hash is needed. */
export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

/**
 * The CSRF token of a signed-in browser: an HMAC keyed by its session token (256 random bits, in an HttpOnly
 * cookie), so it is bound to that session, needs no storage and no site secret, and tells nothing of the session
 * token (nor of the SHA-256 the database keeps). Same length and alphabet as newToken.
 */
export const sessionCsrfToken = (sessionToken: string): string => createHmac('sha256', sessionToken).update('csrf').digest('base64url');

export function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** argon2id with the library's defaults (m=19 MiB, t=2, p=1: OWASP's recommended minimum). */
export const hashPassword = (password: string): Promise<string> => hash(password);

export async function verifyPassword(stored: string | null, password: string): Promise<boolean> {
  if (!stored) return false;
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

/**
 * A hash to verify against when the account does not exist, so that "no such user" takes as long
 * as "wrong password" and log-in timing does not reveal which addresses have accounts.
 */
export const DUMMY_HASH = await hashPassword(newToken());
