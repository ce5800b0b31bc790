// Graph geodesics of a model over a data set: the graph, the paths of chosen pairs, their lengths
// beside linear interpolation's, and the interpolation strips (AGM paper section 3.1, Fig. 3).
import * as tf from "@tensorflow/tfjs";
import { AtlasError, Rng, batchImages, type AtlasModel, type Dataset } from "@atlas/core";
import { buildGeodesicGraph, decodeResampled, decodedCurveLengths, type GeodesicGraph, type GeodesicGraphStats, type GeodesicProgress } from "@atlas/geodesic";
import { drawStrips, type Canvas } from "../images/canvas.js";

/** Options of {@link geodesicAnalysis}. */
export interface GeodesicAnalysisOptions {
  /** Neighbours per node (paper 20). */
  k: number;
  /** Sub-segments per edge (paper 15). */
  steps: number;
  /** Frames of each interpolation strip. */
  frames: number;
  /** Pairs of build-data rows to connect. */
  pairs: readonly (readonly [number, number])[];
  /** How many pairs get an interpolation strip (the first ones). */
  strips: number;
  seed: number;
  /** Sub-segments of the straight latent line when measuring the linear interpolation's length. */
  linearSteps?: number;
  onProgress?: (p: GeodesicProgress) => void;
  onPair?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/** One pair's geodesic and the linear interpolation beside it. */
export interface PairResult {
  from: number;
  to: number;
  /** Decoded curve length of the graph geodesic (null when the two points are not connected). */
  length: number | null;
  /** Decoded curve length of the straight line between the two codes in the start point's chart. */
  linearLength: number;
  /** Chart of the linear interpolation (argmax ψ of the start point). */
  linearChart: number;
  hops: number | null;
  /** Charts the path visits, in order, without repeats. */
  chartSequence: number[];
  /** Chart of each strip frame along the geodesic. */
  frameCharts: number[];
  /** Band label of each frame: the chart, or "a/b" on a chart-crossing edge (the paper's Fig. 3b notation). */
  frameLabels: string[];
  /** Number of chart changes along the path. */
  chartChanges: number;
  disconnected?: string;
}

/** What {@link geodesicAnalysis} returns. */
export interface GeodesicAnalysis {
  graph: GeodesicGraph;
  stats: GeodesicGraphStats;
  buildSeconds: number;
  pairs: PairResult[];
  /** Strip images (geodesic row above the linear row) of the first `strips` connected pairs. */
  strips: { from: number; to: number; canvas: Canvas; frames: Float32Array[]; linearFrames: Float32Array[]; frameCharts: number[]; frameLabels: string[]; linearChart: number }[];
}

/** `count` distinct random pairs (i ≠ j) of rows in [0, n). */
export function randomPairs(n: number, count: number, seed: number): [number, number][] {
  const rng = new Rng(seed);
  const seen = new Set<string>();
  const out: [number, number][] = [];
  const max = (n * (n - 1)) / 2;
  while (out.length < Math.min(count, max)) {
    const i = rng.int(n);
    const j = rng.int(n);
    if (i === j) continue;
    const key = i < j ? `${i},${j}` : `${j},${i}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push([i, j]);
  }
  return out;
}

async function argmaxChart(model: AtlasModel, x: tf.Tensor): Promise<number> {
  const psi = tf.tidy(() => model.partition(x).argMax(1));
  try {
    return ((await psi.data()) as Int32Array)[0]!;
  } finally {
    psi.dispose();
  }
}

async function encodeOne(model: AtlasModel, x: tf.Tensor, chart: number): Promise<Float32Array> {
  const z = tf.tidy(() => model.encode!(x, chart));
  try {
    return (await z.data()) as Float32Array;
  } finally {
    z.dispose();
  }
}

async function decodeRows(model: AtlasModel, points: readonly { chart: number; z: ArrayLike<number> }[]): Promise<Float32Array[]> {
  const t = decodeResampled(model, points);
  try {
    const values = (await t.data()) as Float32Array;
    const size = values.length / points.length;
    return points.map((_, i) => values.slice(i * size, (i + 1) * size));
  } finally {
    t.dispose();
  }
}

/**
 * Build the geodesic graph of `model` over `data` (a Dataset of images or `[n, ...]` tensor rows),
 * then for each pair: the optimal graph path, its decoded length, the linear interpolation in the
 * start point's chart and its decoded length; strips for the first pairs.
 */
export async function geodesicAnalysis(model: AtlasModel, data: Dataset | tf.Tensor, options: GeodesicAnalysisOptions): Promise<GeodesicAnalysis> {
  const owned = !(data instanceof tf.Tensor);
  const x = data instanceof tf.Tensor ? data : batchImages(data, Int32Array.from({ length: data.shape[0] }, (_, i) => i));
  try {
    const t0 = performance.now();
    const graph = await buildGeodesicGraph(model, x, {
      k: options.k,
      steps: options.steps,
      seed: options.seed,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    const buildSeconds = (performance.now() - t0) / 1000;
    const stats = graph.stats();
    const pairs: PairResult[] = [];
    const strips: GeodesicAnalysis["strips"] = [];
    const linearSteps = options.linearSteps ?? 64;
    const d = model.latentDim;
    let done = 0;
    for (const [from, to] of options.pairs) {
      if (options.signal?.aborted) break;
      const xa = tf.slice(x, [from], [1]);
      const xb = tf.slice(x, [to], [1]);
      try {
        const linearChart = await argmaxChart(model, xa);
        const za = await encodeOne(model, xa, linearChart);
        const zb = await encodeOne(model, xb, linearChart);
        const linearLength = (await decodedCurveLengths(model, linearChart, za, zb, d, linearSteps, 4096))[0]!;
        let result: PairResult;
        let path;
        try {
          path = await graph.shortestPath(from, to);
        } catch (error) {
          if (error instanceof AtlasError && error.code === "DISCONNECTED") {
            pairs.push({ from, to, length: null, linearLength, linearChart, hops: null, chartSequence: [], frameCharts: [], frameLabels: [], chartChanges: 0, disconnected: error.message });
            continue;
          }
          throw error;
        }
        const resampled = path.resample(options.frames);
        const frameCharts = resampled.map((p) => p.chart);
        const frameLabels = resampled.map((p) => (p.crossing ? `${p.crossing[0]}/${p.crossing[1]}` : String(p.chart)));
        result = {
          from,
          to,
          length: path.length,
          linearLength,
          linearChart,
          hops: path.nodes.length - 1,
          chartSequence: [...path.chartSequence],
          frameCharts,
          frameLabels,
          chartChanges: path.chartSequence.length - 1,
        };
        pairs.push(result);
        if (strips.length < options.strips) {
          const frames = await decodeRows(model, resampled);
          const line = Array.from({ length: options.frames }, (_, s) => {
            const t = s / (options.frames - 1);
            return { chart: linearChart, z: za.map((v, k) => (1 - t) * v + t * (zb[k] as number)) };
          });
          const linearFrames = await decodeRows(model, line);
          const canvas = drawStrips(
            [
              { label: "GEODESIC", frames, charts: frameCharts, labels: frameLabels },
              { label: "LINEAR", frames: linearFrames, charts: line.map(() => linearChart) },
            ],
            model.dataShape,
          );
          strips.push({ from, to, canvas, frames, linearFrames, frameCharts, frameLabels, linearChart });
        }
      } finally {
        xa.dispose();
        xb.dispose();
        options.onPair?.(++done, options.pairs.length);
      }
    }
    return { graph, stats, buildSeconds, pairs, strips };
  } finally {
    if (owned) x.dispose();
  }
}

/** Mean, median and quantiles of the connected pairs' lengths, and how often the geodesic is shorter. */
export function lengthSummary(pairs: readonly PairResult[]): {
  connected: number;
  disconnected: number;
  meanLength: number;
  medianLength: number;
  meanLinearLength: number;
  meanRatio: number;
  shorterThanLinear: number;
  withChartChange: number;
} {
  const ok = pairs.filter((p) => p.length !== null);
  const lengths = ok.map((p) => p.length!).sort((a, b) => a - b);
  const mean = (v: number[]): number => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN);
  return {
    connected: ok.length,
    disconnected: pairs.length - ok.length,
    meanLength: mean(lengths),
    medianLength: lengths.length ? (lengths[(lengths.length - 1) >> 1]! + lengths[lengths.length >> 1]!) / 2 : NaN,
    meanLinearLength: mean(ok.map((p) => p.linearLength)),
    meanRatio: mean(ok.map((p) => p.length! / p.linearLength)),
    shorterThanLinear: ok.filter((p) => p.length! < p.linearLength).length,
    withChartChange: ok.filter((p) => p.chartChanges > 0).length,
  };
}
