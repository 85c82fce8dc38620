/**
 * Subscription and digest mails, in plain text and HTML (tables and inline styles, which common mail clients
 * render; every value escaped). A digest is a list of sections: the top papers now, and later more (saved-search
 * alerts, a member's personal picks) without changing this file's callers.
 */
import type { SiteConfig } from '../config.ts';
import { describeTopics, describeTopicsUnconfirmed, shortAbstract, type DigestPeriod, type TopicChoice } from '../domain/digest.ts';
import { escapeHtml } from '../http/views/text.ts';
import type { Mail } from './mailer.ts';
import { plainLine } from '../domain/tex.ts';

const FONT = '-apple-system,Segoe UI,Roboto,Arial,sans-serif';
const e = escapeHtml;

export interface DigestPaper {
  id: string;
  title: string;
  abstract: string;
  upvotes: number;
  comments: number;
  /** The organization's display name, when the paper has one. */
  organization: string | null;
  /** Why it is there ("Picked for you": the For-you explanation). */
  why?: string;
}

/** One part of a digest, e.g. "Top papers" or "Your saved search “diffusion”". */
export interface DigestSection {
  /** Stable id (`top`, `alert:12`, `picks`): tests and previews name sections by it. */
  id: string;
  title: string;
  /** A line under the title. */
  intro?: string;
  papers: DigestPaper[];
  /** Links under the papers (an alert's search, its feed, "turn off this alert"). */
  links?: { href: string; label: string }[];
}

/** The links every subscription mail carries in its footer and headers. */
export interface SubscriberLinks {
  /** The preferences page (signed). */
  manage: string;
  /** The page with the one-button unsubscribe (signed; GET shows it, POST unsubscribes). */
  unsubscribe: string;
  /** RFC 8058's one-click URL (POST List-Unsubscribe=One-Click). */
  oneClick: string;
}

export function subscriberLinks(site: SiteConfig, token: string): SubscriberLinks {
  const t = encodeURIComponent(token);
  return {
    manage: `${site.publicUrl}/subscription?token=${t}`,
    unsubscribe: `${site.publicUrl}/unsubscribe?token=${t}`,
    oneClick: `${site.publicUrl}/unsubscribe/one-click?token=${t}`,
  };
}

/**
 * RFC 2369 / RFC 8058 headers: mail clients show an "Unsubscribe" button that POSTs to the one-click URL.
 * No mailto: address is given, because nothing here reads a mailbox; https is what RFC 8058 requires.
 */
export const listUnsubscribeHeaders = (links: SubscriberLinks): Record<string, string> => ({
  'List-Unsubscribe': `<${links.oneClick}>`,
  'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
});

function frame(site: SiteConfig, inner: string, footer: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"></head><body style="margin:0;background:#f7f7f8"><table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center" style="padding:24px 12px">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:640px;background:#ffffff;border:1px solid #e5e7eb;border-radius:12px"><tr><td style="padding:28px">
${inner}
</td></tr></table>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:640px"><tr><td style="padding:16px 28px;font:12px/1.5 ${FONT};color:#6b7280">${footer}</td></tr></table>
</td></tr></table></body></html>`;
}

const button = (href: string, label: string) =>
  `<p style="margin:20px 0"><a href="${e(href)}" style="display:inline-block;background:#111827;color:#ffffff;text-decoration:none;padding:10px 18px;border-radius:8px;font:600 15px ${FONT}">${e(label)}</a></p>`;
const para = (t: string) => `<p style="margin:0 0 14px;font:15px/1.5 ${FONT};color:#111827">${e(t)}</p>`;

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export interface ConfirmationDetails {
  frequency: 'daily' | 'weekly';
  maxPapers: number;
  topics: TopicChoice;
}

/** The choices, without anything the requester typed (`describeTopicsUnconfirmed`): the address has not said yes yet. */
const choiceLine = (d: ConfirmationDetails) =>
  `${d.frequency === 'daily' ? 'Daily, on the evenings arXiv announces new papers' : 'Weekly'}: up to ${plural(d.maxPapers, 'paper')} about ${describeTopicsUnconfirmed(d.topics)}.`;

/** Double opt-in: nothing else is sent to the address until this link is opened and confirmed. */
export function subscriptionConfirmMail(site: SiteConfig, to: string, link: string, d: ConfirmationDetails): Mail {
  const lines = [
    `Someone (we hope you) asked to receive the ${site.name} digest at this address.`,
    choiceLine(d),
    'If it was not you, ignore this mail: you will get nothing more from us.',
  ];
  return {
    to, kind: 'subscription',
    subject: `Confirm your ${site.name} digest subscription`,
    text: `${lines[0]}\n${lines[1]}\n\nConfirm it here:\n${link}\n\n${lines[2]}\n`,
    html: frame(site, `<h1 style="margin:0 0 16px;font:700 20px ${FONT};color:#111827">Confirm your subscription</h1>${para(lines[0]!)}${para(lines[1]!)}${button(link, 'Confirm my subscription')}${para(lines[2]!)}`, `${e(site.name)} · ${e(site.publicUrl)}`),
  };
}

/** To an address that is already subscribed and asked again: where to change it (says nothing to anyone else). */
export function alreadySubscribedMail(site: SiteConfig, to: string, links: SubscriberLinks): Mail {
  const lines = [`This address already receives the ${site.name} digest. Someone asked to subscribe it again.`, 'To change what you receive, or to stop, open your preferences.'];
  return {
    to, kind: 'subscription',
    subject: `Your ${site.name} digest subscription`,
    text: `${lines[0]}\n\n${lines[1]}\n${links.manage}\n`,
    html: frame(site, `${para(lines[0]!)}${para(lines[1]!)}${button(links.manage, 'Open my preferences')}`, `${e(site.name)} · ${e(site.publicUrl)}`),
  };
}

export interface DigestMailInput {
  to: string;
  period: DigestPeriod;
  sections: DigestSection[];
  topics: TopicChoice;
  links: SubscriberLinks;
}

/** The digest: its sections of papers, and the preferences and unsubscribe links in the footer and headers. */
export function digestMail(site: SiteConfig, d: DigestMailInput): Mail {
  const total = d.sections.reduce((n, s) => n + s.papers.length, 0);
  const heading = d.period.frequency === 'daily' ? `Trending papers, ${d.period.label}` : `The papers of ${d.period.label}`;
  const subject = `${heading}: ${plural(total, 'paper')} · ${site.name}`;
  const text: string[] = [heading, `Topics: ${describeTopics(d.topics)}`, ''];
  const parts: string[] = [
    `<h1 style="margin:0 0 4px;font:700 22px ${FONT};color:#111827">${e(heading)}</h1>`,
    `<p style="margin:0 0 20px;font:13px ${FONT};color:#6b7280">${e(site.name)} · topics: ${e(describeTopics(d.topics))}</p>`,
  ];
  renderSections(site, d.sections, text, parts);
  text.push('--', `You get this because you subscribed to the ${site.name} digest.`, `Preferences: ${d.links.manage}`, `Unsubscribe: ${d.links.unsubscribe}`, '');
  const footer = `You get this because you subscribed to the ${e(site.name)} digest at ${e(d.to)}.<br><a href="${e(d.links.manage)}" style="color:#6b7280">Preferences</a> · <a href="${e(d.links.unsubscribe)}" style="color:#6b7280">Unsubscribe</a>`;
  return { to: d.to, kind: 'digest', subject, text: text.join('\n'), html: frame(site, parts.join('\n'), footer), headers: listUnsubscribeHeaders(d.links) };
}

/** The papers of each section, appended to a mail's text lines and HTML parts (digests and alerts look alike). */
function renderSections(site: SiteConfig, sections: DigestSection[], text: string[], parts: string[]): void {
  const paperUrl = (id: string) => `${site.publicUrl}/papers/${id}`;
  const arxivUrl = (id: string) => `https://arxiv.org/abs/${id}`;
  const meta = (p: DigestPaper) => [p.organization, p.upvotes > 0 ? `▲ ${p.upvotes}` : null, p.comments > 0 ? plural(p.comments, 'comment') : null].filter(Boolean).join(' · ');
  for (const s of sections) {
    if (s.papers.length === 0) continue;
    text.push(`== ${s.title} ==`, ...(s.intro ? [s.intro] : []), '');
    parts.push(`<h2 style="margin:24px 0 8px;font:700 17px ${FONT};color:#111827">${e(s.title)}</h2>`);
    if (s.intro) parts.push(`<p style="margin:0 0 8px;font:14px ${FONT};color:#4b5563">${e(s.intro)}</p>`);
    parts.push('<table role="presentation" width="100%" cellpadding="0" cellspacing="0">');
    s.papers.forEach((p, i) => {
      const abstract = shortAbstract(p.abstract);
      const title = plainLine(p.title);
      const m = meta(p);
      text.push(`${i + 1}. ${title}`, ...(m ? [`   ${m}`] : []), ...(p.why ? [`   ${p.why}`] : []), ...(abstract ? [`   ${abstract}`] : []), `   ${paperUrl(p.id)}  (arXiv: ${arxivUrl(p.id)})`, '');
      parts.push(`<tr><td style="padding:12px 0;border-top:1px solid #e5e7eb">
<a href="${e(paperUrl(p.id))}" style="font:600 16px/1.35 ${FONT};color:#111827;text-decoration:none">${e(title)}</a>
${m ? `<div style="margin:4px 0 0;font:13px ${FONT};color:#6b7280">${e(m)}</div>` : ''}
${p.why ? `<div style="margin:4px 0 0;font:13px ${FONT};color:#6b7280">${e(p.why)}</div>` : ''}
${abstract ? `<div style="margin:6px 0 0;font:14px/1.5 ${FONT};color:#374151">${e(abstract)}</div>` : ''}
<div style="margin:6px 0 0;font:13px ${FONT}"><a href="${e(paperUrl(p.id))}" style="color:#2563eb">Discuss</a> · <a href="${e(arxivUrl(p.id))}" style="color:#2563eb">arXiv</a></div>
</td></tr>`);
    });
    parts.push('</table>');
    if (s.links?.length) {
      text.push(...s.links.map((l) => `${l.label}: ${l.href}`), '');
      parts.push(`<p style="margin:8px 0 0;font:13px ${FONT}">${s.links.map((l) => `<a href="${e(l.href)}" style="color:#2563eb">${e(l.label)}</a>`).join(' · ')}</p>`);
    }
  }
}

/** The signed links of an alert mail: turn off this member's alerts (GET shows a button), RFC 8058 one-click, and the settings page. */
export interface AlertLinks {
  manage: string;
  turnOff: string;
  oneClick: string;
}

export interface AlertMailInput {
  to: string;
  /** The day (`YYYY-MM-DD`) of the run. */
  day: string;
  /** One section per saved search with new papers (id `alert:ID`); each may carry its own turn-off link. */
  sections: DigestSection[];
  links: AlertLinks;
}

/** The daily saved-search alert: one mail per member listing each saved search with its new papers. */
export function alertMail(site: SiteConfig, d: AlertMailInput): Mail {
  const total = d.sections.reduce((n, s) => n + s.papers.length, 0);
  const heading = d.sections.length === 1 ? `New papers for “${d.sections[0]!.title.replace(/^“|”$/g, '')}”` : `New papers for your saved searches`;
  const subject = `${heading}: ${plural(total, 'paper')} · ${site.name}`;
  const text: string[] = [heading, d.day, ''];
  const parts: string[] = [
    `<h1 style="margin:0 0 4px;font:700 22px ${FONT};color:#111827">${e(heading)}</h1>`,
    `<p style="margin:0 0 20px;font:13px ${FONT};color:#6b7280">${e(site.name)} · ${e(d.day)}</p>`,
  ];
  renderSections(site, d.sections, text, parts);
  text.push('--', `You get this because you saved these searches on ${site.name} with alerts on.`, `Manage your saved searches: ${d.links.manage}`, `Turn off all alerts: ${d.links.turnOff}`, '');
  const footer = `You get this because you saved these searches on ${e(site.name)} with alerts on (${e(d.to)}).<br><a href="${e(d.links.manage)}" style="color:#6b7280">Manage saved searches</a> · <a href="${e(d.links.turnOff)}" style="color:#6b7280">Turn off all alerts</a>`;
  return {
    to: d.to, kind: 'alert', subject, text: text.join('\n'), html: frame(site, parts.join('\n'), footer),
    headers: { 'List-Unsubscribe': `<${d.links.oneClick}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
  };
}
