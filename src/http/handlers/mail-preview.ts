/**
 * GET /admin/mail-preview and /admin/mail-preview/:kind: each mail the digests send, rendered in the browser for
 * admins (HTML, or `?format=text`). Digests use this week's real papers when there are any, else samples.
 */
import { html } from 'hono/html';
import { latestListingDay } from '../../db/queries/lists.ts';
import type { Subscriber } from '../../db/queries/subscribers.ts';
import { dailyPeriod, DEFAULT_DAILY_DAYS, weeklyPeriod, type DigestPeriod } from '../../domain/digest.ts';
import { addDays } from '../../domain/dates.ts';
import { periodCandidates, sectionsFor } from '../../email/digest-run.ts';
import { alertLinks } from '../../email/alerts.ts';
import { alertMail, alreadySubscribedMail, digestMail, subscriberLinks, subscriptionConfirmMail, type DigestSection } from '../../email/digest-templates.ts';
import type { Mail } from '../../email/mailer.ts';
import { frame, htmlError, type Ctx, type Deps } from '../context.ts';
import { layout } from '../views/layout.ts';
import { can } from '../../domain/permissions.ts';

export const PREVIEW_KINDS = {
  confirmation: 'Subscription confirmation (double opt-in)',
  'already-subscribed': 'Already subscribed (someone subscribed an active address again)',
  daily: 'Daily digest',
  weekly: 'Weekly digest',
  alert: 'Saved-search alert',
} as const;
type Kind = keyof typeof PREVIEW_KINDS;

const SAMPLE: DigestSection = {
  id: 'top', title: 'Trending papers',
  papers: [
    { id: '2401.00001', title: 'A sample paper about <escaping> & “quotes”', abstract: 'This is where the abstract goes, cut to about three hundred characters at a word. '.repeat(6), upvotes: 42, comments: 3, organization: 'Example Lab' },
    { id: '2401.00002', title: 'Another sample paper', abstract: 'A shorter abstract.', upvotes: 0, comments: 0, organization: null },
  ],
};

async function previewMail(deps: Deps, kind: Kind): Promise<Mail> {
  const to = 'reader@example.org';
  const links = subscriberLinks(deps.site, 'preview-token');
  const subscriber: Subscriber = { id: 0, email: to, userId: null, status: 'active', frequency: kind === 'weekly' ? 'weekly' : 'daily', maxPapers: 10, topics: 'all', confirmSentAt: null, linkKey: '', bounceCount: 0 };
  if (kind === 'confirmation') return subscriptionConfirmMail(deps.site, to, `${deps.site.publicUrl}/subscribe/confirm?token=preview-token`, { frequency: 'daily', maxPapers: 10, topics: { categories: ['cs.CL'], keywords: ['diffusion'], organizations: [] } });
  if (kind === 'already-subscribed') return alreadySubscribedMail(deps.site, to, links);
  const now = deps.now();
  if (kind === 'alert') {
    const off = alertLinks(deps.site, 'preview-token');
    return alertMail(deps.site, {
      to, day: now.toISOString().slice(0, 10), links: off,
      sections: [{ ...SAMPLE, id: 'alert:0', title: '“diffusion language models”', intro: '2 new papers.', links: [{ href: `${deps.site.publicUrl}/papers/search?q=diffusion`, label: 'All results' }, { href: off.turnOff, label: 'Turn off this alert' }] }],
    });
  }
  const latest = (await latestListingDay(deps.database.db)) ?? now.toISOString().slice(0, 10);
  let period: DigestPeriod;
  if (kind === 'weekly') period = weeklyPeriod(latest);
  else {
    let day = latest;
    while (!DEFAULT_DAILY_DAYS.includes(new Date(`${day}T00:00:00Z`).getUTCDay())) day = addDays(day, 1);
    period = dailyPeriod(day)!;
  }
  const ranked = await periodCandidates(deps.database, period, now);
  const sections = await sectionsFor(ranked, { database: deps.database, subscriber, period, now });
  return digestMail(deps.site, { to, period, sections: sections.length > 0 ? sections : [SAMPLE], topics: 'all', links });
}

export const mailPreview = (deps: Deps) => async (c: Ctx) => {
  const viewer = c.get('viewer');
  if (!viewer) return c.redirect(`/login?next=${encodeURIComponent(c.req.path)}`, 303);
  if (!can(viewer, 'admin')) return htmlError(c, deps, 403, 'Admins only', 'Mail previews are for admins.');
  c.header('Cache-Control', 'private, no-store');
  const kind = c.req.param('kind');
  if (kind === undefined) {
    return c.html(layout(frame(c, deps), { title: 'Mail previews', noindex: true }, html`<div class="prose"><h1>Mail previews</h1><ul>${Object.entries(PREVIEW_KINDS).map(
      ([k, label]) => html`<li>${label}: <a href="/admin/mail-preview/${k}">HTML</a> · <a href="/admin/mail-preview/${k}?format=text">text</a></li>`,
    )}</ul><p><a href="/admin/outbox">Outbox</a></p></div>`));
  }
  if (!(kind in PREVIEW_KINDS)) return htmlError(c, deps, 404, 'No such mail', `Previews: ${Object.keys(PREVIEW_KINDS).join(', ')}.`);
  const mail = await previewMail(deps, kind as Kind);
  if (c.req.query('format') === 'text') return c.text(`Subject: ${mail.subject}\n${Object.entries(mail.headers ?? {}).map(([k, v]) => `${k}: ${v}\n`).join('')}\n${mail.text}`);
  return c.html(mail.html ?? '');
};
