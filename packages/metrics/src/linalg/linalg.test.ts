import { wasmRelaxedSimdAvailable } from "@atlas/core";
import { describe, expect, it } from "vitest";
import { symmetricEigen } from "./eigen.js";
import { gemmNT, gram, matmul, transpose } from "./gemm.js";
import { mulberry32 } from "../fixtures/data.js";
import { expectBits, fused } from "./bits.test-util.js";

function randomMatrix(seed: number, m: number, n: number): Float64Array {
  const g = mulberry32(seed);
  return Float64Array.from({ length: m * n }, () => g() - 0.5);
}

function naiveNT(A: Float64Array, B: Float64Array, m: number, n: number, k: number): Float64Array {
  const C = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let p = 0; p < k; p++) s += (A[i * k + p] as number) * (B[j * k + p] as number);
    C[i * n + j] = s;
  }
  return C;
}

describe("gemmNT", () => {
  it.each([
    [1, 1, 1],
    [5, 3, 7],
    [37, 23, 301],
    [70, 600, 260],
  ])("matches the triple loop for m=%i n=%i k=%i, plain, accumulate, alpha and lower", (m, n, k) => {
    const A = randomMatrix(1, m, k);
    const B = randomMatrix(2, n, k);
    const ref = naiveNT(A, B, m, n, k);
    const C = new Float64Array(m * n);
    gemmNT(m, n, k, A, 0, k, B, 0, k, C, 0, n);
    for (let i = 0; i < m * n; i++) expect(Math.abs((C[i] as number) - (ref[i] as number))).toBeLessThanOrEqual(1e-13 * k);
    gemmNT(m, n, k, A, 0, k, B, 0, k, C, 0, n, { accumulate: true, alpha: -2 });
    for (let i = 0; i < m * n; i++) expect(Math.abs((C[i] as number) + (ref[i] as number))).toBeLessThanOrEqual(1e-13 * k);
    if (m === n) {
      const L = new Float64Array(m * n).fill(7);
      gemmNT(m, n, k, A, 0, k, B, 0, k, L, 0, n, { lower: true });
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
        if (j <= i) expect(Math.abs((L[i * n + j] as number) - (ref[i * n + j] as number))).toBeLessThanOrEqual(1e-13 * k);
        else expect(L[i * n + j]).toBe(7);
      }
    }
  });
  it("matmul, gram and transpose agree with the definitions", () => {
    const A = randomMatrix(3, 9, 13);
    const B = randomMatrix(4, 13, 6);
    const C = matmul(A, B, 9, 13, 6);
    const ref = naiveNT(A, transpose(B, 13, 6), 9, 6, 13);
    for (let i = 0; i < C.length; i++) expect(C[i]).toBeCloseTo(ref[i] as number, 14);
    const G = gram(A, 9, 13);
    const At = transpose(A, 9, 13);
    const refG = naiveNT(At, At, 13, 13, 9);
    for (let i = 0; i < G.length; i++) expect(G[i]).toBeCloseTo(refG[i] as number, 14);
  });
});

function checkDecomposition(a: Float64Array, n: number): void {
  const { values, vectors } = symmetricEigen(a, n, { vectors: true });
  const V = vectors as Float64Array;
  let norm = 0;
  for (const x of a) norm = Math.max(norm, Math.abs(x));
  for (let i = 0; i < n; i++) {
    if (i > 0) expect(values[i] as number).toBeGreaterThanOrEqual(values[i - 1] as number);
    for (let r = 0; r < n; r++) {
      let s = 0;
      for (let c = 0; c < n; c++) s += (a[r * n + c] as number) * (V[i * n + c] as number);
      expect(Math.abs(s - (values[i] as number) * (V[i * n + r] as number))).toBeLessThanOrEqual(1e-13 * Math.max(norm, 1) * n);
    }
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let c = 0; c < n; c++) s += (V[i * n + c] as number) * (V[j * n + c] as number);
      expect(Math.abs(s - (i === j ? 1 : 0))).toBeLessThanOrEqual(1e-13 * n);
    }
  }
}

describe("symmetricEigen", () => {
  it("tridiagonal Toeplitz [−1, 2, −1] has eigenvalues 2 − 2cos(kπ/(n+1))", () => {
    const n = 50;
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      a[i * n + i] = 2;
      if (i + 1 < n) a[i * n + i + 1] = a[(i + 1) * n + i] = -1;
    }
    const { values } = symmetricEigen(a, n);
    for (let k = 1; k <= n; k++) expect(Math.abs((values[k - 1] as number) - (2 - 2 * Math.cos((k * Math.PI) / (n + 1))))).toBeLessThanOrEqual(1e-14);
  });
  it("2×2 [[2,1],[1,2]] → 1, 3", () => {
    const { values } = symmetricEigen(new Float64Array([2, 1, 1, 2]), 2);
    expect(values[0]).toBeCloseTo(1, 15);
    expect(values[1]).toBeCloseTo(3, 15);
  });
  it.each([1, 2, 3, 4, 9, 33, 80])("dense random n=%i: residual and orthogonality at rounding level", (n) => {
    const X = randomMatrix(n, n, n);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = (X[i * n + j] as number) + (X[j * n + i] as number);
    checkDecomposition(a, n);
  });
  it("rank-deficient PSD (rank 5 of 60), repeated eigenvalues and a diagonal matrix", () => {
    const n = 60;
    const X = randomMatrix(9, 5, n);
    checkDecomposition(gram(X, 5, n), n);
    const rep = new Float64Array(n * n);
    for (let i = 0; i < n; i++) rep[i * n + i] = i % 3;
    checkDecomposition(rep, n);
    const eye = new Float64Array(16);
    for (let i = 0; i < 4; i++) eye[i * 4 + i] = 1;
    const { values } = symmetricEigen(eye, 4);
    expect(Array.from(values)).toEqual([1, 1, 1, 1]);
  });
  it("eigenvalues alone converge for zero leading rows before a graded rank-deficient block", () => {
    // The shape of E Σ₂ Eᵀ in the FID when both covariances are rank-deficient: rows of E for
    // clipped eigenvalues are zero (first), rows for tiny ones are tiny. With EISPACK's deflation
    // tolerance (max over the rows already done) the QL sweep never settled this cluster of zeros.
    const z = 100;
    const k = 300;
    const r = 150;
    const n = z + k;
    const G = randomMatrix(3, k, r);
    const A = new Float64Array(n * n);
    const scale = (i: number): number => (i < k / 3 ? (3e-8 * (1 + i)) / k : 1);
    for (let i = 0; i < k; i++) {
      for (let j = 0; j <= i; j++) {
        let s = 0;
        for (let p = 0; p < r; p++) s += (G[i * r + p] as number) * (G[j * r + p] as number);
        A[(z + i) * n + z + j] = A[(z + j) * n + z + i] = scale(i) * s * scale(j);
      }
    }
    const { values } = symmetricEigen(A, n);
    let trace = 0;
    let frob = 0;
    for (let i = 0; i < n * n; i++) frob += (A[i] as number) ** 2;
    for (let i = 0; i < n; i++) trace += A[i * n + i] as number;
    const max = values[n - 1] as number;
    expect(Math.abs(values.reduce((s, x) => s + x, 0) - trace)).toBeLessThanOrEqual(1e-12 * trace);
    expect(Math.abs(values.reduce((s, x) => s + x * x, 0) - frob)).toBeLessThanOrEqual(1e-12 * frob);
    // the rank is r: exactly r eigenvalues stand above the rounding level
    expect(values.filter((x) => x > 1e-9 * max).length).toBe(r);
    // the same values as divide and conquer (a different algorithm on the same tridiagonal form)
    const dc = symmetricEigen(A, n, { vectors: true }).values;
    for (let i = 0; i < n; i++) expect(Math.abs((values[i] as number) - (dc[i] as number))).toBeLessThanOrEqual(1e-12 * max);
  });
  it("does not modify its input", () => {
    const a = new Float64Array([4, 1, 0, 1, 3, 1, 0, 1, 2]);
    const copy = Float64Array.from(a);
    symmetricEigen(a, 3, { vectors: true });
    expect(Array.from(a)).toEqual(Array.from(copy));
  });
});

describe("divide and conquer (eigenvectors for n > 32)", () => {
  it("glued Wilkinson matrix, a tight cluster and a wide dynamic range stay orthogonal", () => {
    const n = 150;
    const W = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      W[i * n + i] = Math.abs((i % 21) - 10);
      if (i + 1 < n) W[i * n + i + 1] = W[(i + 1) * n + i] = (i + 1) % 21 === 0 ? 1e-10 : 1;
    }
    checkDecomposition(W, n);
    const C = new Float64Array(n * n);
    for (let i = 0; i < n; i++) C[i * n + i] = 1 + (i % 2) * 1e-14;
    for (let i = 0; i + 1 < n; i++) C[i * n + i + 1] = C[(i + 1) * n + i] = 1e-9;
    checkDecomposition(C, n);
    const R = new Float64Array(n * n);
    const g = mulberry32(77);
    for (let i = 0; i < n; i++) R[i * n + i] = 10 ** (12 * g() - 6);
    const X = randomMatrix(78, n, n);
    const Qm = gram(X, n, n);
    checkDecomposition(Qm, n);
  });
});

describe("kernels are exact", () => {
  it(`gemmNT with k ≤ 256 equals the sequential triple loop ${fused ? "to rounding (fused multiply-adds)" : "bit for bit (SIMD and JS kernels alike)"}`, () => {
    const m = 45;
    const n = 38;
    const k = 200;
    const A = randomMatrix(11, m, k);
    const B = randomMatrix(12, n, k);
    const C = new Float64Array(m * n);
    gemmNT(m, n, k, A, 0, k, B, 0, k, C, 0, n);
    const ref = naiveNT(A, B, m, n, k);
    expectBits(C, ref, 1e-14);
  });
});

describe("WebAssembly SIMD kernels", () => {
  it.skipIf(process.env.ATLAS_NO_SIMD === "1")("load on this runtime, and the row update matches the scalar formula", async () => {
    const { simdKernel, simdRowUpdate } = await import("./simd-kernel.js");
    expect(simdKernel(1024, 1024, 4)).toBeDefined();
    const k = simdRowUpdate();
    expect(k).toBeDefined();
    if (!k) return;
    const g = mulberry32(5);
    for (let len = 0; len < 10; len++) {
      // one row (count 1): a at 0 (diagonal at len), v, w, v2, p at 100, 200, 300, 400
      const f = k.view(600);
      for (let i = 0; i < 600; i++) f[i] = g() - 0.5;
      const a = Array.from(f.subarray(0, len + 1));
      const v = Array.from(f.subarray(100, 101 + len));
      const w = Array.from(f.subarray(200, 201 + len));
      const v2 = Array.from(f.subarray(300, 301 + len));
      const p = Array.from(f.subarray(400, 401 + len));
      const [vi, wi, v2i] = [v[len] as number, w[len] as number, v2[len] as number];
      let s = 0;
      const x = a.slice(0, len).map((aj, j) => aj - vi * (w[j] as number) - wi * (v[j] as number));
      x.forEach((xj, j) => (s += xj * (v2[j] as number)));
      const xii = (a[len] as number) - 2 * vi * wi;
      k.run(0, 1000, 100, 200, 300, 400, len, 1);
      expectBits(f.subarray(0, len + 1), [...x, xii], 1e-15);
      expectBits(f.subarray(400, 400 + len), p.slice(0, len).map((pj, j) => pj + (x[j] as number) * v2i), 1e-15);
      expect(Math.abs((f[400 + len] as number) - ((p[len] as number) + s + xii * v2i))).toBeLessThanOrEqual(1e-15 * (len + 1));
    }
  });
});

describe("fused multiply-add kernels", () => {
  it("are in use exactly where relaxed SIMD validates and ATLAS_NO_FMA is unset (the metrics-fused project runs them)", () => {
    const relaxed = wasmRelaxedSimdAvailable();
    expect(fused).toBe(relaxed && process.env.ATLAS_NO_FMA !== "1");
    // the metrics-fused project passes the V8 flag below Node 22 (or relies on the default from 22)
    const flagged = process.execArgv.includes("--experimental-wasm-relaxed-simd") || Number(process.versions.node.split(".")[0]) >= 22;
    if (process.env.ATLAS_NO_SIMD !== "1") expect(relaxed).toBe(flagged);
  });
});
