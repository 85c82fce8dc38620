/**
 * Comparing this site's answers with real Hugging Face responses, key by key: every key, its place in
 * the object, its JSON type and its value. Each difference is named by its path (`[3].paper.upvotes`), so
 * that a test can allow the deliberate ones (docs/hf-compatibility.md) by field and fail on any other.
 */

export interface Difference {
  /** Where: `[i].paper.title`, `[i]` (a whole entry: order), `[i].paper` (key order). */
  path: string;
  /** The field, without the entry index: `paper.title`, `order`, `paper.keys`. */
  field: string;
  expected: unknown;
  actual: unknown;
}

const typeOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** Differences between what Hugging Face answered (`expected`) and what we answered (`actual`). */
export function compareJson(expected: unknown, actual: unknown, path = '', field = ''): Difference[] {
  const te = typeOf(expected);
  const ta = typeOf(actual);
  if (te !== ta) return [{ path, field, expected, actual }];
  if (te === 'array') {
    const e = expected as unknown[];
    const a = actual as unknown[];
    const out: Difference[] = [];
    if (e.length !== a.length) out.push({ path: `${path}.length`, field: `${field}.length`, expected: e.length, actual: a.length });
    for (let i = 0; i < Math.min(e.length, a.length); i++) out.push(...compareJson(e[i], a[i], `${path}[${i}]`, `${field}[]`));
    return out;
  }
  if (te === 'object') {
    const e = expected as Record<string, unknown>;
    const a = actual as Record<string, unknown>;
    const out: Difference[] = [];
    const ek = Object.keys(e);
    const ak = Object.keys(a);
    if (ek.join('\u0000') !== ak.join('\u0000')) out.push({ path: `${path}{keys}`, field: `${field}{keys}`, expected: ek, actual: ak });
    for (const k of ek) if (k in a) out.push(...compareJson(e[k], a[k], `${path}.${k}`, field ? `${field}.${k}` : k));
    return out;
  }
  return Object.is(expected, actual) ? [] : [{ path, field, expected, actual }];
}

/**
 * A day's list: entries matched by paper id (an entry in another place is one `order` difference, the
 * entry itself is then compared field by field), and papers missing on either side.
 */
export function compareDay(expected: Record<string, any>[], actual: Record<string, any>[]): Difference[] {
  const out: Difference[] = [];
  const eIds = expected.map((e) => e.paper?.id);
  const aIds = actual.map((e) => e.paper?.id);
  if (eIds.join(' ') !== aIds.join(' ')) out.push({ path: 'order', field: 'order', expected: eIds, actual: aIds });
  const byId = new Map(actual.map((e) => [e.paper?.id, e]));
  for (const [i, e] of expected.entries()) {
    const a = byId.get(e.paper?.id);
    if (!a) out.push({ path: `[${i}]`, field: 'missing', expected: e.paper?.id, actual: undefined });
    else out.push(...compareJson(e, a, `[${i}]`, ''));
  }
  return out;
}
