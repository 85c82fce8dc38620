/**
 * For-you quality on the real Daily Papers files (docs/decisions/0029-for-you-feed.md). Synthetic members
 * from a held-aside split: one per submitter and one per organization with enough listed papers. For each,
 * a split moment T (the listing time of their paper at SPLIT_AT of their history): their papers listed up to
 * T become upvotes (at most SIGNALS, the newest), the page is asked for at T + HORIZON_DAYS, and the targets
 * are their papers listed after T up to then. Every system ranks the same candidates (the For-you window:
 * papers listed in the 30 days up to that moment, the member's signal papers left out). Prints precision@10
 * and nDCG@10 of For-you (the site's function, at several blends, with and without embeddings) against
 * baselines: newest first, trending (community heat), and the nearest neighbours of the last upvote.
 *
 *   npm run bench:for-you-quality -- [DATA_DIR] [--members N] [--work DIR] [--database-url URL]
 *
 * --work DIR keeps the database and model for the next run.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseDatabaseUrl } from '../src/config.ts';
import { openDatabase } from '../src/db/connection.ts';
import { migrate } from '../src/db/migrate.ts';
import { importFiles, listInputFiles } from '../src/importers/import-files.ts';
import { setSiteModel } from '../src/db/queries/embedding-models.ts';
import { embeddingsOf } from '../src/db/queries/embeddings.ts';
import { createUser } from '../src/db/queries/users.ts';
import { builtinEmbedder, trainBuiltinModel } from '../src/search/embedders/builtin.ts';
import { parseLsa } from '../src/search/embedders/lsa.ts';
import { embedPending } from '../src/search/embed-pending.ts';
import { forYouFeed } from '../src/search/for-you.ts';
import { VectorIndex } from '../src/search/vectors.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'database-url': { type: 'string' }, members: { type: 'string' }, work: { type: 'string' } },
});
const dataDir = path.resolve(positionals[0] ?? '../shared/data');
const K = 10;
const MAX_MEMBERS = Number(values.members ?? 200);
const SIGNALS = 20;
const MIN_PAPERS = 6;
const SPLIT_AT = 0.7;
const HORIZON_DAYS = 7;

const tmp = values.work ? path.resolve(values.work) : mkdtempSync(path.join(tmpdir(), 'dailypapers-foryou-'));
mkdirSync(tmp, { recursive: true });
const modelFile = path.join(tmp, 'foryou.lsa-model.bin');
const reuse = Boolean(values.work) && existsSync(modelFile);
const database = await openDatabase(parseDatabaseUrl(values['database-url'] ?? `sqlite:${path.join(tmp, 'foryou.db')}`));
try {
  await migrate(database);
  const { db } = database;
  if (!reuse) {
    const t = performance.now();
    const files = await listInputFiles([path.join(dataDir, 'hf-daily'), path.join(dataDir, 'arxiv-listings/hf_overlap_records.jsonl')]);
    const imported = await importFiles(database, files);
    console.log(`imported ${imported.read} records (${imported.new} new papers) in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const trained = await trainBuiltinModel(database, {});
    writeFileSync(modelFile, trained.bytes);
    console.log(`built-in embedder ${trained.model.id}: trained on ${trained.papers} papers in ${(trained.ms / 1000).toFixed(1)} s`);
  }
  const embedder = builtinEmbedder(parseLsa(readFileSync(modelFile)));
  await setSiteModel(db, embedder.id);
  await embedPending(database, embedder);
  const index = await VectorIndex.open(database, embedder, { dir: tmp });
  console.log(`index: ${index.size} vectors (${embedder.id})`);

  // Every listing: paper, when, by which submitter and organization.
  const rows = await db
    .selectFrom('daily_entries as e')
    .innerJoin('papers as p', 'p.id', 'e.paper_id')
    .select(['e.paper_id', 'e.day', 'e.listed_at', 'e.submitter_id', 'p.organization_id'])
    .execute();
  const at = (r: (typeof rows)[number]) => r.listed_at ?? `${r.day}T00:00:00.000Z`;
  const groups: Record<string, Map<number, { paperId: string; at: string }[]>> = { submitter: new Map(), organization: new Map() };
  for (const r of rows) {
    for (const [kind, key] of [['submitter', r.submitter_id], ['organization', r.organization_id]] as const) {
      if (key === null) continue;
      const g = groups[kind]!;
      if (!g.has(key)) g.set(key, []);
      g.get(key)!.push({ paperId: r.paper_id, at: at(r) });
    }
  }

  interface Case { name: string; signals: { paperId: string; at: string }[]; targets: Set<string>; now: Date }
  const cases: Record<string, Case[]> = {};
  for (const [kind, g] of Object.entries(groups)) {
    const list: Case[] = [];
    for (const [key, papers] of [...g.entries()].sort((a, b) => a[0] - b[0])) {
      const uniq = [...new Map(papers.sort((a, b) => a.at.localeCompare(b.at)).map((p) => [p.paperId, p])).values()];
      if (uniq.length < MIN_PAPERS) continue;
      // Submitters who list a large share of everything (curators) are not one reader's taste.
      if (kind === 'submitter' && uniq.length > rows.length * 0.05) continue;
      const split = uniq[Math.floor(uniq.length * SPLIT_AT) - 1]!.at;
      const now = new Date(new Date(split).getTime() + HORIZON_DAYS * 86_400_000);
      const signals = uniq.filter((p) => p.at <= split).slice(-SIGNALS);
      const targets = new Set(uniq.filter((p) => p.at > split && p.at <= now.toISOString()).map((p) => p.paperId));
      if (signals.length >= 3 && targets.size > 0) list.push({ name: `${kind}:${key}`, signals, targets, now });
    }
    // A deterministic sample, spread over the list.
    const step = Math.max(1, list.length / MAX_MEMBERS);
    cases[kind] = Array.from({ length: Math.min(MAX_MEMBERS, list.length) }, (_, i) => list[Math.floor(i * step)]!);
  }

  const systems = ['for-you (heat 0)', 'for-you (heat 30, default)', 'for-you words only (heat 0)', 'newest', 'trending', 'nearest to last upvote'] as const;
  const metric = (ranked: string[], targets: Set<string>) => {
    const top = ranked.slice(0, K);
    const hits = top.map((id) => (targets.has(id) ? 1 : 0));
    const dcg = hits.reduce<number>((s, h, i) => s + h / Math.log2(i + 2), 0);
    let idcg = 0;
    for (let i = 0; i < Math.min(K, targets.size); i++) idcg += 1 / Math.log2(i + 2);
    return { p: hits.reduce<number>((a, b) => a + b, 0) / K, ndcg: idcg ? dcg / idcg : 0 };
  };
  let userN = 0;
  for (const [kind, list] of Object.entries(cases)) {
    const sums = new Map<string, { p: number; ndcg: number }>(systems.map((s) => [s, { p: 0, ndcg: 0 }]));
    const ms: number[] = [];
    let candidatesSeen = 0;
    let targetsSeen = 0;
    for (const c of list) {
      const user = await createUser(db, { username: `bench${process.pid}x${++userN}`, email: `bench${process.pid}x${userN}@example.org`, passwordHash: null });
      // Upvotes written as rows only (not the counters, so other members' heat is not touched).
      await db.insertInto('votes').values(c.signals.map((s) => ({ user_id: user.id, paper_id: s.paperId, created_at: s.at }))).onConflict((oc) => oc.doNothing()).execute();
      const t0 = performance.now();
      const personal = await forYouFeed(database, index, user.id, c.now, { heat: 0 });
      ms.push(performance.now() - t0);
      const blended = await forYouFeed(database, index, user.id, c.now, { heat: 30 });
      const words = await forYouFeed(database, null, user.id, c.now, { heat: 0 });
      const trending = await forYouFeed(database, null, user.id, c.now, { heat: 100 });
      const ids = personal.items.map((i) => i.paperId);
      candidatesSeen += ids.length;
      targetsSeen += [...c.targets].filter((t) => ids.includes(t)).length;
      const listedAt = new Map(personal.items.map((i) => [i.paperId, i.listing.entry.listedAt ?? i.listing.entry.day]));
      const newest = [...ids].sort((a, b) => (listedAt.get(b) ?? '').localeCompare(listedAt.get(a) ?? '') || a.localeCompare(b));
      const last = c.signals.at(-1)!.paperId;
      const vectors = await embeddingsOf(db, embedder.id, [last, ...ids]);
      const lv = vectors.get(last);
      const cos = (v: Float32Array | undefined) => {
        if (!v || !lv) return -2;
        let d = 0, a = 0, b = 0;
        for (let i = 0; i < v.length; i++) { d += v[i]! * lv[i]!; a += v[i]! * v[i]!; b += lv[i]! * lv[i]!; }
        return d / (Math.sqrt(a * b) || 1);
      };
      const nearest = [...ids].sort((a, b) => cos(vectors.get(b)) - cos(vectors.get(a)) || a.localeCompare(b));
      const ranked: Record<(typeof systems)[number], string[]> = {
        'for-you (heat 0)': ids,
        'for-you (heat 30, default)': blended.items.map((i) => i.paperId),
        'for-you words only (heat 0)': words.items.map((i) => i.paperId),
        newest,
        trending: trending.items.map((i) => i.paperId),
        'nearest to last upvote': nearest,
      };
      for (const s of systems) {
        const m = metric(ranked[s], c.targets);
        const sum = sums.get(s)!;
        sum.p += m.p;
        sum.ndcg += m.ndcg;
      }
    }
    ms.sort((a, b) => a - b);
    console.log(`\nmembers per ${kind}: ${list.length} (≥${MIN_PAPERS} listed papers; signals ≤ ${SIGNALS} upvotes before the split; ${HORIZON_DAYS}-day horizon)`);
    console.log(`  candidates per member ${(candidatesSeen / Math.max(1, list.length)).toFixed(0)}, targets per member ${(targetsSeen / Math.max(1, list.length)).toFixed(2)}; for-you ranking median ${ms[Math.floor(ms.length / 2)]?.toFixed(1)} ms`);
    console.log(`  ${'system'.padEnd(30)} P@${K}     nDCG@${K}`);
    for (const s of systems) {
      const sum = sums.get(s)!;
      console.log(`  ${s.padEnd(30)} ${(sum.p / Math.max(1, list.length)).toFixed(4)}   ${(sum.ndcg / Math.max(1, list.length)).toFixed(4)}`);
    }
  }
  await index.close();
} finally {
  await database.close();
}
