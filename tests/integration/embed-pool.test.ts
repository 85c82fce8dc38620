/**
 * embedPending with the built-in embedder on worker threads (decision 0045), on both engines: every paper
 * is embedded once, with embedLsa's vector bit for bit; a worker that dies mid-run fails that batch, the
 * batches before it are written, and the next run embeds the rest.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { syntheticLine } from '../../bench/synthetic.ts';
import type { Database } from '../../src/db/connection.ts';
import { embeddingMark } from '../../src/db/queries/embeddings.ts';
import { importFiles } from '../../src/importers/import-files.ts';
import { embedPending } from '../../src/search/embed-pending.ts';
import { builtinEmbedder, trainBuiltinModel } from '../../src/search/embedders/builtin.ts';
import { LsaPool } from '../../src/search/embedders/lsa-pool.ts';
import { embedLsa, type LsaModel } from '../../src/search/embedders/lsa.ts';
import { EmbedderError, type Embedder } from '../../src/search/embedders/types.ts';
import { ENGINES, openTestDatabase } from '../helpers/db.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'dailypapers-embed-pool-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function importSynthetic(database: Database, n: number): Promise<void> {
  const file = path.join(dir, `snapshot-${Math.random().toString(36).slice(2)}.jsonl`);
  writeFileSync(file, Array.from({ length: n }, (_, i) => syntheticLine(i)).join('\n') + '\n');
  assert.equal((await importFiles(database, [file], { format: 'arxiv-snapshot' })).rejected, 0);
}

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

/** Every paper has exactly one vector, of `model`, and it is embedLsa's for its text, bit for bit. */
async function assertEmbeddedOnce(database: Database, model: LsaModel, n: number): Promise<void> {
  const papers = await database.db.selectFrom('papers').select(['id', 'title', 'abstract']).execute();
  const rows = await database.db.selectFrom('paper_embeddings').select(['paper_id', 'model', 'vector']).execute();
  assert.equal(papers.length, n);
  assert.equal(rows.length, n, 'one vector per paper');
  const byId = new Map(rows.map((r) => [r.paper_id, r]));
  for (const p of papers) {
    const r = byId.get(p.id);
    assert.equal(r?.model, model.id);
    assert.equal(hex(r.vector), hex(new Uint8Array(embedLsa(model, p).buffer)), `${p.id}: the main thread's vector`);
  }
}

for (const engine of ENGINES) {
  describe(`embedPending on worker threads, ${engine}`, () => {
    test('every paper embedded once, with embedLsa\'s vectors; a second run has nothing to do', async () => {
      const database = await openTestDatabase(engine);
      try {
        await importSynthetic(database, 300);
        const { model } = await trainBuiltinModel(database, { dims: 24 });
        const embedder = builtinEmbedder(model, { threads: 2 });
        try {
          // Batches of 37: slices of 19 and 18, and a last batch of 4 (300 = 8 × 37 + 4).
          const r = await embedPending(database, embedder, { batchSize: 37 });
          assert.deepEqual([r.embedded, r.remaining, r.model], [300, 0, model.id]);
          await assertEmbeddedOnce(database, model, 300);
          assert.equal((await embedPending(database, embedder)).embedded, 0);
        } finally {
          await embedder.close();
        }
      } finally {
        await database.close();
      }
    });

    test('a worker that dies mid-run fails that batch; the batches before it are written; the next run embeds the rest', async () => {
      const database = await openTestDatabase(engine);
      const pool: { current?: LsaPool } = {};
      try {
        await importSynthetic(database, 100);
        const { model } = await trainBuiltinModel(database, { dims: 16 });
        pool.current = new LsaPool(model, 2);
        let batches = 0;
        const embedder: Embedder = {
          id: model.id,
          dimensions: model.dims,
          embedDocuments: async (papers) => {
            // The third batch: a worker is ended while it embeds (long texts: it is still at work, whatever the load).
            if (++batches !== 3) return pool.current!.embed(papers);
            const p = pool.current!.embed(papers.map((x) => ({ ...x, abstract: `${x.abstract ?? ''}${' model'.repeat(100_000)}` })));
            void pool.current!.workers[1]!.terminate();
            return p;
          },
          embedQuery: async (text) => embedLsa(model, { title: '', abstract: text }),
        };
        await assert.rejects(embedPending(database, embedder, { batchSize: 20 }), (e: Error) => e instanceof EmbedderError && /worker thread stopped/.test(e.message));
        const written = await database.db.selectFrom('paper_embeddings').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
        assert.equal(Number(written.n), 40, 'the two batches before the failed one are written');
        const mark = (await embeddingMark(database.db)).mark;
        const r = await embedPending(database, embedder, { batchSize: 20 });
        assert.deepEqual([r.embedded, r.remaining], [60, 0], 'the rest, on a new worker');
        assert.ok((await embeddingMark(database.db)).mark > mark);
        await assertEmbeddedOnce(database, model, 100);
      } finally {
        await pool.current?.close();
        await database.close();
      }
    });
  });
}
