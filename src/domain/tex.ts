/**
 * TeX in titles and abstracts (docs/decisions/0027-tex-and-search-explanations.md). arXiv metadata is
 * written in LaTeX: `$δ$-mem`, `Erd\H{o}s`, `\textbf{…}`, `$\mathbb{R}^n$`, authors' own macros
 * (`\method`). Pages render math with KaTeX (src/http/views/text.ts); everything else a person reads
 * (page titles, OpenGraph tags, feeds, mails, JSON-LD) gets plain Unicode text from `texToPlain`.
 *
 * Both start from `parseTex`: text, math and styled runs, with the text-mode macros (accents, escapes,
 * known symbols) already turned into characters. Nothing here throws; unknown macros lose their
 * backslash (`\ours` → `ours`), unbalanced braces are dropped.
 */

export type TexStyle = 'bold' | 'italic' | 'mono' | 'smallcaps' | 'underline';

export type TexNode =
  | { kind: 'text'; text: string }
  | { kind: 'math'; tex: string; display: boolean }
  | { kind: 'style'; style: TexStyle; children: TexNode[] };

/** Combining marks of TeX's accent commands (also used by the importers for names). */
export const TEX_ACCENTS: Record<string, string> = {
  "'": '\u0301', '`': '\u0300', '^': '\u0302', '"': '\u0308', '~': '\u0303', '=': '\u0304',
  '.': '\u0307', u: '\u0306', v: '\u030C', H: '\u030B', c: '\u0327', k: '\u0328', r: '\u030A', d: '\u0323', b: '\u0331',
};
/** TeX's special letters. */
export const TEX_LETTERS: Record<string, string> = {
  ss: 'ß', o: 'ø', O: 'Ø', l: 'ł', L: 'Ł', ae: 'æ', AE: 'Æ', oe: 'œ', OE: 'Œ', aa: 'å', AA: 'Å', i: 'ı', j: 'ȷ',
};

const GREEK: Record<string, string> = {
  alpha: 'α', beta: 'β', gamma: 'γ', delta: 'δ', epsilon: 'ϵ', varepsilon: 'ε', zeta: 'ζ', eta: 'η', theta: 'θ', vartheta: 'ϑ',
  iota: 'ι', kappa: 'κ', lambda: 'λ', mu: 'μ', nu: 'ν', xi: 'ξ', pi: 'π', varpi: 'ϖ', rho: 'ρ', varrho: 'ϱ', sigma: 'σ',
  varsigma: 'ς', tau: 'τ', upsilon: 'υ', phi: 'ϕ', varphi: 'φ', chi: 'χ', psi: 'ψ', omega: 'ω',
  Gamma: 'Γ', Delta: 'Δ', Theta: 'Θ', Lambda: 'Λ', Xi: 'Ξ', Pi: 'Π', Sigma: 'Σ', Upsilon: 'Υ', Phi: 'Φ', Psi: 'Ψ', Omega: 'Ω',
};

/** Symbols that read the same in text and in math. */
const SYMBOLS: Record<string, string> = {
  ...GREEK,
  times: '×', cdot: '·', cdots: '⋯', ldots: '…', dots: '…', pm: '±', mp: '∓', div: '÷', ast: '∗', star: '⋆', circ: '∘', bullet: '•',
  leq: '≤', le: '≤', geq: '≥', ge: '≥', neq: '≠', ne: '≠', approx: '≈', sim: '∼', simeq: '≃', equiv: '≡', propto: '∝', ll: '≪', gg: '≫',
  infty: '∞', partial: '∂', nabla: '∇', sum: '∑', prod: '∏', int: '∫', sqrt: '√', forall: '∀', exists: '∃', neg: '¬', lnot: '¬',
  in: '∈', notin: '∉', ni: '∋', subset: '⊂', subseteq: '⊆', supset: '⊃', supseteq: '⊇', cup: '∪', cap: '∩', emptyset: '∅', varnothing: '∅',
  land: '∧', wedge: '∧', lor: '∨', vee: '∨', oplus: '⊕', otimes: '⊗', oslash: '⊘', odot: '⊙', setminus: '∖',
  to: '→', rightarrow: '→', leftarrow: '←', leftrightarrow: '↔', Rightarrow: '⇒', Leftarrow: '⇐', Leftrightarrow: '⇔', mapsto: '↦',
  longrightarrow: '⟶', uparrow: '↑', downarrow: '↓', nrightarrow: '↛', implies: '⟹', iff: '⟺', gets: '←',
  langle: '⟨', rangle: '⟩', lceil: '⌈', rceil: '⌉', lfloor: '⌊', rfloor: '⌋', vert: '|', mid: '|', Vert: '‖', parallel: '∥', perp: '⊥',
  ell: 'ℓ', hbar: 'ℏ', Re: 'ℜ', Im: 'ℑ', aleph: 'ℵ', prime: '′', dagger: '†', ddagger: '‡', top: '⊤', bot: '⊥', angle: '∠',
  checkmark: '✓', triangle: '△', square: '□', diamond: '◇', clubsuit: '♣', heartsuit: '♡', spadesuit: '♠', sharp: '♯', flat: '♭',
  S: '§', P: '¶', copyright: '©', pounds: '£', euro: '€', textdegree: '°', degree: '°',
  lbrace: '{', rbrace: '}', backslash: '\\', colon: ':', vdots: '⋮', ddots: '⋱',
};

/** Text-mode words and symbols. */
const TEXT_WORDS: Record<string, string> = {
  LaTeX: 'LaTeX', TeX: 'TeX', LaTeXe: 'LaTeX2ε', BibTeX: 'BibTeX', ie: 'i.e.', eg: 'e.g.', etc: 'etc.', etal: 'et al.', vs: 'vs.', wrt: 'w.r.t.', cf: 'cf.',
  deg: '°', textgreater: '>', textless: '<', textasciitilde: '~', textasciicircum: '^', textbackslash: '\\', textbar: '|',
  textregistered: '®', texttrademark: '™', textcopyright: '©', textpertenthousand: '‱', textperthousand: '‰', textendash: '–', textemdash: '—',
  textbullet: '•', textquotedblleft: '“', textquotedblright: '”', textquoteleft: '‘', textquoteright: '’', textdollar: '$', textunderscore: '_',
  dag: '†', ddag: '‡', quad: ' ', qquad: ' ', newline: ' ', linebreak: ' ', par: ' ', hfill: ' ', enspace: ' ', thinspace: ' ',
  allowbreak: '', noindent: '', relax: '', xspace: '', protect: '', centering: '', smallskip: '', medskip: '', bigskip: '', nobreak: '',
};

/** Commands whose argument is shown in a style (or as is). */
const STYLE_COMMANDS: Record<string, TexStyle | null> = {
  textbf: 'bold', mathbf: 'bold', boldsymbol: 'bold', bm: 'bold',
  textit: 'italic', emph: 'italic', textsl: 'italic', mathit: 'italic',
  texttt: 'mono', mathtt: 'mono', url: 'mono', textsc: 'smallcaps', underline: 'underline', uline: 'underline',
  textrm: null, textsf: null, textnormal: null, textup: null, textmd: null, mbox: null, hbox: null, text: null, mathrm: null, mathsf: null,
  textcolor: null, colorbox: null, href: null, mathcal: null, mathscr: null, mathfrak: null, operatorname: null,
};
/** Switches that style the rest of their group (`{\bf …}`). */
const STYLE_SWITCHES: Record<string, TexStyle | null> = {
  bf: 'bold', bfseries: 'bold', it: 'italic', itshape: 'italic', em: 'italic', sl: 'italic', tt: 'mono', ttfamily: 'mono', sc: 'smallcaps', scshape: 'smallcaps',
  rm: null, rmfamily: null, sf: null, normalfont: null, small: null, footnotesize: null, large: null, Large: null, tiny: null, huge: null, normalsize: null,
};
/** Commands that take arguments we drop: `\color{red}`, `\footnote{…}`, `\label{…}`, `\cite{…}`; the number of them. */
const DROPPED_WITH_ARGS: Record<string, number> = { color: 1, footnote: 1, footnotetext: 1, label: 1, cite: 1, citep: 1, citet: 1, ref: 1, eqref: 1, vspace: 1, hspace: 1, thanks: 1 };

const SUPERSCRIPTS: Record<string, string> = {
  0: '⁰', 1: '¹', 2: '²', 3: '³', 4: '⁴', 5: '⁵', 6: '⁶', 7: '⁷', 8: '⁸', 9: '⁹', '+': '⁺', '-': '⁻', '−': '⁻', '=': '⁼', '(': '⁽', ')': '⁾',
  a: 'ᵃ', b: 'ᵇ', c: 'ᶜ', d: 'ᵈ', e: 'ᵉ', f: 'ᶠ', g: 'ᵍ', h: 'ʰ', i: 'ⁱ', j: 'ʲ', k: 'ᵏ', l: 'ˡ', m: 'ᵐ', n: 'ⁿ', o: 'ᵒ', p: 'ᵖ', r: 'ʳ',
  s: 'ˢ', t: 'ᵗ', u: 'ᵘ', v: 'ᵛ', w: 'ʷ', x: 'ˣ', y: 'ʸ', z: 'ᶻ', A: 'ᴬ', B: 'ᴮ', D: 'ᴰ', E: 'ᴱ', G: 'ᴳ', H: 'ᴴ', I: 'ᴵ', J: 'ᴶ',
  K: 'ᴷ', L: 'ᴸ', M: 'ᴹ', N: 'ᴺ', O: 'ᴼ', P: 'ᴾ', R: 'ᴿ', T: 'ᵀ', U: 'ᵁ', V: 'ⱽ', W: 'ᵂ', '∘': '°', '′': '′', '*': '*', '†': '†', '⋆': '⋆',
};
const SUBSCRIPTS: Record<string, string> = {
  0: '₀', 1: '₁', 2: '₂', 3: '₃', 4: '₄', 5: '₅', 6: '₆', 7: '₇', 8: '₈', 9: '₉', '+': '₊', '-': '₋', '−': '₋', '=': '₌', '(': '₍', ')': '₎',
  a: 'ₐ', e: 'ₑ', h: 'ₕ', i: 'ᵢ', j: 'ⱼ', k: 'ₖ', l: 'ₗ', m: 'ₘ', n: 'ₙ', o: 'ₒ', p: 'ₚ', r: 'ᵣ', s: 'ₛ', t: 'ₜ', u: 'ᵤ', v: 'ᵥ', x: 'ₓ',
};
const DOUBLE_STRUCK: Record<string, string> = { C: 'ℂ', H: 'ℍ', N: 'ℕ', P: 'ℙ', Q: 'ℚ', R: 'ℝ', Z: 'ℤ' };
const MATH_OPERATORS = new Set(['log', 'ln', 'exp', 'sin', 'cos', 'tan', 'max', 'min', 'arg', 'argmax', 'argmin', 'lim', 'sup', 'inf', 'det', 'dim', 'ker', 'Pr', 'mod', 'bmod', 'deg', 'gcd', 'tanh', 'sigmoid', 'softmax', 'tr', 'rank', 'diag', 'sgn', 'sign']);
/** Sizing and spacing commands in math that print nothing. */
const MATH_NOTHING = new Set(['left', 'right', 'big', 'Big', 'bigg', 'Bigg', 'bigl', 'bigr', 'Bigl', 'Bigr', 'biggl', 'biggr', 'displaystyle', 'textstyle', 'scriptstyle', 'limits', 'nolimits', 'hline', 'toprule', 'midrule', 'bottomrule', 'cline', 'nonumber', 'notag', 'middle', 'phantom', 'mathstrut', 'strut']);
const MATH_ACCENT_COMMANDS: Record<string, string> = { hat: '\u0302', widehat: '\u0302', tilde: '\u0303', widetilde: '\u0303', bar: '\u0304', overline: '\u0305', vec: '\u20D7', dot: '\u0307', ddot: '\u0308', check: '\u030C', breve: '\u0306', acute: '\u0301', grave: '\u0300' };

/** Longest `$…$` taken as math; a longer one is most likely two dollar signs in prose. */
export const MAX_INLINE_MATH = 300;

// --- Parsing ----------------------------------------------------------------------------------------

const isLetter = (c: string | undefined) => c !== undefined && /[A-Za-z]/.test(c);
const isSpace = (c: string | undefined) => c !== undefined && /\s/.test(c);

/** Index of the `}` closing the group opened at `open` (a `{`), or -1. */
function closingBrace(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') i++;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i;
  }
  return -1;
}

/**
 * Where the math opened by a single `$` at `i` closes, or -1 (pandoc's rule: the opening `$` has no
 * space after it, the closing one no space before it and no digit after it — so `$5 and $10` is prose —
 * unless what is between is clearly TeX).
 */
function closingDollar(s: string, i: number): number {
  if (isSpace(s[i + 1]) || s[i + 1] === undefined || s[i + 1] === '$') return -1;
  let depth = 0;
  for (let j = i + 1; j < s.length && j - i <= MAX_INLINE_MATH + 1; j++) {
    const c = s[j];
    if (c === '\\') { j++; continue; }
    if (c === '{') depth++;
    else if (c === '}') depth = Math.max(0, depth - 1);
    else if (c === '\n' && s[j + 1] === '\n') return -1;
    // `\mbox{$m$-labelled}` inside math: a `$` within braces belongs to the text inside.
    else if (c === '$' && depth === 0) {
      // `256$\times$256`, `NO$_3\cdot $9H`: when what is between is clearly TeX, the pandoc rule is waived.
      if (/[\\^_{]/.test(s.slice(i + 1, j))) return j;
      return !isSpace(s[j - 1]) && !/[0-9]/.test(s[j + 1] ?? '') ? j : -1;
    }
  }
  return -1;
}

/** `s` starting at `i` with `delim` closed later (not escaped): the index of the closing delimiter, or -1. */
function closing(s: string, from: number, delim: string): number {
  for (let j = from; j < s.length; j++) {
    if (s.startsWith(delim, j)) return j;
    if (s[j] === '\\' && delim[0] !== '\\') j++;
  }
  return -1;
}

interface Arg {
  text: string;
  end: number;
}

/** The argument starting at `i` (after spaces): a `{group}` or one character or one control sequence. */
function argument(s: string, i: number): Arg | null {
  let j = i;
  while (isSpace(s[j])) j++;
  if (j >= s.length) return null;
  if (s[j] === '{') {
    const close = closingBrace(s, j);
    if (close < 0) return { text: s.slice(j + 1), end: s.length };
    return { text: s.slice(j + 1, close), end: close + 1 };
  }
  if (s[j] === '}') return null;
  if (s[j] === '\\') {
    let k = j + 1;
    if (isLetter(s[k])) while (isLetter(s[k])) k++;
    else k++;
    return { text: s.slice(j, k), end: k };
  }
  const ch = String.fromCodePoint(s.codePointAt(j)!);
  return { text: ch, end: j + ch.length };
}

/** Optional `[…]` argument at `i`: its end, or `i`. */
const skipOptional = (s: string, i: number) => (s[i] === '[' && s.indexOf(']', i) > 0 ? s.indexOf(']', i) + 1 : i);

function accented(base: string, accent: string): string {
  const letter = base.startsWith('\\') ? (TEX_LETTERS[base.slice(1)] ?? base.slice(1)) : base;
  const plain = letter === 'ı' ? 'i' : letter === 'ȷ' ? 'j' : letter;
  return (plain + (TEX_ACCENTS[accent] ?? '')).normalize('NFC');
}

/** Parses text-mode TeX into text, math and styled runs. */
export function parseTex(src: string): TexNode[] {
  return mergeText(parseRun(src));
}

function parseRun(s: string): TexNode[] {
  const out: TexNode[] = [];
  const text = (t: string) => out.push({ kind: 'text', text: t });
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === '$') {
      if (s[i + 1] === '$') {
        const end = closing(s, i + 2, '$$');
        if (end > i + 2) {
          out.push({ kind: 'math', tex: s.slice(i + 2, end), display: true });
          i = end + 2;
          continue;
        }
        text('$$');
        i += 2;
        continue;
      }
      const end = closingDollar(s, i);
      if (end > 0) {
        out.push({ kind: 'math', tex: s.slice(i + 1, end), display: false });
        i = end + 1;
        continue;
      }
      text('$');
      i++;
      continue;
    }
    if (c === '{') {
      const close = closingBrace(s, i);
      const inner = close < 0 ? s.slice(i + 1) : s.slice(i + 1, close);
      out.push(...parseGroup(inner));
      i = close < 0 ? s.length : close + 1;
      continue;
    }
    if (c === '}') {
      i++;
      continue;
    }
    if (c !== '\\') {
      let j = i + 1;
      while (j < s.length && !'$\\{}'.includes(s[j]!)) j++;
      text(s.slice(i, j));
      i = j;
      continue;
    }
    // A control sequence.
    const next = s[i + 1];
    if (next === undefined) {
      i++;
      continue;
    }
    if (next === '(' || next === '[') {
      const end = closing(s, i + 2, next === '(' ? '\\)' : '\\]');
      if (end >= 0) {
        out.push({ kind: 'math', tex: s.slice(i + 2, end), display: next === '[' });
        i = end + 2;
        continue;
      }
      text(next);
      i += 2;
      continue;
    }
    if (!isLetter(next)) {
      if (TEX_ACCENTS[next] && !isLetter(next)) {
        const arg = argument(s, i + 2);
        if (arg && arg.text !== '') {
          text(accented(arg.text, next));
          i = arg.end;
          continue;
        }
      }
      // \% \& \_ \# \$ \{ \}: the character; \\ a line break; \, \; \: \  a space; \- \/ \@ nothing.
      if ('\\,;: '.includes(next) || next === '\n') text(' ');
      else if (!'-/@!'.includes(next)) text(next);
      i += 2;
      continue;
    }
    let j = i + 1;
    while (isLetter(s[j])) j++;
    const name = s.slice(i + 1, j);
    const rest = parseCommand(s, name, j, out);
    i = rest;
  }
  return out;
}

/** A group's content: a style switch inside it (`{\bf …}`) styles the rest of the group. */
function parseGroup(inner: string): TexNode[] {
  const m = /^\s*\\([A-Za-z]+)(?![A-Za-z])\s*/.exec(inner);
  if (m && m[1]! in STYLE_SWITCHES) {
    const style = STYLE_SWITCHES[m[1]!]!;
    const children = parseRun(inner.slice(m[0].length));
    return style ? [{ kind: 'style', style, children }] : children;
  }
  return parseRun(inner);
}

/** One control word `\name` whose name ends at `j`; pushes its output, returns where parsing goes on. */
function parseCommand(s: string, name: string, j: number, out: TexNode[]): number {
  const text = (t: string) => out.push({ kind: 'text', text: t });
  // `\LaTeX{}`: an empty group after a control word only ends it.
  const afterEmpty = (k: number) => (s.startsWith('{}', k) ? k + 2 : k);
  if (name in STYLE_COMMANDS) {
    let k = skipOptional(s, j);
    if (name === 'href' || name === 'textcolor' || name === 'colorbox') k = argument(s, k)?.end ?? k;
    const arg = argument(s, k);
    if (!arg) return k;
    const style = STYLE_COMMANDS[name]!;
    if (name === 'mathbb' || name === 'mathcal' || name === 'mathfrak' || name === 'mathscr') {
      out.push({ kind: 'math', tex: `\\${name}{${arg.text}}`, display: false });
      return arg.end;
    }
    const children = name === 'url' ? [{ kind: 'text' as const, text: arg.text }] : parseRun(arg.text);
    if (style) out.push({ kind: 'style', style, children });
    else out.push(...children);
    return arg.end;
  }
  if (name === 'mathbb') {
    const arg = argument(s, j);
    out.push({ kind: 'math', tex: `\\mathbb{${arg?.text ?? ''}}`, display: false });
    return arg?.end ?? j;
  }
  if (name in STYLE_SWITCHES) {
    // A switch outside a group styles the rest of the text.
    const style = STYLE_SWITCHES[name]!;
    const children = parseRun(s.slice(j).replace(/^\s+/, ''));
    if (style) out.push({ kind: 'style', style, children });
    else out.push(...children);
    return s.length;
  }
  if (name in DROPPED_WITH_ARGS) {
    let k = skipOptional(s, j);
    for (let n = 0; n < DROPPED_WITH_ARGS[name]!; n++) k = argument(s, k)?.end ?? k;
    return k;
  }
  if (name === 'textsuperscript' || name === 'textsubscript') {
    const arg = argument(s, j);
    if (!arg) return j;
    text(scripted(texToPlain(arg.text), name === 'textsuperscript' ? '^' : '_'));
    return arg.end;
  }
  if (name === 'begin' || name === 'end') {
    const arg = argument(s, j);
    return arg?.end ?? j;
  }
  if (name.length <= 2 && TEX_ACCENTS[name] && /^[uvHckrdb]$/.test(name)) {
    const arg = argument(s, j);
    if (arg && arg.text !== '' && (s[j] === '{' || isSpace(s[j]))) {
      text(accented(arg.text, name));
      return arg.end;
    }
  }
  if (name in TEX_LETTERS) {
    text(TEX_LETTERS[name]!);
    return afterEmpty(j);
  }
  if (name in TEXT_WORDS) {
    text(TEXT_WORDS[name]!);
    return afterEmpty(j);
  }
  if (name in SYMBOLS) {
    text(SYMBOLS[name]!);
    return afterEmpty(j);
  }
  // An author's own macro (`\method`, `\ours`): its name is the best guess at what it printed.
  text(name);
  return afterEmpty(j);
}

function mergeText(nodes: TexNode[]): TexNode[] {
  const out: TexNode[] = [];
  for (const n of nodes) {
    const last = out[out.length - 1];
    if (n.kind === 'text' && last?.kind === 'text') last.text += n.text;
    else if (n.kind === 'style') out.push({ ...n, children: mergeText(n.children) });
    else out.push(n.kind === 'text' ? { ...n } : n);
  }
  return out;
}

// --- Math as plain text ----------------------------------------------------------------------------------

/** `^`/`_` with its argument in Unicode super-/subscripts when every character has one, else `^x`, `^(xy)`. */
function scripted(arg: string, mark: '^' | '_'): string {
  const table = mark === '^' ? SUPERSCRIPTS : SUBSCRIPTS;
  const chars = Array.from(arg.replace(/\s+/g, ''));
  if (chars.length === 0) return '';
  if (chars.every((c) => table[c])) return chars.map((c) => table[c]).join('');
  return chars.length === 1 ? `${mark}${chars[0]}` : `${mark}(${chars.join('')})`;
}

const wrapped = (s: string) => (Array.from(s).length <= 1 || /^[\p{L}\p{N}.]+$/u.test(s) ? s : `(${s})`);

function doubleStruck(s: string): string {
  return Array.from(s)
    .map((c) => DOUBLE_STRUCK[c] ?? (/[A-Z]/.test(c) ? String.fromCodePoint(0x1d538 + c.charCodeAt(0) - 65) : /[a-z]/.test(c) ? String.fromCodePoint(0x1d552 + c.charCodeAt(0) - 97) : c))
    .join('');
}

/** A TeX formula (the inside of `$…$`) as plain Unicode text: `\alpha^2` → `α²`, `\frac{a}{b}` → `a/b`. */
export function mathToPlain(tex: string): string {
  return math(tex).replace(/\s+/g, ' ').trim();
}

function math(s: string): string {
  let out = '';
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === '{' || c === '}') {
      i++;
      continue;
    }
    if (c === '^' || c === '_') {
      let arg = argument(s, i + 1);
      if (!arg) {
        i++;
        continue;
      }
      // x^\text{T}, x_\mathrm{max}: a command with its own argument.
      const name = arg.text.slice(1);
      if (arg.text.startsWith('\\') && (name in STYLE_COMMANDS || name === 'mathbb')) {
        const inner = argument(s, arg.end);
        if (inner) arg = { text: s.slice(i + 1, inner.end), end: inner.end };
      }
      const inner = math(arg.text).trim();
      // x^\prime, x^\circ (degrees)
      out += c === '^' && inner === '∘' ? '°' : scripted(inner, c);
      i = arg.end;
      continue;
    }
    if (c === '&') {
      out += ' ';
      i++;
      continue;
    }
    if (c === '~') {
      out += ' ';
      i++;
      continue;
    }
    if (c !== '\\') {
      out += c;
      i++;
      continue;
    }
    const next = s[i + 1];
    if (next === undefined) break;
    if (!isLetter(next)) {
      if (next === '\\') out += '; ';
      else if (',;: '.includes(next)) out += ' ';
      else if (next === '!') out += '';
      else out += next;
      i += 2;
      continue;
    }
    let j = i + 1;
    while (isLetter(s[j])) j++;
    const name = s.slice(i + 1, j);
    i = j;
    if (name === 'frac' || name === 'dfrac' || name === 'tfrac' || name === 'binom') {
      const a = argument(s, i);
      const b = a ? argument(s, a.end) : null;
      if (!a || !b) continue;
      const [x, y] = [math(a.text).trim(), math(b.text).trim()];
      out += name === 'binom' ? `C(${x}, ${y})` : `${wrapped(x)}/${wrapped(y)}`;
      i = b.end;
    } else if (name === 'sqrt') {
      i = skipOptional(s, i);
      const a = argument(s, i);
      if (!a) continue;
      out += `√${wrapped(math(a.text).trim())}`;
      i = a.end;
    } else if (name === 'mathbb' || name === 'mathbbm' || name === 'bbm') {
      const a = argument(s, i);
      if (!a) continue;
      out += doubleStruck(math(a.text));
      i = a.end;
    } else if (name in MATH_ACCENT_COMMANDS) {
      const a = argument(s, i);
      if (!a) continue;
      const inner = math(a.text).trim();
      out += Array.from(inner).length === 1 ? (inner + MATH_ACCENT_COMMANDS[name]).normalize('NFC') : inner;
      i = a.end;
    } else if (name === 'begin' || name === 'end') {
      const a = argument(s, i);
      i = a?.end ?? i;
      // \begin{array}{lcr}: the column spec is not content.
      if (name === 'begin' && a && /^(array|tabular)\*?$/.test(a.text)) i = argument(s, i)?.end ?? i;
    } else if (name in STYLE_COMMANDS || name in STYLE_SWITCHES || name === 'textsc' || name === 'mathcal' || name === 'mathfrak') {
      if (name in STYLE_SWITCHES) continue;
      if (name === 'href' || name === 'textcolor') i = argument(s, i)?.end ?? i;
      const a = argument(s, i);
      if (!a) continue;
      out += name.startsWith('text') || name === 'mbox' || name === 'hbox' ? texToPlain(a.text) : math(a.text);
      i = a.end;
    } else if (name in DROPPED_WITH_ARGS) {
      for (let n = 0; n < DROPPED_WITH_ARGS[name]!; n++) i = argument(s, i)?.end ?? i;
    } else if (MATH_NOTHING.has(name)) {
      if ((name === 'left' || name === 'right' || name === 'middle') && s[i] === '.') i++;
      if (name === 'phantom') i = argument(s, i)?.end ?? i;
    } else if (name === 'quad' || name === 'qquad') {
      out += ' ';
    } else if (MATH_OPERATORS.has(name)) {
      out += ` ${name} `;
    } else if (name in SYMBOLS) {
      out += SYMBOLS[name];
    } else if (name in TEXT_WORDS) {
      out += TEXT_WORDS[name];
    } else {
      out += name;
    }
  }
  return out;
}

// --- Plain text -----------------------------------------------------------------------------------------

function plainNodes(nodes: TexNode[]): string {
  return nodes.map((n) => (n.kind === 'text' ? n.text : n.kind === 'math' ? mathToPlain(n.tex) : plainNodes(n.children))).join('');
}

/**
 * TeX as readable plain text, for places that cannot render math (page titles, meta tags, feeds,
 * mails): `$δ$-mem` → `δ-mem`, `Erd\H{o}s` → `Erdős`, `\textbf{Fast}` → `Fast`, `$O(n^2)$` → `O(n²)`.
 * White space is kept as it was, except that math's own spacing is tidied.
 */
export function texToPlain(text: string): string {
  if (!/[\\$]/.test(text)) return text;
  return plainNodes(parseTex(text));
}

/** Left-over TeX in text meant to be free of it: control words and `$…$` pairs (used to check the renderers). */
export function texLeftovers(text: string): string[] {
  const found = [...text.matchAll(/\\[A-Za-z]+|\\[^A-Za-z\s]/g)].map((m) => m[0]);
  for (const n of parseTex(text)) if (n.kind === 'math') found.push(`$${n.tex}$`);
  return found;
}

/** `texToPlain` on one line: a title for a page's <title>, a meta tag, a feed item or a mail. */
export const plainLine = (text: string): string => texToPlain(text).replace(/\s+/g, ' ').trim();
