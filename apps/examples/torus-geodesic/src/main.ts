// An atlas of a torus and a geodesic across its charts. A torus cannot be covered by one chart
// (no continuous map from a plane covers it one-to-one), so an Atlas VAE with several 2-D charts
// learns one from 3-D points; @atlas/geodesic then builds its latent graph and finds the shortest
// decoded path between two points on opposite sides of the torus, changing chart on the way.
// The reference: the same shortest path over a k-nearest-neighbour graph of the points themselves
// in R³ (Isomap's estimate of the geodesic distance), and the straight chord.
//
//   pnpm start [--quick] [--charts 4]
import * as tf from "@tensorflow/tfjs";
import { initBackend, torus } from "@atlas/core";
import { chartConfidence, createAtlasVae, reconstructionError, trainAtlasVae } from "@atlas/agm";
import { buildGeodesicGraph } from "@atlas/geodesic";

/** Shortest-path length between rows a and b of a k-nearest-neighbour graph of `points` (Euclidean edges). */
export function dataGraphGeodesic(points: Float32Array, dim: number, k: number, a: number, b: number): number {
  const n = points.length / dim;
  const dist = (i: number, j: number): number => {
    let s = 0;
    for (let c = 0; c < dim; c++) s += (points[i * dim + c]! - points[j * dim + c]!) ** 2;
    return Math.sqrt(s);
  };
  const adj: { j: number; w: number }[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++) {
    const near = Array.from({ length: n }, (_, j) => j)
      .filter((j) => j !== i)
      .map((j) => ({ j, w: dist(i, j) }))
      .sort((x, y) => x.w - y.w)
      .slice(0, k);
    for (const e of near) {
      adj[i]!.push(e);
      adj[e.j]!.push({ j: i, w: e.w });
    }
  }
  const best = new Float64Array(n).fill(Infinity);
  const done = new Uint8Array(n);
  best[a] = 0;
  for (;;) {
    let u = -1;
    for (let i = 0; i < n; i++) if (!done[i] && (u < 0 || best[i]! < best[u]!)) u = i;
    if (u < 0 || best[u] === Infinity) return Infinity;
    if (u === b) return best[b]!;
    done[u] = 1;
    for (const { j, w } of adj[u]!) if (best[u]! + w < best[j]!) best[j] = best[u]! + w;
  }
}

/** What {@link run} found. */
export interface TorusResult {
  charts: number;
  reconstructionMse: number;
  pointsPerChart: number[];
  graph: { nodes: number; edges: number; crossEdges: number };
  from: number;
  to: number;
  chord: number;
  dataGeodesic: number;
  modelGeodesic: number;
  chartSequence: number[];
  frames: { chart: number; point: number[] }[];
}

/** Train the atlas, build its graph, find the geodesic between two opposite points. */
export async function run(options: { quick?: boolean; charts?: number; seed?: number; log?: (line: string) => void } = {}): Promise<TorusResult> {
  const log = options.log ?? ((l: string) => console.log(l));
  const seed = options.seed ?? 0;
  const charts = options.charts ?? 4;
  await initBackend();
  // R = 2, r = 1, points uniform on the surface
  const train = torus(options.quick ? 1500 : 4000, seed, { sampling: "area" });
  const nodes = torus(options.quick ? 600 : 1500, seed + 1, { sampling: "area" });
  const vae = createAtlasVae({ charts, latentDim: 2, dataShape: [3], hidden: [64, 64], likelihood: "gaussian", sigma: 0.05, seed });
  try {
    log(`training an Atlas VAE with ${charts} charts of R² on ${train.n} torus points`);
    await trainAtlasVae(vae, train, { epochs: options.quick ? 25 : 60, batchSize: 64, learningRate: 3e-3, halveAfter: [options.quick ? 15 : 40], seed });
    const mse = (await reconstructionError(vae, nodes)).mse;
    const conf = await chartConfidence(vae, nodes);
    log(`reconstruction MSE ${mse.toFixed(4)}; points per chart ${Array.from(conf.chartCounts).join(" / ")}`);

    const x = tf.tensor2d(nodes.data, [nodes.n, 3]);
    const graph = await buildGeodesicGraph(vae, x, { k: 10, steps: 8, seed });
    x.dispose();
    const stats = graph.stats();
    log(`graph: ${stats.nodes} nodes, ${stats.edges} edges, ${stats.chartCrossingEdges} between charts, ${stats.components} component(s)`);

    // two points on the outer equator (poloidal angle near 0), toroidal angles about π apart
    const u = nodes.toroidal;
    const v = nodes.poloidal;
    const outer = Array.from({ length: nodes.n }, (_, i) => i).filter((i) => Math.cos(v[i]!) > 0.95);
    const from = outer.reduce((b, i) => (Math.abs(Math.sin(u[i]! / 2)) < Math.abs(Math.sin(u[b]! / 2)) ? i : b)); // u ≈ 0
    const to = outer.reduce((b, i) => (Math.abs(Math.cos(u[i]! / 2)) < Math.abs(Math.cos(u[b]! / 2)) ? i : b)); // u ≈ π
    const p = (i: number): number[] => Array.from(nodes.data.subarray(3 * i, 3 * i + 3));
    const chord = Math.hypot(...p(from).map((c, k) => c - p(to)[k]!));
    const dataGeodesic = dataGraphGeodesic(nodes.data, 3, 10, from, to);
    const path = await graph.shortestPath(from, to);
    const frames = path.resample(9);
    const decoded = frames.map((f) => {
      const z = tf.tensor2d(f.z, [1, 2]);
      const xr = tf.tidy(() => vae.decode(z, f.chart));
      const out = Array.from(xr.dataSync());
      tf.dispose([z, xr]);
      return { chart: f.chart, point: out.map((c) => Number(c.toFixed(3))) };
    });
    log(`from point ${from} (${p(from).map((c) => c.toFixed(2)).join(", ")}) to point ${to} (${p(to).map((c) => c.toFixed(2)).join(", ")}):`);
    log(`  straight chord ${chord.toFixed(3)} | geodesic over the points' kNN graph in R³ ${dataGeodesic.toFixed(3)} | the atlas's graph geodesic ${path.length.toFixed(3)}`);
    log(`  charts along the path: ${path.chartSequence.join(" → ")}`);
    for (const f of decoded) log(`    chart ${f.chart}: (${f.point.join(", ")})`);
    graph.releaseNgraph();
    return {
      charts,
      reconstructionMse: mse,
      pointsPerChart: Array.from(conf.chartCounts),
      graph: { nodes: stats.nodes, edges: stats.edges, crossEdges: stats.chartCrossingEdges },
      from,
      to,
      chord,
      dataGeodesic,
      modelGeodesic: path.length,
      chartSequence: [...path.chartSequence],
      frames: decoded,
    };
  } finally {
    vae.dispose();
  }
}

if (import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const args = process.argv.slice(2);
  const c = args.indexOf("--charts");
  await run({ quick: args.includes("--quick"), ...(c >= 0 ? { charts: Number(args[c + 1]) } : {}) });
}
