/**
 * Grounding of "Ask this paper" on the real corpus (docs/decisions/0037-ask-this-paper.md).
 *
 * Evaluation set: for papers of the Hugging Face Daily Papers files with an abstract and an AI summary, one
 * sentence of the abstract or summary (chosen by a hash of the id) becomes a question by its key phrase:
 * "What does the paper say about <its content words, in order, at most 6>?". The right passage is the one
 * that holds the sentence. Prints retrieval recall@k (k = 1, 3, 5) of that passage with the keyword fallback,
 * the site's built-in embedder (LSA trained on the corpus) and both (hybrid, what the site uses), over
 * (a) the paper's own passages and (b) a 20-paper collection (the paper and 19 others). Then, end to end
 * with the stub model (tests/helpers/llm-stub.ts: it cites the first passage, and invents one id in every
 * other answer), the share of the citations shown that point at retrieved passages (must be 100%).
 *
 *   npx tsx bench/ask-grounding.ts [DATA_DIR] [--limit N] [--asks N]
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseDatabaseUrl } from '../src/config.ts';
import { openDatabase } from '../src/db/connection.ts';
import { migrate } from '../src/db/migrate.ts';
import { loadPaperText } from '../src/db/queries/paper-text.ts';
import { chunkMarkdown, sentences, type Chunk } from '../src/domain/ask.ts';
import { importFiles, listInputFiles } from '../src/importers/import-files.ts';
import { askPaper } from '../src/llm/ask.ts';
import { LlmClient } from '../src/llm/client.ts';
import { builtinEmbedder, trainBuiltinModel } from '../src/search/embedders/builtin.ts';
import { isStopWord } from '../src/search/embedders/text.ts';
import { retrieve, type RetrievalMethod } from '../src/search/passages.ts';
import { citeFirstPassage, startLlmStub } from '../tests/helpers/llm-stub.ts';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { limit: { type: 'string' }, asks: { type: 'string' } } });
const dataDir = path.resolve(positionals[0] ?? '../shared/data');
const LIMIT = Number(values.limit ?? 400);
const ASKS = Number(values.asks ?? 100);
const COLLECTION = 20;

const h = (s: string) => createHash('sha256').update(s).digest().readUInt32BE(0);
const norm = (s: string) => s.replace(/\s+/g, ' ').trim();

/** The key-phrase question of a sentence. */
function question(sentence: string): string {
  const words = sentence.replace(/[^\p{L}\p{N}\s-]/gu, ' ').split(/\s+/).filter((w) => w.length > 2 && !isStopWord(w));
  return `What does the paper say about ${words.slice(0, 6).join(' ')}?`;
}

const tmp = mkdtempSync(path.join(tmpdir(), 'dailypapers-ask-'));
const database = await openDatabase(parseDatabaseUrl(`sqlite:${path.join(tmp, 'ask.db')}`));
try {
  await migrate(database);
  let t = performance.now();
  const imported = await importFiles(database, await listInputFiles([path.join(dataDir, 'hf-daily')]));
  console.log(`imported ${imported.read} records (${imported.new} papers) in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  t = performance.now();
  const trained = await trainBuiltinModel(database);
  const embedder = builtinEmbedder(trained.model);
  console.log(`built-in embedder ${embedder.id} trained on ${trained.papers} papers in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  const ids = (await database.db.selectFrom('papers').select('id').where('abstract', 'is not', null).where('ai_summary', 'is not', null).execute()).map((r) => r.id);
  ids.sort((a, b) => h(a) - h(b));
  const chunksOf = new Map<string, Chunk[]>();
  const cases: { paperId: string; q: string; sentence: string }[] = [];
  for (const id of ids) {
    const doc = (await loadPaperText(database.db, id))!;
    const chunks = chunkMarkdown(id, doc);
    chunksOf.set(id, chunks);
    if (cases.length >= LIMIT) continue;
    const all = chunks.flatMap((c) => sentences(c.text)).filter((s) => s.length >= 60);
    if (all.length === 0) continue;
    const sentence = all[h(`${id}#s`) % all.length]!;
    cases.push({ paperId: id, q: question(sentence), sentence });
  }
  const passagesPerPaper = [...chunksOf.values()].map((c) => c.length);
  console.log(`evaluation set: ${cases.length} questions from ${cases.length} papers; ${(passagesPerPaper.reduce((a, b) => a + b, 0) / passagesPerPaper.length).toFixed(2)} passages a paper (title, abstract, AI summary until the full text is wired)`);
  console.log(`example: "${cases[0]!.q}" ← "${cases[0]!.sentence.slice(0, 120)}…"`);

  const pool = [...chunksOf.keys()];
  for (const scope of ['paper', 'collection'] as const) {
    const rows: string[] = [];
    for (const method of ['keyword', 'embedding', 'hybrid'] as RetrievalMethod[]) {
      const hits = { 1: 0, 3: 0, 5: 0 };
      const times: number[] = [];
      for (const c of cases) {
        let chunks = chunksOf.get(c.paperId)!;
        if (scope === 'collection') {
          const others: string[] = [];
          for (let i = 0; others.length < COLLECTION - 1; i++) {
            const o = pool[h(`${c.paperId}#${i}`) % pool.length]!;
            if (o !== c.paperId && !others.includes(o)) others.push(o);
          }
          chunks = [...chunks, ...others.flatMap((o) => chunksOf.get(o)!)];
        }
        const s = performance.now();
        const { ranked } = await retrieve(c.q, chunks, 5, method === 'keyword' ? null : embedder, method);
        times.push(performance.now() - s);
        const at = ranked.findIndex((r) => r.chunk.paperId === c.paperId && norm(r.chunk.text).includes(norm(c.sentence)));
        for (const k of [1, 3, 5] as const) if (at >= 0 && at < k) hits[k]++;
      }
      times.sort((a, b) => a - b);
      const pct = (n: number) => `${((100 * n) / cases.length).toFixed(1)}%`;
      rows.push(`  ${method.padEnd(9)} recall@1 ${pct(hits[1]).padStart(6)}  @3 ${pct(hits[3]).padStart(6)}  @5 ${pct(hits[5]).padStart(6)}   median ${times[Math.floor(times.length / 2)]!.toFixed(2)} ms a question`);
    }
    const avg = scope === 'paper' ? '' : ` (${COLLECTION} papers, ~${Math.round((COLLECTION * passagesPerPaper.reduce((a, b) => a + b, 0)) / passagesPerPaper.length)} passages)`;
    console.log(`retrieval over ${scope === 'paper' ? "the paper's own passages" : `a collection${avg}`}:`);
    for (const r of rows) console.log(r);
  }

  // End to end with the stub model: every citation shown must name a passage that was retrieved and sent.
  const stub = await startLlmStub((req, i) => {
    const r = citeFirstPassage(req) as { text: string };
    return { text: i % 2 === 0 ? r.text : `${r.text} Also [P9] and [P42].` };
  });
  try {
    const llm = { client: new LlmClient({ url: stub.url, model: 'stub', apiKey: null, timeoutMs: 10_000 }), budgets: { memberRequests: 1e9, memberTokens: 1e12, siteRequests: 1e9, siteTokens: 1e12 } };
    let shown = 0;
    let grounded = 0;
    let flagged = 0;
    let answered = 0;
    for (const c of cases.slice(0, ASKS)) {
      const r = await askPaper({ db: database.db, llm, embedder, now: new Date() }, c.paperId, c.q, 1);
      if (!r.ok) continue;
      answered++;
      flagged += r.unknownCitations.length;
      const sent = stub.requests.at(-1)!.body.messages!.at(-1)!.content;
      for (const m of r.answer.matchAll(/\[(P\d+)\]/g)) {
        shown++;
        const p = r.cited.find((x) => x.id === m[1]);
        if (p && sent.includes(`[${p.id}] `) && sent.includes(p.text)) grounded++;
      }
    }
    console.log(`stub model, ${answered} answers: ${shown} citations shown, ${((100 * grounded) / Math.max(1, shown)).toFixed(1)}% point at retrieved passages that were sent; ${flagged} invented ids flagged and dropped`);
  } finally {
    await stub.close();
  }
} finally {
  await database.close();
  rmSync(tmp, { recursive: true, force: true });
}
