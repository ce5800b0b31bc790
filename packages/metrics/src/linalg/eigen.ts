/**
 * Symmetric eigendecomposition on `Float64Array`s: Householder tridiagonalisation followed by the
 * implicit QL algorithm with Wilkinson-type shifts, eigenvectors accumulated as contiguous rows.
 *
 * Layout: matrices are n×n row-major. Eigenvectors come back as the ROWS of an n×n array (row i
 * belongs to `values[i]`), which keeps every inner loop (reflector application, Givens rotation)
 * on contiguous memory.
 */

const EPS = 2 ** -52;

/** Result of {@link symmetricEigen}. */
export interface SymmetricEigen {
  /** Eigenvalues in ascending order. */
  readonly values: Float64Array;
  /** n×n row-major; row i is the unit eigenvector of `values[i]` (absent when not requested). */
  readonly vectors?: Float64Array;
}

/** Output of {@link tridiagonalize}: T = Qᵀ A Q with diagonal `d`, off-diagonal `e`. */
export interface Tridiagonal {
  readonly d: Float64Array;
  /** e[i] = T[i, i+1] for i < n−1; e[n−1] = 0. */
  readonly e: Float64Array;
  /** Householder vectors: reflector k (acting on indices > k) is stored in row k, columns k+1…n−1. */
  readonly reflectors: Float64Array;
  /** β of each reflector (H_k = I − β_k v_k v_kᵀ); 0 means H_k = I. */
  readonly beta: Float64Array;
}

/**
 * Householder reduction of a symmetric matrix to tridiagonal form, A = Q T Qᵀ with
 * Q = H_0 H_1 ⋯ H_{n−3}. `a` (n×n row-major, both triangles) is overwritten: its rows hold the
 * reflectors afterwards. Each step applies the two-sided update A₂₂ ← A₂₂ − v wᵀ − w vᵀ
 * (w = p − (β pᵀv / 2) v, p = β A₂₂ v), and computes the next step's product p' = β' A₂₂' v'
 * in the same sweep over memory as the update.
 */
export function tridiagonalize(a: Float64Array, n: number): Tridiagonal {
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  const beta = new Float64Array(n);
  const p = new Float64Array(n);
  const w = new Float64Array(n);
  if (n === 1) {
    d[0] = a[0] as number;
    return { d, e, reflectors: a, beta };
  }
  // Only the lower triangle (j ≤ i) is read and kept current; reflector k lives in row k's upper part.
  // Build reflector k from column k below the diagonal (copied into row k, columns k+1…n−1).
  const makeReflector = (k: number): number => {
    const row = k * n;
    for (let i = k + 1; i < n; i++) a[row + i] = a[i * n + k] as number;
    const x0 = a[row + k + 1] as number;
    let sigma = 0;
    for (let j = k + 2; j < n; j++) {
      const x = a[row + j] as number;
      sigma += x * x;
    }
    if (sigma === 0) {
      e[k] = x0;
      return 0;
    }
    const mu = Math.sqrt(x0 * x0 + sigma);
    const alpha = x0 <= 0 ? mu : -mu;
    a[row + k + 1] = x0 - alpha;
    e[k] = alpha;
    return 1 / (mu * (mu + Math.abs(x0)));
  };
  // p = β A₂₂ v on the lower triangle of rows/columns ≥ from (v in row vrow)
  const symv = (from: number, vrow: number, b: number): void => {
    p.fill(0, from, n);
    for (let i = from; i < n; i++) {
      const ri = i * n;
      const vi = a[vrow + i] as number;
      let s = 0;
      for (let j = from; j < i; j++) {
        const x = a[ri + j] as number;
        s += x * (a[vrow + j] as number);
        p[j] = (p[j] as number) + x * vi;
      }
      p[i] = (p[i] as number) + s + (a[ri + i] as number) * vi;
    }
    for (let i = from; i < n; i++) p[i] = b * (p[i] as number);
  };
  let b = n > 2 ? makeReflector(0) : 0;
  beta[0] = b;
  if (b !== 0) symv(1, 0, b);
  for (let k = 0; k < n - 2; k++) {
    d[k] = a[k * n + k] as number;
    const vrow = k * n; // v_j = a[vrow + j], j > k
    const k1 = k + 1;
    const k2 = k + 2;
    const next = k1 < n - 2; // is there a reflector for step k+1?
    if (b !== 0) {
      // w = p − (β/2)(pᵀv) v
      let pv = 0;
      for (let j = k1; j < n; j++) pv += (p[j] as number) * (a[vrow + j] as number);
      const K = 0.5 * b * pv;
      for (let j = k1; j < n; j++) w[j] = (p[j] as number) - K * (a[vrow + j] as number);
      // column k+1 (rows ≥ k+1) first: it defines the next reflector
      const vk1 = a[vrow + k1] as number;
      const wk1 = w[k1] as number;
      for (let i = k1; i < n; i++) {
        const o = i * n + k1;
        a[o] = (a[o] as number) - (a[vrow + i] as number) * wk1 - (w[i] as number) * vk1;
      }
      const b2 = next ? makeReflector(k1) : 0;
      const v2row = k1 * n;
      if (b2 !== 0) {
        // rank-2 update of rows ≥ k+2 fused with p' = β' A₂₂' v'
        p.fill(0, k2, n);
        for (let i = k2; i < n; i++) {
          const ri = i * n;
          const vi = a[vrow + i] as number;
          const wi = w[i] as number;
          const v2i = a[v2row + i] as number;
          let s = 0;
          for (let j = k2; j < i; j++) {
            const x = (a[ri + j] as number) - vi * (w[j] as number) - wi * (a[vrow + j] as number);
            a[ri + j] = x;
            s += x * (a[v2row + j] as number);
            p[j] = (p[j] as number) + x * v2i;
          }
          const xii = (a[ri + i] as number) - 2 * vi * wi;
          a[ri + i] = xii;
          p[i] = (p[i] as number) + s + xii * v2i;
        }
        for (let i = k2; i < n; i++) p[i] = b2 * (p[i] as number);
      } else {
        for (let i = k2; i < n; i++) {
          const ri = i * n;
          const vi = a[vrow + i] as number;
          const wi = w[i] as number;
          for (let j = k2; j <= i; j++) a[ri + j] = (a[ri + j] as number) - vi * (w[j] as number) - wi * (a[vrow + j] as number);
        }
      }
      b = b2;
    } else {
      const b2 = next ? makeReflector(k1) : 0;
      if (b2 !== 0) symv(k2, k1 * n, b2);
      b = b2;
    }
    if (next) beta[k1] = b;
  }
  // the last 2×2 block
  d[n - 2] = a[(n - 2) * n + n - 2] as number;
  d[n - 1] = a[(n - 1) * n + n - 1] as number;
  e[n - 2] = a[(n - 1) * n + n - 2] as number;
  e[n - 1] = 0;
  return { d, e, reflectors: a, beta };
}

/**
 * Implicit QL iterations with Wilkinson-type shifts on a symmetric tridiagonal matrix
 * (diagonal `d`, off-diagonal `e`, e[i] = T[i, i+1]); both are overwritten, `d` with the
 * (unsorted) eigenvalues. With `zt` (n×n row-major), each rotation is applied to rows i, i+1, so a
 * `zt` that starts as the identity ends with the eigenvectors of T as rows.
 */
export function tridiagonalQL(d: Float64Array, e: Float64Array, n: number, zt?: Float64Array): void {
  e[n - 1] = 0;
  // deflation test as in EISPACK tql2: |e_m| ≤ ε·max_{j ≤ l}(|d_j| + |e_j|), which also settles
  // clusters of (numerically) zero eigenvalues of rank-deficient matrices
  let tst1 = 0;
  for (let l = 0; l < n; l++) {
    let iter = 0;
    let m: number;
    tst1 = Math.max(tst1, Math.abs(d[l] as number) + Math.abs(e[l] as number));
    for (;;) {
      for (m = l; m < n - 1; m++) {
        const dd = Math.abs(d[m] as number) + Math.abs(d[m + 1] as number);
        const em = Math.abs(e[m] as number);
        if (em <= EPS * dd || em <= EPS * tst1) break;
      }
      if (m === l) break;
      if (++iter > 100) throw new Error(`tridiagonalQL: no convergence for eigenvalue ${l} after 100 iterations`);
      // shift from the leading 2×2 block (the eigenvalue nearer d[l])
      let g = ((d[l + 1] as number) - (d[l] as number)) / (2 * (e[l] as number));
      let r = Math.hypot(g, 1);
      g = (d[m] as number) - (d[l] as number) + (e[l] as number) / (g + (g >= 0 ? r : -r));
      let s = 1;
      let c = 1;
      let p = 0;
      let i: number;
      let underflow = false;
      for (i = m - 1; i >= l; i--) {
        const f = s * (e[i] as number);
        const bb = c * (e[i] as number);
        r = Math.hypot(f, g);
        e[i + 1] = r;
        if (r === 0) {
          d[i + 1] = (d[i + 1] as number) - p;
          e[m] = 0;
          underflow = true;
          break;
        }
        s = f / r;
        c = g / r;
        g = (d[i + 1] as number) - p;
        r = ((d[i] as number) - g) * s + 2 * c * bb;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - bb;
        if (zt) {
          // rows i and i+1 of zt (contiguous): row_{i+1} ← s·row_i + c·row_{i+1}, row_i ← c·row_i − s·row_{i+1}
          const r0 = i * n;
          const r1 = r0 + n;
          for (let k = 0; k < n; k++) {
            const z1 = zt[r1 + k] as number;
            const z0 = zt[r0 + k] as number;
            zt[r1 + k] = s * z0 + c * z1;
            zt[r0 + k] = c * z0 - s * z1;
          }
        }
      }
      if (underflow) continue;
      d[l] = (d[l] as number) - p;
      e[l] = g;
      e[m] = 0;
    }
  }
}

/**
 * Apply Qᵀ from the right to the rows of `rows` (count×n): each row r ← r H_{n−3} ⋯ H_0, i.e. the
 * rows become (Q z)ᵀ. Reflectors are applied in blocks so that a block of them stays in cache
 * while every row passes through it.
 */
function applyReflectorsToRows(t: Tridiagonal, n: number, rows: Float64Array, count: number): void {
  const V = t.reflectors;
  const beta = t.beta;
  const BLOCK = 16;
  for (let kb = n - 3; kb >= 0; kb -= BLOCK) {
    const kEnd = Math.max(0, kb - BLOCK + 1);
    for (let r = 0; r < count; r++) {
      const ro = r * n;
      for (let k = kb; k >= kEnd; k--) {
        const bk = beta[k] as number;
        if (bk === 0) continue;
        const vo = k * n;
        let s = 0;
        for (let j = k + 1; j < n; j++) s += (rows[ro + j] as number) * (V[vo + j] as number);
        s *= bk;
        if (s === 0) continue;
        for (let j = k + 1; j < n; j++) rows[ro + j] = (rows[ro + j] as number) - s * (V[vo + j] as number);
      }
    }
  }
}

/**
 * Eigenvalues (ascending) and, if asked, eigenvectors of a symmetric n×n row-major matrix.
 * The input is not modified.
 *
 * @example
 * const { values, vectors } = symmetricEigen(new Float64Array([2, 1, 1, 2]), 2, { vectors: true });
 * // values = [1, 3]; vectors rows = ±[1, −1]/√2, ±[1, 1]/√2
 */
export function symmetricEigen(a: Float64Array, n: number, options: { vectors?: boolean } = {}): SymmetricEigen {
  if (n === 0) return { values: new Float64Array(0), ...(options.vectors ? { vectors: new Float64Array(0) } : {}) };
  const work = Float64Array.from(a.subarray(0, n * n));
  const t = tridiagonalize(work, n);
  const d = t.d;
  const e = Float64Array.from(t.e);
  let zt: Float64Array | undefined;
  if (options.vectors) {
    zt = new Float64Array(n * n);
    for (let i = 0; i < n; i++) zt[i * n + i] = 1;
  }
  tridiagonalQL(d, e, n, zt);
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => (d[i] as number) - (d[j] as number));
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = d[order[i] as number] as number;
  if (!zt) return { values };
  applyReflectorsToRows(t, n, zt, n);
  const vectors = new Float64Array(n * n);
  for (let i = 0; i < n; i++) vectors.set(zt.subarray((order[i] as number) * n, (order[i] as number) * n + n), i * n);
  return { values, vectors };
}
