import { eigenvaluesOf, eigenvectorsOf } from "./linalg/eigen.js";
import { gemmNT, mirrorLower } from "./linalg/gemm.js";
import { checkThreads, scratch, scratchMark, scratchRelease, withThreads } from "./linalg/parallel.js";
import { checkSameDim, commonExtractor, readFeatures, type FeatureInput, type Provenance } from "./features.js";
import { checkStats, gaussianStats, type GaussianStats } from "./stats.js";

const EPS = 2 ** -52;

/** Options of {@link fid}, {@link frechetDistance} and {@link traceSqrtProduct}. */
export interface FidOptions {
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
  const mu = eigenvaluesOf(M, r);
  const floorM = r * EPS * Math.max(0, mu[r - 1] as number);
  let t = 0;
  for (let i = 0; i < r; i++) {
    const x = mu[i] as number;
    if (x > floorM) t += Math.sqrt(x);
  }
  return t;
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
  const threads = checkThreads(options?.threads);
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
  const tsp = traceSqrtProduct(a.cov, b.cov, d, threads !== undefined ? { threads } : {});
  return {
    fid: meanDistance + traceA + traceB - 2 * tsp,
    samples: [a.n, b.n],
    dim: d,
    extractor,
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
  const threads = checkThreads(options?.threads);
  const opts = threads !== undefined ? { threads } : {};
  const sa = gaussianStats({ data: a.data, dim: a.dim, ...(a.extractor !== undefined ? { extractor: a.extractor } : {}) }, opts);
  const sb = gaussianStats({ data: b.data, dim: b.dim, ...(b.extractor !== undefined ? { extractor: b.extractor } : {}) }, opts);
  return frechetDistance(sa, sb, opts);
}
