/**
 * The notify-follows scan (src/notify/new-papers.ts) on real papers: imports a data path (default
 * ../shared/data/hf-daily) into a fresh database, makes M members (default 2,000) each following F things
 * (default 10; several paths comma-separated) drawn from the papers themselves (their authors, categories, organizations, AI keywords), then
 * times one scan of every paper: with nobody following (the baseline: reading the papers) and with the follows.
 * Prints papers/s of both, the ratio, the notifications made, and the time of the batched mail step.
 *
 *   npx tsx bench/notify-follows.ts [--data ../shared/data/hf-daily] [--members 2000] [--follows 10] [--engine sqlite|postgres]
 */
import { parseArgs } from 'node:util';
import { createTestDatabase } from '../tests/helpers/db.ts';
import { openDatabase } from '../src/db/connection.ts';
import { migrate } from '../src/db/migrate.ts';
import { importFiles, listInputFiles } from '../src/importers/import-files.ts';
import { mailFollowedPapers, scanNewPapers } from '../src/notify/new-papers.ts';
import { authorKey } from '../src/domain/follows.ts';

const { values } = parseArgs({ options: {
  data: { type: 'string', default: '../shared/data/hf-daily' }, members: { type: 'string', default: '2000' },
  follows: { type: 'string', default: '10' }, engine: { type: 'string', default: 'sqlite' },
} });
const M = Number(values.members);
const F = Number(values.follows);
const engine = values.engine === 'postgres' ? 'postgres' : 'sqlite';

const created = await createTestDatabase(engine);
const database = await openDatabase(created.config);
try {
  await migrate(database);
  let t = performance.now();
  const imported = await importFiles(database, await listInputFiles(values.data!.split(',')));
  console.log(`imported ${imported.new} papers from ${values.data!.split(",").length} path(s) in ${((performance.now() - t) / 1000).toFixed(1)} s (${engine})`);
  const { db } = database;
  const papers = await db.selectFrom('papers as p').leftJoin('organizations as o', 'o.id', 'p.organization_id').select(['p.authors', 'p.categories', 'p.ai_keywords', 'o.name']).execute();
  // Channels drawn from the papers, as members would pick them (a fixed pseudo-random sequence).
  const pool: { kind: 'author' | 'category' | 'organization' | 'keyword'; value: string }[] = [];
  for (const p of papers) {
    const authors = JSON.parse(p.authors) as { name: string }[];
    if (authors[0]) pool.push({ kind: 'author', value: authorKey(authors[0].name) });
    pool.push({ kind: 'category', value: p.categories.split(' ')[0]! });
    if (p.name) pool.push({ kind: 'organization', value: p.name });
    const kw = p.ai_keywords ? (JSON.parse(p.ai_keywords) as string[]) : [];
    if (kw[0] && kw[0].length >= 3) pool.push({ kind: 'keyword', value: kw[0].toLowerCase() });
  }
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const past = '2000-01-01T00:00:00.000Z';
  const now = new Date(Date.now() + 3_600_000); // every paper is older than the lag: the mark moves to the end

  // Baseline: the same scan with nobody following.
  await db.deleteFrom('notification_marks').execute();
  await db.insertInto('notification_marks').values({ name: 'new-papers', created_at: past, paper_id: '' }).execute();
  t = performance.now();
  const base = await scanNewPapers(database, now);
  const baseMs = performance.now() - t;

  for (let m = 0; m < M; m++) {
    const user = await db.insertInto('users').values({ username: `m${m}`, email: `m${m}@bench.test`, email_verified_at: past, password_hash: null, display_name: null, bio: null, suspended_at: null, deleted_at: null, created_at: past }).returning('id').executeTakeFirstOrThrow();
    const picks = new Map<string, { kind: typeof pool[number]['kind']; value: string }>();
    while (picks.size < F) {
      const c = pool[Math.floor(rnd() * pool.length)]!;
      picks.set(`${c.kind}:${c.value}`, c);
    }
    await db.insertInto('follows').values([...picks.values()].map((c) => ({ user_id: user.id, kind: c.kind, value: c.value, created_at: past }))).execute();
  }
  await db.deleteFrom('notification_marks').execute();
  await db.insertInto('notification_marks').values({ name: 'new-papers', created_at: past, paper_id: '' }).execute();
  t = performance.now();
  const run = await scanNewPapers(database, now);
  const runMs = performance.now() - t;
  t = performance.now();
  const mails = await mailFollowedPapers(database, { name: 'Bench', curators: null, publicUrl: 'http://bench.test' }, now);
  const mailMs = performance.now() - t;
  const rate = (n: number, ms: number) => Math.round(n / (ms / 1000));
  console.log(`baseline (no follows): ${base.papers} papers in ${(baseMs / 1000).toFixed(2)} s = ${rate(base.papers, baseMs)} papers/s`);
  console.log(`with ${M} members × ${F} follows: ${run.papers} papers in ${(runMs / 1000).toFixed(2)} s = ${rate(run.papers, runMs)} papers/s (${(runMs / baseMs).toFixed(1)}× the baseline), ${run.notifications} notifications`);
  console.log(`batched mail: ${mails} mails (one per member with news) in ${(mailMs / 1000).toFixed(2)} s`);
} finally {
  await database.close();
  await created.drop();
}
