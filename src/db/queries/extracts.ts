/**
 * Extracted summaries and keywords (migration 31, src/domain/extract.ts): which papers need one, writing a
 * batch, and reading them for pages, Markdown and the API. Only papers without Hugging Face's `ai_summary`
 * get one; Hugging Face's fields stay in `papers`, untouched.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../schema.ts';
import { bumpDataVersion } from './papers.ts';

type Db = Kysely<DB>;

export interface StoredExtract {
  summary: string | null;
  keywords: string[];
  method: number;
  extractedAt: string;
}

export interface PaperToExtract {
  id: string;
  title: string;
  abstract: string | null;
}

/**
 * Papers without Hugging Face's summary whose extract is missing, from an older method, or older than the
 * paper's last change (a new abstract), by id after `afterId`. `all` takes every paper without `ai_summary`.
 */
export async function papersToExtract(db: Db, method: number, limit: number, afterId = '', all = false): Promise<PaperToExtract[]> {
  return db
    .selectFrom('papers')
    .leftJoin('paper_extracts as x', 'x.paper_id', 'papers.id')
    .select(['papers.id', 'papers.title', 'papers.abstract'])
    .where('papers.id', '>', afterId)
    .where((eb) => eb.or([eb('papers.ai_summary', 'is', null), eb('papers.ai_summary', '=', '')]))
    .$if(!all, (q) => q.where((eb) => eb.or([eb('x.paper_id', 'is', null), eb('x.method', '<', method), eb('x.extracted_at', '<', eb.ref('papers.modified_at'))])))
    .orderBy('papers.id')
    .limit(limit)
    .execute();
}

export async function countPapersToExtract(db: Db, method: number): Promise<number> {
  const r = await db
    .selectFrom('papers')
    .leftJoin('paper_extracts as x', 'x.paper_id', 'papers.id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where((eb) => eb.or([eb('papers.ai_summary', 'is', null), eb('papers.ai_summary', '=', '')]))
    .where((eb) => eb.or([eb('x.paper_id', 'is', null), eb('x.method', '<', method), eb('x.extracted_at', '<', eb.ref('papers.modified_at'))]))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function countExtracts(db: Db): Promise<number> {
  const r = await db.selectFrom('paper_extracts').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Writes (or replaces) extracts in one transaction, and marks pages stale so that they show them. */
export async function storeExtracts(
  db: Db,
  rows: { paperId: string; summary: string | null; keywords: string[] }[],
  method: number,
  now = new Date(),
): Promise<void> {
  if (rows.length === 0) return;
  const at = now.toISOString();
  await db.transaction().execute(async (trx) => {
    // A paper deleted since it was read has nothing to attach to.
    const present = new Set(
      (await trx.selectFrom('papers').select('id').where('id', 'in', rows.map((r) => r.paperId)).execute()).map((r) => r.id),
    );
    for (const r of rows) {
      if (!present.has(r.paperId)) continue;
      const values = { summary: r.summary, keywords: JSON.stringify(r.keywords), method, extracted_at: at };
      await trx
        .insertInto('paper_extracts')
        .values({ paper_id: r.paperId, ...values })
        .onConflict((oc) => oc.column('paper_id').doUpdateSet(values))
        .execute();
    }
    await bumpDataVersion(trx);
  });
}

/** Extracts of papers that have Hugging Face's summary by now (it replaces ours): deleted. Returns how many. */
export async function deleteSupersededExtracts(db: Db): Promise<number> {
  const r = await db
    .deleteFrom('paper_extracts')
    .where('paper_id', 'in', (eb) => eb.selectFrom('papers').select('id').where('ai_summary', 'is not', null).where('ai_summary', '!=', ''))
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

export async function getExtract(db: Db, paperId: string): Promise<StoredExtract | undefined> {
  return (await getExtracts(db, [paperId])).get(paperId);
}

export async function getExtracts(db: Db, paperIds: string[]): Promise<Map<string, StoredExtract>> {
  const map = new Map<string, StoredExtract>();
  if (paperIds.length === 0) return map;
  const rows = await db.selectFrom('paper_extracts').selectAll().where('paper_id', 'in', [...new Set(paperIds)]).execute();
  for (const r of rows) {
    map.set(r.paper_id, { summary: r.summary, keywords: JSON.parse(r.keywords) as string[], method: r.method, extractedAt: r.extracted_at });
  }
  return map;
}
