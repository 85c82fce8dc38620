/**
 * Hyphenated words (`single-agent`) are words of their own in the keyword index, beside their parts, on both
 * engines (SQLite: migration 0038; PostgreSQL's parser does it itself): a hyphenated query word matches the papers
 * that write it so, as one indexed word rather than a phrase of its parts (docs/decisions/0051-compound-words.md).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { openDatabase } from '../../src/db/connection.ts';
import { migrate } from '../../src/db/migrate.ts';
import { migrations } from '../../src/db/migrations/index.ts';
import { COMPOUND_JOINER, parseSearchQuery } from '../../src/domain/search-query.ts';
import { importFiles } from '../../src/importers/import-files.ts';
import { keywordSearch } from '../../src/search/keyword.ts';
import { createTestDatabase, ENGINES, openTestDatabase } from '../helpers/db.ts';

const HYPHENATED = '2501.00201';
const SPACED = '2501.00202';
const OTHER = '2501.00203';

const PAPERS = [
  { id: HYPHENATED, title: 'Self-Reasoning Agents', summary: 'We study self-reasoning in single-agent settings (state-of-the-art).', authors: ['Jean-Pierre Dupont'] },
  { id: SPACED, title: 'Self Reasoning without Hyphens', summary: 'A single agent that reasons about itself, state of the art.', authors: ['Ada Lovelace'] },
  { id: OTHER, title: 'Unrelated Work', summary: 'Nothing to see here.', authors: ['Alan Turing'] },
];

function dayFile(): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'dp-compounds-')), '2025-01-06.json');
  writeFileSync(file, JSON.stringify(PAPERS.map((p) => ({
    paper: { id: p.id, title: p.title, summary: p.summary, upvotes: 0, publishedAt: '2025-01-03T00:00:00.000Z', authors: p.authors.map((name, i) => ({ _id: `${p.id}-${i}`, name, hidden: false })) },
    publishedAt: '2025-01-06T08:00:00.000Z', title: p.title, numComments: 0,
  }))));
  return file;
}

type Db = Awaited<ReturnType<typeof openTestDatabase>>;
const found = async (database: Db, q: string) => (await keywordSearch(database, parseSearchQuery(q), { limit: 10, offset: 0, noSpelling: true })).hits.map((h) => h.paperId).sort();

for (const engine of ENGINES) {
  describe(`hyphenated words on ${engine}`, () => {
    let database: Db;
    before(async () => {
      database = await openTestDatabase(engine);
      assert.equal((await importFiles(database, [dayFile()])).new, PAPERS.length);
    });
    after(async () => {
      await database?.close();
    });

    test('a hyphenated query word finds the papers that write it hyphenated, in the title, the abstract or an author\'s name', async () => {
      assert.deepEqual(await found(database, 'single-agent'), [HYPHENATED]);
      assert.deepEqual(await found(database, 'Self-Reasoning'), [HYPHENATED]);
      assert.deepEqual(await found(database, 'state-of-the-art'), [HYPHENATED]);
      assert.deepEqual(await found(database, 'jean-pierre'), [HYPHENATED]);
      assert.deepEqual(await found(database, 'multi-agent'), []);
    });

    test('its parts are still words where they stand: a part alone and a typed phrase find both spellings', async () => {
      assert.deepEqual(await found(database, 'agent'), [HYPHENATED, SPACED]);
      assert.deepEqual(await found(database, '"single agent"'), [HYPHENATED, SPACED]);
      assert.deepEqual(await found(database, '"state of the art"'), [HYPHENATED, SPACED]);
    });

    test('excluding a hyphenated word leaves the papers that do not write it hyphenated', async () => {
      assert.deepEqual(await found(database, 'reasoning -self-reasoning'), [SPACED]);
    });

    if (engine === 'sqlite') {
      test('an edited text is indexed again with its compounds; text JSON cannot hold is indexed without them, never refused', async () => {
        await sql`update papers set abstract = ${'Now a multi-agent debate.'} where id = ${OTHER}`.execute(database.db);
        assert.deepEqual(await found(database, 'multi-agent'), [OTHER]);
        await sql`update papers set abstract = ${'A control\u0001 character beside cross-modal words.'} where id = ${OTHER}`.execute(database.db);
        assert.deepEqual(await found(database, 'control'), [OTHER]);
        assert.deepEqual(await found(database, '"cross modal"'), [OTHER]);
        assert.deepEqual(await found(database, 'multi-agent'), []);
      });

      test('the spelling fallback never offers a compound token as a correction', async () => {
        // `singleagents` is one edit from the indexed compound `single\uE000agent` (stemmed), and from no word.
        const r = await keywordSearch(database, parseSearchQuery('singleagents'), { limit: 10, offset: 0 });
        assert.ok(!JSON.stringify(r.corrected ?? null).includes(COMPOUND_JOINER), JSON.stringify(r.corrected));
        assert.deepEqual(r.hits, []);
      });

      test('the migration indexes the compounds of the papers already there', async () => {
        const t = await createTestDatabase('sqlite');
        const older = await openDatabase(t.config);
        try {
          await migrate(older, migrations.filter((m) => m.version < 38));
          assert.equal((await importFiles(older, [dayFile()])).new, PAPERS.length);
          assert.deepEqual(await found(older as Db, 'single-agent'), [], 'before: no compound token');
          await migrate(older);
          assert.deepEqual(await found(older as Db, 'single-agent'), [HYPHENATED]);
          assert.deepEqual(await found(older as Db, 'agent'), [HYPHENATED, SPACED], 'every paper is indexed once');
          const rows = await sql<{ n: number }>`select count(*) as n from papers_fts`.execute(older.db);
          assert.equal(Number(rows.rows[0]!.n), PAPERS.length);
        } finally {
          await older.close();
          await t.drop();
        }
      });
    }
  });
}
