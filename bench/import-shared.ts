/**
 * Imports the real sample data (../shared/data by default) into a fresh database and prints, per folder,
 * the counts and the time taken, then the same again to show that a re-run changes nothing.
 *
 *   npm run bench:shared -- [DATA_DIR] [--database-url URL]
 *
 * Of arxiv-listings/, the CSV (ids, categories, titles) is no import format; its JSON lines are.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseDatabaseUrl } from '../src/config.ts';
import { openDatabase } from '../src/db/connection.ts';
import { migrate } from '../src/db/migrate.ts';
import { countPapers } from '../src/db/queries/papers.ts';
import { importFiles, listInputFiles } from '../src/importers/import-files.ts';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { 'database-url': { type: 'string' } } });
const dataDir = path.resolve(positionals[0] ?? '../shared/data');
const FOLDERS = ['hf-daily', 'hf-daily-malformed', 'arxiv-oai', 'arxiv-atom', 'arxiv-kaggle', 'arxiv-listings/hf_overlap_records.jsonl', 'arxiv-listings/sample_days'];

const tmp = mkdtempSync(path.join(tmpdir(), 'dailypapers-shared-'));
const database = await openDatabase(parseDatabaseUrl(values['database-url'] ?? `sqlite:${path.join(tmp, 'shared.db')}`));
try {
  await migrate(database);
  for (const pass of ['first run', 'second run']) {
    console.log(`\n${pass}`);
    console.log(`${'folder'.padEnd(40)} files   read    new  updated unchanged rejected  seconds`);
    for (const folder of FOLDERS) {
      const files = await listInputFiles([path.join(dataDir, folder)]);
      const t0 = performance.now();
      const r = await importFiles(database, files);
      const s = ((performance.now() - t0) / 1000).toFixed(1);
      console.log(
        `${folder.padEnd(40)} ${String(files.length).padStart(5)} ${[r.read, r.new, r.updated, r.unchanged, r.rejected]
          .map((v, i) => String(v).padStart([6, 6, 8, 9, 8][i]!))
          .join(' ')} ${s.padStart(8)}`,
      );
      if (pass === 'first run') for (const x of r.rejections.slice(0, 3)) console.log(`   rejected ${path.basename(x.file)}: ${x.reason}`);
    }
  }
  console.log(`\npapers in the database: ${await countPapers(database.db)}`);
} finally {
  await database.close();
  rmSync(tmp, { recursive: true, force: true });
}
