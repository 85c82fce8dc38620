/** The mails the site sends, each in plain text and simple HTML (tables and inline styles read everywhere). */
import type { SiteConfig } from '../config.ts';
import { escapeHtml } from '../http/views/text.ts';
import { EMAIL_CHANGE_TOKEN_HOURS, RESET_TOKEN_MINUTES, VERIFY_TOKEN_HOURS } from '../domain/accounts.ts';
import type { Mail } from './mailer.ts';

function html(site: SiteConfig, heading: string, paragraphs: string[], button: { href: string; label: string }): string {
  const p = paragraphs.map((t) => `<p style="margin:0 0 14px;font:15px/1.5 -apple-system,Segoe UI,Roboto,Arial,sans-serif;color:#111827">${escapeHtml(t)}</p>`).join('');
  return `<!doctype html><html><body style="margin:0;background:#f7f7f8"><table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center" style="padding:24px">
<table role="presentation" width="560" cellpadding="0" cellspacing="0" style="background:#ffffff;border:1px solid #e5e7eb;border-radius:12px"><tr><td style="padding:28px">
<h1 style="margin:0 0 16px;font:700 20px -apple-system,Segoe UI,Roboto,Arial,sans-serif;color:#111827">${escapeHtml(heading)}</h1>${p}
<p style="margin:20px 0"><a href="${escapeHtml(button.href)}" style="display:inline-block;background:#111827;color:#ffffff;text-decoration:none;padding:10px 18px;border-radius:8px;font:600 15px -apple-system,Segoe UI,Roboto,Arial,sans-serif">${escapeHtml(button.label)}</a></p>
<p style="margin:0;font:13px -apple-system,Segoe UI,Roboto,Arial,sans-serif;color:#6b7280">${escapeHtml(site.name)} · ${escapeHtml(site.publicUrl)}</p>
</td></tr></table></td></tr></table></body></html>`;
}

export function verifyEmailMail(site: SiteConfig, to: string, username: string, link: string): Mail {
  const lines = [`Hello ${username},`, `Please confirm that this is your address for ${site.name}. The link works for ${VERIFY_TOKEN_HOURS} hours.`, 'If you did not sign up, ignore this mail.'];
  return {
    to,
    subject: `Confirm your email for ${site.name}`,
    text: `${lines[0]}\n\n${lines[1]}\n\n${link}\n\n${lines[2]}\n`,
    html: html(site, 'Confirm your email', lines, { href: link, label: 'Confirm my email' }),
  };
}

export function resetPasswordMail(site: SiteConfig, to: string, link: string): Mail {
  const lines = [`Someone asked to reset the password of your ${site.name} account. The link works for ${RESET_TOKEN_MINUTES} minutes, once.`, 'If it was not you, ignore this mail: your password stays as it is.'];
  return {
    to,
    subject: `Reset your ${site.name} password`,
    text: `${lines[0]}\n\n${link}\n\n${lines[1]}\n`,
    html: html(site, 'Reset your password', lines, { href: link, label: 'Choose a new password' }),
  };
}

/** To a member mentioned (`@name`) in a comment: who, on which paper, the start of what they wrote, and a link to it. */
export function mentionMail(site: SiteConfig, to: string, m: { username: string; by: string; paperTitle: string; excerpt: string; link: string }): Mail {
  const lines = [`Hello ${m.username},`, `${m.by} mentioned you in a comment on “${m.paperTitle}”:`, m.excerpt];
  return {
    to,
    subject: `${m.by} mentioned you on ${site.name}`,
    text: `${lines[0]}\n\n${lines[1]}\n\n${m.excerpt.replace(/^/gm, '> ')}\n\n${m.link}\n`,
    html: html(site, `${m.by} mentioned you`, lines, { href: m.link, label: 'Read the comment' }),
  };
}

/** To the new address of a member who asked to change theirs: the link that makes the change. */
export function confirmEmailChangeMail(site: SiteConfig, to: string, username: string, link: string): Mail {
  const lines = [
    `Hello ${username},`,
    `You asked to use this address for your ${site.name} account. It takes effect when you open this link, which works for ${EMAIL_CHANGE_TOKEN_HOURS} hours, once.`,
    'If you did not ask for this, ignore this mail: nothing changes.',
  ];
  return {
    to,
    subject: `Confirm your new email for ${site.name}`,
    text: `${lines[0]}\n\n${lines[1]}\n\n${link}\n\n${lines[2]}\n`,
    html: html(site, 'Confirm your new email', lines, { href: link, label: 'Use this address' }),
  };
}

/** To the current address when a change is asked for: a warning, in case it was not its owner. */
export function emailChangeNoticeMail(site: SiteConfig, to: string, username: string, newEmail: string, settingsLink: string): Mail {
  const lines = [
    `Hello ${username},`,
    `Someone signed in to your ${site.name} account asked to change its email address to ${newEmail}. The change happens only when the link we sent to that address is opened.`,
    'If it was not you, change your password and log out everywhere in your settings now.',
  ];
  return {
    to,
    subject: `Your ${site.name} email address is about to change`,
    text: `${lines[0]}\n\n${lines[1]}\n\n${lines[2]}\n\n${settingsLink}\n`,
    html: html(site, 'Your email address is about to change', lines, { href: settingsLink, label: 'Open my settings' }),
  };
}

/**
 * To the owner of an address someone tried to sign up with: the sign-up page answers as for a new address (it
 * does not tell who has an account here), so the owner learns it here, with the way back in.
 */
export function signupAttemptMail(site: SiteConfig, to: string, username: string, resetLink: string): Mail {
  const lines = [
    `Hello ${username},`,
    `Someone tried to create a new ${site.name} account with this address, which your account (${username}) already uses. No account was made.`,
    'If it was you, log in instead; if you forgot your password, choose a new one with the link below. If it was not you, ignore this mail.',
  ];
  return {
    to,
    subject: `Someone tried to sign up to ${site.name} with your address`,
    text: `${lines[0]}\n\n${lines[1]}\n\n${lines[2]}\n\n${resetLink}\n`,
    html: html(site, 'Someone tried to sign up with your address', lines, { href: resetLink, label: 'Log in or reset my password' }),
  };
}
