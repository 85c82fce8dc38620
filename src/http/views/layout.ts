/** The page frame: head (meta, feeds, theme), the header with navigation and search, the footer. */
import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { SiteConfig } from '../../config.ts';
import { ASSETS } from '../assets.ts';
import { can } from '../../domain/permissions.ts';

/** What the frame of every page shows about the request: the site, and who is looking. */
export interface Frame {
  site: SiteConfig;
  viewer: { username: string; role: string; emailVerified: boolean; suspended: boolean; unread?: number } | null;
  /** The CSRF token for forms in the frame (log out); null for anonymous pages, which have none. */
  csrf: string | null;
}

export interface FeedLink {
  title: string;
  /** Path without extension, e.g. `/feeds/daily`; `.rss`, `.atom` and `.json` are appended. */
  path: string;
  /** A query string after the extension (`?q=…`, search feeds). */
  query?: string;
}

export interface PageMeta {
  title: string;
  description?: string;
  /** Path of the canonical URL (`/papers/2401.01234`). */
  canonical?: string;
  feeds?: FeedLink[];
  /** Extra tags for <head> (OpenGraph, JSON-LD…). */
  head?: HtmlEscapedString | Promise<HtmlEscapedString>;
  /** Which top navigation item is current (weekly and monthly lists highlight none: their own switch says it). */
  nav?: 'daily' | 'trending' | 'api' | 'about';
  noindex?: boolean;
  /** Leave the header's search box out (the search page has its own). */
  noSearchBox?: boolean;
}

export function layout(frame: Frame, meta: PageMeta, body: HtmlEscapedString | Promise<HtmlEscapedString>) {
  const { site, viewer } = frame;
  const title = meta.title === site.name ? site.name : `${meta.title} · ${site.name}`;
  const current = (k: PageMeta['nav']) => (meta.nav === k ? raw(' aria-current="page"') : '');
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
${meta.description ? html`<meta name="description" content="${meta.description}">` : ''}
${meta.canonical ? html`<link rel="canonical" href="${site.publicUrl}${meta.canonical}">` : ''}
${meta.noindex ? html`<meta name="robots" content="noindex">` : ''}
<meta name="color-scheme" content="light dark">
<link rel="stylesheet" href="${ASSETS.css}">
<link rel="icon" href="${ASSETS.icon}" type="image/svg+xml">
${(meta.feeds ?? []).map(
  (f) => html`<link rel="alternate" type="application/rss+xml" title="${f.title} (RSS)" href="${f.path}.rss${f.query ?? ''}">
<link rel="alternate" type="application/atom+xml" title="${f.title} (Atom)" href="${f.path}.atom${f.query ?? ''}">
<link rel="alternate" type="application/feed+json" title="${f.title} (JSON Feed)" href="${f.path}.json${f.query ?? ''}">
`,
)}${meta.head ?? ''}
<script src="${ASSETS.js}" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site">
  <div class="wrap bar">
    <a class="brand" href="/"><img src="${ASSETS.icon}" alt="" width="28" height="28"><span>${site.name}</span></a>
    <nav aria-label="Main">
      <a href="/papers"${current('daily')}>Daily</a>
      <a href="/papers/trending"${current('trending')}>Trending</a>
      <a href="/docs/api"${current('api')}>API</a>
      <a href="/about/ranking" class="nav-about"${current('about')}>About</a>
    </nav>
    ${meta.noSearchBox ? '' : html`<form class="site-search" action="/papers/search" method="get" role="search"><label class="visually-hidden" for="site-q">Search papers</label><input type="search" id="site-q" name="q" placeholder="Search papers ( / )" maxlength="1000"></form>`}
    <div class="account">
      ${viewer ? memberMenu(frame, viewer) : html`<a href="/login">Log in</a> <a class="button small" href="/signup">Sign up</a>`}
    </div>
  </div>
</header>
${viewer && !viewer.emailVerified ? html`<div class="notice wrap" role="status">Please confirm your email address: we sent you a link. <a href="/settings">Send it again</a></div>` : ''}
<main id="main" class="wrap">
${body}
</main>
<footer class="site">
  <div class="wrap">
    <p>${site.name}: papers found, curated and discussed by ${site.curators ? `${site.curators} and ` : ''}the research community.
    Metadata from arXiv (CC0) and Hugging Face Daily Papers. <a href="/docs/api">API</a> · <a href="/about/ranking">How trending works</a> · <kbd>j</kbd>/<kbd>k</kbd> move between papers, <kbd>Enter</kbd> opens one.</p>
  </div>
</footer>
</body>
</html>`;
}

/**
 * The member's menu: a <details> element, so it opens and closes without JavaScript, and on a phone the
 * header keeps to two rows (docs/decisions/0028-reading-on-a-phone.md).
 */
function memberMenu(frame: Frame, viewer: NonNullable<Frame['viewer']>) {
  const unread = viewer.unread ?? 0;
  return html`<a href="/notifications" class="notifications-link" aria-label="Notifications${unread > 0 ? `, ${unread} unread` : ''}"><svg aria-hidden="true" width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9"/><path d="M10.3 21a1.94 1.94 0 0 0 3.4 0"/></svg>${unread > 0 ? html`<span class="unread-count" aria-hidden="true">${unread > 99 ? '99+' : unread}</span>` : ''}</a>
      <a href="/submit" class="button small submit-link">Submit a paper</a>
      <details class="member-menu">
        <summary><span class="avatar-mini" aria-hidden="true">${viewer.username.slice(0, 1).toUpperCase()}</span><span class="menu-name">${viewer.username}</span></summary>
        <div class="menu" role="group" aria-label="Your account">
          <a href="/users/${viewer.username}">Your profile</a>
          <a href="/settings" class="me">Settings</a>
          <a href="/papers/for-you">For you</a>
          <a href="/collections">Collections</a>
          <a href="/notifications">Notifications${(viewer.unread ?? 0) > 0 ? ` (${viewer.unread})` : ''}</a>
          <a href="/following">Following</a>
          <a href="/settings/alerts">Saved searches</a>
          <a href="/settings/subscription">Email digest</a>
          <a href="/submit" class="menu-submit">Submit a paper</a>
          ${can(viewer, 'moderator') ? html`<a href="/moderation">Moderation</a>` : ''}
          ${can(viewer, 'editor') ? html`<a href="/admin">Admin</a>` : ''}
          <form method="post" action="/logout"><input type="hidden" name="_csrf" value="${frame.csrf}"><button type="submit" class="link">Log out</button></form>
        </div>
      </details>`;
}

/** A short page for a 4xx answer: says plainly what is wrong and where to go. */
export function errorPage(frame: Frame, status: number, heading: string, message: string, extra?: HtmlEscapedString | Promise<HtmlEscapedString>) {
  return layout(
    frame,
    { title: heading, noindex: true },
    html`<section class="error-page">
  <p class="status">${status}</p>
  <h1>${heading}</h1>
  <p>${message}</p>
  ${extra ?? ''}
  <p><a class="button" href="/papers">Today’s papers</a> <a class="button ghost" href="/papers/trending">Trending</a></p>
</section>`,
  );
}
