/**
 * For-you page speed (docs/decisions/0029-for-you-feed.md) on both engines, synthetic data: PAPERS papers
 * (bench/synthetic.ts snapshot lines, imported), LISTED_PER_DAY of them listed on each of the last 60 days
 * (the For-you window holds 30 of them), a random 256-dimension embedding for each listed paper, MEMBERS
 * members with 20 upvotes, 5 saved papers and 5 pieces of feedback each on listed papers. Then GET
 * /papers/for-you for SAMPLE members in turn (in-process, app.request: the whole handler, queries,
 * ranking and HTML) and the same members' /papers/trending as the baseline of a list page on the same data.
 *
 *   npm run bench:for-you-speed -- [--papers 100000] [--members 10000] [--sample 200] [--engines sqlite,postgres]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { hashToken, newToken } from '../src/auth/crypto.ts';
import { openDatabase, type Database } from '../src/db/connection.ts';
import { migrate } from '../src/db/migrate.ts';
import { setSiteModel } from '../src/db/queries/embedding-models.ts';
import { storeEmbeddings } from '../src/db/queries/embeddings.ts';
import { addDays } from '../src/domain/dates.ts';
import { createMailer } from '../src/email/mailer.ts';
import { createApp } from '../src/http/app.ts';
import { importFiles } from '../src/importers/import-files.ts';
import type { SemanticIndex } from '../src/search/types.ts';
import { createTestDatabase } from '../tests/helpers/db.ts';
import { generate } from './synthetic.ts';

const { values: args } = parseArgs({
  options: {
    papers: { type: 'string', default: '100000' },
    members: { type: 'string', default: '10000' },
    sample: { type: 'string', default: '200' },
    'listed-per-day': { type: 'string', default: '100' },
    engines: { type: 'string', default: 'sqlite,postgres' },
  },
});
const PAPERS = Number(args.papers);
const MEMBERS = Number(args.members);
const SAMPLE = Math.min(Number(args.sample), MEMBERS);
const PER_DAY = Number(args['listed-per-day']);
const DAYS = 60;
const DIMS = 256;
const MODEL = 'bench-random-256@1';
const NOW = new Date('2026-06-01T12:00:00Z');

let seed = 7;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);

/** The engine's own index is not needed: For-you reads vectors from the database by the model's name. */
const semantic: SemanticIndex = {
  model: MODEL,
  searchText: async () => [],
  searchTextWith: async () => ({ nearest: [], similarity: new Map() }),
  similarTo: async () => [],
};

async function chunks<T>(rows: T[], size: number, f: (c: T[]) => Promise<unknown>) {
  for (let i = 0; i < rows.length; i += size) await f(rows.slice(i, i + size));
}

async function fill(database: Database, file: string): Promise<{ sessions: string[] }> {
  const { db } = database;
  let t = performance.now();
  await importFiles(database, [file]);
  console.log(`  imported ${PAPERS} papers in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  t = performance.now();
  const ids = (await db.selectFrom('papers').select('id').orderBy('id').execute()).map((r) => r.id);
  const listed: string[] = [];
  const entries = [];
  const today = NOW.toISOString().slice(0, 10);
  for (let d = 0; d < DAYS; d++) {
    const day = addDays(today, -d);
    for (let k = 0; k < PER_DAY; k++) {
      const id = ids[(d * PER_DAY + k) % ids.length]!;
      listed.push(id);
      entries.push({ paper_id: id, day, listed_at: `${day}T0${k % 10}:00:00.000Z`, submitter_id: null, submitted_at: null, comment: null, num_comments: Math.floor(rand() * 5), thumbnail: null, media_urls: null, is_author_participating: null, created_at: NOW.toISOString(), modified_at: NOW.toISOString() });
    }
  }
  await chunks(entries, 500, (c) => db.insertInto('daily_entries').values(c).execute());
  await chunks(listed, 500, (c) => db.updateTable('papers').set({ upvotes: Math.floor(rand() * 100) }).where('id', 'in', c).execute());
  await setSiteModel(db, MODEL);
  await chunks(listed, 500, (c) => storeEmbeddings(db, MODEL, c.map((paperId) => ({ paperId, vector: Float32Array.from({ length: DIMS }, () => rand() - 0.5) })), NOW));
  console.log(`  listed ${listed.length} papers over ${DAYS} days, with embeddings, in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  t = performance.now();
  const users = Array.from({ length: MEMBERS }, (_, i) => ({ username: `m${i}`, email: `m${i}@example.org`, email_verified_at: NOW.toISOString(), password_hash: null, display_name: null, bio: null, suspended_at: null, deleted_at: null, created_at: NOW.toISOString() }));
  await chunks(users, 500, (c) => db.insertInto('users').values(c).execute());
  const userIds = (await db.selectFrom('users').select('id').orderBy('id').execute()).map((r) => r.id);
  const votes: { user_id: number; paper_id: string; created_at: string }[] = [];
  const feedback: { user_id: number; paper_id: string; kind: string; created_at: string }[] = [];
  const collections: { user_id: number; slug: string; name: string; created_at: string; updated_at: string }[] = [];
  for (const u of userIds) {
    const mine = new Set<string>();
    while (mine.size < 30) mine.add(listed[Math.floor(rand() * listed.length)]!);
    const list = [...mine];
    for (const p of list.slice(0, 20)) votes.push({ user_id: u, paper_id: p, created_at: NOW.toISOString() });
    for (const [i, p] of list.slice(20, 25).entries()) feedback.push({ user_id: u, paper_id: p, kind: i === 0 ? 'less' : 'more', created_at: NOW.toISOString() });
    collections.push({ user_id: u, slug: 'reading', name: 'Reading', created_at: NOW.toISOString(), updated_at: NOW.toISOString() });
  }
  await chunks(votes, 500, (c) => db.insertInto('votes').values(c).execute());
  await chunks(feedback, 500, (c) => db.insertInto('for_you_feedback').values(c).execute());
  await chunks(collections, 500, (c) => db.insertInto('collections').values(c).execute());
  const cols = await db.selectFrom('collections').select(['id', 'user_id']).execute();
  const saved = cols.flatMap((c) => Array.from({ length: 5 }, (_, i) => ({ collection_id: c.id, paper_id: listed[(c.user_id * 7 + i * 13) % listed.length]!, note: null, added_at: NOW.toISOString() })));
  await chunks(saved, 500, (c) => db.insertInto('collection_papers').values(c).onConflict((oc) => oc.doNothing()).execute());
  const sessions: string[] = [];
  for (let i = 0; i < SAMPLE; i++) {
    const token = newToken();
    const u = userIds[Math.floor((i * userIds.length) / SAMPLE)]!;
    await db.insertInto('sessions').values({ token_hash: hashToken(token), user_id: u, created_at: NOW.toISOString(), expires_at: '2099-01-01T00:00:00.000Z', user_agent: null }).execute();
    sessions.push(token);
  }
  console.log(`  ${MEMBERS} members, ${votes.length} upvotes, ${feedback.length} feedback rows, ${saved.length} saved papers in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  return { sessions };
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

const dir = mkdtempSync(path.join(tmpdir(), 'dailypapers-foryou-speed-'));
try {
  const file = path.join(dir, 'snapshot.jsonl');
  await generate(file, PAPERS);
  for (const engine of args.engines!.split(',') as ('sqlite' | 'postgres')[]) {
    console.log(`\n${engine}: ${PAPERS} papers, ${MEMBERS} members, ${PER_DAY} listed a day`);
    const target = await createTestDatabase(engine);
    const database = await openDatabase(target.config);
    try {
      await migrate(database);
      const { sessions } = await fill(database, file);
      const generous = { limit: 1_000_000, windowSeconds: 60 };
      const app = createApp({
        database, site: { name: 'Daily Papers', curators: null, publicUrl: 'http://bench.test' }, mailer: createMailer(database, { smtpUrl: null, from: 'b@bench.test' }),
        now: () => NOW, semantic, rateLimits: { read: { name: 'read', ...generous }, write: { name: 'write', ...generous }, auth: { name: 'auth', ...generous }, login: { name: 'login', ...generous } },
      });
      const time = async (p: string, token: string) => {
        const t0 = performance.now();
        const r = await app.request(p, { headers: { cookie: `dp_session=${token}` } });
        const body = await r.text();
        if (r.status !== 200 || !body.includes('data-card')) throw new Error(`${p}: ${r.status}`);
        return performance.now() - t0;
      };
      await time('/papers/for-you', sessions[0]!); // warm-up
      const forYou: number[] = [];
      const trending: number[] = [];
      for (const s of sessions) {
        forYou.push(await time('/papers/for-you', s));
        trending.push(await time('/papers/trending', s));
      }
      console.log(`  ${'page'.padEnd(18)} median ms   p95 ms   (${SAMPLE} members in turn)`);
      for (const [name, xs] of [['/papers/for-you', forYou], ['/papers/trending', trending]] as const) {
        console.log(`  ${name.padEnd(18)} ${pct(xs, 0.5).toFixed(1).padStart(9)} ${pct(xs, 0.95).toFixed(1).padStart(8)}`);
      }
    } finally {
      await database.close();
      await target.drop();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
