/** Recorded answers of the upstreams a first run asks, for tests/helpers/upstream-stub.ts. */
import type { StubHandler } from './upstream-stub.ts';

/** Hugging Face's Daily Papers API as recorded for 2025-11-03 … 2025-11-08 (tests/fixtures/hf-range); other days have no list. */
export const hfRange: StubHandler = (r) => {
  if (r.path !== '/api/daily_papers') return { status: 404, body: '{"error":"Not Found"}' };
  const day = r.query.get('date') ?? '';
  return day >= '2025-11-03' && day <= '2025-11-08' ? { fixture: `hf-range/${day}.json` } : { body: '[]', headers: { 'content-type': 'application/json' } };
};

/** arXiv's OAI-PMH (tests/fixtures/harvest): `Identify`, set cs a two-page list, other sets nothing. */
export const arxivOai: StubHandler = (r) => {
  if (r.path !== '/oai2') return { status: 404 };
  if (r.query.get('verb') === 'Identify') return { fixture: 'harvest/identify.xml' };
  if (r.query.get('resumptionToken') === '6961461|1001') return { fixture: 'harvest/listrecords-cs-page2.xml' };
  if (r.query.get('set') === 'cs') return { fixture: 'harvest/listrecords-cs-page1.xml' };
  return { fixture: 'arxiv-oai/error-noRecordsMatch.xml' };
};

/** Both on one server. */
export const upstreams: StubHandler = (r, i) => (r.path === '/oai2' ? arxivOai(r, i) : hfRange(r, i));
