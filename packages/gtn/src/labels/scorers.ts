import * as tf from "@tensorflow/tfjs";
import type { Int16Dots } from "../int16-kernel.js";
import { CandidateList, collect32, collect64 } from "./candidates.js";
import { dot } from "./sort.js";

/** Scores a block of y rows against the remaining x and offers the scores to the candidate lists. */
export interface Scorer {
  /** |computed score − float64 cosine| ≤ delta for every pair. */
  readonly delta: number;
  /** Rebuild the x chunks from the given sorted positions (ascending). */
  setRemaining(rem: Int32Array, count: number): void;
  /**
   * Offers the score of y row q0 + i against every remaining x not `taken` to `lists[i]` (i < rows),
   * as {@link collect32} does: a score may be left out only when it is below the list's threshold
   * `thr` at that moment (thresholds only rise), so each list keeps every x scoring ≥ its final vL − band.
   * A scorer whose products come from the tensor backend reads them asynchronously (a promise).
   */
  collect(uy: Float64Array, q0: number, rows: number, lists: CandidateList[], taken: Uint8Array): void | Promise<void>;
  /** Optional: x at sorted position p was just taken (scorers that keep their own record of it). */
  markTaken?(p: number): void;
  dispose(): void;
}

const CHUNK = 4096;

/** Exact float64 GEMM on typed arrays, 4×4 register tiles, each entry summed k = 0..d-1 like {@link dot}. */
export class Float64Scorer implements Scorer {
  readonly delta = 0;
  private xs = new Float64Array(0);
  private cols = new Int32Array(0);
  private count = 0;
  private out: Float64Array;

  constructor(
    private readonly ux: Float64Array,
    private readonly d: number,
    blockSize: number,
  ) {
    this.out = new Float64Array(blockSize * CHUNK);
  }

  setRemaining(rem: Int32Array, count: number): void {
    const d = this.d;
    if (this.xs.length < count * d) this.xs = new Float64Array(count * d);
    for (let j = 0; j < count; j++) {
      const p = rem[j] as number;
      this.xs.set(this.ux.subarray(p * d, p * d + d), j * d);
    }
    this.cols = rem.slice(0, count);
    this.count = count;
  }

  collect(uy: Float64Array, q0: number, rows: number, lists: CandidateList[], taken: Uint8Array): void {
    for (let c0 = 0; c0 < this.count; c0 += CHUNK) {
      const width = Math.min(CHUNK, this.count - c0);
      gemmTile(uy, q0, rows, this.xs, c0, width, this.d, this.out);
      collect64(this.out, this.cols.subarray(c0, c0 + width), width, rows, lists, taken);
    }
  }

  dispose(): void {}
}

/** out[i * width + j] = dot(uy row q0 + i, xs row c0 + j), each summed left to right over k. */
function gemmTile(uy: Float64Array, q0: number, rows: number, xs: Float64Array, c0: number, width: number, d: number, out: Float64Array): void {
  const rows4 = rows - (rows % 4);
  const width4 = width - (width % 4);
  for (let i = 0; i < rows4; i += 4) {
    const a0 = (q0 + i) * d;
    const a1 = a0 + d;
    const a2 = a1 + d;
    const a3 = a2 + d;
    for (let j = 0; j < width4; j += 4) {
      const b0 = (c0 + j) * d;
      const b1 = b0 + d;
      const b2 = b1 + d;
      const b3 = b2 + d;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      let s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
      for (let k = 0; k < d; k++) {
        const x0 = xs[b0 + k] as number;
        const x1 = xs[b1 + k] as number;
        const x2 = xs[b2 + k] as number;
        const x3 = xs[b3 + k] as number;
        let v = uy[a0 + k] as number;
        s00 += v * x0; s01 += v * x1; s02 += v * x2; s03 += v * x3;
        v = uy[a1 + k] as number;
        s10 += v * x0; s11 += v * x1; s12 += v * x2; s13 += v * x3;
        v = uy[a2 + k] as number;
        s20 += v * x0; s21 += v * x1; s22 += v * x2; s23 += v * x3;
        v = uy[a3 + k] as number;
        s30 += v * x0; s31 += v * x1; s32 += v * x2; s33 += v * x3;
      }
      let o = i * width + j;
      out[o] = s00; out[o + 1] = s01; out[o + 2] = s02; out[o + 3] = s03;
      o += width;
      out[o] = s10; out[o + 1] = s11; out[o + 2] = s12; out[o + 3] = s13;
      o += width;
      out[o] = s20; out[o + 1] = s21; out[o + 2] = s22; out[o + 3] = s23;
      o += width;
      out[o] = s30; out[o + 1] = s31; out[o + 2] = s32; out[o + 3] = s33;
    }
    for (let j = width4; j < width; j++) {
      const b = (c0 + j) * d;
      out[i * width + j] = dot(uy, a0, xs, b, d);
      out[(i + 1) * width + j] = dot(uy, a1, xs, b, d);
      out[(i + 2) * width + j] = dot(uy, a2, xs, b, d);
      out[(i + 3) * width + j] = dot(uy, a3, xs, b, d);
    }
  }
  for (let i = rows4; i < rows; i++) {
    const a = (q0 + i) * d;
    for (let j = 0; j < width; j++) out[i * width + j] = dot(uy, a, xs, (c0 + j) * d, d);
  }
}

/**
 * float32 `tf.matMul` as a filter. Rounding the unit vectors to float32 moves a cosine by at most
 * (2u + u²)·Σ|a_k b_k| ≤ 2.01u (u = 2⁻²⁴, Σ|a_k b_k| ≤ ‖a‖‖b‖ ≤ 1); any float32 summation of d
 * products (any order, with or without FMA) adds at most γ_d·Σ|ã_k b̃_k| ≤ 1.01·d·u; the float64
 * reference differs from the real cosine by at most γ_d in double. `delta` bounds the sum, with a
 * factor 1.25 of margin. Every possible winner is re-checked with {@link dot}.
 */
export class TfScorer implements Scorer {
  readonly delta: number;
  private chunks: { t: tf.Tensor2D; cols: Int32Array }[] = [];

  /** The unit x in float32, transposed once: [d, n]. */
  private readonly uxT: Float32Array;

  constructor(
    ux: Float64Array,
    private readonly d: number,
    private readonly n: number,
  ) {
    this.uxT = new Float32Array(d * n);
    for (let p = 0; p < n; p++) for (let k = 0; k < d; k++) this.uxT[k * n + p] = ux[p * d + k] as number;
    const u = 2 ** -24;
    this.delta = 1.25 * ((d + 3) * u + (d + 2) * 2 ** -52) + 1e-30;
  }

  setRemaining(rem: Int32Array, count: number): void {
    this.dispose();
    const d = this.d;
    for (let c0 = 0; c0 < count; c0 += CHUNK) {
      const width = Math.min(CHUNK, count - c0);
      const buf = new Float32Array(d * width); // x chunk transposed: [d, width]
      const n = this.n;
      const uxT = this.uxT;
      for (let k = 0; k < d; k++) {
        const o = k * width;
        const src = k * n;
        for (let j = 0; j < width; j++) buf[o + j] = uxT[src + (rem[c0 + j] as number)] as number;
      }
      this.chunks.push({ t: tf.tensor2d(buf, [d, width]), cols: rem.slice(c0, c0 + width) });
    }
  }

  /** Reads each chunk's product with `await data()`, the next chunk's product already dispatched. */
  async collect(uy: Float64Array, q0: number, rows: number, lists: CandidateList[], taken: Uint8Array): Promise<void> {
    const d = this.d;
    const a = tf.tensor2d(Float32Array.from(uy.subarray(q0 * d, (q0 + rows) * d)), [rows, d]);
    const chunks = this.chunks;
    let next: tf.Tensor | undefined = chunks.length > 0 ? tf.matMul(a, chunks[0]!.t) : undefined;
    try {
      for (let c = 0; c < chunks.length; c++) {
        const prod = next as tf.Tensor;
        next = c + 1 < chunks.length ? tf.matMul(a, chunks[c + 1]!.t) : undefined;
        let scores: Float32Array;
        try {
          scores = (await prod.data()) as Float32Array;
        } finally {
          prod.dispose();
        }
        const { cols } = chunks[c]!;
        collect32(scores, cols, cols.length, rows, lists, taken);
      }
    } finally {
      next?.dispose();
      a.dispose();
    }
  }

  dispose(): void {
    for (const c of this.chunks) c.t.dispose();
    this.chunks = [];
  }
}

/** Scale of the int16 quantisation: q = round(S·u), so |q_k| ≤ S for |u_k| ≤ 1. */
const INT16_SCALE = 32767;
const INT32_MAX = 2 ** 31 - 1;

/**
 * Rounds unit rows (n × d) to int16 rows of `dp` values (zero padded): q = ⌊S·u + ½⌋, within ½ + 2⁻³⁷
 * of S·u. A unit vector has |u_k| ≤ 1 + a few ulps, so S·u_k + ½ ∈ (−S − ½, S + 1) and q ∈ [−S, S]:
 * the int16 store never wraps. Also returns the largest ‖u‖₁.
 */
function quantiseUnits(u: Float64Array, n: number, d: number, dp: number): { q: Int16Array; maxL1: number } {
  const q = new Int16Array(n * dp);
  let maxL1 = 0;
  for (let i = 0; i < n; i++) {
    let l1 = 0;
    const o = i * d;
    const w = i * dp;
    for (let k = 0; k < d; k++) {
      const v = u[o + k] as number;
      l1 += Math.abs(v);
      q[w + k] = Math.floor(v * INT16_SCALE + 0.5);
    }
    if (l1 > maxL1) maxL1 = l1;
  }
  return { q, maxL1 };
}

/**
 * Exact integer dot products of the unit vectors rounded to int16, as a filter (see
 * {@link Int16Dots}: a generated WebAssembly SIMD kernel that only reports, per y row, the columns
 * whose sum is ≥ the row's integer threshold). With S = 32767, q_a = round(S·a) = S·a + e_a,
 * |e_a,k| ≤ ½ (+ 2⁻³⁷, the rounding of S·a_k + ½; lumped into the margin below):
 *
 * - **No overflow.** `i32x4.dot_i16x8_s` adds two products of int16 in [−S, S]: |·| ≤ 2S² < 2³¹.
 *   Every partial sum of an accumulator lane is bounded by Σ_k |q_a,k||q_b,k| ≤ ‖q_a‖₂‖q_b‖₂ ≤
 *   (S‖a‖₂ + √d/2)² < 2³¹ while √d/2 < 46340 − 32768, i.e. d < 7·10⁸ (and two's-complement
 *   addition is exact modulo 2³² in any case, so only the final sum, bounded the same, matters).
 *   The sum s = q_a·q_b is therefore exact, in any order.
 * - **Quantisation.** s/S² − a·b = (a·e_b + e_a·b)/S + e_a·e_b/S², so |s/S² − a·b| ≤
 *   (‖a‖₁ + ‖b‖₁)/(2S) + d/(4S²) ≤ (A₁ + B₁)/(2S) + d/(4S²), with A₁, B₁ the largest L1 norms of the
 *   unit x and y (computed once).
 * - **The score** v = fl(s / S²) adds ≤ 2⁻⁵³·|s/S²| ≤ 2⁻⁵¹, and the float64 reference {@link dot}
 *   differs from the real a·b by at most γ_d·‖a‖‖b‖ ≤ 1.01·d·2⁻⁵³.
 *
 * `delta` is the sum times 1.25 (which covers the rounding of S·a_k + ½ and of the L1 sums in float64).
 * For d = 100 and dense unit vectors (L1 ≈ 8), δ ≈ 3·10⁻⁴.
 *
 * **The candidate rule in the kernel.** For each y row the kernel keeps, in integers, what
 * {@link CandidateList} keeps: with the integer band b = ⌈band·S²⌉ + 2 (band = the lists' 2δ, plus ε
 * and margin with a tolerance), the row holds the exact L largest sums it was offered, and its
 * threshold t rises to (that L-th largest) − b. The L largest offered are ≤ the row's L largest sums
 * over all remaining columns (s_L the L-th), so always t ≤ s_L − b. A sum is offered, and kept,
 * only if ≥ t (taken columns are masked out, never offered). A dropped sum s < t ≤ s_L − b then has
 * s/S² ≤ s_L/S² − band − 3/S², so its score fl(s/S²) < fl(fl(s_L/S²) − band) = (the list's vL) −
 * band: the list would drop it too (the roundings are ≤ 2⁻⁵² ≪ 3/S²). And the L largest sums are
 * never dropped (each is ≥ every threshold), so the list computes vL exactly. With threads, each
 * thread takes whole rows (strips of 4), so a row's sums are offered in column order by one thread
 * and nothing depends on the thread count. A row whose buffer fills with sums all ≥ t (a huge band,
 * massive ties) is flagged and rescanned exactly at its turn (the refill path). About 100 sums per y
 * reach JavaScript at n = 8000, d = 100.
 */
export class Int16Scorer implements Scorer {
  readonly delta: number;
  private readonly qx: Int16Array;
  private readonly qy: Int16Array;
  private cols = new Int32Array(0);
  /** colOf[p] = packed column of the x at sorted position p (−1: not packed). */
  private readonly colOf: Int32Array;

  constructor(
    ux: Float64Array,
    uy: Float64Array,
    n: number,
    d: number,
    private readonly dots: Int16Dots,
  ) {
    const S = INT16_SCALE;
    const x = quantiseUnits(ux, n, d, dots.dp);
    const y = quantiseUnits(uy, n, d, dots.dp);
    this.qx = x.q;
    this.qy = y.q;
    this.colOf = new Int32Array(n).fill(-1);
    this.delta = 1.25 * ((x.maxL1 + y.maxL1) / (2 * S) + d / (4 * S * S) + (d + 4) * 2 ** -53) + 1e-30;
  }

  setRemaining(rem: Int32Array, count: number): void {
    this.dots.setColumns(this.qx, rem, count);
    this.cols = rem.slice(0, count);
    this.colOf.fill(-1);
    for (let j = 0; j < count; j++) this.colOf[rem[j] as number] = j;
  }

  /** Masks the column of a taken x out of the kernel (it is never offered again). */
  markTaken(p: number): void {
    const j = this.colOf[p] as number;
    if (j >= 0) this.dots.invalidate(j);
  }

  collect(_uy: Float64Array, q0: number, rows: number, lists: CandidateList[], _taken: Uint8Array): void {
    const { dots, cols } = this;
    const S2 = INT16_SCALE * INT16_SCALE;
    const band = (lists[0] as CandidateList).band;
    dots.setRows(this.qy, q0, rows, Math.min(INT32_MAX, Math.ceil(band * S2) + 2));
    dots.run(rows);
    const i32 = dots.i32;
    for (let i = 0; i < rows; i++) {
      const list = lists[i] as CandidateList;
      if (dots.overflowed(i)) {
        list.invalid = true; // rescanned exactly at its turn
        continue;
      }
      const t = dots.threshold(i);
      const stop = dots.end(i);
      for (let o = dots.start(i); o < stop; o += 2) {
        const sum = i32[o + 1] as number;
        if (sum < t) continue; // the kernel would drop it now: below every needed score (see above)
        const v = sum / S2;
        if (v >= list.thr) list.push(v, cols[i32[o] as number] as number);
      }
    }
  }

  dispose(): void {}
}
