/**
 * The real corpus's titles and abstracts (../shared/data, given by DAILY_PAPERS_SHARED_DATA), for the
 * TeX renderers' leftover count (tests/integration/tex-corpus.test.ts). Never copied into the repository.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface CorpusText {
  titles: string[];
  abstracts: string[];
}

/** Why the corpus cannot be read (the skip reason), or null when it can. */
export function corpusMissing(): string | null {
  const dir = process.env.DAILY_PAPERS_SHARED_DATA;
  if (!dir) return 'set DAILY_PAPERS_SHARED_DATA to the shared data folder (e.g. /work/shared/data) to run it';
  if (!fs.existsSync(path.join(dir, 'hf-daily'))) return `${dir} has no hf-daily folder`;
  return null;
}

const xmlText = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

/** Distinct titles and abstracts: Daily Papers days, the arXiv listings (titles), the overlap records and the OAI pages. */
export function readCorpus(): CorpusText {
  const dir = process.env.DAILY_PAPERS_SHARED_DATA!;
  const titles = new Set<string>();
  const abstracts = new Set<string>();
  const add = (t: unknown, a: unknown) => {
    if (typeof t === 'string' && t.trim()) titles.add(t);
    if (typeof a === 'string' && a.trim()) abstracts.add(a);
  };
  for (const f of fs.readdirSync(path.join(dir, 'hf-daily'))) {
    let days: unknown;
    try {
      days = JSON.parse(fs.readFileSync(path.join(dir, 'hf-daily', f), 'utf8'));
    } catch {
      continue;
    }
    if (!Array.isArray(days)) continue;
    for (const d of days as { paper?: { title?: unknown; summary?: unknown } }[]) add(d.paper?.title, d.paper?.summary);
  }
  const listings = path.join(dir, 'arxiv-listings');
  const overlap = path.join(listings, 'hf_overlap_records.jsonl');
  if (fs.existsSync(overlap)) {
    for (const line of fs.readFileSync(overlap, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const r = JSON.parse(line) as { title?: unknown; summary?: unknown };
      add(r.title, r.summary);
    }
  }
  const csv = path.join(listings, 'arxiv_id_categories_title.csv');
  if (fs.existsSync(csv)) {
    // id,categories,title,listing_date: the title is the third field, quoted when it holds commas.
    for (const line of fs.readFileSync(csv, 'utf8').split('\n').slice(1)) {
      const m = /^[^,]*,(?:"(?:[^"]|"")*"|[^,]*),("(?:[^"]|"")*"|[^,]*),[^,]*$/.exec(line);
      if (m) add(m[1]!.startsWith('"') ? m[1]!.slice(1, -1).replace(/""/g, '"') : m[1], null);
    }
  }
  const oai = path.join(dir, 'arxiv-oai');
  if (fs.existsSync(oai)) {
    for (const f of fs.readdirSync(oai).filter((x) => x.endsWith('.xml'))) {
      const xml = fs.readFileSync(path.join(oai, f), 'utf8');
      for (const m of xml.matchAll(/<title>([\s\S]*?)<\/title>/g)) add(xmlText(m[1]!), null);
      for (const m of xml.matchAll(/<abstract>([\s\S]*?)<\/abstract>/g)) add(null, xmlText(m[1]!));
    }
  }
  return { titles: [...titles], abstracts: [...abstracts] };
}
