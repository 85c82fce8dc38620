/**
 * A member's public profile fields (display name, bio) and their generated avatar: pure rules, no database.
 * The avatar is an SVG drawn from the name (initials on a colour from the username): no image is fetched
 * from another site, and every member has one.
 */

/** Display names: a person's name, not a paragraph. */
export const DISPLAY_NAME_MAX = 60;
/** Bios: a few lines ("PhD student at …, working on …"); longer is a blog post. */
export const BIO_MAX = 300;

export type ProfileFields = { displayName: string | null; bio: string | null };

/** Control characters (but newlines in a bio) are dropped; surrounding space trimmed; empty is null. */
function clean(v: string, keepNewlines: boolean): string | null {
  // eslint-disable-next-line no-control-regex
  const out = v.replace(keepNewlines ? /[\u0000-\u0009\u000b-\u001f\u007f]/g : /[\u0000-\u001f\u007f]/g, '').replace(/\r/g, '').trim();
  return out === '' ? null : out;
}

/** The fields to store, or the problem with them (shown to the member). */
export function parseProfileFields(input: { displayName: string; bio: string }): { ok: true; fields: ProfileFields } | { ok: false; problem: string } {
  const displayName = clean(input.displayName, false);
  const bio = clean(input.bio.replace(/\n{3,}/g, '\n\n'), true);
  if (displayName && [...displayName].length > DISPLAY_NAME_MAX) return { ok: false, problem: `The display name has at most ${DISPLAY_NAME_MAX} characters.` };
  if (bio && [...bio].length > BIO_MAX) return { ok: false, problem: `The bio has at most ${BIO_MAX} characters.` };
  return { ok: true, fields: { displayName, bio } };
}

/** One or two initials of a name ("Ada Lovelace" → "AL", "ada_l" → "A"). */
export function initials(name: string): string {
  const words = name.trim().split(/[\s_.-]+/u).filter((w) => /\p{L}|\p{N}/u.test(w));
  const first = (w: string | undefined) => (w ? ([...w].find((ch) => /\p{L}|\p{N}/u.test(ch)) ?? '') : '');
  const out = words.length > 1 ? first(words[0]) + first(words.at(-1)) : first(words[0]);
  return (out || '?').toUpperCase();
}

/**
 * The avatar's background hue (0–359) from the username: stable, spread over the wheel. The lightness is
 * fixed dark enough (30%) that white initials pass WCAG AA (above 4.5:1) on any hue.
 */
export function avatarHue(username: string): number {
  let h = 2166136261;
  for (const ch of username) h = Math.imul(h ^ ch.codePointAt(0)!, 16777619) >>> 0;
  return h % 360;
}
