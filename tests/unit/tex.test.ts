import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mathToPlain, parseTex, texLeftovers, texToPlain } from '../../src/domain/tex.ts';

test('math in titles becomes Unicode', () => {
  assert.equal(texToPlain('$δ$-mem: Efficient Memory'), 'δ-mem: Efficient Memory');
  assert.equal(texToPlain('$\\delta$-mem'), 'δ-mem');
  assert.equal(texToPlain('Movie Facts and Fibs (MF$^2$)'), 'Movie Facts and Fibs (MF²)');
  assert.equal(texToPlain('SR$^{2}$-Net'), 'SR²-Net');
  assert.equal(texToPlain('98$\\times$ Faster LLM Routing'), '98× Faster LLM Routing');
  assert.equal(texToPlain('A$^\\text{T}$A: Adaptive'), 'AᵀA: Adaptive');
  assert.equal(texToPlain('$V_0$: A Generalist Value Model'), 'V₀: A Generalist Value Model');
  assert.equal(texToPlain('Imagining in 360$^\\circ$'), 'Imagining in 360°');
  assert.equal(texToPlain('Galois Rings $\\mathrm{GR}(p^{n}, \\ell)$'), 'Galois Rings GR(pⁿ, ℓ)');
  assert.equal(texToPlain('over $\\mathbb{R}^n$ and $\\mathbb{F}_q$'), 'over ℝⁿ and 𝔽_q');
  assert.equal(texToPlain('$\\frac{1}{2}$ and $\\frac{a+b}{c}$ and $\\sqrt{n}$'), '1/2 and (a+b)/c and √n');
  assert.equal(texToPlain('$O(n \\log n)$ with $x \\leq y \\neq z$'), 'O(n log n) with x ≤ y ≠ z');
  assert.equal(texToPlain('$\\left\\langle a \\right\\rangle$'), '⟨ a ⟩');
  assert.equal(texToPlain('$\\textit{Don\'t Guess, Just Ask}$: Resolving'), "Don't Guess, Just Ask: Resolving");
});

test('dollars that are money stay', () => {
  assert.equal(texToPlain('Can Frontier LLMs Earn $1 Million from Real-World Freelance'), 'Can Frontier LLMs Earn $1 Million from Real-World Freelance');
  assert.equal(texToPlain('costs $5 and $10 per run'), 'costs $5 and $10 per run');
  assert.equal(texToPlain('Fixing 7,400 Bugs for 1$: Cheap'), 'Fixing 7,400 Bugs for 1$: Cheap');
  assert.equal(texToPlain('\\$OneMillion-Bench: How Far'), '$OneMillion-Bench: How Far');
});

test('text-mode TeX: accents, styles, escapes, custom macros', () => {
  assert.equal(texToPlain('Erd\\H{o}s and G\\"odel, \\c{C}etin, {\\o}ksendal, Bal\\\'azs, na\\"{\\i}ve'), 'Erdős and Gödel, Çetin, øksendal, Balázs, naïve');
  assert.equal(texToPlain('\\textbf{Fast} and \\textit{slow}, \\emph{very}'), 'Fast and slow, very');
  assert.equal(texToPlain('{\\bf bold part} then'), 'bold part then');
  assert.equal(texToPlain('\\textsc{GUI-Spotlight}: Adaptive'), 'GUI-Spotlight: Adaptive');
  assert.equal(texToPlain('50\\% faster \\& cheaper, file\\_name'), '50% faster & cheaper, file_name');
  assert.equal(texToPlain('We propose \\method, which \\ie{} works'), 'We propose method, which i.e. works');
  assert.equal(texToPlain('code at \\url{https://x.org/a_b} and \\href{https://y.org}{here}'), 'code at https://x.org/a_b and here');
  assert.equal(texToPlain('a result\\footnote{see appendix} holds'), 'a result holds');
  assert.equal(texToPlain('{\\color{red} warning}'), ' warning');
  assert.equal(texToPlain('Prefill \\& Decode'), 'Prefill & Decode');
  assert.equal(texToPlain('plain text with {braces} and ~50% stays'), 'plain text with {braces} and ~50% stays');
});

test('display math and arrays lose their markup', () => {
  const out = texToPlain('We solve $$\\begin{array}{cc} a & b \\\\ c & d \\end{array}$$ quickly.');
  assert.deepEqual(texLeftovers(out), []);
  assert.match(out, /a b ; c d/);
  assert.equal(mathToPlain('\\mycustom{x} + \\alpha'), 'mycustomx + α');
});

test('nothing left over, never throws, on hostile input', () => {
  for (const s of ['\\', '$', '$$', '{', '}}}', '\\textbf{', '$\\frac{', '\\begin{array', '^_^', '$x^$', '\\H', 'a\\\\b', '\\(x\\)', '\\[y\\]']) {
    const out = texToPlain(s);
    assert.equal(typeof out, 'string');
    assert.ok(!/\\[A-Za-z]/.test(out), `${s} → ${out}`);
  }
  assert.equal(texToPlain('inline \\(x^2\\) here'), 'inline x² here');
});

test('parseTex keeps styles and math apart', () => {
  assert.deepEqual(parseTex('a \\textbf{b $c$} d'), [
    { kind: 'text', text: 'a ' },
    { kind: 'style', style: 'bold', children: [{ kind: 'text', text: 'b ' }, { kind: 'math', tex: 'c', display: false }] },
    { kind: 'text', text: ' d' },
  ]);
  assert.deepEqual(texLeftovers('x \\textbf{y} $z$'), ['\\textbf', '$z$']);
});
