/**
 * Symmetric eigendecomposition on `Float64Array`s: Householder tridiagonalisation, then the
 * implicit QL algorithm with Wilkinson-type shifts for eigenvalues alone, or divide and conquer
 * (Cuppen; Gu & Eisenstat) when eigenvectors are wanted.
 *
 * Layout: matrices are n×n row-major. Eigenvectors come back as the ROWS of an n×n array (row i
 * belongs to `values[i]`), which keeps every inner loop (reflector application, Givens rotation)
 * on contiguous memory.
 */

import { tridiagonalQL } from "./eigen-ql.js";
import { tridiagonalEigenDC } from "./divide-conquer.js";
import { gemmNT, transpose } from "./gemm.js";
import { simdRowUpdate } from "./simd-kernel.js";
import { checkThreads, scratch, scratchMark, scratchRelease, withThreads } from "./parallel.js";

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
 *
 * @example
 * const { d, e } = tridiagonalize(Float64Array.from(symmetric), n); // symmetric is consumed
 */
export function tridiagonalize(input: Float64Array, n: number): Tridiagonal {
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  const beta = new Float64Array(n);
  if (n === 1) {
    d[0] = input[0] as number;
    return { d, e, reflectors: input, beta };
  }
  // With WebAssembly SIMD the working matrix lives in the kernel's memory: a = [0, n²), p, w after it.
  const rows = n >= 16 ? simdRowUpdate() : undefined;
  const nn = n * n;
  const pOff = nn;
  const wOff = nn + n;
  let a: Float64Array;
  let p: Float64Array;
  let w: Float64Array;
  if (rows) {
    const mem = rows.view(nn + 2 * n);
    a = mem.subarray(0, nn);
    a.set(input.subarray(0, nn));
    p = mem.subarray(pOff, pOff + n);
    w = mem.subarray(wOff, wOff + n);
  } else {
    a = input;
    p = new Float64Array(n);
    w = new Float64Array(n);
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
          if (rows) {
            s = rows.run(ri + k2, vrow + k2, wOff + k2, v2row + k2, pOff + k2, i - k2, vi, wi, v2i);
          } else {
            for (let j = k2; j < i; j++) {
              const x = (a[ri + j] as number) - vi * (w[j] as number) - wi * (a[vrow + j] as number);
              a[ri + j] = x;
              s += x * (a[v2row + j] as number);
              p[j] = (p[j] as number) + x * v2i;
            }
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
  if (a !== input) input.set(a);
  return { d, e, reflectors: input, beta };
}

export { tridiagonalQL } from "./eigen-ql.js";

/**
 * Apply Qᵀ from the right to the rows of `rows` (count×n): each row r ← r H_{n−3} ⋯ H_0, i.e. the
 * rows become (Q z)ᵀ. Reflectors go in blocks of NB with the compact WY form
 * H_{k0} ⋯ H_{k1} = I − V T Vᵀ (T upper triangular), so each block is two matrix products:
 * rows ← rows − (rows V) Tᵀ Vᵀ.
 */
export function applyReflectorsToRows(t: Tridiagonal, n: number, rows: Float64Array, count: number): void {
  const R = t.reflectors;
  const beta = t.beta;
  const NB = 48;
  const Vt = new Float64Array(NB * n); // nb × L: reflector p in row p (zeros before its support)
  const Vc = new Float64Array(n * NB); // L × nb: the same, column form
  const G = new Float64Array(NB * NB);
  const T = new Float64Array(NB * NB);
  const Y = new Float64Array(count * NB);
  const Z = new Float64Array(count * NB);
  const last = n - 3;
  if (last < 0) return;
  // blocks from the top: [k0, k1] with k1 = last, last − NB, ...
  for (let k1 = last; k1 >= 0; k1 -= NB) {
    const k0 = Math.max(0, k1 - NB + 1);
    const nb = k1 - k0 + 1;
    const off = k0 + 1; // first column touched
    const L = n - off;
    Vt.fill(0, 0, nb * L);
    for (let p = 0; p < nb; p++) {
      const k = k0 + p;
      if ((beta[k] as number) === 0) continue;
      const src = k * n;
      for (let j = k + 1; j < n; j++) Vt[p * L + (j - off)] = R[src + j] as number;
    }
    for (let j = 0; j < L; j++) for (let p = 0; p < nb; p++) Vc[j * nb + p] = Vt[p * L + j] as number;
    // T (forward, columnwise): T[i,i] = β_i, T[0:i, i] = −β_i T[0:i, 0:i] (Vᵀ v_i)[0:i]
    gemmNT(nb, nb, L, Vt, 0, L, Vt, 0, L, G, 0, nb, { lower: true });
    T.fill(0, 0, nb * nb);
    for (let i = 0; i < nb; i++) {
      const bi = beta[k0 + i] as number;
      T[i * nb + i] = bi;
      for (let r = 0; r < i; r++) {
        let s = 0;
        for (let q = r; q < i; q++) s += (T[r * nb + q] as number) * (G[i * nb + q] as number);
        T[r * nb + i] = -bi * s;
      }
    }
    // Y = rows[:, off:] V  (count × nb)
    gemmNT(count, nb, L, rows, off, n, Vt, 0, L, Y, 0, nb);
    // Z = Y Tᵀ: Z[r, i] = Σ_q Y[r, q] T[i, q]  (T upper: q ≥ i)
    for (let r = 0; r < count; r++) {
      for (let i = 0; i < nb; i++) {
        let s = 0;
        for (let q = i; q < nb; q++) s += (Y[r * nb + q] as number) * (T[i * nb + q] as number);
        Z[r * nb + i] = s;
      }
    }
    // rows[:, off:] −= Z Vᵀ
    gemmNT(count, L, nb, Z, 0, nb, Vc, 0, nb, rows, off, n, { alpha: -1, accumulate: true });
  }
}

/** Options for {@link symmetricEigen}. */
export interface SymmetricEigenOptions {
  /** Also compute the eigenvectors (default false: eigenvalues only, by implicit QL). */
  vectors?: boolean;
  /** Threads for the products (default: {@link setThreads} / `ATLAS_THREADS` / CPU count); results do not depend on it. */
  threads?: number;
}

/**
 * Eigenvalues (ascending) and, if asked, eigenvectors of a symmetric n×n row-major matrix.
 * The input is not modified.
 *
 * @example
 * const { values, vectors } = symmetricEigen(new Float64Array([2, 1, 1, 2]), 2, { vectors: true });
 * // values = [1, 3]; vectors rows = ±[1, −1]/√2, ±[1, 1]/√2
 */
export function symmetricEigen(a: Float64Array, n: number, options: SymmetricEigenOptions = {}): SymmetricEigen {
  const threads = checkThreads(options.threads);
  return withThreads(threads, () => {
    if (!options.vectors) return { values: eigenvaluesOf(a, n) };
    const mark = scratchMark();
    try {
      const { values, vectors } = eigenvectorsOf(a, n);
      return { values, vectors: vectors.buffer instanceof ArrayBuffer ? vectors : Float64Array.from(vectors) };
    } finally {
      scratchRelease(mark);
    }
  });
}

/** Eigenvalues (ascending) of a symmetric n×n matrix (not modified). */
export function eigenvaluesOf(a: Float64Array, n: number): Float64Array {
  if (n === 0) return new Float64Array(0);
  const work = Float64Array.from(a.subarray(0, n * n));
  const t = tridiagonalize(work, n);
  const d = t.d;
  const e = Float64Array.from(t.e);
  tridiagonalQL(d, e, n);
  return Float64Array.from(d).sort();
}

/**
 * Eigenvalues and eigenvectors (rows) of a symmetric n×n matrix (not modified). The vectors may
 * live in the threads' shared scratch memory: callers take a {@link scratchMark} before and release
 * it when done with them.
 */
export function eigenvectorsOf(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  if (n === 0) return { values: new Float64Array(0), vectors: new Float64Array(0) };
  const work = Float64Array.from(a.subarray(0, n * n));
  const t = tridiagonalize(work, n);
  // eigenvectors of T by divide and conquer (columns of Q), then as rows through the reflectors
  const { values, Q } = tridiagonalEigenDC(t.d, t.e, n);
  const vectors = scratch(n * n) ?? new Float64Array(n * n);
  transpose(Q, n, n, vectors);
  applyReflectorsToRows(t, n, vectors, n);
  return { values, vectors };
}
