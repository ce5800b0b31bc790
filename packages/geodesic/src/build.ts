import * as tf from "@tensorflow/tfjs";
import {
  AtlasError,
  InvalidArgumentError,
  ShapeMismatchError,
  checkInteger,
  checkNumber,
  checkOneOf,
  checkOptions,
  describeValue,
  hasEncoder,
  toMatrix,
  toRng,
  yieldToEventLoop,
  type AtlasModel,
  type MatrixInput,
} from "@atlas/core";
import { buildCsr, connectedComponents, type GraphArrays } from "./arrays.js";
import { decodedCurveLengths, type DecodeClock } from "./curve.js";
import { chartKnn, type KnnMethod } from "./knn.js";
import { encodeBatch, project, projectionBasis, type ChartNodes, type ModelClock } from "./nodes.js";
import { GeodesicGraph } from "./graph.js";
import { checkModel, requireEncoder } from "./model.js";

/** A progress event of {@link buildGeodesicGraph}. */
export interface GeodesicProgress {
  /** `encode`: ψ, F_y and G_y(F_y(x)) of the data; `knn`: neighbours per chart; `weights`: decoded curve lengths; `assemble`: CSR, components. */
  readonly phase: "encode" | "knn" | "weights" | "assemble";
  readonly done: number;
  readonly total: number;
}

/** Options of {@link buildGeodesicGraph}. */
export interface GeodesicGraphOptions {
  /** Neighbours per node within its chart (paper: 20). Default 20. */
  k?: number;
  /** Sub-segments n of the decoded curve length, eq. 10 (paper: 15). Default 15. */
  steps?: number;
  /**
   * Chart threshold ε ∈ [0, 1): a point gets a node in chart y when ψ_y(x) > ε.
   * Default 0.5/m — below 1/m, so every point gets at least one node (max_y ψ_y ≥ 1/m); with m = 1
   * every point is a node.
   */
  epsilon?: number;
  /** Data points per partition/encode call. Default 256. */
  batchSize?: number;
  /** Latent points per decoder call when measuring edges (many edges per call). Default 4 096. */
  decodeBatchSize?: number;
  /** Seed of the HNSW level generator and of the heuristic's projection. Default 0. */
  seed?: number;
  /** Neighbour search: `"auto"` (HNSW above `exactBelow` nodes if hnswlib-node loads), `"hnsw"`, `"exact"`. */
  knn?: "auto" | KnnMethod;
  /** Under `knn: "auto"`, charts with at most this many nodes are searched exactly. Default 2 048. */
  exactBelow?: number;
  /** HNSW search breadth ef (default max(4(k+1), 64) for d ≤ 16, max(8(k+1), 256) above: recall@k ≥ 0.99). */
  efSearch?: number;
  /** HNSW degree M (default 16 for d ≤ 16, 32 above). */
  M?: number;
  /** Dimensions of the decoded-space projection used by the A* heuristic. Default 8. */
  heuristicDims?: number;
  /** Called as the build advances. */
  onProgress?: (event: GeodesicProgress) => void;
}

/** Where the build time went (milliseconds). */
export interface GeodesicBuildTimings {
  /** Partition ψ and encoders F_y (model time). */
  encoderMs: number;
  /** Decoder G_y: nodes (for crossing edges and the heuristic) and every edge's curve points. */
  decoderMs: number;
  /** Neighbour search. */
  knnMs: number;
  /** Curve-length arithmetic around the decoder: latent points, differences, norms, read-back. */
  curveArithmeticMs: number;
  /** Everything else: batching, projection, deduplication, CSR, components. */
  assemblyMs: number;
  totalMs: number;
  /** Neighbour search used per chart. */
  knnMethods: KnnMethod[];
}

interface DataSource {
  readonly n: number;
  batch(i0: number, i1: number): tf.Tensor;
}

/** Checks the data against the model's shape (a tensor's values with one read) and serves it in batches. */
async function dataSource(model: AtlasModel, data: tf.Tensor | MatrixInput): Promise<DataSource> {
  const shape = [...model.dataShape];
  const D = shape.reduce((a, b) => a * b, 1);
  if (data instanceof tf.Tensor) {
    if (data.isDisposed) throw new InvalidArgumentError("data", "the tensor is disposed");
    const s = data.shape;
    const flat = s.length === 2 && s[1] === D;
    const full = s.length === shape.length + 1 && shape.every((v, i) => s[i + 1] === v);
    if (!flat && !full) {
      throw new ShapeMismatchError("data", `expected a tensor [N, ${shape.join(", ")}] (or [N, ${D}]) for model.dataShape [${shape.join(", ")}], got [${s.join(", ")}]`);
    }
    const n = s[0] as number;
    if (n < 1) throw new InvalidArgumentError("data", "expected at least one data point, got 0");
    const flag = tf.tidy(() => tf.logicalNot(tf.all(tf.isFinite(data))));
    let bad: boolean;
    try {
      bad = (await flag.data())[0] !== 0;
    } finally {
      flag.dispose();
    }
    if (bad) throw new InvalidArgumentError("data", "expected finite values, the tensor holds NaN or ±Infinity");
    return {
      n,
      batch: (i0, i1) => tf.tidy(() => tf.reshape(tf.slice(data, [i0], [i1 - i0]), [i1 - i0, ...shape])),
    };
  }
  const m = toMatrix("data", data, { dim: D, dtype: "float32" });
  return { n: m.n, batch: (i0, i1) => tf.tensor(m.data.subarray(i0 * D, i1 * D), [i1 - i0, ...shape]) };
}

/** Validate and fill in the options (all checks before any work). */
function resolveOptions(model: AtlasModel, options: GeodesicGraphOptions) {
  checkOptions("options", options, ["k", "steps", "epsilon", "batchSize", "decodeBatchSize", "seed", "knn", "exactBelow", "efSearch", "M", "heuristicDims", "onProgress"]);
  const k = checkInteger("options.k", options.k ?? 20, { min: 1 });
  const steps = checkInteger("options.steps", options.steps ?? 15, { min: 1 });
  const epsilon = checkNumber("options.epsilon", options.epsilon ?? 0.5 / model.charts, { min: 0, below: 1 });
  const batchSize = checkInteger("options.batchSize", options.batchSize ?? 256, { min: 1 });
  const decodeBatchSize = checkInteger("options.decodeBatchSize", options.decodeBatchSize ?? 4096, { min: 2 });
  const seed = checkInteger("options.seed", options.seed ?? 0, { min: 0, max: 2 ** 31 - 1 });
  const knn = checkOneOf("options.knn", options.knn ?? "auto", ["auto", "hnsw", "exact"] as const);
  const exactBelow = checkInteger("options.exactBelow", options.exactBelow ?? 2048, { min: 0 });
  const heuristicDims = checkInteger("options.heuristicDims", options.heuristicDims ?? 8, { min: 0, max: 256 });
  const efSearch = options.efSearch === undefined ? undefined : checkInteger("options.efSearch", options.efSearch, { min: 1, max: 100_000 });
  const M = options.M === undefined ? undefined : checkInteger("options.M", options.M, { min: 2, max: 1024 });
  if (options.onProgress !== undefined && typeof options.onProgress !== "function") {
    throw new InvalidArgumentError("options.onProgress", `expected a function, got ${describeValue(options.onProgress)}`);
  }
  return { k, steps, epsilon, batchSize, decodeBatchSize, seed, knn, exactBelow, heuristicDims, efSearch, M, onProgress: options.onProgress };
}

/** Growable Float32 / Int32 storage. */
class Grow<T extends Float32Array | Int32Array | Float64Array> {
  private chunks: T[] = [];
  length = 0;
  push(a: T): void {
    this.chunks.push(a);
    this.length += a.length;
  }
  concat(Ctor: new (n: number) => T): T {
    const out = new Ctor(this.length);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c as never, o);
      o += c.length;
    }
    return out;
  }
}

/** The options after validation and defaults (see {@link resolveOptions}). */
type ResolvedOptions = ReturnType<typeof resolveOptions>;
type Progress = (event: GeodesicProgress) => void;
type EncodingModel = AtlasModel & { encode: NonNullable<AtlasModel["encode"]> };

/** The nodes (y, F_y(x)) of every chart, contiguous chart by chart, and what each carries. */
interface ChartNodeSet {
  /** First node of each chart; `chartStart[m]` = number of nodes. */
  readonly chartStart: Int32Array;
  readonly count: number;
  readonly nodeLatent: Float32Array;
  readonly nodePoint: Int32Array;
  readonly nodePsi: Float32Array;
  readonly nodeProj: Float64Array;
  readonly nodeChart: Uint16Array;
  /** Rows of the heuristic's projection, `[projDim, D]`. */
  readonly projBasis: Float64Array;
  readonly projDim: number;
  readonly crossing: ChartCrossingEdges;
}

/** Undirected chart-crossing edges, each end as (chart, position in that chart). */
interface ChartCrossingEdges {
  readonly y1: number[];
  readonly p1: number[];
  readonly y2: number[];
  readonly p2: number[];
  readonly w: number[];
}

/** Undirected in-chart edges a < b, sorted by (a, b). */
interface KnnEdges {
  readonly edgeA: Int32Array;
  readonly edgeB: Int32Array;
  readonly knnMs: number;
  readonly knnMethods: KnnMethod[];
}

/**
 * Build the latent graph of AGM paper Algorithm 1 (generalising Chen et al. 2019, Alg. 1, part 1):
 * each data point x gets a node (y, F_y(x)) in every chart with ψ_y(x) > ε; within a chart each
 * node is joined to its k nearest neighbours (HNSW, or exact for small charts) by an undirected
 * edge weighted with the decoded curve length of eq. 10; the nodes of one point in charts i ≠ j
 * are joined with weight ‖G_i(F_i(x)) − G_j(F_j(x))‖₂.
 *
 * @param data the N data points, `[N, ...model.dataShape]` (tensor, or rows of Π dataShape numbers)
 * @example
 * const graph = await buildGeodesicGraph(model, images, { k: 20, steps: 15 });
 * const path = await graph.shortestPath(0, 1);
 * const frames = path.resample(10); // { chart, z } equidistant in decoded length
 */
export async function buildGeodesicGraph(
  model: AtlasModel,
  data: tf.Tensor | MatrixInput,
  options: GeodesicGraphOptions = {},
): Promise<GeodesicGraph> {
  checkModel(model);
  requireEncoder(model, "buildGeodesicGraph");
  const opt = resolveOptions(model, options);
  const source = await dataSource(model, data);
  const tStart = performance.now();
  const progress = opt.onProgress ?? ((): void => {});
  const modelClock: ModelClock = { encoderMs: 0, decoderMs: 0 };
  const curveClock: DecodeClock = { decoderMs: 0, arithmeticMs: 0 };

  const nodes = await chartNodes(model, source, opt, modelClock, progress);
  const edges = await knnEdges(nodes, model.latentDim, opt, progress);
  const edgeW = await curveLengthWeights(model, nodes, edges, opt, curveClock, progress);
  const arrays = assembleGraph(model, source.n, opt, nodes, edges, edgeW);

  const tEnd = performance.now();
  progress({ phase: "assemble", done: 1, total: 1 });
  const timings: GeodesicBuildTimings = {
    encoderMs: modelClock.encoderMs,
    decoderMs: modelClock.decoderMs + curveClock.decoderMs,
    knnMs: edges.knnMs,
    curveArithmeticMs: curveClock.arithmeticMs,
    assemblyMs: 0,
    totalMs: tEnd - tStart,
    knnMethods: edges.knnMethods,
  };
  timings.assemblyMs = timings.totalMs - timings.encoderMs - timings.decoderMs - timings.knnMs - timings.curveArithmeticMs;
  return new GeodesicGraph(model, arrays, { decodeBatchSize: opt.decodeBatchSize, timings });
}

/**
 * Step 1, chart nodes (Algorithm 1, first loop): batch by batch, ψ, F_y and G_y(F_y(x)); a node in
 * chart y for each point with ψ_y(x) > ε, its projection for the heuristic, and the chart-crossing
 * edges between the nodes of one point. Then checks k against every chart's size.
 */
async function chartNodes(model: EncodingModel, source: DataSource, opt: ResolvedOptions, modelClock: ModelClock, progress: Progress): Promise<ChartNodeSet> {
  const m = model.charts;
  const d = model.latentDim;
  const D = model.dataShape.reduce((a, b) => a * b, 1);
  const N = source.n;
  const rng = toRng(opt.seed);
  const zByChart = Array.from({ length: m }, () => new Grow<Float32Array>());
  const pointByChart = Array.from({ length: m }, () => new Grow<Int32Array>());
  const psiByChart = Array.from({ length: m }, () => new Grow<Float32Array>());
  const projByChart = Array.from({ length: m }, () => new Grow<Float64Array>());
  const countByChart = new Int32Array(m);
  const crossing: ChartCrossingEdges = { y1: [], p1: [], y2: [], p2: [], w: [] };
  let basis: Float64Array | undefined;
  let r = 0;
  for (let i0 = 0; i0 < N; i0 += opt.batchSize) {
    const i1 = Math.min(N, i0 + opt.batchSize);
    const x = source.batch(i0, i1);
    let batch;
    try {
      batch = await encodeBatch(model, x, opt.epsilon, i0, modelClock);
    } finally {
      x.dispose();
    }
    if (!basis) {
      r = opt.heuristicDims === 0 ? 0 : Math.min(opt.heuristicDims, D);
      basis = heuristicBasis(batch, D, opt.heuristicDims, rng);
    }
    // per batch row: list of (chart, index in batch[], position in chart)
    const seen = new Map<number, NodeRef[]>();
    batch.forEach((c, ci) => {
      const y = c.chart;
      const pts = new Int32Array(c.rows.length);
      for (let i = 0; i < c.rows.length; i++) {
        const row = c.rows[i] as number;
        pts[i] = i0 + row;
        const entry = { y, c: ci, i, pos: (countByChart[y] as number) + i };
        const list = seen.get(row);
        if (list) list.push(entry);
        else seen.set(row, [entry]);
      }
      const proj = new Float64Array(c.rows.length * r);
      if (r > 0) project(c.decoded, c.rows.length, D, basis as Float64Array, r, proj);
      zByChart[y]!.push(c.z);
      pointByChart[y]!.push(pts);
      psiByChart[y]!.push(c.psi);
      projByChart[y]!.push(proj);
      countByChart[y] = (countByChart[y] as number) + c.rows.length;
    });
    chartCrossingEdges(batch, seen, D, crossing);
    progress({ phase: "encode", done: i1, total: N });
    await yieldToEventLoop();
  }
  checkChartSizes(countByChart, opt);
  const chartStart = new Int32Array(m + 1);
  for (let y = 0; y < m; y++) chartStart[y + 1] = (chartStart[y] as number) + (countByChart[y] as number);
  const count = chartStart[m] as number;
  if (count === 0) {
    throw new InvalidArgumentError("options.epsilon", `no data point has ψ_y(x) > ε = ${opt.epsilon} in any chart; lower epsilon`);
  }
  const nodeLatent = new Float32Array(count * d);
  const nodePoint = new Int32Array(count);
  const nodePsi = new Float32Array(count);
  const nodeProj = new Float64Array(count * r);
  const nodeChart = new Uint16Array(count);
  for (let y = 0; y < m; y++) {
    const s = chartStart[y] as number;
    nodeLatent.set(zByChart[y]!.concat(Float32Array), s * d);
    nodePoint.set(pointByChart[y]!.concat(Int32Array), s);
    nodePsi.set(psiByChart[y]!.concat(Float32Array), s);
    nodeProj.set(projByChart[y]!.concat(Float64Array), s * r);
    nodeChart.fill(y, s, chartStart[y + 1]);
  }
  return { chartStart, count, nodeLatent, nodePoint, nodePsi, nodeProj, nodeChart, projBasis: basis ?? new Float64Array(0), projDim: r, crossing };
}

/** A node of the current batch: its chart, index in the batch's chart list, row there, position in the chart. */
interface NodeRef {
  y: number;
  c: number;
  i: number;
  pos: number;
}

/**
 * The heuristic's projection of decoded space: `heuristicDims` orthonormal rows drawn from the
 * decoded nodes of the first batch (at most 512), empty when `heuristicDims` is 0.
 */
function heuristicBasis(batch: ChartNodes[], D: number, heuristicDims: number, rng: { normal(): number }): Float64Array {
  const sampleRows = batch.reduce((s, c) => s + c.rows.length, 0);
  const take = Math.min(sampleRows, 512);
  const sample = new Float32Array(take * D);
  let o = 0;
  for (const c of batch) {
    const t = Math.min(c.rows.length, take - o);
    sample.set(c.decoded.subarray(0, t * D), o * D);
    o += t;
  }
  const r = Math.min(heuristicDims, D);
  return heuristicDims === 0 ? new Float64Array(0) : projectionBasis(sample, take, D, r, () => rng.normal());
}

/** Chart-crossing edges of one batch: the nodes of one point in charts i ≠ j, weight ‖G_i(F_i(x)) − G_j(F_j(x))‖₂. */
function chartCrossingEdges(batch: ChartNodes[], seen: Map<number, NodeRef[]>, D: number, out: ChartCrossingEdges): void {
  for (const list of seen.values()) {
    for (let a = 0; a < list.length; a++) {
      for (let b = a + 1; b < list.length; b++) {
        const A = list[a]!;
        const B = list[b]!;
        const xa = batch[A.c]!.decoded;
        const xb = batch[B.c]!.decoded;
        let s = 0;
        for (let c = 0; c < D; c++) {
          const diff = (xa[A.i * D + c] as number) - (xb[B.i * D + c] as number);
          s += diff * diff;
        }
        out.y1.push(A.y);
        out.p1.push(A.pos);
        out.y2.push(B.y);
        out.p2.push(B.pos);
        out.w.push(Math.sqrt(s));
      }
    }
  }
}

/** k must be smaller than the points of every chart that has any (each node needs k others). */
function checkChartSizes(countByChart: Int32Array, opt: ResolvedOptions): void {
  for (let y = 0; y < countByChart.length; y++) {
    const c = countByChart[y] as number;
    if (c > 0 && opt.k >= c) {
      throw new InvalidArgumentError(
        "options.k",
        `k (${opt.k}) must be smaller than the number of points in chart ${y} (${c}); lower k, give more data, or lower epsilon (${opt.epsilon}) so more points enter the chart`,
      );
    }
  }
}

/** Step 2, kNN edges: the k nearest neighbours within each chart; undirected, deduplicated keys a·nodes + b with a < b. */
async function knnEdges(nodes: ChartNodeSet, d: number, opt: ResolvedOptions, progress: Progress): Promise<KnnEdges> {
  const { chartStart, count, nodeLatent } = nodes;
  const m = chartStart.length - 1;
  let knnMs = 0;
  const knnMethods: KnnMethod[] = [];
  const keyParts: Float64Array[] = [];
  for (let y = 0; y < m; y++) {
    const s = chartStart[y] as number;
    const n = (chartStart[y + 1] as number) - s;
    if (n === 0) {
      knnMethods.push("exact");
      continue;
    }
    const t0 = performance.now();
    const res = await chartKnn(nodeLatent.subarray(s * d, (s + n) * d), n, d, opt.k, {
      method: opt.knn,
      exactBelow: opt.exactBelow,
      seed: opt.seed,
      ...(opt.efSearch !== undefined ? { efSearch: opt.efSearch } : {}),
      ...(opt.M !== undefined ? { M: opt.M } : {}),
    });
    knnMs += performance.now() - t0;
    knnMethods.push(res.method);
    const keys = new Float64Array(n * opt.k);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < opt.k; j++) {
        const a = s + i;
        const b = s + (res.neighbors[i * opt.k + j] as number);
        keys[i * opt.k + j] = a < b ? a * count + b : b * count + a;
      }
    }
    keyParts.push(keys);
    progress({ phase: "knn", done: y + 1, total: m });
    await yieldToEventLoop();
  }
  let total = 0;
  for (const p of keyParts) total += p.length;
  const allKeys = new Float64Array(total);
  {
    let o = 0;
    for (const p of keyParts) {
      allKeys.set(p, o);
      o += p.length;
    }
  }
  allKeys.sort();
  let E = 0;
  for (let i = 0; i < allKeys.length; i++) if (i === 0 || allKeys[i] !== allKeys[i - 1]) allKeys[E++] = allKeys[i] as number;
  const edgeA = new Int32Array(E);
  const edgeB = new Int32Array(E);
  for (let e = 0; e < E; e++) {
    const key = allKeys[e] as number;
    const a = Math.floor(key / count);
    edgeA[e] = a;
    edgeB[e] = key - a * count;
  }
  return { edgeA, edgeB, knnMs, knnMethods };
}

/**
 * Step 3, decoded curve-length weights (eq. 10): chart by chart, many edges per decoder call, in
 * slices so progress can be reported on long builds. Every weight must be finite.
 */
async function curveLengthWeights(model: AtlasModel, nodes: ChartNodeSet, edges: KnnEdges, opt: ResolvedOptions, curveClock: DecodeClock, progress: Progress): Promise<Float64Array> {
  const { chartStart, nodeLatent, nodeChart } = nodes;
  const { edgeA, edgeB } = edges;
  const m = chartStart.length - 1;
  const d = model.latentDim;
  const E = edgeA.length;
  const edgeW = new Float64Array(E);
  let e0 = 0;
  let doneEdges = 0;
  for (let y = 0; y < m; y++) {
    let e1 = e0;
    const end = chartStart[y + 1] as number;
    while (e1 < E && (edgeA[e1] as number) < end) e1++;
    if (e1 === e0) continue;
    const cnt = e1 - e0;
    const za = new Float32Array(cnt * d);
    const zb = new Float32Array(cnt * d);
    for (let e = 0; e < cnt; e++) {
      za.set(nodeLatent.subarray((edgeA[e0 + e] as number) * d, (edgeA[e0 + e] as number) * d + d), e * d);
      zb.set(nodeLatent.subarray((edgeB[e0 + e] as number) * d, (edgeB[e0 + e] as number) * d + d), e * d);
    }
    const slice = Math.max(1, Math.floor((opt.decodeBatchSize * 16) / (opt.steps + 1)));
    for (let s0 = 0; s0 < cnt; s0 += slice) {
      const s1 = Math.min(cnt, s0 + slice);
      const w = await decodedCurveLengths(model, y, za.subarray(s0 * d, s1 * d), zb.subarray(s0 * d, s1 * d), d, opt.steps, opt.decodeBatchSize, curveClock);
      edgeW.set(w, e0 + s0);
      doneEdges += s1 - s0;
      progress({ phase: "weights", done: doneEdges, total: E });
      await yieldToEventLoop();
    }
    e0 = e1;
  }
  for (let e = 0; e < E; e++) {
    if (!Number.isFinite(edgeW[e] as number)) {
      throw new AtlasError("INVALID_ARGUMENT", `model.decode(z, ${nodeChart[edgeA[e] as number]}) produced a non-finite curve length on the edge between nodes ${edgeA[e]} and ${edgeB[e]}`);
    }
  }
  return edgeW;
}

/** Step 4, assemble: kNN and chart-crossing edges into CSR, the heuristic's scale, components, point → nodes. */
function assembleGraph(model: AtlasModel, N: number, opt: ResolvedOptions, nodes: ChartNodeSet, edges: KnnEdges, edgeW: Float64Array): GraphArrays {
  const { chartStart, count, nodeLatent, nodePoint, crossing } = nodes;
  const { edgeA, edgeB } = edges;
  const E = edgeA.length;
  const X = crossing.w.length;
  const allA = new Int32Array(E + X);
  const allB = new Int32Array(E + X);
  const allW = new Float64Array(E + X);
  allA.set(edgeA);
  allB.set(edgeB);
  allW.set(edgeW);
  for (let c = 0; c < X; c++) {
    allA[E + c] = (chartStart[crossing.y1[c] as number] as number) + (crossing.p1[c] as number);
    allB[E + c] = (chartStart[crossing.y2[c] as number] as number) + (crossing.p2[c] as number);
    allW[E + c] = crossing.w[c] as number;
  }
  const { offsets, targets, weights } = buildCsr(count, allA, allB, allW);
  const { component, sizes } = connectedComponents(count, offsets, targets);
  const { pointStart, pointNodes } = pointIndex(nodePoint, N);
  return {
    charts: model.charts,
    latentDim: model.latentDim,
    dataShape: [...model.dataShape],
    dataDim: model.dataShape.reduce((a, b) => a * b, 1),
    k: opt.k,
    steps: opt.steps,
    epsilon: opt.epsilon,
    pointCount: N,
    nodeChart: nodes.nodeChart,
    nodeLatent,
    nodePoint,
    nodePsi: nodes.nodePsi,
    chartStart,
    offsets,
    targets,
    weights,
    projDim: nodes.projDim,
    projBasis: nodes.projBasis,
    nodeProj: nodes.nodeProj,
    latentScale: latentScale(edges, edgeW, nodeLatent, model.latentDim),
    crossEdges: X,
    component,
    componentSizes: sizes,
    pointStart,
    pointNodes,
  };
}

/** The A* heuristic's scale: the smallest (stored float32 weight / latent length) over in-chart edges (∞ when none). */
function latentScale(edges: KnnEdges, edgeW: Float64Array, nodeLatent: Float32Array, d: number): number {
  const { edgeA, edgeB } = edges;
  let scale = Infinity;
  for (let e = 0; e < edgeA.length; e++) {
    const a = (edgeA[e] as number) * d;
    const b = (edgeB[e] as number) * d;
    let s = 0;
    for (let c = 0; c < d; c++) s += ((nodeLatent[a + c] as number) - (nodeLatent[b + c] as number)) ** 2;
    // weights are stored as float32: the ratio must hold for the stored value
    if (s > 0) scale = Math.min(scale, Math.fround(edgeW[e] as number) / Math.sqrt(s));
  }
  return scale;
}

/** CSR from data point to its nodes: `pointNodes[pointStart[p] .. pointStart[p+1])`, in node order. */
function pointIndex(nodePoint: Int32Array, N: number): { pointStart: Int32Array; pointNodes: Int32Array } {
  const count = nodePoint.length;
  const pointStart = new Int32Array(N + 1);
  for (let i = 0; i < count; i++) {
    const p = (nodePoint[i] as number) + 1;
    pointStart[p] = (pointStart[p] as number) + 1;
  }
  for (let p = 0; p < N; p++) pointStart[p + 1] = (pointStart[p + 1] as number) + (pointStart[p] as number);
  const pointNodes = new Int32Array(count);
  const fill = Int32Array.from(pointStart.subarray(0, N));
  for (let i = 0; i < count; i++) {
    const p = nodePoint[i] as number;
    const at = fill[p] as number;
    fill[p] = at + 1;
    pointNodes[at] = i;
  }
  return { pointStart, pointNodes };
}
