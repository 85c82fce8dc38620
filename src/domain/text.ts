/**
 * Text that members and imported files write, before it is stored: the C0 control characters but tab,
 * newline and carriage return (and the non-characters U+FFFE, U+FFFF) have no meaning in a title, a
 * name or a note, PostgreSQL refuses U+0000 outright (an import or a form would fail on one engine
 * only), and XML 1.0 cannot carry any of them (feeds). They are removed where text comes in.
 */
const CONTROL_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

export const withoutControlChars = (s: string): string => s.replace(CONTROL_CHARS, '');
