/**
 * Text into XML, safely: no CDATA sections (a `]]>` in member- or import-written text could close one),
 * only character escapes, and the characters XML 1.0 forbids removed (a parser rejects the whole feed
 * on a single one). See docs/decisions/0020-authorization-rules.md (feeds).
 */

/**
 * Everything outside XML 1.0's `Char` production (https://www.w3.org/TR/xml/#charsets): C0 controls
 * but tab and newline (carriage return too: parsers turn it into a newline anyway), U+FFFE/U+FFFF
 * and unpaired surrogates.
 */
const NOT_XML_CHAR = /[\u0000-\u0008\u000B-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text with the characters XML 1.0 cannot carry removed; also applied to JSON Feed for one behaviour. */
export const xmlChars = (s: string): string => s.replace(NOT_XML_CHAR, '');

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Text (or an attribute value) as XML character data: forbidden characters dropped, markup escaped. */
export const xmlText = (s: string): string => xmlChars(s).replace(/[&<>"']/g, (c) => XML_ESCAPES[c]!);

/** One element with text content and attributes, all escaped here. */
export function element(name: string, text: string, attrs: Record<string, string> = {}): string {
  const a = Object.entries(attrs)
    .map(([k, v]) => ` ${k}="${xmlText(v)}"`)
    .join('');
  return `<${name}${a}>${xmlText(text)}</${name}>`;
}
