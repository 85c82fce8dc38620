/**
 * Incremental embedding by a high-water mark (docs/decisions/0040-embedding-high-water-mark.md), on both
 * engines: new papers are embedded and the mark advances; a run with nothing new writes nothing; an edited
 * title or abstract is embedded again (it kept its stale vector before); a model change re-embeds every
 * paper; an upgraded database re-embeds nothing; on PostgreSQL, two writers committing out of order leave no
 * paper behind the mark.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { syntheticLine } from '../../bench/synthetic.ts';
import { openDatabase, type Database } from '../../src/db/connection.ts';
import { migrate } from '../../src/db/migrate.ts';
import { migrations } from '../../src/db/migrations/index.ts';
import { setSiteModel } from '../../src/db/queries/embedding-models.ts';
import { bytesToVector, countPapersToEmbed, embeddingMark, storeEmbeddings } from '../../src/db/queries/embeddings.ts';
import { dataVersion } from '../../src/db/queries/papers.ts';
import { importFiles } from '../../src/importers/import-files.ts';
import { embedPending } from '../../src/search/embed-pending.ts';
import { normalize, paperText, type Embedder, type PaperText } from '../../src/search/embedders/types.ts';
import { createTestDatabase, ENGINES, openTestDatabase } from '../helpers/db.ts';
import { toyEmbedding } from '../helpers/embeddings-stub.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'dailypapers-high-water-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Synthetic snapshot lines [from, to) imported through the real importer; their ids. */
async function importSynthetic(database: Database, from: number, to: number): Promise<string[]> {
  const lines = Array.from({ length: to - from }, (_, i) => syntheticLine(from + i));
  const file = path.join(dir, `snapshot-${from}-${to}-${Math.random().toString(36).slice(2)}.jsonl`);
  writeFileSync(file, lines.join('\n') + '\n');
  const r = await importFiles(database, [file], { format: 'arxiv-snapshot' });
  assert.equal(r.rejected, 0);
  return lines.map((l) => (JSON.parse(l) as { id: string }).id);
}

const vectorOf = (p: PaperText) => normalize(Float32Array.from(toyEmbedding(paperText(p))));

/** A deterministic embedder that records the papers it was asked to embed; `during` runs inside each call. */
function recordingEmbedder(id: string, during?: () => Promise<void>): Embedder & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    id,
    dimensions: 64,
    calls,
    async embedDocuments(papers) {
      calls.push(papers.map((p) => (p as PaperText & { id: string }).id));
      await during?.();
      return papers.map(vectorOf);
    },
    embedQuery: async (text) => vectorOf({ title: text, abstract: null }),
  };
}

const vectors = async (database: Database) =>
  (await database.db.selectFrom('paper_embeddings').select(['paper_id', 'model', 'seq', 'vector']).orderBy('paper_id').execute()).map((r) => ({
    paperId: r.paper_id, model: r.model, seq: Number(r.seq), vector: Array.from(bytesToVector(r.vector)),
  }));

const textSeqs = async (database: Database, ids: string[]) =>
  new Map((await database.db.selectFrom('papers').select(['id', 'text_seq']).where('id', 'in', ids).execute()).map((r) => [r.id, Number(r.text_seq)]));

/** Every paper has a vector of `model` made from its current text. */
async function assertAllCurrent(database: Database, model: string): Promise<void> {
  const papers = await database.db.selectFrom('papers').select(['id', 'title', 'abstract']).execute();
  const byId = new Map((await vectors(database)).map((v) => [v.paperId, v]));
  for (const p of papers) {
    const v = byId.get(p.id);
    assert.equal(v?.model, model, `${p.id} has a vector of ${model}`);
    assert.deepEqual(v.vector, Array.from(vectorOf(p)), `${p.id}'s vector is of its current text`);
  }
}

/** A PostgreSQL test database and two connections of its own to write with, all closed afterwards. */
async function withTwoWriters(fn: (database: Database, a: pg.Client, b: pg.Client) => Promise<void>): Promise<void> {
  const database = await openTestDatabase('postgres');
  const a = new pg.Client({ connectionString: database.url });
  const b = new pg.Client({ connectionString: database.url });
  await a.connect();
  await b.connect();
  try {
    await fn(database, a, b);
  } finally {
    await a.end();
    await b.end();
    await database.close();
  }
}

const insertPaper = (c: pg.Client, id: string) =>
  c.query(`insert into papers (id, title, abstract, authors, categories, metadata_source, created_at, modified_at)
           values ($1, $2, 'An abstract.', '[]', 'cs.LG', 'test', now()::text, now()::text)`, [id, `Paper ${id}`]);

for (const engine of ENGINES) {
  describe(`embedding by a high-water mark on ${engine}`, () => {
    test('new papers are embedded and the mark advances; nothing new: nothing written; edits and a model change re-embed', async () => {
      const database = await openTestDatabase(engine);
      try {
        const ids = await importSynthetic(database, 0, 30);
        const seqs = await textSeqs(database, ids);
        assert.equal(new Set(seqs.values()).size, 30, 'one text_seq per paper');
        assert.ok([...seqs.values()].every((s) => s > 0));
        assert.deepEqual(await embeddingMark(database.db), { model: null, mark: 0 });

        const e1 = recordingEmbedder('toy@1');
        const first = await embedPending(database, e1, { batchSize: 8 });
        assert.deepEqual({ embedded: first.embedded, remaining: first.remaining }, { embedded: 30, remaining: 0 });
        assert.deepEqual(e1.calls.map((c) => c.length), [8, 8, 8, 6]);
        assert.deepEqual(await embeddingMark(database.db), { model: 'toy@1', mark: Math.max(...seqs.values()) });
        await assertAllCurrent(database, 'toy@1');

        // Nothing new: no embedding, no write (vectors, their seqs, the data version all unchanged).
        const before = await vectors(database);
        const version = await dataVersion(database.db);
        const idle = await embedPending(database, e1, { batchSize: 8 });
        assert.deepEqual({ embedded: idle.embedded, remaining: idle.remaining, skipped: idle.skipped }, { embedded: 0, remaining: 0, skipped: undefined });
        assert.equal(e1.calls.length, 4, 'the embedder was not called');
        assert.deepEqual(await vectors(database), before);
        assert.equal(await dataVersion(database.db), version);

        // More papers: only they are embedded; the mark follows.
        const more = await importSynthetic(database, 30, 35);
        assert.equal(await countPapersToEmbed(database.db, 'toy@1'), 5);
        e1.calls.length = 0;
        assert.equal((await embedPending(database, e1)).embedded, 5);
        assert.deepEqual(e1.calls, [more]);
        assert.equal((await embeddingMark(database.db)).mark, Math.max(...(await textSeqs(database, more)).values()));

        // An edited abstract (any writer: here plain SQL) and an edited title get a new text_seq and are embedded
        // again; a write of other columns (upvotes) or of the same text is not an edit.
        const markBefore = (await embeddingMark(database.db)).mark;
        await database.db.updateTable('papers').set({ abstract: 'A corrected abstract about diffusion models for proteins.' }).where('id', '=', ids[3]!).execute();
        await database.db.updateTable('papers').set({ title: 'A corrected title' }).where('id', '=', ids[7]!).execute();
        await database.db.updateTable('papers').set({ upvotes: 12 }).where('id', '=', ids[9]!).execute();
        const same = await database.db.selectFrom('papers').select(['title', 'abstract']).where('id', '=', ids[11]!).executeTakeFirstOrThrow();
        await database.db.updateTable('papers').set({ title: same.title, abstract: same.abstract }).where('id', '=', ids[11]!).execute();
        const edited = await textSeqs(database, [ids[3]!, ids[7]!, ids[9]!, ids[11]!]);
        assert.ok(edited.get(ids[3]!)! > markBefore && edited.get(ids[7]!)! > edited.get(ids[3]!)!);
        assert.equal(edited.get(ids[9]!), seqs.get(ids[9]!));
        assert.equal(edited.get(ids[11]!), seqs.get(ids[11]!));
        e1.calls.length = 0;
        assert.equal((await embedPending(database, e1)).embedded, 2);
        assert.deepEqual(e1.calls, [[ids[3]!, ids[7]!]]);
        await assertAllCurrent(database, 'toy@1');

        // A model change resets the mark: every paper is embedded again with the new model.
        assert.equal(await setSiteModel(database.db, 'toy@2'), 'toy@1');
        assert.deepEqual(await embeddingMark(database.db), { model: 'toy@2', mark: 0 });
        assert.equal(await countPapersToEmbed(database.db, 'toy@2'), 35);
        const e2 = recordingEmbedder('toy@2');
        const switched = await embedPending(database, e2, { batchSize: 10, limit: 20 });
        assert.deepEqual({ embedded: switched.embedded, remaining: switched.remaining }, { embedded: 20, remaining: 15 });
        const rest = await embedPending(database, e2, { batchSize: 10 });
        assert.deepEqual({ embedded: rest.embedded, remaining: rest.remaining }, { embedded: 15, remaining: 0 });
        await assertAllCurrent(database, 'toy@2');
        // Setting the same model again is no change: the mark stays.
        const mark = (await embeddingMark(database.db)).mark;
        await setSiteModel(database.db, 'toy@2');
        assert.equal((await embeddingMark(database.db)).mark, mark);
        // The old model's embedder writes nothing.
        const stale = await embedPending(database, e1);
        assert.equal(stale.embedded, 0);
        assert.match(stale.skipped!, /the site's model is toy@2/);
      } finally {
        await database.close();
      }
    });

    test('a paper edited while its batch is being embedded keeps no stale vector: it is embedded again with its new text', async () => {
      const database = await openTestDatabase(engine);
      try {
        const ids = await importSynthetic(database, 100, 110);
        let edits = 0;
        const e = recordingEmbedder('toy@1', async () => {
          if (edits++ === 0) await database.db.updateTable('papers').set({ abstract: 'Rewritten while being embedded.' }).where('id', '=', ids[2]!).execute();
        });
        // One batch only (limit): a run that goes on finds the edited paper after the mark in its next batch.
        const first = await embedPending(database, e, { batchSize: 10, limit: 10 });
        assert.equal(first.embedded, 10);
        assert.equal(first.remaining, 1, 'the edited paper waits');
        const mid = (await vectors(database)).map((v) => v.paperId);
        assert.ok(!mid.includes(ids[2]!), 'no vector of the text it had when read');
        assert.equal((await embedPending(database, e)).embedded, 1);
        assert.deepEqual(e.calls.at(-1), [ids[2]!]);
        await assertAllCurrent(database, 'toy@1');
      } finally {
        await database.close();
      }
    });

    test('upgrading to migration 33: papers that have a vector of the site model are under the mark, the others are embedded', async () => {
      const t = await createTestDatabase(engine);
      const database = await openDatabase(t.config);
      try {
        // Every migration but 33 (today's importer writes the columns of later ones; migrate fills the gap).
        await migrate(database, migrations.filter((m) => m.version !== 33));
        const ids = await importSynthetic(database, 200, 212);
        await database.db.updateTable('embedding_site').set({ model: 'toy@1' }).where('id', '=', 1).execute();
        const papers = await database.db.selectFrom('papers').select(['id', 'title', 'abstract']).where('id', 'in', ids.slice(0, 8)).execute();
        assert.ok(await storeEmbeddings(database.db, 'toy@1', papers.map((p) => ({ paperId: p.id, vector: vectorOf(p) }))));
        // A vector of another model does not count.
        await database.db.updateTable('paper_embeddings').set({ model: 'toy@0' }).where('paper_id', '=', ids[0]!).execute();

        await migrate(database);
        assert.deepEqual(await embeddingMark(database.db), { model: 'toy@1', mark: 7 });
        const seqs = await textSeqs(database, ids);
        assert.deepEqual(ids.slice(1, 8).map((id) => seqs.get(id)), [1, 2, 3, 4, 5, 6, 7]);
        assert.deepEqual([ids[0]!, ...ids.slice(8)].map((id) => seqs.get(id)), [8, 9, 10, 11, 12]);
        const e = recordingEmbedder('toy@1');
        assert.equal((await embedPending(database, e)).embedded, 5);
        assert.deepEqual(e.calls, [[ids[0]!, ...ids.slice(8)]]);
        await assertAllCurrent(database, 'toy@1');
        // New papers after the upgrade continue the numbering.
        const [next] = await importSynthetic(database, 212, 213);
        assert.equal((await textSeqs(database, [next!])).get(next!), 13);
      } finally {
        await database.close();
        await t.drop();
      }
    });

    if (engine === 'postgres') {
      test('two writers committing out of order: the later seq waits for the earlier commit, and no paper is left behind the mark', () =>
        withTwoWriters(async (database, a, b) => {
          await importSynthetic(database, 300, 305);
          const e = recordingEmbedder('toy@1');
          assert.equal((await embedPending(database, e)).embedded, 5);
          await a.query('begin');
          await b.query('begin');
          await insertPaper(a, '2601.00001');
          // b's insert waits for a's seq to commit (the advisory lock): its commit, issued first, waits too.
          let bDone = false;
          const bWork = insertPaper(b, '2601.00002').then(() => b.query('commit')).then(() => (bDone = true));
          await new Promise((r) => setTimeout(r, 300));
          assert.equal(bDone, false, 'the second writer waits for the first');
          const waiting = await sql<{ locktype: string }>`select locktype from pg_locks where not granted`.execute(database.db);
          assert.ok(waiting.rows.some((l) => l.locktype === 'advisory'), 'on the advisory lock');
          // The job between: neither paper is committed, nothing to embed, the mark stays.
          const markBefore = (await embeddingMark(database.db)).mark;
          assert.equal((await embedPending(database, e)).embedded, 0);
          assert.equal((await embeddingMark(database.db)).mark, markBefore);
          await a.query('commit');
          await bWork;
          const r = await embedPending(database, e);
          assert.equal(r.embedded, 2);
          await assertAllCurrent(database, 'toy@1');
          const seqs = await textSeqs(database, ['2601.00001', '2601.00002']);
          assert.ok(seqs.get('2601.00001')! < seqs.get('2601.00002')!, 'seq order is commit order');
          assert.equal((await embeddingMark(database.db)).mark, seqs.get('2601.00002'));
        }));

      test('an edit in a long transaction and an insert committed meanwhile: the insert waits, and the job run between skips neither', () =>
        // The ordering seen from the other side: the earlier seq belongs to an edit that stays open; an autocommit
        // insert (the web, an importer) cannot take a later seq and commit before it.
        withTwoWriters(async (database, a, b) => {
          const e = recordingEmbedder('toy@1');
          await importSynthetic(database, 400, 402);
          await embedPending(database, e);
          // a edits a paper (a new seq) and stays open; b inserts and commits; the job runs; then a commits.
          const [first] = (await database.db.selectFrom('papers').select('id').orderBy('id').limit(1).execute()).map((r) => r.id);
          await a.query('begin');
          await a.query(`update papers set abstract = 'Edited in a long transaction.' where id = $1`, [first]);
          const bWork = insertPaper(b, '2601.00003');
          await new Promise((r) => setTimeout(r, 200));
          assert.equal((await embedPending(database, e)).embedded, 0);
          await a.query('commit');
          await bWork;
          assert.equal((await embedPending(database, e)).embedded, 2);
          await assertAllCurrent(database, 'toy@1');
        }));
    }
  });
}
