/**
 * Who may do what, in one place (docs/decisions/0020-authorization-rules.md). Roles are ranked; a
 * privilege is held by the role that names it and every higher one; a suspended account holds none,
 * whatever its role. Acting on another member (suspending them, hiding what they wrote, taking their
 * submission off a list) needs a higher rank than theirs, except for admins; undoing an action needs
 * the same right as doing it, and no lower a rank than whoever did it.
 */

export type Role = 'member' | 'editor' | 'moderator' | 'admin';
export type Privilege = Exclude<Role, 'member'>;

/** Each role can do what the ones below it can. */
export const ROLE_RANK: Readonly<Record<Role, number>> = { member: 0, editor: 1, moderator: 2, admin: 3 };

/** An unknown role (a database edited by hand) ranks as a member: it grants nothing. */
const rank = (role: string): number => ROLE_RANK[role as Role] ?? 0;

export interface Account {
  id: number;
  role: string;
  suspended: boolean;
}

/** Whether `viewer` holds `privilege` now. Every role check goes through here. */
export function can(viewer: Pick<Account, 'role' | 'suspended'> | null | undefined, privilege: Privilege): boolean {
  return !!viewer && !viewer.suspended && rank(viewer.role) >= rank(privilege);
}

/**
 * Whether `actor` may act on what `target` owns (their comment, their submission): their own, anyone's
 * for an admin, else only a lower rank's. `target` null: nobody's (an imported entry).
 */
export function mayActOn(actor: Pick<Account, 'id' | 'role'>, target: Pick<Account, 'id' | 'role'> | null): boolean {
  if (!target || actor.id === target.id || actor.role === 'admin') return true;
  return rank(actor.role) > rank(target.role);
}

/**
 * Whether `actor` may undo what someone did (lift a suspension, restore a hidden comment): they need at
 * least the rank of whoever did it (`doneBy`; unknown counts as an admin), so a moderator does not undo
 * an admin's decision.
 */
export function mayUndo(actor: Pick<Account, 'role'>, doneBy: { role: string } | null | undefined): boolean {
  return rank(actor.role) >= rank(doneBy?.role ?? 'admin');
}

/**
 * Why `actor` may not suspend (or unsuspend) `target`, or null when they may. The same rules both ways:
 * moderators act on members and editors, admins also on moderators; admins are never suspended from
 * the site (their role is changed with the command line first); nobody acts on themselves. Lifting a
 * suspension also needs at least the rank of whoever imposed it (`suspendedBy`; unknown counts as an
 * admin): a moderator does not undo an admin's decision.
 */
export function suspensionProblem(
  actor: Account,
  target: Pick<Account, 'id' | 'role'>,
  action: 'suspend' | 'unsuspend',
  suspendedBy?: { role: string } | null,
): string | null {
  if (!can(actor, 'moderator')) return 'Only moderators and admins suspend members.';
  if (actor.id === target.id) return 'Moderators cannot suspend or unsuspend themselves.';
  if (target.role === 'admin') return 'Admins are not suspended from the site: change their role with `dailypapers users set-role` first.';
  if (rank(actor.role) <= rank(target.role)) return `Only admins suspend or unsuspend ${target.role}s.`;
  // The actor is a moderator or an admin here, so only an admin's suspension is out of a moderator's reach.
  if (action === 'unsuspend' && !mayUndo(actor, suspendedBy)) return 'An admin suspended this member: only an admin lifts it.';
  return null;
}
