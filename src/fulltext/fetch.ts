/**
 * Fetching papers' full text from arXiv, politely (docs/decisions/0034-full-text.md):
 *
 * - arXiv's HTML rendering first (`{htmlUrl}/{id}v{n}`, made by LaTeXML), converted by
 *   src/domain/fulltext-html.ts; where arXiv has none (404, or a page that is not LaTeXML's), the PDF
 *   (`{pdfUrl}/{id}v{n}`), whose text src/fulltext/pdf.ts extracts;
 * - one request at a time site-wide, `delayMs` apart (the throttle slot `arxiv-fulltext`, shared by every
 *   instance: src/db/queries/throttles.ts), a 503/429 with Retry-After waited out (src/harvest/fetch.ts),
 *   and at most `dailyBudget` requests in any 24 hours;
 * - the text is stored with the version it was made from; a paper whose version grows is fetched again.
 *
 * A paper that fails is recorded with the reason and the run goes on; a network failure (arXiv unreachable,
 * offline) stops the run at once with one clear line, since every other paper would fail the same way.
 */
import type { Database } from '../db/connection.ts';
import {
  fullTextRequestsSince, paperVersion, pendingFullText, recordFullTextFailure, recordFullTextRequest, storeFullText, type PendingPaper,
} from '../db/queries/fulltext.ts';
import { takeSlot } from '../db/queries/throttles.ts';
import { parseArxivId } from '../domain/arxiv-id.ts';
import type { ArxivThrottle } from '../domain/arxiv-throttle.ts';
import { figureUrls, latexmlToMarkdown, looksLikeLatexml, type Converted } from '../domain/fulltext-html.ts';
import { recordImageFailure, storedImageHashes, storeImage } from '../db/queries/images.ts';
import { downloadImage, toWebp } from '../images/fetch.ts';
import { fetchBytes, sleep, UpstreamFetchError, type FetchPolicy } from '../harvest/fetch.ts';
import { JobError } from '../jobs/types.ts';
import { pdfToMarkdown } from './pdf.ts';

export interface FullTextFetchOptions {
  htmlUrl: string;
  pdfUrl: string;
  userAgent: string;
  timeoutMs: number;
  retryAfterMaxMs: number;
  /** Pause between two requests to arXiv (site-wide). */
  delayMs: number;
  /** Requests allowed in any 24 hours. */
  dailyBudget: number;
  /** Papers taken from the lists when no ids are given. */
  limit: number;
  /** These papers (on demand), whether on a list or not, instead of the lists' pending ones. */
  ids?: string[];
  signal?: AbortSignal;
  now?: () => Date;
  onRetryAfter?: (waitMs: number) => void;
  log?: (line: string) => void;
  /**
   * Figures of HTML papers (under `htmlUrl` only) fetched into the image store (src/images), at most `perPaper`
   * each, within the same pacing and budget; the reading view shows them from there. Absent: none fetched.
   */
  figures?: { perPaper: number; allowPrivate: boolean; maxBytes: number };
}

/** The largest HTML page or PDF read (arXiv's biggest papers are a few tens of MB with their figures inlined). */
export const FULLTEXT_MAX_BYTES = 50 * 1024 * 1024;
/** Figures fetched into the image store per paper (a survey can have a hundred; the rest link to arXiv). */
export const FIGURES_PER_PAPER = 24;
/** The throttle slot shared by every instance (table throttle_slots). */
export const FULLTEXT_SLOT = 'arxiv-fulltext';
/** A converted page shorter than this, without a single section, is taken for an empty rendering. */
const MIN_USEFUL_CHARS = 200;

export interface FullTextRunSummary {
  stored: number;
  /** Figures stored in the image store by this run. */
  figures: number;
  html: number;
  pdf: number;
  failed: number;
  /** Requests made by this run. */
  requests: number;
  /** Requests left in the last 24 hours' budget after the run. */
  budgetLeft: number;
  /** The run stopped because the daily budget was spent. */
  budgetSpent: boolean;
  /** Papers still waiting (of those this run looked at: the rest of the list, not counted). */
  waiting: number;
  errors: { id: string; error: string }[];
}

/** A failure that stops the whole run (arXiv unreachable): the CLI and the job show its message alone. */
export class FullTextOfflineError extends JobError {
  override name = 'FullTextOfflineError';
}

/** The version an answer was made from: in the address it ended at, else the one asked for, else `latest`. */
export function versionFrom(finalUrl: string, asked: number | null): string {
  const m = /v(\d+)\/?(?:[?#].*)?$/.exec(finalUrl);
  if (m) return `v${m[1]}`;
  return asked !== null ? `v${asked}` : 'latest';
}

/** The base against which a page's relative figure addresses resolve: its `<base href>`, else its own folder. */
export function pageBase(html: string, finalUrl: string): string {
  const m = /<base\s[^>]*href=["']([^"']+)["']/i.exec(html.slice(0, 20_000));
  try {
    if (m) return new URL(m[1]!, finalUrl).href;
  } catch {
    // an unreadable base: the page's own address below
  }
  return finalUrl.endsWith('/') ? finalUrl : `${finalUrl}/`;
}

class Budget {
  used = 0;
  constructor(private readonly left: number) {}
  get remaining() {
    return Math.max(0, this.left - this.used);
  }
}

export async function fetchFullTexts(database: Database, o: FullTextFetchOptions): Promise<FullTextRunSummary> {
  const db = database.db;
  const now = o.now ?? (() => new Date());
  const signal = o.signal ?? new AbortController().signal;
  const log = o.log ?? (() => {});
  const summary: FullTextRunSummary = { stored: 0, figures: 0, html: 0, pdf: 0, failed: 0, requests: 0, budgetLeft: 0, budgetSpent: false, waiting: 0, errors: [] };
  const spent = await fullTextRequestsSince(db, new Date(now().getTime() - 24 * 3_600_000));
  const budget = new Budget(o.dailyBudget - spent);
  const throttle: ArxivThrottle = { minIntervalMs: o.delayMs, maxWaitMs: 10 * 60_000, perMember: 0, periodMs: 0 };
  const policy = (service: string): FetchPolicy => ({
    service, userAgent: o.userAgent, timeoutMs: o.timeoutMs, retryAfterMaxMs: o.retryAfterMaxMs, signal, passStatuses: [404, 410],
    ...(o.onRetryAfter ? { onRetryAfter: o.onRetryAfter } : {}),
  });

  /** A turn in the site-wide pacing, counted against the budget. */
  const turn = async () => {
    for (;;) {
      const t = await takeSlot(db, FULLTEXT_SLOT, throttle, now());
      if (t.ok) {
        await sleep(t.startMs - now().getTime(), signal);
        break;
      }
      await sleep(t.retryAfterMs, signal);
    }
    budget.used++;
    summary.requests++;
  };

  /** The figures of a stored HTML text, into the image store (each failure recorded there; the run goes on). */
  const fetchFigures = async (markdown: string) => {
    const f = o.figures;
    if (!f) return;
    const urls = [...new Set(figureUrls(markdown).filter((u) => u.startsWith(`${o.htmlUrl}/`)))].slice(0, f.perPaper);
    const have = await storedImageHashes(db, urls);
    for (const url of urls) {
      if (have.has(url)) continue;
      if (budget.remaining <= 0) return;
      await turn();
      const source = { url, kind: 'thumbnail' as const };
      try {
        const img = await downloadImage(url, { base: url, allowPrivate: f.allowPrivate, userAgent: o.userAgent, timeoutMs: o.timeoutMs, maxBytes: f.maxBytes }, signal);
        await storeImage(db, source, await toWebp(img.bytes, 'thumbnail'), now());
        await recordFullTextRequest(db, url, 200, now());
        summary.figures++;
      } catch (e) {
        if (signal.aborted) throw e;
        await recordImageFailure(db, source, (e as Error).message, now());
        await recordFullTextRequest(db, url, 0, now());
      }
    }
  };

  /** One request: a turn in the site-wide pacing, the budget, then GET. */
  const get = async (url: string, service: string) => {
    if (budget.remaining <= 0) return null;
    await turn();
    try {
      const r = await fetchBytes(url, policy(service), FULLTEXT_MAX_BYTES);
      await recordFullTextRequest(db, url, r.status, now());
      return r;
    } catch (e) {
      await recordFullTextRequest(db, url, e instanceof UpstreamFetchError ? (e.status ?? 0) : 0, now());
      // No status: the request never got an answer (refused, unknown host, timeout): arXiv is out of reach.
      if (e instanceof UpstreamFetchError && e.status === undefined && !/bytes/.test(e.message)) {
        throw new FullTextOfflineError(`${e.message}; is this machine offline? Nothing was stored; run again when arXiv can be reached.`);
      }
      throw e;
    }
  };

  let papers: PendingPaper[];
  if (o.ids && o.ids.length > 0) {
    papers = [];
    for (const raw of o.ids) {
      const ref = parseArxivId(raw);
      if (!ref) throw new Error(`"${raw.slice(0, 100)}" is not an arXiv id (like 2401.01234 or hep-th/9901001)`);
      const p = await paperVersion(db, ref.id);
      if (!p) throw new Error(`paper ${ref.id} is not in the database (harvest or import it first)`);
      papers.push({ id: ref.id, version: ref.version ?? p.version, storedVersion: null });
    }
  } else {
    papers = await pendingFullText(db, o.limit);
  }

  let i = 0;
  for (; i < papers.length; i++) {
    signal.throwIfAborted();
    if (budget.remaining <= 0) {
      summary.budgetSpent = true;
      break;
    }
    const paper = papers[i]!;
    const v = paper.version !== null ? `v${paper.version}` : '';
    try {
      let converted: Converted | null = null;
      let source: 'html' | 'pdf' = 'html';
      let sourceUrl = `${o.htmlUrl}/${paper.id}${v}`;
      let version = 'latest';
      let bytes = 0;
      const page = await get(sourceUrl, 'arXiv HTML');
      if (!page) {
        summary.budgetSpent = true;
        break;
      }
      if (page.status === 200) {
        const html = new TextDecoder().decode(page.bytes);
        if (looksLikeLatexml(html)) {
          const c = latexmlToMarkdown(html, pageBase(html, page.url));
          if (c.sections.length > 0 || c.markdown.length >= MIN_USEFUL_CHARS) {
            converted = c;
            sourceUrl = page.url;
            version = versionFrom(page.url, paper.version);
            bytes = page.bytes.byteLength;
          }
        }
      }
      if (!converted) {
        // No HTML for this paper (older ones): the PDF.
        source = 'pdf';
        sourceUrl = `${o.pdfUrl}/${paper.id}${v}`;
        const pdf = await get(sourceUrl, 'arXiv PDF');
        if (!pdf) {
          summary.budgetSpent = true;
          break;
        }
        if (pdf.status !== 200) throw new UpstreamFetchError(`arXiv has neither HTML nor a PDF for ${paper.id}${v} (${pdf.status})`, pdf.status);
        if (!/^%PDF-/.test(new TextDecoder().decode(pdf.bytes.subarray(0, 8)))) throw new Error(`arXiv's answer for ${paper.id}${v} is not a PDF`);
        let c: Converted;
        try {
          c = await pdfToMarkdown(pdf.bytes);
        } catch (e) {
          throw new Error(`the PDF of ${paper.id}${v} could not be read: ${(e as Error).message}`);
        }
        if (c.markdown.trim().length < MIN_USEFUL_CHARS) throw new Error(`the PDF of ${paper.id}${v} has no text to extract (scanned pages?)`);
        converted = c;
        sourceUrl = pdf.url;
        version = versionFrom(pdf.url, paper.version);
        bytes = pdf.bytes.byteLength;
      }
      await storeFullText(db, { paperId: paper.id, version, source, sourceUrl, sourceBytes: bytes, markdown: converted.markdown, sections: converted.sections, counts: { ...converted.counts } }, now());
      summary.stored++;
      summary[source]++;
      if (source === 'html') await fetchFigures(converted.markdown);
      log(`${paper.id} ${version}: ${source}, ${converted.sections.length} sections`);
    } catch (e) {
      if (e instanceof FullTextOfflineError || signal.aborted) throw e;
      const message = (e as Error).message.split('\n')[0]!;
      summary.failed++;
      summary.errors.push({ id: paper.id, error: message });
      await recordFullTextFailure(db, paper.id, paper.version ?? 0, message, now());
      log(`${paper.id}: ${message}`);
    }
  }
  summary.waiting = papers.length - i;
  summary.budgetLeft = budget.remaining;
  return summary;
}

/** One line for the admin page and the CLI. */
export function describeFullTexts(r: FullTextRunSummary): string {
  const parts = [`${r.stored} papers' full text stored (${r.html} from HTML, ${r.pdf} from PDF)`, `${r.figures} figures`, `${r.failed} failed`, `${r.requests} requests to arXiv`];
  if (r.budgetSpent) parts.push(`daily budget spent (${r.waiting} papers wait for tomorrow)`);
  else parts.push(`${r.budgetLeft} requests left today`);
  return parts.join(', ');
}
