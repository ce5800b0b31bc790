import { ShapeMismatchError, checkBoolean, checkInteger, checkNumber, checkOneOf, checkOptions, cpuCount, readMatrix, type MatrixInput } from "@atlas/core";
import { blockGreedy } from "./blocks.js";
import { oneDimensional } from "./one-dimensional.js";
import { scan } from "./scan.js";
import { givenOrder, sortByNorm } from "./sort.js";
import { treeGreedy } from "./tree.js";

/** How {@link gtnLabels} computes Algorithm 1. */
export type GtnLabelMethod = "scan" | "fast";

/** Options for {@link gtnLabels}. */
export interface GtnLabelOptions {
  /** `'fast'` (default): same output as `'scan'`, computed much faster. `'scan'`: the reference greedy scan. */
  method?: GtnLabelMethod;
  /**
   * Advanced, for tests and benchmarks: which exact scheme `'fast'` uses. `'auto'` (default) picks
   * the direction tree for d ≤ 8 and blocked products above; `'tree'`/`'blocks'` force one.
   * All give the same assignment.
   */
  strategy?: "auto" | "tree" | "blocks";
  /**
   * Advanced: the matrix product used by the `'blocks'` strategy. `'int16'`: exact integer dot
   * products of the unit vectors quantised to int16 (a generated WebAssembly SIMD kernel with the
   * candidate threshold test fused in), used as a filter with a proven error bound, every possible
   * winner re-checked in float64. `'float64'`: our typed-array GEMM with the scan's exact summation
   * order. `'tfjs'`: float32 `tf.matMul` on the active backend as a filter with a proven error bound.
   * `'auto'` (default) takes `'int16'` where WebAssembly SIMD is available, else `'tfjs'` on an
   * accelerated backend (wasm, tensorflow, webgl, webgpu), else `'float64'`; `'int16'` without
   * WebAssembly SIMD falls back the same way. All give the same assignment.
   */
  gemm?: "auto" | "int16" | "float64" | "tfjs";
  /**
   * Advanced: threads for the int16 product of the `'blocks'` strategy: the calling thread plus
   * `threads − 1` worker threads over a shared WebAssembly memory (core's `wasmThreadPool`). Default
   * 2 on a machine with at least two cores, else 1; 1 keeps everything on the calling thread. Where
   * worker threads or shared memories are missing it runs on the calling thread. Any value gives
   * the same assignment (each thread scores its own columns; the results are read in column order).
   */
  threads?: number;
  /** Advanced: rows of `y` per block in the `'blocks'` strategy (default 256). */
  blockSize?: number;
  /**
   * Advanced: candidates L kept per `y` in the `'blocks'` strategy (default 16). A `y` whose L best
   * were all taken by earlier `y`s of its block is refilled by an exact scan of the remaining `x`;
   * L ≥ blockSize makes that impossible.
   */
  candidates?: number;
  /**
   * Tie tolerance ε ≥ 0 on the cosine similarity (default 0: the paper's Algorithm 1 literally).
   * With ε > 0, every remaining `x` whose cosine with `y` is ≥ (best cosine − ε) counts as tied
   * with the best, and the tie goes to the one of smallest norm (earliest in sorted order). This is
   * the paper's stated intent ("ties in cosine-similarity are broken by distance from the origin",
   * section Learning and Appendix B): along each direction the labelling becomes 1-D quantile
   * matching of the norms. Exact float64 cosines almost never tie in d ≥ 2, so ε = 0 matches
   * directions precisely and radii almost at random. Both methods and every strategy give the
   * same assignment for every ε.
   */
  cosineTolerance?: number;
  /**
   * Sort both sets by norm first (default true, Algorithm 1). `false` is the ablation of the
   * paper's Figure 11 ("the same algorithm with sorting removed"): `y` is walked in its given order
   * and ties go to the `x` given first. Every method and strategy gives the same assignment either way.
   */
  sortByNorm?: boolean;
}

const LABEL_KEYS = ["method", "strategy", "gemm", "threads", "blockSize", "candidates", "cosineTolerance", "sortByNorm"] as const;

/**
 * GTN labelling (paper Algorithm 1): `assign[i]` is the index in `x` of the label of `y[i]`.
 *
 * Both sets are sorted ascending by L2 norm (stable: equal norms keep their original order); `y` is
 * walked in that order and each `y` takes the remaining `x` of largest cosine similarity, which is
 * then removed. Exact ties go to the `x` of smaller norm (earlier in sorted order). Cosines are dot
 * products of unit vectors `v / ‖v‖` in float64 with no epsilon, so in 1-D every same-sign pair has
 * cosine exactly 1; a zero vector has cosine 0 with everything. `'fast'` returns exactly the
 * assignment of `'scan'` (the straightforward O(n²d) greedy), see the README for why.
 *
 * Asynchronous: a tensor input is read with `await data()` (it may live on a GPU), and the
 * `'tfjs'` product of the blocks strategy reads its scores the same way.
 *
 * @param x - the data (latents), n rows of dimension d (rows, `{ data, dim }` or a `tf.Tensor2D`).
 * @param y - the same number of samples from N(0, I), same dimension.
 * @returns an `Int32Array` of length n, a permutation of 0..n-1.
 * @example
 * const assign = await gtnLabels([[1, 0], [0, 2]], [[0, 1], [3, 0]]);
 * // assign = Int32Array [1, 0]: y[0] is labelled x[1], y[1] is labelled x[0]
 */
export async function gtnLabels(x: MatrixInput, y: MatrixInput, options: GtnLabelOptions = {}): Promise<Int32Array> {
  checkOptions("options", options, LABEL_KEYS);
  const method = checkOneOf("options.method", options.method ?? "fast", ["scan", "fast"] as const);
  const strategy = checkOneOf("options.strategy", options.strategy ?? "auto", ["auto", "tree", "blocks"] as const);
  const gemm = checkOneOf("options.gemm", options.gemm ?? "auto", ["auto", "int16", "float64", "tfjs"] as const);
  const blockSize = checkInteger("options.blockSize", options.blockSize ?? 256, { min: 1 });
  const candidates = checkInteger("options.candidates", options.candidates ?? 16, { min: 1 });
  const eps = checkNumber("options.cosineTolerance", options.cosineTolerance ?? 0, { min: 0 });
  const threads = options.threads === undefined ? undefined : checkInteger("options.threads", options.threads, { min: 1, max: 16 });
  const sorted = options.sortByNorm === undefined ? true : checkBoolean("options.sortByNorm", options.sortByNorm);
  const X = await readMatrix("x", x);
  const Y = await readMatrix("y", y);
  if (X.dim !== Y.dim) throw new ShapeMismatchError("y", `expected rows of dimension ${X.dim} like x, got ${Y.dim}`);
  if (X.n !== Y.n) throw new ShapeMismatchError("y", `expected as many rows as x (${X.n}), got ${Y.n}`);
  const n = X.n;
  const d = X.dim;
  const arrange = sorted ? sortByNorm : givenOrder;
  const sx = arrange(X.data, n, d);
  const sy = arrange(Y.data, n, d);
  let labelP: Int32Array; // labelP[q] = sorted position of the x taken by the q-th y
  if (method === "scan") labelP = scan(sx.unit, sy.unit, n, d, eps);
  else if (d === 1) labelP = oneDimensional(sx.unit, sy.unit, n, eps);
  else if (strategy === "tree" || (strategy === "auto" && d <= 8)) labelP = treeGreedy(sx.unit, sy.unit, n, d, eps);
  else {
    labelP = await blockGreedy(sx.unit, sy.unit, n, d, blockSize, Math.min(candidates, n), gemm, eps, threads ?? defaultThreads());
  }
  const assign = new Int32Array(n);
  for (let q = 0; q < n; q++) assign[sy.order[q] as number] = sx.order[labelP[q] as number] as number;
  return assign;
}

/** Two threads where the machine has at least two cores (and worker threads exist), else one. */
function defaultThreads(): number {
  return Math.min(2, cpuCount());
}
