import { InvalidArgumentError, checkInteger, toRng, type RngLike } from "@atlas/core";
import { gemmNT } from "./linalg/gemm.js";
import { checkOptions, checkSameDim, commonExtractor, readFeatures, type FeatureInput, type Provenance } from "./features.js";

/** Options for {@link kid}. */
export interface KidOptions {
  /** Number of random subsets (default 100, at most 1 000 000). */
  subsets?: number;
  /** Rows drawn (without replacement) from each set per subset (default 1000; must not exceed either set). */
  subsetSize?: number;
  /** Seed or `Rng` for the subset draws (default 0). */
  seed?: RngLike;
}

/** A Kernel Inception Distance with what it was computed from. */
export interface KidResult extends Provenance {
  /** Mean of the unbiased MMD² estimates over the subsets. */
  readonly mean: number;
  /** Their standard deviation (divisor = number of subsets, as numpy's default). */
  readonly std: number;
  readonly subsets: number;
  readonly subsetSize: number;
  readonly samples: readonly [number, number];
}

/**
 * Kernel Inception Distance (Bińkowski et al. 2018): the unbiased estimate of MMD² with the cubic
 * polynomial kernel k(x, y) = (xᵀy / d + 1)³, averaged over random subsets as the reference code
 * does: for each subset draw `subsetSize` rows of A, then of B, without replacement, and compute
 * MMD²ᵤ = Σ_{i≠j} k(a_i,a_j)/(m(m−1)) + Σ_{i≠j} k(b_i,b_j)/(m(m−1)) − 2 Σ_{i,j} k(a_i,b_j)/m².
 * Draws use `@atlas/core`'s `Rng.choice` (the first `subsetSize` entries of a Fisher–Yates
 * permutation), so a seed gives the same subsets on every platform.
 *
 * @example
 * const { mean, std } = kid(realFeatures, fakeFeatures, { subsets: 100, subsetSize: 1000, seed: 0 });
 */
/** Most subsets {@link kid} draws (each costs a subsetSize² kernel sum; 1e9 would run for ever). */
const MAX_KID_SUBSETS = 1_000_000;

export function kid(featuresA: FeatureInput, featuresB: FeatureInput, options: KidOptions = {}): KidResult {
  checkOptions("options", options, ["subsets", "subsetSize", "seed"]);
  const a = readFeatures("featuresA", featuresA, { minRows: 2 });
  const b = readFeatures("featuresB", featuresB, { minRows: 2 });
  checkSameDim("featuresA", a.dim, "featuresB", b.dim);
  const extractor = commonExtractor("featuresA", a.extractor, "featuresB", b.extractor);
  const subsets = checkInteger("subsets", options.subsets ?? 100, { min: 1, max: MAX_KID_SUBSETS });
  const m = checkInteger("subsetSize", options.subsetSize ?? 1000, { min: 2 });
  if (m > a.n) throw new InvalidArgumentError("subsetSize", `expected at most the size of featuresA (${a.n}), got ${m}`);
  if (m > b.n) throw new InvalidArgumentError("subsetSize", `expected at most the size of featuresB (${b.n}), got ${m}`);
  const rng = toRng(options.seed ?? 0, "seed");
  const d = a.dim;
  const X = new Float64Array(m * d);
  const Y = new Float64Array(m * d);
  const G = new Float64Array(m * m);
  const mmd = new Float64Array(subsets);
  const invD = 1 / d;
  const kernelSum = (g: Float64Array, lowerOnly: boolean): number => {
    // Σ over the strict lower triangle (times 2 by symmetry) or over all entries
    let s = 0;
    for (let i = 0; i < m; i++) {
      const row = i * m;
      const end = lowerOnly ? i : m;
      for (let j = 0; j < end; j++) {
        const t = (g[row + j] as number) * invD + 1;
        s += t * t * t;
      }
    }
    return lowerOnly ? 2 * s : s;
  };
  for (let s = 0; s < subsets; s++) {
    const ia = rng.choice(a.n, m);
    const ib = rng.choice(b.n, m);
    for (let i = 0; i < m; i++) {
      X.set(a.data.subarray((ia[i] as number) * d, (ia[i] as number) * d + d), i * d);
      Y.set(b.data.subarray((ib[i] as number) * d, (ib[i] as number) * d + d), i * d);
    }
    gemmNT(m, m, d, X, 0, d, X, 0, d, G, 0, m, { lower: true });
    const kxx = kernelSum(G, true);
    gemmNT(m, m, d, Y, 0, d, Y, 0, d, G, 0, m, { lower: true });
    const kyy = kernelSum(G, true);
    gemmNT(m, m, d, X, 0, d, Y, 0, d, G, 0, m);
    const kxy = kernelSum(G, false);
    mmd[s] = (kxx + kyy) / (m * (m - 1)) - (2 * kxy) / (m * m);
  }
  let mean = 0;
  for (const v of mmd) mean += v;
  mean /= subsets;
  let v = 0;
  for (const x of mmd) v += (x - mean) * (x - mean);
  return { mean, std: Math.sqrt(v / subsets), subsets, subsetSize: m, samples: [a.n, b.n], dim: d, extractor };
}
