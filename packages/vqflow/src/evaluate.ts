/**
 * Sample-quality statistics (host float64): the kernel two-sample MMD and per-axis KS statistics,
 * for checking that samples and held-out data agree.
 */
import * as tf from "@tensorflow/tfjs";
import { InvalidArgumentError, ShapeMismatchError, checkNumber, checkOptions, toMatrix, type Matrix, type RowMajor } from "@atlas/core";

/** Most points {@link mmd} takes in all (its cost is quadratic: 4·10⁸ kernel evaluations at the limit). */
export const MMD_MAX_POINTS = 20_000;

/** Host point sets: row-major `{ data, dim }` (e.g. core's synthetic sets) or nested arrays. */
export type PointSet = RowMajor | readonly (readonly number[])[];

function points(name: string, input: unknown): Matrix {
  if (input instanceof tf.Tensor) throw new InvalidArgumentError(name, "expected host rows ({ data, dim } or number[][]); read a tensor first with await t.data()");
  return toMatrix(name, input as PointSet, { minRows: 2 });
}

function sqDist(a: Float64Array, i: number, b: Float64Array, j: number, dim: number): number {
  let s = 0;
  for (let k = 0; k < dim; k++) {
    const t = (a[i * dim + k] as number) - (b[j * dim + k] as number);
    s += t * t;
  }
  return s;
}

/** Result of {@link mmd}. */
export interface MmdResult {
  /** Unbiased estimate of MMD² with a Gaussian kernel (may be slightly negative when the sets agree). */
  mmd2: number;
  /** The kernel bandwidth σ used: k(x, y) = exp(−‖x − y‖²/(2σ²)). */
  bandwidth: number;
}

/**
 * The unbiased kernel two-sample statistic MMD² (Gretton et al. 2012) between point sets `a` and
 * `b` with a Gaussian kernel; σ defaults to the median pairwise distance of the pooled points (the
 * median heuristic, from at most 1000 of them). O((n + m)²·dim).
 *
 * @example
 * const { mmd2 } = mmd(samples, heldOut); // samples: { data, dim }
 */
export function mmd(a: PointSet, b: PointSet, options: { bandwidth?: number } = {}): MmdResult {
  const o = checkOptions("options", options, ["bandwidth"]);
  const A = points("a", a);
  const B = points("b", b);
  if (A.dim !== B.dim) throw new ShapeMismatchError("b", `expected rows of dimension ${A.dim} like a, got ${B.dim}`);
  if (A.n + B.n > MMD_MAX_POINTS) throw new InvalidArgumentError("b", `mmd takes at most ${MMD_MAX_POINTS} points in all (quadratic cost), got ${A.n} + ${B.n}; subsample them`);
  const dim = A.dim;
  let sigma: number;
  if (o.bandwidth !== undefined) sigma = checkNumber("options.bandwidth", o.bandwidth, { above: 0 });
  else {
    const pool: [Float64Array, number][] = [];
    const take = (m: Matrix, count: number): void => {
      for (let i = 0; i < count; i++) pool.push([m.data, Math.floor((i * m.n) / count)]);
    };
    take(A, Math.min(A.n, 500));
    take(B, Math.min(B.n, 500));
    const d: number[] = [];
    for (let i = 0; i < pool.length; i++) for (let j = i + 1; j < pool.length; j++) d.push(Math.sqrt(sqDist(pool[i]![0], pool[i]![1], pool[j]![0], pool[j]![1], dim)));
    d.sort((x, y) => x - y);
    sigma = d[Math.floor(d.length / 2)] ?? 1;
    if (!(sigma > 0)) sigma = 1;
  }
  const g = 1 / (2 * sigma * sigma);
  const within = (m: Matrix): number => {
    let s = 0;
    for (let i = 0; i < m.n; i++) for (let j = i + 1; j < m.n; j++) s += Math.exp(-g * sqDist(m.data, i, m.data, j, dim));
    return (2 * s) / (m.n * (m.n - 1));
  };
  let cross = 0;
  for (let i = 0; i < A.n; i++) for (let j = 0; j < B.n; j++) cross += Math.exp(-g * sqDist(A.data, i, B.data, j, dim));
  return { mmd2: within(A) + within(B) - (2 * cross) / (A.n * B.n), bandwidth: sigma };
}

/**
 * Two-sample Kolmogorov–Smirnov statistics, one per axis: sup_t |F_a(t) − F_b(t)| of the
 * coordinate's empirical distribution functions.
 *
 * @example
 * const ks = ksStatistics(samples, heldOut); // Float64Array(dim)
 */
export function ksStatistics(a: PointSet, b: PointSet): Float64Array {
  const A = points("a", a);
  const B = points("b", b);
  if (A.dim !== B.dim) throw new ShapeMismatchError("b", `expected rows of dimension ${A.dim} like a, got ${B.dim}`);
  const out = new Float64Array(A.dim);
  for (let k = 0; k < A.dim; k++) {
    const x = Float64Array.from({ length: A.n }, (_, i) => A.data[i * A.dim + k] as number).sort();
    const y = Float64Array.from({ length: B.n }, (_, i) => B.data[i * B.dim + k] as number).sort();
    let i = 0;
    let j = 0;
    let sup = 0;
    while (i < x.length && j < y.length) {
      const t = Math.min(x[i] as number, y[j] as number);
      while (i < x.length && (x[i] as number) <= t) i++;
      while (j < y.length && (y[j] as number) <= t) j++;
      sup = Math.max(sup, Math.abs(i / x.length - j / y.length));
    }
    out[k] = sup;
  }
  return out;
}

