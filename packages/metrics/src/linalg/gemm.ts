/**
 * Blocked float64 matrix products on row-major `Float64Array`s.
 *
 * One kernel does all the work: `C (+)= alpha · A · Bᵀ` ("NT"), where A is m×k and B is n×k, both
 * row-major. Rows of both operands are contiguous, so the packing is cheap; A·B with a symmetric B
 * and AᵀA (covariance) reduce to it. The loops follow the GotoBLAS layout: k is cut into panels of
 * `KC`, B's panel is packed into 4-row strips, A's rows into 4-row strips, and a 4×4 register tile
 * accumulates each strip pair with no allocation inside the loops.
 */

import { simdKernel } from "./simd-kernel.js";
import { parallelGemm } from "./parallel.js";

const KC = 256;
const NC = 512;
const MC = 64;

/** Packing space of the single-thread path when WebAssembly SIMD is unavailable. */
let pack = new Float64Array(0);

/** Options for {@link gemmNT}. */
export interface GemmOptions {
  /** Multiplier of the product (default 1). */
  alpha?: number;
  /** Add to C instead of overwriting it (default false). */
  accumulate?: boolean;
  /** Only compute the entries with column ≤ row (C is square, m = n); the rest are left as they were. */
  lower?: boolean;
  /**
   * Threads for this product (default: the package setting, see {@link setThreads}). Rows of C are
   * split between threads; every entry is the same sum in the same order, so the result is bitwise
   * the same for any thread count.
   */
  threads?: number;
}

/**
 * `C[i, j] (+)= alpha · Σ_p A[i, p] · B[j, p]` for i < m, j < n: C = alpha·A·Bᵀ with A m×k, B n×k.
 * Strides (`lda`, `ldb`, `ldc`) are row lengths; offsets let callers address sub-blocks.
 *
 * @example
 * // C (2×2) = A (2×3) · B (2×3)ᵀ
 * const C = new Float64Array(4);
 * gemmNT(2, 2, 3, new Float64Array([1, 2, 3, 4, 5, 6]), 0, 3, new Float64Array([1, 0, 0, 0, 1, 0]), 0, 3, C, 0, 2);
 * // C = [1, 2, 4, 5]
 */
export function gemmNT(
  m: number,
  n: number,
  k: number,
  A: Float64Array,
  aOff: number,
  lda: number,
  B: Float64Array,
  bOff: number,
  ldb: number,
  C: Float64Array,
  cOff: number,
  ldc: number,
  options: GemmOptions = {},
): void {
  const alpha = options.alpha ?? 1;
  const lower = options.lower ?? false;
  const accumulate = options.accumulate ?? false;
  if (k === 0 || m === 0 || n === 0) {
    if (!accumulate) zeroC(C, cOff, ldc, m, n, lower);
    return;
  }
  if (parallelGemm(m, n, k, A, aOff, lda, B, bOff, ldb, C, cOff, ldc, alpha, accumulate, lower, options.threads)) return;
  if (!accumulate) zeroC(C, cOff, ldc, m, n, lower);
  // small products, or no generated kernels / shared memory: these loops on the calling thread
  // (the same sums in the same order as the packed path: bitwise the same results)
  const simd = simdKernel(MC * KC, NC * KC, NC / 4);
  if (simd) {
    gemmCore(m, n, k, A, aOff, lda, B, bOff, ldb, C, cOff, ldc, alpha, lower, 0, simd.f64, simd.aBase, simd.bBase, simd.outBase, simd.run);
  } else {
    if (pack.length < MC * KC + NC * KC) pack = new Float64Array(MC * KC + NC * KC);
    gemmCore(m, n, k, A, aOff, lda, B, bOff, ldb, C, cOff, ldc, alpha, lower, 0, pack, 0, MC * KC, 0, null);
  }
}

function zeroC(C: Float64Array, cOff: number, ldc: number, m: number, n: number, lower: boolean): void {
  for (let i = 0; i < m; i++) {
    const row = cOff + i * ldc;
    C.fill(0, row, row + (lower ? Math.min(n, i + 1) : n));
  }
}

/**
 * The product loops, `C (+)= alpha·A·Bᵀ` (C already zeroed or holding what to add to). With `lower`,
 * only entries with column ≤ row + `diag` are computed (`diag` = the row offset of this block in a
 * larger lower-triangular product). `P` holds the packing space (packed A at `aBase`, packed B at
 * `bBase`) and, with a SIMD `run`, the kernel's tile output at `outBase`; `run === null` uses the
 * JavaScript 4×4 tile. The single-thread path of {@link gemmNT}, and the reference the packed
 * path ({@link gemmPackedCore}) is tested against bit for bit.
 */
export function gemmCore(
  m: number,
  n: number,
  k: number,
  A: Float64Array,
  aOff: number,
  lda: number,
  B: Float64Array,
  bOff: number,
  ldb: number,
  C: Float64Array,
  cOff: number,
  ldc: number,
  alpha: number,
  lower: boolean,
  diag: number,
  P: Float64Array,
  aBase0: number,
  bBase0: number,
  outBase: number,
  run: ((aIndex: number, bIndex: number, kc: number, tiles: number) => void) | null,
): void {
  const KCc = 256;
  const NCc = 512;
  const MCc = 64;
  // Pack `rows` rows × `kc` columns (row stride `ld`) into interleaved 4-row strips at P[at…], zero-padded.
  // (dst is passed, not captured, so the hot loop does not read it from a closure context)
  const pack = (src: Float64Array, off: number, ld: number, rows: number, kc: number, dst: Float64Array, at: number): void => {
    for (let r0 = 0; r0 < rows; r0 += 4) {
      const base = at + r0 * kc;
      const h = Math.min(4, rows - r0);
      for (let t = 0; t < 4; t++) {
        if (t < h) {
          const s = off + (r0 + t) * ld;
          for (let p = 0; p < kc; p++) dst[base + p * 4 + t] = src[s + p] as number;
        } else {
          for (let p = 0; p < kc; p++) dst[base + p * 4 + t] = 0;
        }
      }
    }
  };
  for (let jc = 0; jc < n; jc += NCc) {
    const nc = Math.min(NCc, n - jc);
    // in lower mode rows with row + diag < jc have nothing to do in this column block
    let iStart = 0;
    if (lower) {
      const first = jc - diag;
      if (first >= m) break;
      iStart = first > 0 ? first - (first % 4) : 0;
    }
    for (let pc = 0; pc < k; pc += KCc) {
      const kc = Math.min(KCc, k - pc);
      pack(B, bOff + jc * ldb + pc, ldb, nc, kc, P, bBase0);
      for (let ic = iStart; ic < m; ic += MCc) {
        const mc = Math.min(MCc, m - ic);
        pack(A, aOff + ic * lda + pc, lda, mc, kc, P, aBase0);
        for (let ir = 0; ir < mc; ir += 4) {
          const i0 = ic + ir;
          const mr = Math.min(4, mc - ir);
          const aBase = aBase0 + ir * kc;
          const jEnd = lower ? Math.min(nc, i0 + diag + 4 - jc) : nc;
          if (jEnd <= 0) continue;
          if (run !== null) {
            const tiles = Math.ceil(jEnd / 4);
            run(aBase, bBase0, kc, tiles);
            for (let t = 0; t < tiles; t++) {
              const jr = 4 * t;
              const nr = Math.min(4, nc - jr);
              const j0 = jc + jr;
              const src = outBase + 16 * t;
              for (let r = 0; r < mr; r++) {
                const o = cOff + (i0 + r) * ldc + j0;
                const sr = src + 4 * r;
                const sMax = lower ? Math.min(nr, i0 + r + diag - j0 + 1) : nr;
                for (let q = 0; q < sMax; q++) C[o + q] = (C[o + q] as number) + alpha * (P[sr + q] as number);
              }
            }
            continue;
          }
          for (let jr = 0; jr < jEnd; jr += 4) {
            const nr = Math.min(4, nc - jr);
            let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
            let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
            let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
            let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
            let ap = aBase;
            let bp = bBase0 + jr * kc;
            for (let p = 0; p < kc; p++) {
              const a0 = P[ap] as number, a1 = P[ap + 1] as number, a2 = P[ap + 2] as number, a3 = P[ap + 3] as number;
              const b0 = P[bp] as number, b1 = P[bp + 1] as number, b2 = P[bp + 2] as number, b3 = P[bp + 3] as number;
              ap += 4;
              bp += 4;
              c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
              c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
              c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
              c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
            }
            const j0 = jc + jr;
            if (mr === 4 && nr === 4 && (!lower || j0 + 3 <= i0 + diag)) {
              let o = cOff + i0 * ldc + j0;
              C[o] = (C[o] as number) + alpha * c00; C[o + 1] = (C[o + 1] as number) + alpha * c01;
              C[o + 2] = (C[o + 2] as number) + alpha * c02; C[o + 3] = (C[o + 3] as number) + alpha * c03;
              o += ldc;
              C[o] = (C[o] as number) + alpha * c10; C[o + 1] = (C[o + 1] as number) + alpha * c11;
              C[o + 2] = (C[o + 2] as number) + alpha * c12; C[o + 3] = (C[o + 3] as number) + alpha * c13;
              o += ldc;
              C[o] = (C[o] as number) + alpha * c20; C[o + 1] = (C[o + 1] as number) + alpha * c21;
              C[o + 2] = (C[o + 2] as number) + alpha * c22; C[o + 3] = (C[o + 3] as number) + alpha * c23;
              o += ldc;
              C[o] = (C[o] as number) + alpha * c30; C[o + 1] = (C[o + 1] as number) + alpha * c31;
              C[o + 2] = (C[o + 2] as number) + alpha * c32; C[o + 3] = (C[o + 3] as number) + alpha * c33;
            } else {
              const tile = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
              for (let r = 0; r < mr; r++) {
                for (let s = 0; s < nr; s++) {
                  if (lower && j0 + s > i0 + r + diag) continue;
                  const o = cOff + (i0 + r) * ldc + j0 + s;
                  C[o] = (C[o] as number) + alpha * (tile[r * 4 + s] as number);
                }
              }
            }
          }
        }
      }
    }
  }
}

/**
 * Packs `rows` rows × `k` columns of a row-major operand (row stride `ld`) into the layout
 * {@link gemmPackedCore} reads: panels of 256 columns one after another, panel q at
 * `at + R4·256·q` (R4 = rows rounded up to a multiple of 4), and inside a panel of width kc the
 * 4-row strips, strip s at `+ 4s·kc`, element (p, t) at `+ 4p + t` (rows past `rows` are zeros).
 * Only rows `from … to − 1` (multiples of 4, or `to` = rows) when given: each thread of a product
 * packs its own rows. With `pack4` (the SIMD strip packer, element indices; only when `src` and
 * `dst` are both views of its WebAssembly memory from index 0) whole 4-row strips go through it.
 * Self-contained (worker threads run it from its source text).
 */
export function packPanels(
  src: Float64Array,
  off: number,
  ld: number,
  rows: number,
  k: number,
  dst: Float64Array,
  at: number,
  from: number = 0,
  to: number = rows,
  pack4: ((src: number, ld: number, kc: number, dst: number) => void) | null = null,
): void {
  const KCc = 256;
  const R4 = Math.ceil(rows / 4) * 4;
  const end = Math.min(R4, Math.ceil(to / 4) * 4);
  for (let pc = 0; pc < k; pc += KCc) {
    const kc = Math.min(KCc, k - pc);
    const panel = at + R4 * pc;
    for (let r0 = from; r0 < end; r0 += 4) {
      const base = panel + r0 * kc;
      if (pack4 !== null && r0 + 4 <= rows) {
        pack4(off + r0 * ld + pc, ld, kc, base);
        continue;
      }
      for (let t = 0; t < 4; t++) {
        if (r0 + t < rows) {
          const s = off + (r0 + t) * ld + pc;
          for (let p = 0; p < kc; p++) dst[base + p * 4 + t] = src[s + p] as number;
        } else {
          for (let p = 0; p < kc; p++) dst[base + p * 4 + t] = 0;
        }
      }
    }
  }
}

/**
 * The product loops on operands already packed by {@link packPanels}, all in one WebAssembly
 * memory `F` with C: rows `row0 … row0 + m − 1` of `C (+)= alpha·A·Bᵀ` (C's first row of the block
 * at `cOff`). `aBase`/`bBase` are the packed operands (whole matrices: A's row i lives at strip
 * i/4), `aRows4`/`bRows4` their rows rounded up to 4. With `aSrc` ≥ 0, this block's rows of A are
 * first packed here from the row-major A at `F[aSrc…]` (row stride `lda`, `aAll` rows in all) by
 * `pack` ({@link packPanels}), so the threads pack their own rows in parallel; with −1 A is packed
 * already. Whole 4×4 tiles go through `runC`, which adds them straight into C; tiles at the matrix
 * edge or across the diagonal (with `lower`: only column ≤ row) go through `run` and the same
 * JavaScript update as {@link gemmCore}. Every entry gets the same sums in the same order as in
 * `gemmCore` (panels of 256 in increasing order, the same kernel loop), so results are bitwise the
 * same (with fused kernels, as gemmCore with those kernels; the plain-JS tile then differs by
 * rounding). Self-contained: worker threads run it from its source text.
 */
export function gemmPackedCore(
  m: number,
  n: number,
  k: number,
  F: Float64Array,
  aBase: number,
  aRows4: number,
  row0: number,
  bBase: number,
  bRows4: number,
  cOff: number,
  ldc: number,
  alpha: number,
  lower: boolean,
  outBase: number,
  run: (aIndex: number, bIndex: number, kc: number, tiles: number) => void,
  runC: (aIndex: number, bIndex: number, kc: number, tiles: number, cIndex: number, ldc: number, alpha: number) => void,
  aSrc: number,
  lda: number,
  aAll: number,
  pack: (src: Float64Array, off: number, ld: number, rows: number, k: number, dst: Float64Array, at: number, from: number, to: number, pack4: ((src: number, ld: number, kc: number, dst: number) => void) | null) => void,
  pack4: ((src: number, ld: number, kc: number, dst: number) => void) | null,
): void {
  const KCc = 256;
  const NCc = 256;
  if (aSrc >= 0) pack(F, aSrc, lda, aAll, k, F, aBase, row0, row0 + m, pack4);
  for (let pc = 0; pc < k; pc += KCc) {
    const kc = Math.min(KCc, k - pc);
    const aPanel = aBase + aRows4 * pc;
    for (let jc = 0; jc < n; jc += NCc) {
      if (lower && jc > row0 + m - 1) break;
      const nc = Math.min(NCc, n - jc);
      const bPanel = bBase + bRows4 * pc + jc * kc;
      let iStart = 0;
      if (lower && jc > row0) iStart = (jc - row0) - ((jc - row0) % 4);
      const wholeCols = nc >> 2;
      for (let i0 = iStart; i0 < m; i0 += 4) {
        const g0 = row0 + i0;
        const mr = Math.min(4, m - i0);
        const jEnd = lower ? Math.min(nc, g0 + 4 - jc) : nc;
        if (jEnd <= 0) continue;
        const tiles = (jEnd + 3) >> 2;
        const aIndex = aPanel + g0 * kc;
        let whole = 0;
        if (mr === 4) {
          whole = wholeCols;
          // tile t is wholly on or below the diagonal when its last column jc + 4t + 3 ≤ g0
          if (lower) whole = Math.min(whole, Math.max(0, (g0 - jc + 1) >> 2));
          if (whole > tiles) whole = tiles;
        }
        const o0 = cOff + i0 * ldc + jc;
        if (whole > 0) runC(aIndex, bPanel, kc, whole, o0, ldc, alpha);
        if (tiles > whole) {
          run(aIndex, bPanel + whole * 4 * kc, kc, tiles - whole);
          for (let t = whole; t < tiles; t++) {
            const jr = 4 * t;
            const nr = Math.min(4, nc - jr);
            const j0 = jc + jr;
            const src = outBase + 16 * (t - whole);
            for (let r = 0; r < mr; r++) {
              const o = o0 + r * ldc + jr;
              const sr = src + 4 * r;
              const sMax = lower ? Math.min(nr, g0 + r - j0 + 1) : nr;
              for (let q = 0; q < sMax; q++) F[o + q] = (F[o + q] as number) + alpha * (F[sr + q] as number);
            }
          }
        }
      }
    }
  }
}

/**
 * Row-major transpose: `out[j, i] = a[i, j]` for an m×n matrix `a` (blocked for cache).
 *
 * @example
 * transpose(new Float64Array([1, 2, 3, 4, 5, 6]), 2, 3); // [1, 4, 2, 5, 3, 6]
 */
export function transpose(a: Float64Array, m: number, n: number, out: Float64Array = new Float64Array(m * n)): Float64Array {
  const B = 32;
  for (let ib = 0; ib < m; ib += B) {
    const ie = Math.min(m, ib + B);
    for (let jb = 0; jb < n; jb += B) {
      const je = Math.min(n, jb + B);
      for (let i = ib; i < ie; i++) {
        const row = i * n;
        for (let j = jb; j < je; j++) out[j * m + i] = a[row + j] as number;
      }
    }
  }
  return out;
}

/** Copy the lower triangle of a square n×n row-major matrix onto its upper triangle. */
export function mirrorLower(a: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) a[j * n + i] = a[i * n + j] as number;
  }
}

/**
 * C = A·B for row-major A (m×k) and B (k×n): transposes B once and runs {@link gemmNT}.
 *
 * @example
 * matmul(new Float64Array([1, 2, 3, 4]), new Float64Array([0, 1, 1, 0]), 2, 2, 2); // [2, 1, 4, 3]
 */
export function matmul(A: Float64Array, B: Float64Array, m: number, k: number, n: number): Float64Array {
  const Bt = transpose(B, k, n);
  const C = new Float64Array(m * n);
  gemmNT(m, n, k, A, 0, k, Bt, 0, k, C, 0, n);
  return C;
}

/**
 * The symmetric n×n product AᵀA for a row-major m×n A (computed on one triangle and mirrored).
 *
 * @example
 * gram(new Float64Array([1, 2, 3, 4]), 2, 2); // [10, 14, 14, 20]
 */
export function gram(A: Float64Array, m: number, n: number): Float64Array {
  const At = transpose(A, m, n);
  const C = new Float64Array(n * n);
  gemmNT(n, n, m, At, 0, m, At, 0, m, C, 0, n, { lower: true });
  mirrorLower(C, n);
  return C;
}
