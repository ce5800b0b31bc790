import { InvalidArgumentError, ShapeMismatchError, checkAllocation, checkFinite, checkInteger, describeValue } from "@atlas/core";
import { gemmNT, mirrorLower } from "./linalg/gemm.js";
import { checkThreads, scatterChunk, scratch, scratchMark, scratchRelease, withThreads } from "./linalg/parallel.js";
import { checkOptions, readFeatures, type FeatureInput } from "./features.js";

/** Mean and covariance (N−1 divisor) of a feature set, in float64. */
export interface GaussianStats {
  /** Mean, length `dim`. */
  readonly mean: Float64Array;
  /** Covariance, `dim × dim` row-major, unbiased (divisor n − 1). */
  readonly cov: Float64Array;
  /** Number of samples the statistics were computed from. */
  readonly n: number;
  /** Feature dimension. */
  readonly dim: number;
  /** Id of the feature extractor, when the features carried one. */
  readonly extractor?: string | undefined;
}

const CHUNK = 512;

/**
 * Running mean and covariance over batches, exact in float64 and merge-stable.
 *
 * Each batch is handled as if two-pass (its rows shifted by the mean of a spread sample of its
 * rows, the scatter of the shifted rows as a blocked XᵀX and their sums in one pass, then corrected
 * to the batch's own mean), and batches are combined with the pairwise update of Chan, Golub & LeVeque (1979):
 * M = M_a + M_b + δδᵀ·n_a n_b / n, δ = μ_b − μ_a. Adding batches in any grouping gives the one-shot
 * statistics to rounding (≈1e-12 relative), and large offsets (features around 1e4) cost no accuracy,
 * unlike a one-pass Σx², Σxxᵀ formula.
 *
 * @example
 * const acc = new GaussianAccumulator();
 * acc.add(batch1); acc.add(batch2);
 * const { mean, cov, n } = acc.stats();
 */
export class GaussianAccumulator {
  private count = 0;
  private dimension: number | undefined;
  private mu: Float64Array = new Float64Array(0);
  /** Scatter matrix Σ (x − μ)(x − μ)ᵀ, lower triangle kept current. */
  private scatter: Float64Array = new Float64Array(0);
  private extractorId: string | undefined;

  /** @param dim feature dimension, if known in advance (otherwise taken from the first batch) */
  constructor(dim?: number) {
    if (dim !== undefined) this.init(checkInteger("dim", dim, { min: 1 }));
  }

  private init(dim: number): void {
    checkAllocation("dim", dim * dim, 8);
    this.dimension = dim;
    this.mu = new Float64Array(dim);
    this.scatter = new Float64Array(dim * dim);
  }

  /** Number of samples added so far. */
  get n(): number {
    return this.count;
  }

  /** Feature dimension (undefined before the first batch when not given). */
  get dim(): number | undefined {
    return this.dimension;
  }

  /** Add a batch of feature rows. Returns `this`. */
  add(batch: FeatureInput): this {
    const f = readFeatures("batch", batch, this.dimension !== undefined ? { dim: this.dimension } : {});
    this.noteExtractor(f.extractor);
    if (this.dimension === undefined) this.init(f.dim);
    const { mean, scatter } = batchMoments(f.data, f.n, f.dim);
    this.combine(f.n, mean, scatter);
    return this;
  }

  /** Merge another accumulator's samples into this one (the other is unchanged). Returns `this`. */
  merge(other: GaussianAccumulator): this {
    if (!(other instanceof GaussianAccumulator)) throw new InvalidArgumentError("other", `expected a GaussianAccumulator, got ${describeValue(other)}`);
    if (other.count === 0) return this;
    if (this.dimension !== undefined && other.dimension !== this.dimension) {
      throw new ShapeMismatchError("other", `expected an accumulator of dimension ${this.dimension}, got ${other.dimension}`);
    }
    this.noteExtractor(other.extractorId);
    if (this.dimension === undefined) this.init(other.dimension as number);
    this.combine(other.count, other.mu, other.scatter);
    return this;
  }

  private noteExtractor(id: string | undefined): void {
    if (id === undefined) return;
    if (this.extractorId !== undefined && this.extractorId !== id) {
      throw new ShapeMismatchError("batch", `features come from extractor '${id}' but earlier batches from '${this.extractorId}'`);
    }
    this.extractorId = id;
  }

  private combine(nb: number, meanB: Float64Array, scatterB: Float64Array): void {
    const d = this.dimension as number;
    const na = this.count;
    const n = na + nb;
    if (na === 0) {
      this.mu.set(meanB);
      this.scatter.set(scatterB);
      this.count = nb;
      return;
    }
    const delta = new Float64Array(d);
    for (let j = 0; j < d; j++) delta[j] = (meanB[j] as number) - (this.mu[j] as number);
    const f = (na * nb) / n;
    const S = this.scatter;
    for (let i = 0; i < d; i++) {
      const di = (delta[i] as number) * f;
      const row = i * d;
      for (let j = 0; j <= i; j++) S[row + j] = (S[row + j] as number) + (scatterB[row + j] as number) + di * (delta[j] as number);
    }
    const wb = nb / n;
    for (let j = 0; j < d; j++) this.mu[j] = (this.mu[j] as number) + (delta[j] as number) * wb;
    this.count = n;
  }

  /** The statistics of everything added: mean and covariance with the N−1 divisor (needs n ≥ 2). */
  stats(): GaussianStats {
    if (this.count < 2 || this.dimension === undefined) {
      throw new InvalidArgumentError("features", `expected at least 2 samples for a covariance, got ${this.count}`);
    }
    const d = this.dimension;
    const cov = new Float64Array(d * d);
    const s = 1 / (this.count - 1);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j <= i; j++) cov[i * d + j] = (this.scatter[i * d + j] as number) * s;
    }
    mirrorLower(cov, d);
    return { mean: Float64Array.from(this.mu), cov, n: this.count, dim: d, extractor: this.extractorId };
  }
}

/**
 * Mean and lower-triangular scatter Σ (x − μ)(x − μ)ᵀ of n rows of dimension d, in one pass over
 * the rows. The rows are shifted by c, the compensated two-pass mean of 512 rows spread evenly over
 * the set (all rows when n ≤ 512), so large offsets cancel exactly as in a two-pass formula; the
 * scatter of x − c and the column sums of x − c come from the same pass, and then μ = c + δ,
 * δ = Σ (x − c)/n, and Σ (x − μ)(x − μ)ᵀ = Σ (x − c)(x − c)ᵀ − n δδᵀ. δ is of the order of the
 * sample mean's error (δ² ≈ σ²/512), so the subtraction costs a relative ≈ 1/512 of the scatter's
 * rounding and nothing more. With `scale`, the result is the scatter times `scale`, mirrored to
 * both triangles (the covariance).
 */
function batchMoments(x: Float64Array, n: number, d: number, scale?: number): { mean: Float64Array; scatter: Float64Array } {
  // the shift: the compensated mean of n0 rows spread evenly over the set (all rows when n ≤ CHUNK),
  // so that δ stays of the order of a sample mean's error however the rows are ordered
  const c = new Float64Array(d);
  const n0 = Math.min(n, CHUNK);
  const sampleRow = (i: number): number => Math.floor((i * n) / n0) * d;
  for (let i = 0; i < n0; i++) {
    const row = sampleRow(i);
    for (let j = 0; j < d; j++) c[j] = (c[j] as number) + (x[row + j] as number);
  }
  for (let j = 0; j < d; j++) c[j] = (c[j] as number) / n0;
  // second pass over the sample: correct by its mean residual (removes the rounding of the first sum)
  const corr = new Float64Array(d);
  for (let i = 0; i < n0; i++) {
    const row = sampleRow(i);
    for (let j = 0; j < d; j++) corr[j] = (corr[j] as number) + ((x[row + j] as number) - (c[j] as number));
  }
  for (let j = 0; j < d; j++) c[j] = (c[j] as number) + (corr[j] as number) / n0;
  // scatter of the shifted rows, CHUNK rows at a time as (X−c)ᵀ(X−c) on transposed chunks; with
  // the shared memory the threads write the shifted chunk straight into the product's packed layout
  // and add up its columns (scatterChunk: the same values, no transposed copy), else here
  const mark = scratchMark();
  try {
    const shared = scratch(d * d);
    const scatter = shared ?? new Float64Array(d * d);
    const sums = (shared ? scratch(d) : undefined) ?? new Float64Array(d);
    sums.fill(0);
    const rows = Math.min(CHUNK, n);
    let xt: Float64Array | undefined;
    for (let r0 = 0; r0 < n; r0 += CHUNK) {
      const m = Math.min(CHUNK, n - r0);
      if (shared && scatterChunk(x, r0, m, d, c, scatter, sums)) continue;
      xt ??= new Float64Array(d * rows);
      for (let i = 0; i < m; i++) {
        const row = (r0 + i) * d;
        for (let j = 0; j < d; j++) {
          const v = (x[row + j] as number) - (c[j] as number);
          xt[j * m + i] = v;
          sums[j] = (sums[j] as number) + v;
        }
      }
      gemmNT(d, d, m, xt, 0, m, xt, 0, m, scatter, 0, d, { lower: true, accumulate: true });
    }
    const delta = new Float64Array(d);
    const mean = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      delta[j] = (sums[j] as number) / n;
      mean[j] = (c[j] as number) + (delta[j] as number);
    }
    // Σ (x − μ)(x − μ)ᵀ = Σ (x − c)(x − c)ᵀ − n δδᵀ (lower triangle), times scale, out of the scratch
    const out = new Float64Array(d * d);
    const f = scale ?? 1;
    for (let i = 0; i < d; i++) {
      const row = i * d;
      const ndi = n * (delta[i] as number);
      for (let j = 0; j <= i; j++) out[row + j] = ((scatter[row + j] as number) - ndi * (delta[j] as number)) * f;
    }
    if (scale !== undefined) mirrorLower(out, d);
    return { mean, scatter: out };
  } finally {
    scratchRelease(mark);
  }
}

/**
 * Mean and covariance (N−1 divisor, float64) of a feature set — the Gaussian that FID compares.
 * Features are rows: `number[][]`, `{ data, dim }` or a `tf.Tensor2D`.
 *
 * @example
 * const s = gaussianStats([[0, 1], [2, 3], [4, 5]]); // s.mean = [2, 3], s.cov = [[4, 4], [4, 4]]
 */
export function gaussianStats(features: FeatureInput, options: { threads?: number } = {}): GaussianStats {
  const f = readFeatures("features", features, { minRows: 2 });
  checkOptions("options", options, ["threads"]);
  const threads = checkThreads(options?.threads);
  const { mean, scatter } = withThreads(threads, () => batchMoments(f.data, f.n, f.dim, 1 / (f.n - 1)));
  return { mean, cov: scatter, n: f.n, dim: f.dim, extractor: f.extractor };
}

/** Validate a {@link GaussianStats}-shaped argument. */
export function checkStats(name: string, s: unknown): GaussianStats {
  if (typeof s !== "object" || s === null) throw new InvalidArgumentError(name, `expected { mean, cov, n }, got ${describeValue(s)}`);
  const st = s as Partial<GaussianStats>;
  const mean = st.mean as ArrayLike<number> | undefined;
  const cov = st.cov as ArrayLike<number> | undefined;
  if (!mean || typeof mean.length !== "number" || mean.length < 1) throw new InvalidArgumentError(`${name}.mean`, `expected a non-empty array, got ${describeValue(mean)}`);
  const d = mean.length;
  if (!cov || cov.length !== d * d) throw new ShapeMismatchError(`${name}.cov`, `expected ${d}×${d} = ${d * d} values for a mean of length ${d}, got ${cov ? cov.length : describeValue(cov)}`);
  checkFinite(`${name}.mean`, mean);
  checkFinite(`${name}.cov`, cov);
  const n = st.n === undefined ? 2 : checkInteger(`${name}.n`, st.n, { min: 2 });
  return {
    mean: mean instanceof Float64Array ? mean : Float64Array.from(mean),
    cov: cov instanceof Float64Array ? cov : Float64Array.from(cov),
    n,
    dim: d,
    extractor: st.extractor,
  };
}
