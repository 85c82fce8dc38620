/**
 * The MCP server at /mcp, through the SDK's own client (Client + StreamableHTTPClientTransport) against the real
 * server over HTTP, on both engines: the tools, their answers, token auth for the personal tools, bad input.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { hashToken, newToken } from '../../src/auth/crypto.ts';
import { addToCollection, createCollection } from '../../src/db/queries/collections.ts';
import { createSavedSearch } from '../../src/db/queries/saved-searches.ts';
import { createApiToken } from '../../src/db/queries/tokens.ts';
import { createUser, markEmailVerified } from '../../src/db/queries/users.ts';
import { ENGINES } from '../helpers/db.ts';
import { sessionMember } from '../helpers/members.ts';
import { startTestSite, type TestSite } from '../helpers/site.ts';

const DAY = '2025-11-04';
const TOP = '2510.22115'; // 47 upvotes that day
const PAPER = '2511.01678'; // UniLumos, 5 upvotes
const NOW = new Date('2025-11-20T12:00:00.000Z');

type Result = { content: { type: string; text: string }[]; isError?: boolean };

for (const engine of ENGINES) {
  describe(`the MCP server on ${engine}`, () => {
    let site: TestSite;
    let token: string;
    let otherCollection: number;
    let myCollection: number;
    const clients: Client[] = [];

    before(async () => {
      site = await startTestSite(engine, { now: () => NOW });
      const { db } = site.database;
      const me = await createUser(db, { username: 'reader', email: 'reader@example.org', passwordHash: null, role: 'member' });
      await markEmailVerified(db, me.id);
      token = `dp_${newToken()}`;
      await createApiToken(db, me.id, 'agent', hashToken(token), NOW);
      const mine = await createCollection(db, { userId: me.id, name: 'Relighting', isPublic: false, now: NOW, maxCollections: 10 });
      assert.ok(mine.ok);
      myCollection = mine.collection.id;
      assert.equal(await addToCollection(db, { collectionId: myCollection, userId: me.id, paperId: PAPER, note: 'read §3', now: NOW, maxPapers: 10 }), 'added');
      await createSavedSearch(db, { userId: me.id, name: 'relighting', query: 'relighting', filters: {}, mode: 'keyword' }, 10, NOW);
      const other = await createUser(db, { username: 'other', email: 'other@example.org', passwordHash: null, role: 'member' });
      const theirs = await createCollection(db, { userId: other.id, name: 'Secret', isPublic: false, now: NOW, maxCollections: 10, paperId: TOP });
      assert.ok(theirs.ok);
      otherCollection = theirs.collection.id;
    });
    after(async () => {
      for (const c of clients) await c.close();
      await site.close();
    });

    async function connect(bearer?: string): Promise<Client> {
      const client = new Client({ name: 'test-agent', version: '1.0.0' });
      const transport = new StreamableHTTPClientTransport(new URL('/mcp', site.server.base), bearer ? { requestInit: { headers: { Authorization: `Bearer ${bearer}` } } } : {});
      await client.connect(transport);
      clients.push(client);
      return client;
    }
    const call = async (client: Client, name: string, args: Record<string, unknown> = {}) => (await client.callTool({ name, arguments: args })) as Result;
    const data = (r: Result) => {
      assert.notEqual(r.isError, true, r.content[0]?.text);
      return JSON.parse(r.content[0]!.text);
    };

    test('lists the tools, with input schemas', async () => {
      const client = await connect();
      const { tools } = await client.listTools();
      assert.deepEqual(tools.map((t) => t.name).sort(), [
        'collection_papers', 'daily_papers', 'my_collections', 'my_saved_searches', 'paper_details', 'read_paper', 'search_papers', 'similar_papers', 'trending_papers',
      ]);
      const search = tools.find((t) => t.name === 'search_papers')!;
      assert.deepEqual(search.inputSchema.required, ['query']);
    });

    test('public tools answer: daily list, trending, search, details, Markdown, similar', async () => {
      const client = await connect();
      const daily = data(await call(client, 'daily_papers', { date: DAY }));
      assert.equal(daily.date, DAY);
      assert.deepEqual(daily.papers.map((p: { id: string }) => p.id), [TOP, PAPER]);
      assert.equal(daily.papers[1].title, 'UniLumos: Fast and Unified Image and Video Relighting');
      assert.equal(daily.papers[1].url, `http://papers.test/papers/${PAPER}`);
      const latest = data(await call(client, 'daily_papers'));
      assert.equal(latest.date, DAY); // the newest fixture day
      const limited = data(await call(client, 'daily_papers', { date: DAY, limit: 1 }));
      assert.equal(limited.papers.length, 1);

      const week = data(await call(client, 'trending_papers', { period: 'week' }));
      assert.equal(week.to, DAY);
      assert.equal(week.papers[0].id, TOP);
      const now = data(await call(client, 'trending_papers', {}));
      assert.ok(Array.isArray(now.papers));

      const found = data(await call(client, 'search_papers', { query: 'relighting video', mode: 'keyword' }));
      assert.equal(found.mode, 'keyword');
      assert.equal(found.papers[0].id, PAPER);
      const byId = data(await call(client, 'search_papers', { query: PAPER }));
      assert.deepEqual(byId.papers.map((p: { id: string }) => p.id), [PAPER]);

      const details = data(await call(client, 'paper_details', { id: `${PAPER}v1` }));
      assert.equal(details.id, PAPER);
      assert.equal(details.upvotes, 5);
      assert.ok(details.authors.some((a: { name: string }) => a.name === 'Tianyu Fu'));
      assert.deepEqual(details.listedOn, [DAY]);
      assert.equal(details.markdownUrl, `http://papers.test/papers/${PAPER}.md`);

      const read = await call(client, 'read_paper', { id: PAPER });
      assert.notEqual(read.isError, true);
      const markdown = read.content[0]!.text;
      assert.match(markdown, /^# UniLumos: Fast and Unified Image and Video Relighting\n/);
      assert.equal(markdown, await (await site.server.get(`/papers/${PAPER}.md`)).text());

      const similar = data(await call(client, 'similar_papers', { id: PAPER }));
      assert.deepEqual(similar.papers, []);
      assert.match(similar.notice, /no semantic index/);
    });

    test('personal tools: an MCP error without a token, the member\'s own data with one', async () => {
      const anon = await connect();
      for (const [name, args] of [['my_collections', {}], ['collection_papers', { collection_id: otherCollection }], ['my_saved_searches', {}]] as const) {
        const r = await call(anon, name, args);
        assert.equal(r.isError, true, name);
        assert.match(r.content[0]!.text, /API token/);
        assert.doesNotMatch(r.content[0]!.text, /Secret|relighting/);
      }
      const member = await connect(token);
      const mine = data(await call(member, 'my_collections'));
      assert.deepEqual(mine.collections.map((c: { name: string; papers: number; public: boolean }) => [c.name, c.papers, c.public]), [['Relighting', 1, false]]);
      const papers = data(await call(member, 'collection_papers', { collection_id: myCollection }));
      assert.deepEqual(papers.papers.map((p: { id: string; note: string }) => [p.id, p.note]), [[PAPER, 'read §3']]);
      // Another member's private collection is not there for this token.
      const theirs = await call(member, 'collection_papers', { collection_id: otherCollection });
      assert.equal(theirs.isError, true);
      assert.doesNotMatch(theirs.content[0]!.text, /Secret|2510/);
      const saved = data(await call(member, 'my_saved_searches'));
      assert.deepEqual(saved.savedSearches.map((s: { name: string; query: string; mode: string }) => [s.name, s.query, s.mode]), [['relighting', 'relighting', 'keyword']]);
    });

    test('an invalid token is refused (401), a session cookie is no member here', async () => {
      await assert.rejects(connect(`dp_${newToken()}`), /no valid token/);
      const res = await fetch(new URL('/mcp', site.server.base), {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: 'Bearer nonsense' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
      });
      assert.equal(res.status, 401);
      assert.equal(res.headers.get('www-authenticate'), 'Bearer');
      // A signed-in browser's cookie names nobody at /mcp (it is exempt from CSRF for that reason).
      const browser = await sessionMember(site.database, () => site.server.base, 'browser');
      const withCookie = await fetch(new URL('/mcp', site.server.base), {
        method: 'POST',
        headers: { cookie: browser.cookie, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'my_collections', arguments: {} } }),
      });
      assert.equal(withCookie.status, 200);
      const answer = (await withCookie.json()) as { result: Result };
      assert.equal(answer.result.isError, true);
      assert.match(answer.result.content[0]!.text, /API token/);
    });

    test('bad input: a tool error naming the argument, never data or a 500', async () => {
      const client = await connect();
      const cases: [string, Record<string, unknown>, RegExp][] = [
        ['daily_papers', { date: 'yesterday' }, /date/],
        ['daily_papers', { date: DAY, limit: 0 }, /limit/],
        ['trending_papers', { period: 'year' }, /period/],
        ['search_papers', { query: '   ' }, /query/],
        ['search_papers', { query: 'x'.repeat(2000) }, /query/],
        ['search_papers', { query: 'the of', mode: 'keyword' }, /common words/],
        ['paper_details', { id: 'not-an-id' }, /not an arXiv id/],
        ['paper_details', { id: '2101.00001' }, /not found/],
        ['read_paper', { id: '2101.00001' }, /not found/],
        ['similar_papers', { id: '<script>' }, /not an arXiv id/],
        ['collection_papers', { collection_id: 'one' }, /collection_id/],
      ];
      for (const [name, args, message] of cases) {
        const r = await call(client, name, args);
        assert.equal(r.isError, true, `${name} ${JSON.stringify(args)}`);
        assert.match(r.content[0]!.text, message, `${name}: ${r.content[0]!.text}`);
      }
    });

    test('HTTP edges: GET is 405 (stateless), a body that is not JSON is a JSON-RPC parse error', async () => {
      // Browser-based clients may call it from anywhere (no cookies are sent or used).
      const preflight = await fetch(new URL('/mcp', site.server.base), {
        method: 'OPTIONS', headers: { origin: 'https://inspector.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type, mcp-protocol-version' },
      });
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
      assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /Authorization/);
      const get = await site.server.get('/mcp', { accept: 'text/event-stream' });
      assert.equal(get.status, 405);
      assert.equal(get.headers.get('allow'), 'POST');
      const bad = await fetch(new URL('/mcp', site.server.base), { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{nope' });
      assert.equal(bad.status, 400);
      assert.equal(((await bad.json()) as { error: { code: number } }).error.code, -32700);
    });
  });
}
