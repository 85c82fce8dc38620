/** The For-you feed over HTTP and its storage, on both engines (docs/decisions/0029-for-you-feed.md). */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Database } from '../../src/db/connection.ts';
import { feedbackOf, heatOf, memberSignals, resetFeedback, setFeedback, setHeat } from '../../src/db/queries/for-you.ts';
import { deleteFeedToken, setFeedToken, userForFeedToken } from '../../src/db/queries/feed-tokens.ts';
import { addNotification } from '../../src/db/queries/notifications.ts';
import { setVote } from '../../src/db/queries/votes.ts';
import { importFiles, listInputFiles } from '../../src/importers/import-files.ts';
import { forYouFeed } from '../../src/search/for-you.ts';
import { ENGINES, openTestDatabase } from '../helpers/db.ts';
import { startTestServer, type TestServer } from '../helpers/http.ts';
import { sessionMember } from '../helpers/members.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/for-you');
const NOW = new Date('2025-11-20T12:00:00Z');
const VIDEO = ['2511.10001', '2511.10002', '2511.10003'];
const QUANTUM = ['2511.10006', '2511.10007'];
const REASONING = '2511.10008';

/** The paper ids of a page's cards, in order. */
const cardIds = (page: string) => [...page.matchAll(/<li class="card[^"]*" data-card id="paper-([^"]+)"/g)].map((m) => m[1]!);

for (const engine of ENGINES) {
  describe(`for you on ${engine}`, () => {
    let database: Database;
    let server: TestServer;
    before(async () => {
      database = await openTestDatabase(engine);
      await importFiles(database, await listInputFiles([FIXTURES]));
      server = await startTestServer(database, { now: () => NOW });
    });
    after(async () => {
      await server.close();
      await database.close();
    });
    const member = (name: string) => sessionMember(database, () => server.base, name);

    test('storage: feedback, reset, the slider and the signals', async () => {
      const m = await member('store');
      const db = database.db;
      assert.equal(await setFeedback(db, m.user.id, VIDEO[0]!, 'seed', NOW), true);
      assert.equal(await setFeedback(db, m.user.id, '2511.99999', 'more', NOW), false, 'no such paper');
      assert.equal(await setFeedback(db, m.user.id, QUANTUM[0]!, 'less', NOW), true);
      assert.equal(await setFeedback(db, m.user.id, QUANTUM[0]!, 'more', new Date(NOW.getTime() + 1000)), true, 'changing one\'s mind replaces the row');
      assert.deepEqual((await feedbackOf(db, m.user.id)).map((f) => [f.paperId, f.kind]), [[QUANTUM[0], 'more'], [VIDEO[0], 'seed']]);
      await setVote(db, m.user.id, REASONING, true, NOW);
      await setVote(db, m.user.id, VIDEO[0]!, true, NOW);
      const signals = await memberSignals(db, m.user.id);
      assert.deepEqual(signals.map((s) => [s.paperId, s.kind]).sort(), [[QUANTUM[0], 'more'], [REASONING, 'upvote'], [VIDEO[0], 'seed']].sort(), 'a paper appears once, by its feedback');
      assert.equal(await heatOf(db, m.user.id), 30);
      await setHeat(db, m.user.id, 70, NOW);
      await setHeat(db, m.user.id, 60, NOW);
      assert.equal(await heatOf(db, m.user.id), 60);
      assert.equal(await resetFeedback(db, m.user.id), 2);
      assert.deepEqual((await memberSignals(db, m.user.id)).map((s) => [s.paperId, s.kind]).sort(), [[VIDEO[0], 'upvote'], [REASONING, 'upvote']], 'votes stay after a reset');
    });

    test('storage: feed tokens are kept hashed and replaced', async () => {
      const m = await member('tokens');
      await setFeedToken(database.db, m.user.id, 'a'.repeat(64), NOW);
      assert.equal(await userForFeedToken(database.db, 'a'.repeat(64)), m.user.id);
      await setFeedToken(database.db, m.user.id, 'b'.repeat(64), NOW);
      assert.equal(await userForFeedToken(database.db, 'a'.repeat(64)), undefined);
      assert.equal(await userForFeedToken(database.db, 'b'.repeat(64)), m.user.id);
      assert.equal(await deleteFeedToken(database.db, m.user.id), true);
      assert.equal(await userForFeedToken(database.db, 'b'.repeat(64)), undefined);
    });

    test('visitors get an invitation to log in; the start page sends them to log in', async () => {
      const r = await server.get('/papers/for-you');
      assert.equal(r.status, 200);
      const page = await r.text();
      assert.match(page, /Papers picked for you/);
      assert.match(page, /href="\/login\?next=%2Fpapers%2Ffor-you"/);
      assert.equal(cardIds(page).length, 0);
      const start = await server.get('/papers/for-you/start');
      assert.equal(start.status, 303);
      const anon = await fetch(server.base + '/papers/for-you/feedback', { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'paper=2511.10001&kind=more' });
      assert.equal(anon.status, 403, 'no CSRF token, no session');
    });

    test('seeds → explained cards → 👎 removes one and lowers similar ones → reset', async () => {
      const m = await member('reader');
      const cold = await m.page('/papers/for-you');
      assert.match(cold, /Pick a few papers you like/);
      assert.deepEqual(cardIds(cold).slice(0, 2), [REASONING, QUANTUM[0]], 'a cold start is the community heat order');
      // The start page lists popular papers with a Pick button, and finds papers by words.
      const start = await m.page('/papers/for-you/start?q=video+diffusion');
      assert.ok(cardIds(start).includes(VIDEO[0]!));
      const seeded = await m.form('/papers/for-you/feedback', { paper: VIDEO[0]!, kind: 'seed', next: '/papers/for-you/start?q=video+diffusion' });
      assert.equal(seeded.status, 303);
      assert.match(await m.page('/papers/for-you/start'), /Picked \(1\)/);
      await m.form('/papers/for-you/blend', { heat: '0' });
      const feed = await m.page('/papers/for-you');
      const ids = cardIds(feed);
      assert.ok(!ids.includes(VIDEO[0]!), 'the seed itself is not shown');
      assert.deepEqual(ids.slice(0, 2).sort(), [VIDEO[1], VIDEO[2]].sort(), 'the other video diffusion papers lead');
      assert.match(feed, /Because you picked “Temporal Diffusion Transformers for Long Video Generation”/);
      assert.match(feed, /matches: [^<]*(video|diffusion)/);
      // 👎 on the first: it is gone at once, and its neighbour ranks lower than before.
      const first = ids[0]!;
      const other = ids[1]!;
      const r = await m.form('/papers/for-you/feedback', { paper: first, kind: 'less', next: '/papers/for-you' });
      assert.equal(r.status, 303);
      assert.equal(r.headers.get('location'), '/papers/for-you?done=less');
      const after = await m.page('/papers/for-you?done=less');
      assert.ok(!cardIds(after).includes(first));
      assert.match(after, /that paper is gone/);
      assert.ok(cardIds(after).indexOf(other) > ids.indexOf(other) - 1, 'the similar one does not rise');
      const relBefore = (await forYouFeed(database, null, m.user.id, NOW, { heat: 0 })).items.find((i) => i.paperId === other)!.relevance;
      await m.form('/papers/for-you/feedback', { paper: first, kind: 'clear' });
      const relWithout = (await forYouFeed(database, null, m.user.id, NOW, { heat: 0 })).items.find((i) => i.paperId === other)!.relevance;
      assert.ok(relBefore < relWithout, `👎 lowers the similar paper (${relBefore} < ${relWithout})`);
      // Reset: back to the cold start.
      assert.equal((await m.form('/papers/for-you/reset')).status, 303);
      assert.match(await m.page('/papers/for-you'), /Pick a few papers you like/);
    });

    test('a followed keyword raises its papers and says so on their cards; unfollowing takes it back', async () => {
      const m = await member('follower');
      await m.form('/papers/for-you/blend', { heat: '0' });
      assert.equal((await m.form('/follow', { kind: 'keyword', value: 'quantum', next: '/papers/for-you' })).status, 303);
      const feed = await m.page('/papers/for-you');
      assert.deepEqual(cardIds(feed).slice(0, 2).sort(), [...QUANTUM].sort(), 'the papers of the followed keyword lead');
      assert.match(feed, /You follow quantum/);
      await m.form('/unfollow', { kind: 'keyword', value: 'quantum', next: '/papers/for-you' });
      assert.doesNotMatch(await m.page('/papers/for-you'), /You follow quantum/);
    });

    test('the slider is stored and blends in community heat', async () => {
      const m = await member('slider');
      await m.form('/papers/for-you/feedback', { paper: VIDEO[0]!, kind: 'more' });
      await m.form('/papers/for-you/blend', { heat: '100' });
      const hot = cardIds(await m.page('/papers/for-you'));
      assert.deepEqual(hot.slice(0, 2), [REASONING, QUANTUM[0]]);
      assert.match(await m.page('/papers/for-you'), /value="100"/);
      await m.form('/papers/for-you/blend', { heat: '0' });
      assert.ok(VIDEO.includes(cardIds(await m.page('/papers/for-you'))[0]!));
      for (const heat of ['-1', '101', 'lots', '']) {
        const bad = await m.form('/papers/for-you/blend', { heat });
        assert.equal(bad.status, 400, `heat=${heat}`);
      }
      assert.equal((await m.form('/papers/for-you/feedback', { paper: 'nope', kind: 'more' })).status, 400);
      assert.equal((await m.form('/papers/for-you/feedback', { paper: VIDEO[1]!, kind: 'love' })).status, 400);
      assert.equal((await m.form('/papers/for-you/feedback', { paper: '2511.99999', kind: 'more' })).status, 404);
      assert.equal((await m.form('/papers/for-you/feedback', { paper: VIDEO[1]!, kind: 'more' }, false)).status, 403, 'CSRF');
    });

    test('a private feed address: shown once on settings, readable without a session, reset by a new one', async () => {
      const m = await member('feeder');
      await m.form('/papers/for-you/feedback', { paper: QUANTUM[0]!, kind: 'seed' });
      assert.match(await m.page('/settings'), /Make a private address/);
      const made = await m.form('/settings/feed-token');
      assert.equal(made.status, 200);
      const body = await made.text();
      const url = /<code>http:\/\/papers\.test(\/feeds\/private\/[\w-]{43}\/for-you\.rss)<\/code>/.exec(body)?.[1];
      assert.ok(url, 'the address is shown');
      const stored = await database.db.selectFrom('feed_tokens').select('token_hash').where('user_id', '=', m.user.id).executeTakeFirstOrThrow();
      assert.ok(!url.includes(stored.token_hash) && /^[0-9a-f]{64}$/.test(stored.token_hash), 'stored hashed');
      const rss = await server.get(url);
      assert.equal(rss.status, 200);
      assert.match(rss.headers.get('cache-control') ?? '', /no-store/);
      const xml = await rss.text();
      assert.match(xml, /<rss/);
      assert.match(xml, /Logical Qubits on Superconducting Hardware/);
      assert.match(xml, /because you picked/);
      const json = await server.get(url.replace(/\.rss$/, '.json'));
      assert.equal((await json.json() as { items: unknown[] }).items.length > 0, true);
      // The same token reads the member's notifications, and only theirs.
      await addNotification(database.db, { userId: m.user.id, kind: 'paper', dedupeKey: `paper:${QUANTUM[1]}`, paperId: QUANTUM[1]!, detail: { why: 'you follow quantum' }, now: NOW, emailStatus: 'skipped' });
      const stranger = await member('stranger');
      await addNotification(database.db, { userId: stranger.user.id, kind: 'paper', dedupeKey: `paper:${VIDEO[0]}`, paperId: VIDEO[0]!, detail: {}, now: NOW, emailStatus: 'skipped' });
      const inbox = await server.get(url.replace(/for-you\.rss$/, 'notifications.atom'));
      assert.equal(inbox.status, 200);
      assert.match(inbox.headers.get('cache-control') ?? '', /no-store/);
      const atom = await inbox.text();
      assert.match(atom, /<feed/);
      assert.match(atom, new RegExp(`New paper you follow quantum: [^<]+</title>[\\s\\S]*papers/${QUANTUM[1]!.replace('.', '\\.')}`));
      assert.doesNotMatch(atom, new RegExp(VIDEO[0]!.replace('.', '\\.')), 'another member’s notification is not in it');
      assert.match(await m.page('/settings'), /Reset: make a new address/);
      await m.form('/settings/feed-token');
      assert.equal((await server.get(url)).status, 404, 'the old address stops working');
      assert.equal((await server.get(url.replace(/for-you\.rss$/, 'notifications.rss'))).status, 404);
      assert.equal((await server.get('/feeds/private/nonsense/for-you.rss')).status, 404);
      await m.form('/settings/feed-token/delete');
      assert.equal(await database.db.selectFrom('feed_tokens').select('user_id').where('user_id', '=', m.user.id).executeTakeFirst(), undefined);
    });
  });
}
