import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { cronProblem, nextCronTime, nextRunAfterFailure, retryDelayMs, RETRY_BASE_MS, RETRY_LIMIT, RETRY_MAX_MS } from '../../src/domain/jobs.ts';
import { matchesCategories, oaiDatestamps, oaiSetOf, oaiSetsFor } from '../../src/harvest/arxiv-sets.ts';
import { retryAfterMs } from '../../src/harvest/fetch.ts';
import { repoPath } from '../../src/harvest/github-stars.ts';
import { DEFAULT_SCHEDULES } from '../../src/jobs/registry.ts';

test('retry backoff doubles from RETRY_BASE_MS up to RETRY_MAX_MS', () => {
  assert.equal(retryDelayMs(1), RETRY_BASE_MS);
  assert.equal(retryDelayMs(2), 2 * RETRY_BASE_MS);
  assert.equal(retryDelayMs(3), 4 * RETRY_BASE_MS);
  assert.equal(retryDelayMs(30), RETRY_MAX_MS);
  const now = new Date('2025-01-01T00:00:00Z');
  const cron = new Date('2025-01-02T00:00:00Z');
  assert.equal(nextRunAfterFailure(1, now, cron).toISOString(), '2025-01-01T00:01:00.000Z');
  assert.equal(nextRunAfterFailure(RETRY_LIMIT + 1, now, cron), cron, 'past the limit: the cron schedule');
  assert.equal(nextRunAfterFailure(1, now, new Date('2025-01-01T00:00:30Z')).toISOString(), '2025-01-01T00:00:30.000Z', 'never later than the next cron time');
});

test('cron: next times in a time zone (the daily digest after 20:00 US Eastern), problems named', () => {
  // Thursday 2025-11-20 12:00 UTC → 21:00 New York (EST, UTC-5) is 02:00 UTC the next day.
  assert.equal(nextCronTime('0 21 * * *', 'America/New_York', new Date('2025-11-20T12:00:00Z')).toISOString(), '2025-11-21T02:00:00.000Z');
  // Summer time (EDT, UTC-4).
  assert.equal(nextCronTime('0 21 * * *', 'America/New_York', new Date('2025-06-20T12:00:00Z')).toISOString(), '2025-06-21T01:00:00.000Z');
  assert.equal(nextCronTime('0 */6 * * *', 'UTC', new Date('2025-01-01T05:59:59Z')).toISOString(), '2025-01-01T06:00:00.000Z');
  assert.equal(cronProblem('*/15 * * * *', 'UTC'), null);
  assert.match(cronProblem('61 * * * *', 'UTC')!, /minute/);
  assert.match(cronProblem('* * * * * *', 'UTC')!, /5 parts/);
  for (const [name, expr] of Object.entries(DEFAULT_SCHEDULES)) assert.equal(cronProblem(expr, 'America/New_York'), null, name);
});

test('job configuration: defaults, SCHEDULE_<JOB> overrides and off, errors name the variable', () => {
  const c = loadConfig({});
  assert.deepEqual(c.jobs, { enabled: true, tickMs: 5000, timezone: 'America/New_York', schedules: {}, scheduleRefreshMs: 30_000 });
  assert.deepEqual(c.harvest.categories, ['cs.AI', 'cs.CL', 'cs.CV', 'cs.LG', 'stat.ML']);
  assert.equal(c.harvest.arxivOaiUrl, 'https://export.arxiv.org/oai2');
  assert.equal(c.harvest.delayMs, 3000);
  assert.equal(c.harvest.hfMirror, false);
  assert.equal(c.harvest.githubStars, false);
  assert.equal(loadConfig({ GITHUB_TOKEN: 'ghp_x' }).harvest.githubStars, true);
  assert.equal(loadConfig({ GITHUB_TOKEN: 'ghp_x', GITHUB_STARS: 'false' }).harvest.githubStars, false);
  assert.match(c.harvest.userAgent, /^Daily Papers \(Daily Papers harvester; http:\/\/127\.0\.0\.1:3000\)$/);

  const d = loadConfig({ JOBS_ENABLED: 'false', JOBS_TICK_SECONDS: '0.05', JOBS_TIMEZONE: 'UTC', SCHEDULE_HARVEST_ARXIV: '15 */4 * * *', SCHEDULE_CLEANUP: 'off', HARVEST_CATEGORIES: ' cs  math.AG ' });
  assert.deepEqual(d.jobs, { enabled: false, tickMs: 50, timezone: 'UTC', schedules: { 'harvest-arxiv': '15 */4 * * *', cleanup: null }, scheduleRefreshMs: 30_000 });
  assert.deepEqual(d.harvest.categories, ['cs', 'math.AG']);

  const fails = (env: Record<string, string>, re: RegExp) =>
    assert.throws(() => loadConfig(env), (e: unknown) => e instanceof ConfigError && re.test(e.message));
  fails({ SCHEDULE_HARVEST_ARXIV: '0 25 * * *' }, /SCHEDULE_HARVEST_ARXIV: expected a cron expression of 5 fields \(minute hour day month weekday\) or "off": .*hour.* \(got "0 25 \* \* \*"\)/);
  fails({ SCHEDULE_DIGEST_DAILY: 'every day' }, /SCHEDULE_DIGEST_DAILY: expected a cron expression/);
  fails({ SCHEDULE_HARVEST: '0 * * * *' }, /SCHEDULE_HARVEST: no such job \(expected one of SCHEDULE_HARVEST_ARXIV, /);
  fails({ JOBS_TIMEZONE: 'Mars/Olympus' }, /JOBS_TIMEZONE: expected an IANA time zone/);
  fails({ JOBS_ENABLED: 'yes' }, /JOBS_ENABLED: expected true or false/);
  fails({ HARVEST_CATEGORIES: 'cs.AI, cs.CL' }, /HARVEST_CATEGORIES: expected arXiv categories separated by spaces/);
  fails({ ARXIV_OAI_URL: 'ftp://x' }, /ARXIV_OAI_URL: expected an http\(s\) URL/);
  fails({ GITHUB_TOKEN: 'has space' }, /GITHUB_TOKEN: .*\(got a value, not shown\)/);
});

test('arXiv categories → OAI sets, and which records are kept', () => {
  assert.deepEqual(oaiSetsFor(['cs.AI', 'cs.CL', 'cs.CV', 'cs.LG', 'stat.ML']), ['cs', 'stat']);
  assert.equal(oaiSetOf('hep-th'), 'physics:hep-th');
  assert.equal(oaiSetOf('astro-ph.GA'), 'physics:astro-ph');
  assert.equal(oaiSetOf('quant-ph'), 'physics:quant-ph');
  assert.equal(oaiSetOf('math.AG'), 'math');
  assert.equal(oaiSetOf('q-bio.NC'), 'q-bio');
  const wanted = ['cs.AI', 'stat.ML'];
  assert.equal(matchesCategories(['cs.LG', 'cs.AI'], wanted), true);
  assert.equal(matchesCategories(['cs.NI'], wanted), false);
  assert.equal(matchesCategories(undefined, wanted), false);
  assert.equal(matchesCategories(['cs.NI'], ['cs']), true, 'a whole archive');
  assert.equal(matchesCategories(['csx.NI'], ['cs']), false);
  assert.deepEqual(oaiDatestamps('<header><datestamp>2013-02-05</datestamp></header><header status="deleted"><datestamp>2013-02-07T00:00:00Z</datestamp>'), ['2013-02-05', '2013-02-07']);
});

test('Retry-After in seconds or as a date; GitHub repository URLs', () => {
  assert.equal(retryAfterMs('5'), 5000);
  assert.equal(retryAfterMs('Wed, 21 Oct 2015 07:28:30 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT')), 30_000);
  assert.equal(retryAfterMs(null), null);
  assert.equal(retryAfterMs('soon'), null);
  assert.equal(repoPath('https://github.com/multimodal-art-projection/YuE'), 'multimodal-art-projection/YuE');
  assert.equal(repoPath('https://github.com/a/b.git'), 'a/b');
  assert.equal(repoPath('https://github.com/a/b/tree/main/x'), 'a/b');
  assert.equal(repoPath('https://gitlab.com/a/b'), null);
  assert.equal(repoPath('https://github.com/a'), null);
});
