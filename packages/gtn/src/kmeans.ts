import { InvalidArgumentError, ShapeMismatchError, checkFinite, checkInteger, checkOptions, describeValue, toRng, type Rng, type RngLike } from "@atlas/core";

/** Result of {@link kMeans}. */
export interface KMeansResult {
  /** k × d centres, row-major. */
  centres: Float64Array;
  /** Cluster of each point. */
  assignment: Int32Array;
  /** Lloyd iterations run (in the kept restart). */
  iterations: number;
  /** Sum of squared distances to the assigned centres. */
  inertia: number;
}

/** Options of {@link kMeans}. */
export interface KMeansOptions {
  /** Lloyd iterations per restart (default 100, at most 10⁶). */
  maxIterations?: number;
  /** k-means++ restarts; the lowest inertia wins (default 10, as scikit-learn's n_init; at most 1000). */
  restarts?: number;
}

function sqDist(a: Float64Array, ao: number, b: Float64Array, bo: number, d: number): number {
  let s = 0;
  for (let k = 0; k < d; k++) {
    const t = (a[ao + k] as number) - (b[bo + k] as number);
    s += t * t;
  }
  return s;
}

/**
 * Seeded k-means: k-means++ initialisation, then Lloyd iterations until no point changes cluster
 * (or `maxIterations`), best of `restarts` runs by inertia (one run can stop in a poor local
 * optimum: two disjoint squares standardised are also split across their long axis). Used by the
 * clustered GTN (paper Appendix C, Figure 9).
 *
 * @param data - n × d, row-major.
 * @example
 * const { assignment } = kMeans(data, n, 2, 2, 0);
 */
export function kMeans(data: Float64Array, n: number, d: number, k: number, seed: RngLike, options: KMeansOptions = {}): KMeansResult {
  if (!(data instanceof Float64Array)) throw new InvalidArgumentError("data", `expected a Float64Array (n × d, row-major), got ${describeValue(data)}`);
  checkInteger("n", n, { min: 1 });
  checkInteger("d", d, { min: 1 });
  if (data.length !== n * d) throw new ShapeMismatchError("data", `expected n × d = ${n} × ${d} = ${n * d} values, got ${data.length}`);
  checkFinite("data", data);
  checkInteger("k", k, { min: 1 });
  if (k > n) throw new InvalidArgumentError("k", `k (${k}) must be at most the number of points (${n})`);
  const o = checkOptions("options", options, ["maxIterations", "restarts"]);
  const maxIterations = checkInteger("options.maxIterations", o.maxIterations ?? 100, { min: 1, max: 1e6 });
  const restarts = checkInteger("options.restarts", o.restarts ?? 10, { min: 1, max: 1000 });
  const rng = toRng(seed, "seed");
  let best: KMeansResult | null = null;
  for (let r = 0; r < restarts; r++) {
    const run = lloyd(data, n, d, k, rng, maxIterations);
    if (!best || run.inertia < best.inertia) best = run;
  }
  return best as KMeansResult;
}

function lloyd(data: Float64Array, n: number, d: number, k: number, rng: Rng, maxIterations: number): KMeansResult {
  const centres = new Float64Array(k * d);
  const first = rng.int(n);
  centres.set(data.subarray(first * d, first * d + d), 0);
  const nearest = new Float64Array(n);
  for (let i = 0; i < n; i++) nearest[i] = sqDist(data, i * d, centres, 0, d);
  for (let c = 1; c < k; c++) {
    let total = 0;
    for (let i = 0; i < n; i++) total += nearest[i] as number;
    let pick = 0;
    if (total > 0) {
      let r = rng.next() * total;
      for (pick = 0; pick < n - 1; pick++) {
        r -= nearest[pick] as number;
        if (r < 0) break;
      }
    } else pick = rng.int(n);
    centres.set(data.subarray(pick * d, pick * d + d), c * d);
    for (let i = 0; i < n; i++) {
      const dist = sqDist(data, i * d, centres, c * d, d);
      if (dist < (nearest[i] as number)) nearest[i] = dist;
    }
  }
  const assignment = new Int32Array(n).fill(-1);
  const sums = new Float64Array(k * d);
  const counts = new Int32Array(k);
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    let changed = 0;
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestD = Infinity;
      for (let c = 0; c < k; c++) {
        const dist = sqDist(data, i * d, centres, c * d, d);
        if (dist < bestD) {
          bestD = dist;
          best = c;
        }
      }
      if (assignment[i] !== best) {
        assignment[i] = best;
        changed++;
      }
    }
    if (changed === 0) break;
    sums.fill(0);
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const c = assignment[i] as number;
      counts[c] = (counts[c] as number) + 1;
      for (let j = 0; j < d; j++) sums[c * d + j] = (sums[c * d + j] as number) + (data[i * d + j] as number);
    }
    for (let c = 0; c < k; c++) {
      if (counts[c] === 0) continue; // keep an empty cluster's centre
      for (let j = 0; j < d; j++) centres[c * d + j] = (sums[c * d + j] as number) / (counts[c] as number);
    }
  }
  let inertia = 0;
  for (let i = 0; i < n; i++) inertia += sqDist(data, i * d, centres, (assignment[i] as number) * d, d);
  return { centres, assignment, iterations, inertia };
}
