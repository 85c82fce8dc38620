/**
 * Feeds carry text that members and imported files write: titles, abstracts, authors, organization
 * names, collection names and notes, search queries. Each such field gets CDATA terminators, markup,
 * entities, quotes and the control characters XML 1.0 forbids; the RSS, Atom and JSON feeds must still
 * parse with real parsers, hold exactly the papers, and give each field back as the text it was.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import Parser from 'rss-parser';
import type { Database } from '../../src/db/connection.ts';
import { importFiles } from '../../src/importers/import-files.ts';
import { ENGINES, openTestDatabase } from '../helpers/db.ts';
import { startTestServer, type TestServer } from '../helpers/http.ts';
import { sessionMember } from '../helpers/members.ts';

/** Two CDATA terminators (one after a split), an injected item, markup, entities, quotes, controls. */
const EVIL = (tag: string) =>
  `${tag} ]]> x ]]]]><![CDATA[> </title></item><item><title>injected</title></item> <script>alert("x")</script> &amp; & 'q' \u0000\u0001\u0008\u000b\u000c\u001f\uFFFE end`;
/** What a reader should get back: the forbidden characters gone, whitespace as one space. */
const expected = (s: string) => s.replace(/[\u0000-\u0008\u000b-\u001f\ufffe\uffff]/g, '').replace(/\s+/g, ' ').trim();
const norm = (s: unknown) => String(s ?? '').replace(/\s+/g, ' ').trim();
const unescapeHtml = (s: string) => s.replace(/&(lt|gt|quot|#39|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', '#39': "'", amp: '&' })[e]!);

const DAY = '2025-01-06';
const IDS = ['2501.00001', '2501.00002', '2501.00003'];

function dayFile(entries: unknown[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'dp-feeds-'));
  const file = path.join(dir, `${DAY}.json`);
  writeFileSync(file, JSON.stringify(entries));
  return file;
}

const paper = (id: string) => ({
  paper: {
    id,
    title: EVIL(`title ${id}`),
    summary: EVIL(`abstract ${id}`),
    upvotes: 1,
    authors: [{ _id: `a-${id}`, name: EVIL(`author ${id}`), hidden: false }],
    publishedAt: '2025-01-05T00:00:00.000Z',
    organization: { _id: 'o1', name: 'hostile-org', fullname: EVIL('org') },
  },
  publishedAt: `${DAY}T08:00:00.000Z`,
  title: EVIL(`title ${id}`),
  numComments: 0,
});

const xml = new XMLParser({
  ignoreAttributes: false,
  parseTagValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: false,
  isArray: (name) => ['item', 'entry', 'author', 'dc:creator'].includes(name),
});

for (const engine of ENGINES) {
  describe(`hostile text in feeds on ${engine}`, () => {
    let database: Database;
    let server: TestServer;
    let collectionPath = '';
    const NAME = `name ]]> a ]]> <b>&amp;</b> "q" \u0001\u001f\uFFFE`;
    before(async () => {
      database = await openTestDatabase(engine);
      const r = await importFiles(database, [dayFile(IDS.map(paper))]);
      assert.equal(r.rejected, 0, JSON.stringify(r.rejections));
      server = await startTestServer(database);
      const ada = await sessionMember(database, () => server.base, 'ada');
      for (const [i, id] of IDS.entries()) {
        const fields: Record<string, string> = i === 0 ? { new_name: NAME, collection: '' } : { collection: String((await database.db.selectFrom('collections').select('id').executeTakeFirstOrThrow()).id) };
        assert.equal((await ada.form('/collections/add', { paper: id, note: EVIL(`note ${id}`), ...fields })).status, 303);
      }
      const col = await database.db.selectFrom('collections').select(['id', 'slug']).executeTakeFirstOrThrow();
      assert.equal((await ada.form(`/collections/${col.id}/visibility`, { public: '1' })).status, 303);
      collectionPath = `/feeds/users/ada/collections/${col.slug}`;
    });
    after(async () => {
      await server.close();
      await database.close();
    });

    const fetchText = async (p: string) => {
      const res = await server.get(p);
      assert.equal(res.status, 200, p);
      return res.text();
    };

    /** Parses an XML feed strictly; fails on a single forbidden character or broken markup. */
    const parseXml = async (p: string) => {
      const body = await fetchText(p);
      assert.equal(XMLValidator.validate(body), true, `${p} is well-formed XML`);
      return { body, doc: xml.parse(body) };
    };

    const text = (node: unknown): string => (typeof node === 'object' && node !== null ? String((node as Record<string, unknown>)['#text'] ?? '') : String(node ?? ''));

    function checkItems(kind: string, items: { title: string; summary: string; authors: string[]; link: string }[], withNotes: boolean) {
      assert.equal(items.length, IDS.length, `${kind}: as many items as papers`);
      const byLink = new Map(items.map((i) => [i.link, i]));
      for (const id of IDS) {
        const item = byLink.get(`http://papers.test/papers/${id}`);
        assert.ok(item, `${kind}: ${id} is an item`);
        assert.equal(norm(item.title), expected(EVIL(`title ${id}`)), `${kind}: title of ${id}`);
        const summary = norm(item.summary);
        const abstract = expected(EVIL(`abstract ${id}`));
        assert.ok(summary.includes(withNotes ? expected(EVIL(`note ${id}`)) : abstract), `${kind}: summary of ${id}: ${summary}`);
        if (!withNotes) assert.equal(summary, abstract, `${kind}: the whole abstract`);
        assert.deepEqual(item.authors.map(norm), [expected(EVIL(`author ${id}`))], `${kind}: authors of ${id}`);
      }
    }

    async function checkFeeds(feedPath: string, title: string, withNotes: boolean, query = '') {
      const rss = await parseXml(`${feedPath}.rss${query}`);
      const channel = rss.doc.rss.channel;
      assert.equal(norm(text(channel.title)), title, 'RSS channel title');
      checkItems(
        `RSS ${feedPath}`,
        (channel.item ?? []).map((i: Record<string, unknown>) => ({
          title: text(i.title),
          // <description> is HTML: the text is HTML-escaped inside the XML.
          summary: unescapeHtml(text(i.description)),
          authors: ((i['dc:creator'] as unknown[]) ?? []).map(text),
          link: text(i.link),
        })),
        withNotes,
      );
      // A feed reader's parser agrees on the items.
      const read = await new Parser().parseString(rss.body);
      assert.equal(read.items.length, IDS.length);

      const atom = await parseXml(`${feedPath}.atom${query}`);
      assert.equal(norm(text(atom.doc.feed.title)), title, 'Atom feed title');
      checkItems(
        `Atom ${feedPath}`,
        (atom.doc.feed.entry ?? []).map((e: Record<string, unknown>) => {
          // A text construct of type html holds escaped HTML; of type text (the default), the text.
          const construct = (n: unknown) => ((n as Record<string, string>)['@_type'] === 'html' ? unescapeHtml(text(n)) : text(n));
          return {
            title: construct(e.title),
            summary: construct(e.summary),
            authors: ((e.author as { name: unknown }[]) ?? []).map((a) => text(a.name)),
            link: text((e.link as Record<string, string>)['@_href']),
          };
        }),
        withNotes,
      );

      const json = JSON.parse(await fetchText(`${feedPath}.json${query}`)) as { title: string; items: { url: string; title: string; summary: string; authors: { name: string }[] }[] };
      assert.equal(norm(json.title), title, 'JSON Feed title');
      checkItems(`JSON ${feedPath}`, json.items.map((i) => ({ title: i.title, summary: i.summary, authors: i.authors.map((a) => a.name), link: i.url })), withNotes);
    }

    test('the daily feed: titles, abstracts and authors from an imported file', async () => {
      await checkFeeds('/feeds/daily', 'Daily papers · Daily Papers', false);
    });

    test('an organization feed: its name in the feed title', async () => {
      await checkFeeds('/feeds/organizations/hostile-org', `Papers of ${expected(EVIL('org'))} · Daily Papers`, false);
    });

    test('a collection feed: its name in the title, its notes in the summaries', async () => {
      await checkFeeds(collectionPath, `${expected(NAME)} · Daily Papers`, true);
    });

    test('a search feed: the query in the feed title', async () => {
      const q = 'abstract ]]> x ]]> <script>&"\' \u0001';
      for (const ext of ['rss', 'atom']) {
        const { doc } = await parseXml(`/papers/search/feed.${ext}?q=${encodeURIComponent(q)}`);
        const title = ext === 'rss' ? doc.rss.channel.title : doc.feed.title;
        assert.equal(norm(text(title)), `Search: ${expected(q)} · Daily Papers`);
      }
    });
  });
}
