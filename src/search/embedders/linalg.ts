/**
 * The linear algebra of the built-in embedder, in plain TypeScript: a sparse matrix (CSR), dense
 * row-major matrices in Float64Arrays, orthonormalisation (Cholesky QR, twice), a symmetric eigen
 * solver (Householder tridiagonalisation and implicit QL), and the randomized truncated SVD of Halko,
 * Martinsson and Tropp (2011). The loops that carry the cost (sparse × dense, Gram matrices, the final
 * projection) work on several rows at once, so that each value loaded from memory serves several products.
 */

/** A sparse matrix in compressed sparse row form. */
export interface Csr {
  rows: number;
  cols: number;
  /** Row i's entries are at indptr[i] … indptr[i+1]-1. */
  indptr: Uint32Array;
  indices: Uint32Array;
  values: Float32Array;
}

/** A dense matrix, row-major. */
export interface Dense {
  rows: number;
  cols: number;
  data: Float64Array;
}

export const dense = (rows: number, cols: number): Dense => ({ rows, cols, data: new Float64Array(rows * cols) });

/** A small, fast, seeded generator (mulberry32), so that training is deterministic. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples (Box–Muller). */
export function gaussian(rows: number, cols: number, seed: number): Dense {
  const r = rng(seed);
  const m = dense(rows, cols);
  for (let i = 0; i < m.data.length; i += 2) {
    const u = Math.max(r(), 1e-12);
    const v = r();
    const rad = Math.sqrt(-2 * Math.log(u));
    m.data[i] = rad * Math.cos(2 * Math.PI * v);
    if (i + 1 < m.data.length) m.data[i + 1] = rad * Math.sin(2 * Math.PI * v);
  }
  return m;
}

/**
 * A · X, A sparse (n×m), X dense (m×l) → n×l. Each output row is built in place from the rows of X its
 * entries pick, four entries at a time (a quarter of the reads and writes of the output row).
 */
export function csrTimes(a: Csr, x: Dense): Dense {
  const l = x.cols;
  const out = dense(a.rows, l);
  const xd = x.data;
  const od = out.data;
  const { indptr, indices, values } = a;
  for (let i = 0; i < a.rows; i++) {
    const o = i * l;
    const end = indptr[i + 1]!;
    let p = indptr[i]!;
    for (; p + 3 < end; p += 4) {
      const v0 = values[p]!, v1 = values[p + 1]!, v2 = values[p + 2]!, v3 = values[p + 3]!;
      const x0 = indices[p]! * l, x1 = indices[p + 1]! * l, x2 = indices[p + 2]! * l, x3 = indices[p + 3]! * l;
      for (let c = 0; c < l; c++) od[o + c]! += v0 * xd[x0 + c]! + v1 * xd[x1 + c]! + v2 * xd[x2 + c]! + v3 * xd[x3 + c]!;
    }
    for (; p < end; p++) {
      const v = values[p]!;
      const xo = indices[p]! * l;
      for (let c = 0; c < l; c++) od[o + c]! += v * xd[xo + c]!;
    }
  }
  return out;
}

/** Aᵀ as a CSR matrix of its own (m×n), columns in increasing order within each row. */
export function csrTranspose(a: Csr): Csr {
  const nnz = a.indptr[a.rows]!;
  const indptr = new Uint32Array(a.cols + 1);
  for (let p = 0; p < nnz; p++) indptr[a.indices[p]! + 1]!++;
  for (let j = 0; j < a.cols; j++) indptr[j + 1]! += indptr[j]!;
  const next = indptr.slice(0, a.cols);
  const indices = new Uint32Array(nnz);
  const values = new Float32Array(nnz);
  for (let i = 0; i < a.rows; i++) {
    for (let p = a.indptr[i]!; p < a.indptr[i + 1]!; p++) {
      const q = next[a.indices[p]!]!++;
      indices[q] = i;
      values[q] = a.values[p]!;
    }
  }
  return { rows: a.cols, cols: a.rows, indptr, indices, values };
}

/** Aᵀ · X, A sparse (n×m), X dense (n×l) → m×l. (Callers with several products transpose A once: csrTranspose.) */
export function csrTransposeTimes(a: Csr, x: Dense): Dense {
  return csrTimes(csrTranspose(a), x);
}

/** Xᵀ · X (l×l, symmetric), X dense n×l. */
export function gram(x: Dense): Float64Array {
  const l = x.cols;
  const g = new Float64Array(l * l);
  const d = x.data;
  // Eight rows at a time: an eighth of the reads and writes of G.
  let i = 0;
  for (; i + 7 < x.rows; i += 8) {
    const o0 = i * l, o1 = o0 + l, o2 = o1 + l, o3 = o2 + l, o4 = o3 + l, o5 = o4 + l, o6 = o5 + l, o7 = o6 + l;
    for (let a = 0; a < l; a++) {
      const v0 = d[o0 + a]!, v1 = d[o1 + a]!, v2 = d[o2 + a]!, v3 = d[o3 + a]!, v4 = d[o4 + a]!, v5 = d[o5 + a]!, v6 = d[o6 + a]!, v7 = d[o7 + a]!;
      const ga = a * l;
      for (let b = a; b < l; b++) {
        g[ga + b]! += v0 * d[o0 + b]! + v1 * d[o1 + b]! + v2 * d[o2 + b]! + v3 * d[o3 + b]! + v4 * d[o4 + b]! + v5 * d[o5 + b]! + v6 * d[o6 + b]! + v7 * d[o7 + b]!;
      }
    }
  }
  for (; i < x.rows; i++) {
    const o = i * l;
    for (let a = 0; a < l; a++) {
      const va = d[o + a]!;
      if (va === 0) continue;
      const ga = a * l;
      for (let b = a; b < l; b++) g[ga + b]! += va * d[o + b]!;
    }
  }
  for (let a = 0; a < l; a++) for (let b = 0; b < a; b++) g[a * l + b] = g[b * l + a]!;
  return g;
}

/**
 * Makes the columns of X orthonormal in place (X = Q R, X becomes Q) by Cholesky QR. Columns that
 * are (numerically) in the span of the earlier ones become zero, so a matrix of low rank is fine.
 */
function cholQr(x: Dense): void {
  const l = x.cols;
  const g = gram(x);
  let maxDiag = 0;
  for (let a = 0; a < l; a++) maxDiag = Math.max(maxDiag, g[a * l + a]!);
  const tol = maxDiag * 1e-10;
  // Upper-triangular R with RᵀR = G; a dead column has a zero row in R.
  const r = new Float64Array(l * l);
  const alive = new Uint8Array(l);
  for (let j = 0; j < l; j++) {
    let s = g[j * l + j]!;
    for (let k = 0; k < j; k++) s -= r[k * l + j]! * r[k * l + j]!;
    if (s <= tol || !Number.isFinite(s)) continue;
    alive[j] = 1;
    const d = Math.sqrt(s);
    r[j * l + j] = d;
    for (let c = j + 1; c < l; c++) {
      let t = g[j * l + c]!;
      for (let k = 0; k < j; k++) t -= r[k * l + j]! * r[k * l + c]!;
      r[j * l + c] = t / d;
    }
  }
  // R⁻¹ (upper triangular; a dead column's row and column stay zero), then X ← X R⁻¹ row by row.
  const inv = new Float64Array(l * l);
  for (let j = 0; j < l; j++) {
    if (!alive[j]) continue;
    inv[j * l + j] = 1 / r[j * l + j]!;
    for (let i = j - 1; i >= 0; i--) {
      if (!alive[i]) continue;
      let s = 0;
      for (let k = i + 1; k <= j; k++) s += r[i * l + k]! * inv[k * l + j]!;
      inv[i * l + j] = -s / r[i * l + i]!;
    }
  }
  // Four rows at a time, so that R⁻¹ is read once per four rows.
  const d = x.data;
  const q = new Float64Array(4 * l);
  let i = 0;
  for (; i + 3 < x.rows; i += 4) {
    const o = i * l;
    q.fill(0);
    for (let k = 0; k < l; k++) {
      if (!alive[k]) continue;
      const x0 = d[o + k]!, x1 = d[o + l + k]!, x2 = d[o + 2 * l + k]!, x3 = d[o + 3 * l + k]!;
      const ro = k * l;
      for (let j = k; j < l; j++) {
        const r = inv[ro + j]!;
        q[j]! += x0 * r;
        q[l + j]! += x1 * r;
        q[2 * l + j]! += x2 * r;
        q[3 * l + j]! += x3 * r;
      }
    }
    d.set(q, o);
  }
  for (; i < x.rows; i++) {
    const o = i * l;
    q.fill(0, 0, l);
    for (let k = 0; k < l; k++) {
      const xk = d[o + k]!;
      if (xk === 0 || !alive[k]) continue;
      const ro = k * l;
      for (let j = k; j < l; j++) q[j]! += xk * inv[ro + j]!;
    }
    d.set(q.subarray(0, l), o);
  }
}

/** Orthonormal columns (Cholesky QR twice: the second pass restores what the first lost to rounding). */
export function orthonormalize(x: Dense): Dense {
  cholQr(x);
  cholQr(x);
  return x;
}

/**
 * Eigen-decomposition of a symmetric l×l matrix (row-major): Householder reduction to tridiagonal form,
 * then the implicit QL algorithm (tred2 and tql2 of EISPACK, as in JAMA). O(l³), a second for l = 400.
 * Returns the eigenvalues in decreasing order and the eigenvectors as the columns of a row-major l×l matrix.
 */
export function symmetricEigen(input: Float64Array, l: number): { values: Float64Array; vectors: Float64Array } {
  const n = l;
  const V = Float64Array.from(input.subarray(0, n * n));
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  if (n === 0) return { values: d, vectors: V };
  // tred2: Householder tridiagonalisation, V accumulating the transformations.
  for (let j = 0; j < n; j++) d[j] = V[(n - 1) * n + j]!;
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]!);
    if (scale === 0) {
      e[i] = d[i - 1]!;
      for (let j = 0; j < i; j++) {
        d[j] = V[(i - 1) * n + j]!;
        V[i * n + j] = 0;
        V[j * n + i] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k]! /= scale;
        h += d[k]! * d[k]!;
      }
      let f = d[i - 1]!;
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        V[j * n + i] = f;
        g = e[j]! + V[j * n + j]! * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += V[k * n + j]! * d[k]!;
          e[k]! += V[k * n + j]! * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j]! /= h;
        f += e[j]! * d[j]!;
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j]! -= hh * d[j]!;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        g = e[j]!;
        for (let k = j; k <= i - 1; k++) V[k * n + j]! -= f * e[k]! + g * d[k]!;
        d[j] = V[(i - 1) * n + j]!;
        V[i * n + j] = 0;
      }
    }
    d[i] = h;
  }
  for (let i = 0; i < n - 1; i++) {
    V[(n - 1) * n + i] = V[i * n + i]!;
    V[i * n + i] = 1;
    const h = d[i + 1]!;
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = V[k * n + i + 1]! / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += V[k * n + i + 1]! * V[k * n + j]!;
        for (let k = 0; k <= i; k++) V[k * n + j]! -= g * d[k]!;
      }
    }
    for (let k = 0; k <= i; k++) V[k * n + i + 1] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = V[(n - 1) * n + j]!;
    V[(n - 1) * n + j] = 0;
  }
  V[(n - 1) * n + n - 1] = 1;
  e[0] = 0;

  // tql2, on the transpose of V (eigenvectors as rows: each rotation touches two contiguous rows).
  const T = new Float64Array(n * n);
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) T[c * n + r] = V[r * n + c]!;
  for (let i = 1; i < n; i++) e[i - 1] = e[i]!;
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  const hyp = (a: number, b: number) => Math.sqrt(a * a + b * b);
  for (let l0 = 0; l0 < n; l0++) {
    tst1 = Math.max(tst1, Math.abs(d[l0]!) + Math.abs(e[l0]!));
    let m = l0;
    while (m < n) {
      if (Math.abs(e[m]!) <= eps * tst1) break;
      m++;
    }
    if (m > l0) {
      for (let iter = 0; iter < 100; iter++) {
        let g = d[l0]!;
        let p = (d[l0 + 1]! - g) / (2 * e[l0]!);
        let r = hyp(p, 1);
        if (p < 0) r = -r;
        d[l0] = e[l0]! / (p + r);
        d[l0 + 1] = e[l0]! * (p + r);
        const dl1 = d[l0 + 1]!;
        let h = g - d[l0]!;
        for (let i = l0 + 2; i < n; i++) d[i]! -= h;
        f += h;
        p = d[m]!;
        let c = 1, c2 = c, c3 = c;
        const el1 = e[l0 + 1]!;
        let s = 0, s2 = 0;
        for (let i = m - 1; i >= l0; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i]!;
          h = c * p;
          r = hyp(p, e[i]!);
          e[i + 1] = s * r;
          s = e[i]! / r;
          c = p / r;
          p = c * d[i]! - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]!);
          const ri = i * n, rj = ri + n;
          for (let k = 0; k < n; k++) {
            const hk = T[rj + k]!;
            const ik = T[ri + k]!;
            T[rj + k] = s * ik + c * hk;
            T[ri + k] = c * ik - s * hk;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l0]!) / dl1;
        e[l0] = s * p;
        d[l0] = c * p;
        if (!(Math.abs(e[l0]!) > eps * tst1)) break;
      }
    }
    d[l0] = d[l0]! + f;
    e[l0] = 0;
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => d[j]! - d[i]! || i - j);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    values[dst] = d[src]!;
    for (let k = 0; k < n; k++) vectors[k * n + dst] = T[src * n + k]!;
  });
  return { values, vectors };
}

export interface TruncatedSvd {
  /** Singular values, largest first (only the non-zero ones, at most k). */
  sigma: Float64Array;
  /** Right singular vectors as the columns of an m×k' matrix (k' = sigma.length). */
  v: Dense;
}

/** A · B for row-major A (n×m) and B (m×p): n×p (zeros in A skipped). */
function multiply(a: Float64Array, n: number, m: number, b: Float64Array, p: number): Float64Array {
  const out = new Float64Array(n * p);
  for (let i = 0; i < n; i++) {
    for (let q = 0; q < m; q++) {
      const x = a[i * m + q]!;
      if (x === 0) continue;
      const bo = q * p;
      const o = i * p;
      for (let j = 0; j < p; j++) out[o + j]! += x * b[bo + j]!;
    }
  }
  return out;
}

/** Aᵀ for row-major A (n×m): m×n. */
function transpose(a: Float64Array, n: number, m: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) out[j * n + i] = a[i * m + j]!;
  return out;
}

/**
 * The k largest singular values and right singular vectors of a sparse n×m matrix, by randomized range
 * finding with `oversample` extra columns and `powerIterations` subspace iterations (Halko et al., alg. 4.4).
 *
 * The range Y = (AAᵀ)^q AΩ is not orthonormalised explicitly (an n×l Q costs as much as the rest of the
 * training): with G = YᵀY = W Λ Wᵀ, Q = Y C for C = W Λ^-½ (directions of Y that are numerically dependent
 * are dropped), so Z = AᵀQ = (AᵀY) C and B Bᵀ = Zᵀ Z = Cᵀ (Z'ᵀ Z') C for Z' = AᵀY: only l×l matrices and
 * the Gram matrices of Y and Z' are needed. The same subspace as with an explicit Q, up to rounding: Y's
 * condition is that of A's top singular values cubed (q = 1), which float64 holds with room to spare for
 * TF-IDF; further iterations (q > 1) orthonormalise in between, which keeps that bound.
 */
export function randomizedSvd(a: Csr, k: number, opts: { oversample?: number; powerIterations?: number; seed?: number } = {}): TruncatedSvd {
  const l = Math.max(1, Math.min(k + (opts.oversample ?? 16), a.rows, a.cols));
  const at = csrTranspose(a);
  let y = csrTimes(a, gaussian(a.cols, l, opts.seed ?? 42));
  const iterations = opts.powerIterations ?? 2;
  for (let i = 0; i < iterations; i++) {
    if (i > 0) orthonormalize(y);
    y = csrTimes(a, csrTimes(at, y));
  }
  // C = W Λ^-½ over the directions of Y that are not (numerically) dependent on the others.
  const gy = symmetricEigen(gram(y), l);
  const tol = Math.max(gy.values[0]!, 0) * 1e-12;
  const basis: number[] = [];
  for (let j = 0; j < l; j++) if (gy.values[j]! > tol && gy.values[j]! > 0) basis.push(j);
  const r = basis.length;
  const c = new Float64Array(l * r);
  for (let row = 0; row < l; row++) for (let j = 0; j < r; j++) c[row * r + j] = gy.vectors[row * l + basis[j]!]! / Math.sqrt(gy.values[basis[j]!]!);
  const z = csrTimes(at, y);
  // M = Cᵀ (Z'ᵀ Z') C (r×r) = B Bᵀ = U Λ Uᵀ; then V = Bᵀ U Σ⁻¹ = Z' C U Σ⁻¹.
  const mm = multiply(transpose(c, l, r), r, l, multiply(gram(z), l, l, c, r), r);
  for (let i = 0; i < r; i++) for (let j = 0; j < i; j++) mm[i * r + j] = mm[j * r + i] = (mm[i * r + j]! + mm[j * r + i]!) / 2;
  const { values, vectors } = symmetricEigen(mm, r);
  const top = values[0]! > 0 ? Math.sqrt(values[0]!) : 0;
  const kept: number[] = [];
  for (let j = 0; j < r && kept.length < k; j++) {
    const s = values[j]! > 0 ? Math.sqrt(values[j]!) : 0;
    if (s > top * 1e-6 && s > 0) kept.push(j);
  }
  const kk = kept.length;
  const sigma = new Float64Array(kept.map((j) => Math.sqrt(values[j]!)));
  // W = C U[:, kept] Σ⁻¹ (l×kk), then V = Z' W, eight term rows at a time (W is read once per eight).
  const uk = new Float64Array(r * kk);
  for (let i = 0; i < r; i++) for (let j = 0; j < kk; j++) uk[i * kk + j] = vectors[i * r + kept[j]!]! / sigma[j]!;
  const w = multiply(c, l, r, uk, kk);
  const v = dense(a.cols, kk);
  const vd = v.data;
  const zd = z.data;
  let t = 0;
  for (; t + 7 < a.cols; t += 8) {
    const o = t * kk;
    const zo = t * l;
    for (let q = 0; q < l; q++) {
      const z0 = zd[zo + q]!, z1 = zd[zo + l + q]!, z2 = zd[zo + 2 * l + q]!, z3 = zd[zo + 3 * l + q]!;
      const z4 = zd[zo + 4 * l + q]!, z5 = zd[zo + 5 * l + q]!, z6 = zd[zo + 6 * l + q]!, z7 = zd[zo + 7 * l + q]!;
      const wo = q * kk;
      for (let j = 0; j < kk; j++) {
        const x = w[wo + j]!;
        vd[o + j]! += z0 * x;
        vd[o + kk + j]! += z1 * x;
        vd[o + 2 * kk + j]! += z2 * x;
        vd[o + 3 * kk + j]! += z3 * x;
        vd[o + 4 * kk + j]! += z4 * x;
        vd[o + 5 * kk + j]! += z5 * x;
        vd[o + 6 * kk + j]! += z6 * x;
        vd[o + 7 * kk + j]! += z7 * x;
      }
    }
  }
  for (; t < a.cols; t++) {
    const o = t * kk;
    const zo = t * l;
    for (let q = 0; q < l; q++) {
      const zq = zd[zo + q]!;
      if (zq === 0) continue;
      const wo = q * kk;
      for (let j = 0; j < kk; j++) vd[o + j]! += zq * w[wo + j]!;
    }
  }
  return { sigma, v };
}
