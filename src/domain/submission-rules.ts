/**
 * Who may put which paper on a day's list. Each rule is a named constant with its default, set by
 * configuration (SUBMIT_* variables); each refusal carries the reason shown to the member.
 */
import { can } from './permissions.ts';

export type SubmitterPolicy = 'verified' | 'claimed' | 'editors';

export interface SubmissionRules {
  /**
   * Who may submit: any member with a confirmed email ('verified', the default: an open community),
   * only members who have claimed authorship of a paper ('claimed': authors vouch for papers), or only
   * editors ('editors': a curated list, as "by AK" was at the start).
   */
  who: SubmitterPolicy;
  /** The list is for new work: a paper older than this (days after its first arXiv version) is refused. */
  maxPaperAgeDays: number;
  /** Submissions per member per day: a few is curation, dozens is spam. */
  dailyCap: number;
  /** Whether the list takes submissions on Saturdays and Sundays (arXiv announces nothing then). */
  weekends: boolean;
}

export const DEFAULT_RULES: SubmissionRules = { who: 'verified', maxPaperAgeDays: 14, dailyCap: 5, weekends: true };

/** What is known of the submitter before anything is fetched or written. */
export interface SubmitterContext {
  role: string;
  emailVerified: boolean;
  suspended: boolean;
  /** Whether the member has an approved authorship claim (for the 'claimed' policy). */
  hasClaim: boolean;
  /** The day being submitted to (YYYY-MM-DD, UTC). */
  day: string;
  submissionsToday: number;
}

/** What is known of the paper once it is in the database. */
export interface PaperContext {
  role: string;
  /** When version 1 of the paper appeared on arXiv, if known. */
  paperPublishedAt: string | null;
  now: Date;
  alreadyListed: boolean;
}

export type SubmissionContext = SubmitterContext & PaperContext;

/** Editors (and up) skip the limits; suspension is checked before (submitterRefusal). */
const isEditor = (role: string) => can({ role, suspended: false }, 'editor');

/**
 * Why this member may not submit today, or null. Checked before any arXiv call or write: an account
 * that may not submit makes the site do nothing. Editors skip the limits, not the account checks.
 */
export function submitterRefusal(rules: SubmissionRules, s: SubmitterContext): string | null {
  if (s.suspended) return 'Your account is suspended.';
  if (!s.emailVerified) return 'Please confirm your email address first: use the link we mailed you.';
  if (isEditor(s.role)) return null;
  if (rules.who === 'editors') return 'On this site only editors put papers on the list.';
  if (rules.who === 'claimed' && !s.hasClaim) return 'On this site members submit once they have claimed authorship of a paper.';
  const weekday = new Date(`${s.day}T00:00:00Z`).getUTCDay();
  if (!rules.weekends && (weekday === 0 || weekday === 6)) return 'The list takes no submissions at weekends; come back on Monday.';
  if (s.submissionsToday >= rules.dailyCap) return `You have submitted ${rules.dailyCap} papers today, the most a member may.`;
  return null;
}

/** Why this paper may not go on today's list, or null. Editors may list older papers. */
export function paperRefusal(rules: SubmissionRules, p: PaperContext): string | null {
  if (p.alreadyListed) return 'This paper is already on today’s list.';
  if (isEditor(p.role) || !p.paperPublishedAt) return null;
  const ageDays = (p.now.getTime() - new Date(p.paperPublishedAt).getTime()) / 86_400_000;
  if (ageDays > rules.maxPaperAgeDays) {
    return `This paper first appeared on arXiv ${Math.floor(ageDays)} days ago; the list takes papers up to ${rules.maxPaperAgeDays} days old.`;
  }
  return null;
}

/** The reason a submission is refused, or null when it may go on the list. */
export function submissionRefusal(rules: SubmissionRules, s: SubmissionContext): string | null {
  return submitterRefusal(rules, s) ?? paperRefusal(rules, s);
}
