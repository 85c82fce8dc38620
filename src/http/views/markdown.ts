/**
 * Comments' Markdown, a safe subset: paragraphs and line breaks, emphasis, strikethrough, lists, quotes,
 * inline and fenced code, links (http, https and mailto only, rel="nofollow ugc noopener") and `$…$`
 * math rendered to MathML by the same KaTeX call as abstracts (`texToMathml` in text.ts). No raw HTML
 * (`html: false`: every `<` is escaped), no images, no headings, no tables.
 *
 * The HTML is made when a comment is written and stored beside its source (docs/decisions/0006-comments.md);
 * RENDER_VERSION names this renderer, so that comments rendered by an older one are rendered again when read.
 */
import MarkdownIt, { type StateInline, type Token } from 'markdown-it';
import { mentionsIn } from '../../domain/comments.ts';
import { texToMathml } from './text.ts';

/** Raise when the HTML this module makes changes (a fix, a new rule): stored HTML of older versions is then re-rendered. */
export const RENDER_VERSION = 1;

/** Formulas rendered per comment; the rest stay as their source (KaTeX is the costly part). */
export const MAX_FORMULAS = 200;

const LINK_REL = 'nofollow ugc noopener';
const ALLOWED_LINK = /^(?:https?:\/\/|mailto:)/i;

const md = new MarkdownIt('default', { html: false, linkify: true, breaks: true, typographer: false });
md.disable(['image', 'heading', 'lheading', 'table']);
// Only explicit URLs become links: fuzzy ones would turn `train.py` and `config.sh` into links.
md.linkify.set({ fuzzyLink: false });
md.validateLink = (url) => ALLOWED_LINK.test(url.trim());

md.renderer.rules.link_open = (tokens, idx, options, _env, self) => {
  tokens[idx]!.attrSet('rel', LINK_REL);
  return self.renderToken(tokens, idx, options);
};

// `$…$` and `$$…$$`, as in abstracts, with Pandoc's guard against prices: the opening `$` is not followed
// by a space, the closing one not preceded by a space nor followed by a digit ("$5 and $10" is prose).
// A backtick ends the search: code spans bind tighter than math (`$x$` in backticks is code).
const MATH = /\$\$([^$]+)\$\$|\$([^$\n]+?)\$/y;

interface Env {
  formulas: number;
}

function math(state: StateInline, silent: boolean): boolean {
  if (state.src.charCodeAt(state.pos) !== 0x24 /* $ */) return false;
  MATH.lastIndex = state.pos;
  const m = MATH.exec(state.src);
  if (!m) return false;
  const tex = (m[1] ?? m[2])!;
  const end = state.pos + m[0].length;
  if (tex.includes('`')) return false;
  if (m[2] !== undefined && (/^\s/.test(tex) || /\s$/.test(tex) || /^\d/.test(state.src.slice(end, end + 1)))) return false;
  if (!silent) {
    const env = state.env as Env;
    const rendered = env.formulas < MAX_FORMULAS ? texToMathml(tex) : null;
    env.formulas++;
    if (rendered === null) {
      // A formula that does not parse stays as its source, as in abstracts.
      state.push('text', '', 0).content = m[0];
    } else {
      state.push('math_inline', 'math', 0).content = rendered;
    }
  }
  state.pos = end;
  return true;
}
md.inline.ruler.after('escape', 'math', math);
// KaTeX made (and escaped) this MathML.
md.renderer.rules.math_inline = (tokens, idx) => tokens[idx]!.content;

/** Usernames mentioned in the text of a comment: not in code, not in link text or URLs. */
function mentionsOf(tokens: Token[]): string[] {
  const found = new Set<string>();
  for (const block of tokens) {
    if (block.type !== 'inline' || !block.children) continue;
    let inLink = 0;
    for (const t of block.children) {
      if (t.type === 'link_open') inLink++;
      else if (t.type === 'link_close') inLink--;
      else if (t.type === 'text' && inLink === 0) for (const name of mentionsIn(t.content)) found.add(name);
    }
  }
  return [...found];
}

export interface RenderedComment {
  html: string;
  /** Usernames mentioned (`@name`), lowercase, in order of first mention; not yet checked against the members. */
  mentions: string[];
}

export function renderComment(source: string): RenderedComment {
  const env: Env = { formulas: 0 };
  const tokens = md.parse(source, env);
  return { html: md.renderer.render(tokens, md.options, env), mentions: mentionsOf(tokens) };
}
