// Node-only: `atlas geodesic --export` — the bundle the web explorer (apps/explorer) loads.
//
// Format `atlas-explorer-bundle`, version 1: a folder with
//   bundle.json            model and graph description, node arrays (base64 little-endian typed arrays),
//                          every point's code in every chart, the analysed pairs
//   points.png             the build points as one grid image (`thumbnails` says its layout)
//   decoder-<y>/model.json + weights.bin   chart y's decoder G_y as a tfjs layers model
//                          (z [n, d] → x [n, ...dataShape]), loadable with tf.loadLayersModel(url)
// Everything is static files: serve the folder over http (or let the explorer fetch it).
import { promises as fs } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { encodeImageGrid, saveModel, writeDirAtomic, type AtlasModel, type Dataset } from "@atlas/core";
import { AtlasVae, AwaeGan } from "@atlas/agm";
import type { LoadedData } from "../data/index.js";
import type { LoadedModel } from "../model-dir.js";
import type { GeodesicAnalysis } from "./geodesics.js";
import { UsageError } from "../args.js";

export const BUNDLE_FORMAT = "atlas-explorer-bundle";
export const BUNDLE_VERSION = 1;

/** Base64 of a typed array's bytes (little-endian on every platform Node runs on). */
export function b64(a: Float32Array | Int32Array | Uint16Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("base64");
}

/** The decoder of chart `y` as one tfjs layers model z → x (what the explorer runs in the page). */
export function chartDecoderModel(loaded: LoadedModel, y: number): tf.LayersModel {
  const atlas = loaded.atlas;
  if (atlas instanceof AwaeGan) {
    const dec = atlas.nets.chartDecoders[y]!;
    const z = tf.input({ shape: [atlas.latentDim], name: "z" });
    const out = atlas.nets.tail.apply(dec.apply(z)) as tf.SymbolicTensor;
    return tf.model({ inputs: z, outputs: out, name: `chart_decoder_${y}` });
  }
  if (atlas instanceof AtlasVae) {
    const z = tf.input({ shape: [atlas.latentDim], name: "z" });
    let out = atlas.nets.chartDecoders[y]!.apply(z) as tf.SymbolicTensor;
    if (atlas.config.likelihood === "bernoulli") out = tf.layers.activation({ activation: "sigmoid" }).apply(out) as tf.SymbolicTensor;
    out = tf.layers.reshape({ targetShape: [...atlas.dataShape] }).apply(out) as tf.SymbolicTensor;
    return tf.model({ inputs: z, outputs: out, name: `chart_decoder_${y}` });
  }
  if (loaded.autoencoder) return loaded.autoencoder.decoder;
  throw new UsageError("--export", `a ${loaded.manifest.kind} model on vectors cannot be exported to the explorer`);
}

/** Top-2 principal directions of rows (power iteration with deflation), as a [2, d] basis and the mean. */
export function pca2(rows: Float32Array, n: number, d: number): { mean: Float64Array; basis: Float64Array } {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) mean[k]! += rows[i * d + k]! / n;
  const cov = new Float64Array(d * d);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < d; a++) {
      const va = rows[i * d + a]! - mean[a]!;
      for (let b = 0; b < d; b++) cov[a * d + b]! += (va * (rows[i * d + b]! - mean[b]!)) / Math.max(1, n - 1);
    }
  }
  const basis = new Float64Array(2 * d);
  for (let c = 0; c < Math.min(2, d); c++) {
    let v = Float64Array.from({ length: d }, (_, k) => 1 + k * 0.01 * (c + 1));
    for (let it = 0; it < 200; it++) {
      const w = new Float64Array(d);
      for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) w[a]! += cov[a * d + b]! * v[b]!;
      // deflate the first component
      if (c === 1) {
        let dot = 0;
        for (let k = 0; k < d; k++) dot += w[k]! * basis[k]!;
        for (let k = 0; k < d; k++) w[k]! -= dot * basis[k]!;
      }
      const norm = Math.hypot(...w);
      if (norm === 0) break;
      v = w.map((x) => x / norm);
    }
    basis.set(v, c * d);
  }
  return { mean, basis };
}

/**
 * Write the explorer bundle of a geodesic analysis: the graph (CSR), each node's chart, point, ψ,
 * latent code and 2-D projection (per-chart PCA of the codes), every point's code in every chart
 * and its argmax chart (for the linear interpolation), thumbnails of the points, chart decoders.
 */
export async function writeExplorerBundle(dir: string, loaded: LoadedModel, analysis: GeodesicAnalysis, data: LoadedData): Promise<void> {
  const model: AtlasModel = loaded.atlas;
  if (data.kind !== "images") throw new UsageError("--export", "the explorer shows images; this model's data are vectors");
  const decoders = Array.from({ length: model.charts }, (_, y) => chartDecoderModel(loaded, y));
  const g = analysis.graph;
  const N = g.nodeCount;
  const d = model.latentDim;
  const nodeChart = new Uint16Array(N);
  const nodePoint = new Int32Array(N);
  const nodePsi = new Float32Array(N);
  const nodeLatent = new Float32Array(N * d);
  for (let i = 0; i < N; i++) {
    const node = g.node(i);
    nodeChart[i] = node.chart;
    nodePoint[i] = node.point;
    nodePsi[i] = node.psi;
    nodeLatent.set(node.z, i * d);
  }
  const offsets = new Int32Array(N + 1);
  const targets: number[] = [];
  const weights: number[] = [];
  for (let i = 0; i < N; i++) {
    for (const e of g.neighbours(i)) {
      targets.push(e.node);
      weights.push(e.weight);
    }
    offsets[i + 1] = targets.length;
  }
  // 2-D view: per-chart PCA of the nodes' codes
  const xy = new Float32Array(N * 2);
  const projections: { chart: number; mean: number[]; basis: number[] }[] = [];
  for (let y = 0; y < model.charts; y++) {
    const ids = Array.from({ length: N }, (_, i) => i).filter((i) => nodeChart[i] === y);
    const rows = new Float32Array(ids.length * d);
    ids.forEach((id, r) => rows.set(nodeLatent.subarray(id * d, id * d + d), r * d));
    const { mean, basis } = pca2(rows, ids.length, d);
    projections.push({ chart: y, mean: Array.from(mean), basis: Array.from(basis) });
    ids.forEach((id) => {
      for (let c = 0; c < 2; c++) {
        let s = 0;
        for (let k = 0; k < d; k++) s += (nodeLatent[id * d + k]! - mean[k]!) * basis[c * d + k]!;
        xy[id * 2 + c] = s;
      }
    });
  }
  // every point's code in every chart, and its argmax chart
  const P = data.n;
  const ds = data.dataset;
  const pointLatent = new Float32Array(P * model.charts * d);
  const pointChart = new Int32Array(P);
  const batch = 500;
  for (let s = 0; s < P; s += batch) {
    const e = Math.min(P, s + batch);
    const x = tf.tensor4d(ds.images.subarray(s * ds.images.length / P, e * ds.images.length / P), [e - s, ...(data.shape as [number, number, number])]);
    try {
      const psi = tf.tidy(() => model.partition(x).argMax(1));
      pointChart.set((await psi.data()) as Int32Array, s);
      psi.dispose();
      for (let y = 0; y < model.charts; y++) {
        const z = tf.tidy(() => model.encode!(x, y));
        const v = (await z.data()) as Float32Array;
        z.dispose();
        for (let i = 0; i < e - s; i++) pointLatent.set(v.subarray(i * d, i * d + d), ((s + i) * model.charts + y) * d);
      }
    } finally {
      x.dispose();
    }
  }
  const columns = Math.min(50, P);
  const [h, w, c] = data.shape as [number, number, number];
  const thumbs = encodeImageGrid({ data: ds.images, shape: [P, h, w, c] }, { columns, padding: 0 });
  const bundle = {
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    model: { kind: loaded.manifest.kind, charts: model.charts, latentDim: d, dataShape: [...model.dataShape] },
    data: { source: data.source, points: P },
    graph: { k: g.arrays.k, steps: g.arrays.steps, nodes: N, edges: targets.length / 2, stats: analysis.stats },
    nodes: { chart: b64(nodeChart), point: b64(nodePoint), psi: b64(nodePsi), latent: b64(nodeLatent), xy: b64(xy), projections },
    csr: { offsets: b64(offsets), targets: b64(Int32Array.from(targets)), weights: b64(Float32Array.from(weights)) },
    points: { latent: b64(pointLatent), chart: b64(pointChart) },
    thumbnails: { file: "points.png", columns, width: w, height: h, channels: c },
    decoders: decoders.map((_, y) => ({ chart: y, model: `decoder-${y}/model.json` })),
    pairs: analysis.pairs,
  };
  await writeDirAtomic(dir, async (tmp) => {
    await fs.writeFile(join(tmp, "bundle.json"), JSON.stringify(bundle));
    await fs.writeFile(join(tmp, "points.png"), thumbs);
    for (let y = 0; y < decoders.length; y++) await saveModel(join(tmp, `decoder-${y}`), decoders[y]!);
  });
  void ({} as Dataset);
}
