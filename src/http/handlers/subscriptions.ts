/**
 * Email digest subscriptions: /subscribe (anyone; double opt-in), /settings/subscription (members), the
 * signed preferences page (/subscription?token=), unsubscribing (/unsubscribe: GET shows a button, POST
 * unsubscribes; /unsubscribe/one-click is RFC 8058's POST, exempt from CSRF and authenticated by its signed
 * token), and the admins' preview of each mail (/admin/mail-preview). docs/decisions/0009-email-delivery.md.
 */
import { html } from 'hono/html';
import { hashToken, newToken } from '../../auth/crypto.ts';
import {
  activateSubscription, confirmSubscription, findSubscriberByEmail, findSubscriberForUser, linkSecret, pendingByToken,
  requestSubscription, signSubscriberLink, subscriberForLink, touchConfirmSent, unsubscribe, updatePreferences,
  type Preferences, type Subscriber,
} from '../../db/queries/subscribers.ts';
import { emailProblem, normalizeEmail } from '../../domain/accounts.ts';
import { describeTopicsUnconfirmed, maxPapersFrom, topicsFrom, type Frequency } from '../../domain/digest.ts';
import { alreadySubscribedMail, subscriberLinks, subscriptionConfirmMail } from '../../email/digest-templates.ts';
import type { User } from '../../db/queries/users.ts';
import { csrfToken, frame, htmlError, type Ctx, type Deps } from '../context.ts';
import { layout } from '../views/layout.ts';
import { DEFAULT_VALUES, messagePage, subscriptionForm, type SubscriptionValues } from '../views/subscription.ts';

/** A confirmation (or "already subscribed") mail is sent to one address at most this often. */
export const CONFIRM_RESEND_MINUTES = 10;
/** A confirmation link works this long. */
export const CONFIRM_LINK_DAYS = 7;

const str = (body: Record<string, unknown>, name: string, max = 2000): string => {
  const v = body[name];
  return typeof v === 'string' ? v.slice(0, max) : '';
};

type Parsed = { prefs: Preferences; email: string } | { problem: string; emailProblem?: string; values: SubscriptionValues };

function parseForm(body: Record<string, unknown>, askEmail: boolean): Parsed {
  const email = normalizeEmail(str(body, 'email', 300));
  const frequency = str(body, 'frequency') === 'weekly' ? 'weekly' : str(body, 'frequency') === 'daily' || str(body, 'frequency') === '' ? 'daily' : null;
  const maxPapers = maxPapersFrom(str(body, 'max_papers'));
  const t = topicsFrom({ everything: str(body, 'topics') !== 'some', categories: str(body, 'categories'), keywords: str(body, 'keywords'), organizations: str(body, 'organizations') });
  const values: SubscriptionValues = { email, frequency: (frequency ?? 'daily') as Frequency, maxPapers: maxPapers ?? DEFAULT_VALUES.maxPapers, topics: 'topics' in t ? t.topics : 'all' };
  if (askEmail) {
    const p = email === '' ? 'Please enter your email address.' : emailProblem(email);
    if (p) return { problem: 'Please check your email address.', emailProblem: p, values };
  }
  if (frequency === null) return { problem: 'Choose daily or weekly.', values };
  if (maxPapers === null) return { problem: 'The number of papers is a whole number from 1 to 50.', values };
  if ('problem' in t) return { problem: t.problem, values };
  return { email, prefs: { frequency, maxPapers, topics: t.topics } };
}

const recentlyMailed = (s: Subscriber, now: Date) => s.confirmSentAt !== null && now.getTime() - Date.parse(s.confirmSentAt) < CONFIRM_RESEND_MINUTES * 60_000;

/** Starts (or restarts) the double opt-in for an address, or tells an active subscriber where their preferences are. */
async function requestByMail(deps: Deps, email: string, prefs: Preferences, userId: number | null): Promise<void> {
  const { db } = deps.database;
  const now = deps.now();
  const existing = await findSubscriberByEmail(db, email);
  if (existing && recentlyMailed(existing, now)) return; // the link already sent still works
  if (existing?.status === 'active') {
    await touchConfirmSent(db, existing.id, now);
    const links = subscriberLinks(deps.site, signSubscriberLink(await linkSecret(db), existing));
    await deps.mailer.sendInBackground({ ...alreadySubscribedMail(deps.site, email, links), subscriberId: existing.id });
    return;
  }
  const token = newToken();
  const s = await requestSubscription(db, email, prefs, hashToken(token), now, userId);
  await deps.mailer.sendInBackground({ ...subscriptionConfirmMail(deps.site, email, `${deps.site.publicUrl}/subscribe/confirm?token=${token}`, prefs), subscriberId: s.id });
}

function feedsSection() {
  const feed = (title: string, path: string) =>
    html`<tr><td>${title}</td><td><a href="${path}.rss">RSS</a> · <a href="${path}.atom">Atom</a> · <a href="${path}.json">JSON Feed</a></td></tr>`;
  return html`<h2>Or follow a feed</h2>
<p>Add one of these feeds to your feed reader to get the lists as they come out. Every organization and arXiv category page has its own feeds too.</p>
<table><thead><tr><th>List</th><th>Feeds</th></tr></thead><tbody>
${feed('Daily papers', '/feeds/daily')}
${feed('Weekly papers', '/feeds/weekly')}
${feed('Trending papers', '/feeds/trending')}
</tbody></table>
<p>Programs can read the same lists from the <a href="/docs/api">JSON API</a>.</p>`;
}

function subscribeView(c: Ctx, deps: Deps, values: SubscriptionValues, error: string | null = null, emailError: string | null = null) {
  const viewer = c.get('viewer');
  const form = viewer
    ? html`<p>You are signed in: the digest goes to <strong>${viewer.email}</strong>. You can change it any time in <a href="/settings/subscription">your settings</a>.</p>
${subscriptionForm({ action: '/settings/subscription', csrf: csrfToken(c, deps), values, askEmail: false, submit: 'Subscribe', error })}`
    : subscriptionForm({ action: '/subscribe', csrf: csrfToken(c, deps), values, askEmail: true, submit: 'Subscribe', error, emailError });
  return layout(
    frame(c, deps),
    { title: 'Subscribe', canonical: '/subscribe' },
    html`<div class="form-page prose">
<h1>Get trending papers in your email inbox</h1>
<p>The top papers of the day (or the week), the topics you choose, one mail. No account needed; every mail has a one-click unsubscribe link.</p>
${form}
${feedsSection()}
</div>`,
  );
}

// ---- anyone: /subscribe and the confirmation link

export const subscribePage = (deps: Deps) => (c: Ctx) => c.html(subscribeView(c, deps, DEFAULT_VALUES));

export const subscribe = (deps: Deps) => async (c: Ctx) => {
  const body = await c.req.parseBody();
  if (str(body, 'website') !== '') return c.html(messagePage(frame(c, deps), 'Check your inbox', 'If the address can receive our mail, a link to confirm the subscription is on its way.'));
  const parsed = parseForm(body, true);
  if ('problem' in parsed) return c.html(subscribeView(c, deps, parsed.values, parsed.problem, parsed.emailProblem ?? null), 400);
  await requestByMail(deps, parsed.email, parsed.prefs, null);
  // The same answer whether the address is new, pending or subscribed: the page tells no one who subscribes.
  return c.html(messagePage(frame(c, deps), 'Check your inbox', `We sent a mail to ${parsed.email}. Open the link in it to confirm your subscription; nothing else is sent until you do. (Nothing there? Check the spam folder, or try again in ${CONFIRM_RESEND_MINUTES} minutes.)`));
};

const tokenParam = (c: Ctx) => (c.req.query('token') ?? '').slice(0, 100);

async function pendingFor(deps: Deps, token: string): Promise<Subscriber | undefined> {
  if (!/^[\w-]{43}$/.test(token)) return undefined;
  const s = await pendingByToken(deps.database.db, hashToken(token));
  if (!s || s.confirmSentAt === null) return s;
  return deps.now().getTime() - Date.parse(s.confirmSentAt) > CONFIRM_LINK_DAYS * 86_400_000 ? undefined : s;
}

const badConfirmLink = (c: Ctx, deps: Deps) =>
  htmlError(c, deps, 400, 'This link does not work', `The link is used, replaced by a newer one, or older than ${CONFIRM_LINK_DAYS} days. Subscribe again at /subscribe to get a new one.`);

/** GET shows a button: mail scanners that open links must not confirm (or unsubscribe) anyone. */
export const confirmPage = (deps: Deps) => async (c: Ctx) => {
  const token = tokenParam(c);
  const s = await pendingFor(deps, token);
  if (!s) return badConfirmLink(c, deps);
  const csrf = csrfToken(c, deps);
  return c.html(messagePage(frame(c, deps), 'Confirm your subscription', `Send the ${s.frequency} digest (up to ${s.maxPapers} papers about ${describeTopicsUnconfirmed(s.topics)}) to ${s.email}?`,
    html`<form method="post" action="/subscribe/confirm"><input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="token" value="${token}"><button class="button" type="submit">Yes, subscribe me</button></form>`));
};

export const confirm = (deps: Deps) => async (c: Ctx) => {
  const token = str(await c.req.parseBody(), 'token', 100);
  if (!(await pendingFor(deps, token))) return badConfirmLink(c, deps);
  const s = await confirmSubscription(deps.database.db, hashToken(token), deps.now());
  if (!s) return badConfirmLink(c, deps);
  const links = subscriberLinks(deps.site, signSubscriberLink(await linkSecret(deps.database.db), s));
  return c.html(messagePage(frame(c, deps), 'You are subscribed', `The ${s.frequency} digest will come to ${s.email}. Every mail has a link to change your choices or unsubscribe.`,
    html`<p><a href="${links.manage.replace(deps.site.publicUrl, '')}">Your preferences</a></p>`));
};

// ---- signed links: preferences and unsubscribe

async function signed(c: Ctx, deps: Deps, token: string): Promise<Subscriber | Response> {
  const s = await subscriberForLink(deps.database.db, token);
  return s ?? htmlError(c, deps, 400, 'This link does not work', 'The link is incomplete or was changed. Use the link in the latest digest you received.');
}

function preferencesView(c: Ctx, deps: Deps, s: Subscriber, token: string, values: SubscriptionValues, error: string | null, notice: string | null) {
  const csrf = csrfToken(c, deps);
  const active = s.status === 'active' || s.status === 'pending';
  return layout(frame(c, deps), { title: 'Digest preferences', noindex: true }, html`<div class="form-page">
<h1>Digest preferences</h1>
${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
<p>For <strong>${s.email}</strong> · ${s.status === 'active' ? 'subscribed' : s.status === 'pending' ? 'waiting for confirmation' : s.status === 'bounced' ? 'stopped: mail to this address bounced' : 'unsubscribed'}</p>
${subscriptionForm({ action: '/subscription', csrf, values, askEmail: false, submit: active ? 'Save' : 'Subscribe again with these choices', error, hidden: { token } })}
${s.status === 'active' || s.status === 'pending'
  ? html`<h2>Unsubscribe</h2><form method="post" action="/unsubscribe"><input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="token" value="${token}"><button class="button danger" type="submit">Unsubscribe</button></form>`
  : ''}
</div>`);
}

export const preferencesPage = (deps: Deps) => async (c: Ctx) => {
  const token = tokenParam(c);
  const s = await signed(c, deps, token);
  if (s instanceof Response) return s;
  return c.html(preferencesView(c, deps, s, token, { frequency: s.frequency, maxPapers: s.maxPapers, topics: s.topics }, null, null));
};

export const savePreferences = (deps: Deps) => async (c: Ctx) => {
  const body = await c.req.parseBody();
  const token = str(body, 'token', 100);
  const s = await signed(c, deps, token);
  if (s instanceof Response) return s;
  const parsed = parseForm(body, false);
  if ('problem' in parsed) return c.html(preferencesView(c, deps, s, token, parsed.values, parsed.problem, null), 400);
  const { db } = deps.database;
  // The signed link was mailed to the address: opening it proves the address, so it may subscribe it again.
  if (s.status === 'active' || s.status === 'pending') await updatePreferences(db, s.id, parsed.prefs, deps.now());
  else await activateSubscription(db, s.email, parsed.prefs, deps.now(), s.userId);
  const now = (await subscriberForLink(db, token))!;
  return c.html(preferencesView(c, deps, now, token, { frequency: now.frequency, maxPapers: now.maxPapers, topics: now.topics }, null, 'Saved.'));
};

export const unsubscribePage = (deps: Deps) => async (c: Ctx) => {
  const token = tokenParam(c);
  const s = await signed(c, deps, token);
  if (s instanceof Response) return s;
  if (s.status !== 'active' && s.status !== 'pending') return c.html(messagePage(frame(c, deps), 'You are unsubscribed', `${s.email} gets no digest from ${deps.site.name}.`));
  const csrf = csrfToken(c, deps);
  return c.html(messagePage(frame(c, deps), 'Unsubscribe', `Stop sending the ${deps.site.name} digest to ${s.email}?`,
    html`<form method="post" action="/unsubscribe"><input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="token" value="${token}"><button class="button danger" type="submit">Unsubscribe</button></form>
<p class="hint">Or <a href="/subscription?token=${token}">change what you receive</a>.</p>`));
};

export const unsubscribeForm = (deps: Deps) => async (c: Ctx) => {
  const token = str(await c.req.parseBody(), 'token', 100);
  const s = await signed(c, deps, token);
  if (s instanceof Response) return s;
  await unsubscribe(deps.database.db, s.id, deps.now());
  return c.html(messagePage(frame(c, deps), 'You are unsubscribed', `${s.email} gets no more digests. Changed your mind?`,
    html`<p><a href="/subscription?token=${token}">Subscribe again</a></p>`));
};

/** RFC 8058: a mail client POSTs `List-Unsubscribe=One-Click` here, without cookies; the signed token is the authority. */
export const oneClickUnsubscribe = (deps: Deps) => async (c: Ctx) => {
  const s = await subscriberForLink(deps.database.db, tokenParam(c));
  if (!s) return c.text('This unsubscribe link is not valid.', 400);
  await unsubscribe(deps.database.db, s.id, deps.now());
  return c.text(`${s.email} is unsubscribed.`, 200);
};

// ---- members: /settings/subscription

/**
 * The subscription this account manages: only once its address is confirmed. Anyone can sign up with
 * someone else's address; until they prove it is theirs, its subscription is not theirs to see or change.
 */
const managedSubscription = (deps: Deps, viewer: User): Promise<Subscriber | undefined> =>
  viewer.emailVerified ? findSubscriberForUser(deps.database.db, viewer.id, viewer.email) : Promise.resolve(undefined);

export const settingsSubscriptionPage = (deps: Deps) => async (c: Ctx) => {
  const viewer = c.get('viewer');
  if (!viewer) return c.redirect('/login?next=%2Fsettings%2Fsubscription', 303);
  const s = await managedSubscription(deps, viewer);
  return c.html(memberView(c, deps, s, s ? { frequency: s.frequency, maxPapers: s.maxPapers, topics: s.topics } : DEFAULT_VALUES, null, notice(c)));
};

const NOTICES: Record<string, string> = {
  subscribed: 'You are subscribed.',
  saved: 'Saved.',
  'confirm-sent': 'We sent a link to your address: the digest starts when you open it.',
  unsubscribed: 'You are unsubscribed.',
};
const notice = (c: Ctx) => NOTICES[c.req.query('notice') ?? ''] ?? null;

function memberView(c: Ctx, deps: Deps, s: Subscriber | undefined, values: SubscriptionValues, error: string | null, note: string | null) {
  const viewer = c.get('viewer')!;
  const csrf = csrfToken(c, deps);
  const active = s?.status === 'active';
  return layout(frame(c, deps), { title: 'Email digest', noindex: true }, html`<div class="form-page">
<h1>Email digest</h1>
${note ? html`<p class="notice" role="status">${note}</p>` : ''}
<p>${active ? html`The digest goes to <strong>${s!.email}</strong>.` : s?.status === 'pending' ? html`Waiting for you to confirm <strong>${s.email}</strong>.` : html`Get the top papers in your inbox at <strong>${viewer.email}</strong>.`}</p>
${subscriptionForm({ action: '/settings/subscription', csrf, values, askEmail: false, submit: active ? 'Save' : 'Subscribe', error })}
${active || s?.status === 'pending' ? html`<form method="post" action="/settings/subscription/unsubscribe"><input type="hidden" name="_csrf" value="${csrf}"><button class="button danger" type="submit">Unsubscribe</button></form>` : ''}
<p><a href="/settings">Back to settings</a></p>
</div>`);
}

export const settingsSubscribe = (deps: Deps) => async (c: Ctx) => {
  const viewer = c.get('viewer');
  if (!viewer) return c.redirect('/login?next=%2Fsettings%2Fsubscription', 303);
  const parsed = parseForm(await c.req.parseBody(), false);
  const { db } = deps.database;
  const existing = await managedSubscription(deps, viewer);
  if ('problem' in parsed) return c.html(memberView(c, deps, existing, parsed.values, parsed.problem, null), 400);
  if (existing?.status === 'active') {
    await updatePreferences(db, existing.id, parsed.prefs, deps.now());
    return c.redirect('/settings/subscription?notice=saved', 303);
  }
  // A confirmed account address needs no second confirmation; an unconfirmed one goes through the double opt-in.
  if (viewer.emailVerified) {
    await activateSubscription(db, viewer.email, parsed.prefs, deps.now(), viewer.id);
    return c.redirect('/settings/subscription?notice=subscribed', 303);
  }
  // As /subscribe does for anyone: the mail goes to the address, and the subscription is bound to no account.
  await requestByMail(deps, viewer.email, parsed.prefs, null);
  return c.redirect('/settings/subscription?notice=confirm-sent', 303);
};

export const settingsUnsubscribe = (deps: Deps) => async (c: Ctx) => {
  const viewer = c.get('viewer');
  if (!viewer) return c.redirect('/login?next=%2Fsettings%2Fsubscription', 303);
  if (!viewer.emailVerified) return htmlError(c, deps, 403, 'Confirm your email address first', 'Use the link we mailed you; or the unsubscribe link in any digest.');
  const s = await managedSubscription(deps, viewer);
  if (s) await unsubscribe(deps.database.db, s.id, deps.now());
  return c.redirect('/settings/subscription?notice=unsubscribed', 303);
};
