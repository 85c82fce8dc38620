/**
 * Ask this paper / a collection over real HTTP on both engines, with the model a local OpenAI-compatible
 * stub streaming in the recorded SSE shape (tests/helpers/llm-stub.ts): members only, CSRF, only retrieved
 * passages sent, citations checked and linked, answers cached per text version and question (and shown to
 * another member only for the identical question), budgets, and the model down, slow or answering garbage.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addToCollection, createCollection } from '../../src/db/queries/collections.ts';
import { storeFullText } from '../../src/db/queries/fulltext.ts';
import { LlmClient } from '../../src/llm/client.ts';
import type { Llm } from '../../src/llm/ask.ts';
import { generateSummaries } from '../../src/llm/summaries.ts';
import { ENGINES } from '../helpers/db.ts';
import { citeFirstPassage, startLlmStub, type LlmStub } from '../helpers/llm-stub.ts';
import { sessionMember, type SessionMember } from '../helpers/members.ts';
import { startTestSite, type TestSite } from '../helpers/site.ts';

const budgets = { memberRequests: 6, memberTokens: 1_000_000, siteRequests: 1000, siteTokens: 10_000_000 };

for (const engine of ENGINES) {
  describe(`Ask this paper (${engine})`, () => {
    let site: TestSite;
    let stub: LlmStub;
    let alice: SessionMember;
    let bob: SessionMember;
    let paper: { id: string; title: string; abstract: string };
    let other: { id: string; abstract: string };
    const answers = async () => Number((await site.database.db.selectFrom('ask_answers').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

    before(async () => {
      stub = await startLlmStub();
      const llm: Llm = { client: new LlmClient({ url: stub.url, model: 'stub-model', apiKey: null, timeoutMs: 1500 }), budgets };
      site = await startTestSite(engine, { llm });
      const rows = await site.database.db.selectFrom('papers').select(['id', 'title', 'abstract']).where('abstract', 'is not', null).orderBy('id').limit(2).execute();
      paper = { id: rows[0]!.id, title: rows[0]!.title, abstract: rows[0]!.abstract! };
      other = { id: rows[1]!.id, abstract: rows[1]!.abstract! };
      alice = await sessionMember(site.database, () => site.server.base, 'alice');
      bob = await sessionMember(site.database, () => site.server.base, 'bob');
    });
    after(async () => {
      await site.close();
      await stub.close();
    });

    it('visitors see a prompt to log in, members a form with their CSRF token', async () => {
      const visitor = await (await site.server.get(`/papers/${paper.id}`)).text();
      assert.match(visitor, /Log in<\/a> to ask questions about this paper/);
      assert.doesNotMatch(visitor, /data-ask/);
      const member = await alice.page(`/papers/${paper.id}`);
      assert.match(member, /<form class="ask-form" method="post" action="\/papers\/[^"]+\/ask" data-ask>/);
      assert.ok(member.includes(`value="${alice.csrf}"`));
    });

    it('refuses a post without the CSRF token and a visitor, and asks the model nothing', async () => {
      const before = stub.requests.length;
      assert.equal((await alice.form(`/papers/${paper.id}/ask`, { q: 'What is proposed?' }, false)).status, 403);
      const visitor = await fetch(`${site.server.base}/papers/${paper.id}/ask`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'q=What' });
      assert.equal(visitor.status, 403);
      assert.equal(stub.requests.length, before);
    });

    it('answers a form post without JS: cited passages linked to their section; only retrieved passages were sent', async () => {
      stub.reply(citeFirstPassage);
      const res = await alice.form(`/papers/${paper.id}/ask`, { q: 'What does the paper propose?' });
      assert.equal(res.status, 200);
      const page = await res.text();
      assert.match(page, /<a class="cite" href="#cite-1"/);
      assert.match(page, new RegExp(`<li id="cite-1"><a href="/papers/${paper.id.replace('.', '\\.')}#(abstract|ai-summary)">`));
      assert.match(page, /Answered by stub-model/);
      const sent = stub.requests.at(-1)!.body.messages!.map((m) => m.content).join('\n');
      assert.ok(sent.includes('Question: What does the paper propose?'));
      assert.ok(sent.includes('[P1]'));
      assert.ok(!sent.includes(other.abstract.slice(0, 60)), 'no other paper’s text');
      assert.equal(await answers(), 1);
    });

    it('reads the full text once it is fetched: a passage from a section of it is cited with a link into the reading view', async () => {
      const markdown = '## 1 Introduction\n\nWe study the problem.\n\n## 4 Experiments\n\nWe train on the Zetaquark benchmark with seventeen accelerators for nine days.\n';
      await storeFullText(site.database.db, {
        paperId: other.id, version: 'v2', source: 'html', sourceUrl: `https://arxiv.org/html/${other.id}v2`, sourceBytes: markdown.length, markdown,
        sections: [{ anchor: 's1', title: '1 Introduction', level: 2 }, { anchor: 's4', title: '4 Experiments', level: 2 }], counts: { sections: 2 },
      }, new Date());
      const dora = await sessionMember(site.database, () => site.server.base, 'dora');
      stub.reply(citeFirstPassage);
      const page = await (await dora.form(`/papers/${other.id}/ask`, { q: 'Which benchmark do they train on, and with how many accelerators?' })).text();
      assert.match(page, new RegExp(`<li id="cite-1"><a href="/papers/${other.id.replace('.', '\\.')}/read#s4">`));
      const sent = stub.requests.at(-1)!.body.messages!.map((m) => m.content).join('\n');
      assert.ok(sent.includes('Zetaquark benchmark'), 'the full text’s passage was sent');
    });

    it('shows the cached answer to another member only for the identical (normalized) question, without asking the model', async () => {
      const before = stub.requests.length;
      const page = await (await bob.form(`/papers/${paper.id}/ask`, { q: '  what does the PAPER propose ' })).text();
      assert.match(page, /an earlier answer to the same question/);
      assert.equal(stub.requests.length, before);
      // Another question is asked anew; no page lists anyone's questions.
      await bob.form(`/papers/${paper.id}/ask`, { q: 'Which datasets are used?' });
      assert.equal(stub.requests.length, before + 1);
      assert.doesNotMatch(await alice.page(`/papers/${paper.id}`), /Which datasets are used/);
    });

    it('streams to the page script: deltas as the model writes, then the checked answer as HTML', async () => {
      stub.reply((req) => ({ ...(citeFirstPassage(req) as { text: string }), pieceBytes: 200 }));
      const res = await fetch(`${site.server.base}/papers/${paper.id}/ask`, {
        method: 'POST', headers: { cookie: alice.cookie, 'x-csrf-token': alice.csrf, accept: 'application/x-ndjson', 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ q: 'What problem does it address?' }).toString(),
      });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type')!, /application\/x-ndjson/);
      const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l) as { type: string; text?: string; html?: string });
      assert.ok(lines.filter((l) => l.type === 'delta').length > 1);
      const done = lines.at(-1)!;
      assert.equal(done.type, 'done');
      assert.match(done.html!, /<a class="cite" href="#cite-1"/);
    });

    it('drops citations of passages it was not given, and shows no answer that cites none', async () => {
      stub.reply(() => ({ text: 'It proposes a method [P1] and beats everything [P9].' }));
      const page = await (await alice.form(`/papers/${paper.id}/ask`, { q: 'What is new here?' })).text();
      assert.match(page, /class="cite-unknown"/);
      assert.doesNotMatch(page, /\[P9\]/);
      const before = await answers();
      stub.reply(() => ({ text: 'It is a great paper from a famous lab.' }));
      const res = await alice.form(`/papers/${paper.id}/ask`, { q: 'Is it any good?' });
      assert.equal(res.status, 503);
      assert.match(await res.text(), /without citing any passage/);
      assert.equal(await answers(), before);
    });

    it('the model down, slow or sending garbage: a message, nothing stored, the paper page works', async () => {
      const before = await answers();
      for (const [reply, q] of [[{ status: 500, body: 'oops' }, 'Down question one?'], [{ hang: true }, 'Slow question two?'], [{ raw: '<html>gateway</html>', contentType: 'text/html' }, 'Garbage question three?']] as const) {
        stub.reply(() => reply);
        const res = await bob.form(`/papers/${paper.id}/ask`, { q });
        assert.equal(res.status, 503, q);
        const text = await res.text();
        assert.match(text, /language model/);
        assert.doesNotMatch(text, /127\.0\.0\.1/);
      }
      assert.equal(await answers(), before);
      assert.equal((await bob.get(`/papers/${paper.id}`)).status, 200);
    });

    it('refuses with a clear message once the member’s daily questions are used', async () => {
      stub.reply(citeFirstPassage);
      const carol = await sessionMember(site.database, () => site.server.base, 'carol');
      let last: Response | null = null;
      for (let i = 0; i <= budgets.memberRequests; i++) last = await carol.form(`/papers/${paper.id}/ask`, { q: `Budget question number ${i}?` });
      assert.equal(last!.status, 429);
      assert.match(await last!.text(), /used today(&#39;|')s questions/);
      // Cached answers still show.
      assert.equal((await carol.form(`/papers/${paper.id}/ask`, { q: 'What does the paper propose?' })).status, 200);
    });

    it('rejects an empty or oversized question with a 400', async () => {
      assert.equal((await alice.form(`/papers/${paper.id}/ask`, { q: '   ' })).status, 400);
      assert.equal((await alice.form(`/papers/${paper.id}/ask`, { q: 'x'.repeat(600) })).status, 400);
    });

    it('asks across a public collection (citing paper and section); another member’s private one is a 404', async () => {
      stub.reply(citeFirstPassage);
      const made = await createCollection(site.database.db, { userId: alice.user.id, name: 'Reading group', isPublic: true, now: new Date(), maxCollections: 10, paperId: paper.id });
      assert.ok(made.ok);
      await addToCollection(site.database.db, { collectionId: made.collection.id, userId: alice.user.id, paperId: other.id, note: null, now: new Date(), maxPapers: 100 });
      const res = await bob.form(`/users/alice/collections/${made.collection.slug}/ask`, { q: 'Which of these papers use reinforcement learning?' });
      assert.equal(res.status, 200);
      const page = await res.text();
      assert.match(page, /<li id="cite-1"><a href="\/papers\/[^"#]+#(abstract|ai-summary)">[^<]+ · /);
      assert.ok(stub.requests.at(-1)!.body.messages!.at(-1)!.content.includes('Paper: '));
      const secret = await createCollection(site.database.db, { userId: alice.user.id, name: 'Secret', isPublic: false, now: new Date(), maxCollections: 10, paperId: paper.id });
      assert.ok(secret.ok);
      assert.equal((await bob.form(`/users/alice/collections/${secret.collection.slug}/ask`, { q: 'What is in it?' })).status, 404);
      assert.equal((await alice.form(`/users/alice/collections/${secret.collection.slug}/ask`, { q: 'What is in it?' })).status, 200);
    });

    it('generated summaries go to papers without one, name the model, never replace Hugging Face’s', async () => {
      const db = site.database.db;
      const hf = await db.selectFrom('papers').select(['id', 'ai_summary']).where('ai_summary', 'is not', null).executeTakeFirst();
      await db.updateTable('papers').set({ ai_summary: null, ai_keywords: null }).where('id', '=', other.id).execute();
      stub.reply(() => ({ text: 'Summary: The paper studies a new way to train models on small data and reports gains.\nKeywords: small data, training, models' }));
      const llm: Llm = { client: new LlmClient({ url: stub.url, model: 'stub-model', apiKey: null, timeoutMs: 1500 }), budgets };
      const run = await generateSummaries(db, llm, { limit: 1000, now: () => new Date() });
      assert.ok(run.written >= 1);
      const mine = await db.selectFrom('papers').select(['ai_summary', 'ai_keywords', 'ai_summary_model']).where('id', '=', other.id).executeTakeFirstOrThrow();
      assert.equal(mine.ai_summary_model, 'stub-model');
      assert.deepEqual(JSON.parse(mine.ai_keywords!), ['small data', 'training', 'models']);
      if (hf) {
        const still = await db.selectFrom('papers').select(['ai_summary', 'ai_summary_model']).where('id', '=', hf.id).executeTakeFirstOrThrow();
        assert.deepEqual(still, { ai_summary: hf.ai_summary, ai_summary_model: null });
      }
      assert.match(await (await site.server.get(`/papers/${other.id}`)).text(), /Written on this site by the language model stub-model/);
      // Garbage is not stored; a model that is down ends the run with nothing written.
      await db.updateTable('papers').set({ ai_summary: null, ai_summary_model: null }).where('id', '=', other.id).execute();
      stub.reply(() => ({ text: 'I cannot help with that.' }));
      assert.equal((await generateSummaries(db, llm, { limit: 1, now: () => new Date() })).written, 0);
      stub.reply(() => ({ status: 503 }));
      const down = await generateSummaries(db, llm, { limit: 5, now: () => new Date() });
      assert.equal(down.written, 0);
      assert.match(down.stopped!, /failed/);
      assert.equal((await db.selectFrom('papers').select('ai_summary').where('id', '=', other.id).executeTakeFirstOrThrow()).ai_summary, null);
    });
  });
}

describe('a site without a language model', () => {
  let site: TestSite;
  before(async () => {
    site = await startTestSite('sqlite');
  });
  after(() => site.close());
  it('shows no question box and has no ask page', async () => {
    const id = (await site.database.db.selectFrom('papers').select('id').executeTakeFirstOrThrow()).id;
    const member = await sessionMember(site.database, () => site.server.base, 'dora');
    assert.doesNotMatch(await member.page(`/papers/${id}`), /Ask this paper/);
    assert.equal((await member.form(`/papers/${id}/ask`, { q: 'What is it about?' })).status, 404);
  });
});
