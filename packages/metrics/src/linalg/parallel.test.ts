import { InvalidArgumentError } from "@atlas/core";
import { afterAll, describe, expect, it } from "vitest";
import { fid, frechetDistance, gaussianStats, symmetricEigen } from "../index.js";
import { makePair, mulberry32 } from "../fixtures/data.js";
import { gemmCore, gemmNT } from "./gemm.js";
import { expectBits } from "./bits.test-util.js";
import { cpuThreads, getThreads, guidedParts, scratch, scratchMark, scratchRelease, setThreads, stopThreads, withThreads, workerCount } from "./parallel.js";

function randomMatrix(seed: number, m: number, n: number): Float64Array {
  const g = mulberry32(seed);
  return Float64Array.from({ length: m * n }, () => g() - 0.5);
}

function sameBits(a: Float64Array, b: Float64Array): number {
  let bad = 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) bad++;
  return bad;
}

afterAll(async () => {
  await stopThreads();
});

describe("worker threads give the single-thread result bit for bit", () => {
  it("gemmNT (plain, lower, accumulate with alpha, offsets and strides) with 1, 2 and 3 threads", () => {
    const m = 203;
    const n = 181;
    const k = 301;
    const lda = k + 3;
    const A = randomMatrix(1, m + 2, lda);
    const B = randomMatrix(2, m + 1, k + 5); // enough rows for the square (lower) case too
    for (const lower of [false, true]) {
      const nn = lower ? m : n;
      const results: Float64Array[] = [];
      for (const threads of [1, 2, 3]) {
        const C = randomMatrix(3, m + 1, nn + 4); // offset 1 row, stride nn + 4; the rest must stay
        gemmNT(m, nn, k, A, 2 * lda, lda, B, k + 5, k + 5, C, nn + 4, nn + 4, { lower, threads });
        gemmNT(m, nn, k, A, 2 * lda, lda, B, k + 5, k + 5, C, nn + 4, nn + 4, { lower, threads, accumulate: true, alpha: -0.75 });
        results.push(C);
      }
      expect(sameBits(results[0] as Float64Array, results[1] as Float64Array)).toBe(0);
      expect(sameBits(results[0] as Float64Array, results[2] as Float64Array)).toBe(0);
      // and it really is the product: entry (5, 3) by the definition, 0.25·A·Bᵀ
      const C = results[1] as Float64Array;
      let s = 0;
      for (let p = 0; p < k; p++) s += (A[(2 + 5) * lda + p] as number) * (B[(1 + 3) * (k + 5) + p] as number);
      expect(Math.abs((C[(1 + 5) * (nn + 4) + 3] as number) - 0.25 * s)).toBeLessThan(1e-12);
      // untouched: the first row, the padding columns, and (lower) the strict upper triangle
      const orig = randomMatrix(3, m + 1, nn + 4);
      for (let j = 0; j < nn + 4; j++) expect(C[j]).toBe(orig[j]);
      if (lower) expect(C[(1 + 2) * (nn + 4) + 50]).toBe(orig[(1 + 2) * (nn + 4) + 50]);
    }
    expect(workerCount()).toBeGreaterThanOrEqual(1);
  });

  it("the packed product (kernel adding into C, each thread packing its rows) equals the plain-JS tile loops bit for bit", () => {
    // reference: gemmCore with the JavaScript 4×4 tile (run = null), its own packing space — the
    // loops and summation order the packed path must keep (panels of 256 in order, p ascending)
    const reference = (m: number, n: number, k: number, A: Float64Array, aOff: number, lda: number, B: Float64Array, bOff: number, ldb: number, C: Float64Array, cOff: number, ldc: number, alpha: number, lower: boolean): void => {
      gemmCore(m, n, k, A, aOff, lda, B, bOff, ldb, C, cOff, ldc, alpha, lower, 0, new Float64Array(64 * 256 + 512 * 256), 0, 64 * 256, 0, null);
    };
    // m, n, k off multiples of 4 and of the 256-wide panels; k spans 3 panels
    const m = 157;
    const n = 133;
    const k = 531; // last panel 19 wide: odd, so the strip packer's one-column tail runs
    const lda = k + 3;
    const A = randomMatrix(11, m + 2, lda);
    const B = randomMatrix(12, m + 1, k + 5);
    for (const lower of [false, true]) {
      const nn = lower ? m : n;
      const ref = randomMatrix(13, m + 1, nn + 4);
      for (let i = 0; i < m; i++) {
        const row = (1 + i) * (nn + 4);
        if (lower) ref.fill(0, row, row + i + 1);
        else ref.fill(0, row, row + nn);
      }
      reference(m, nn, k, A, 2 * lda, lda, B, k + 5, k + 5, ref, nn + 4, nn + 4, 1, lower);
      reference(m, nn, k, A, 2 * lda, lda, B, k + 5, k + 5, ref, nn + 4, nn + 4, -0.75, lower);
      for (const threads of [1, 2, 3]) {
        const C = randomMatrix(13, m + 1, nn + 4);
        gemmNT(m, nn, k, A, 2 * lda, lda, B, k + 5, k + 5, C, nn + 4, nn + 4, { lower, threads });
        gemmNT(m, nn, k, A, 2 * lda, lda, B, k + 5, k + 5, C, nn + 4, nn + 4, { lower, threads, accumulate: true, alpha: -0.75 });
        expectBits(C, ref, 1e-13);
      }
    }
    // operands and C in the shared memory (A packed by the threads from where it lies, C in place),
    // and a Gram product A·Aᵀ (one packed copy for both operands)
    for (const threads of [1, 2]) {
      withThreads(threads, () => {
        const mark = scratchMark();
        try {
          const sa = scratch(m * k);
          const sc = scratch(m * m);
          // no shared scratch on one thread only when the SIMD kernels are off (the packed path needs them)
          if (sa === undefined && threads === 1 && process.env.ATLAS_NO_SIMD === "1") return;
          expect(sa).toBeDefined();
          const As = sa as Float64Array;
          const Cs = sc as Float64Array;
          As.set(randomMatrix(14, m, k));
          const ref = new Float64Array(m * m);
          reference(m, m, k, As, 0, k, As, 0, k, ref, 0, m, 1, true);
          gemmNT(m, m, k, As, 0, k, As, 0, k, Cs, 0, m, { lower: true });
          expectBits(Cs, ref, 1e-13);
          const Bp = randomMatrix(15, n, k);
          const ref2 = new Float64Array(m * n);
          reference(m, n, k, As, 0, k, Bp, 0, k, ref2, 0, n, 0.5, false);
          const C2 = Cs.subarray(0, m * n);
          gemmNT(m, n, k, As, 0, k, Bp, 0, k, C2, 0, n, { alpha: 0.5 });
          expectBits(C2, ref2, 1e-13);
        } finally {
          scratchRelease(mark);
        }
      });
    }
  });

  it("the covariance's packed chunks (shifted straight into the product's layout by the threads, their columns summed) equal shifting, transposing and the plain-JS tile loops bit for bit", () => {
    // d not a multiple of 4 (a zero-padded last strip), chunks of 512 rows with a ragged last one
    // (276 = 256 + 20: two panels); the reference repeats gaussianStats' arithmetic step by step:
    // shift c = compensated mean of 512 rows spread over the set, scatter and sums of x − c, then the
    // correction to the mean μ = c + δ
    const n = 1300;
    const d = 203;
    const x = randomMatrix(21, n, d);
    for (let i = 0; i < x.length; i++) x[i] = (x[i] as number) * 3 + 100; // an offset, as real features have
    const c = new Float64Array(d);
    const sample = Array.from({ length: 512 }, (_, i) => Math.floor((i * n) / 512)); // rows spread over the set
    for (const i of sample) for (let j = 0; j < d; j++) c[j] = (c[j] as number) + (x[i * d + j] as number);
    for (let j = 0; j < d; j++) c[j] = (c[j] as number) / 512;
    const corr = new Float64Array(d);
    for (const i of sample) for (let j = 0; j < d; j++) corr[j] = (corr[j] as number) + ((x[i * d + j] as number) - (c[j] as number));
    for (let j = 0; j < d; j++) c[j] = (c[j] as number) + (corr[j] as number) / 512;
    const S = new Float64Array(d * d);
    const sums = new Float64Array(d);
    const pack = new Float64Array(64 * 256 + 512 * 256);
    for (let r0 = 0; r0 < n; r0 += 512) {
      const m = Math.min(512, n - r0);
      const xt = new Float64Array(d * m);
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < d; j++) {
          const v = (x[(r0 + i) * d + j] as number) - (c[j] as number);
          xt[j * m + i] = v;
          sums[j] = (sums[j] as number) + v;
        }
      }
      gemmCore(d, d, m, xt, 0, m, xt, 0, m, S, 0, d, 1, true, 0, pack, 0, 64 * 256, 0, null);
    }
    const delta = sums.map((v) => v / n);
    const mean = c.map((v, j) => v + (delta[j] as number));
    const inv = 1 / (n - 1);
    const ref = new Float64Array(d * d);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j <= i; j++) ref[i * d + j] = ref[j * d + i] = ((S[i * d + j] as number) - n * (delta[i] as number) * (delta[j] as number)) * inv;
    }
    for (const threads of [1, 2, 3]) {
      const st = gaussianStats({ data: x, dim: d }, { threads });
      expectBits(st.mean, mean, 0); // the mean takes no products
      expectBits(st.cov, ref, 1e-12);
    }
    // and the shift changes nothing beyond rounding: the textbook two-pass covariance
    const mu = new Float64Array(d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mu[j] = (mu[j] as number) + (x[i * d + j] as number) / n;
    for (let i = 0; i < d; i += 17) {
      for (let j = 0; j <= i; j += 13) {
        let t = 0;
        for (let r = 0; r < n; r++) t += ((x[r * d + i] as number) - (mu[i] as number)) * ((x[r * d + j] as number) - (mu[j] as number));
        expect(Math.abs((ref[i * d + j] as number) - t * inv)).toBeLessThanOrEqual(1e-12 * Math.sqrt((ref[i * d + i] as number) * (ref[j * d + j] as number)));
      }
    }
  });

  it("symmetricEigen with vectors, covariances and the Fréchet distance: threads = 1 and 2 agree exactly", () => {
    const d = 300;
    const { a, b } = makePair(21, 420, 380, d);
    const s1 = gaussianStats(a, { threads: 1 });
    const s2 = gaussianStats(a, { threads: 2 });
    expect(sameBits(s1.cov, s2.cov)).toBe(0);
    const e1 = symmetricEigen(s1.cov, d, { vectors: true, threads: 1 });
    const e2 = symmetricEigen(s1.cov, d, { vectors: true, threads: 2 });
    expect(sameBits(e1.values, e2.values)).toBe(0);
    expect(sameBits(e1.vectors as Float64Array, e2.vectors as Float64Array)).toBe(0);
    expect((e2.vectors as Float64Array).buffer).toBeInstanceOf(ArrayBuffer); // a copy, not the shared scratch
    const f1 = fid(a, b, { threads: 1 });
    const f2 = fid(a, b, { threads: 2 });
    expect(Object.is(f1.fid, f2.fid)).toBe(true);
    const sb = gaussianStats(b);
    expect(Object.is(frechetDistance(s1, sb, { threads: 2 }).fid, f1.fid)).toBe(true);
  });

  it("cuts products into guided blocks: covering, ordered, 4-row aligned, shrinking towards the end", () => {
    for (const [m, lower, t] of [[2048, true, 2], [2048, false, 2], [100, false, 3], [17, true, 3], [16, false, 8], [4096, false, 16]] as const) {
      const s = guidedParts(m, lower, t);
      expect(s[0]).toBe(0);
      expect(s[s.length - 1]).toBe(m);
      for (let i = 1; i < s.length; i++) {
        expect(s[i] as number).toBeGreaterThan(s[i - 1] as number);
        if (i < s.length - 1) expect((s[i] as number) % 4).toBe(0);
      }
      const work = (a: number, b: number): number => (lower ? ((b * (b + 1)) - a * (a + 1)) / 2 : b - a);
      if (s.length > 3) expect(work(s[s.length - 3] as number, s[s.length - 2] as number)).toBeLessThan(work(s[0] as number, s[1] as number));
    }
  });

  it("rejects a bad threads option before any work, naming it", () => {
    const { a, b } = makePair(4, 30, 30, 4);
    for (const bad of [0, 1.5, -2, Number.NaN, "2"]) {
      expect(() => fid(a, b, { threads: bad as number })).toThrow(InvalidArgumentError);
      expect(() => fid(a, b, { threads: bad as number })).toThrow(/threads/);
      expect(() => symmetricEigen(new Float64Array([1]), 1, { threads: bad as number })).toThrow(InvalidArgumentError);
    }
    expect(() => setThreads(0)).toThrow(InvalidArgumentError);
  });

  it("setThreads overrides ATLAS_THREADS, which overrides the CPU count", () => {
    const saved = process.env.ATLAS_THREADS;
    try {
      process.env.ATLAS_THREADS = "3";
      setThreads(undefined);
      expect(getThreads()).toBe(3);
      setThreads(1);
      expect(getThreads()).toBe(1);
      setThreads(undefined);
      delete process.env.ATLAS_THREADS;
      // default: the idle cores by the load average, between 1 and the CPU count (at most 8)
      expect(getThreads()).toBeGreaterThanOrEqual(1);
      expect(getThreads()).toBeLessThanOrEqual(cpuThreads());
      expect(cpuThreads()).toBeLessThanOrEqual(8);
    } finally {
      if (saved === undefined) delete process.env.ATLAS_THREADS;
      else process.env.ATLAS_THREADS = saved;
      setThreads(undefined);
    }
  });
});
