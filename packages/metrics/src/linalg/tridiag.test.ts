import { afterAll, describe, expect, it } from "vitest";
import { mulberry32 } from "../fixtures/data.js";
import { tridiagRows, tridiagonalize, type RowRun } from "./eigen.js";
import { stopThreads, withThreads } from "./parallel.js";
import { simdRowUpdate } from "./simd-kernel.js";
import { expectBits, fused } from "./bits.test-util.js";

afterAll(async () => {
  await stopThreads();
});

function symmetric(seed: number, n: number): Float64Array {
  const g = mulberry32(seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = g() - 0.5;
  return a;
}

/**
 * Plain-JS model of ONE row of the WebAssembly SIMD row update, in its exact order: pairs of
 * lanes; 8 elements per turn into the accumulators S and S1 alternately (2 per accumulator), then
 * S += S1, then 2 per turn into S, a last odd element into ss; s = (S lane 0 + S lane 1) + ss.
 * Then the diagonal as tridiagRows' plain loop does it.
 */
function modelRow(F: Float64Array, a: number, v: number, w: number, v2: number, p: number, len: number): void {
  const vi = F[v + len] as number;
  const wi = F[w + len] as number;
  const v2i = F[v2 + len] as number;
  const S = [0, 0];
  const S1 = [0, 0];
  const step = (j: number, acc: number[], lane: number): number => {
    const x = (F[a + j] as number) - vi * (F[w + j] as number) - wi * (F[v + j] as number);
    F[a + j] = x;
    acc[lane] = (acc[lane] as number) + x * (F[v2 + j] as number);
    F[p + j] = (F[p + j] as number) + x * v2i;
    return x;
  };
  let j = 0;
  for (; len - j >= 8; j += 8) for (let u = 0; u < 4; u++) for (let l = 0; l < 2; l++) step(j + 2 * u + l, u % 2 === 0 ? S : S1, l);
  S[0] = (S[0] as number) + (S1[0] as number);
  S[1] = (S[1] as number) + (S1[1] as number);
  for (; len - j >= 2; j += 2) for (let l = 0; l < 2; l++) step(j + l, S, l);
  let ss = 0;
  if (len - j === 1) {
    const x = (F[a + j] as number) - vi * (F[w + j] as number) - wi * (F[v + j] as number);
    F[a + j] = x;
    ss = x * (F[v2 + j] as number);
    F[p + j] = (F[p + j] as number) + x * v2i;
  }
  const s = (S[0] as number) + (S[1] as number) + ss;
  const xii = (F[a + len] as number) - 2 * vi * wi;
  F[a + len] = xii;
  F[p + len] = (F[p + len] as number) + s + xii * v2i;
}

/** The row block kernel's contract, one row after the other with {@link modelRow}. */
function modelRun(F: Float64Array): RowRun {
  return (a, stride, v, w, v2, p, len, count) => {
    for (let t = 0; t < count; t++) modelRow(F, a + t * stride, v, w, v2, p, len + t);
  };
}

// tridiagonalize's constants (eigen.ts): SPLIT_FROM = 256 is where the threads come in
const SPLIT_ROWS = 192;
const ROW_PARTS = 4;

/**
 * Reference Householder tridiagonalisation in plain JS, one row at a time (rows by
 * {@link modelRow} where tridiagonalize uses the SIMD kernel, i.e. n ≥ 16 with SIMD available;
 * else tridiagRows' plain loop): the same steps as tridiagonalize, written out again.
 */
function referenceTridiagonalize(input: Float64Array, n: number, simd: boolean): { d: Float64Array; e: Float64Array; beta: Float64Array; a: Float64Array } {
  const nn = n * n;
  const F = new Float64Array(nn + 2 * n + ROW_PARTS * n);
  F.set(input);
  const a = F.subarray(0, nn);
  const pOff = nn;
  const wOff = nn + n;
  const ppOff = nn + 2 * n;
  const p = F.subarray(pOff, pOff + n);
  const w = F.subarray(wOff, wOff + n);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  const beta = new Float64Array(n);
  const run = simd && n >= 16 ? modelRun(F) : null;
  const at = (i: number): number => a[i] as number;
  const makeReflector = (k: number): number => {
    const row = k * n;
    for (let i = k + 1; i < n; i++) a[row + i] = at(i * n + k);
    const x0 = at(row + k + 1);
    let sigma = 0;
    for (let j = k + 2; j < n; j++) sigma += at(row + j) * at(row + j);
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
  let b = n > 2 ? makeReflector(0) : 0;
  beta[0] = b;
  if (b !== 0) {
    // p = β A v, lower triangle only
    p.fill(0, 1, n);
    for (let i = 1; i < n; i++) {
      let s = 0;
      for (let j = 1; j < i; j++) {
        s += at(i * n + j) * at(j);
        p[j] = (p[j] as number) + at(i * n + j) * at(i);
      }
      p[i] = (p[i] as number) + s + at(i * n + i) * at(i);
    }
    for (let i = 1; i < n; i++) p[i] = b * (p[i] as number);
  }
  for (let k = 0; k < n - 2; k++) {
    d[k] = at(k * n + k);
    const vrow = k * n;
    const k1 = k + 1;
    const k2 = k + 2;
    const next = k1 < n - 2;
    expect(b).not.toBe(0); // random data: every reflector is a real one
    let pv = 0;
    for (let j = k1; j < n; j++) pv += (p[j] as number) * at(vrow + j);
    const K = 0.5 * b * pv;
    for (let j = k1; j < n; j++) w[j] = (p[j] as number) - K * at(vrow + j);
    const vk1 = at(vrow + k1);
    const wk1 = w[k1] as number;
    for (let i = k1; i < n; i++) a[i * n + k1] = at(i * n + k1) - at(vrow + i) * wk1 - (w[i] as number) * vk1;
    const b2 = next ? makeReflector(k1) : 0;
    const v2row = k1 * n;
    if (b2 !== 0 && n - k2 >= SPLIT_ROWS) {
      const L = n - k2;
      const starts: number[] = [k2];
      for (let q = 1; q < ROW_PARTS; q++) starts.push(k2 + Math.round(L * Math.sqrt(q / ROW_PARTS)));
      starts.push(n);
      for (let q = 0; q < ROW_PARTS; q++) tridiagRows(F, n, k2, starts[q] as number, starts[q + 1] as number, 0, vrow, wOff, v2row, ppOff + q * n, run);
      for (let i = k2; i < n; i++) {
        let s = 0;
        for (let q = 0; q < ROW_PARTS; q++) if ((starts[q + 1] as number) > i) s += F[ppOff + q * n + i] as number;
        p[i] = b2 * s;
      }
    } else if (b2 !== 0) {
      tridiagRows(F, n, k2, k2, n, 0, vrow, wOff, v2row, pOff, run);
      for (let i = k2; i < n; i++) p[i] = b2 * (p[i] as number);
    } else {
      for (let i = k2; i < n; i++) for (let j = k2; j <= i; j++) a[i * n + j] = at(i * n + j) - at(vrow + i) * (w[j] as number) - (w[i] as number) * at(vrow + j);
    }
    b = b2;
    if (next) beta[k1] = b;
  }
  d[n - 2] = at((n - 2) * n + n - 2);
  d[n - 1] = at((n - 1) * n + n - 1);
  e[n - 2] = at((n - 1) * n + n - 2);
  return { d, e, beta, a: Float64Array.from(a) };
}

describe("tridiagonalisation row kernel (two rows per pass)", () => {
  it.skipIf(process.env.ATLAS_NO_SIMD === "1")("rowBlock equals the one-row-at-a-time model bit for bit, every length mod 8 and row count", () => {
    const k = simdRowUpdate();
    expect(k).toBeDefined();
    if (!k) return;
    const n = 40; // rows of up to 40 elements; v, w, v2, p after the matrix
    const g = mulberry32(9);
    let checked = 0;
    for (let len = 0; len <= 24; len++) {
      for (let count = 0; len + count <= n - 1 && count <= 7; count++) {
        const F = k.view(n * n + 4 * n + 8);
        for (let i = 0; i < n * n + 4 * n; i++) F[i] = g() - 0.5;
        const [v, w, v2, p] = [n * n, n * n + n, n * n + 2 * n, n * n + 3 * n];
        const row0 = 3 * n + 1; // some row, unaligned (odd element offset)
        const copy = Float64Array.from(F.subarray(0, n * n + 4 * n));
        modelRun(copy)(row0, n, v, w, v2, p, len, count);
        k.run(row0, n, v, w, v2, p, len, count);
        expectBits(F.subarray(0, n * n + 4 * n), copy, 1e-14);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(150);
  });

  it("tridiagRows through the kernel equals the model on a step of a real matrix (odd and even blocks)", () => {
    const k = simdRowUpdate();
    const n = 61;
    const A = symmetric(4, n);
    for (const [k2, r0, r1] of [[2, 2, 61], [5, 9, 40], [7, 30, 31], [3, 44, 61]] as const) {
      const size = n * n + 3 * n;
      const F = k ? k.view(size) : new Float64Array(size);
      F.set(A);
      const g = mulberry32(k2);
      for (let i = n * n; i < size; i++) F[i] = g() - 0.5;
      const model = Float64Array.from(F.subarray(0, size));
      // v = row k2 − 2, v2 = row k2 − 1 (upper parts), w and the partial p after the matrix
      tridiagRows(F, n, k2, r0, r1, 0, (k2 - 2) * n, n * n, (k2 - 1) * n, n * n + n, k ? k.run : null);
      tridiagRows(model, n, k2, r0, r1, 0, (k2 - 2) * n, n * n, (k2 - 1) * n, n * n + n, k ? modelRun(model) : null);
      expectBits(F.subarray(0, size), model, 1e-14);
    }
  });

  it(`tridiagonalize ${fused ? "is a tridiagonal form of A (fused multiply-adds)" : "equals the plain-JS reference bit for bit"} (n odd and even, below and above 256, 1 and 2 threads)`, () => {
    const simd = simdRowUpdate() !== undefined;
    for (const n of [15, 16, 17, 64, 101, 200, 255, 256, 301]) {
      const A = symmetric(100 + n, n);
      const ref = referenceTridiagonalize(A, n, simd);
      const runs: Float64Array[][] = [];
      for (const threads of [1, 2]) {
        const work = Float64Array.from(A);
        const t = withThreads(threads, () => tridiagonalize(work, n));
        runs.push([t.d, t.e, t.beta, work]);
        if (fused) continue;
        expectBits(t.d, ref.d, 0, `d, n = ${n}, threads = ${threads}`);
        expectBits(t.e, ref.e, 0, `e, n = ${n}, threads = ${threads}`);
        expectBits(t.beta, ref.beta, 0, `beta, n = ${n}, threads = ${threads}`);
        expectBits(work, ref.a, 0, `reflectors, n = ${n}, threads = ${threads}`);
      }
      if (fused) {
        // fused multiply-adds round differently from the plain-JS reference (and Householder steps
        // pass such differences on): T must still be a tridiagonal form of A — the same trace and
        // Frobenius norm to rounding — and the same bits on 1 and 2 threads
        const [d, e] = runs[0] as Float64Array[];
        let trA = 0;
        let frA = 0;
        let trT = 0;
        let frT = 0;
        for (let i = 0; i < n; i++) trA += A[i * n + i] as number;
        for (const x of A) frA += x * x;
        for (let i = 0; i < n; i++) {
          trT += (d as Float64Array)[i] as number;
          frT += (((d as Float64Array)[i] as number) ** 2) + 2 * (((e as Float64Array)[i] as number) ** 2);
        }
        expect(Math.abs(trT - trA)).toBeLessThan(1e-11);
        expect(Math.abs(frT - frA) / frA).toBeLessThan(1e-12);
        for (let q = 0; q < 4; q++) expect((runs[1] as Float64Array[])[q]).toEqual((runs[0] as Float64Array[])[q]);
      }
    }
  });

  it("the reference is a tridiagonalisation: T's trace and Frobenius norm are A's", () => {
    const n = 37;
    const A = symmetric(3, n);
    const { d, e } = referenceTridiagonalize(A, n, true);
    let trA = 0;
    let frA = 0;
    for (let i = 0; i < n; i++) trA += A[i * n + i] as number;
    for (const x of A) frA += x * x;
    let trT = 0;
    let frT = 0;
    for (let i = 0; i < n; i++) {
      trT += d[i] as number;
      frT += (d[i] as number) ** 2 + 2 * (e[i] as number) ** 2;
    }
    expect(Math.abs(trT - trA)).toBeLessThan(1e-12);
    expect(Math.abs(frT - frA) / frA).toBeLessThan(1e-13);
  });
});
