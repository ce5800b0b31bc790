import { InvalidArgumentError, MissingDependencyError, ShapeMismatchError, UnsupportedError, checkArray, checkFinite, checkFunction, checkInteger, checkOneOf, checkOptions, checkString, describeValue } from "@atlas/core";

/**
 * k-nearest-neighbour search inside one chart: HNSW through the optional native addon
 * `hnswlib-node`, or an exact blocked scan (small charts, browsers, addon missing).
 */

/** The part of hnswlib-node's `HierarchicalNSW` we use (typed here so the addon stays optional). */
export interface HnswIndex {
  initIndex(maxElements: number, m?: number, efConstruction?: number, randomSeed?: number): void;
  addPoint(point: number[], label: number): void;
  setEf(ef: number): void;
  searchKnn(point: number[], k: number): { distances: number[]; neighbors: number[] };
}
export interface HnswModule {
  HierarchicalNSW: new (space: "l2", dim: number) => HnswIndex;
}

/** Loads an HNSW module; resolves to null where there is none. Installed per environment. */
export type HnswLoader = () => Promise<HnswModule | null>;

// The default entry knows no HNSW implementation (the exact search is used); the Node entry
// (index.node.ts) installs hnswlib-node's loader, so no bundle for a browser ever names the addon.
let hnswLoader: HnswLoader | undefined;
let hnswName = "";
let hnswModule: Promise<HnswModule | null> | undefined;

/**
 * Install how {@link loadHnsw} finds an HNSW implementation, and the package it comes from (for
 * messages). The Node entry installs `hnswlib-node`; elsewhere there is none until one is set.
 *
 * @example
 * setHnswLoader(async () => myHnswModule, "my-hnsw");
 */
export function setHnswLoader(loader: HnswLoader, packageName: string): void {
  checkFunction("loader", loader);
  checkString("packageName", packageName);
  hnswLoader = loader;
  hnswName = packageName;
  hnswModule = undefined;
}

/**
 * Load the HNSW implementation lazily: `hnswlib-node` in Node; resolves to `null` where there is
 * none (a browser, an install without a compiler). Never throws.
 */
export function loadHnsw(): Promise<HnswModule | null> {
  const loader = hnswLoader;
  hnswModule ??= loader ? loader().catch(() => null) : Promise.resolve(null);
  return hnswModule;
}

/** How the neighbours of one chart were found. */
export type KnnMethod = "hnsw" | "exact";

/** Options of {@link chartKnn}. */
export interface KnnOptions {
  /** `"auto"` (default): HNSW above `exactBelow` points when the addon loads, else exact. */
  method?: "auto" | KnnMethod;
  /** Charts with at most this many points use the exact search under `"auto"` (default 2 048). */
  exactBelow?: number;
  /** HNSW graph degree M, an integer in [2, 1024] (default 16 for d ≤ 16, else 32). */
  M?: number;
  /** HNSW search breadth ef, at most 100 000 (default max(4(k+1), 64) for d ≤ 16, else max(8(k+1), 256)). */
  efSearch?: number;
  /** HNSW construction breadth, at most 100 000 (default 200). */
  efConstruction?: number;
  /** Seed of HNSW's level generator (a non-negative integer). */
  seed?: number;
}

/** Result of {@link chartKnn}: row i holds the k neighbours of point i (never i itself), nearest first. */
export interface KnnResult {
  readonly neighbors: Int32Array;
  readonly k: number;
  readonly method: KnnMethod;
}

/** `points` is n × dim finite values (row-major Float32Array), n ≥ 2, and 1 ≤ k < n. */
function checkKnnArgs(points: unknown, n: unknown, dim: unknown, k: unknown): void {
  if (!(points instanceof Float32Array)) throw new InvalidArgumentError("points", `expected a Float32Array (n × dim, row-major), got ${describeValue(points)}`);
  checkInteger("n", n, { min: 2 });
  checkInteger("dim", dim, { min: 1 });
  if (points.length !== (n as number) * (dim as number)) {
    throw new ShapeMismatchError("points", `expected n × dim = ${n as number} × ${dim as number} = ${(n as number) * (dim as number)} values, got ${points.length}`);
  }
  checkFinite("points", points);
  checkInteger("k", k, { min: 1, max: (n as number) - 1 });
}

const KNN_KEYS = ["method", "exactBelow", "M", "efSearch", "efConstruction", "seed"] as const;

function checkKnnOptions(options: unknown): KnnOptions {
  const o = checkOptions("options", options as KnnOptions | undefined, KNN_KEYS);
  if (o.method !== undefined) checkOneOf("options.method", o.method, ["auto", "hnsw", "exact"]);
  if (o.exactBelow !== undefined) checkInteger("options.exactBelow", o.exactBelow, { min: 0 });
  if (o.M !== undefined) checkInteger("options.M", o.M, { min: 2, max: 1024 });
  if (o.efSearch !== undefined) checkInteger("options.efSearch", o.efSearch, { min: 1, max: 100_000 });
  if (o.efConstruction !== undefined) checkInteger("options.efConstruction", o.efConstruction, { min: 1, max: 100_000 });
  if (o.seed !== undefined) checkInteger("options.seed", o.seed, { min: 0, max: 2 ** 31 - 1 });
  return o;
}

/**
 * Exact k nearest neighbours of each point among the others (squared L2), by a blocked scan;
 * O(n²d). Ties go to the smaller index.
 */
export function exactKnn(points: Float32Array, n: number, dim: number, k: number): Int32Array {
  checkKnnArgs(points, n, dim, k);
  return exactKnnUnchecked(points, n, dim, k);
}

function exactKnnUnchecked(points: Float32Array, n: number, dim: number, k: number): Int32Array {
  const out = new Int32Array(n * k);
  const bestD = new Float64Array(k);
  const bestI = new Int32Array(k);
  const block = 64;
  for (let q0 = 0; q0 < n; q0 += block) {
    const q1 = Math.min(n, q0 + block);
    for (let q = q0; q < q1; q++) {
      let count = 0;
      const qo = q * dim;
      for (let j = 0; j < n; j++) {
        if (j === q) continue;
        const jo = j * dim;
        let s = 0;
        for (let c = 0; c < dim; c++) {
          const diff = (points[qo + c] as number) - (points[jo + c] as number);
          s += diff * diff;
        }
        if (count < k || s < (bestD[k - 1] as number)) {
          // insert into the sorted top-k: grow while filling, else overwrite the current worst
          let p = count < k ? count++ : k - 1;
          while (p > 0 && (bestD[p - 1] as number) > s) {
            bestD[p] = bestD[p - 1] as number;
            bestI[p] = bestI[p - 1] as number;
            p--;
          }
          bestD[p] = s;
          bestI[p] = j;
        }
      }
      out.set(bestI.subarray(0, k), q * k);
    }
  }
  return out;
}

/** Exact k nearest of one query among `n` points (squared L2), nearest first. */
export function exactQueryKnn(points: Float32Array, n: number, dim: number, query: ArrayLike<number>, k: number): Int32Array {
  const kk = Math.min(k, n);
  const bestD = new Float64Array(kk);
  const bestI = new Int32Array(kk);
  let count = 0;
  for (let j = 0; j < n; j++) {
    const jo = j * dim;
    let s = 0;
    for (let c = 0; c < dim; c++) {
      const diff = (query[c] as number) - (points[jo + c] as number);
      s += diff * diff;
    }
    if (count < kk || s < (bestD[kk - 1] as number)) {
      let p = count < kk ? count++ : kk - 1;
      while (p > 0 && (bestD[p - 1] as number) > s) {
        bestD[p] = bestD[p - 1] as number;
        bestI[p] = bestI[p - 1] as number;
        p--;
      }
      bestD[p] = s;
      bestI[p] = j;
    }
  }
  return bestI;
}

/** HNSW k nearest neighbours (hnswlib-node, space `l2`); the query's own label is dropped. */
export function hnswKnn(
  mod: HnswModule,
  points: Float32Array,
  n: number,
  dim: number,
  k: number,
  options: KnnOptions = {},
): Int32Array {
  if (mod === null || typeof mod !== "object" || typeof (mod as { HierarchicalNSW?: unknown }).HierarchicalNSW !== "function") {
    throw new InvalidArgumentError("mod", `expected an HNSW module ({ HierarchicalNSW }), got ${describeValue(mod)}`);
  }
  checkKnnArgs(points, n, dim, k);
  checkKnnOptions(options);
  const M = options.M ?? (dim <= 16 ? 16 : 32);
  const ef = Math.max(options.efSearch ?? (dim <= 16 ? Math.max(4 * (k + 1), 64) : Math.max(8 * (k + 1), 256)), k + 1);
  const index = new mod.HierarchicalNSW("l2", dim);
  index.initIndex(n, M, options.efConstruction ?? 200, options.seed ?? 100);
  // hnswlib-node takes plain arrays only (a Float32Array throws).
  const row: number[] = new Array<number>(dim);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < dim; c++) row[c] = points[i * dim + c] as number;
    index.addPoint(row, i);
  }
  index.setEf(ef); // ef is not persisted and defaults to 10: set it for every built index
  const out = new Int32Array(n * k);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < dim; c++) row[c] = points[i * dim + c] as number;
    const { neighbors } = index.searchKnn(row, k + 1);
    let w = 0;
    for (let r = 0; r < neighbors.length && w < k; r++) {
      const j = neighbors[r] as number;
      if (j !== i) out[i * k + w++] = j;
    }
    // Fewer than k found (cannot happen with ef ≥ k+1 on a built index, kept as a guard): pad exactly.
    if (w < k) {
      const exact = exactQueryKnn(points, n, dim, points.subarray(i * dim, i * dim + dim), k + 1);
      w = 0;
      for (const j of exact) if (j !== i && w < k) out[i * k + w++] = j;
    }
  }
  return out;
}

/**
 * k nearest neighbours of every point of one chart among the chart's other points
 * (paper Algorithm 1: "connect each node to its k nearest neighbours in the same chart").
 */
export async function chartKnn(points: Float32Array, n: number, dim: number, k: number, options: KnnOptions = {}): Promise<KnnResult> {
  checkKnnArgs(points, n, dim, k);
  checkKnnOptions(options);
  const method = options.method ?? "auto";
  const exactBelow = options.exactBelow ?? 2048;
  if (method === "exact" || (method === "auto" && n <= exactBelow)) {
    return { neighbors: exactKnnUnchecked(points, n, dim, k), k, method: "exact" };
  }
  const mod = await loadHnsw();
  if (!mod) {
    if (method === "hnsw") {
      if (!hnswLoader) {
        throw new UnsupportedError(
          "knn: 'hnsw'",
          "no HNSW implementation is installed here (a browser, or Node without the 'node' export condition): use knn 'auto' or 'exact', or install one with setHnswLoader",
        );
      }
      throw new MissingDependencyError(hnswName, "knn: 'hnsw'");
    }
    return { neighbors: exactKnnUnchecked(points, n, dim, k), k, method: "exact" };
  }
  return { neighbors: hnswKnn(mod, points, n, dim, k, options), k, method: "hnsw" };
}

/** Fraction of the exact k nearest neighbours that `approx` also found (recall@k). */
export function knnRecall(approx: Int32Array, exact: Int32Array, n: number, k: number): number {
  checkInteger("n", n, { min: 1 });
  checkInteger("k", k, { min: 1 });
  for (const [name, a] of [["approx", approx], ["exact", exact]] as const) {
    if (!(a instanceof Int32Array)) throw new InvalidArgumentError(name, `expected an Int32Array of n × k neighbour indices, got ${describeValue(a)}`);
    if (a.length !== n * k) throw new ShapeMismatchError(name, `expected n × k = ${n} × ${k} = ${n * k} indices, got ${a.length}`);
    checkArray(name, a, { integers: { min: 0, max: n - 1 } });
  }
  let hit = 0;
  const set = new Set<number>();
  for (let i = 0; i < n; i++) {
    set.clear();
    for (let r = 0; r < k; r++) set.add(exact[i * k + r] as number);
    for (let r = 0; r < k; r++) if (set.has(approx[i * k + r] as number)) hit++;
  }
  return hit / (n * k);
}
