/**
 * Geodesic graph benchmark (issue 5), ratios from one run:
 *
 * 1. Build time split into encoder, decoder, kNN, curve arithmetic and assembly, with a realistic
 *    conv decoder R^8 → 28×28 (tf.layers dense → conv2dTranspose → conv2dTranspose): the share of
 *    the work outside the model (kNN + arithmetic + assembly) should stay under 20%.
 * 2. Queries at N = 20 000 and 100 000 nodes (synthetic latents, a cheap decoder; this part is about
 *    query speed): admissible A* vs Dijkstra in the same engine (ngraph.path aStar with the
 *    heuristic vs with h = 0; this package's CSR A* vs CSR Dijkstra), ngraph's NBA*, nodes settled,
 *    and memory per edge of the compact CSR vs the ngraph.graph view.
 *
 * Run alone: `pnpm --filter @atlas/bench exec tsx --conditions=@atlas/source src/suites/geodesic.ts [--quick] [--full]`
 * (`NODE_OPTIONS=--expose-gc` makes the ngraph memory figure exact).
 */
import * as tf from "@tensorflow/tfjs";
import { initBackend, Rng, type AtlasModel } from "@atlas/core";
import { buildGeodesicGraph, decodedCurveLengths, type GeodesicGraph, type PathMethod } from "@atlas/geodesic";
import type { BenchRow, BenchSuite, SuiteResult } from "../framework.js";

/** One measured row of the build part. */
export interface GeodesicBuildRow {
  case: "build";
  nodes: number;
  edges: number;
  k: number;
  steps: number;
  totalMs: number;
  encoderMs: number;
  decoderMs: number;
  knnMs: number;
  curveArithmeticMs: number;
  assemblyMs: number;
  /** (kNN + curve arithmetic + assembly) / total. */
  outsideModelShare: number;
  /** Everything but the decoder / total (encoder included). */
  outsideDecoderShare: number;
  knn: string;
  /** Curve lengths of the same edges: one edge per decoder call / many edges per call (time ratio), conv decoder. */
  batchedDecodeSpeedup: number;
  /** The same ratio with a cheap decoder (where per-call overhead dominates). */
  batchedDecodeSpeedupCheap: number;
  backend: string;
}

/** One measured row of the query part. */
export interface GeodesicQueryRow {
  case: "query";
  nodes: number;
  edges: number;
  buildMs: number;
  queries: number;
  /** Mean milliseconds per query (whole call: joining the ends, search, path lengths), per method. */
  ms: Record<PathMethod, number>;
  /** Mean milliseconds of the search alone, per method (the ratios below use these). */
  searchMs: Record<PathMethod, number>;
  /** Search time ngraph aStar(h = 0) / ngraph aStar(admissible h). */
  ngraphAstarSpeedup: number;
  /** CSR Dijkstra / CSR A*. */
  csrAstarSpeedup: number;
  /** ngraph aStar(h = 0) / ngraph NBA*. */
  nbaSpeedup: number;
  /** Mean nodes settled: CSR A* and CSR Dijkstra. */
  settledAstar: number;
  settledDijkstra: number;
  /** All methods returned the Dijkstra cost on every query. */
  optimal: boolean;
  csrBytesPerEdge: number;
  ngraphBytesPerEdge: number;
  backend: string;
}

/** Options of {@link runGeodesicBench}. */
export interface GeodesicBenchOptions {
  /** Small sizes for a smoke run. */
  quick?: boolean;
  /** Paper-size build (N = 2 000, k = 20, steps = 15; minutes on 2 cores). */
  full?: boolean;
  log?: (line: string) => void;
}

/** An encoder/partition/decoder model with a conv decoder R^8 → 28×28×1 (weights from a seed). */
function convModel(seed: number): AtlasModel {
  const d = 8;
  const init = (s: number) => tf.initializers.glorotUniform({ seed: seed + s });
  const decoder = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [d], units: 7 * 7 * 32, activation: "relu", kernelInitializer: init(1) }),
      tf.layers.reshape({ targetShape: [7, 7, 32] }),
      tf.layers.conv2dTranspose({ filters: 16, kernelSize: 4, strides: 2, padding: "same", activation: "relu", kernelInitializer: init(2) }),
      tf.layers.conv2dTranspose({ filters: 1, kernelSize: 4, strides: 2, padding: "same", activation: "sigmoid", kernelInitializer: init(3) }),
    ],
  });
  const encoder = tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [28, 28, 1] }),
      tf.layers.dense({ units: 64, activation: "relu", kernelInitializer: init(4) }),
      tf.layers.dense({ units: d, kernelInitializer: init(5) }),
    ],
  });
  return {
    charts: 1,
    latentDim: d,
    dataShape: [28, 28, 1],
    partition: (x) => tf.ones([x.shape[0] as number, 1]),
    encode: (x) => encoder.predict(x) as tf.Tensor2D,
    decode: (z) => decoder.predict(z) as tf.Tensor,
  };
}

/**
 * A cheap smooth decoder for query benchmarks: G(z) = [z, tanh(zW)] ∈ R^{d+h}, F(x) = x[:d], so
 * G∘F is the identity on decoded data.
 */
function cheapModel(d: number, h: number, seed: number): AtlasModel {
  const rng = new Rng(seed);
  const W = tf.tensor2d(rng.normalArray(d * h, 0, 1.5), [d, h]);
  return {
    charts: 1,
    latentDim: d,
    dataShape: [d + h],
    partition: (x) => tf.ones([x.shape[0] as number, 1]),
    encode: (x) => tf.slice(x, [0, 0], [-1, d]) as tf.Tensor2D,
    decode: (z) => tf.tidy(() => tf.concat([z, tf.tanh(tf.matMul(z, W))], 1)),
  };
}

function mean(a: number[]): number {
  return a.reduce((s, v) => s + v, 0) / Math.max(1, a.length);
}

async function buildPart(options: GeodesicBenchOptions, backend: string, log: (l: string) => void): Promise<GeodesicBuildRow> {
  const model = convModel(1);
  const rng = new Rng(2);
  const N = options.quick ? 300 : options.full ? 2000 : 800;
  const k = options.quick ? 8 : options.full ? 20 : 10;
  const steps = 15;
  // data: decoded random latents (images the decoder can produce)
  const data = tf.tidy(() => model.decode(tf.tensor2d(rng.normalArray(N * 8), [N, 8]), 0));
  // warm-up (kernels, JIT)
  await buildGeodesicGraph(model, tf.slice(data, 0, 100), { k: 4, steps: 3 });
  const g = await buildGeodesicGraph(model, data, { k, steps });
  data.dispose();
  // The straightforward version: one decoder call per edge, on the first edges of the graph.
  const oneVsBatched = async (m: AtlasModel, graph: GeodesicGraph, count: number, label: string): Promise<number> => {
    const d = m.latentDim;
    const E0 = Math.min(count, graph.edgeCount);
    const za = new Float32Array(E0 * d);
    const zb = new Float32Array(E0 * d);
    let e = 0;
    for (let u = 0; u < graph.nodeCount && e < E0; u++) {
      for (const { node } of graph.neighbours(u)) {
        if (node <= u || e >= E0) continue;
        za.set(graph.node(u).z, e * d);
        zb.set(graph.node(node).z, e * d);
        e++;
      }
    }
    let t0 = performance.now();
    const one = await decodedCurveLengths(m, 0, za, zb, d, steps, steps + 1);
    const oneMs = performance.now() - t0;
    t0 = performance.now();
    const many = await decodedCurveLengths(m, 0, za, zb, d, steps, 4096);
    const manyMs = performance.now() - t0;
    let maxDiff = 0;
    for (let i = 0; i < E0; i++) maxDiff = Math.max(maxDiff, Math.abs((one[i] as number) - (many[i] as number)) / (many[i] as number));
    log(
      `decoded curve lengths of ${E0} edges (${label}): one edge per decoder call ${oneMs.toFixed(0)} ms, batched ${manyMs.toFixed(0)} ms, ` +
        `ratio ${(oneMs / manyMs).toFixed(1)}× (max relative difference ${maxDiff.toExponential(1)}) [${backend}]`,
    );
    return oneMs / manyMs;
  };
  const convRatio = await oneVsBatched(model, g, options.quick ? 100 : 300, "conv decoder");
  const cheap = cheapModel(4, 12, 3);
  const cheapData = tf.tidy(() => cheap.decode(tf.tensor2d(rng.uniformArray(3000 * 4, -1, 1), [3000, 4]), 0));
  const cheapGraph = await buildGeodesicGraph(cheap, cheapData, { k: 10, steps });
  cheapData.dispose();
  const cheapRatio = await oneVsBatched(cheap, cheapGraph, 3000, "cheap decoder R^4 → R^16");
  const t = g.timings!;
  const outside = t.knnMs + t.curveArithmeticMs + t.assemblyMs;
  const row: GeodesicBuildRow = {
    case: "build",
    nodes: g.nodeCount,
    edges: g.edgeCount,
    k,
    steps,
    totalMs: t.totalMs,
    encoderMs: t.encoderMs,
    decoderMs: t.decoderMs,
    knnMs: t.knnMs,
    curveArithmeticMs: t.curveArithmeticMs,
    assemblyMs: t.assemblyMs,
    outsideModelShare: outside / t.totalMs,
    outsideDecoderShare: (t.totalMs - t.decoderMs) / t.totalMs,
    knn: t.knnMethods.join(","),
    batchedDecodeSpeedup: convRatio,
    batchedDecodeSpeedupCheap: cheapRatio,
    backend,
  };
  log(
    `build N=${N} k=${k} steps=${steps} (conv decoder 8→28×28): ${t.totalMs.toFixed(0)} ms = decoder ${t.decoderMs.toFixed(0)} + encoder ${t.encoderMs.toFixed(0)} + kNN ${t.knnMs.toFixed(0)} (${row.knn}) + curve arithmetic ${t.curveArithmeticMs.toFixed(0)} + assembly ${t.assemblyMs.toFixed(0)}; ` +
      `outside the model ${(100 * row.outsideModelShare).toFixed(1)}%, outside the decoder ${(100 * row.outsideDecoderShare).toFixed(1)}% [${backend}]`,
  );
  return row;
}

function heapUsed(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed;
}

async function queryPart(N: number, queries: number, backend: string, log: (l: string) => void): Promise<GeodesicQueryRow> {
  const d = 4;
  const model = cheapModel(d, 12, 3);
  const rng = new Rng(N);
  const z = rng.uniformArray(N * d, -1, 1);
  const data = tf.tidy(() => model.decode(tf.tensor2d(z, [N, d]), 0));
  // steps only changes the weights' accuracy, not the query work: 4 keeps the N = 100k build short
  const t0 = performance.now();
  const g: GeodesicGraph = await buildGeodesicGraph(model, data, { k: 20, steps: 4, decodeBatchSize: 16384 });
  const buildMs = performance.now() - t0;
  data.dispose();
  const before = heapUsed();
  g.toNgraph();
  const ngraphBytes = heapUsed() - before;
  const E = g.edgeCount;
  const a = g.arrays;
  const csrBytes = a.offsets.byteLength + a.targets.byteLength + a.weights.byteLength;
  const methods: PathMethod[] = ["nba", "astar", "dijkstra", "csr-astar", "csr-dijkstra"];
  const times: Record<PathMethod, number[]> = { nba: [], astar: [], dijkstra: [], "csr-astar": [], "csr-dijkstra": [] };
  const search: Record<PathMethod, number[]> = { nba: [], astar: [], dijkstra: [], "csr-astar": [], "csr-dijkstra": [] };
  const settledA: number[] = [];
  const settledD: number[] = [];
  let optimal = true;
  await g.shortestPath(0, 1); // warm-up
  for (let q = 0; q < queries; q++) {
    const from = rng.int(N);
    const to = rng.int(N);
    let ref = NaN;
    for (const method of [...methods].reverse()) {
      const t = performance.now();
      const p = await g.shortestPath(from, to, { method });
      times[method].push(performance.now() - t);
      search[method].push(p.searchMs);
      if (method === "csr-dijkstra") {
        ref = p.length;
        settledD.push(p.expanded);
      } else if (Math.abs(p.length - ref) > 1e-9 * Math.max(1, ref)) optimal = false;
      if (method === "csr-astar") settledA.push(p.expanded);
    }
  }
  const ms = Object.fromEntries(methods.map((m) => [m, mean(times[m])])) as Record<PathMethod, number>;
  const sm = Object.fromEntries(methods.map((m) => [m, mean(search[m])])) as Record<PathMethod, number>;
  const row: GeodesicQueryRow = {
    case: "query",
    nodes: N,
    edges: E,
    buildMs,
    queries,
    ms,
    searchMs: sm,
    ngraphAstarSpeedup: sm.dijkstra / sm.astar,
    csrAstarSpeedup: sm["csr-dijkstra"] / sm["csr-astar"],
    nbaSpeedup: sm.dijkstra / sm.nba,
    settledAstar: mean(settledA),
    settledDijkstra: mean(settledD),
    optimal,
    csrBytesPerEdge: csrBytes / E,
    ngraphBytesPerEdge: ngraphBytes / E,
    backend,
  };
  log(
    `queries N=${N} (${E} edges, built in ${(buildMs / 1000).toFixed(1)} s), ${queries} random pairs, ms/query: ` +
      methods.map((m) => `${m} ${ms[m].toFixed(2)} (search ${sm[m].toFixed(2)})`).join(", ") +
      `; A* speed-up vs Dijkstra: ngraph ${row.ngraphAstarSpeedup.toFixed(1)}×, CSR ${row.csrAstarSpeedup.toFixed(1)}×, NBA* vs ngraph Dijkstra ${row.nbaSpeedup.toFixed(1)}×; ` +
      `settled A* ${row.settledAstar.toFixed(0)} vs Dijkstra ${row.settledDijkstra.toFixed(0)}; optimal=${optimal}; ` +
      `bytes/edge CSR ${row.csrBytesPerEdge.toFixed(1)}, ngraph ${row.ngraphBytesPerEdge.toFixed(0)} [${backend}]`,
  );
  g.releaseNgraph();
  return row;
}

/** Runs the geodesic suite and returns its rows (also logged). */
export async function runGeodesicBench(options: GeodesicBenchOptions = {}): Promise<(GeodesicBuildRow | GeodesicQueryRow)[]> {
  const log = options.log ?? ((s: string) => console.log(s));
  const info = await initBackend();
  const backend = info.tfBackend;
  const rows: (GeodesicBuildRow | GeodesicQueryRow)[] = [];
  rows.push(await buildPart(options, backend, log));
  for (const N of options.quick ? [5000] : [20_000, 100_000]) rows.push(await queryPart(N, options.quick ? 10 : 50, backend, log));
  return rows;
}

/** The suite for `pnpm bench geodesic [--quick] [--full]`: rows are query searches (ratios vs Dijkstra at the same N) and the build. */
export const geodesicSuite: BenchSuite = {
  name: "geodesic",
  description: "geodesic graph: build split with a conv decoder; A* vs Dijkstra query search at N = 20k/100k; bytes per edge",
  async run(ctx): Promise<SuiteResult> {
    const rows = await runGeodesicBench({ quick: ctx.quick, full: ctx.options.full === "true", log: ctx.log });
    const out: BenchRow[] = [];
    const notes: string[] = [];
    let backend = "";
    for (const r of rows) {
      backend = r.backend;
      if (r.case === "build") {
        const pct = (v: number): string => `${((100 * v) / r.totalMs).toFixed(1)}%`;
        out.push({
          variant: `build N=${r.nodes} k=${r.k} steps=${r.steps}, conv decoder`,
          backend: r.backend,
          steps: 1,
          msPerStep: r.totalMs,
          note: `decoder ${pct(r.decoderMs)}, encoder ${pct(r.encoderMs)}, kNN ${pct(r.knnMs)}, curve arithmetic ${pct(r.curveArithmeticMs)}, assembly ${pct(r.assemblyMs)}`,
        });
        notes.push(
          `build: work outside the model (kNN + curve arithmetic + assembly) ${(100 * r.outsideModelShare).toFixed(1)}% of ${(r.totalMs / 1000).toFixed(1)} s (target < 20%)`,
          `decoded curve lengths, one edge per decoder call / batched: ${r.batchedDecodeSpeedup.toFixed(1)}× (conv decoder), ${r.batchedDecodeSpeedupCheap.toFixed(1)}× (cheap decoder)`,
        );
      } else {
        const methods: PathMethod[] = ["csr-dijkstra", "csr-astar", "dijkstra", "astar", "nba"];
        for (const m of methods) {
          const base = m.startsWith("csr") ? r.searchMs["csr-dijkstra"] : r.searchMs.dijkstra;
          out.push({
            variant: `N=${r.nodes} ${m}`,
            backend: r.backend,
            steps: r.queries,
            msPerStep: r.searchMs[m],
            throughput: 1000 / r.searchMs[m],
            unit: "queries",
            ratio: base / r.searchMs[m],
            note: m === "csr-dijkstra" || m === "dijkstra" ? "baseline of its engine" : undefined,
          });
        }
        notes.push(
          `N=${r.nodes}: ${r.edges} edges; all queries optimal (= Dijkstra cost): ${r.optimal}; nodes settled A* ${r.settledAstar.toFixed(0)} vs Dijkstra ${r.settledDijkstra.toFixed(0)}; ` +
            `bytes/edge CSR ${r.csrBytesPerEdge.toFixed(1)}, ngraph view ${r.ngraphBytesPerEdge.toFixed(0)}; build ${(r.buildMs / 1000).toFixed(1)} s`,
        );
      }
    }
    notes.push("query ratios: search time of Dijkstra in the same engine (CSR or ngraph.path) / this method's; ms/step is search time only");
    return { suite: "geodesic", description: this.description, backend, baseline: "Dijkstra of the same engine at the same N", rows: out, notes };
  },
};

const isMain = typeof process !== "undefined" && process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  const args = process.argv.slice(2);
  const rows = await runGeodesicBench({ quick: args.includes("--quick"), full: args.includes("--full") });
  console.log(JSON.stringify(rows, null, 1));
}
