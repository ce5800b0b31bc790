import * as tf from "@tensorflow/tfjs";
import { ShapeMismatchError, checkInteger, checkNumber, checkOneOf, toMatrix, type MatrixInput } from "@atlas/core";
import { Int16Dots } from "./int16-kernel.js";

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
}

/** Points sorted ascending by norm (stable: ties by original index) and their unit vectors. */
interface Sorted {
  /** order[p] = original index of the p-th smallest norm. */
  readonly order: Int32Array;
  /** Unit vectors in sorted order, row-major [n, d]; a zero vector stays zero. */
  readonly unit: Float64Array;
}

/**
 * Euclidean norm computed with scaling by the largest magnitude (no overflow or underflow), so that
 * in 1-D it is exactly |v| and v / ‖v‖ is exactly ±1.
 */
function rowNorm(data: Float64Array, offset: number, d: number): number {
  let scale = 0;
  for (let k = 0; k < d; k++) {
    const a = Math.abs(data[offset + k] as number);
    if (a > scale) scale = a;
  }
  if (scale === 0) return 0;
  let s = 0;
  for (let k = 0; k < d; k++) {
    const v = (data[offset + k] as number) / scale;
    s += v * v;
  }
  return scale * Math.sqrt(s);
}

function sortByNorm(data: Float64Array, n: number, d: number): Sorted {
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) norms[i] = rowNorm(data, i * d, d);
  // stable order by norm: sort the norms natively (no comparator), then place each index at the
  // first sorted position of its norm plus the count of earlier indices with the same norm
  const sorted = norms.slice().sort();
  const order = new Int32Array(n);
  const fill = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = norms[i] as number;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((sorted[mid] as number) < v) lo = mid + 1;
      else hi = mid;
    }
    order[lo + (fill[lo] as number)] = i;
    fill[lo] = (fill[lo] as number) + 1;
  }
  const unit = new Float64Array(n * d);
  for (let p = 0; p < n; p++) {
    const i = order[p] as number;
    const norm = norms[i] as number;
    if (norm === 0) continue; // zero vector: unit vector 0, cosine 0 with everything
    for (let k = 0; k < d; k++) unit[p * d + k] = (data[i * d + k] as number) / norm;
  }
  return { order, unit };
}

/** The cosine of two unit rows: a plain left-to-right sum, the one summation order every path uses. */
function dot(a: Float64Array, ao: number, b: Float64Array, bo: number, d: number): number {
  let s = 0;
  for (let k = 0; k < d; k++) s += (a[ao + k] as number) * (b[bo + k] as number);
  return s;
}

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
 * @param x - the data (latents), n rows of dimension d.
 * @param y - the same number of samples from N(0, I), same dimension.
 * @returns an `Int32Array` of length n, a permutation of 0..n-1.
 * @example
 * const assign = gtnLabels([[1, 0], [0, 2]], [[0, 1], [3, 0]]);
 * // assign = Int32Array [1, 0]: y[0] is labelled x[1], y[1] is labelled x[0]
 */
export function gtnLabels(x: MatrixInput, y: MatrixInput, options: GtnLabelOptions = {}): Int32Array {
  const method = checkOneOf("options.method", options.method ?? "fast", ["scan", "fast"] as const);
  const strategy = checkOneOf("options.strategy", options.strategy ?? "auto", ["auto", "tree", "blocks"] as const);
  const gemm = checkOneOf("options.gemm", options.gemm ?? "auto", ["auto", "int16", "float64", "tfjs"] as const);
  const blockSize = checkInteger("options.blockSize", options.blockSize ?? 256, { min: 1 });
  const candidates = checkInteger("options.candidates", options.candidates ?? 16, { min: 1 });
  const eps = checkNumber("options.cosineTolerance", options.cosineTolerance ?? 0, { min: 0 });
  const threads = options.threads === undefined ? undefined : checkInteger("options.threads", options.threads, { min: 1, max: 16 });
  const X = toMatrix("x", x);
  const Y = toMatrix("y", y);
  if (X.dim !== Y.dim) throw new ShapeMismatchError("y", `expected rows of dimension ${X.dim} like x, got ${Y.dim}`);
  if (X.n !== Y.n) throw new ShapeMismatchError("y", `expected as many rows as x (${X.n}), got ${Y.n}`);
  const n = X.n;
  const d = X.dim;
  const sx = sortByNorm(X.data, n, d);
  const sy = sortByNorm(Y.data, n, d);
  let labelP: Int32Array; // labelP[q] = sorted position of the x taken by the q-th y
  if (method === "scan") labelP = scan(sx.unit, sy.unit, n, d, eps);
  else if (d === 1) labelP = oneDimensional(sx.unit, sy.unit, n, eps);
  else if (strategy === "tree" || (strategy === "auto" && d <= 8)) labelP = treeGreedy(sx.unit, sy.unit, n, d, eps);
  else {
    labelP = blockGreedy(sx.unit, sy.unit, n, d, blockSize, Math.min(candidates, n), gemm, eps, threads ?? defaultThreads());
  }
  const assign = new Int32Array(n);
  for (let q = 0; q < n; q++) assign[sy.order[q] as number] = sx.order[labelP[q] as number] as number;
  return assign;
}

/** Two threads where the machine has at least two cores (and worker threads exist), else one. */
function defaultThreads(): number {
  try {
    const p = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
    const os = p?.getBuiltinModule?.("node:os") as { availableParallelism?: () => number; cpus: () => unknown[] } | undefined;
    if (!os) return 1;
    return Math.min(2, os.availableParallelism ? os.availableParallelism() : os.cpus().length);
  } catch {
    return 1;
  }
}

function acceleratedBackend(): boolean {
  const name = tf.getBackend();
  return name === "wasm" || name === "tensorflow" || name === "webgl" || name === "webgpu";
}

/**
 * The reference: for each y in sorted order, a scan over the remaining x (ascending sorted position).
 * With a tolerance ε > 0, a second pass takes the first remaining x (smallest sorted position) whose
 * cosine is ≥ best − ε (float64 `best - eps`, the one threshold every strategy uses).
 */
function scan(ux: Float64Array, uy: Float64Array, n: number, d: number, eps: number): Int32Array {
  const remaining = Int32Array.from({ length: n }, (_, p) => p);
  let count = n;
  const labelP = new Int32Array(n);
  for (let q = 0; q < n; q++) {
    let best = -Infinity;
    let bestJ = -1;
    for (let j = 0; j < count; j++) {
      const c = dot(uy, q * d, ux, (remaining[j] as number) * d, d);
      if (c > best) {
        best = c;
        bestJ = j; // strict >: an equal cosine later in the (ascending) list never wins
      }
    }
    if (eps > 0) {
      const t = best - eps;
      for (let j = 0; j < bestJ; j++) {
        if (dot(uy, q * d, ux, (remaining[j] as number) * d, d) >= t) {
          bestJ = j;
          break;
        }
      }
    }
    labelP[q] = remaining[bestJ] as number;
    remaining.copyWithin(bestJ, bestJ + 1, count);
    count--;
  }
  return labelP;
}

/**
 * d = 1: unit values are exactly -1, 0 or +1, so cosines are exactly ±1 or 0 and the greedy
 * reduces to three queues (positive, zero, negative x, each in sorted order). A y of sign s has
 * cosine s·v with the queue of sign v (0 for a zero y); the best is the largest cosine of a
 * non-empty queue, every queue whose cosine is ≥ best − ε is tied, and the smallest head among the
 * tied queues wins. With ε < 1 (and ε = 0 in particular): a positive y takes the smallest remaining
 * positive x, else the smallest zero x, else the smallest negative x; a zero y the smallest of all.
 */
function oneDimensional(ux: Float64Array, uy: Float64Array, n: number, eps: number): Int32Array {
  const queues: number[][] = [[], [], []]; // x of sign +1, 0, -1
  const signOf = [1, 0, -1] as const;
  for (let p = 0; p < n; p++) {
    const v = ux[p] as number;
    (queues[v > 0 ? 0 : v < 0 ? 2 : 1] as number[]).push(p);
  }
  const taken = new Uint8Array(n);
  const heads = new Int32Array(3);
  const head = (k: number): number => {
    const list = queues[k] as number[];
    let h = heads[k] as number;
    while (h < list.length && taken[list[h] as number]) h++;
    heads[k] = h;
    return h < list.length ? (list[h] as number) : -1;
  };
  const labelP = new Int32Array(n);
  const cos = new Float64Array(3);
  const first = new Int32Array(3);
  for (let q = 0; q < n; q++) {
    const s = uy[q] as number; // exactly -1, 0 or 1
    let best = -Infinity;
    for (let k = 0; k < 3; k++) {
      first[k] = head(k);
      cos[k] = s * (signOf[k] as number) + 0; // + 0: no negative zero
      if ((first[k] as number) >= 0 && (cos[k] as number) > best) best = cos[k] as number;
    }
    const t = best - eps;
    let p = -1;
    for (let k = 0; k < 3; k++) {
      const h = first[k] as number;
      if (h >= 0 && (cos[k] as number) >= t && (p < 0 || h < p)) p = h;
    }
    taken[p] = 1;
    labelP[q] = p;
  }
  return labelP;
}

// ---------------------------------------------------------------------------------------------
// Low dimension: exact branch and bound over a k-d tree of the unit x.
// ---------------------------------------------------------------------------------------------

/**
 * Each node of the tree is bounded by a cone: a unit centre c and the largest angle θ between c and
 * a member. For a unit u at angle α from c, no member's cosine with u exceeds cos(max(0, α − θ)) =
 * cos α cos θ + sin α sin θ (α > θ), else 1. The computed dot of a member can exceed the real value
 * by rounding (< d·2⁻⁵² for unit vectors), and the bound itself is rounded, so a node is skipped
 * only when its bound plus this slack is strictly below the best cosine so far: then no member can
 * beat or tie it. A zero x (cosine 0) lies in a cone of θ ≥ 90°, whose bound is ≥ 0.
 */
const TREE_SLACK = 1e-9;
/** Bădoiu–Clarkson steps per node towards the smallest enclosing cone. */
const CONE_STEPS = 4;
const LEAF = 16;

class DirectionTree {
  private centre!: Float64Array;
  private cosT!: Float64Array;
  private sinT!: Float64Array;
  private start!: Int32Array;
  private end!: Int32Array;
  private left!: Int32Array;
  private parent!: Int32Array;
  private count!: Int32Array;
  private perm!: Int32Array;
  /** The remaining unit x in tree order (row i is x at sorted position perm[i]): leaves are contiguous. */
  private xs!: Float64Array;
  private leafOf: Int32Array;
  private readonly trial: Float64Array;
  /** Smallest sorted position of a remaining member per node (n when none); kept only with ε > 0. */
  private minPos!: Int32Array;
  private nodes = 0;
  builtSize = 0;
  remaining: number;
  /** The best cosine found by the last {@link DirectionTree.query}. */
  lastBest = -Infinity;

  constructor(
    private readonly ux: Float64Array,
    private readonly d: number,
    private readonly taken: Uint8Array,
    n: number,
    private readonly trackMinPos = false,
  ) {
    this.leafOf = new Int32Array(n);
    this.trial = new Float64Array(d);
    this.remaining = n;
    this.build();
  }

  /** (Re)build over the x not yet taken. */
  build(): void {
    const { ux, d, taken } = this;
    const ids: number[] = [];
    for (let p = 0; p < taken.length; p++) if (!taken[p]) ids.push(p);
    const m = ids.length;
    this.perm = Int32Array.from(ids);
    const xs = new Float64Array(m * d);
    for (let i = 0; i < m; i++) {
      const p = ids[i] as number;
      for (let k = 0; k < d; k++) xs[i * d + k] = ux[p * d + k] as number;
    }
    this.xs = xs;
    const maxNodes = 2 * Math.ceil(m / LEAF) * 2 + 4;
    this.centre = new Float64Array(maxNodes * d);
    this.cosT = new Float64Array(maxNodes);
    this.sinT = new Float64Array(maxNodes);
    this.start = new Int32Array(maxNodes);
    this.end = new Int32Array(maxNodes);
    this.left = new Int32Array(maxNodes).fill(-1);
    this.parent = new Int32Array(maxNodes).fill(-1);
    this.count = new Int32Array(maxNodes);
    this.nodes = 0;
    this.builtSize = m;
    const perm = this.perm;
    const key = new Float64Array(m);
    const mean = new Float64Array(d);
    const vBuf = new Float64Array(d);
    const wBuf = new Float64Array(d);
    const stack: number[] = [this.newNode(0, m, -1)];
    while (stack.length > 0) {
      const node = stack.pop() as number;
      const s = this.start[node] as number;
      const e = this.end[node] as number;
      let widest = 0;
      let width = -1;
      const co = node * d;
      for (let k = 0; k < d; k++) {
        let lo = Infinity;
        let hi = -Infinity;
        let sum = 0;
        for (let i = s; i < e; i++) {
          const v = xs[i * d + k] as number;
          sum += v;
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
        this.centre[co + k] = sum;
        if (hi - lo > width) {
          width = hi - lo;
          widest = k;
        }
      }
      this.setCone(node, s, e);
      if (e - s <= LEAF || width <= 0) {
        for (let i = s; i < e; i++) this.leafOf[perm[i] as number] = node;
        continue;
      }
      // split at the median along the principal direction of the node's points (a few power
      // iterations from the widest axis, on at most ~256 evenly spaced members): rounder cells,
      // tighter cones than axis-aligned splits
      const stride = Math.max(1, Math.floor((e - s) / 256));
      mean.fill(0);
      let used = 0;
      for (let i = s; i < e; i += stride, used++) for (let k = 0; k < d; k++) mean[k] = (mean[k] as number) + (xs[i * d + k] as number);
      for (let k = 0; k < d; k++) mean[k] = (mean[k] as number) / used;
      let v = vBuf;
      v.fill(0);
      v[widest] = 1;
      for (let iter = 0; iter < 3; iter++) {
        const w = v === vBuf ? wBuf : vBuf;
        w.fill(0);
        for (let i = s; i < e; i += stride) {
          const o = i * d;
          let proj = 0;
          for (let k = 0; k < d; k++) proj += ((xs[o + k] as number) - (mean[k] as number)) * (v[k] as number);
          for (let k = 0; k < d; k++) w[k] = (w[k] as number) + proj * ((xs[o + k] as number) - (mean[k] as number));
        }
        let norm = 0;
        for (let k = 0; k < d; k++) norm += (w[k] as number) ** 2;
        if (!(norm > 0)) break;
        norm = Math.sqrt(norm);
        for (let k = 0; k < d; k++) w[k] = (w[k] as number) / norm;
        v = w;
      }
      for (let i = s; i < e; i++) {
        let proj = 0;
        for (let k = 0; k < d; k++) proj += (xs[i * d + k] as number) * (v[k] as number);
        key[i] = proj;
      }
      const mid = (s + e) >> 1;
      this.select(key, s, e, mid);
      const l = this.newNode(s, mid, node);
      this.newNode(mid, e, node);
      this.left[node] = l;
      stack.push(l, l + 1);
    }
    if (this.trackMinPos) {
      // children have larger ids than their parent: fill from the last node back
      this.minPos = new Int32Array(this.nodes);
      for (let node = this.nodes - 1; node >= 0; node--) {
        const l = this.left[node] as number;
        if (l < 0) this.minPos[node] = this.leafMin(node);
        else this.minPos[node] = Math.min(this.minPos[l] as number, this.minPos[l + 1] as number);
      }
    }
  }

  /** Quickselect: rows [s, e) reordered (keys, perm and xs together) so that key[mid] has its sorted rank. */
  private select(key: Float64Array, s: number, e: number, mid: number): void {
    const { perm, xs, d } = this;
    const swap = (a: number, b: number): void => {
      const kv = key[a] as number;
      key[a] = key[b] as number;
      key[b] = kv;
      const pv = perm[a] as number;
      perm[a] = perm[b] as number;
      perm[b] = pv;
      const ao = a * d;
      const bo = b * d;
      for (let k = 0; k < d; k++) {
        const t = xs[ao + k] as number;
        xs[ao + k] = xs[bo + k] as number;
        xs[bo + k] = t;
      }
    };
    let lo = s;
    let hi = e; // exclusive
    while (hi - lo > 1) {
      // three-way partition around the median of three (equal keys cannot make it quadratic)
      const a = key[lo] as number;
      const b = key[(lo + hi) >> 1] as number;
      const c = key[hi - 1] as number;
      const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
      let lt = lo; // [lo, lt) < pivot
      let i = lo; // [lt, i) == pivot
      let gt = hi; // [gt, hi) > pivot
      while (i < gt) {
        const v = key[i] as number;
        if (v < pivot) swap(lt++, i++);
        else if (v > pivot) swap(i, --gt);
        else i++;
      }
      if (mid < lt) hi = lt;
      else if (mid >= gt) lo = gt;
      else return;
    }
  }

  private leafMin(node: number): number {
    const { perm, taken } = this;
    let m = taken.length;
    const e = this.end[node] as number;
    for (let i = this.start[node] as number; i < e; i++) {
      const p = perm[i] as number;
      if (!taken[p] && p < m) m = p;
    }
    return m;
  }

  /** Normalise the summed centre (any member's direction if it vanishes) and find the cone angle. */
  private setCone(node: number, s: number, e: number): void {
    const { xs, d, centre } = this;
    const co = node * d;
    let norm = 0;
    for (let k = 0; k < d; k++) norm += (centre[co + k] as number) ** 2;
    norm = Math.sqrt(norm);
    if (norm > 1e-6) for (let k = 0; k < d; k++) centre[co + k] = (centre[co + k] as number) / norm;
    else {
      centre.fill(0, co, co + d);
      centre[co] = 1;
    }
    // the cone angle: the largest angle between the centre and a member; then a few Bădoiu–Clarkson
    // steps (move the centre towards the farthest member) shrink it towards the smallest cone
    let minCos = 1;
    let far = s;
    for (let i = s; i < e; i++) {
      const c = dot(centre, co, xs, i * d, d);
      if (c < minCos) {
        minCos = c;
        far = i;
      }
    }
    if (minCos > 0 && e - s > 1) {
      const trial = this.trial;
      for (let step = 1; step <= CONE_STEPS; step++) {
        const f = 1 / (step + 1);
        let nrm = 0;
        for (let k = 0; k < d; k++) {
          const v = (centre[co + k] as number) + f * ((xs[far * d + k] as number) - (centre[co + k] as number));
          trial[k] = v;
          nrm += v * v;
        }
        nrm = Math.sqrt(nrm);
        if (!(nrm > 1e-6)) break;
        for (let k = 0; k < d; k++) trial[k] = (trial[k] as number) / nrm;
        let tMin = 1;
        let tFar = s;
        for (let i = s; i < e; i++) {
          const c = dot(trial, 0, xs, i * d, d);
          if (c < tMin) {
            tMin = c;
            tFar = i;
          }
        }
        if (tMin <= minCos) break;
        for (let k = 0; k < d; k++) centre[co + k] = trial[k] as number;
        minCos = tMin;
        far = tFar;
      }
    }
    minCos = Math.max(-1, minCos - 1e-12);
    this.cosT[node] = minCos;
    this.sinT[node] = Math.sqrt(Math.max(0, 1 - minCos * minCos));
  }

  private newNode(s: number, e: number, parent: number): number {
    const id = this.nodes++;
    this.start[id] = s;
    this.end[id] = e;
    this.count[id] = e - s;
    this.parent[id] = parent;
    return id;
  }

  remove(p: number): void {
    this.taken[p] = 1;
    this.remaining--;
    const leaf = this.leafOf[p] as number;
    for (let node = leaf; node >= 0; node = this.parent[node] as number) this.count[node] = (this.count[node] as number) - 1;
    if (this.trackMinPos && this.minPos[leaf] === p) {
      const minPos = this.minPos;
      minPos[leaf] = this.leafMin(leaf);
      for (let node = this.parent[leaf] as number; node >= 0; node = this.parent[node] as number) {
        const l = this.left[node] as number;
        const m = Math.min(minPos[l] as number, minPos[l + 1] as number);
        if (m === minPos[node]) break;
        minPos[node] = m;
      }
    }
  }

  /**
   * The tolerance step: the remaining x of smallest sorted position whose cosine with uy[yo..] is
   * ≥ t (t = best − ε; `bestP`, the query's winner, qualifies). Best-first by each node's smallest
   * remaining position; a node is skipped when that position is not below the current answer or
   * when its cone bound (with the rounding slack) is below t, so no member could qualify.
   */
  tieSearch(uy: Float64Array, yo: number, t: number, bestP: number, heapNodes: Int32Array, heapKeys: Float64Array): number {
    const { xs, d, taken, perm, minPos } = this;
    let answer = bestP;
    let size = 1;
    heapNodes[0] = 0;
    heapKeys[0] = minPos[0] as number;
    while (size > 0) {
      const node = heapNodes[0] as number;
      if ((heapKeys[0] as number) >= answer) break;
      size--;
      if (size > 0) {
        const lastN = heapNodes[size] as number;
        const lastK = heapKeys[size] as number;
        let i = 0;
        for (;;) {
          const l = 2 * i + 1;
          if (l >= size) break;
          const r = l + 1;
          const c = r < size && (heapKeys[r] as number) < (heapKeys[l] as number) ? r : l;
          if ((heapKeys[c] as number) >= lastK) break;
          heapNodes[i] = heapNodes[c] as number;
          heapKeys[i] = heapKeys[c] as number;
          i = c;
        }
        heapNodes[i] = lastN;
        heapKeys[i] = lastK;
      }
      const l = this.left[node] as number;
      if (l < 0) {
        const e = this.end[node] as number;
        for (let i = this.start[node] as number; i < e; i++) {
          const p = perm[i] as number;
          if (taken[p] || p >= answer) continue;
          if (dot(uy, yo, xs, i * d, d) >= t) answer = p;
        }
        continue;
      }
      for (let child = l; child <= l + 1; child++) {
        const key = minPos[child] as number;
        if (key >= answer || this.bound(uy, yo, child) < t) continue;
        let i = size++;
        while (i > 0) {
          const parent = (i - 1) >> 1;
          if ((heapKeys[parent] as number) <= key) break;
          heapNodes[i] = heapNodes[parent] as number;
          heapKeys[i] = heapKeys[parent] as number;
          i = parent;
        }
        heapNodes[i] = child;
        heapKeys[i] = key;
      }
    }
    return answer;
  }

  private bound(uy: Float64Array, yo: number, node: number): number {
    const cosA = dot(uy, yo, this.centre, node * this.d, this.d);
    const cosT = this.cosT[node] as number;
    if (cosA >= cosT) return 1 + TREE_SLACK;
    const sinA = Math.sqrt(Math.max(0, 1 - cosA * cosA));
    return cosA * cosT + sinA * (this.sinT[node] as number) + TREE_SLACK;
  }

  /**
   * The remaining x of largest cosine with uy[yo..], ties to the smaller sorted position. Best-first:
   * nodes come off a max-heap by bound, and the search ends when the largest bound left is below
   * the best cosine found.
   */
  query(uy: Float64Array, yo: number, heapNodes: Int32Array, heapBounds: Float64Array): number {
    const { xs, d, taken, perm } = this;
    let best = -Infinity;
    let bestP = -1;
    let size = 1;
    heapNodes[0] = 0;
    heapBounds[0] = Infinity;
    while (size > 0) {
      const node = heapNodes[0] as number;
      if ((heapBounds[0] as number) < best) break;
      // pop the top
      size--;
      if (size > 0) {
        const lastN = heapNodes[size] as number;
        const lastB = heapBounds[size] as number;
        let i = 0;
        for (;;) {
          const l = 2 * i + 1;
          if (l >= size) break;
          const r = l + 1;
          const c = r < size && (heapBounds[r] as number) > (heapBounds[l] as number) ? r : l;
          if ((heapBounds[c] as number) <= lastB) break;
          heapNodes[i] = heapNodes[c] as number;
          heapBounds[i] = heapBounds[c] as number;
          i = c;
        }
        heapNodes[i] = lastN;
        heapBounds[i] = lastB;
      }
      // descend to a leaf through the child of larger bound, pushing the other one
      let at = node;
      for (;;) {
        const l = this.left[at] as number;
        if (l < 0) break;
        const bl = (this.count[l] as number) === 0 ? -Infinity : this.bound(uy, yo, l);
        const br = (this.count[l + 1] as number) === 0 ? -Infinity : this.bound(uy, yo, l + 1);
        const near = bl >= br ? l : l + 1;
        const far = bl >= br ? l + 1 : l;
        const bNear = bl >= br ? bl : br;
        const bFar = bl >= br ? br : bl;
        if (bFar >= best) {
          // push, sift up
          let i = size++;
          while (i > 0) {
            const parent = (i - 1) >> 1;
            if ((heapBounds[parent] as number) >= bFar) break;
            heapNodes[i] = heapNodes[parent] as number;
            heapBounds[i] = heapBounds[parent] as number;
            i = parent;
          }
          heapNodes[i] = far;
          heapBounds[i] = bFar;
        }
        if (bNear < best) {
          at = -1;
          break;
        }
        at = near;
      }
      if (at < 0) continue;
      const e = this.end[at] as number;
      for (let i = this.start[at] as number; i < e; i++) {
        const p = perm[i] as number;
        if (taken[p]) continue;
        const c = dot(uy, yo, xs, i * d, d);
        if (c > best || (c === best && p < bestP)) {
          best = c;
          bestP = p;
        }
      }
    }
    this.lastBest = best;
    return bestP;
  }
}

/**
 * Rebuild the tree over the remaining x once they are fewer than this fraction of those it was built
 * on: taken x leave loose cones behind, and a rebuild (three-way quickselect, ~n·d·depth) is cheap.
 */
const REBUILD_AT = 0.75;

function treeGreedy(ux: Float64Array, uy: Float64Array, n: number, d: number, eps: number): Int32Array {
  const taken = new Uint8Array(n);
  const tree = new DirectionTree(ux, d, taken, n, eps > 0);
  const heapNodes = new Int32Array(2 * n + 2);
  const heapBounds = new Float64Array(2 * n + 2);
  const labelP = new Int32Array(n);
  for (let q = 0; q < n; q++) {
    if (tree.remaining >= 64 && tree.remaining < tree.builtSize * REBUILD_AT) tree.build();
    let p = tree.query(uy, q * d, heapNodes, heapBounds);
    if (eps > 0) p = tree.tieSearch(uy, q * d, tree.lastBest - eps, p, heapNodes, heapBounds);
    labelP[q] = p;
    tree.remove(p);
  }
  return labelP;
}

// ---------------------------------------------------------------------------------------------
// Higher dimension: lazy blocks of y against the remaining x, per-y candidate lists.
// ---------------------------------------------------------------------------------------------

/** Scores a block of y rows against the remaining x and offers the scores to the candidate lists. */
interface Scorer {
  /** |computed score − float64 cosine| ≤ delta for every pair. */
  readonly delta: number;
  /** Rebuild the x chunks from the given sorted positions (ascending). */
  setRemaining(rem: Int32Array, count: number): void;
  /**
   * Offers the score of y row q0 + i against every remaining x not `taken` to `lists[i]` (i < rows),
   * as {@link collect32} does: a score may be left out only when it is below the list's threshold
   * `thr` at that moment (thresholds only rise), so each list keeps every x scoring ≥ its final vL − band.
   */
  collect(uy: Float64Array, q0: number, rows: number, lists: CandidateList[], taken: Uint8Array): void;
  /** Optional: x at sorted position p was just taken (scorers that keep their own record of it). */
  markTaken?(p: number): void;
  dispose(): void;
}

const CHUNK = 4096;

/** Exact float64 GEMM on typed arrays, 4×4 register tiles, each entry summed k = 0..d-1 like {@link dot}. */
class Float64Scorer implements Scorer {
  readonly delta = 0;
  private xs = new Float64Array(0);
  private cols = new Int32Array(0);
  private count = 0;
  private out: Float64Array;

  constructor(
    private readonly ux: Float64Array,
    private readonly d: number,
    blockSize: number,
  ) {
    this.out = new Float64Array(blockSize * CHUNK);
  }

  setRemaining(rem: Int32Array, count: number): void {
    const d = this.d;
    if (this.xs.length < count * d) this.xs = new Float64Array(count * d);
    for (let j = 0; j < count; j++) {
      const p = rem[j] as number;
      this.xs.set(this.ux.subarray(p * d, p * d + d), j * d);
    }
    this.cols = rem.slice(0, count);
    this.count = count;
  }

  collect(uy: Float64Array, q0: number, rows: number, lists: CandidateList[], taken: Uint8Array): void {
    for (let c0 = 0; c0 < this.count; c0 += CHUNK) {
      const width = Math.min(CHUNK, this.count - c0);
      gemmTile(uy, q0, rows, this.xs, c0, width, this.d, this.out);
      collect64(this.out, this.cols.subarray(c0, c0 + width), width, rows, lists, taken);
    }
  }

  dispose(): void {}
}

/** out[i * width + j] = dot(uy row q0 + i, xs row c0 + j), each summed left to right over k. */
function gemmTile(uy: Float64Array, q0: number, rows: number, xs: Float64Array, c0: number, width: number, d: number, out: Float64Array): void {
  const rows4 = rows - (rows % 4);
  const width4 = width - (width % 4);
  for (let i = 0; i < rows4; i += 4) {
    const a0 = (q0 + i) * d;
    const a1 = a0 + d;
    const a2 = a1 + d;
    const a3 = a2 + d;
    for (let j = 0; j < width4; j += 4) {
      const b0 = (c0 + j) * d;
      const b1 = b0 + d;
      const b2 = b1 + d;
      const b3 = b2 + d;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      let s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
      for (let k = 0; k < d; k++) {
        const x0 = xs[b0 + k] as number;
        const x1 = xs[b1 + k] as number;
        const x2 = xs[b2 + k] as number;
        const x3 = xs[b3 + k] as number;
        let v = uy[a0 + k] as number;
        s00 += v * x0; s01 += v * x1; s02 += v * x2; s03 += v * x3;
        v = uy[a1 + k] as number;
        s10 += v * x0; s11 += v * x1; s12 += v * x2; s13 += v * x3;
        v = uy[a2 + k] as number;
        s20 += v * x0; s21 += v * x1; s22 += v * x2; s23 += v * x3;
        v = uy[a3 + k] as number;
        s30 += v * x0; s31 += v * x1; s32 += v * x2; s33 += v * x3;
      }
      let o = i * width + j;
      out[o] = s00; out[o + 1] = s01; out[o + 2] = s02; out[o + 3] = s03;
      o += width;
      out[o] = s10; out[o + 1] = s11; out[o + 2] = s12; out[o + 3] = s13;
      o += width;
      out[o] = s20; out[o + 1] = s21; out[o + 2] = s22; out[o + 3] = s23;
      o += width;
      out[o] = s30; out[o + 1] = s31; out[o + 2] = s32; out[o + 3] = s33;
    }
    for (let j = width4; j < width; j++) {
      const b = (c0 + j) * d;
      out[i * width + j] = dot(uy, a0, xs, b, d);
      out[(i + 1) * width + j] = dot(uy, a1, xs, b, d);
      out[(i + 2) * width + j] = dot(uy, a2, xs, b, d);
      out[(i + 3) * width + j] = dot(uy, a3, xs, b, d);
    }
  }
  for (let i = rows4; i < rows; i++) {
    const a = (q0 + i) * d;
    for (let j = 0; j < width; j++) out[i * width + j] = dot(uy, a, xs, (c0 + j) * d, d);
  }
}

/**
 * float32 `tf.matMul` as a filter. Rounding the unit vectors to float32 moves a cosine by at most
 * (2u + u²)·Σ|a_k b_k| ≤ 2.01u (u = 2⁻²⁴, Σ|a_k b_k| ≤ ‖a‖‖b‖ ≤ 1); any float32 summation of d
 * products (any order, with or without FMA) adds at most γ_d·Σ|ã_k b̃_k| ≤ 1.01·d·u; the float64
 * reference differs from the real cosine by at most γ_d in double. `delta` bounds the sum, with a
 * factor 1.25 of margin. Every possible winner is re-checked with {@link dot}.
 */
class TfScorer implements Scorer {
  readonly delta: number;
  private chunks: { t: tf.Tensor2D; cols: Int32Array }[] = [];

  /** The unit x in float32, transposed once: [d, n]. */
  private readonly uxT: Float32Array;

  constructor(
    ux: Float64Array,
    private readonly d: number,
    private readonly n: number,
  ) {
    this.uxT = new Float32Array(d * n);
    for (let p = 0; p < n; p++) for (let k = 0; k < d; k++) this.uxT[k * n + p] = ux[p * d + k] as number;
    const u = 2 ** -24;
    this.delta = 1.25 * ((d + 3) * u + (d + 2) * 2 ** -52) + 1e-30;
  }

  setRemaining(rem: Int32Array, count: number): void {
    this.dispose();
    const d = this.d;
    for (let c0 = 0; c0 < count; c0 += CHUNK) {
      const width = Math.min(CHUNK, count - c0);
      const buf = new Float32Array(d * width); // x chunk transposed: [d, width]
      const n = this.n;
      const uxT = this.uxT;
      for (let k = 0; k < d; k++) {
        const o = k * width;
        const src = k * n;
        for (let j = 0; j < width; j++) buf[o + j] = uxT[src + (rem[c0 + j] as number)] as number;
      }
      this.chunks.push({ t: tf.tensor2d(buf, [d, width]), cols: rem.slice(c0, c0 + width) });
    }
  }

  collect(uy: Float64Array, q0: number, rows: number, lists: CandidateList[], taken: Uint8Array): void {
    const d = this.d;
    const a = tf.tensor2d(Float32Array.from(uy.subarray(q0 * d, (q0 + rows) * d)), [rows, d]);
    try {
      for (const { t, cols } of this.chunks) {
        const prod = tf.matMul(a, t);
        const scores = prod.dataSync() as Float32Array;
        prod.dispose();
        collect32(scores, cols, cols.length, rows, lists, taken);
      }
    } finally {
      a.dispose();
    }
  }

  dispose(): void {
    for (const c of this.chunks) c.t.dispose();
    this.chunks = [];
  }
}

/** Scale of the int16 quantisation: q = round(S·u), so |q_k| ≤ S for |u_k| ≤ 1. */
const INT16_SCALE = 32767;
const INT32_MAX = 2 ** 31 - 1;

/**
 * Rounds unit rows (n × d) to int16 rows of `dp` values (zero padded): q = ⌊S·u + ½⌋, within ½ + 2⁻³⁷
 * of S·u. A unit vector has |u_k| ≤ 1 + a few ulps, so S·u_k + ½ ∈ (−S − ½, S + 1) and q ∈ [−S, S]:
 * the int16 store never wraps. Also returns the largest ‖u‖₁.
 */
function quantiseUnits(u: Float64Array, n: number, d: number, dp: number): { q: Int16Array; maxL1: number } {
  const q = new Int16Array(n * dp);
  let maxL1 = 0;
  for (let i = 0; i < n; i++) {
    let l1 = 0;
    const o = i * d;
    const w = i * dp;
    for (let k = 0; k < d; k++) {
      const v = u[o + k] as number;
      l1 += Math.abs(v);
      q[w + k] = Math.floor(v * INT16_SCALE + 0.5);
    }
    if (l1 > maxL1) maxL1 = l1;
  }
  return { q, maxL1 };
}

/**
 * Exact integer dot products of the unit vectors rounded to int16, as a filter (see
 * {@link Int16Dots}: a generated WebAssembly SIMD kernel that only reports, per y row, the columns
 * whose sum is ≥ the row's integer threshold). With S = 32767, q_a = round(S·a) = S·a + e_a,
 * |e_a,k| ≤ ½ (+ 2⁻³⁷, the rounding of S·a_k + ½; lumped into the margin below):
 *
 * - **No overflow.** `i32x4.dot_i16x8_s` adds two products of int16 in [−S, S]: |·| ≤ 2S² < 2³¹.
 *   Every partial sum of an accumulator lane is bounded by Σ_k |q_a,k||q_b,k| ≤ ‖q_a‖₂‖q_b‖₂ ≤
 *   (S‖a‖₂ + √d/2)² < 2³¹ while √d/2 < 46340 − 32768, i.e. d < 7·10⁸ (and two's-complement
 *   addition is exact modulo 2³² in any case, so only the final sum, bounded the same, matters).
 *   The sum s = q_a·q_b is therefore exact, in any order.
 * - **Quantisation.** s/S² − a·b = (a·e_b + e_a·b)/S + e_a·e_b/S², so |s/S² − a·b| ≤
 *   (‖a‖₁ + ‖b‖₁)/(2S) + d/(4S²) ≤ (A₁ + B₁)/(2S) + d/(4S²), with A₁, B₁ the largest L1 norms of the
 *   unit x and y (computed once).
 * - **The score** v = fl(s / S²) adds ≤ 2⁻⁵³·|s/S²| ≤ 2⁻⁵¹, and the float64 reference {@link dot}
 *   differs from the real a·b by at most γ_d·‖a‖‖b‖ ≤ 1.01·d·2⁻⁵³.
 *
 * `delta` is the sum times 1.25 (which covers the rounding of S·a_k + ½ and of the L1 sums in float64).
 * For d = 100 and dense unit vectors (L1 ≈ 8), δ ≈ 3·10⁻⁴.
 *
 * **The candidate rule in the kernel.** For each y row the kernel keeps, in integers, what
 * {@link CandidateList} keeps: with the integer band b = ⌈band·S²⌉ + 2 (band = the lists' 2δ, plus ε
 * and margin with a tolerance), the row holds the exact L largest sums it was offered, and its
 * threshold t rises to (that L-th largest) − b. The L largest offered are ≤ the row's L largest sums
 * over all remaining columns (s_L the L-th), so always t ≤ s_L − b. A sum is offered, and kept,
 * only if ≥ t (taken columns are masked out, never offered). A dropped sum s < t ≤ s_L − b then has
 * s/S² ≤ s_L/S² − band − 3/S², so its score fl(s/S²) < fl(fl(s_L/S²) − band) = (the list's vL) −
 * band: the list would drop it too (the roundings are ≤ 2⁻⁵² ≪ 3/S²). And the L largest sums are
 * never dropped (each is ≥ every threshold), so the list computes vL exactly. With threads, each
 * thread takes whole rows (strips of 4), so a row's sums are offered in column order by one thread
 * and nothing depends on the thread count. A row whose buffer fills with sums all ≥ t (a huge band,
 * massive ties) is flagged and rescanned exactly at its turn (the refill path). About 100 sums per y
 * reach JavaScript at n = 8000, d = 100.
 */
class Int16Scorer implements Scorer {
  readonly delta: number;
  private readonly qx: Int16Array;
  private readonly qy: Int16Array;
  private cols = new Int32Array(0);
  /** colOf[p] = packed column of the x at sorted position p (−1: not packed). */
  private readonly colOf: Int32Array;

  constructor(
    ux: Float64Array,
    uy: Float64Array,
    n: number,
    d: number,
    private readonly dots: Int16Dots,
  ) {
    const S = INT16_SCALE;
    const x = quantiseUnits(ux, n, d, dots.dp);
    const y = quantiseUnits(uy, n, d, dots.dp);
    this.qx = x.q;
    this.qy = y.q;
    this.colOf = new Int32Array(n).fill(-1);
    this.delta = 1.25 * ((x.maxL1 + y.maxL1) / (2 * S) + d / (4 * S * S) + (d + 4) * 2 ** -53) + 1e-30;
  }

  setRemaining(rem: Int32Array, count: number): void {
    this.dots.setColumns(this.qx, rem, count);
    this.cols = rem.slice(0, count);
    this.colOf.fill(-1);
    for (let j = 0; j < count; j++) this.colOf[rem[j] as number] = j;
  }

  /** Masks the column of a taken x out of the kernel (it is never offered again). */
  markTaken(p: number): void {
    const j = this.colOf[p] as number;
    if (j >= 0) this.dots.invalidate(j);
  }

  collect(_uy: Float64Array, q0: number, rows: number, lists: CandidateList[], _taken: Uint8Array): void {
    const { dots, cols } = this;
    const S2 = INT16_SCALE * INT16_SCALE;
    const band = (lists[0] as CandidateList).band;
    dots.setRows(this.qy, q0, rows, Math.min(INT32_MAX, Math.ceil(band * S2) + 2));
    dots.run(rows);
    const i32 = dots.i32;
    for (let i = 0; i < rows; i++) {
      const list = lists[i] as CandidateList;
      if (dots.overflowed(i)) {
        list.invalid = true; // rescanned exactly at its turn
        continue;
      }
      const t = dots.threshold(i);
      const stop = dots.end(i);
      for (let o = dots.start(i); o < stop; o += 2) {
        const sum = i32[o + 1] as number;
        if (sum < t) continue; // the kernel would drop it now: below every needed score (see above)
        const v = sum / S2;
        if (v >= list.thr) list.push(v, cols[i32[o] as number] as number);
      }
    }
  }

  dispose(): void {}
}

/**
 * Candidate list of one y, built from scores against the x remaining at the start of its block.
 * It keeps every x with score ≥ vL − 2δ, where vL is the L-th largest score seen: any x left out
 * scored below vL − 2δ. While some kept x with score ≥ vL is still free, the best free kept score
 * m ≥ vL, so every left-out x has cosine < m − δ ≤ the cosine of that x: it can neither beat nor
 * tie. Among kept free x, those scoring below m − 2δ are excluded the same way; the rest are
 * compared exactly in float64 (ties to the smaller sorted position). With L ≥ block size at most
 * L − 1 of them can be taken before the last y of the block, so a refill (an exact scan of the
 * remaining x) only happens when `candidates` < block size.
 */
class CandidateList {
  vals: Float64Array;
  ps: Int32Array;
  len = 0;
  /** Entries scoring below thr are not kept: thr = vL − band once L scores were seen. */
  thr = -Infinity;
  /** The L-th largest score seen (−∞ before L scores). */
  vL = -Infinity;
  /** Set when the scorer could not keep every entry it must: the y is then rescanned (refill). */
  invalid = false;
  /** The L largest scores seen, descending (the first `topLen`). */
  private readonly top: Float64Array;
  private topLen = 0;

  constructor(
    private readonly L: number,
    /** How far below vL entries are kept: 2δ, plus ε and a rounding margin with a tolerance ε > 0. */
    readonly band: number,
  ) {
    const cap = Math.max(4 * L, 64);
    this.vals = new Float64Array(cap);
    this.ps = new Int32Array(cap);
    this.top = new Float64Array(L);
  }

  reset(): void {
    this.len = 0;
    this.topLen = 0;
    this.thr = -Infinity;
    this.vL = -Infinity;
    this.invalid = false;
  }

  /** Offer a score (callers skip scores below thr). */
  push(v: number, p: number): void {
    const top = this.top;
    const L = this.L;
    if (this.topLen < L || v > (top[L - 1] as number)) {
      // insertion into the descending top L (the smallest drops out once full)
      let i = this.topLen < L ? this.topLen++ : L - 1;
      while (i > 0 && (top[i - 1] as number) < v) {
        top[i] = top[i - 1] as number;
        i--;
      }
      top[i] = v;
      if (this.topLen === L) {
        this.vL = top[L - 1] as number;
        this.thr = this.vL - this.band;
      }
    }
    if (v < this.thr) return;
    if (this.len === this.vals.length) {
      this.compact();
      if (this.len * 2 > this.vals.length) this.grow();
    }
    this.vals[this.len] = v;
    this.ps[this.len++] = p;
  }

  private grow(): void {
    const cap = this.vals.length * 2;
    const vals = new Float64Array(cap);
    vals.set(this.vals);
    const ps = new Int32Array(cap);
    ps.set(this.ps);
    this.vals = vals;
    this.ps = ps;
  }

  /** Drops kept entries that fell below the (risen) threshold. */
  private compact(): void {
    const thr = this.thr;
    let w = 0;
    for (let i = 0; i < this.len; i++) {
      const v = this.vals[i] as number;
      if (v >= thr) {
        this.vals[w] = v;
        this.ps[w++] = this.ps[i] as number;
      }
    }
    this.len = w;
  }
}

/**
 * Rounding margin added to the kept band when ε > 0: the scan compares against fl(best − ε), which
 * can lie up to half an ulp below the real best − ε (≤ 2⁻⁵² while |best − ε| < 4; an ε large enough
 * to go beyond keeps every x anyway, since then every cosine ≥ −1 is within it), and the band's own
 * subtractions round by a few ulps of 1. 2⁻⁴⁸ covers both with room.
 */
const TOLERANCE_MARGIN = 2 ** -48;

function blockGreedy(ux: Float64Array, uy: Float64Array, n: number, d: number, blockSize: number, L: number, gemm: "auto" | "int16" | "float64" | "tfjs", eps: number, threads: number): Int32Array {
  const B = Math.min(blockSize, n);
  let scorer: Scorer | undefined;
  if (gemm === "int16" || gemm === "auto") {
    const dots = Int16Dots.create(d, B, n, L, threads);
    if (dots) scorer = new Int16Scorer(ux, uy, n, d, dots);
  }
  if (!scorer) {
    const useTf = gemm === "tfjs" || (gemm !== "float64" && acceleratedBackend());
    scorer = useTf ? new TfScorer(ux, d, n) : new Float64Scorer(ux, d, B);
  }
  const twoDelta = 2 * scorer.delta;
  const band = eps > 0 ? twoDelta + eps + TOLERANCE_MARGIN : twoDelta;
  const taken = new Uint8Array(n);
  const rem = Int32Array.from({ length: n }, (_, p) => p);
  let remCount = n;
  let chunkCount = -1; // x count when the scorer's chunks were built
  const lists = Array.from({ length: B }, () => new CandidateList(L, band));
  const labelP = new Int32Array(n);
  try {
    for (let q0 = 0; q0 < n; q0 += B) {
      const rows = Math.min(B, n - q0);
      // compact the remaining x when an eighth of the scored ones are taken
      if (chunkCount < 0 || remCount * 8 < chunkCount * 7) {
        scorer.setRemaining(rem, remCount);
        chunkCount = remCount;
      }
      for (let i = 0; i < rows; i++) (lists[i] as CandidateList).reset();
      scorer.collect(uy, q0, rows, lists, taken);
      for (let i = 0; i < rows; i++) {
        const q = q0 + i;
        const list = lists[i] as CandidateList;
        let p = pickFromList(list, taken, uy, q * d, ux, d, twoDelta, eps);
        if (p < 0) p = exactArgmax(uy, q * d, ux, d, rem, remCount, taken, eps);
        labelP[q] = p;
        taken[p] = 1;
        scorer.markTaken?.(p);
      }
      // drop this block's taken x from the ascending remaining list
      let w = 0;
      for (let j = 0; j < remCount; j++) {
        const p = rem[j] as number;
        if (!taken[p]) rem[w++] = p;
      }
      remCount = w;
    }
  } finally {
    scorer.dispose();
  }
  return labelP;
}

/** Offers each row's scores to its candidate list (two copies so each loop sees one array type). */
function collect32(scores: Float32Array, cols: Int32Array, width: number, rows: number, lists: CandidateList[], taken: Uint8Array): void {
  for (let i = 0; i < rows; i++) {
    const list = lists[i] as CandidateList;
    const o = i * width;
    let thr = list.thr;
    for (let j = 0; j < width; j++) {
      const v = scores[o + j] as number;
      if (v >= thr && !taken[cols[j] as number]) {
        list.push(v, cols[j] as number);
        thr = list.thr;
      }
    }
  }
}

function collect64(scores: Float64Array, cols: Int32Array, width: number, rows: number, lists: CandidateList[], taken: Uint8Array): void {
  for (let i = 0; i < rows; i++) {
    const list = lists[i] as CandidateList;
    const o = i * width;
    let thr = list.thr;
    for (let j = 0; j < width; j++) {
      const v = scores[o + j] as number;
      if (v >= thr && !taken[cols[j] as number]) {
        list.push(v, cols[j] as number);
        thr = list.thr;
      }
    }
  }
}

/**
 * The exact winner from a valid list, or −1 when the list is no longer valid (refill). Let m be the
 * best free kept score (valid: m ≥ vL). Every x not kept, or kept with score < m − 2δ − ε − margin,
 * has cosine < m − δ − ε ≤ (cosine of the x scoring m) − ε ≤ best − ε: it is neither the best nor
 * within the tolerance. The others get their float64 cosine; best = their largest; the winner is
 * the smallest sorted position with cosine ≥ best − ε (ε = 0: the best, ties to the smaller position).
 */
function pickFromList(list: CandidateList, taken: Uint8Array, uy: Float64Array, yo: number, ux: Float64Array, d: number, twoDelta: number, eps: number): number {
  if (list.invalid) return -1;
  let m = -Infinity;
  for (let i = 0; i < list.len; i++) {
    if (!taken[list.ps[i] as number] && (list.vals[i] as number) > m) m = list.vals[i] as number;
  }
  if (m === -Infinity || m < list.vL) return -1;
  const exact = twoDelta === 0; // float64 GEMM: the score is the cosine, summed as dot() sums it
  if (eps === 0) {
    const cut = m - twoDelta;
    let best = -Infinity;
    let bestP = -1;
    for (let i = 0; i < list.len; i++) {
      const p = list.ps[i] as number;
      if (taken[p] || (list.vals[i] as number) < cut) continue;
      const c = exact ? (list.vals[i] as number) : dot(uy, yo, ux, p * d, d);
      if (c > best || (c === best && p < bestP)) {
        best = c;
        bestP = p;
      }
    }
    return bestP;
  }
  const cut = m - twoDelta - eps - TOLERANCE_MARGIN;
  // first pass: the exact cosines of the survivors (stored over their scores) and the best of them
  let best = -Infinity;
  let w = 0;
  for (let i = 0; i < list.len; i++) {
    const p = list.ps[i] as number;
    const v = list.vals[i] as number;
    if (taken[p] || v < cut) continue;
    const c = exact ? v : dot(uy, yo, ux, p * d, d);
    if (c > best) best = c;
    // the list is rebuilt for the next block, so its entries can be overwritten here
    list.vals[w] = c;
    list.ps[w++] = p;
  }
  list.len = 0;
  const t = best - eps;
  let bestP = -1;
  for (let i = 0; i < w; i++) {
    const p = list.ps[i] as number;
    if ((list.vals[i] as number) >= t && (bestP < 0 || p < bestP)) bestP = p;
  }
  return bestP;
}

/** Refill: the exact argmax over every remaining x, as the scan computes it (then its tolerance pass). */
function exactArgmax(uy: Float64Array, yo: number, ux: Float64Array, d: number, rem: Int32Array, remCount: number, taken: Uint8Array, eps: number): number {
  let best = -Infinity;
  let bestP = -1;
  let bestJ = -1;
  for (let j = 0; j < remCount; j++) {
    const p = rem[j] as number;
    if (taken[p]) continue;
    const c = dot(uy, yo, ux, p * d, d);
    if (c > best) {
      best = c;
      bestP = p;
      bestJ = j;
    }
  }
  if (eps > 0) {
    const t = best - eps;
    for (let j = 0; j < bestJ; j++) {
      const p = rem[j] as number;
      if (!taken[p] && dot(uy, yo, ux, p * d, d) >= t) return p;
    }
  }
  return bestP;
}
