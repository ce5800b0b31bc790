import type { GraphArrays } from "./arrays.js";

/** Statistics of a geodesic graph (the quantities of the AGM paper's Table 1 and more). */
export interface GeodesicGraphStats {
  readonly nodes: number;
  /** Undirected edges, in-chart plus chart-crossing. */
  readonly edges: number;
  readonly chartCrossingEdges: number;
  readonly nodesPerChart: readonly number[];
  /** Build-data points, and how many of them got no node (ψ_y(x) ≤ ε everywhere). */
  readonly points: number;
  readonly pointsWithoutNode: number;
  readonly components: number;
  /** Component sizes, largest first. */
  readonly componentSizes: readonly number[];
  /**
   * Diameter in hops: the largest over components of the longest shortest path (in edges).
   * Up to 10 000 nodes it is exact (`exact: true`, breadth-first search from every node, O(N·E)).
   * Above, `hops` is a lower bound from four double sweeps per component (the eccentricity of a
   * node found farthest from the previous one) and `upper` = max over components of 2·min ecc(v)
   * over the swept nodes (ecc(v) ≤ diameter ≤ 2·ecc(v) in a connected graph); `lower` = `hops`.
   */
  readonly diameter: { readonly hops: number; readonly exact: boolean; readonly lower: number; readonly upper: number };
  /** Quantiles of the edge weights (linear interpolation between order statistics), and the mean. */
  readonly edgeWeights: {
    readonly min: number;
    readonly q05: number;
    readonly q25: number;
    readonly median: number;
    readonly q75: number;
    readonly q95: number;
    readonly max: number;
    readonly mean: number;
  };
}

/** Nodes up to which {@link GeodesicGraphStats.diameter} is exact. */
export const EXACT_DIAMETER_LIMIT = 10_000;

/** Breadth-first eccentricity of `s`; fills `dist` (stamped by `stamp`) and returns [ecc, farthest]. */
function bfs(s: number, offsets: Int32Array, targets: Int32Array, queue: Int32Array, dist: Int32Array, seen: Int32Array, stamp: number): [number, number] {
  let head = 0;
  let tail = 0;
  queue[tail++] = s;
  seen[s] = stamp;
  dist[s] = 0;
  let far = s;
  while (head < tail) {
    const u = queue[head++] as number;
    const du = dist[u] as number;
    if (du > (dist[far] as number)) far = u;
    for (let e = offsets[u] as number; e < (offsets[u + 1] as number); e++) {
      const v = targets[e] as number;
      if (seen[v] !== stamp) {
        seen[v] = stamp;
        dist[v] = du + 1;
        queue[tail++] = v;
      }
    }
  }
  return [dist[far] as number, far];
}

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return (sorted[lo] as number) + (pos - lo) * ((sorted[hi] as number) - (sorted[lo] as number));
}

/** Compute {@link GeodesicGraphStats}. */
export function graphStats(g: GraphArrays, exactLimit: number = EXACT_DIAMETER_LIMIT): GeodesicGraphStats {
  const n = g.nodeChart.length;
  const { offsets, targets, weights } = g;
  const w = new Float64Array(targets.length / 2);
  let o = 0;
  let sum = 0;
  for (let u = 0; u < n; u++) {
    for (let e = offsets[u] as number; e < (offsets[u + 1] as number); e++) {
      if (u < (targets[e] as number)) {
        w[o++] = weights[e] as number;
        sum += weights[e] as number;
      }
    }
  }
  w.sort();
  const queue = new Int32Array(n);
  const dist = new Int32Array(n);
  const seen = new Int32Array(n).fill(-1);
  let stamp = 0;
  let lower = 0;
  let upper = 0;
  const exact = n <= exactLimit;
  if (exact) {
    for (let s = 0; s < n; s++) lower = Math.max(lower, bfs(s, offsets, targets, queue, dist, seen, stamp++)[0]);
    upper = lower;
  } else {
    const firstOf = new Int32Array(g.componentSizes.length).fill(-1);
    for (let i = 0; i < n; i++) if (firstOf[g.component[i] as number] === -1) firstOf[g.component[i] as number] = i;
    for (const start of firstOf) {
      let v = start;
      let minEcc = Infinity;
      let best = 0;
      for (let sweep = 0; sweep < 4; sweep++) {
        const [ecc, far] = bfs(v, offsets, targets, queue, dist, seen, stamp++);
        best = Math.max(best, ecc);
        minEcc = Math.min(minEcc, ecc);
        v = far;
      }
      lower = Math.max(lower, best);
      upper = Math.max(upper, 2 * minEcc);
    }
  }
  const nodesPerChart: number[] = [];
  for (let y = 0; y < g.charts; y++) nodesPerChart.push((g.chartStart[y + 1] as number) - (g.chartStart[y] as number));
  let without = 0;
  for (let p = 0; p < g.pointCount; p++) if (g.pointStart[p + 1] === g.pointStart[p]) without++;
  return {
    nodes: n,
    edges: w.length,
    chartCrossingEdges: g.crossEdges,
    nodesPerChart,
    points: g.pointCount,
    pointsWithoutNode: without,
    components: g.componentSizes.length,
    componentSizes: Array.from(g.componentSizes),
    diameter: { hops: lower, exact, lower, upper },
    edgeWeights: {
      min: quantile(w, 0),
      q05: quantile(w, 0.05),
      q25: quantile(w, 0.25),
      median: quantile(w, 0.5),
      q75: quantile(w, 0.75),
      q95: quantile(w, 0.95),
      max: quantile(w, 1),
      mean: w.length ? sum / w.length : NaN,
    },
  };
}
