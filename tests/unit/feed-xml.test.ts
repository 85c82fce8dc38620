import assert from 'node:assert/strict';
import { test } from 'node:test';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { withoutControlChars } from '../../src/domain/text.ts';
import { element, xmlText } from '../../src/http/feeds/xml.ts';

test('xmlText: markup and entities escaped, CDATA terminators inert, forbidden characters gone', () => {
  const s = 'a ]]> b ]]]]><![CDATA[> <x> & &amp; "q" \'q\' \u0000\u0007\u000b\u001f\uFFFE\uFFFF\uD800 \t\n z \u{1F600}';
  const xml = element('t', s, { type: 'a"b' });
  assert.equal(XMLValidator.validate(xml), true);
  const parsed = new XMLParser({ ignoreAttributes: false, trimValues: false, parseTagValue: false }).parse(xml) as { t: Record<string, string> };
  assert.equal(parsed.t['#text'], 'a ]]> b ]]]]><![CDATA[> <x> & &amp; "q" \'q\'  \t\n z \u{1F600}');
  assert.equal(parsed.t['@_type'], 'a"b');
  assert.equal(xmlText('&amp;'), '&amp;amp;', 'escaped once more: the text is "&amp;", not "&"');
});

test('withoutControlChars keeps tab, newline, carriage return and everything printable', () => {
  assert.equal(withoutControlChars('a\u0000b\u0001\tc\nd\re\u001f\uFFFEf é \u{1F600}'), 'ab\tc\nd\ref é \u{1F600}');
});
