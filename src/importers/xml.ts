/** Small helpers over fast-xml-parser's output, shared by the OAI-PMH and Atom parsers. */

export type Node = Record<string, unknown>;

/** Text content of an element: a string, or `#text` of an element that also has attributes. */
export function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return text(v[0]);
  const node = asNode(v);
  return node ? text(node['#text']) : undefined;
}

export function attr(v: unknown, name: string): string | undefined {
  return text(asNode(v)?.[`@${name}`]);
}

export function asNode(v: unknown): Node | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Node) : undefined;
}

export function asArray(v: unknown): unknown[] {
  return v === undefined || v === '' ? [] : Array.isArray(v) ? v : [v];
}
