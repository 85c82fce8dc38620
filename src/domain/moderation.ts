/**
 * Moderation rules, each a named constant with its reason: why members flag things, how long the
 * texts may be, who moderates, who may suspend whom, and the actions the moderation log records.
 * The validators are pure and return a message for people, or null when the input is fine.
 */

/** Why a member flags a comment or a submission. `other` needs a few words of explanation. */
export const FLAG_REASONS = {
  spam: 'Spam or advertising',
  abuse: 'Harassment, hate or abuse',
  'off-topic': 'Off-topic for this site',
  misleading: 'Misleading, plagiarised or not a research paper',
  other: 'Something else (say what)',
} as const;
export type FlagReason = keyof typeof FLAG_REASONS;
export const FLAG_REASON_KEYS = Object.keys(FLAG_REASONS) as FlagReason[];

/** What a flag may add to its reason: a sentence or two, not an essay. */
export const FLAG_DETAILS_MAX = 500;

/** A moderator's reason (in the log, and shown to the member for a denied claim). */
export const MODERATION_REASON_MAX = 500;

/** Open flags on /moderation, oldest first; the rest wait for the next page view. */
export const FLAG_QUEUE_LIMIT = 200;

/** Rows of the moderation log per page, newest first. */
export const MODERATION_LOG_PAGE_SIZE = 100;

/** What a flag points at. */
export type FlagTarget = 'comment' | 'submission';

/** Every action the moderation log records, with how the log reads it. */
export const MODERATION_ACTIONS = {
  'hide-comment': 'hid a comment',
  'restore-comment': 'restored a comment',
  'lock-thread': 'locked a discussion',
  'unlock-thread': 'unlocked a discussion',
  'remove-submission': 'removed a submission',
  'suspend-user': 'suspended a member',
  'unsuspend-user': 'unsuspended a member',
  'dismiss-flag': 'dismissed a flag',
  'approve-claim': 'approved an authorship claim',
  'deny-claim': 'denied an authorship claim',
} as const;
export type ModerationAction = keyof typeof MODERATION_ACTIONS;

/**
 * Actions that take something away from a member or from readers need a reason, for the log and
 * for whoever asks later (a denied claim shows it to the member). Undoing them does not.
 */
export const REASON_REQUIRED: ReadonlySet<ModerationAction> = new Set([
  'hide-comment', 'lock-thread', 'remove-submission', 'suspend-user', 'deny-claim',
]);

/** Who moderates and who may act on whom: src/domain/permissions.ts (`can`, `mayActOn`, `suspensionProblem`). */

/** A flag's reason and details as a form sends them: what is wrong, or null. */
export function flagProblem(reason: string, details: string): string | null {
  if (!(FLAG_REASON_KEYS as string[]).includes(reason)) return `Choose a reason: ${FLAG_REASON_KEYS.join(', ')}.`;
  if (details.length > FLAG_DETAILS_MAX) return `The details have at most ${FLAG_DETAILS_MAX} characters.`;
  if (reason === 'other' && details.trim() === '') return 'Say in a few words what is wrong.';
  return null;
}

/** A moderator's reason for an action: what is wrong, or null. */
export function reasonProblem(action: ModerationAction, reason: string): string | null {
  if (reason.length > MODERATION_REASON_MAX) return `A reason has at most ${MODERATION_REASON_MAX} characters.`;
  if (REASON_REQUIRED.has(action) && reason.trim() === '') return 'Give a reason: it goes into the moderation log.';
  return null;
}
