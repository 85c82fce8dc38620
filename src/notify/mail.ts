/** The mails of notifications (docs/decisions/0031-follows-and-notifications.md), plain text and simple HTML. */
import type { SiteConfig } from '../config.ts';
import type { Mail } from '../email/mailer.ts';
import { escapeHtml } from '../http/views/text.ts';

const FONT = 'font:15px/1.5 -apple-system,Segoe UI,Roboto,Arial,sans-serif;color:#111827';

function frame(site: SiteConfig, heading: string, inner: string): string {
  return `<!doctype html><html><body style="margin:0;background:#f7f7f8"><table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center" style="padding:24px">
<table role="presentation" width="560" cellpadding="0" cellspacing="0" style="background:#ffffff;border:1px solid #e5e7eb;border-radius:12px"><tr><td style="padding:28px">
<h1 style="margin:0 0 16px;font:700 20px -apple-system,Segoe UI,Roboto,Arial,sans-serif;color:#111827">${escapeHtml(heading)}</h1>${inner}
<p style="margin:16px 0 0;font:13px -apple-system,Segoe UI,Roboto,Arial,sans-serif;color:#6b7280">${escapeHtml(site.name)} · <a href="${escapeHtml(site.publicUrl)}/notifications#settings" style="color:#6b7280">Choose which notifications are mailed</a></p>
</td></tr></table></td></tr></table></body></html>`;
}

const para = (t: string) => `<p style="margin:0 0 14px;${FONT}">${escapeHtml(t)}</p>`;
const settingsLine = (site: SiteConfig) => `Choose which notifications are mailed: ${site.publicUrl}/notifications#settings`;

export interface FollowedPaperLine {
  id: string;
  title: string;
  /** Why: "by Jane Doe", "in cs.CL"… */
  why: string;
}

/** One mail for the new papers of a member's followed channels since their last one: the newest few, and how many more. */
export function followedPapersMail(site: SiteConfig, to: string, m: { username: string; papers: FollowedPaperLine[]; total: number }): Mail {
  const n = m.total;
  const subject = n === 1 ? `A new paper from what you follow: ${m.papers[0]!.title.slice(0, 120)}` : `${n} new papers from what you follow on ${site.name}`;
  const more = n > m.papers.length ? `…and ${n - m.papers.length} more: ${site.publicUrl}/notifications` : '';
  const text = [`Hello ${m.username},`, '', `New on ${site.name} from the authors, organizations, categories and keywords you follow:`, '',
    ...m.papers.map((p) => `- ${p.title} (${p.why})\n  ${site.publicUrl}/papers/${p.id}`), ...(more ? ['', more] : []), '',
    `All your notifications: ${site.publicUrl}/notifications`, settingsLine(site), ''].join('\n');
  const items = m.papers.map((p) => `<li style="margin:0 0 10px;${FONT}"><a href="${escapeHtml(`${site.publicUrl}/papers/${p.id}`)}" style="color:#1d4ed8">${escapeHtml(p.title)}</a><br><span style="color:#6b7280;font-size:13px">${escapeHtml(p.why)}</span></li>`).join('');
  const html = frame(site, n === 1 ? 'A new paper from what you follow' : `${n} new papers from what you follow`,
    `${para(`Hello ${m.username},`)}<ul style="padding-left:20px;margin:0 0 14px">${items}</ul>${more ? para(more) : ''}<p style="margin:0 0 14px;${FONT}"><a href="${escapeHtml(site.publicUrl)}/notifications" style="color:#1d4ed8">All your notifications</a></p>`);
  return { to, subject, text, html };
}

/** To a member whose comment got a reply. */
export function replyMail(site: SiteConfig, to: string, m: { username: string; by: string; paperTitle: string; excerpt: string; link: string }): Mail {
  const lines = [`Hello ${m.username},`, `${m.by} replied to your comment on “${m.paperTitle}”:`];
  return {
    to,
    subject: `${m.by} replied to you on ${site.name}`,
    text: `${lines.join('\n\n')}\n\n${m.excerpt.replace(/^/gm, '> ')}\n\n${m.link}\n\n${settingsLine(site)}\n`,
    html: frame(site, `${m.by} replied to you`, `${lines.map(para).join('')}${para(m.excerpt)}<p style="margin:0 0 14px;${FONT}"><a href="${escapeHtml(m.link)}" style="color:#1d4ed8">Read the reply</a></p>`),
  };
}

/** To a member whose authorship claim was decided. */
export function claimDecisionMail(site: SiteConfig, to: string, m: { username: string; approved: boolean; authorName: string; paperTitle: string; reason: string | null; link: string }): Mail {
  const lines = [`Hello ${m.username},`, m.approved
    ? `Your claim to be ${m.authorName}, author of “${m.paperTitle}”, was approved: the paper is on your profile.`
    : `Your claim to be ${m.authorName}, author of “${m.paperTitle}”, was denied.`, ...(m.reason ? [`The moderator’s reason: ${m.reason}`] : [])];
  return {
    to,
    subject: m.approved ? `Your authorship claim was approved` : `Your authorship claim was denied`,
    text: `${lines.join('\n\n')}\n\n${m.link}\n\n${settingsLine(site)}\n`,
    html: frame(site, m.approved ? 'Claim approved' : 'Claim denied', `${lines.map(para).join('')}<p style="margin:0 0 14px;${FONT}"><a href="${escapeHtml(m.link)}" style="color:#1d4ed8">Open the paper</a></p>`),
  };
}
