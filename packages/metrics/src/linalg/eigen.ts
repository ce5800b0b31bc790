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
import { checkThreads, scratch, scratchMark, scratchRelease, sharedRows, withThreads, type SharedRows } from "./parallel.js";

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
  return reduce(input, n, true);
}

/** {@link tridiagonalize}; with `keep` false the input is only read and the reflectors are dropped. */
function reduce(input: Float64Array, n: number, keep: boolean): Tridiagonal {
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  const beta = new Float64Array(n);
  if (n === 1) {
    d[0] = input[0] as number;
    return { d, e, reflectors: input, beta };
  }
  // The working matrix a = [base, base + n²), then p, w and the parts' partial products, live in
  // the SIMD kernel's memory, or in the worker threads' shared memory when they help.
  const nn = n * n;
  const parted = n >= SPLIT_FROM;
  // the row blocks' partial products are used from n − 2 ≥ SPLIT_ROWS on (also below SPLIT_FROM)
  const need = nn + 2 * n + (n - 2 >= SPLIT_ROWS ? ROW_PARTS * n : 0);
  const mark = scratchMark();
  const shared: SharedRows | undefined = parted ? sharedRows(need) : undefined;
  const own = shared ? undefined : n >= 16 ? simdRowUpdate() : undefined;
  let mem: Float64Array | undefined;
  let base = 0;
  let kernel: RowRun | null = null;
  if (shared) {
    mem = shared.f64;
    base = shared.base;
    kernel = shared.run;
  } else if (own) {
    mem = own.view(need);
    kernel = own.run;
  }
  const pOff = base + nn;
  const wOff = base + nn + n;
  const ppOff = base + nn + 2 * n;
  let a: Float64Array;
  let p: Float64Array;
  let w: Float64Array;
  let F: Float64Array;
  if (mem) {
    F = mem;
    a = mem.subarray(base, base + nn);
    a.set(input.subarray(0, nn));
    p = mem.subarray(pOff, pOff + n);
    w = mem.subarray(wOff, wOff + n);
  } else {
    F = new Float64Array(need);
    a = F.subarray(0, nn);
    a.set(input.subarray(0, nn));
    p = F.subarray(pOff, pOff + n);
    w = F.subarray(wOff, wOff + n);
  }
  const rows = kernel;
  // Only the lower triangle (j ≤ i) is read and kept current; reflector k lives in row k's upper part.
  // Build reflector k from column k below the diagonal (copied into row k, columns k+1…n−1).
  const makeReflector = (k: number, copied = false): number => {
    const row = k * n;
    if (!copied) for (let i = k + 1; i < n; i++) a[row + i] = a[i * n + k] as number;
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
      // column k+1 (rows ≥ k+1) first: it defines the next reflector, so below the diagonal it
      // goes straight into row k+1 (where the reflector is built) — one strided pass, not two
      const vk1 = a[vrow + k1] as number;
      const wk1 = w[k1] as number;
      const r1 = k1 * n;
      a[r1 + k1] = (a[r1 + k1] as number) - (a[vrow + k1] as number) * wk1 - (w[k1] as number) * vk1;
      for (let i = k2; i < n; i++) {
        const o = i * n + k1;
        const x = (a[o] as number) - (a[vrow + i] as number) * wk1 - (w[i] as number) * vk1;
        a[o] = x;
        if (next) a[r1 + i] = x;
      }
      const b2 = next ? makeReflector(k1, true) : 0;
      const v2row = k1 * n;
      if (b2 !== 0 && n - k2 >= SPLIT_ROWS) {
        // the same, in ROW_PARTS blocks of rows (each with its own partial p, summed in block
        // order), on the worker threads when there are any — the same result either way
        const L = n - k2;
        const starts: number[] = [k2];
        for (let q = 1; q < ROW_PARTS; q++) starts.push(k2 + Math.round(L * Math.sqrt(q / ROW_PARTS)));
        starts.push(n);
        if (shared) shared.rows(n, k2, starts, base, base + vrow, wOff, base + v2row, ppOff);
        else for (let q = 0; q < ROW_PARTS; q++) tridiagRows(F, n, k2, starts[q] as number, starts[q + 1] as number, base, base + vrow, wOff, base + v2row, ppOff + q * n, rows);
        // p'ᵢ = β' Σ_q (part q's partial)ᵢ in part order, over the parts that reach i: for i in
        // part q's rows, parts q … ROW_PARTS − 1 (0 + x = x, so each sum starts at its first term)
        for (let q = 0; q < ROW_PARTS; q++) {
          const i1 = starts[q + 1] as number;
          for (let i = starts[q] as number; i < i1; i++) {
            let s = F[ppOff + q * n + i] as number;
            for (let u = q + 1; u < ROW_PARTS; u++) s += F[ppOff + u * n + i] as number;
            p[i] = b2 * s;
          }
        }
      } else if (b2 !== 0) {
        // rank-2 update of rows ≥ k+2 fused with p' = β' A₂₂' v' (one block of all rows)
        tridiagRows(F, n, k2, k2, n, base, base + vrow, wOff, base + v2row, pOff, rows);
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
  if (keep) input.set(a);
  scratchRelease(mark);
  return { d, e, reflectors: input, beta };
}

/** Matrices from this size on split each step's fused update into {@link ROW_PARTS} row blocks. */
const SPLIT_FROM = 256;
/** ... as long as this many rows are left. */
const SPLIT_ROWS = 192;
/** Row blocks per step (fixed, so the result does not depend on the thread count). */
const ROW_PARTS = 4;

/**
 * The fused row updates (see simd-kernel.ts, `rowBlock`) at element indices of one memory: rows
 * t = 0 … count−1 starting at `a + t·stride`, row t with len + t elements before its diagonal.
 */
export type RowRun = (a: number, stride: number, v: number, w: number, v2: number, p: number, len: number, count: number) => void;

/**
 * Rows r0 … r1−1 of one fused step of {@link tridiagonalize} on the memory `F` (matrix at `aBase`,
 * n×n): the rank-2 update A −= v wᵀ + w vᵀ of the row's lower part from column k2, and its
 * contribution to p' = A v' accumulated into the block's own partial vector at `pp` (zeroed here on
 * k2 … r1−1). Self-contained: worker threads run it from its source text.
 */
export function tridiagRows(F: Float64Array, n: number, k2: number, r0: number, r1: number, aBase: number, vrow: number, wOff: number, v2row: number, pp: number, run: RowRun | null): void {
  F.fill(0, pp + k2, pp + r1);
  if (run !== null) {
    // the SIMD kernel: its own (lane-wise) order for s, two rows per pass over memory
    if (r1 > r0) run(aBase + r0 * n + k2, n, vrow + k2, wOff + k2, v2row + k2, pp + k2, r0 - k2, r1 - r0);
    return;
  }
  for (let i = r0; i < r1; i++) {
    const ri = aBase + i * n;
    const vi = F[vrow + i] as number;
    const wi = F[wOff + i] as number;
    const v2i = F[v2row + i] as number;
    let s = 0;
    for (let j = k2; j < i; j++) {
      const x = (F[ri + j] as number) - vi * (F[wOff + j] as number) - wi * (F[vrow + j] as number);
      F[ri + j] = x;
      s += x * (F[v2row + j] as number);
      F[pp + j] = (F[pp + j] as number) + x * v2i;
    }
    const xii = (F[ri + i] as number) - 2 * vi * wi;
    F[ri + i] = xii;
    F[pp + i] = (F[pp + i] as number) + s + xii * v2i;
  }
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
  const NB = 96;
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
    // Z = Y Tᵀ: Z[r, i] = Σ_q Y[r, q] T[i, q]  (T upper: zeros for q < i)
    gemmNT(count, nb, nb, Y, 0, nb, T, 0, nb, Z, 0, nb);
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
  const t = reduce(a, n, false); // works on its own copy; a is not modified
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
  const work = scratch(n * n) ?? new Float64Array(n * n); // becomes the reflectors
  work.set(a.subarray(0, n * n));
  const t = tridiagonalize(work, n);
  // eigenvectors of T by divide and conquer (columns of Q), then as rows through the reflectors
  const { values, Q } = tridiagonalEigenDC(t.d, t.e, n);
  const vectors = scratch(n * n) ?? new Float64Array(n * n);
  transpose(Q, n, n, vectors);
  applyReflectorsToRows(t, n, vectors, n);
  return { values, vectors };
}
