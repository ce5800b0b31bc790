import { InvalidArgumentError, checkInteger } from "@atlas/core";
import { gemmNT } from "./linalg/gemm.js";
import { checkOptions, checkSameDim, commonExtractor, readFeatures, type FeatureInput, type Provenance } from "./features.js";

/** Options for {@link precisionRecall}. */
export interface PrecisionRecallOptions {
  /** Neighbourhood size: each point's radius is the distance to its k-th nearest neighbour in its own set (default 3). */
  k?: number;
}

/** Improved precision and recall with what they were computed from. */
export interface PrecisionRecallResult extends Provenance {
  /** Fraction of fake samples inside the real manifold estimate. */
  readonly precision: number;
  /** Fraction of real samples inside the fake manifold estimate. */
  readonly recall: number;
  readonly k: number;
  /** Sample counts [real, fake]. */
  readonly samples: readonly [number, number];
}

const BLOCK = 256;
const EPS = 2 ** -52;

/** Squared distance computed directly, Σ (x − y)² in order. */
function exactSq(x: Float64Array, i: number, y: Float64Array, j: number, d: number): number {
  let s = 0;
  const oi = i * d;
  const oj = j * d;
  for (let t = 0; t < d; t++) {
    const u = (x[oi + t] as number) - (y[oj + t] as number);
    s += u * u;
  }
  return s;
}

function rowNorms(x: Float64Array, n: number, d: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let t = 0; t < d; t++) {
      const u = x[i * d + t] as number;
      s += u * u;
    }
    out[i] = s;
  }
  return out;
}

/**
 * Visit squared distances between rows of X and rows of Y block by block. The bulk comes from a
 * blocked XYᵀ product (‖x‖² + ‖y‖² − 2xᵀy); `tol(i, j)` bounds its rounding error, so callers can
 * settle every comparison that the bound cannot decide with the direct Σ(x − y)².
 */
function forEachBlock(
  X: Float64Array,
  nx: number,
  Y: Float64Array,
  ny: number,
  d: number,
  visit: (i0: number, rows: number, D: Float64Array) => void,
): void {
  const normY = rowNorms(Y, ny, d);
  const normX = rowNorms(X, nx, d);
  const D = new Float64Array(BLOCK * ny);
  for (let i0 = 0; i0 < nx; i0 += BLOCK) {
    const rows = Math.min(BLOCK, nx - i0);
    gemmNT(rows, ny, d, X, i0 * d, d, Y, 0, d, D, 0, ny, { alpha: -2 });
    for (let r = 0; r < rows; r++) {
      const nxi = normX[i0 + r] as number;
      const o = r * ny;
      for (let j = 0; j < ny; j++) D[o + j] = (D[o + j] as number) + nxi + (normY[j] as number);
    }
    visit(i0, rows, D);
  }
}

/** A rigorous-enough bound on the error of ‖x‖² + ‖y‖² − 2xᵀy for d-dimensional rows. */
function errorScale(d: number): number {
  return 4 * (d + 8) * EPS;
}

/** Squared distance from each row to its k-th nearest other row of the same set, computed exactly. */
function kthNeighbourRadii(X: Float64Array, n: number, d: number, k: number): Float64Array {
  const radii = new Float64Array(n);
  const norms = rowNorms(X, n, d);
  let maxNorm = 0;
  for (const v of norms) maxNorm = Math.max(maxNorm, v);
  const scale = errorScale(d);
  const tmp = new Float64Array(n);
  const cand: number[] = [];
  forEachBlock(X, n, X, n, d, (i0, rows, D) => {
    for (let r = 0; r < rows; r++) {
      const i = i0 + r;
      const o = r * n;
      let m = 0;
      for (let j = 0; j < n; j++) if (j !== i) tmp[m++] = D[o + j] as number;
      const approxK = quickSelect(tmp, m, k - 1);
      const tol = scale * ((norms[i] as number) + maxNorm);
      const limit = approxK + 2 * tol;
      cand.length = 0;
      for (let j = 0; j < n; j++) if (j !== i && (D[o + j] as number) <= limit) cand.push(exactSq(X, i, X, j, d));
      cand.sort((p, q) => p - q);
      radii[i] = cand[k - 1] as number;
    }
  });
  return radii;
}

/** Fraction of rows of Q inside at least one ball (centre row of P, squared radius radii[j]); `≤` counts as inside. */
function coverage(Q: Float64Array, nq: number, P: Float64Array, np: number, radii: Float64Array, d: number): number {
  const normQ = rowNorms(Q, nq, d);
  const normP = rowNorms(P, np, d);
  const scale = errorScale(d);
  let inside = 0;
  forEachBlock(Q, nq, P, np, d, (i0, rows, D) => {
    for (let r = 0; r < rows; r++) {
      const i = i0 + r;
      const o = r * np;
      let hit = false;
      for (let j = 0; j < np && !hit; j++) {
        const approx = D[o + j] as number;
        const rad = radii[j] as number;
        const tol = scale * ((normQ[i] as number) + (normP[j] as number));
        if (approx <= rad - tol) hit = true;
        else if (approx <= rad + tol && exactSq(Q, i, P, j, d) <= rad) hit = true;
      }
      if (hit) inside++;
    }
  });
  return inside / nq;
}

/** k-th smallest (0-based) of a[0..n) by quickselect; reorders a. */
function quickSelect(a: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  while (hi > lo) {
    const pivot = a[(lo + hi) >> 1] as number;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((a[i] as number) < pivot) i++;
      while ((a[j] as number) > pivot) j--;
      if (i <= j) {
        const t = a[i] as number;
        a[i] = a[j] as number;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k] as number;
  }
  return a[k] as number;
}

/**
 * Improved precision and recall (Kynkäänniemi et al. 2019, eqs. 1–3): each set's manifold is the
 * union of balls around its points with radius the distance to the point's k-th nearest neighbour
 * within the set; precision is the fraction of fake points inside the real manifold, recall the
 * fraction of real points inside the fake one (`≤` radius counts as inside). Radii and inside
 * tests are exact: distances come from a blocked product and every comparison its rounding bound
 * cannot settle is recomputed directly as Σ(x − y)².
 *
 * @example
 * const { precision, recall } = precisionRecall(realFeatures, fakeFeatures, { k: 3 });
 */
export function precisionRecall(real: FeatureInput, fake: FeatureInput, options: PrecisionRecallOptions = {}): PrecisionRecallResult {
  checkOptions("options", options, ["k"]);
  const r = readFeatures("real", real, { minRows: 2 });
  const f = readFeatures("fake", fake, { minRows: 2 });
  checkSameDim("real", r.dim, "fake", f.dim);
  const extractor = commonExtractor("real", r.extractor, "fake", f.extractor);
  const k = checkInteger("k", options.k ?? 3, { min: 1 });
  if (k >= r.n) throw new InvalidArgumentError("k", `expected k smaller than the number of real samples (${r.n}), got ${k}`);
  if (k >= f.n) throw new InvalidArgumentError("k", `expected k smaller than the number of fake samples (${f.n}), got ${k}`);
  const d = r.dim;
  const realRadii = kthNeighbourRadii(r.data, r.n, d, k);
  const fakeRadii = kthNeighbourRadii(f.data, f.n, d, k);
  const precision = coverage(f.data, f.n, r.data, r.n, realRadii, d);
  const recall = coverage(r.data, r.n, f.data, f.n, fakeRadii, d);
  return { precision, recall, k, samples: [r.n, f.n], dim: d, extractor };
}
