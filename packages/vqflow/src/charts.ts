/**
 * The chart regions (VQ-Flows poster, "The chart regions"; VQFLOW-SPEC §2) and the batching of a
 * point's chart memberships into one flow pass.
 */
import * as tf from "@tensorflow/tfjs";
import { InvalidArgumentError, ShapeMismatchError, checkInteger, checkNumber, describeValue } from "@atlas/core";

/**
 * Chart membership: with d_k = ‖E(x) − v_k‖₂ and d̃_m the m-th smallest of d_1 … d_K,
 * U_k = { x : d_k(x) ≤ (1 + ε)·d̃_m(x) }. `≤` (the poster writes `<`) keeps a point that sits
 * exactly on a centre (d̃_1 = 0) in that chart, so every point is in at least m charts, ties
 * included: the m nearest centres satisfy d_k ≤ d̃_m ≤ (1 + ε)·d̃_m, also in float32 (rounding is
 * monotone and 1 + ε ≥ 1), and every centre tied with the m-th is in as well. Distances are
 * computed from the differences, not from ‖a‖² + ‖b‖² − 2a·b, so a point on a centre gets
 * exactly 0 and equal distances compare equal.
 *
 * @param codes `[n, e]` encodings E(x)
 * @param centres `[K, e]` chart centres v_k
 * @returns `[n, K]` boolean
 * @example
 * const member = chartMembership(tf.tensor2d([[0, 0]]), tf.tensor2d([[0, 0], [1, 0]]), 1, 0.5); // [[true, false]]
 */
export function chartMembership(codes: tf.Tensor2D, centres: tf.Tensor2D, overlap: number, epsilon: number): tf.Tensor2D {
  for (const [name, t] of [["codes", codes], ["centres", centres]] as const) {
    if (!(t instanceof tf.Tensor) || t.isDisposed) throw new InvalidArgumentError(name, `expected a live tf.Tensor2D, got ${describeValue(t)}`);
    if (t.rank !== 2 || t.shape[0] < 1 || t.shape[1] < 1) throw new ShapeMismatchError(name, `expected a non-empty [rows, e] tensor, got shape [${t.shape.join(", ")}]`);
    if (t.dtype !== "float32") throw new InvalidArgumentError(name, `expected float32, got ${t.dtype}`);
  }
  if (codes.shape[1] !== centres.shape[1]) throw new ShapeMismatchError("centres", `expected centres of dimension ${codes.shape[1]} like the codes, got ${centres.shape[1]}`);
  checkInteger("overlap", overlap, { min: 1, max: centres.shape[0] });
  checkNumber("epsilon", epsilon, { min: 0 });
  return membershipUnchecked(codes, centres, overlap, epsilon);
}

/** {@link chartMembership} without the argument checks (internal callers pass valid tensors). */
export function membershipUnchecked(codes: tf.Tensor2D, centres: tf.Tensor2D, overlap: number, epsilon: number): tf.Tensor2D {
  return tf.tidy(() => {
    const dist = centreDistances(codes, centres);
    // the m-th smallest distance: the largest of the m smallest (−min of the top m of −d)
    const mth = tf.neg(tf.min(tf.topk(tf.neg(dist), overlap).values, 1, true));
    return tf.lessEqual(dist, tf.mul(mth, 1 + epsilon)) as tf.Tensor2D;
  });
}

/** ‖E(x) − v_k‖₂ for every point and centre, `[n, K]`, from the coordinate differences. */
export function centreDistances(codes: tf.Tensor2D, centres: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.sqrt(tf.sum(tf.square(tf.sub(tf.expandDims(codes, 1), tf.expandDims(centres, 0))), 2)) as tf.Tensor2D);
}

/**
 * How the (point, chart) pairs of a batch are laid out so that one flow pass serves every
 * membership: points sorted by their number of charts (descending, stable), pairs slot-major —
 * slot s holds the s-th member chart of every point that has more than s charts, and those points
 * form a prefix of the sorted order. Column s of the `[n, cmax]` table of pair log-densities is
 * then slot s's block padded with −∞ (slices and a concatenation, differentiable everywhere).
 */
export interface PairLayout {
  /** Points in the batch. */
  readonly n: number;
  /** Largest number of charts of one point. */
  readonly cmax: number;
  /** Sorted position → point index in the batch. */
  readonly order: Int32Array;
  /** Charts of each point (batch order). */
  readonly counts: Int32Array;
  /** Points with more than s charts, for each slot s. */
  readonly slotSizes: Int32Array;
  /** Point (batch index) and chart of each pair, slot-major. */
  readonly pairPoint: Int32Array;
  readonly pairChart: Int32Array;
}

/**
 * Build the {@link PairLayout} of a batch from its `[n, K]` membership (row-major, nonzero =
 * member). Every point must be in at least one chart.
 */
export function pairLayout(member: ArrayLike<number | boolean>, n: number, charts: number): PairLayout {
  const counts = new Int32Array(n);
  let total = 0;
  let cmax = 0;
  for (let i = 0; i < n; i++) {
    let c = 0;
    for (let k = 0; k < charts; k++) if (member[i * charts + k]) c++;
    if (c === 0) throw new Error(`internal: point ${i} of the batch is in no chart`);
    counts[i] = c;
    total += c;
    if (c > cmax) cmax = c;
  }
  // counting sort by count, descending and stable
  const buckets = new Int32Array(cmax + 2);
  for (let i = 0; i < n; i++) {
    const b = cmax - (counts[i] as number) + 1;
    buckets[b] = (buckets[b] as number) + 1;
  }
  for (let b = 1; b < buckets.length; b++) buckets[b] = (buckets[b] as number) + (buckets[b - 1] as number);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const b = cmax - (counts[i] as number);
    order[buckets[b] as number] = i;
    buckets[b] = (buckets[b] as number) + 1;
  }
  const slotSizes = new Int32Array(cmax);
  for (let s = 0; s < cmax; s++) {
    let size = 0;
    while (size < n && (counts[order[size] as number] as number) > s) size++;
    slotSizes[s] = size;
  }
  const pairPoint = new Int32Array(total);
  const pairChart = new Int32Array(total);
  // the s-th member chart of each point, slot by slot
  const nextChart = new Int32Array(n);
  let p = 0;
  for (let s = 0; s < cmax; s++) {
    for (let j = 0; j < (slotSizes[s] as number); j++) {
      const i = order[j] as number;
      let k = nextChart[i] as number;
      while (!member[i * charts + k]) k++;
      pairPoint[p] = i;
      pairChart[p] = k;
      nextChart[i] = k + 1;
      p++;
    }
  }
  return { n, cmax, order, counts, slotSizes, pairPoint, pairChart };
}

/** The trivial layout of a one-chart model: every point in chart 0. */
export function singleChartLayout(n: number): PairLayout {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  return { n, cmax: 1, order, counts: new Int32Array(n).fill(1), slotSizes: Int32Array.of(n), pairPoint: order, pairChart: new Int32Array(n) };
}

/**
 * The `[n, cmax]` table of pair values (−∞ where a point has fewer charts), rows in the layout's
 * sorted order. `pairValues` is `[P]`, slot-major as the layout.
 */
export function slotTable(pairValues: tf.Tensor1D, layout: PairLayout): tf.Tensor2D {
  const columns: tf.Tensor1D[] = [];
  let offset = 0;
  for (let s = 0; s < layout.cmax; s++) {
    const size = layout.slotSizes[s] as number;
    const block = tf.slice(pairValues, [offset], [size]);
    columns.push(size < layout.n ? tf.concat([block, tf.fill([layout.n - size], Number.NEGATIVE_INFINITY)]) : block);
    offset += size;
  }
  return (columns.length === 1 ? tf.expandDims(columns[0] as tf.Tensor1D, 1) : tf.stack(columns, 1)) as tf.Tensor2D;
}

/** log Σ over each point's pairs (log of the eq. 2 sum), `[n]` in the layout's sorted order. */
export function segmentLogSumExp(pairValues: tf.Tensor1D, layout: PairLayout): tf.Tensor1D {
  if (layout.cmax === 1) return pairValues;
  return tf.logSumExp(slotTable(pairValues, layout), 1) as tf.Tensor1D;
}
