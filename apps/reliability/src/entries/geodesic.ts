/** Harness entries for every runtime export of @atlas/geodesic. */
import * as tf from "@tensorflow/tfjs";
import type { AtlasModel } from "@atlas/core";
import * as geo from "@atlas/geodesic";
import type { PackageEntries } from "../entry.js";
import { K, bad } from "../kinds.js";
import { c, entry, rows, s, scratch, type Scratch } from "./util.js";

interface Fx {
  sc: Scratch;
  model: AtlasModel;
  graph: geo.GeodesicGraph;
  graphDir: string;
  path: geo.GeodesicPath;
  points: Float32Array;
}

/** Two charts over a plane in R³: ψ by the sign of x₀, F_y(x) = (x₀, x₁) (+ offset y), G_y(z) = (z₀ − y, z₁, 0). */
function planeModel(): AtlasModel {
  return {
    charts: 2,
    latentDim: 2,
    dataShape: [3],
    partition: (x) =>
      tf.tidy(() => {
        const p = tf.sigmoid(tf.mul(tf.slice(tf.reshape(x, [-1, 3]), [0, 0], [-1, 1]), 4));
        return tf.concat([p, tf.sub(1, p)], 1) as tf.Tensor2D;
      }),
    encode: (x, chart) => tf.tidy(() => tf.add(tf.slice(tf.reshape(x, [-1, 3]), [0, 0], [-1, 2]), tf.tensor1d([chart, 0])) as tf.Tensor2D),
    decode: (z, chart) => tf.tidy(() => tf.concat([tf.sub(z, tf.tensor1d([chart, 0])), tf.zeros([z.shape[0], 1])], 1)),
  };
}

const N = 40;
const dataRows = (): number[][] => rows(N, 3).map(([a, b]) => [a! * 2 - 1, b! * 2 - 1, 0]);

async function fixtures(): Promise<Fx> {
  installedHnsw = await geo.loadHnsw();
  const sc = scratch("geodesic");
  const model = planeModel();
  const graph = await geo.buildGeodesicGraph(model, dataRows(), { k: 4, steps: 3, knn: "exact" });
  const graphDir = sc.fresh("graph");
  await graph.save(graphDir);
  const path = await graph.shortestPath(0, 5);
  const points = Float32Array.from(rows(30, 2).flat());
  return { sc, model, graph, graphDir, path, points };
}

/** The HNSW module the Node entry installed (captured before any entry replaces the loader). */
let installedHnsw: geo.HnswModule | null = null;

/** Put back what the Node entry installs (hnsw-node.ts) after a setHnswLoader entry. */
function restoreHnsw(): void {
  const mod = installedHnsw;
  geo.setHnswLoader(async () => mod, "hnswlib-node");
}

const paths = (fx: Fx): { file: string; missing: string } => ({ file: fx.sc.file, missing: fx.sc.missing });
const opts = K.options;
const optInt = (min?: number, max?: number, size = false) => K.int({ ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}), size, optional: true });
const optNum = (b: { min?: number; max?: number; above?: number; below?: number } = {}) => K.num({ ...b, optional: true });
const modelKind = () =>
  K.custom("model", () => [
    bad.reject("null", null),
    bad.reject("{}", {}),
    bad.reject("number", 3),
    bad.reject("charts: 0", { ...planeModel(), charts: 0 }),
    bad.reject("latentDim: NaN", { ...planeModel(), latentDim: Number.NaN }),
    bad.reject("dataShape: [-1]", { ...planeModel(), dataShape: [-1] }),
    bad.reject("partition: 3", { ...planeModel(), partition: 3 }),
    bad.reject("a model with other sizes", { ...planeModel(), latentDim: 3 }),
  ]);
const endKind = (fx: Fx) =>
  K.custom("end", () => [
    bad.reject("-1", -1),
    bad.reject("point N", N),
    bad.reject("1.5", 1.5),
    bad.reject("NaN", Number.NaN),
    bad.reject("null", null),
    bad.reject("'x'", "x"),
    bad.reject("{ chart: 5, z }", { chart: 5, z: [0, 0] }),
    bad.reject("{ chart: 0, z: [NaN, 0] }", { chart: 0, z: [Number.NaN, 0] }),
    bad.reject("{ chart: 0, z: [0] }", { chart: 0, z: [0] }),
    bad.reject("a sample of the wrong size", [0, 0]),
    bad.reject("a NaN sample", [Number.NaN, 0, 0]),
    bad.rejectMake("a disposed tensor", () => {
      const t = tf.zeros([1, 3]);
      t.dispose();
      return t;
    }),
    bad.rejectMake("a NaN tensor", (own) => own(tf.fill([1, 3], Number.NaN))),
    bad.reject("{}", {}),
    bad.reject("[]", []),
    bad.reject("unreachable point (other component)", fx.graph.nodeCount > 0 ? 1e9 : 1e9),
  ]);

const graphKeys = () =>
  opts({
    k: optInt(1, undefined, true),
    steps: optInt(1, undefined, true),
    epsilon: optNum({ min: 0, below: 1 }),
    batchSize: optInt(1, undefined, true),
    decodeBatchSize: optInt(2, undefined, true),
    seed: K.int({ min: 0, max: 2 ** 31 - 1, optional: true }),
    knn: K.oneOf(["auto", "hnsw", "exact"]),
    exactBelow: optInt(0, undefined, true),
    efSearch: optInt(1, undefined, true),
    M: optInt(2, 1024),
    heuristicDims: optInt(0, 256),
    onProgress: K.fn(),
  });

const knnKeys = () =>
  opts({
    method: K.oneOf(["auto", "hnsw", "exact"]),
    exactBelow: optInt(0, undefined, true),
    M: optInt(2, 1024),
    efSearch: optInt(1, undefined, true),
    efConstruction: optInt(1, undefined, true),
    seed: K.int({ min: 0, max: 2 ** 31 - 1, optional: true }),
  });

const entries = [
  entry<Fx>("geodesic.buildGeodesicGraph", () => [s("model", modelKind(), () => planeModel()), s("data", K.matrix({ dim: 3, make: (n) => rows(n, 3) }), dataRows), s("options", graphKeys(), () => ({ k: 3, steps: 2, knn: "exact" }))], (a) => geo.buildGeodesicGraph(a[0] as AtlasModel, a[1] as number[][], a[2] as geo.GeodesicGraphOptions), { maxFast: 60, timeoutMs: 30_000 }),
  entry<Fx>("geodesic.loadGeodesicGraph", (fx) => [c("dir", K.dir("read", paths(fx)), fx.graphDir), s("model", modelKind(), () => planeModel())], (a) => geo.loadGeodesicGraph(a[0] as string, a[1] as AtlasModel)),
  entry<Fx>("geodesic.GeodesicGraph", (fx) => [s("model", modelKind(), () => planeModel()), c("arrays", K.custom("arrays", () => [bad.reject("null", null), bad.reject("{}", {})]), (fx.graph as unknown as { arrays: unknown }).arrays), s("options", opts({ decodeBatchSize: optInt(2, undefined, true), timings: K.free() }), () => ({}))], (a) => new geo.GeodesicGraph(a[0] as AtlasModel, a[1] as never, a[2] as never).nodeCount),
  entry<Fx>("geodesic.GeodesicGraph#nodeCount", () => [], (_a, fx) => fx.graph.nodeCount),
  entry<Fx>("geodesic.GeodesicGraph#edgeCount", () => [], (_a, fx) => fx.graph.edgeCount),
  entry<Fx>("geodesic.GeodesicGraph#node", (fx) => [c("id", K.int({ min: 0, max: fx.graph.nodeCount - 1 }), 0)], (a, fx) => fx.graph.node(a[0] as number)),
  entry<Fx>("geodesic.GeodesicGraph#nodesOfPoint", () => [c("point", K.int({ min: 0, max: N - 1 }), 0)], (a, fx) => fx.graph.nodesOfPoint(a[0] as number)),
  entry<Fx>("geodesic.GeodesicGraph#neighbours", (fx) => [c("id", K.int({ min: 0, max: fx.graph.nodeCount - 1 }), 0)], (a, fx) => fx.graph.neighbours(a[0] as number)),
  entry<Fx>("geodesic.GeodesicGraph#stats", () => [], (_a, fx) => fx.graph.stats(), { allowNonFinite: /diameter|Bound/ }),
  entry<Fx>("geodesic.GeodesicGraph#save", (fx) => [s("dir", K.dir("write", paths(fx)), () => fx.sc.fresh("save-graph"))], (a, fx) => fx.graph.save(a[0] as string)),
  entry<Fx>("geodesic.GeodesicGraph#toNgraph", () => [], (_a, fx) => fx.graph.toNgraph().getNodesCount()),
  entry<Fx>("geodesic.GeodesicGraph#releaseNgraph", () => [], (_a, fx) => fx.graph.releaseNgraph()),
  entry<Fx>(
    "geodesic.GeodesicGraph#shortestPath",
    (fx) => [c("from", endKind(fx), 0), s("to", endKind(fx), () => ({ chart: 0, z: [0.2, 0.1] })), s("options", opts({ method: K.oneOf(["nba", "astar", "dijkstra", "csr-astar", "csr-dijkstra"]), k: optInt(1, undefined, true) }), () => ({}))],
    (a, fx) => fx.graph.shortestPath(a[0] as number, a[1] as number, a[2] as geo.ShortestPathOptions),
    { maxFast: 50 },
  ),
  entry<Fx>(
    "geodesic.GeodesicPath",
    () => [
      s("nodes", K.custom("nodes", () => [bad.reject("[]", []), bad.reject("null", null)]), () => [{ chart: 0, z: new Float32Array(2), node: 0, point: 0 }, { chart: 0, z: new Float32Array([1, 0]), node: 1, point: 1 }]),
      s("edgeLengths", K.array({ length: 1, make: () => [1] }), () => [1]),
      s("subLengths", K.custom("subLengths", () => [bad.reject("null", null), bad.reject("[]", [])]), () => [null]),
      c("method", K.str(), "test"),
      c("expanded", K.int({ min: -1 }), 1),
    ],
    (a) => new geo.GeodesicPath(...(a as ConstructorParameters<typeof geo.GeodesicPath>)).length,
  ),
  entry<Fx>("geodesic.GeodesicPath#resample", () => [c("count", K.int({ min: 1, size: true }), 5)], (a, fx) => fx.path.resample(a[0] as number)),
  entry<Fx>(
    "geodesic.decodeResampled",
    () => [s("model", modelKind(), () => planeModel()), s("points", K.custom("points", () => [bad.reject("[]", []), bad.reject("null", null), bad.reject("[{ chart: 7 }]", [{ chart: 7, z: [0, 0] }]), bad.reject("[{ z: [NaN, 0] }]", [{ chart: 0, z: [Number.NaN, 0] }]), bad.reject("[{ z: [0] }]", [{ chart: 0, z: [0] }]), bad.reject("[3]", [3])]), () => [{ chart: 0, z: [0, 0] }, { chart: 1, z: [1, 0] }])],
    (a) => geo.decodeResampled(a[0] as AtlasModel, a[1] as { chart: number; z: number[] }[]),
  ),
  entry<Fx>(
    "geodesic.decodedCurveLengths",
    () => [
      s("model", modelKind(), () => planeModel()),
      c("chart", K.int({ min: 0, max: 1 }), 0),
      s("a", K.array({ length: 4, make: () => new Float32Array([0, 0, 1, 1]) }), () => new Float32Array([0, 0, 1, 1])),
      s("b", K.array({ length: 4, make: () => new Float32Array([1, 0, 0, 1]) }), () => new Float32Array([1, 0, 0, 1])),
      c("dim", K.int({ min: 1 }), 2),
      c("steps", K.int({ min: 1, size: true }), 3),
      c("pointsPerCall", K.int({ min: 2, size: true }), 64),
    ],
    (a) => geo.decodedCurveLengths(a[0] as AtlasModel, a[1] as number, a[2] as Float32Array, a[3] as Float32Array, a[4] as number, a[5] as number, a[6] as number),
  ),
  entry<Fx>(
    "geodesic.chartKnn",
    (fx) => [s("points", K.array({ length: 60, make: () => fx.points.slice() }), () => fx.points.slice()), c("n", K.int({ min: 2, max: 30, size: true }), 30), c("dim", K.int({ min: 1, max: 60 }), 2), c("k", K.int({ min: 1, max: 29 }), 4), s("options", knnKeys(), () => ({ method: "hnsw" }))],
    (a) => geo.chartKnn(a[0] as Float32Array, a[1] as number, a[2] as number, a[3] as number, a[4] as geo.KnnOptions),
    { maxFast: 60 },
  ),
  entry<Fx>(
    "geodesic.exactKnn",
    (fx) => [s("points", K.array({ length: 60, make: () => fx.points.slice() }), () => fx.points.slice()), c("n", K.int({ min: 2, max: 30, size: true }), 30), c("dim", K.int({ min: 1, max: 60 }), 2), c("k", K.int({ min: 1, max: 29 }), 4)],
    (a) => geo.exactKnn(a[0] as Float32Array, a[1] as number, a[2] as number, a[3] as number),
  ),
  entry<Fx>(
    "geodesic.knnRecall",
    () => [s("approx", K.array({ length: 6, make: () => Int32Array.from([1, 2, 0, 2, 0, 1]), ints: { min: 0, max: 2 } }), () => Int32Array.from([1, 2, 0, 2, 0, 1])), s("exact", K.array({ length: 6, make: () => Int32Array.from([1, 2, 0, 2, 1, 0]), ints: { min: 0, max: 2 } }), () => Int32Array.from([1, 2, 0, 2, 1, 0])), c("n", K.int({ min: 1, max: 3 }), 3), c("k", K.int({ min: 1, max: 2 }), 2)],
    (a) => geo.knnRecall(a[0] as Int32Array, a[1] as Int32Array, a[2] as number, a[3] as number),
  ),
  entry<Fx>("geodesic.loadHnsw", () => [], async () => (await geo.loadHnsw()) !== null),
  entry<Fx>("geodesic.hnswlibWasmLoader", () => [c("load", K.fn(false), async () => null)], (a) => typeof geo.hnswlibWasmLoader(a[0] as () => Promise<unknown>)),
  entry<Fx>(
    "geodesic.setHnswLoader",
    () => [c("loader", K.fn(false), async () => null), c("packageName", K.name(false), "none")],
    (a) => geo.setHnswLoader(a[0] as geo.HnswLoader, a[1] as string),
    { after: () => restoreHnsw() },
  ),
  entry<Fx>(
    "geodesic.csrSearch",
    () => [
      s("g", K.custom("graph", () => [bad.reject("null", null), bad.reject("{}", {}), bad.reject("size: NaN", { size: Number.NaN, forEachNeighbour: () => undefined }), bad.reject("size: 1e12", { size: 1e12, forEachNeighbour: () => undefined }), bad.reject("negative weights", { size: 3, forEachNeighbour: (u: number, visit: (v: number, w: number) => void) => visit((u + 1) % 3, -1) })]), () => ({ size: 3, forEachNeighbour: (u: number, visit: (v: number, w: number) => void) => visit((u + 1) % 3, 1) })),
      c("from", K.int({ min: 0, max: 2 }), 0),
      c("to", K.int({ min: 0, max: 2 }), 2),
      c("h", K.fn(), undefined),
    ],
    (a) => geo.csrSearch(a[0] as geo.SearchGraph, a[1] as number, a[2] as number, a[3] as (v: number) => number),
  ),
];

const pe: PackageEntries<Fx> = {
  pkg: "geodesic",
  fixtures,
  entries,
  exempt: {
    "GeodesicGraph#edgeWeight": "private (TypeScript)",
    "GeodesicGraph#checkEnd": "private (TypeScript)",
    "GeodesicGraph#resolveEnd": "private (TypeScript)",
  },
};
export default pe;
