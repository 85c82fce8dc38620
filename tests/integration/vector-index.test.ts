/**
 * The vector index at scale (docs/decisions/0043-vector-index-at-scale.md), on both engines: it opens from
 * its file and key file (the keys and the high seq beside the index, the file memory-mapped), takes the
 * vectors written after the save from the database (and finds them after a reload), writes them into the
 * file at close; a damaged or truncated index file, a damaged or truncated key file, a file beside the
 * wrong key file, a paper deleted behind its back and a model change all rebuild it, and never reach
 * usearch (which crashes the process on some damaged files: a crash would end this test run).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { sql } from 'kysely';
import { syntheticLine } from '../../bench/synthetic.ts';
import type { Database } from '../../src/db/connection.ts';
import { setSiteModel } from '../../src/db/queries/embedding-models.ts';
import { importFiles } from '../../src/importers/import-files.ts';
import { embedPending } from '../../src/search/embed-pending.ts';
import { normalize, type Embedder } from '../../src/search/embedders/types.ts';
import { VectorIndex } from '../../src/search/vectors.ts';
import { ENGINES, openTestDatabase } from '../helpers/db.ts';

const NEW_TITLE = 'An entirely new title about quantum error correction codes';
const tmp = mkdtempSync(path.join(tmpdir(), 'dailypapers-vector-index-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

async function importSynthetic(database: Database, from: number, to: number): Promise<{ id: string; title: string }[]> {
  const lines = Array.from({ length: to - from }, (_, i) => syntheticLine(from + i));
  const file = path.join(tmp, `snapshot-${from}-${to}-${Math.random().toString(36).slice(2)}.jsonl`);
  writeFileSync(file, lines.join('\n') + '\n');
  const r = await importFiles(database, [file], { format: 'arxiv-snapshot' });
  assert.equal(r.rejected, 0);
  return lines.map((l) => JSON.parse(l) as { id: string; title: string });
}

/** A random unit vector seeded by the text: different texts are far apart, the same text is the same vector. */
function randomOf(text: string): Float32Array {
  const seed = createHash('sha256').update(text).digest();
  let s = seed.readUInt32LE(0) || 1;
  return normalize(Float32Array.from({ length: 64 }, () => ((s = (s * 1103515245 + 12345) >>> 0) / 4294967296) - 0.5));
}

/** Embeds a paper by its id and title (synthetic titles repeat), so that a query of `ID TITLE` finds the paper itself first. */
const byTitle = (id: string): Embedder => ({
  id,
  dimensions: 64,
  embedDocuments: async (papers) => papers.map((p) => randomOf(`${(p as { id?: string }).id} ${p.title}`)),
  embedQuery: async (text) => randomOf(text),
});

for (const engine of ENGINES) {
  describe(`vector index files on ${engine}`, () => {
    let database: Database;
    let dir: string;
    let papers: { id: string; title: string }[] = [];
    const embedder = byTitle('test-title@1');
    const open = () => VectorIndex.open(database, embedder, { dir });
    const first = async (index: VectorIndex, p: { id: string; title: string }) => (await index.searchText(`${p.id} ${p.title}`, 1))[0]?.paperId;
    const count = async () => Number((await sql<{ n: number }>`select count(*) as n from paper_embeddings`.execute(database.db)).rows[0]!.n);

    test('setup: 300 papers embedded', async () => {
      database = await openTestDatabase(engine);
      dir = mkdtempSync(path.join(tmp, `${engine}-`));
      papers = await importSynthetic(database, 0, 300);
      await setSiteModel(database.db, embedder.id);
      assert.equal((await embedPending(database, embedder)).embedded, 300);
    });
    after(() => database?.close());

    test('built once, then opened from the index file and its key file (mapped)', async () => {
      let index = await open();
      assert.equal(index.origin, 'rebuilt (no index file)');
      assert.equal(index.size, 300);
      assert.ok(existsSync(index.file) && existsSync(`${index.file}.keys`));
      await index.close();
      index = await open();
      assert.equal(index.origin, 'loaded');
      assert.equal(index.size, 300);
      for (const p of [papers[0]!, papers[150]!, papers[299]!]) assert.equal(await first(index, p), p.id);
      await index.close();
    });

    test('vectors written after the save: found at once, and after a reload (read from the database), and written into the file at close', async () => {
      const index = await open();
      assert.equal(index.origin, 'loaded');
      const added = await importSynthetic(database, 300, 320);
      // An edited title: the paper's vector is replaced (its old key leaves the mapped file's results).
      const edited = papers[10]!;
      await database.db.updateTable('papers').set({ title: NEW_TITLE }).where('id', '=', edited.id).execute();
      assert.equal((await embedPending(database, embedder)).embedded, 21);
      await index.sync(true);
      assert.equal(index.size, 320);
      assert.equal(await first(index, added[5]!), added[5]!.id, 'a new paper, from the in-memory delta');
      assert.equal(await first(index, { ...edited, title: NEW_TITLE }), edited.id);
      assert.notEqual(await first(index, edited), edited.id, 'the old vector is gone');

      // Another instance opening the file now (not saved since): the newer vectors come from the database.
      const other = await open();
      assert.equal(other.origin, 'loaded, 21 added');
      assert.equal(other.size, 320);
      assert.equal(await first(other, added[19]!), added[19]!.id);
      assert.equal(await first(other, { ...edited, title: NEW_TITLE }), edited.id);
      assert.notEqual(await first(other, edited), edited.id);

      await index.close();
      const reopened = await open();
      assert.equal(reopened.origin, 'loaded', 'written into the file at close');
      assert.equal(reopened.size, 320);
      assert.equal(await first(reopened, added[0]!), added[0]!.id);
      assert.equal(await first(reopened, { ...edited, title: NEW_TITLE }), edited.id);
      assert.notEqual(await first(reopened, edited), edited.id);
      await reopened.close();
      papers = [...papers, ...added];
    });

    test('a damaged or truncated index file, a damaged or truncated key file, or a file beside the wrong key file: rebuilt, never opened', async () => {
      const file = (await open()).file;
      const good = readFileSync(file);
      const goodKeys = readFileSync(`${file}.keys`);
      const restore = () => {
        writeFileSync(file, good);
        writeFileSync(`${file}.keys`, goodKeys);
      };
      const damages: [string, () => void, RegExp][] = [
        ['index truncated', () => truncateSync(file, Math.floor(good.length / 2)), /^rebuilt \(the file is damaged/],
        ['index empty', () => truncateSync(file, 0), /^rebuilt \(the file is damaged/],
        ['index header overwritten', () => writeFileSync(file, Buffer.concat([Buffer.alloc(64, 0xff), good.subarray(64)])), /^rebuilt \(the file is damaged/],
        ['index bytes flipped in the middle', () => {
          const b = Buffer.from(good);
          for (let i = 0; i < 16; i++) b[Math.floor(b.length / 2) + i]! ^= 0x5a;
          writeFileSync(file, b);
        }, /^rebuilt \(the file is damaged/],
        ['key file truncated', () => truncateSync(`${file}.keys`, Math.floor(goodKeys.length / 2)), /^rebuilt \(its key file is missing or damaged/],
        ['key file byte flipped', () => {
          const b = Buffer.from(goodKeys);
          b[b.length - 3]! ^= 0x01;
          writeFileSync(`${file}.keys`, b);
        }, /^rebuilt \(its key file is missing or damaged/],
        ['key file missing', () => rmSync(`${file}.keys`), /^rebuilt \(its key file is missing or damaged/],
      ];
      for (const [what, damage, why] of damages) {
        restore();
        damage();
        const index = await open();
        assert.match(index.origin, why, what);
        assert.equal(index.size, 320, what);
        assert.equal(await first(index, papers[7]!), papers[7]!.id, what);
        await index.close();
        assert.equal((await open()).origin, 'loaded', `${what}: the rebuilt file is saved`);
      }
      // An index file of other vectors (an older save) beside the current key file.
      const older = path.join(tmp, `${engine}-older`);
      copyFileSync(file, older);
      const more = await importSynthetic(database, 320, 330);
      await embedPending(database, embedder);
      const index = await open();
      await index.close();
      papers = [...papers, ...more];
      copyFileSync(older, file);
      const mismatched = await open();
      assert.match(mismatched.origin, /^rebuilt \(the file is damaged/);
      assert.equal(mismatched.size, 330);
      await mismatched.close();
    });

    test('a paper deleted behind the index: the check after the load finds the counts differ, and rebuilds it without the paper', async () => {
      const gone = papers[42]!;
      await database.db.deleteFrom('papers').where('id', '=', gone.id).execute();
      const index = await open();
      assert.equal(index.origin, 'loaded', 'served from the file while it is checked');
      await index.verified;
      assert.match(index.origin, /^rebuilt \(the database has 329 vectors of the model where the index has 330\)/);
      assert.equal(index.size, 329);
      assert.equal(await count(), 329);
      assert.notEqual(await first(index, gone), gone.id);
      await index.close();
    });

    test('a model change rebuilds: a file of another model is never used, and the old model file is removed on a switch', async () => {
      const index = await open();
      assert.equal(index.origin, 'loaded');
      const oldFile = index.file;
      const next = byTitle('test-title@2');
      // The new model's file name holding the old model's files: refused by the model in the key file.
      const nextIndexFile = path.join(dir, path.basename(oldFile).replace('test-title_1', 'test-title_2'));
      assert.notEqual(nextIndexFile, oldFile);
      copyFileSync(oldFile, nextIndexFile);
      copyFileSync(`${oldFile}.keys`, `${nextIndexFile}.keys`);
      await setSiteModel(database.db, next.id);
      assert.equal((await embedPending(database, next)).embedded, 329);
      const other = await VectorIndex.open(database, next, { dir });
      assert.equal(other.file, nextIndexFile);
      assert.equal(other.origin, 'rebuilt (it was built for the model test-title@1)');
      assert.equal(other.size, 329);
      await other.close();

      // The running index follows the switch: the old model's files go, the new model's index is opened.
      const switching = index as unknown as { embedder: Embedder };
      Object.assign(switching.embedder, { id: next.id });
      await index.sync(true);
      assert.equal(index.model, next.id);
      assert.equal(index.origin, 'loaded');
      assert.ok(!existsSync(oldFile) && !existsSync(`${oldFile}.keys`));
      assert.equal(index.size, 329);
      Object.assign(switching.embedder, { id: embedder.id });
    });
  });

  describe(`vector index freshness on ${engine}`, () => {
    let database: Database;
    after(() => database?.close());

    test('a search right after another process wrote vectors finds them: the index is never behind the data version a cached answer is keyed by', async () => {
      database = await openTestDatabase(engine);
      const embedder = byTitle('test-fresh@1');
      const papers = await importSynthetic(database, 0, 20);
      await setSiteModel(database.db, embedder.id);
      await embedPending(database, embedder);
      const index = await VectorIndex.open(database, embedder, { dir: mkdtempSync(path.join(tmp, `${engine}-fresh-`)) });
      const first = async (p: { id: string; title: string }) => (await index.searchText(`${p.id} ${p.title}`, 1))[0]?.paperId;
      assert.equal(await first(papers[1]!), papers[1]!.id);
      // Written as another process would (not through this index), a few milliseconds after the search above.
      const added = await importSynthetic(database, 20, 25);
      assert.equal((await embedPending(database, embedder)).embedded, 5);
      assert.equal(await first(added[2]!), added[2]!.id, 'found with no wait and no forced sync');
      assert.equal(index.size, 25);
      await index.close();
    });
  });
}
