/**
 * Saved-search alerts and the digest's personal picks, on both engines, against a real SMTP server: saving a
 * search over HTTP (CSRF, sign-in, the cap), the daily alert run (one mail per member, never twice, only new
 * matching papers), ownership of saved searches, the feed link, signed turn-off links; "Picked for you" from a
 * real semantic index (the OpenAI-protocol embeddings stub) for members, and nothing of it for anonymous subscribers.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ParsedMail } from 'mailparser';
import { loadConfig, type Config } from '../../src/config.ts';
import type { Database } from '../../src/db/connection.ts';
import { createSavedSearch, savedSearchesOf } from '../../src/db/queries/saved-searches.ts';
import { activateSubscription } from '../../src/db/queries/subscribers.ts';
import { setVote } from '../../src/db/queries/votes.ts';
import { MAX_SAVED_SEARCHES } from '../../src/domain/saved-searches.ts';
import { runSavedSearchAlerts } from '../../src/email/alerts.ts';
import { runDigest } from '../../src/email/digest-run.ts';
import { createMailer } from '../../src/email/mailer.ts';
import { personalPicks, PICKS_TITLE } from '../../src/email/personal-picks.ts';
import { jobDefinitions } from '../../src/jobs/registry.ts';
import { embedPending } from '../../src/search/embed-pending.ts';
import { openSemanticIndex, SiteEmbedder } from '../../src/search/semantic.ts';
import { ENGINES, openTestDatabase } from '../helpers/db.ts';
import { seedPapers, seedSubscribers, type SeedPaper } from '../helpers/digest-data.ts';
import { startEmbeddingsStub, type EmbeddingsStub } from '../helpers/embeddings-stub.ts';
import { startTestServer, type TestServer } from '../helpers/http.ts';
import { sessionMember, type SessionMember } from '../helpers/members.ts';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.ts';

const SITE = { name: 'Daily Papers', curators: 'AK', publicUrl: 'http://papers.test' };
const DAY = '2025-11-20';
const paper = (id: string, title: string, abstract: string, upvotes = 1, categories = 'cs.CL'): SeedPaper => ({ id, title, abstract, categories, upvotes, day: DAY });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const toOf = (m: ParsedMail) => JSON.stringify(m.to ?? '');
const mailsTo = (smtp: TestSmtp, who: string) => smtp.messages.filter((m) => toOf(m).includes(who));
const header = (mail: ParsedMail, name: string) => mail.headerLines.find((h) => h.key === name)?.line.replace(/^[^:]+:\s*/, '').replace(/\r?\n\s+/g, ' ') ?? '';
const decode = (s: string) => s.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'");

for (const engine of ENGINES) {
  describe(`saved-search alerts on ${engine}`, () => {
    let database: Database;
    let server: TestServer;
    let smtp: TestSmtp;
    let alice: SessionMember;
    let bob: SessionMember;
    const mailer = () => createMailer(database, { smtpUrl: smtp.url, from: 'Daily Papers <papers@papers.test>' });
    const run = async (now = new Date()) => {
      const m = mailer();
      try {
        return await runSavedSearchAlerts(database, { site: SITE, semantic: null, now, mailer: m });
      } finally {
        m.close();
      }
    };

    before(async () => {
      database = await openTestDatabase(engine);
      smtp = await startTestSmtp();
      // Real time: the papers' created_at (when they entered the database) is real time too.
      server = await startTestServer(database, { smtpUrl: smtp.url, now: () => new Date() });
      alice = await sessionMember(database, () => server.base, 'alice');
      bob = await sessionMember(database, () => server.base, 'bob');
      // Already here before anything is saved: never "new".
      await seedPapers(database, [paper('2511.10001', 'An older diffusion paper', 'Diffusion for images, imported before the search was saved.')]);
    });
    after(async () => {
      await server.close();
      await smtp.close();
      await database.close();
    });

    test('a member saves a search from the search page: CSRF enforced, signed-out refused, checked, capped', async () => {
      const page = await alice.page('/papers/search?q=diffusion&mode=keyword');
      assert.match(page, /Save search \/ get alerts/);
      assert.match(page, /<form class="save-search inline" method="post" action="\/settings\/alerts">/);
      const anonymous = await (await server.get('/papers/search?q=diffusion')).text();
      assert.doesNotMatch(anonymous, /Save search \/ get alerts/);
      assert.match(anonymous, /Sign in<\/a> to save this search/);

      // Without the CSRF token, or signed out: refused, nothing saved.
      assert.equal((await alice.form('/settings/alerts', { q: 'diffusion', mode: 'keyword' }, false)).status, 403);
      const signedOut = await fetch(`${server.base}/settings/alerts`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: 'dp_csrf=abcdefghijabcdefghijabcdefghijabcdefghij123' }, body: 'q=diffusion&_csrf=abcdefghijabcdefghijabcdefghijabcdefghij123' });
      assert.equal(signedOut.status, 303);
      assert.match(signedOut.headers.get('location') ?? '', /^\/login\?next=/);
      assert.equal((await alice.form('/settings/alerts', { q: '' })).status, 400, 'nothing to search for');
      assert.equal((await alice.form('/settings/alerts', { q: 'the of' })).status, 400, 'only stop words');
      assert.equal((await alice.form('/settings/alerts', { q: 'x', mode: 'bogus' })).status, 400);
      assert.deepEqual(await savedSearchesOf(database.db, alice.user.id), []);

      const saved = await alice.form('/settings/alerts', { q: 'diffusion', mode: 'keyword', name: 'Diffusion' });
      assert.equal(saved.status, 303);
      assert.match(saved.headers.get('location') ?? '', /^\/settings\/alerts\?notice=saved#saved-\d+$/);
      assert.equal((await alice.form('/settings/alerts', { q: 'speech recognition', cat: 'cs.CL' })).status, 303);
      assert.equal((await bob.form('/settings/alerts', { q: 'transformers' })).status, 303);
      const mine = await savedSearchesOf(database.db, alice.user.id);
      assert.deepEqual(mine.map((s) => [s.name, s.query, s.mode, s.filters, s.alertEnabled]), [
        ['Diffusion', 'diffusion', 'keyword', {}, true],
        ['speech recognition · cs.CL', 'speech recognition', 'hybrid', { category: 'cs.CL' }, true],
      ]);

      // The cap (a member with an unconfirmed address: the alert run skips her).
      const carol = await sessionMember(database, () => server.base, 'carol', { verified: false });
      for (let i = 0; i < MAX_SAVED_SEARCHES; i++) assert.ok(await createSavedSearch(database.db, { userId: carol.user.id, name: `s${i}`, query: `word${i}`, filters: {}, mode: 'keyword' }, MAX_SAVED_SEARCHES, new Date()));
      const capped = await carol.form('/settings/alerts', { q: 'one more' });
      assert.equal(capped.status, 409);
      assert.match(await capped.text(), /Too many saved searches/);
      assert.equal((await savedSearchesOf(database.db, carol.user.id)).length, MAX_SAVED_SEARCHES);
    });

    test('the daily run mails each member the new matching papers once; a second run mails nothing; tomorrow only what is new', async () => {
      await sleep(5);
      await seedPapers(database, [
        paper('2511.10002', 'Diffusion models for text', 'We train a diffusion model that writes text.'),
        paper('2511.10003', 'Speech recognition with transformers', 'Transformers transcribe speech recognition benchmarks.'),
        paper('2511.10004', 'Protein folding at scale', 'Structure prediction for proteins.', 1, 'q-bio.BM'),
        paper('2511.10005', 'Speech recognition for vision people', 'Speech recognition, in the wrong category.', 1, 'cs.CV'),
      ]);
      const first = await run();
      assert.equal(first.enqueued, 2, JSON.stringify(first));
      assert.equal(first.delivery?.sent, 2);
      const [a] = mailsTo(smtp, 'alice@example.org');
      const [b] = mailsTo(smtp, 'bob@example.org');
      assert.ok(a && b);
      assert.equal(mailsTo(smtp, 'alice@example.org').length, 1, 'one mail for both of her saved searches');
      assert.match(a.subject ?? '', /New papers for your saved searches: 2 papers/);
      assert.match(a.text ?? '', /== “Diffusion” ==[\s\S]*Diffusion models for text/);
      assert.match(a.text ?? '', /== “speech recognition · cs\.CL” ==[\s\S]*Speech recognition with transformers/);
      for (const absent of ['An older diffusion paper', 'Protein folding', 'Speech recognition for vision people']) assert.ok(!(a.text ?? '').includes(absent), absent);
      assert.match(a.html || '', /Diffusion models for text/);
      assert.match(header(a, 'list-unsubscribe'), /^<http:\/\/papers\.test\/alerts\/off\/one-click\?token=[\w.%-]+>$/);
      assert.equal(header(a, 'list-unsubscribe-post'), 'List-Unsubscribe=One-Click');
      assert.match(a.messageId ?? '', /^<alert\.\d+\.\d{4}-\d\d-\d\d@papers\.test>$/);
      assert.match(b.text ?? '', /Speech recognition with transformers/);
      assert.ok(!(b.text ?? '').includes('Diffusion models for text'));
      assert.equal(mailsTo(smtp, 'carol@example.org').length, 0, 'an unconfirmed address gets no alerts');

      // Again, through the registered job: nothing more.
      const job = jobDefinitions(loadConfig({ PUBLIC_URL: SITE.publicUrl }), { database, mailer: mailer(), semantic: null }).find((j) => j.name === 'saved-search-alerts');
      assert.ok(job, 'the job is registered');
      assert.equal(job.schedule, '0 7 * * *');
      const said = await job.run({ database, signal: new AbortController().signal, log: () => {}, now: () => new Date() });
      assert.match(String(said), /0 mails enqueued/);
      assert.equal(smtp.messages.length, 2);

      // Tomorrow: one new diffusion paper; only it is mailed, to alice.
      await sleep(5);
      await seedPapers(database, [paper('2511.10006', 'Faster diffusion sampling', 'Diffusion sampling in fewer steps.')]);
      const tomorrow = await run(new Date(Date.now() + 86_400_000));
      assert.equal(tomorrow.enqueued, 1);
      const second = mailsTo(smtp, 'alice@example.org');
      assert.equal(second.length, 2);
      assert.match(second[1]!.subject ?? '', /New papers for “Diffusion”: 1 paper/);
      assert.match(second[1]!.text ?? '', /Faster diffusion sampling/);
      assert.ok(!(second[1]!.text ?? '').includes('Diffusion models for text'), 'no repeats');
      assert.equal(mailsTo(smtp, 'bob@example.org').length, 1);

      // The alerts page lists what was mailed.
      const page = await alice.page('/settings/alerts');
      assert.match(page, /Recently mailed[\s\S]*Faster diffusion sampling/);
    });

    test('another member cannot rename, toggle or delete my saved search (404)', async () => {
      const [diffusion] = await savedSearchesOf(database.db, alice.user.id);
      for (const action of ['rename', 'disable', 'enable', 'delete']) {
        const res = await bob.form(`/settings/alerts/${diffusion!.id}/${action}`, { name: 'mine now' });
        assert.equal(res.status, 404, action);
      }
      assert.equal((await bob.form('/settings/alerts/999999/delete')).status, 404);
      assert.doesNotMatch(await bob.page('/settings/alerts'), /Diffusion/);
      const still = (await savedSearchesOf(database.db, alice.user.id))[0]!;
      assert.deepEqual([still.name, still.alertEnabled], ['Diffusion', true]);

      assert.equal((await alice.form(`/settings/alerts/${diffusion!.id}/rename`, { name: 'Diffusion, renamed' })).status, 303);
      assert.equal((await alice.form(`/settings/alerts/${diffusion!.id}/disable`)).status, 303);
      const changed = (await savedSearchesOf(database.db, alice.user.id))[0]!;
      assert.deepEqual([changed.name, changed.alertEnabled], ['Diffusion, renamed', false]);
      assert.equal((await alice.form(`/settings/alerts/${diffusion!.id}/enable`)).status, 303);
      assert.equal((await savedSearchesOf(database.db, alice.user.id))[0]!.alertEnabled, true);
    });

    test('each saved search links its feed, which parses and lists its papers', async () => {
      const page = await alice.page('/settings/alerts');
      const m = /href="(\/papers\/search\/feed\.json[^"]*)"/.exec(page);
      assert.ok(m, 'a JSON feed link');
      const res = await server.get(decode(m[1]!));
      assert.equal(res.status, 200);
      const feed = (await res.json()) as { items: { url: string; title: string }[] };
      const titles = feed.items.map((i) => i.title);
      assert.ok(titles.includes('Faster diffusion sampling') && titles.includes('Diffusion models for text'), titles.join(', '));
      const atom = /href="(\/papers\/search\/feed\.atom[^"]*)"/.exec(page)!;
      const xml = await (await server.get(decode(atom[1]!))).text();
      assert.match(xml, /^<\?xml[\s\S]*<feed[\s\S]*Faster diffusion sampling[\s\S]*<\/feed>\s*$/);
    });

    test('signed links in the mail turn alerts off (GET shows a button; one-click POST); a forged link does nothing', async () => {
      const [first] = mailsTo(smtp, 'alice@example.org');
      const one = /http:\/\/papers\.test(\/alerts\/off\?token=\d+\.\d+\.[\w-]+)/.exec(first!.text ?? '');
      assert.ok(one, 'a turn-off link per saved search');
      const shown = await server.get(one[1]!);
      assert.equal(shown.status, 200);
      assert.match(await shown.text(), /Stop mailing the alerts of your saved search/);
      assert.equal((await savedSearchesOf(database.db, alice.user.id)).filter((s) => s.alertEnabled).length, 2, 'GET changes nothing');

      const oneClick = /^<http:\/\/papers\.test(\/alerts\/off\/one-click\?token=[^>]+)>$/.exec(header(first!, 'list-unsubscribe'))!;
      const bad = await fetch(server.base + oneClick[1]!.replace(/token=\d+/, `token=${bob.user.id}`), { method: 'POST', body: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      assert.equal(bad.status, 400, 'a signature for another member');
      const ok = await fetch(server.base + oneClick[1]!, { method: 'POST', body: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      assert.equal(ok.status, 200);
      assert.equal((await savedSearchesOf(database.db, alice.user.id)).filter((s) => s.alertEnabled).length, 0);
      assert.equal((await savedSearchesOf(database.db, bob.user.id)).filter((s) => s.alertEnabled).length, 1, 'bob’s are untouched');

      // Off: nothing more for alice, whatever arrives.
      await sleep(5);
      await seedPapers(database, [paper('2511.10007', 'Diffusion everywhere', 'Diffusion again.')]);
      const r = await run(new Date(Date.now() + 2 * 86_400_000));
      assert.equal(r.enqueued, 0);
      assert.equal(mailsTo(smtp, 'alice@example.org').length, 2);
    });

    test('deleting a saved search removes it and what it found', async () => {
      const [s] = await savedSearchesOf(database.db, bob.user.id);
      assert.equal((await bob.form(`/settings/alerts/${s!.id}/delete`)).status, 303);
      assert.deepEqual(await savedSearchesOf(database.db, bob.user.id), []);
      const left = await database.db.selectFrom('saved_search_matches').select('paper_id').where('saved_search_id', '=', s!.id).execute();
      assert.deepEqual(left, []);
    });
  });

  describe(`personal picks in the digest on ${engine}`, () => {
    const NOW = new Date('2025-11-20T23:30:00Z');
    let database: Database & { url: string };
    let smtp: TestSmtp;
    let stub: EmbeddingsStub;
    let dir: string;
    let config: Pick<Config, 'embeddings' | 'database'>;

    before(async () => {
      database = await openTestDatabase(engine);
      smtp = await startTestSmtp();
      stub = await startEmbeddingsStub();
      dir = mkdtempSync(path.join(tmpdir(), 'dailypapers-picks-'));
      const dbConfig = engine === 'sqlite' ? { engine: 'sqlite' as const, path: path.join(dir, 'unused.db') } : { engine: 'postgres' as const, url: database.url };
      config = { database: dbConfig, embeddings: { embedder: 'openai', dir, url: stub.url, model: 'toy', apiKey: null, transformersModelPath: null, timeoutMs: 5000 } };
      await seedPapers(database, [
        paper('2511.20001', 'Diffusion language models for text generation', 'Diffusion language models generate text by denoising tokens.', 5),
        paper('2511.20002', 'Discrete diffusion language models', 'Discrete diffusion models generate text by denoising masked tokens.', 3),
        paper('2511.20003', 'Masked diffusion for text generation', 'Masked diffusion language models generate text tokens.', 2),
        paper('2511.20004', 'Robot grasping with tactile sensors', 'Robots grasp objects with touch sensing hands.', 90, 'cs.RO'),
        paper('2511.20005', 'Protein folding structure prediction', 'Predicting protein structures from amino acid sequences.', 1, 'q-bio.BM'),
      ]);
      const embedder = await SiteEmbedder.open(database, config);
      await embedPending(database, embedder);
      await embedder.close();
    });
    after(async () => {
      await smtp.close();
      await stub.close();
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    });

    test('a member who upvoted a paper gets its nearest neighbours under “Picked for you”, not the paper itself; an anonymous subscriber gets no such section', async () => {
      const dana = await sessionMember(database, () => 'http://unused', 'dana');
      await setVote(database.db, dana.user.id, '2511.20001', true, NOW);
      await activateSubscription(database.db, dana.user.email, { frequency: 'daily', maxPapers: 1, topics: 'all' }, NOW, dana.user.id);
      await seedSubscribers(database, [{ email: 'anon@example.org', maxPapers: 1 }]);

      const semantic = await openSemanticIndex(database, config, { log: () => {} });
      assert.ok(semantic, 'a semantic index over the stub embeddings');
      const mailer = createMailer(database, { smtpUrl: smtp.url, from: 'Daily Papers <papers@papers.test>' });
      try {
        const r = await runDigest(database, { period: 'daily', date: DAY, now: NOW, site: SITE, mailer, extraSections: [personalPicks(semantic)] });
        assert.equal(r.enqueued, 2);
      } finally {
        mailer.close();
        await semantic.close();
      }
      const [mail] = mailsTo(smtp, 'dana@example.org');
      assert.ok(mail);
      const text = mail.text ?? '';
      const picks = text.slice(text.indexOf(`== ${PICKS_TITLE} ==`));
      assert.ok(text.includes(`== ${PICKS_TITLE} ==`), text);
      // The top section has the most upvoted paper (robots); the picks are the diffusion neighbours first.
      assert.match(text, /== Trending papers ==\s*\n\s*1\. Robot grasping/);
      const order = ['Discrete diffusion language models', 'Masked diffusion for text generation'].map((t) => picks.indexOf(t));
      assert.ok(order.every((i) => i > 0), picks);
      assert.ok(!/^\s*\d+\. Diffusion language models for text generation/m.test(text), 'not the upvoted paper itself (its title is named only in a “because”)');
      assert.ok(!picks.includes('Robot grasping'), 'not a paper of the main section');
      assert.match(mail.html || '', new RegExp(PICKS_TITLE));

      const [anon] = mailsTo(smtp, 'anon@example.org');
      assert.ok(anon);
      assert.ok(!(anon.text ?? '').includes(PICKS_TITLE));

      // Each pick says why, as the For-you page does (the same ranking, docs/decisions/0029-for-you-feed.md).
      assert.match(picks, /Because you upvoted “Diffusion language models for text generation”/);
      // Without a semantic index the model ranks by words alone; a member with no signal gets no section.
      const subscriber = { id: 1, email: 'dana@example.org', userId: dana.user.id, status: 'active' as const, frequency: 'daily' as const, maxPapers: 1, topics: 'all' as const, confirmSentAt: null, linkKey: '', bounceCount: 0 };
      const byWords = await personalPicks(null)({ database, subscriber, period: r0(), now: NOW });
      assert.ok(byWords && byWords.papers.some((p) => /diffusion/i.test(p.title)), JSON.stringify(byWords));
      const quiet = await sessionMember(database, () => 'http://unused', 'quiet');
      assert.equal(await personalPicks(null)({ database, subscriber: { ...subscriber, userId: quiet.user.id }, period: r0(), now: NOW }), null);
    });
  });
}

function r0() {
  return { frequency: 'daily' as const, key: DAY, label: DAY, range: { from: DAY, to: DAY }, end: new Date('2025-11-21T00:00:00Z') };
}
