/**
 * The linear algebra of the built-in embedder, in plain TypeScript: a sparse matrix (CSR), dense
 * row-major matrices in Float64Arrays, orthonormalisation (Cholesky QR, twice), a symmetric eigen
 * solver (cyclic Jacobi), and the randomized truncated SVD of Halko, Martinsson and Tropp (2011).
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

/** A · X, A sparse (n×m), X dense (m×l) → n×l. */
export function csrTimes(a: Csr, x: Dense): Dense {
  const l = x.cols;
  const out = dense(a.rows, l);
  const xd = x.data;
  const od = out.data;
  for (let i = 0; i < a.rows; i++) {
    const o = i * l;
    for (let p = a.indptr[i]!; p < a.indptr[i + 1]!; p++) {
      const v = a.values[p]!;
      const xo = a.indices[p]! * l;
      for (let c = 0; c < l; c++) od[o + c]! += v * xd[xo + c]!;
    }
  }
  return out;
}

/** Aᵀ · X, A sparse (n×m), X dense (n×l) → m×l. */
export function csrTransposeTimes(a: Csr, x: Dense): Dense {
  const l = x.cols;
  const out = dense(a.cols, l);
  const xd = x.data;
  const od = out.data;
  for (let i = 0; i < a.rows; i++) {
    const xo = i * l;
    for (let p = a.indptr[i]!; p < a.indptr[i + 1]!; p++) {
      const v = a.values[p]!;
      const o = a.indices[p]! * l;
      for (let c = 0; c < l; c++) od[o + c]! += v * xd[xo + c]!;
    }
  }
  return out;
}

/** Xᵀ · X (l×l, symmetric), X dense n×l. */
export function gram(x: Dense): Float64Array {
  const l = x.cols;
  const g = new Float64Array(l * l);
  const d = x.data;
  // Four rows at a time: a quarter of the reads and writes of G.
  let i = 0;
  for (; i + 3 < x.rows; i += 4) {
    const o0 = i * l, o1 = o0 + l, o2 = o1 + l, o3 = o2 + l;
    for (let a = 0; a < l; a++) {
      const v0 = d[o0 + a]!, v1 = d[o1 + a]!, v2 = d[o2 + a]!, v3 = d[o3 + a]!;
      const ga = a * l;
      for (let b = a; b < l; b++) g[ga + b]! += v0 * d[o0 + b]! + v1 * d[o1 + b]! + v2 * d[o2 + b]! + v3 * d[o3 + b]!;
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
  const d = x.data;
  const q = new Float64Array(l);
  for (let i = 0; i < x.rows; i++) {
    const o = i * l;
    q.fill(0);
    for (let k = 0; k < l; k++) {
      const xk = d[o + k]!;
      if (xk === 0 || !alive[k]) continue;
      const ro = k * l;
      for (let j = k; j < l; j++) q[j]! += xk * inv[ro + j]!;
    }
    d.set(q, o);
  }
}

/** Orthonormal columns (Cholesky QR twice: the second pass restores what the first lost to rounding). */
export function orthonormalize(x: Dense): Dense {
  cholQr(x);
  cholQr(x);
  return x;
}

/**
 * Eigen-decomposition of a symmetric l×l matrix (row-major) by cyclic Jacobi rotations. Returns the
 * eigenvalues in decreasing order and the eigenvectors as the columns of a row-major l×l matrix.
 */
export function symmetricEigen(input: Float64Array, l: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(input);
  const v = new Float64Array(l * l);
  for (let i = 0; i < l; i++) v[i * l + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    let total = 0;
    for (let p = 0; p < l; p++) {
      for (let q = 0; q < l; q++) {
        const x = a[p * l + q]! * a[p * l + q]!;
        total += x;
        if (p !== q) off += x;
      }
    }
    if (off <= 1e-22 * total || off === 0) break;
    for (let p = 0; p < l - 1; p++) {
      for (let q = p + 1; q < l; q++) {
        const apq = a[p * l + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const app = a[p * l + p]!;
        const aqq = a[q * l + q]!;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < l; k++) {
          const akp = a[k * l + p]!;
          const akq = a[k * l + q]!;
          a[k * l + p] = c * akp - s * akq;
          a[k * l + q] = s * akp + c * akq;
        }
        for (let k = 0; k < l; k++) {
          const apk = a[p * l + k]!;
          const aqk = a[q * l + k]!;
          a[p * l + k] = c * apk - s * aqk;
          a[q * l + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < l; k++) {
          const vkp = v[k * l + p]!;
          const vkq = v[k * l + q]!;
          v[k * l + p] = c * vkp - s * vkq;
          v[k * l + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: l }, (_, i) => i).sort((i, j) => a[j * l + j]! - a[i * l + i]!);
  const values = new Float64Array(l);
  const vectors = new Float64Array(l * l);
  order.forEach((src, dst) => {
    values[dst] = a[src * l + src]!;
    for (let k = 0; k < l; k++) vectors[k * l + dst] = v[k * l + src]!;
  });
  return { values, vectors };
}

export interface TruncatedSvd {
  /** Singular values, largest first (only the non-zero ones, at most k). */
  sigma: Float64Array;
  /** Right singular vectors as the columns of an m×k' matrix (k' = sigma.length). */
  v: Dense;
}

/**
 * The k largest singular values and right singular vectors of a sparse n×m matrix, by randomized range
 * finding with `oversample` extra columns and `powerIterations` subspace iterations (Halko et al., alg. 4.4).
 */
export function randomizedSvd(a: Csr, k: number, opts: { oversample?: number; powerIterations?: number; seed?: number } = {}): TruncatedSvd {
  const l = Math.max(1, Math.min(k + (opts.oversample ?? 16), a.rows, a.cols));
  let q = orthonormalize(csrTimes(a, gaussian(a.cols, l, opts.seed ?? 42)));
  // Subspace iterations. Z = AᵀQ is not re-orthonormalised (Q is, and Z's condition is that of A's top
  // singular values, mild for TF-IDF): that saves the costliest step when the vocabulary is large.
  for (let i = 0; i < (opts.powerIterations ?? 2); i++) q = orthonormalize(csrTimes(a, csrTransposeTimes(a, q)));
  // B = Qᵀ A (l×m); Z = Bᵀ (m×l). B Bᵀ = Zᵀ Z = U Λ Uᵀ; then V = Bᵀ U Σ⁻¹ = Z U Σ⁻¹.
  const z = csrTransposeTimes(a, q);
  const { values, vectors } = symmetricEigen(gram(z), l);
  const top = values[0]! > 0 ? Math.sqrt(values[0]!) : 0;
  const kept: number[] = [];
  for (let j = 0; j < l && kept.length < k; j++) {
    const s = values[j]! > 0 ? Math.sqrt(values[j]!) : 0;
    if (s > top * 1e-6 && s > 0) kept.push(j);
  }
  const kk = kept.length;
  const sigma = new Float64Array(kept.map((j) => Math.sqrt(values[j]!)));
  // W = U[:, kept] Σ⁻¹ (l×kk, contiguous), then each row of V is that term's row of Z times W.
  const w = new Float64Array(l * kk);
  for (let c = 0; c < l; c++) for (let j = 0; j < kk; j++) w[c * kk + j] = vectors[c * l + kept[j]!]! / sigma[j]!;
  const v = dense(a.cols, kk);
  const vd = v.data;
  const zd = z.data;
  for (let t = 0; t < a.cols; t++) {
    const o = t * kk;
    const zo = t * l;
    for (let c = 0; c < l; c++) {
      const zc = zd[zo + c]!;
      if (zc === 0) continue;
      const wo = c * kk;
      for (let j = 0; j < kk; j++) vd[o + j]! += zc * w[wo + j]!;
    }
  }
  return { sigma, v };
}
