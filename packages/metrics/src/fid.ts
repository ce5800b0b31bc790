import { eigenvaluesOf, eigenvectorsOf } from "./linalg/eigen.js";
import { gemmNT, mirrorLower } from "./linalg/gemm.js";
import { checkThreads, scratch, scratchMark, scratchRelease, withThreads } from "./linalg/parallel.js";
import { InvalidArgumentError, ShapeMismatchError, checkFinite, checkInteger, describeValue } from "@atlas/core";
import { checkOptions, checkSameDim, commonExtractor, readFeatures, type FeatureInput, type Provenance } from "./features.js";
import { checkStats, gaussianStats, type GaussianStats } from "./stats.js";

const EPS = 2 ** -52;

/** Options of {@link fid}, {@link frechetDistance} and {@link traceSqrtProduct}. */
export interface FidOptions {
  /**
   * How tr (Σ₁Σ₂)^½ is computed. `"eigen"` (default): the symmetric route of
   * {@link traceSqrtProduct}, A = Σ₁^½ from a symmetric eigendecomposition. `"cholesky"` (opt-in,
   * about twice as fast at d = 2048): Σ₁ = L Lᵀ and the eigenvalues of the symmetric Lᵀ Σ₂ L,
   * which are those of Σ₁Σ₂ (the same spectrum, so the same value up to rounding); when Σ₁ is not
   * numerically positive definite (a pivot at the rounding floor d·ε·max Σ₁ᵢᵢ, e.g. n ≤ d) it falls
   * back to `"eigen"`. The result's `route` says which ran.
   */
  route?: "eigen" | "cholesky";
  /**
   * Threads for the covariances and matrix products (default: `setThreads` / `ATLAS_THREADS` /
   * the CPU count, at most 8). The result is bitwise the same for any value.
   */
  threads?: number;
}

/** A Fréchet distance with what it was computed from. */
export interface FidResult extends Provenance {
  /** ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr (Σ₁Σ₂)^½. */
  readonly fid: number;
  /** Sample counts of the two sets. */
  readonly samples: readonly [number, number];
  /** Which route computed tr (Σ₁Σ₂)^½ (see {@link FidOptions.route}). */
  readonly route: "eigen" | "cholesky";
  /** The parts of the sum, for diagnosis. */
  readonly terms: { readonly meanDistance: number; readonly traceA: number; readonly traceB: number; readonly traceSqrtProduct: number };
}

/**
 * tr (Σ₁Σ₂)^½ by the symmetric route: Σ₁ = V Λ Vᵀ (symmetric eigendecomposition), A = Σ₁^½ =
 * V Λ^½ Vᵀ with Λ clipped at 0, then tr (A Σ₂ A)^½ = Σ √max(μ_i, 0) over the eigenvalues μ_i of
 * the symmetric A Σ₂ A. Since A Σ₂ A = V (Λ^½ Vᵀ Σ₂ V Λ^½) Vᵀ, the eigenvalues are taken from the
 * similar matrix E Σ₂ Eᵀ with E = Λ^½ Vᵀ (rows √λ_i v_iᵀ), computed on one triangle and mirrored,
 * so it is exactly symmetric. Eigenvalues are clipped at the rounding floor (d·ε·λ_max, i.e. values
 * that are zero up to the decomposition's backward error count as 0, which is what "clipped at 0"
 * means in floating point); the dropped rows contribute nothing, which also makes the rank-deficient
 * case (n < d) smaller instead of harder.
 *
 * @example
 * traceSqrtProduct(new Float64Array([2, 1, 1, 2]), new Float64Array([1, 0, 0, 1]), 2); // √3 + 1
 */
export function traceSqrtProduct(covA: Float64Array, covB: Float64Array, d: number, options: FidOptions = {}): number {
  checkInteger("d", d, { min: 1 });
  checkCovariance("covA", covA, d);
  checkCovariance("covB", covB, d);
  checkOptions("options", options, FID_KEYS);
  checkRoute(options.route);
  const threads = checkThreads(options.threads);
  return withThreads(threads, () => {
    const mark = scratchMark();
    try {
      return traceSqrtProductWork(covA, covB, d);
    } finally {
      scratchRelease(mark);
    }
  });
}

function traceSqrtProductWork(covA: Float64Array, covB: Float64Array, d: number): number {
  const { values, vectors: V } = eigenvectorsOf(covA, d);
  // eigenvalues below the rounding level of the decomposition (d·ε·λ_max) are zeros of a
  // rank-deficient Σ₁ blurred by rounding; their square roots (~√ε) would only add noise
  const floorA = d * EPS * Math.max(0, values[d - 1] as number);
  let r = 0;
  for (let i = 0; i < d; i++) if ((values[i] as number) > floorA) r++;
  if (r === 0) return 0;
  // E: r×d, rows √λ_i v_iᵀ for the positive eigenvalues (in place over V's rows: row ≤ i)
  const E = V.subarray(0, r * d);
  let row = 0;
  for (let i = 0; i < d; i++) {
    const l = values[i] as number;
    if (!(l > floorA)) continue;
    const s = Math.sqrt(l);
    const src = i * d;
    const dst = row * d;
    for (let j = 0; j < d; j++) E[dst + j] = s * (V[src + j] as number);
    row++;
  }
  // F = E Σ₂ (Σ₂ symmetric, so F[i, j] = Σ_p E[i, p] Σ₂[j, p]); M = F Eᵀ (lower triangle)
  const F = scratch(r * d) ?? new Float64Array(r * d);
  gemmNT(r, d, d, E, 0, d, covB, 0, d, F, 0, d);
  const M = scratch(r * r) ?? new Float64Array(r * r);
  gemmNT(r, r, d, F, 0, d, E, 0, d, M, 0, r, { lower: true });
  mirrorLower(M, r);
  return sumSqrtAboveFloor(eigenvaluesOf(M, r));
}

/**
 * Fréchet distance between two Gaussians (Heusel et al. 2017, eq. 6; Dowson & Landau 1982):
 * d² = ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr (Σ₁Σ₂)^½, with the trace of the square root taken by the
 * symmetric route of {@link traceSqrtProduct} (no complex sqrtm, no ε·I regularisation needed for
 * singular covariances).
 *
 * @example
 * const d = frechetDistance(gaussianStats(real), gaussianStats(fake)).fid;
 */
export function frechetDistance(statsA: GaussianStats, statsB: GaussianStats, options: FidOptions = {}): FidResult {
  const a = checkStats("statsA", statsA);
  const b = checkStats("statsB", statsB);
  checkOptions("options", options, FID_KEYS);
  const threads = checkThreads(options?.threads);
  const route = checkRoute(options?.route);
  checkSameDim("statsA", a.dim, "statsB", b.dim);
  const extractor = commonExtractor("statsA", a.extractor, "statsB", b.extractor);
  const d = a.dim;
  let meanDistance = 0;
  for (let j = 0; j < d; j++) {
    const t = (a.mean[j] as number) - (b.mean[j] as number);
    meanDistance += t * t;
  }
  let traceA = 0;
  let traceB = 0;
  for (let j = 0; j < d; j++) {
    traceA += a.cov[j * d + j] as number;
    traceB += b.cov[j * d + j] as number;
  }
  let tsp: number | undefined;
  let used: "eigen" | "cholesky" = "eigen";
  if (route === "cholesky") {
    tsp = withThreads(threads, () => {
      const mark = scratchMark();
      try {
        return traceSqrtProductCholesky(a.cov, b.cov, d);
      } finally {
        scratchRelease(mark);
      }
    });
    if (tsp !== undefined) used = "cholesky";
  }
  tsp ??= traceSqrtProduct(a.cov, b.cov, d, threads !== undefined ? { threads } : {});
  return {
    fid: meanDistance + traceA + traceB - 2 * tsp,
    samples: [a.n, b.n],
    dim: d,
    extractor,
    route: used,
    terms: { meanDistance, traceA, traceB, traceSqrtProduct: tsp },
  };
}

/**
 * Fréchet Inception Distance between two feature sets (Heusel et al. 2017): the
 * {@link frechetDistance} of their {@link gaussianStats}. Features are rows (`number[][]`,
 * `{ data, dim }`, a `Tensor2D`, or the output of a `FeatureExtractor`); both need ≥ 2 rows.
 *
 * @example
 * const { fid: value, extractor, samples } = fid(await ext.features(real), await ext.features(fake));
 */
export function fid(featuresA: FeatureInput, featuresB: FeatureInput, options: FidOptions = {}): FidResult {
  const a = readFeatures("featuresA", featuresA, { minRows: 2 });
  const b = readFeatures("featuresB", featuresB, { minRows: 2 });
  checkSameDim("featuresA", a.dim, "featuresB", b.dim);
  commonExtractor("featuresA", a.extractor, "featuresB", b.extractor);
  checkOptions("options", options, FID_KEYS);
  const threads = checkThreads(options?.threads);
  const route = checkRoute(options?.route);
  const opts = threads !== undefined ? { threads } : {};
  const sa = gaussianStats({ data: a.data, dim: a.dim, ...(a.extractor !== undefined ? { extractor: a.extractor } : {}) }, opts);
  const sb = gaussianStats({ data: b.data, dim: b.dim, ...(b.extractor !== undefined ? { extractor: b.extractor } : {}) }, opts);
  return frechetDistance(sa, sb, { ...opts, route });
}

const FID_KEYS = ["route", "threads"] as const;

/** A d × d symmetric matrix of finite values (a covariance). */
function checkCovariance(name: string, cov: unknown, d: number): void {
  if (!(cov instanceof Float64Array)) throw new InvalidArgumentError(name, `expected a Float64Array (d × d, row-major), got ${describeValue(cov)}`);
  if (cov.length !== d * d) throw new ShapeMismatchError(name, `expected d * d = ${d * d} values (d = ${d}), got ${cov.length}`);
  checkFinite(name, cov);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < i; j++) if (cov[i * d + j] !== cov[j * d + i]) throw new InvalidArgumentError(name, `expected a symmetric matrix, [${i}, ${j}] ≠ [${j}, ${i}]`);
  }
}

function checkRoute(route: unknown): "eigen" | "cholesky" {
  if (route === undefined) return "eigen";
  if (route !== "eigen" && route !== "cholesky") throw new InvalidArgumentError("options.route", `expected "eigen" or "cholesky", got ${describeValue(route)}`);
  return route;
}

const CHOL_NB = 64;

/**
 * Lower Cholesky factor of the symmetric n×n `a` in place (lower triangle; the upper is left as
 * garbage), blocked: each block column is first updated by one product with the columns to its
 * left, then factored. Returns false as soon as a pivot is ≤ `floor`.
 */
function choleskyInPlace(a: Float64Array, n: number, floor: number): boolean {
  for (let j0 = 0; j0 < n; j0 += CHOL_NB) {
    const b = Math.min(CHOL_NB, n - j0);
    if (j0 > 0) gemmNT(n - j0, b, j0, a, j0 * n, n, a, j0 * n, n, a, j0 * n + j0, n, { alpha: -1, accumulate: true });
    for (let j = j0; j < j0 + b; j++) {
      const rj = j * n;
      let s = a[rj + j] as number;
      for (let p = j0; p < j; p++) s -= (a[rj + p] as number) * (a[rj + p] as number);
      if (!(s > floor)) return false;
      const l = Math.sqrt(s);
      a[rj + j] = l;
      for (let i = j + 1; i < n; i++) {
        const ri = i * n;
        let t = a[ri + j] as number;
        for (let p = j0; p < j; p++) t -= (a[ri + p] as number) * (a[rj + p] as number);
        a[ri + j] = t / l;
      }
    }
  }
  return true;
}

/**
 * tr (Σ₁Σ₂)^½ as Σ √μᵢ over the eigenvalues of the symmetric Lᵀ Σ₂ L, Σ₁ = L Lᵀ (clipped at the
 * rounding floor as in {@link traceSqrtProduct}); undefined when Σ₁ is not numerically positive
 * definite. The products skip the zero triangle of L: F = Lᵀ Σ₂ (d³ multiply-adds), then the lower
 * triangle of F L (d³/3).
 */
function traceSqrtProductCholesky(covA: Float64Array, covB: Float64Array, d: number): number | undefined {
  let maxDiag = 0;
  for (let i = 0; i < d; i++) maxDiag = Math.max(maxDiag, covA[i * d + i] as number);
  if (!(maxDiag > 0)) return undefined;
  const Lw = scratch(d * d) ?? new Float64Array(d * d);
  Lw.set(covA.subarray(0, d * d));
  if (!choleskyInPlace(Lw, d, d * EPS * maxDiag)) return undefined;
  // H = Lᵀ (upper triangular, row-major), zeros below the diagonal
  const H = scratch(d * d) ?? new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    const ri = i * d;
    for (let p = i; p < d; p++) H[ri + p] = Lw[p * d + i] as number;
    H.fill(0, ri, ri + i);
  }
  // F = H Σ₂: F[i, j] = Σ_{p ≥ i} H[i, p] Σ₂[j, p]; rows in blocks, each from its first nonzero column
  const F = scratch(d * d) ?? new Float64Array(d * d);
  const S2 = scratch(d * d); // with threads, Σ₂ once in the shared memory instead of a copy per block
  if (S2) S2.set(covB.subarray(0, d * d));
  const B2 = S2 ?? covB;
  for (let i0 = 0; i0 < d; i0 += CHOL_NB) {
    const b = Math.min(CHOL_NB, d - i0);
    gemmNT(b, d, d - i0, H, i0 * d + i0, d, B2, i0, d, F, i0 * d, d);
  }
  // M = F Hᵀ (lower): M[i, j] = Σ_{p ≥ j} F[i, p] H[j, p]; columns in blocks
  const M = scratch(d * d) ?? new Float64Array(d * d);
  for (let j0 = 0; j0 < d; j0 += CHOL_NB) {
    const b = Math.min(CHOL_NB, d - j0);
    gemmNT(d - j0, b, d - j0, F, j0 * d + j0, d, H, j0 * d + j0, d, M, j0 * d + j0, d);
  }
  mirrorLower(M, d);
  return sumSqrtAboveFloor(eigenvaluesOf(M, d));
}

/**
 * Σ √μᵢ over the ascending eigenvalues μ of a symmetric PSD product, each route's last step: values
 * at or below r·ε·max μ are rounding noise of zero eigenvalues (rank-deficient covariances), so
 * they are clipped to 0.
 */
function sumSqrtAboveFloor(mu: Float64Array): number {
  const r = mu.length;
  const floor = r * EPS * Math.max(0, (mu[r - 1] as number | undefined) ?? 0);
  let t = 0;
  for (let i = 0; i < r; i++) {
    const x = mu[i] as number;
    if (x > floor) t += Math.sqrt(x);
  }
  return t;
}
