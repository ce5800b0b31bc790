import * as tf from "@tensorflow/tfjs";
import { InvalidArgumentError, ShapeMismatchError, checkArray, checkChart, checkFinite, checkInteger, checkNumber, checkString, describeValue, type AtlasModel } from "@atlas/core";

import { checkModel } from "./model.js";

/** The most points {@link GeodesicPath.resample} returns (each is an object with its own latent vector). */
export const MAX_RESAMPLE = 1_000_000;

/** A node of a geodesic path: a latent point in one chart. */
export interface PathNode {
  readonly chart: number;
  readonly z: Float32Array;
  /** Graph node id, or -1 for a query end that is not a graph node. */
  readonly node: number;
  /** Build-data row of the node's point, or -1 for a query end given as a sample or latent point. */
  readonly point: number;
}

/** A point of {@link GeodesicPath.resample}. */
export interface ResampledPoint {
  readonly chart: number;
  readonly z: Float32Array;
  /** Decoded curve length from the path start. */
  readonly distance: number;
  /** Index of the path edge the point lies on. */
  readonly segment: number;
  /** Set when the point lies on a chart-crossing edge: `[from chart, to chart]` (z is the nearer end). */
  readonly crossing?: readonly [number, number];
}

function checkPathParts(nodes: unknown, edgeLengths: unknown, subLengths: unknown, method: unknown, expanded: unknown, searchMs: unknown): void {
  if (!Array.isArray(nodes) || nodes.length === 0) throw new InvalidArgumentError("nodes", `expected a non-empty array of path nodes, got ${describeValue(nodes)}`);
  let dim = -1;
  nodes.forEach((nd: unknown, i: number) => {
    const p = nd as Partial<PathNode> | null;
    if (p === null || typeof p !== "object") throw new InvalidArgumentError(`nodes[${i}]`, `expected { chart, z, node, point }, got ${describeValue(nd)}`);
    checkInteger(`nodes[${i}].chart`, p.chart, { min: 0 });
    if (!(p.z instanceof Float32Array)) throw new InvalidArgumentError(`nodes[${i}].z`, `expected a Float32Array, got ${describeValue(p.z)}`);
    checkFinite(`nodes[${i}].z`, p.z);
    if (dim >= 0 && p.z.length !== dim) throw new ShapeMismatchError(`nodes[${i}].z`, `expected ${dim} values like nodes[0].z, got ${p.z.length}`);
    dim = p.z.length;
    checkInteger(`nodes[${i}].node`, p.node, { min: -1 });
    checkInteger(`nodes[${i}].point`, p.point, { min: -1 });
  });
  const edges = nodes.length - 1;
  checkArray("edgeLengths", edgeLengths, { length: edges });
  if (!(edgeLengths as number[]).every((w) => w >= 0)) throw new InvalidArgumentError("edgeLengths", "expected lengths ≥ 0");
  if (!Array.isArray(subLengths)) throw new InvalidArgumentError("subLengths", `expected an array (one entry per edge), got ${describeValue(subLengths)}`);
  if (subLengths.length !== edges) throw new ShapeMismatchError("subLengths", `expected ${edges} entries (one per edge), got ${subLengths.length}`);
  subLengths.forEach((sub: unknown, e: number) => {
    if (sub === null) return;
    if (!(sub instanceof Float32Array)) throw new InvalidArgumentError(`subLengths[${e}]`, `expected a Float32Array or null, got ${describeValue(sub)}`);
    checkArray(`subLengths[${e}]`, sub, { minLength: 1 });
    if (!sub.every((w) => w >= 0)) throw new InvalidArgumentError(`subLengths[${e}]`, "expected lengths ≥ 0");
  });
  checkString("method", method);
  checkInteger("expanded", expanded, { min: -1 });
  checkNumber("searchMs", searchMs, { min: 0 });
}

/**
 * A graph geodesic: piecewise linear in each chart, joined by chart-crossing edges
 * (AGM paper section 3.1). Lengths are decoded curve lengths (eq. 10).
 */
export class GeodesicPath {
  /** The nodes from start to end. */
  readonly nodes: readonly PathNode[];
  /** Length of each edge, `nodes.length − 1` entries. */
  readonly edgeLengths: readonly number[];
  /** Sum of the edge lengths. */
  readonly length: number;
  /** Chart of each node. */
  readonly charts: readonly number[];
  /** The charts visited, consecutive repeats merged (e.g. `[2, 5, 2]`). */
  readonly chartSequence: readonly number[];
  /** How the path was found. */
  readonly method: string;
  /** Nodes settled by the search (only for the package's own searches; -1 for ngraph.path). */
  readonly expanded: number;
  /** Milliseconds spent in the path search itself (without joining the ends or re-decoding). */
  readonly searchMs: number;
  /** Per edge: cumulative sub-segment lengths (steps + 1 entries from 0), or null for a crossing edge. */
  private readonly cumulative: (Float64Array | null)[];

  /** @internal */
  constructor(
    nodes: PathNode[],
    edgeLengths: number[],
    subLengths: (Float32Array | null)[],
    method: string,
    expanded: number,
    searchMs = 0,
  ) {
    checkPathParts(nodes, edgeLengths, subLengths, method, expanded, searchMs);
    this.nodes = nodes;
    this.edgeLengths = edgeLengths;
    let len = 0;
    for (const w of edgeLengths) len += w;
    this.length = len;
    this.charts = nodes.map((n) => n.chart);
    const seq: number[] = [];
    for (const c of this.charts) if (seq[seq.length - 1] !== c) seq.push(c);
    this.chartSequence = seq;
    this.method = method;
    this.expanded = expanded;
    this.searchMs = searchMs;
    this.cumulative = subLengths.map((sub, e) => {
      if (!sub) return null;
      const cum = new Float64Array(sub.length + 1);
      for (let i = 0; i < sub.length; i++) cum[i + 1] = (cum[i] as number) + (sub[i] as number);
      // Scale so the sub-steps add up to the stored edge weight exactly.
      const total = cum[sub.length] as number;
      const want = edgeLengths[e] as number;
      if (total > 0) for (let i = 1; i <= sub.length; i++) cum[i] = ((cum[i] as number) * want) / total;
      return cum;
    });
  }

  /**
   * `count` points equidistant in decoded curve length from start to end (both included), each
   * with its chart: within an edge the latent point is placed by the cumulative decoded length of
   * the edge's sub-steps; on a chart-crossing edge the nearer end is taken and `crossing` is set.
   *
   * @example
   * const frames = path.resample(12);
   * const images = decodeResampled(model, frames); // [12, ...dataShape]
   */
  resample(count: number): ResampledPoint[] {
    checkInteger("count", count, { min: 1, max: MAX_RESAMPLE });
    const out: ResampledPoint[] = [];
    const first = this.nodes[0] as PathNode;
    if (this.nodes.length === 1 || this.length === 0) {
      for (let j = 0; j < count; j++) out.push({ chart: first.chart, z: Float32Array.from(first.z), distance: 0, segment: 0 });
      return out;
    }
    let seg = 0;
    let start = 0; // distance at the start of `seg`
    for (let j = 0; j < count; j++) {
      const s = count === 1 ? 0 : (this.length * j) / (count - 1);
      while (seg < this.edgeLengths.length - 1 && start + (this.edgeLengths[seg] as number) < s) {
        start += this.edgeLengths[seg] as number;
        seg++;
      }
      const a = this.nodes[seg] as PathNode;
      const b = this.nodes[seg + 1] as PathNode;
      const w = this.edgeLengths[seg] as number;
      const local = Math.min(Math.max(s - start, 0), w);
      const cum = this.cumulative[seg];
      if (!cum) {
        const near = local < w / 2 ? a : b;
        out.push({ chart: near.chart, z: Float32Array.from(near.z), distance: s, segment: seg, crossing: [a.chart, b.chart] });
        continue;
      }
      const steps = cum.length - 1;
      let i = 0;
      while (i < steps - 1 && (cum[i + 1] as number) < local) i++;
      const len = (cum[i + 1] as number) - (cum[i] as number);
      const frac = len > 0 ? Math.min(1, Math.max(0, (local - (cum[i] as number)) / len)) : 0;
      const t = (i + frac) / steps;
      const z = new Float32Array(a.z.length);
      for (let c = 0; c < z.length; c++) z[c] = (1 - t) * (a.z[c] as number) + t * (b.z[c] as number);
      out.push({ chart: a.chart, z, distance: s, segment: seg });
    }
    return out;
  }
}

/**
 * Decode latent points given with their charts, keeping their order: one decoder call per chart.
 * Returns `[points.length, ...dataShape]`; the caller disposes it.
 *
 * @example
 * const strip = decodeResampled(model, path.resample(10));
 */
export function decodeResampled(model: AtlasModel, points: readonly { chart: number; z: ArrayLike<number> }[]): tf.Tensor {
  checkModel(model);
  if (!Array.isArray(points) || points.length === 0) throw new InvalidArgumentError("points", `expected a non-empty array of { chart, z }, got ${describeValue(points)}`);
  const d = model.latentDim;
  points.forEach((p: unknown, i: number) => {
    const q = p as { chart?: unknown; z?: unknown } | null;
    if (q === null || typeof q !== "object") throw new InvalidArgumentError(`points[${i}]`, `expected { chart, z }, got ${describeValue(p)}`);
    checkChart(`points[${i}].chart`, q.chart, model.charts);
    const z = checkArray(`points[${i}].z`, q.z);
    if (z.length !== d) throw new ShapeMismatchError(`points[${i}].z`, `expected model.latentDim = ${d} values, got ${z.length}`);
  });
  return tf.tidy(() => {
    const byChart = new Map<number, number[]>();
    points.forEach((p, i) => {
      const list = byChart.get(p.chart);
      if (list) list.push(i);
      else byChart.set(p.chart, [i]);
    });
    const parts: tf.Tensor[] = [];
    const order: number[] = [];
    for (const [chart, idx] of byChart) {
      const z = new Float32Array(idx.length * d);
      idx.forEach((i, r) => z.set(Array.from(points[i]!.z as ArrayLike<number>).slice(0, d), r * d));
      parts.push(model.decode(tf.tensor2d(z, [idx.length, d]), chart));
      order.push(...idx);
    }
    const all = parts.length === 1 ? (parts[0] as tf.Tensor) : tf.concat(parts, 0);
    const inverse = new Int32Array(points.length);
    order.forEach((orig, pos) => (inverse[orig] = pos));
    return tf.gather(all, tf.tensor1d(inverse, "int32"));
  });
}
