/**
 * The fast import (docs/decisions/0042-fast-import.md: records staged several hundred to a row, write
 * transactions sized by time) writes exactly what the importer before it wrote: the records of a file
 * merged in file order, BATCH_SIZE (250) per transaction (decision 0017). The reference here is that:
 * applyRecords on the parsed lines, 250 at a time, each in its own transaction, into a second database.
 * Both engines; a file with papers listed twice (also across batch boundaries, and a newer version before an older
 * one), then a second file that
 * updates some of them and repeats others unchanged, and a run staged by an older release (one record a row).
 * SQLite's new papers are numbered (text_seq) by the importer since migration 35: every paper still has its own
 * seq and the counter ends at the highest.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { syntheticLine } from '../../bench/synthetic.ts';
import type { Database } from '../../src/db/connection.ts';
import { createRun, markReady } from '../../src/db/queries/import-runs.ts';
import { applyRecords, type BatchCounts } from '../../src/db/queries/papers.ts';
import type { ImportRecord } from '../../src/domain/paper.ts';
import { parseSnapshotLine } from '../../src/importers/arxiv-snapshot/parse.ts';
import { importFiles } from '../../src/importers/import-files.ts';
import { BATCH_SIZE, finishInterruptedImports } from '../../src/importers/staged.ts';
import { ENGINES, openTestDatabase } from '../helpers/db.ts';

const FIRST = 1_700; // several transactions of every size the sizer picks, and a short last chunk

/** Lines of the first file: ids 0..FIRST-1, and some papers listed again later in the file (another version, title). */
function firstFile(): string[] {
  const lines = Array.from({ length: FIRST }, (_, i) => syntheticLine(i));
  for (const [at, again] of [[10, 260], [249, 251], [600, 1_650], [1_000, 1_001]] as const) {
    const o = JSON.parse(lines[at]!) as { title: string; versions: unknown[] };
    o.title = `${o.title} revised`;
    o.versions = [...o.versions, { version: `v${o.versions.length + 1}`, created: 'Tue, 3 Apr 2007 10:00:00 GMT' }];
    lines.splice(again, 0, JSON.stringify(o));
  }
  // A newer version, then in the same transaction the older one with another title: the paper keeps the newer
  // title, so its text is neither record's alone (PostgreSQL: the document computed ahead from the last record
  // does not fit, and the one from the row is written).
  const o = JSON.parse(lines[100]!) as { title: string; versions: unknown[] };
  const older = JSON.stringify({ ...o, title: `${o.title} as first submitted` });
  const newer = { ...o, title: `${o.title} as revised`, versions: [...o.versions, { version: `v${o.versions.length + 1}`, created: 'Tue, 3 Apr 2007 10:00:00 GMT' }] };
  lines.splice(100, 1, JSON.stringify(newer), older);
  return lines;
}

/** The second file: the first 400 papers again (unchanged), 300 of them with a new abstract, and 300 new papers. */
function secondFile(first: string[]): string[] {
  const out = first.slice(0, 400);
  for (let i = 400; i < 700; i++) {
    const o = JSON.parse(first[i]!) as { abstract: string; categories: string };
    o.abstract = `${o.abstract} An added sentence.`;
    o.categories = 'cs.LG stat.ML';
    out.push(JSON.stringify(o));
  }
  for (let i = FIRST; i < FIRST + 300; i++) out.push(syntheticLine(i));
  return out;
}

async function reference(database: Database, lines: string[]): Promise<BatchCounts> {
  const records = lines.map((l, i) => parseSnapshotLine(l, i + 1));
  const total: BatchCounts = { new: 0, updated: 0, unchanged: 0 };
  for (let i = 0; i < records.length; i += BATCH_SIZE) {
    const c = await database.db.transaction().execute((trx) => applyRecords(trx, records.slice(i, i + BATCH_SIZE), database.maxParams));
    total.new += c.new;
    total.updated += c.updated;
    total.unchanged += c.unchanged;
  }
  return total;
}

/** What an import leaves, without what differs by when it ran (timestamps) or how it was cut in transactions. */
async function contents(database: Database) {
  const papers = (await database.db.selectFrom('papers').selectAll().orderBy('id').execute()).map(
    ({ created_at: _c, modified_at: _m, text_seq: _t, ...rest }) => rest,
  );
  const categories = await database.db.selectFrom('paper_categories').selectAll().orderBy('paper_id').orderBy('category').execute();
  let search: unknown[];
  if (database.engine === 'postgres') {
    search = (await sql<{ paper_id: string; document: string }>`select paper_id, document::text as document from paper_search order by paper_id`.execute(database.db)).rows;
  } else {
    // Contentless FTS5: what it finds, term by term.
    search = [];
    for (const term of ['graph', 'quantum', 'revised', 'added', 'largeson', 'zzznothing']) {
      const r = await sql<{ paper_id: string }>`select d.paper_id from papers_fts f join papers_fts_docs d on d.doc = f.rowid where papers_fts match ${term} order by d.paper_id`.execute(database.db);
      search.push([term, r.rows.map((x) => x.paper_id)]);
    }
  }
  // Each paper's text sequence is distinct (its order may differ: a paper listed twice in a file is written once by one transaction, twice by two).
  const seqs = await database.db.selectFrom('papers').select('text_seq').execute();
  assert.equal(new Set(seqs.map((s) => String(s.text_seq))).size, seqs.length, 'every paper has its own text_seq');
  if (database.engine === 'sqlite') {
    // The importer numbers its new rows itself (migration 35): the counter is where the trigger would have left it.
    const counter = await database.db.selectFrom('site_state').select('value').where('key', '=', 'text_seq').executeTakeFirstOrThrow();
    assert.equal(Number(counter.value), Math.max(0, ...seqs.map((s) => Number(s.text_seq))), 'the text_seq counter is the highest seq');
  }
  const staged = await database.db.selectFrom('import_staging').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const runs = await database.db.selectFrom('import_runs').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { papers, categories, search, staged: Number(staged.n), runs: Number(runs.n) };
}

for (const engine of ENGINES) {
  describe(`the fast import writes what the importer before it wrote, on ${engine}`, () => {
    let fast: Database;
    let ref: Database;
    let dir: string;
    before(async () => {
      fast = await openTestDatabase(engine);
      ref = await openTestDatabase(engine);
      dir = mkdtempSync(path.join(tmpdir(), 'dailypapers-equivalence-'));
    });
    after(async () => {
      await fast.close();
      await ref.close();
      rmSync(dir, { recursive: true, force: true });
    });

    test('a file with repeated papers, then a file of updates, unchanged and new papers: same rows, same counts', async () => {
      const one = firstFile();
      const two = secondFile(one);
      for (const [name, lines] of [['one.jsonl', one], ['two.jsonl', two]] as const) {
        const file = path.join(dir, name);
        writeFileSync(file, lines.join('\n') + '\n');
        const r = await importFiles(fast, [file]);
        assert.equal(r.rejected, 0, r.rejections[0]?.reason);
        const expected = await reference(ref, lines);
        assert.deepEqual({ new: r.new, updated: r.updated, unchanged: r.unchanged }, expected, `${name}: counts`);
        const [a, b] = [await contents(fast), await contents(ref)];
        assert.equal(a.papers.length, b.papers.length);
        assert.deepEqual(a, b, `${name}: rows`);
        assert.equal(a.staged + a.runs, 0, 'nothing left staged');
        if (engine === 'postgres') {
          // The importer queued up to IMPORT_GIN.pendingListKb of GIN entries, and merged them at the end of its run.
          const left = await sql<{ pages: number }>`select gin_clean_pending_list('paper_search_document') as pages`.execute(fast.db);
          assert.equal(Number(left.rows[0]!.pages), 0, `${name}: GIN's pending list was merged`);
        }
      }
      // Re-running changes nothing.
      const again = await importFiles(fast, [path.join(dir, 'two.jsonl')]);
      assert.deepEqual([again.new, again.updated], [0, 0]);
    });

    test('a run staged by an older release (one record a row) is finished as before', async () => {
      const gone = 'some-other-host:1';
      const now = new Date().toISOString();
      const past = new Date(Date.now() - 3_600_000).toISOString();
      const records: ImportRecord[] = [0, 1, 2].map((k) => parseSnapshotLine(syntheticLine(5_000 + k), 1));
      const run = await createRun(fast.db, { file: 'old.jsonl', format: 'arxiv-snapshot', owner: gone, leaseUntil: now, now });
      await fast.db.insertInto('import_staging').values(records.map((r, seq) => ({ run_id: run, seq, record: JSON.stringify(r) }))).execute();
      await markReady(fast.db, run, gone, past);
      const finished = await finishInterruptedImports(fast);
      assert.deepEqual(finished, [{ file: 'old.jsonl', new: 3, updated: 0, unchanged: 0 }]);
      await ref.db.transaction().execute((trx) => applyRecords(trx, records, ref.maxParams));
      assert.deepEqual(await contents(fast), await contents(ref));
    });
  });
}
