/**
 * Email digests, the pure part: subscription choices and their validation, digest periods (daily on arXiv's
 * announcement days, weekly by ISO week), and which papers a subscriber gets. No I/O here; the run is
 * src/email/digest-run.ts, the mails src/email/digest-templates.ts.
 */
import { addDays, isoWeekOf, parseIsoWeek, type DayRange } from './dates.ts';
import { rankTrending } from './trending.ts';
import { plainLine } from './tex.ts';

export type Frequency = 'daily' | 'weekly';
export const FREQUENCIES: readonly Frequency[] = ['daily', 'weekly'];

/** The choices offered for "how many papers"; any whole number from 1 to MAX_PAPERS_LIMIT is accepted. */
export const MAX_PAPERS_CHOICES = [3, 5, 10, 20] as const;
export const DEFAULT_MAX_PAPERS = 10;
export const MAX_PAPERS_LIMIT = 50;
/** At most this many categories, keywords and organizations each: a digest is not a search engine. */
export const MAX_TOPIC_ITEMS = 20;
export const MAX_TOPIC_LENGTH = 80;
/** The abstract in a mail is cut to about this many characters (at a word). */
export const DIGEST_ABSTRACT_CHARS = 300;

/**
 * arXiv announces new papers Sunday to Thursday at 20:00 US Eastern time; the daily digest goes out on
 * those evenings (DIGEST_DAILY_DAYS overrides the days). Days are counted in this time zone.
 */
export const DIGEST_TIMEZONE = 'America/New_York';
/** Sunday (0) to Thursday (4). */
export const DEFAULT_DAILY_DAYS: readonly number[] = [0, 1, 2, 3, 4];
const WEEKDAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/**
 * A period that ended more than this long ago is ranked by upvotes (the votes are in); a fresher one by
 * the trending score at the end of the period (src/domain/trending.ts), which favours what is rising.
 */
export const PAST_PERIOD_HOURS = 36;

export interface Topics {
  /** arXiv categories (`cs.CL`), or whole archives (`cs`, matching every `cs.*`). */
  categories: string[];
  /** Matched case-insensitively at the start of a word in the title or abstract ("LLM" matches "LLMs"). */
  keywords: string[];
  /** Organization names (as in /organizations/NAME) or their display names. */
  organizations: string[];
}

/** Everything, or papers that match any of the topics. */
export type TopicChoice = 'all' | Topics;

/** "sun,mon,tue" → [0, 1, 2]; null when a name is not a weekday. */
export function parseDigestDays(s: string): number[] | null {
  const names = s.split(/[\s,]+/).map((x) => x.trim().toLowerCase().slice(0, 3)).filter(Boolean);
  const days = names.map((n) => WEEKDAY_NAMES.indexOf(n));
  if (days.length === 0 || days.some((d) => d < 0)) return null;
  return [...new Set(days)].sort();
}

export const formatDigestDays = (days: readonly number[]): string => days.map((d) => WEEKDAY_NAMES[d]).join(',');

/** Splits a text field on commas and new lines; trims, drops blanks and repeats. */
export function splitList(s: string): string[] {
  return [...new Set(s.split(/[,\n]+/).map((x) => x.trim().replace(/\s+/g, ' ')).filter(Boolean))];
}

const CATEGORY = /^[a-z-]+(\.[A-Za-z-]+)?$/;

/** Validates topics from a form; a message that says what is wrong, or the topics. */
export function topicsFrom(input: { everything: boolean; categories: string; keywords: string; organizations: string }): { topics: TopicChoice } | { problem: string } {
  const topics: Topics = { categories: splitList(input.categories), keywords: splitList(input.keywords), organizations: splitList(input.organizations) };
  const count = topics.categories.length + topics.keywords.length + topics.organizations.length;
  if (input.everything || count === 0) return { topics: 'all' };
  for (const [name, list] of Object.entries(topics)) {
    if (list.length > MAX_TOPIC_ITEMS) return { problem: `At most ${MAX_TOPIC_ITEMS} ${name}, please.` };
    if (list.some((x: string) => x.length > MAX_TOPIC_LENGTH)) return { problem: `Each of the ${name} has at most ${MAX_TOPIC_LENGTH} characters.` };
  }
  const bad = topics.categories.find((c) => !CATEGORY.test(c));
  if (bad) return { problem: `“${bad}” is not an arXiv category; they look like cs.CL or stat.ML (or cs for all of computer science).` };
  return { topics };
}

export const serializeTopics = (t: TopicChoice): string => JSON.stringify(t);

export function parseTopics(s: string): TopicChoice {
  try {
    const v = JSON.parse(s) as unknown;
    if (v && typeof v === 'object') {
      const o = v as Partial<Topics>;
      const list = (x: unknown) => (Array.isArray(x) ? x.filter((y): y is string => typeof y === 'string') : []);
      return { categories: list(o.categories), keywords: list(o.keywords), organizations: list(o.organizations) };
    }
  } catch {
    // stored by this code only; a bad value means everything
  }
  return 'all';
}

/** A whole number of papers from 1 to MAX_PAPERS_LIMIT, or null. */
export function maxPapersFrom(s: string | undefined): number | null {
  if (s === undefined || s === '') return DEFAULT_MAX_PAPERS;
  if (!/^\d{1,3}$/.test(s)) return null;
  const n = Number(s);
  return n >= 1 && n <= MAX_PAPERS_LIMIT ? n : null;
}

/** The calendar day at an instant in a time zone. */
export function localDay(now: Date, timeZone = DIGEST_TIMEZONE): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

const weekday = (day: string): number => new Date(`${day}T00:00:00Z`).getUTCDay();

export interface DigestPeriod {
  frequency: Frequency;
  /** `2025-11-20` (daily) or `2025-W47` (weekly): with the subscriber, what a digest is sent once for. */
  key: string;
  /** The list days it covers. */
  range: DayRange;
  /** The end of the period (UTC midnight after its last day). */
  end: Date;
  /** For the subject line: "Thursday, Nov 20" or "the week of Nov 17". */
  label: string;
}

const DAY_LABEL = new Intl.DateTimeFormat('en-US', { weekday: 'long', month: 'short', day: 'numeric', timeZone: 'UTC' });
const SHORT_LABEL = new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });

/**
 * The daily digest of `day`: the lists since the previous digest day, up to and including `day` (Sunday's
 * covers Friday to Sunday), so nothing falls between two digests. Null when `day` is not a digest day.
 */
export function dailyPeriod(day: string, digestDays: readonly number[] = DEFAULT_DAILY_DAYS): DigestPeriod | null {
  if (!digestDays.includes(weekday(day))) return null;
  let from = day;
  for (let i = 1; i <= 7; i++) {
    const d = addDays(day, -i);
    if (digestDays.includes(weekday(d))) break;
    from = d;
  }
  return {
    frequency: 'daily', key: day, range: { from, to: day }, end: new Date(`${addDays(day, 1)}T00:00:00Z`),
    label: DAY_LABEL.format(new Date(`${day}T00:00:00Z`)),
  };
}

/** The weekly digest of the ISO week that holds `day`. */
export function weeklyPeriod(day: string): DigestPeriod {
  const key = isoWeekOf(day);
  const range = parseIsoWeek(key)!;
  return { frequency: 'weekly', key, range, end: new Date(`${addDays(range.to, 1)}T00:00:00Z`), label: `the week of ${SHORT_LABEL.format(new Date(`${range.from}T00:00:00Z`))}` };
}

/**
 * The day a run without --date is for: daily, today in DIGEST_TIMEZONE (it runs on the announcement
 * evening); weekly, yesterday there (run on Monday it sends the week that just ended, on Sunday the week
 * that ends that day).
 */
export function defaultDigestDay(frequency: Frequency, now: Date, timeZone = DIGEST_TIMEZONE): string {
  const today = localDay(now, timeZone);
  return frequency === 'daily' ? today : addDays(today, -1);
}

/** A paper that may go into a digest. */
export interface DigestCandidate {
  id: string;
  title: string;
  abstract: string;
  /** Shown upvotes (imported plus members'). */
  upvotes: number;
  comments: number;
  /** When it was listed (ISO), for the trending score. */
  listedAt: string;
  categories: string[];
  organization: { name: string; fullname: string | null } | null;
}

export type Ranking = 'trending' | 'upvotes';

/** How a period's papers are ranked: trending while it is fresh, upvotes once it is well past. */
export function rankingFor(period: DigestPeriod, now: Date): Ranking {
  if (period.frequency === 'weekly') return 'upvotes';
  return now.getTime() - period.end.getTime() > PAST_PERIOD_HOURS * 3_600_000 ? 'upvotes' : 'trending';
}

/** The period's papers, best first, each once. */
export function rankCandidates(candidates: DigestCandidate[], period: DigestPeriod, now: Date): DigestCandidate[] {
  const ranking = rankingFor(period, now);
  if (ranking === 'trending') {
    const reference = now < period.end ? now : period.end;
    return rankTrending(candidates.map((c) => ({ ...c, paperId: c.id })), reference).map((r) => r.item);
  }
  const seen = new Set<string>();
  return [...candidates]
    .sort((a, b) => b.upvotes - a.upvotes || b.comments - a.comments || b.listedAt.localeCompare(a.listedAt) || a.id.localeCompare(b.id))
    .filter((c) => (seen.has(c.id) ? false : (seen.add(c.id), true)));
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A matcher for one subscriber's topics, compiled once and applied to every candidate. */
export function topicMatcher(topics: TopicChoice): (c: DigestCandidate) => boolean {
  if (topics === 'all') return () => true;
  const cats = topics.categories.map((x) => x.toLowerCase());
  const exact = new Set(cats.filter((x) => x.includes('.')));
  const archives = cats.filter((x) => !x.includes('.')).map((x) => `${x}.`);
  const orgs = new Set(topics.organizations.map((x) => x.toLowerCase()));
  const keyword = topics.keywords.length === 0 ? null : new RegExp(`(?:^|[^\\p{L}\\p{N}])(?:${topics.keywords.map(escapeRegExp).join('|')})`, 'iu');
  return (c) =>
    c.categories.some((x) => {
      const l = x.toLowerCase();
      return exact.has(l) || archives.some((a) => l.startsWith(a) || l === a.slice(0, -1));
    }) ||
    (c.organization !== null && (orgs.has(c.organization.name.toLowerCase()) || (c.organization.fullname !== null && orgs.has(c.organization.fullname.toLowerCase())))) ||
    (keyword !== null && (keyword.test(c.title) || keyword.test(c.abstract)));
}

/** A subscriber's papers: the ranked candidates that match their topics, at most `max`. Empty: no mail. */
export function selectForSubscriber(ranked: DigestCandidate[], topics: TopicChoice, max: number): DigestCandidate[] {
  const match = topicMatcher(topics);
  const out: DigestCandidate[] = [];
  for (const c of ranked) {
    if (out.length >= max) break;
    if (match(c)) out.push(c);
  }
  return out;
}

/** Cut at a word to about `n` characters, with an ellipsis. */
export function shortAbstract(s: string, n = DIGEST_ABSTRACT_CHARS): string {
  const t = plainLine(s);
  if (t.length <= n) return t;
  const cut = t.slice(0, n);
  const space = cut.lastIndexOf(' ');
  return `${(space > n * 0.6 ? cut.slice(0, space) : cut).replace(/[\s,;:.]+$/, '')}…`;
}

/**
 * Topics as a confirmation (mail or page) may show them, before the address has said yes: only the
 * validated arXiv category codes, and how many keywords and organizations were typed. The typed text
 * itself would let anyone put their words in a mail we send to any address.
 */
export function describeTopicsUnconfirmed(t: TopicChoice): string {
  if (t === 'all') return 'everything';
  const typed = t.keywords.length + t.organizations.length;
  const parts = [t.categories.join(', '), typed > 0 ? `${typed} keyword${typed === 1 ? '' : 's'} or organization${typed === 1 ? '' : 's'} (shown once you confirm)` : ''].filter(Boolean);
  return parts.join(' · ');
}

/** A readable summary of topics ("cs.CL, cs.LG · “diffusion” · Meta"), or "everything". */
export function describeTopics(t: TopicChoice): string {
  if (t === 'all') return 'everything';
  const parts = [t.categories.join(', '), t.keywords.map((k) => `“${k}”`).join(', '), t.organizations.join(', ')].filter(Boolean);
  return parts.join(' · ');
}
