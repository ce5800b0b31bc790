import * as tf from "@tensorflow/tfjs";
import createGraph, { type Graph as NGraph } from "ngraph.graph";
import { aStar, nba } from "ngraph.path";
import {
  AtlasError,
  InvalidArgumentError,
  ShapeMismatchError,
  checkChart,
  checkInteger,
  checkOneOf,
  checkOptions,
  checkPath,
  describeValue,
  type AtlasModel,
} from "@atlas/core";
import type { GraphArrays } from "./arrays.js";
import type { GeodesicBuildTimings } from "./build.js";
import { decodedCurveLengths } from "./curve.js";
import { exactQueryKnn } from "./knn.js";
import { encodeBatch, project } from "./nodes.js";
import { GeodesicPath, type PathNode } from "./path.js";
import { csrSearch, type SearchGraph } from "./search.js";
import { graphStats, type GeodesicGraphStats } from "./stats.js";
import { writeGraph } from "./files.js";
import { checkModel, requireEncoder } from "./model.js";

/**
 * One end of a geodesic query: the row of a build-data point (its graph nodes), a latent point
 * `{ chart, z }`, or a data sample (a tensor, or Π dataShape numbers) that is partitioned and
 * encoded like the build data.
 */
export type PathEnd = number | { readonly chart: number; readonly z: ArrayLike<number> } | tf.Tensor | ArrayLike<number>;

/** Search used by {@link GeodesicGraph.shortestPath}. */
export type PathMethod = "nba" | "astar" | "dijkstra" | "csr-astar" | "csr-dijkstra";

/** Options of {@link GeodesicGraph.shortestPath}. */
export interface ShortestPathOptions {
  /**
   * `"csr-astar"` (default): this package's binary-heap A* over the compact graph with the
   * admissible heuristic (measured 7× faster than ngraph.path's NBA* at N = 100 000, no ngraph view
   * needed); `"csr-dijkstra"`: the same with h = 0; `"nba"`: ngraph.path's bidirectional NBA*
   * with the heuristic; `"astar"`: ngraph.path A*; `"dijkstra"`: ngraph.path A* with h = 0.
   * All return optimal paths (tested equal to Dijkstra's cost).
   */
  method?: PathMethod;
  /** Neighbours an end that is not a graph node is joined to, in each of its charts (default: the graph's k). */
  k?: number;
}

interface TempNode {
  chart: number;
  z: Float32Array;
  proj: Float64Array;
  decoded: Float32Array;
}

type EndSpec =
  | { kind: "point"; name: string; point: number }
  | { kind: "latent"; name: string; chart: number; z: Float32Array }
  | { kind: "sample"; name: string; values: Float32Array }
  /** A data sample given as a tensor: shape checked, values not read yet (see `readEnd`). */
  | { kind: "tensor"; name: string; tensor: tf.Tensor };

interface ResolvedEnd {
  /** Node ids (graph ids, or temporary ids ≥ nodes) of this end; `primary` is where the path starts/ends. */
  ids: number[];
  primary: number;
  point: number;
}

const HEURISTIC_SHRINK = 1 - 1e-6;

/**
 * The latent graph of AGM paper Algorithm 1, stored compactly (typed arrays, CSR); ngraph's graph
 * for ngraph.path queries is built on the first such query and kept.
 */
/** The arrays a graph is made of, against the model it is used with (sizes, types, CSR lengths). */
function checkGraphArrays(arrays: unknown, model: AtlasModel): void {
  const g = arrays as Partial<GraphArrays> | null;
  if (g === null || typeof g !== "object") throw new InvalidArgumentError("arrays", `expected the graph's arrays, got ${describeValue(arrays)}`);
  const typed: [keyof GraphArrays, new (n: number) => ArrayLike<number>][] = [
    ["nodeChart", Uint16Array],
    ["nodeLatent", Float32Array],
    ["nodePoint", Int32Array],
    ["nodePsi", Float32Array],
    ["chartStart", Int32Array],
    ["offsets", Int32Array],
    ["targets", Int32Array],
    ["weights", Float32Array],
    ["projBasis", Float64Array],
    ["nodeProj", Float64Array],
    ["component", Int32Array],
    ["componentSizes", Int32Array],
    ["pointStart", Int32Array],
    ["pointNodes", Int32Array],
  ];
  for (const [key, type] of typed) {
    if (!(g[key] instanceof type)) throw new InvalidArgumentError(`arrays.${key}`, `expected a ${type.name}, got ${describeValue(g[key])}`);
  }
  if (g.charts !== model.charts || g.latentDim !== model.latentDim || !Array.isArray(g.dataShape) || g.dataShape.join(",") !== model.dataShape.join(",")) {
    throw new ShapeMismatchError("model", `the graph was built for charts ${g.charts}, latentDim ${g.latentDim}, dataShape [${g.dataShape?.join(", ")}]; the model has ${model.charts}, ${model.latentDim}, [${model.dataShape.join(", ")}]`);
  }
  const n = (g.nodeChart as Uint16Array).length;
  if ((g.nodeLatent as Float32Array).length !== n * model.latentDim || (g.offsets as Int32Array).length !== n + 1 || (g.targets as Int32Array).length !== (g.weights as Float32Array).length || (g.chartStart as Int32Array).length !== model.charts + 1) {
    throw new ShapeMismatchError("arrays", "the node and edge arrays do not have matching lengths");
  }
}

export class GeodesicGraph {
  /** @internal */
  readonly arrays: GraphArrays;
  readonly model: AtlasModel;
  /** Where the build time went (absent for a loaded graph). */
  readonly timings: GeodesicBuildTimings | undefined;
  private readonly decodeBatchSize: number;
  private ngraph: NGraph<undefined, number> | undefined;

  /** @internal use {@link buildGeodesicGraph} or {@link loadGeodesicGraph}. */
  constructor(model: AtlasModel, arrays: GraphArrays, options: { decodeBatchSize?: number; timings?: GeodesicBuildTimings } = {}) {
    checkModel(model);
    checkGraphArrays(arrays, model);
    checkOptions("options", options, ["decodeBatchSize", "timings"]);
    if (options.decodeBatchSize !== undefined) checkInteger("options.decodeBatchSize", options.decodeBatchSize, { min: 2, max: 2 ** 31 - 1 });
    this.model = model;
    this.arrays = arrays;
    this.decodeBatchSize = options.decodeBatchSize ?? 4096;
    this.timings = options.timings;
  }

  /** Number of nodes. */
  get nodeCount(): number {
    return this.arrays.nodeChart.length;
  }

  /** Number of undirected edges (in-chart and chart-crossing). */
  get edgeCount(): number {
    return this.arrays.targets.length / 2;
  }

  /** A graph node: its chart, latent point F_y(x), build-data row and ψ_y(x). */
  node(id: number): { chart: number; z: Float32Array; point: number; psi: number } {
    checkInteger("id", id, { min: 0, max: this.nodeCount - 1 });
    const d = this.arrays.latentDim;
    return {
      chart: this.arrays.nodeChart[id] as number,
      z: this.arrays.nodeLatent.slice(id * d, id * d + d),
      point: this.arrays.nodePoint[id] as number,
      psi: this.arrays.nodePsi[id] as number,
    };
  }

  /** The graph nodes of one build-data point (one per chart it entered). */
  nodesOfPoint(point: number): number[] {
    checkInteger("point", point, { min: 0, max: this.arrays.pointCount - 1 });
    const a = this.arrays;
    return Array.from(a.pointNodes.subarray(a.pointStart[point], a.pointStart[point + 1]));
  }

  /** The neighbours of a node with the edge weights. */
  neighbours(id: number): { node: number; weight: number }[] {
    checkInteger("id", id, { min: 0, max: this.nodeCount - 1 });
    const a = this.arrays;
    const out: { node: number; weight: number }[] = [];
    for (let e = a.offsets[id] as number; e < (a.offsets[id + 1] as number); e++) out.push({ node: a.targets[e] as number, weight: a.weights[e] as number });
    return out;
  }

  /**
   * Statistics: nodes, edges, chart-crossing edges, connected components, diameter in hops
   * (exact by BFS from every node up to 10 000 nodes; above, bounds — see {@link GeodesicGraphStats}),
   * edge-weight quantiles.
   */
  stats(): GeodesicGraphStats {
    return graphStats(this.arrays);
  }

  /**
   * Write the graph to a directory (created; written to a temporary sibling and renamed into
   * place, so a crash leaves no half-written graph). The model is not saved.
   */
  save(dir: string): Promise<void> {
    return writeGraph(dir, this.arrays);
  }

  /** The ngraph.graph view (built once, on first use): node ids 0…nodes−1, link data = weight. */
  toNgraph(): NGraph<undefined, number> {
    if (!this.ngraph) {
      const a = this.arrays;
      const g = createGraph<undefined, number>();
      for (let i = 0; i < this.nodeCount; i++) g.addNode(i);
      for (let u = 0; u < this.nodeCount; u++) {
        for (let e = a.offsets[u] as number; e < (a.offsets[u + 1] as number); e++) {
          const v = a.targets[e] as number;
          if (u < v) g.addLink(u, v, a.weights[e] as number);
        }
      }
      this.ngraph = g;
    }
    return this.ngraph;
  }

  /** Drop the ngraph.graph view (it is rebuilt when needed). */
  releaseNgraph(): void {
    this.ngraph = undefined;
  }

  /**
   * The graph geodesic between two ends (AGM paper section 3.1, Chen et al. 2019 Alg. 1 part 2):
   * an end that is not a graph node is added temporarily, joined to its k nearest neighbours in
   * each of its charts by decoded-curve-length edges (and its nodes in several charts to each other),
   * the shortest path is found by A* with an admissible, consistent heuristic, and the temporary
   * nodes are removed again (the graph is unchanged by a query).
   *
   * The heuristic h(u, v) = max(c·‖z_u − z_v‖ [same chart, graph without crossing edges],
   * ‖Q(G(z_u) − G(z_v))‖): c is the smallest weight/latent-length ratio over all in-chart edges,
   * the query's temporary ones included, so c·‖Δz‖ never exceeds a path's length inside one chart;
   * Q is an orthonormal projection of data space, and every edge weight is at least the decoded
   * distance between its ends (triangle inequality), so the projected decoded distance never
   * exceeds any path's length, across charts too. Latent distances in two charts are not
   * comparable, and even within one chart a route through another chart can be shorter than c·‖Δz‖,
   * so the latent term is used only when the graph has no chart-crossing edges.
   *
   * @example
   * const path = await graph.shortestPath(3, { chart: 1, z: [0.2, -0.4] });
   * path.length; path.chartSequence; path.resample(10);
   */
  async shortestPath(from: PathEnd, to: PathEnd, options: ShortestPathOptions = {}): Promise<GeodesicPath> {
    checkOptions("options", options, ["method", "k"]);
    const a = this.arrays;
    const method = checkOneOf("options.method", options.method ?? "csr-astar", ["nba", "astar", "dijkstra", "csr-astar", "csr-dijkstra"] as const);
    const k = checkInteger("options.k", options.k ?? a.k, { min: 1 });
    // Validate both ends fully before any work (a tensor end's values with one read each).
    const fromChecked = this.checkEnd("from", from);
    const toChecked = this.checkEnd("to", to);
    const fromSpec = await readEnd(fromChecked);
    const toSpec = await readEnd(toChecked);
    const N = this.nodeCount;
    const temps: TempNode[] = [];
    const tempAdj = new Map<number, { v: number; w: number; sub: Float32Array | null }[]>();
    const addEdge = (u: number, v: number, w: number, sub: Float32Array | null): void => {
      for (const [p, q] of [
        [u, v],
        [v, u],
      ] as const) {
        const list = tempAdj.get(p);
        if (list) list.push({ v: q, w, sub });
        else tempAdj.set(p, [{ v: q, w, sub }]);
      }
    };
    const fromEnd = await this.resolveEnd(fromSpec, temps, addEdge, k);
    const toEnd = await this.resolveEnd(toSpec, temps, addEdge, k);
    const size = N + temps.length;
    const chartOf = (id: number): number => (id < N ? (a.nodeChart[id] as number) : (temps[id - N] as TempNode).chart);
    const latentOf = (id: number): Float32Array =>
      id < N ? a.nodeLatent.subarray(id * a.latentDim, id * a.latentDim + a.latentDim) : (temps[id - N] as TempNode).z;

    // Components: an end reaches the components of its nodes and of its temporary neighbours.
    const comps = (end: ResolvedEnd): Set<number> => {
      const s = new Set<number>();
      const stack = [...end.ids];
      const seen = new Set<number>(stack);
      while (stack.length) {
        const u = stack.pop() as number;
        if (u < N) s.add(a.component[u] as number);
        else for (const { v } of tempAdj.get(u) ?? []) if (!seen.has(v)) (seen.add(v), stack.push(v));
      }
      return s;
    };
    const cf = comps(fromEnd);
    const ct = comps(toEnd);
    if (![...cf].some((c) => ct.has(c))) {
      const describe = (s: Set<number>): string =>
        [...s].map((c) => `component ${c} (${a.componentSizes[c]} nodes)`).join(" and ") || "no component";
      throw new AtlasError(
        "DISCONNECTED",
        `no path: from lies in ${describe(cf)}, to lies in ${describe(ct)}; the graph has ${a.componentSizes.length} connected components ` +
          `(sizes ${Array.from(a.componentSizes.slice(0, 10)).join(", ")}${a.componentSizes.length > 10 ? ", …" : ""}). ` +
          "Raise k, add data, or lower epsilon so charts overlap.",
      );
    }

    // Heuristic: scale c over all in-chart edges incl. temporary; latent term only without crossings.
    let c = a.latentScale;
    let tempCrossing = false;
    for (const [u, list] of tempAdj) {
      for (const { v, w } of list) {
        if (chartOf(u) !== chartOf(v)) {
          tempCrossing = true;
          continue;
        }
        const zu = latentOf(u);
        const zv = latentOf(v);
        let s = 0;
        for (let i = 0; i < zu.length; i++) s += ((zu[i] as number) - (zv[i] as number)) ** 2;
        if (s > 0) c = Math.min(c, w / Math.sqrt(s));
      }
    }
    const useLatent = a.crossEdges === 0 && !tempCrossing && Number.isFinite(c);
    const r = a.projDim;
    const d0 = a.latentDim;
    // Flat copies of the temporary nodes' data so the heuristic indexes typed arrays only.
    const tLatent = new Float32Array(temps.length * d0);
    const tProj = new Float64Array(temps.length * r);
    const tChart = new Int32Array(temps.length);
    temps.forEach((t, i) => {
      tLatent.set(t.z, i * d0);
      tProj.set(t.proj, i * r);
      tChart[i] = t.chart;
    });
    const { nodeLatent, nodeProj, nodeChart } = a;
    const heuristic = (u: number, v: number): number => {
      let best = 0;
      const uTemp = u >= N;
      const vTemp = v >= N;
      if (useLatent) {
        const cu = uTemp ? (tChart[u - N] as number) : (nodeChart[u] as number);
        const cv = vTemp ? (tChart[v - N] as number) : (nodeChart[v] as number);
        if (cu === cv) {
          const zu = uTemp ? tLatent : nodeLatent;
          const zv = vTemp ? tLatent : nodeLatent;
          const ou = (uTemp ? u - N : u) * d0;
          const ov = (vTemp ? v - N : v) * d0;
          let s = 0;
          for (let i = 0; i < d0; i++) {
            const diff = (zu[ou + i] as number) - (zv[ov + i] as number);
            s += diff * diff;
          }
          best = c * Math.sqrt(s);
        }
      }
      if (r > 0) {
        const pu = uTemp ? tProj : nodeProj;
        const pv = vTemp ? tProj : nodeProj;
        const ou = (uTemp ? u - N : u) * r;
        const ov = (vTemp ? v - N : v) * r;
        let s = 0;
        for (let i = 0; i < r; i++) {
          const diff = (pu[ou + i] as number) - (pv[ov + i] as number);
          s += diff * diff;
        }
        const h = Math.sqrt(s);
        if (h > best) best = h;
      }
      return best * HEURISTIC_SHRINK;
    };

    const source = fromEnd.primary;
    const target = toEnd.primary;
    let ids: number[];
    let expanded = -1;
    const searchStart = performance.now();
    if (source === target) {
      ids = [source];
    } else if (method === "csr-astar" || method === "csr-dijkstra") {
      const hasExtra = new Uint8Array(size);
      for (const u of tempAdj.keys()) hasExtra[u] = 1;
      const { offsets, targets, weights } = a;
      const sg: SearchGraph = {
        size,
        forEachNeighbour: (u, visit) => {
          if (u < N) for (let e = offsets[u] as number, end = offsets[u + 1] as number; e < end; e++) visit(targets[e] as number, weights[e] as number);
          if (hasExtra[u]) for (const { v, w } of tempAdj.get(u) ?? []) visit(v, w);
        },
      };
      const res = csrSearch(sg, source, target, method === "csr-astar" ? (v) => heuristic(v, target) : undefined);
      if (!res) throw new AtlasError("DISCONNECTED", "no path between the ends (the search exhausted the component)");
      ids = res.ids;
      expanded = res.expanded;
    } else {
      const g = this.toNgraph();
      const added: number[] = [];
      try {
        for (let t = 0; t < temps.length; t++) {
          g.addNode(N + t);
          added.push(N + t);
        }
        for (const [u, list] of tempAdj) for (const { v, w } of list) if (u >= N && (v < N || u < v)) g.addLink(u, v, w);
        const distance = (_a: unknown, _b: unknown, link: { data: number }): number => link.data;
        const finder =
          method === "nba"
            ? nba<undefined, number>(g, { distance, heuristic: (x, y) => heuristic(x.id as number, y.id as number) })
            : aStar<undefined, number>(g, {
                distance,
                heuristic: method === "astar" ? (x, y) => heuristic(x.id as number, y.id as number) : () => 0,
              });
        const found = finder.find(source, target);
        if (found.length === 0) throw new AtlasError("DISCONNECTED", "no path between the ends (the search exhausted the component)");
        ids = found.map((n) => n.id as number).reverse(); // ngraph.path returns the path target-first
      } finally {
        for (const id of added) g.removeNode(id);
      }
    }

    const searchMs = performance.now() - searchStart;
    // Edge lengths, and sub-step lengths of in-chart edges for resampling (re-decoded in one call per chart).
    const nodes: PathNode[] = ids.map((id) => ({
      chart: chartOf(id),
      z: Float32Array.from(latentOf(id)),
      node: id < N ? id : -1,
      point: id < N ? (a.nodePoint[id] as number) : -1,
    }));
    const edgeLengths: number[] = [];
    for (let i = 0; i + 1 < ids.length; i++) edgeLengths.push(this.edgeWeight(ids[i] as number, ids[i + 1] as number, tempAdj));
    const sub: (Float32Array | null)[] = edgeLengths.map(() => null);
    const byChart = new Map<number, number[]>();
    for (let i = 0; i + 1 < ids.length; i++) {
      const y = chartOf(ids[i] as number);
      if (y !== chartOf(ids[i + 1] as number)) continue;
      const list = byChart.get(y);
      if (list) list.push(i);
      else byChart.set(y, [i]);
    }
    const d = a.latentDim;
    for (const [y, segs] of byChart) {
      const za = new Float32Array(segs.length * d);
      const zb = new Float32Array(segs.length * d);
      segs.forEach((i, j) => {
        za.set(latentOf(ids[i] as number), j * d);
        zb.set(latentOf(ids[i + 1] as number), j * d);
      });
      const subs = new Float32Array(segs.length * a.steps);
      await decodedCurveLengths(this.model, y, za, zb, d, a.steps, this.decodeBatchSize, undefined, subs);
      segs.forEach((i, j) => (sub[i] = subs.slice(j * a.steps, (j + 1) * a.steps)));
    }
    return new GeodesicPath(nodes, edgeLengths, sub, method, expanded, searchMs);
  }

  private edgeWeight(u: number, v: number, tempAdj: Map<number, { v: number; w: number }[]>): number {
    const a = this.arrays;
    let best = Infinity;
    if (u < this.nodeCount) {
      for (let e = a.offsets[u] as number; e < (a.offsets[u + 1] as number); e++) if (a.targets[e] === v) best = Math.min(best, a.weights[e] as number);
    }
    for (const x of tempAdj.get(u) ?? []) if (x.v === v) best = Math.min(best, x.w);
    return best;
  }

  /** Validate an end without doing any work. */
  private checkEnd(name: string, end: PathEnd): EndSpec {
    const a = this.arrays;
    if (typeof end === "number") {
      return { kind: "point", name, point: checkInteger(name, end, { min: 0, max: a.pointCount - 1 }) };
    }
    if (end instanceof tf.Tensor) {
      if (end.isDisposed) throw new InvalidArgumentError(name, "the tensor is disposed");
      const D = a.dataDim;
      if (end.size !== D) {
        throw new ShapeMismatchError(name, `expected one data sample of shape [${a.dataShape.join(", ")}] (${D} values), got a tensor [${end.shape.join(", ")}]`);
      }
      requireEncoder(this.model, `shortestPath: ${name} is a data sample, which`);
      return { kind: "tensor", name, tensor: end };
    }
    if (end !== null && typeof end === "object" && "chart" in end && "z" in end) {
      const chart = checkChart(`${name}.chart`, end.chart, a.charts);
      const z = end.z;
      if (z === null || typeof z !== "object" || typeof (z as ArrayLike<number>).length !== "number") {
        throw new InvalidArgumentError(`${name}.z`, `expected ${a.latentDim} numbers, got ${describeValue(z)}`);
      }
      if (z.length !== a.latentDim) throw new ShapeMismatchError(`${name}.z`, `expected ${a.latentDim} numbers (the latent dimension), got ${z.length}`);
      const zz = Float32Array.from(z as ArrayLike<number>);
      for (let i = 0; i < zz.length; i++) {
        if (!Number.isFinite(zz[i] as number)) throw new InvalidArgumentError(`${name}.z`, `expected finite values, found ${describeValue(z[i])} at index ${i}`);
      }
      if (a.chartStart[chart + 1] === a.chartStart[chart]) {
        throw new InvalidArgumentError(`${name}.chart`, `chart ${chart} has no graph nodes (no build point had ψ_${chart}(x) > ε = ${a.epsilon})`);
      }
      return { kind: "latent", name, chart, z: zz };
    }
    if (end !== null && typeof end === "object" && typeof (end as ArrayLike<number>).length === "number") {
      const arr = end as ArrayLike<number>;
      if (arr.length !== a.dataDim) {
        throw new ShapeMismatchError(name, `expected a data sample of ${a.dataDim} values (shape [${a.dataShape.join(", ")}]), got ${arr.length}; pass { chart, z } for a latent point or a build-data row number`);
      }
      for (let i = 0; i < arr.length; i++) {
        if (!Number.isFinite(arr[i] as number)) throw new InvalidArgumentError(name, `expected finite values, found ${describeValue(arr[i])} at index ${i}`);
      }
      requireEncoder(this.model, `shortestPath: ${name} is a data sample, which`);
      return { kind: "sample", name, values: Float32Array.from(arr) };
    }
    throw new InvalidArgumentError(name, `expected a build-data row number, { chart, z }, or a data sample, got ${describeValue(end)}`);
  }

  private async resolveEnd(
    spec: Exclude<EndSpec, { kind: "tensor" }>,
    temps: TempNode[],
    addEdge: (u: number, v: number, w: number, sub: Float32Array | null) => void,
    k: number,
  ): Promise<ResolvedEnd> {
    const a = this.arrays;
    const N = this.nodeCount;
    if (spec.kind === "point") {
      const ids = this.nodesOfPoint(spec.point);
      if (ids.length === 0) {
        throw new InvalidArgumentError(spec.name, `build-data point ${spec.point} has no graph node (ψ_y(x) ≤ ε = ${a.epsilon} in every chart)`);
      }
      let primary = ids[0] as number;
      for (const id of ids) if ((a.nodePsi[id] as number) > (a.nodePsi[primary] as number)) primary = id;
      return { ids, primary, point: spec.point };
    }
    let newTemps: { chart: number; z: Float32Array; decoded: Float32Array; psi: number }[];
    if (spec.kind === "latent") {
      const decodedT = tf.tidy(() => this.model.decode(tf.tensor2d(spec.z, [1, a.latentDim]), spec.chart));
      let decoded: ArrayLike<number>;
      try {
        decoded = await decodedT.data();
      } finally {
        decodedT.dispose();
      }
      newTemps = [{ chart: spec.chart, z: spec.z, decoded: Float32Array.from(decoded), psi: 1 }];
    } else {
      requireEncoder(this.model, `shortestPath: ${spec.name} is a data sample, which`);
      const x = tf.tensor(spec.values, [1, ...a.dataShape]);
      try {
        const enc = await encodeBatch(this.model as AtlasModel & { encode: NonNullable<AtlasModel["encode"]> }, x, a.epsilon, 0, { encoderMs: 0, decoderMs: 0 }, true);
        newTemps = enc
          .filter((c) => (a.chartStart[c.chart + 1] as number) > (a.chartStart[c.chart] as number))
          .map((c) => ({ chart: c.chart, z: c.z, decoded: c.decoded, psi: c.psi[0] as number }));
      } finally {
        x.dispose();
      }
      if (newTemps.length === 0) throw new InvalidArgumentError(spec.name, "the sample falls in no chart that has graph nodes");
    }
    const ids: number[] = [];
    let primary = -1;
    let bestPsi = -Infinity;
    const D = a.dataDim;
    for (const t of newTemps) {
      const proj = new Float64Array(a.projDim);
      if (a.projDim > 0) project(t.decoded, 1, D, a.projBasis, a.projDim, proj);
      const id = N + temps.length;
      temps.push({ chart: t.chart, z: t.z, proj, decoded: t.decoded });
      ids.push(id);
      if (t.psi > bestPsi) ((bestPsi = t.psi), (primary = id));
      // k nearest graph nodes of its chart (exact scan), joined by decoded curve lengths.
      const s = a.chartStart[t.chart] as number;
      const n = (a.chartStart[t.chart + 1] as number) - s;
      const nb = exactQueryKnn(a.nodeLatent.subarray(s * a.latentDim, (s + n) * a.latentDim), n, a.latentDim, t.z, k);
      const za = new Float32Array(nb.length * a.latentDim);
      const zb = new Float32Array(nb.length * a.latentDim);
      nb.forEach((j, i) => {
        za.set(t.z, i * a.latentDim);
        zb.set(a.nodeLatent.subarray((s + j) * a.latentDim, (s + j + 1) * a.latentDim), i * a.latentDim);
      });
      const w = await decodedCurveLengths(this.model, t.chart, za, zb, a.latentDim, a.steps, this.decodeBatchSize);
      nb.forEach((j, i) => addEdge(id, s + j, Math.fround(w[i] as number), null));
    }
    // The nodes of one end in several charts are joined by the decoded jump, as in the graph.
    for (let i = 0; i < ids.length; i++) {
      for (let j = i + 1; j < ids.length; j++) {
        const xa = (temps[(ids[i] as number) - N] as TempNode).decoded;
        const xb = (temps[(ids[j] as number) - N] as TempNode).decoded;
        let s = 0;
        for (let c = 0; c < D; c++) s += ((xa[c] as number) - (xb[c] as number)) ** 2;
        addEdge(ids[i] as number, ids[j] as number, Math.fround(Math.sqrt(s)), null);
      }
    }
    return { ids, primary, point: -1 };
  }
}

/** A tensor end read (one `await data()`) and its values checked; other ends pass through. */
async function readEnd(spec: EndSpec): Promise<Exclude<EndSpec, { kind: "tensor" }>> {
  if (spec.kind !== "tensor") return spec;
  const values = Float32Array.from(await spec.tensor.data());
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i] as number)) throw new InvalidArgumentError(spec.name, `expected finite values, found ${values[i]} at index ${i}`);
  }
  return { kind: "sample", name: spec.name, values };
}
