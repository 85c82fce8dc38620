/**
 * The one route table of the web application. Handlers are short and live in handlers/, api/ and
 * feeds/; SQL lives in src/db/queries.
 */
import * as ask from './handlers/ask.ts';
import { Hono, type Context } from 'hono';
import { cors } from 'hono/cors';
import { secureHeaders } from 'hono/secure-headers';
import { apiDocsPage } from './api/docs.ts';
import { dailyPapers, paperById, apiError, arxivRepos } from './api/handlers.ts';
import { openApiDocument } from './api/openapi.ts';
import { assetsByPath } from './assets.ts';
import { serveImage } from './handlers/images.ts';
import { htmlError, type AppDeps, type AppEnv, type Deps } from './context.ts';
import { categoryFeed, collectionFeed, listFeed, organizationFeed } from './feeds/feeds.ts';
import * as forYou from './handlers/for-you.ts';
import { rankingPage } from './handlers/about.ts';
import { DiskFaults, live, onError, readiness } from './handlers/health.ts';
import * as subscriptions from './handlers/subscriptions.ts';
import * as savedSearches from './handlers/saved-searches.ts';
import { mailPreview } from './handlers/mail-preview.ts';
import { categoryPage, organizationPage } from './handlers/collections.ts';
import { dayPage, latestDay, monthPage, pickDay, weekPage } from './handlers/lists.ts';
import { paperDetail } from './handlers/paper.ts';
import { markdownWhenAsked, paperMarkdownFile } from './handlers/paper-markdown.ts';
import { paperRead } from './handlers/paper-read.ts';
import { mcpEndpoint, mcpMethodNotAllowed } from './mcp.ts';
import { listCollections } from './api/collections.ts';
import { currentPeriod } from './handlers/current-period.ts';
import { similarApi } from './handlers/similar.ts';
import { extractedApi } from './api/extracted.ts';
import { vote } from './handlers/vote.ts';
import { editorAction, submit, submitApi, submitPage } from './handlers/submit.ts';
import { trendingPage } from './handlers/trending.ts';
import { searchFeed, searchPage } from './handlers/search.ts';
import { hfSearch, searchApi } from './api/search.ts';
import { responseCache } from './middleware/response-cache.ts';
import { observe } from './middleware/observe.ts';
import { metricsHandler } from './handlers/metrics.ts';
import { DEFAULT_RULES } from '../domain/submission-rules.ts';
import { csrfProtection } from './middleware/csrf.ts';
import { limitBody, MAX_REQUEST_BYTES } from './middleware/body-limit.ts';
import { rateLimit, RateLimiter } from './middleware/rate-limit.ts';
import { databaseStore } from './middleware/rate-limit-stores.ts';
import { loadViewer, refuseInvalidToken } from './middleware/session.ts';
import * as account from './handlers/account.ts';
import * as setup from './handlers/setup.ts';
import * as collections from './handlers/member-collections.ts';
import { DEFAULT_COLLECTION_LIMITS } from '../domain/collections.ts';
import * as library from './handlers/library.ts';
import { MAX_IMPORT_BYTES } from '../domain/bib-import.ts';
import { oauthCallback, oauthStart } from './handlers/oauth.ts';
import * as comments from './handlers/comments.ts';
import * as commentsApi from './api/comments.ts';
import { adminIndex, outboxPage } from './handlers/admin.ts';
import { saveProfile } from './handlers/profile-edit.ts';
import * as adminJobs from './handlers/admin-jobs.ts';
import * as adminSetup from './handlers/admin-setup.ts';
import * as moderation from './handlers/moderation.ts';
import * as moderate from './handlers/moderation-actions.ts';
import * as flags from './handlers/flags.ts';
import * as claims from './handlers/claims.ts';
import * as community from './api/community.ts';
import { profile } from './handlers/profiles.ts';
import * as organizations from './handlers/organizations-admin.ts';
import * as follows from './handlers/follows.ts';
import * as notifications from './handlers/notifications.ts';
import { loadUnreadCount } from './middleware/unread.ts';

import { DEFAULT_ARXIV_THROTTLE } from '../domain/arxiv-throttle.ts';
export type { AppDeps } from './context.ts';

// Old-style arXiv ids (`hep-th/9901001`) take two path segments.
const NEW_ID = ':id{[0-9]{4}\\.[0-9]{4,5}(?:v[0-9]+)?}';
const OLD_ID = ':archive{[a-z]+(?:-[a-z]+)*(?:\\.[A-Za-z]{2})?}/:number{[0-9]{7}(?:v[0-9]+)?}';
const LIBRARY_IMPORT_PATHS = new Set(['/collections/import', '/api/collections/import']);

export function createApp(appDeps: AppDeps): Hono<AppEnv> {
  const deps: Deps = {
    trustProxy: { mode: 'none' }, now: () => new Date(), rateLimits: {}, arxivApiUrl: 'https://export.arxiv.org/api/query', submissionRules: DEFAULT_RULES, arxivThrottle: DEFAULT_ARXIV_THROTTLE, oauth: {}, collectionLimits: DEFAULT_COLLECTION_LIMITS, semantic: null, jobs: [], cache: {}, llm: null,
    log: null, metrics: null, metricsToken: null,
    setupStatus: { smtp: false, embedder: 'builtin', jobsEnabled: false, arxivCategories: [] },
    ...appDeps,
    rateLimiter: appDeps.rateLimiter ?? new RateLimiter(databaseStore(appDeps.database)),
  };
  const app = new Hono<AppEnv>();
  const isApi = (c: Context) => c.req.path.startsWith('/api/');
  // The request log and /metrics counts (src/http/middleware/observe.ts), before anything can answer.
  app.use('*', observe(deps.log, deps.metrics));

  app.use(
    '*',
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        // Images are stored on this site (src/images/fetch.ts): never hot-linked.
        imgSrc: ["'self'", 'data:'],
        styleSrc: ["'self'", "'unsafe-inline'"],
        scriptSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
      crossOriginResourcePolicy: false,
      // Not no-referrer: with it browsers send `Origin: null` on the site's own form posts, which the CSRF check
      // refuses (middleware/csrf.ts). same-origin still gives other sites no Referer.
      referrerPolicy: 'same-origin',
    }),
  );
  // Any origin may call the API; credentials (cookies) are never allowed cross-origin, so writes from
  // another site need a personal access token.
  // Browser-based MCP clients too (src/http/mcp.ts): a token names the member there, never a cookie.
  app.use('/mcp', cors({ origin: '*', allowMethods: ['POST', 'GET', 'DELETE', 'OPTIONS'], allowHeaders: ['Authorization', 'Content-Type', 'Accept', 'Mcp-Protocol-Version', 'Mcp-Session-Id'], exposeHeaders: ['WWW-Authenticate', 'Mcp-Session-Id'], maxAge: 86400 }));
  app.use('/api/*', cors({ origin: '*', allowMethods: ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE', 'OPTIONS'], allowHeaders: ['Authorization', 'Content-Type', 'If-None-Match'], maxAge: 86400 }));

  // Liveness (the process answers) and readiness (the database does): src/http/handlers/health.ts.
  const diskFaults = new DiskFaults();
  app.get('/healthz/live', live);
  app.get('/healthz', readiness(deps, diskFaults));
  // Prometheus (src/ops/metrics.ts): only when configured (METRICS=on or METRICS_TOKEN); never cached or rate limited.
  if (deps.metrics) app.get('/metrics', metricsHandler(deps.metrics, deps.metricsToken));
  app.get('/static/:file', (c) => {
    const asset = assetsByPath.get(c.req.path);
    if (!asset) return c.text('not found', 404);
    const gzip = /\bgzip\b/.test(c.req.header('accept-encoding') ?? '');
    const bytes = gzip ? asset.gzip : asset.body;
    return c.body(new Uint8Array(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength), 200, {
      'Content-Type': asset.type,
      'Cache-Control': 'public, max-age=31536000, immutable',
      Vary: 'Accept-Encoding',
      ...(gzip ? { 'Content-Encoding': 'gzip' } : {}),
    });
  });

  // Stored thumbnails and avatars: before the rate limits, like /static (a page shows dozens of them).
  app.get('/images/:file', serveImage(deps));

  // Who is asking, how often, and whether a form really comes from this site.
  // A NUL in the address reaches SQL (PostgreSQL's text cannot hold it: a 500 on /organizations/%00 and others).
  app.use('*', async (c, next) => {
    if (!c.req.url.includes('%00')) return next();
    const why = 'The address contains a NUL character (%00): remove it.';
    return isApi(c) ? apiError(c, 400, why) : htmlError(c, deps, 400, 'Bad address', why);
  });
  app.use('*', loadViewer(deps));
  // /subscribe mails any address it is given: the auth tier keeps it from being used to flood a mailbox.
  const AUTH_PATHS = new Set(['/login', '/signup', '/setup', '/reset', '/reset/confirm', '/settings/email', '/settings/delete', '/subscribe']);
  const tiers = { read: rateLimit(deps, 'read'), write: rateLimit(deps, 'write'), auth: rateLimit(deps, 'auth') };
  app.use('*', (c, next) => {
    // An OAuth callback calls the provider twice: it counts as a log-in.
    if (c.req.method === 'GET' && /^\/auth\/[^/]+\/callback$/.test(c.req.path)) return tiers.auth(c, next);
    if (c.req.method === 'GET' || c.req.method === 'HEAD' || c.req.method === 'OPTIONS') return tiers.read(c, next);
    if (c.req.path === '/mcp') return tiers.read(c, next); // the agent interface only reads (src/http/mcp.ts)
    return (AUTH_PATHS.has(c.req.path) ? tiers.auth : tiers.write)(c, next);
  });
  app.use('*', refuseInvalidToken);
  app.use('*', loadUnreadCount(deps));
  const bodyLimit = limitBody(MAX_REQUEST_BYTES, `the request is larger than ${MAX_REQUEST_BYTES / 1024} KB`, deps);
  // Library imports carry a file (handlers/library.ts): their own cap, a little above the file's for the form around it.
  const importBodyLimit = limitBody(MAX_IMPORT_BYTES + 64 * 1024, `the file is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MB`, deps, { files: true });
  app.use('*', (c, next) => (LIBRARY_IMPORT_PATHS.has(c.req.path) ? importBodyLimit : bodyLimit)(c, next));
  app.use('*', csrfProtection(deps));

  // Anonymous GETs are answered from the cache; a member's pages are their own.
  const cache = responseCache(deps.database, deps.metrics ? { ...deps.cache, onLookup: (hit) => deps.metrics!.cacheLookups.inc({ result: hit ? 'hit' : 'miss' }) } : deps.cache);
  app.use('*', async (c, next) => {
    if (c.req.path === '/healthz' || c.req.path.startsWith('/static/')) return next();
    if (!c.get('viewer')) return cache(c, next);
    await next();
    if (!c.res.headers.has('cache-control')) c.res.headers.set('Cache-Control', 'private, no-cache');
  });

  // Accounts
  app.get('/signup', account.signupPage(deps));
  app.post('/signup', account.signup(deps));
  app.get('/signup/sent', account.signupSentPage(deps));
  // The first admin, through the one-time link `serve` prints while there is none (a 404 without it).
  app.get('/setup', setup.setupPage(deps));
  app.post('/setup', setup.setup(deps));
  app.get('/login', account.loginPage(deps));
  app.post('/login', account.login(deps));
  app.post('/logout', account.logout(deps));
  app.get('/verify', account.verifyEmail(deps));
  app.get('/reset', account.resetRequestPage(deps));
  app.post('/reset', account.resetRequest(deps));
  app.get('/reset/confirm', account.resetConfirmPage(deps));
  app.post('/reset/confirm', account.resetConfirm(deps));
  app.get('/settings', account.settingsPage(deps));
  app.post('/settings/verify', account.resendVerification(deps));
  app.post('/settings/password', account.changePassword(deps));
  app.post('/settings/profile', saveProfile(deps));
  app.post('/settings/logout-everywhere', account.logoutEverywhere(deps));
  app.post('/settings/tokens', account.createToken(deps));
  app.get('/admin', adminIndex(deps));
  app.get('/admin/outbox', outboxPage(deps));
  // Background jobs (src/http/handlers/admin-jobs.ts): admins only; forms post with the CSRF token.
  app.get('/admin/jobs', adminJobs.jobsPage(deps));
  for (const action of ['run', 'enable', 'disable'] as const) app.post(`/admin/jobs/:name/${action}`, adminJobs.jobAction(deps, action));
  // First run (src/http/handlers/admin-setup.ts): what is configured, and one-click actions queued for a job.
  app.get('/admin/setup', adminSetup.setupPage(deps));
  app.post('/admin/setup/:action', adminSetup.setupAction(deps));
  app.post('/settings/tokens/:id{[0-9]+}/revoke', account.revokeToken(deps));
  // Sign-in with GitHub / Hugging Face (only the providers configured; others are 404).
  app.get('/auth/:provider', oauthStart(deps));
  app.get('/auth/:provider/callback', oauthCallback(deps));

  // Pages
  app.get('/', latestDay(deps));
  app.get('/papers', latestDay(deps));
  app.get('/papers/date', pickDay(deps));
  app.get('/papers/date/:day', dayPage(deps));
  app.get('/papers/week', currentPeriod(deps, 'week'));
  app.get('/papers/month', currentPeriod(deps, 'month'));
  app.get('/papers/week/:week', weekPage(deps));
  app.get('/papers/month/:month', monthPage(deps));
  app.get('/papers/trending', trendingPage(deps));
  // For you (handlers/for-you.ts, docs/decisions/0029-for-you-feed.md): a member's ranked feed, its seeds and feedback.
  app.get('/papers/for-you', forYou.forYouPageHandler(deps));
  app.get('/papers/for-you/start', forYou.forYouStartHandler(deps));
  app.post('/papers/for-you/feedback', forYou.forYouFeedback(deps));
  app.post('/papers/for-you/blend', forYou.forYouBlend(deps));
  app.post('/papers/for-you/reset', forYou.forYouReset(deps));
  app.post('/settings/feed-token', forYou.createFeedToken(deps));
  app.post('/settings/feed-token/delete', forYou.removeFeedToken(deps));
  app.get('/feeds/private/:token/:file', forYou.privateFeed(deps));
  app.get('/papers/category/:category', categoryPage(deps));
  // Search (src/http/handlers/search.ts, src/search/hybrid.ts): before /papers/:id, which takes any one segment.
  app.get('/papers/search', searchPage(deps));
  app.get('/search', searchPage(deps));
  app.get('/papers/search/:file', searchFeed(deps));
  // A paper as Markdown, for agents (handlers/paper-markdown.ts): /papers/ID.md, or the page's address with
  // `Accept: text/markdown`.
  app.get('/papers/:file{[0-9]{4}\\.[0-9]{4,5}(?:v[0-9]+)?\\.md}', paperMarkdownFile(deps));
  app.get('/papers/:archive{[a-z]+(?:-[a-z]+)*(?:\\.[A-Za-z]{2})?}/:mdnumber{[0-9]{7}(?:v[0-9]+)?\\.md}', paperMarkdownFile(deps));
  app.get('/papers/:file{.+\\.md}', paperMarkdownFile(deps)); // anything else: a 400 naming the id
  app.get(`/papers/${NEW_ID}`, markdownWhenAsked(deps), paperDetail(deps));
  app.get(`/papers/${OLD_ID}`, markdownWhenAsked(deps), paperDetail(deps));
  app.get('/papers/:id', paperDetail(deps)); // anything else: a 400 page naming what an id looks like
  // The full text in the reading view (handlers/paper-read.ts; docs/decisions/0034-full-text.md).
  app.get(`/papers/${NEW_ID}/read`, paperRead(deps));
  app.get(`/papers/${OLD_ID}/read`, paperRead(deps));
  app.get('/papers/:id/read', paperRead(deps)); // anything else: a 400 naming what an id looks like
  // Ask this paper / a collection (src/http/handlers/ask.ts): members only, CSRF; a page without JS, a stream with it.
  for (const paper of [NEW_ID, OLD_ID]) app.post(`/papers/${paper}/ask`, ask.askPaperForm(deps));
  app.post('/users/:username/collections/:slug/ask', ask.askCollectionForm(deps));
  app.post(`/papers/${NEW_ID}/vote`, vote(deps));
  app.post(`/papers/${OLD_ID}/vote`, vote(deps));
  app.get('/submit', submitPage(deps));
  app.post('/submit', submit(deps));
  for (const action of ['list', 'unlist', 'feature', 'unfeature'] as const) {
    app.post(`/papers/${NEW_ID}/${action}`, editorAction(deps, action));
    app.post(`/papers/${OLD_ID}/${action}`, editorAction(deps, action));
  }
  app.get('/organizations/:name', organizationPage(deps));
  app.get('/about/ranking', rankingPage(deps));
  // Email digests (handlers/subscriptions.ts, docs/decisions/0009-email-delivery.md): subscribe with double
  // opt-in, members from settings, signed preference and unsubscribe links (GET shows a button, POST acts),
  // RFC 8058 one-click unsubscribe (exempt from CSRF: its signed token is the authority), admin mail previews.
  app.get('/subscribe', subscriptions.subscribePage(deps));
  app.post('/subscribe', subscriptions.subscribe(deps));
  app.get('/subscribe/confirm', subscriptions.confirmPage(deps));
  app.post('/subscribe/confirm', subscriptions.confirm(deps));
  app.get('/subscription', subscriptions.preferencesPage(deps));
  app.post('/subscription', subscriptions.savePreferences(deps));
  app.get('/unsubscribe', subscriptions.unsubscribePage(deps));
  app.post('/unsubscribe', subscriptions.unsubscribeForm(deps));
  app.post('/unsubscribe/one-click', subscriptions.oneClickUnsubscribe(deps));
  app.get('/settings/subscription', subscriptions.settingsSubscriptionPage(deps));
  app.post('/settings/subscription', subscriptions.settingsSubscribe(deps));
  app.post('/settings/subscription/unsubscribe', subscriptions.settingsUnsubscribe(deps));
  // Saved searches and their daily alerts (handlers/saved-searches.ts, src/email/alerts.ts): members save from the
  // search page and manage them in settings (another member's is a 404); mails carry signed turn-off links
  // (GET shows a button, POST acts; /alerts/off/one-click is RFC 8058's, exempt from CSRF like /unsubscribe/one-click).
  const SAVED = ':sid{[0-9]+}';
  app.get('/settings/alerts', savedSearches.alertsPage(deps));
  app.post('/settings/alerts', savedSearches.saveSearch(deps));
  app.post('/settings/alerts/off', savedSearches.allOff(deps));
  app.post(`/settings/alerts/${SAVED}/rename`, savedSearches.renameSearch(deps));
  app.post(`/settings/alerts/${SAVED}/enable`, savedSearches.toggleSearch(deps, true));
  app.post(`/settings/alerts/${SAVED}/disable`, savedSearches.toggleSearch(deps, false));
  app.post(`/settings/alerts/${SAVED}/delete`, savedSearches.deleteSearch(deps));
  app.get('/alerts/off', savedSearches.turnOffPage(deps));
  app.post('/alerts/off', savedSearches.turnOffForm(deps));
  app.post('/alerts/off/one-click', savedSearches.turnOffOneClick(deps));
  // Following and notifications (handlers/follows.ts, handlers/notifications.ts, src/notify/): forms post with the
  // CSRF token and answer 303; every query names the viewer as owner (another member's notification is a 404).
  app.post('/follow', follows.followForm(deps));
  app.post('/unfollow', follows.unfollowForm(deps));
  app.get('/following', follows.followingPage(deps));
  app.get('/notifications', notifications.inboxPage(deps));
  app.post('/notifications/read-all', notifications.readAll(deps));
  app.post('/notifications/settings', notifications.saveSettings(deps));
  app.post('/notifications/:id{[0-9]+}/read', notifications.readOne(deps));
  app.get('/admin/mail-preview', mailPreview(deps));
  app.get('/admin/mail-preview/:kind', mailPreview(deps));
  app.get('/docs/api', apiDocsPage(deps));

  // Feeds
  app.get('/feeds/organizations/:file', organizationFeed(deps));
  app.get('/feeds/categories/:file', categoryFeed(deps));
  app.get('/feeds/:file', listFeed(deps));

  // Members' collections (handlers/member-collections.ts): pages, feeds of public ones, and forms that answer
  // 303; every write is checked against the owner in its query (another member's collection is a 404).
  // Then the account changes of settings: a new email address (confirmed from it), deleting the account.
  const COLLECTION = ':cid{[0-9]+}';
  app.get('/collections', collections.myCollections());
  app.get('/users/:username/collections', collections.collectionsPage(deps));
  app.get('/users/:username/collections/:slug', collections.collectionPageHandler(deps));
  app.get('/feeds/users/:username/collections/:file', collectionFeed(deps));
  app.post('/collections', collections.createCollectionForm(deps));
  app.post('/collections/add', collections.addToCollectionForm(deps));
  app.post(`/collections/${COLLECTION}/rename`, collections.renameForm(deps));
  app.post(`/collections/${COLLECTION}/visibility`, collections.visibilityForm(deps));
  app.post(`/collections/${COLLECTION}/note`, collections.noteForm(deps));
  app.post(`/collections/${COLLECTION}/remove`, collections.removeForm(deps));
  app.post(`/collections/${COLLECTION}/delete`, collections.deleteForm(deps));
  // Portable libraries (handlers/library.ts): exports (a private collection only for its owner, private notes only
  // to them), imports of a reference-manager file in one transaction, private notes, search over one's saved papers.
  for (const prefix of ['', '/api']) {
    app.get(`${prefix}/users/:username/collections/export/:format`, library.exportAll(deps));
    app.get(`${prefix}/users/:username/collections/:slug/export/:format`, library.exportCollection(deps));
  }
  app.get('/collections/import', library.importForm(deps));
  app.post('/collections/import', library.importLibrary(deps));
  app.post('/api/collections/import', library.importLibrary(deps));
  app.post(`/collections/${COLLECTION}/private-note`, library.privateNoteForm(deps));
  app.get('/collections/search', library.searchSavedPage(deps));
  app.post('/settings/email', account.changeEmail(deps));
  app.get('/settings/email/confirm', account.confirmEmail(deps));
  app.post('/settings/delete', account.deleteAccountForm(deps));

  // API (Hugging Face-compatible)
  app.get('/api/daily_papers', dailyPapers(deps));
  app.post('/api/daily_papers', submitApi(deps));
  app.get('/api/papers/search', hfSearch(deps));
  app.get('/api/search', searchApi(deps));
  app.get(`/api/papers/${NEW_ID}`, paperById(deps));
  app.get(`/api/papers/${OLD_ID}`, paperById(deps));
  app.get('/api/papers/:id', paperById(deps)); // anything else: a 400 naming the id
  for (const paper of [NEW_ID, OLD_ID]) app.get(`/api/arxiv/${paper}/repos`, arxivRepos(deps));
  app.get('/api/arxiv/:id/repos', arxivRepos(deps));
  // Similar papers by embedding ([] without a semantic index; src/http/handlers/similar.ts).
  for (const paper of [NEW_ID, OLD_ID]) app.get(`/api/papers/${paper}/similar`, similarApi(deps));
  // This site's extracted summary and keywords, beside (never inside) Hugging Face's fields (src/http/api/extracted.ts).
  for (const paper of [NEW_ID, OLD_ID]) app.get(`/api/papers/${paper}/extracted`, extractedApi(deps));
  // Members' public collections in Hugging Face's shape (huggingface_hub's list_collections; src/http/api/collections.ts).
  app.get('/api/collections', listCollections(deps));
  // The agent interface (src/http/mcp.ts): an MCP server over Streamable HTTP, stateless.
  app.post('/mcp', mcpEndpoint(deps));
  app.on(['GET', 'DELETE'], '/mcp', mcpMethodNotAllowed);
  app.get('/api/openapi.json', (c) => c.json(openApiDocument(deps.site)));

  // Discussion: comments and replies on papers, their edits, deletions and upvotes. Pages post forms that
  // answer 303 back to /papers/ID#comment-N (src/http/handlers/comments.ts); the API speaks JSON
  // (src/http/api/comments.ts); both follow src/http/comment-actions.ts.
  const COMMENT = ':cid{[0-9]+}';
  for (const paper of [NEW_ID, OLD_ID]) {
    app.post(`/papers/${paper}/comments`, comments.postComment(deps));
    app.get(`/api/papers/${paper}/comments`, commentsApi.listComments(deps));
    app.post(`/api/papers/${paper}/comments`, commentsApi.limitCommentBody, commentsApi.postCommentApi(deps));
  }
  app.get('/api/papers/:id/comments', commentsApi.listComments(deps)); // anything else: a 400 naming the id
  app.get(`/comments/${COMMENT}`, comments.commentPermalink(deps));
  app.post(`/comments/${COMMENT}/edit`, comments.editCommentForm(deps));
  app.post(`/comments/${COMMENT}/delete`, comments.deleteCommentForm(deps));
  app.post(`/comments/${COMMENT}/vote`, comments.voteCommentForm(deps));
  app.patch(`/api/comments/${COMMENT}`, commentsApi.limitCommentBody, commentsApi.editCommentApi(deps));
  app.delete(`/api/comments/${COMMENT}`, commentsApi.deleteCommentApi(deps));
  app.post(`/api/comments/${COMMENT}/vote`, commentsApi.limitCommentBody, commentsApi.voteCommentApi(deps));

  // Moderation and authorship (docs/decisions/0008-moderation-and-claims.md). Members flag comments and
  // submissions (a paper's entry on a day's list) and claim author entries; moderators (and admins) work
  // the queue at /moderation: hide/restore comments, lock/unlock discussions, take submissions off a list,
  // suspend/unsuspend members, dismiss flags, approve/deny claims. Every moderator action and its
  // /moderation/log row are one transaction; every form posts with the CSRF token and answers 303.
  // Profiles (/users/:username) list a member's papers, submissions and comments.
  const ROW = ':id{[0-9]+}';
  const USERNAME = ':username{[A-Za-z0-9_.-]{1,64}}';
  app.get('/moderation', moderation.queue(deps));
  app.get('/moderation/log', moderation.log(deps));
  app.post('/moderation/flags/:fid{[0-9]+}/dismiss', moderate.dismiss(deps));
  app.get(`/comments/${COMMENT}/flag`, flags.flagCommentPage(deps));
  app.post(`/comments/${COMMENT}/flag`, flags.flagCommentForm(deps));
  app.post(`/comments/${COMMENT}/hide`, moderate.commentVisibility(deps, true));
  app.post(`/comments/${COMMENT}/restore`, moderate.commentVisibility(deps, false));
  for (const paper of [NEW_ID, OLD_ID]) {
    app.get(`/papers/${paper}/flag`, flags.flagSubmissionPage(deps));
    app.post(`/papers/${paper}/flag`, flags.flagSubmissionForm(deps));
    app.post(`/papers/${paper}/lock`, moderate.threadLock(deps, true));
    app.post(`/papers/${paper}/unlock`, moderate.threadLock(deps, false));
    app.post(`/papers/${paper}/remove-submission`, moderate.removeFromList(deps));
    app.post(`/papers/${paper}/claim`, claims.claim(deps));
  }
  app.post(`/claims/${ROW}/approve`, claims.decide(deps, true));
  app.post(`/claims/${ROW}/deny`, claims.decide(deps, false));
  app.post(`/claims/${ROW}/hide`, claims.profileVisibility(deps, true));
  app.post(`/claims/${ROW}/show`, claims.profileVisibility(deps, false));
  app.get(`/users/${USERNAME}`, profile(deps));
  app.post(`/users/${USERNAME}/suspend`, moderate.suspension(deps, true));
  app.post(`/users/${USERNAME}/unsuspend`, moderate.suspension(deps, false));

  // Organizations (src/http/handlers/organizations-admin.ts): admins create and edit them (name, display name,
  // avatar URL) and name their members at /admin/organizations; editors (any organization) and an
  // organization's members (their own) attach a paper to it or detach it from the paper's page. Anonymous
  // requests are sent to log in, others without the right get 403; forms post with the CSRF token and answer
  // 303; every change bumps the data version. The organization page (/organizations/:name) lists the members.
  app.get('/admin/organizations', organizations.adminList(deps));
  app.post('/admin/organizations', organizations.adminCreate(deps));
  app.get('/admin/organizations/:name', organizations.adminEditPage(deps));
  app.post('/admin/organizations/:name', organizations.adminUpdate(deps));
  app.post('/admin/organizations/:name/members', organizations.adminMember(deps, true));
  app.post('/admin/organizations/:name/members/remove', organizations.adminMember(deps, false));
  for (const paper of [NEW_ID, OLD_ID]) {
    app.post(`/papers/${paper}/organization`, organizations.paperOrganization(deps, true));
    app.post(`/papers/${paper}/organization/remove`, organizations.paperOrganization(deps, false));
  }

  // The community API (src/http/api/community.ts): what members and moderators do on the pages, in JSON with a
  // personal access token. Members upvote papers, claim author entries and flag comments and submissions;
  // moderators read the open flags, pending claims and the log, and act. Each action runs the pages' own
  // rules (castVote, the ModeratorSteps of handlers/moderation-actions.ts and handlers/claims.ts).
  for (const paper of [NEW_ID, OLD_ID]) {
    app.post(`/api/papers/${paper}/vote`, community.votePaperApi(deps));
    app.get(`/api/papers/${paper}/claims`, community.myClaimsApi(deps));
    app.post(`/api/papers/${paper}/claims`, community.claimApi(deps));
    app.post(`/api/papers/${paper}/flags`, community.flagPaperApi(deps));
    app.post(`/api/papers/${paper}/lock`, community.moderatorApi(moderate.threadLockStep(deps, true)));
    app.post(`/api/papers/${paper}/unlock`, community.moderatorApi(moderate.threadLockStep(deps, false)));
    app.post(`/api/papers/${paper}/remove-submission`, community.moderatorApi(moderate.removeFromListStep(deps)));
  }
  app.post(`/api/comments/${COMMENT}/flags`, community.flagCommentApi(deps));
  app.post(`/api/comments/${COMMENT}/hide`, community.moderatorApi(moderate.commentVisibilityStep(deps, true)));
  app.post(`/api/comments/${COMMENT}/restore`, community.moderatorApi(moderate.commentVisibilityStep(deps, false)));
  app.get('/api/moderation/flags', community.openFlagsApi(deps));
  app.post('/api/moderation/flags/:fid{[0-9]+}/dismiss', community.moderatorApi(moderate.dismissStep(deps)));
  app.get('/api/moderation/claims', community.pendingClaimsApi(deps));
  app.get('/api/moderation/log', community.moderationLogApi(deps));
  app.post(`/api/claims/${ROW}/approve`, community.moderatorApi(claims.decideStep(deps, true)));
  app.post(`/api/claims/${ROW}/deny`, community.moderatorApi(claims.decideStep(deps, false)));
  app.post(`/api/users/${USERNAME}/suspend`, community.moderatorApi(moderate.suspensionStep(deps, true)));
  app.post(`/api/users/${USERNAME}/unsuspend`, community.moderatorApi(moderate.suspensionStep(deps, false)));

  app.notFound((c) =>
    isApi(c)
      ? apiError(c, 404, `no such endpoint: ${c.req.method} ${c.req.path}`)
      : htmlError(c, deps, 404, 'Page not found', 'There is nothing at this address. The lists start at the home page.'),
  );
  // A database fault (down, timed out, disk full) is a 503 with Retry-After; anything else a 500.
  app.onError(onError(deps, diskFaults));
  return app;
}
