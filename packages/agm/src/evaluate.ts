import * as tf from "@tensorflow/tfjs";
import {
  InvalidArgumentError,
  checkAllocation,
  checkArray,
  checkInteger,
  checkNumber,
  checkOneOf,
  checkOptions,
  checkPath,
  describeValue,
  hasEncoder,
  saveImageGrid,
  toRng,
  eventLoopYielder,
  type AtlasModel,
  type RngLike,
} from "@atlas/core";
import { toSampleTable, type AgmData, type SampleTable } from "./data.js";

function checkAtlasModel(name: string, model: unknown): AtlasModel {
  const m = model as Partial<AtlasModel> | null;
  if (!m || typeof m !== "object" || typeof m.partition !== "function" || typeof m.decode !== "function" || !Number.isInteger(m.charts)) {
    throw new InvalidArgumentError(name, `expected an AtlasModel (charts, latentDim, dataShape, partition, decode), got ${describeValue(model)}`);
  }
  return model as AtlasModel;
}

/** How {@link reconstructionError} picks the chart of a point. */
export type ReconstructionMode = "argmax" | "weighted";

/** Options of {@link reconstructionError}. */
export interface ReconstructionErrorOptions {
  /**
   * `"argmax"` (default): x̂ = G_y*(F_y*(x)) with y* = argmax_y ψ_y(x), the chart the model assigns x
   * to; `"weighted"`: the ψ-weighted error Σ_y ψ_y(x) · err(x, G_y(F_y(x))).
   */
  mode?: ReconstructionMode;
  /** Points per forward pass. Default 500. */
  batchSize?: number;
}

/** Result of {@link reconstructionError}. */
export interface ReconstructionErrorResult {
  /** Mean over points of the per-coordinate mean squared error (1/D)‖x − x̂‖². */
  mse: number;
  /** Per point (1/D)‖x − x̂‖². */
  perPoint: Float32Array;
  /** Number of points. */
  n: number;
}

/**
 * Test reconstruction error as the AGM paper's Table 1 reports it, "the mean over 10,000 previously
 * unseen data points": (1/N) Σ_i (1/D) ‖x_i − G_{y_i}(F_{y_i}(x_i))‖², the per-pixel mean squared
 * error (pixels in [0, 1]; the paper's 0.0126–0.0162 only fit this reading — a per-image
 * Euclidean norm on MNIST is ≈ 3), with y_i = argmax_y ψ_y(x_i) (or ψ-weighted, `mode: "weighted"`).
 * Works for any {@link AtlasModel} with encoders. Inference mode (BN moving statistics). The
 * per-point errors of all batches stay on the device and are read once, with `await data()`.
 *
 * @example
 * const { mse } = await reconstructionError(model, testImages); // ≈ 0.0142 for the paper's WAE-GAN
 */
export async function reconstructionError(model: AtlasModel, data: AgmData, options: ReconstructionErrorOptions = {}): Promise<ReconstructionErrorResult> {
  checkAtlasModel("model", model);
  if (!hasEncoder(model)) throw new InvalidArgumentError("model", "reconstruction needs chart encoders F_y; this model is a semi-AGM (no encode)");
  checkOptions("options", options, ["mode", "batchSize"]);
  const mode = checkOneOf<ReconstructionMode>("options.mode", options.mode ?? "argmax", ["argmax", "weighted"]);
  const batchSize = checkInteger("options.batchSize", options.batchSize ?? 500, { min: 1 });
  const table = await toSampleTable("data", data, model.dataShape);
  const D = table.sampleSize;
  const parts: tf.Tensor1D[] = [];
  let perPoint: Float32Array;
  try {
    const breathe = eventLoopYielder();
    for (let start = 0; start < table.n; start += batchSize) {
      const end = Math.min(table.n, start + batchSize);
      parts.push(batchErrors(model, table, start, end, D, mode));
      // on cpu/wasm each batch is computed as it is dispatched: let timers, I/O and rendering run
      await breathe();
    }
    perPoint = await readConcatenated(parts);
  } finally {
    tf.dispose(parts);
  }
  let sum = 0;
  for (const v of perPoint) sum += v;
  return { mse: sum / table.n, perPoint, n: table.n };
}

/** One read of several 1-D (or [b, m]) tensors, concatenated on the device first. */
async function readConcatenated(parts: tf.Tensor[]): Promise<Float32Array> {
  const all = tf.tidy(() => (parts.length === 1 ? tf.clone(parts[0]!) : tf.concat(parts, 0)));
  try {
    const values = await all.data();
    return values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>);
  } finally {
    all.dispose();
  }
}

/** (1/D)‖x − x̂‖² of the points [start, end), x̂ from the argmax or ψ-weighted chart. */
function batchErrors(model: AtlasModel & { encode: NonNullable<AtlasModel["encode"]> }, table: SampleTable, start: number, end: number, D: number, mode: ReconstructionMode): tf.Tensor1D {
  return tf.tidy(() => {
    const x = table.slice(start, end);
    const psi = model.partition(x);
    const charts = model.charts;
    const perChart: tf.Tensor1D[] = [];
    for (let y = 0; y < charts; y++) {
      const xHat = model.decode(model.encode(x, y), y);
      perChart.push(tf.mean(tf.squaredDifference(x.reshape([end - start, D]), xHat.reshape([end - start, D])), 1) as tf.Tensor1D);
    }
    if (charts === 1) return perChart[0]!;
    const e = tf.stack(perChart, 1); // [b, m]
    if (mode === "weighted") return tf.sum(tf.mul(psi, e), 1);
    const pick = tf.oneHot(tf.argMax(psi, 1), charts);
    return tf.sum(tf.mul(pick, e), 1);
  }) as tf.Tensor1D;
}

/** Result of {@link chartConfidence}. */
export interface ChartConfidenceResult {
  /** max_y ψ_y(x) per point. */
  confidence: Float32Array;
  /** argmax_y ψ_y(x) per point. */
  assignment: Int32Array;
  /** Points assigned to each chart (argmax), length m. */
  chartCounts: Int32Array;
  /** Histogram of `confidence` over [1/m, 1] in `bins` equal bins: `edges` (bins + 1) and `counts`. */
  histogram: { edges: Float64Array; counts: Int32Array };
  /** Mean confidence. */
  mean: number;
}

/**
 * Chart assignment confidence (AGM paper, Fig. 2b): max_y ψ_y(x) over a test set, its histogram
 * on [1/m, 1] (the range a maximum of m probabilities can take) and how many points each chart wins.
 *
 * @example
 * const { histogram, chartCounts } = await chartConfidence(model, testImages, { bins: 20 });
 */
export async function chartConfidence(model: AtlasModel, data: AgmData, options: { bins?: number; batchSize?: number } = {}): Promise<ChartConfidenceResult> {
  checkAtlasModel("model", model);
  checkOptions("options", options, ["bins", "batchSize"]);
  const bins = checkInteger("options.bins", options.bins ?? 20, { min: 1, max: 10_000 });
  const batchSize = checkInteger("options.batchSize", options.batchSize ?? 1000, { min: 1 });
  const table = await toSampleTable("data", data, model.dataShape);
  const m = model.charts;
  const confidence = new Float32Array(table.n);
  const assignment = new Int32Array(table.n);
  // ψ of every batch stays on the device; one read
  const parts: tf.Tensor[] = [];
  let values: Float32Array;
  try {
    const breathe = eventLoopYielder();
    for (let start = 0; start < table.n; start += batchSize) {
      const end = Math.min(table.n, start + batchSize);
      parts.push(tf.tidy(() => model.partition(table.slice(start, end))));
      await breathe();
    }
    values = await readConcatenated(parts);
  } finally {
    tf.dispose(parts);
  }
  for (let i = 0; i < table.n; i++) {
    let best = 0;
    let arg = 0;
    for (let y = 0; y < m; y++) {
      const v = values[i * m + y] as number;
      if (v > best) {
        best = v;
        arg = y;
      }
    }
    confidence[i] = best;
    assignment[i] = arg;
  }
  const lo = 1 / m;
  const edges = Float64Array.from({ length: bins + 1 }, (_, k) => lo + ((1 - lo) * k) / bins);
  const counts = new Int32Array(bins);
  const chartCounts = new Int32Array(m);
  let sum = 0;
  for (let i = 0; i < table.n; i++) {
    const c = confidence[i] as number;
    sum += c;
    const k = m === 1 ? bins - 1 : Math.min(bins - 1, Math.max(0, Math.floor(((c - lo) / (1 - lo)) * bins)));
    counts[k] = (counts[k] as number) + 1;
    chartCounts[assignment[i] as number] = (chartCounts[assignment[i] as number] as number) + 1;
  }
  return { confidence, assignment, chartCounts, histogram: { edges, counts }, mean: sum / table.n };
}

function checkHistogramOptions(options: unknown, keys: readonly string[]): void {
  const o = checkOptions("options", options as Record<string, unknown> | undefined, keys);
  if (o.scale !== undefined) checkInteger("options.scale", o.scale, { min: 1, max: 64 });
}

/**
 * Render a histogram as a grayscale bar chart image `[1, height, bins·barWidth, 1]` (black bars on
 * white, bar height ∝ count), e.g. for {@link saveChartConfidencePng}.
 */
export function histogramImage(counts: ArrayLike<number>, options: { height?: number; barWidth?: number } = {}): { data: Float32Array; shape: [number, number, number, number] } {
  checkArray("counts", counts, { minLength: 1 });
  if (!Array.from(counts).every((c) => c >= 0)) throw new InvalidArgumentError("counts", "expected counts ≥ 0");
  checkHistogramOptions(options, ["height", "barWidth"]);
  const height = checkInteger("options.height", options.height ?? 100, { min: 2, max: 16_384 });
  const barWidth = checkInteger("options.barWidth", options.barWidth ?? 8, { min: 1, max: 1024 });
  const bins = counts.length;
  checkAllocation("counts", bins * barWidth * height, 4);
  let max = 0;
  for (let k = 0; k < bins; k++) max = Math.max(max, counts[k] as number);
  const width = bins * barWidth;
  const data = new Float32Array(height * width).fill(1);
  for (let k = 0; k < bins; k++) {
    const h = max > 0 ? Math.round(((counts[k] as number) / max) * height) : 0;
    for (let y = height - h; y < height; y++) {
      // one white pixel between bars
      for (let x = k * barWidth; x < (k + 1) * barWidth - (barWidth > 2 ? 1 : 0); x++) data[y * width + x] = 0;
    }
  }
  return { data, shape: [1, height, width, 1] };
}

/**
 * Write the chart-confidence histogram of {@link chartConfidence} as a PNG bar chart (x: max_y ψ_y
 * from 1/m to 1, y: count).
 *
 * @example
 * await saveChartConfidencePng("out/confidence.png", (await chartConfidence(model, test)).histogram.counts);
 */
export async function saveChartConfidencePng(path: string, counts: ArrayLike<number>, options: { height?: number; barWidth?: number; scale?: number } = {}): Promise<void> {
  checkPath("path", path);
  checkArray("counts", counts, { minLength: 1 });
  checkHistogramOptions(options, ["height", "barWidth", "scale"]);
  const { scale: _scale, ...bars } = options;
  await saveImageGrid(path, histogramImage(counts, bars), { columns: 1, padding: 2, scale: options.scale ?? 2 });
}

/**
 * Samples from each chart: G_y(z) with z ~ N(0, I), `perChart` per chart, as one tensor
 * `[m · perChart, ...dataShape]` ordered chart by chart (the caller disposes it).
 *
 * @example
 * const s = sampleCharts(model, 12, 0); // 12 samples of each chart, as in the paper's Fig. 2a
 */
export function sampleCharts(model: AtlasModel, perChart: number, seed: RngLike = 0): tf.Tensor {
  checkAtlasModel("model", model);
  checkInteger("perChart", perChart, { min: 1 });
  checkAllocation("perChart", perChart * model.charts * Math.max(model.latentDim, model.dataShape.reduce((a, b) => a * b, 1)), 4);
  const rng = toRng(seed);
  return tf.tidy(() => {
    const parts: tf.Tensor[] = [];
    for (let y = 0; y < model.charts; y++) {
      const z = tf.tensor2d(rng.normalArray(perChart * model.latentDim), [perChart, model.latentDim]);
      parts.push(model.decode(z, y));
    }
    return tf.concat(parts, 0);
  });
}

/**
 * Write per-chart sample grids as one PNG: one row per chart, `perChart` samples G_y(z), z ~ N(0, I)
 * (the paper's Fig. 2a). Needs an image model (`dataShape` `[h, w, 1]` or `[h, w, 3]`).
 *
 * @example
 * await saveChartSampleGrid("out/charts.png", model, { perChart: 12 });
 */
export async function saveChartSampleGrid(path: string, model: AtlasModel, options: { perChart?: number; seed?: RngLike; scale?: number } = {}): Promise<void> {
  checkAtlasModel("model", model);
  if (model.dataShape.length !== 3) {
    throw new InvalidArgumentError("model", `sample grids need image data ([h, w, c]); this model's samples have shape [${model.dataShape.join(", ")}]`);
  }
  checkPath("path", path);
  checkOptions("options", options, ["perChart", "seed", "scale"]);
  if (options.scale !== undefined) checkInteger("options.scale", options.scale, { min: 1, max: 64 });
  if (options.seed !== undefined) toRng(options.seed, "options.seed");
  const perChart = checkInteger("options.perChart", options.perChart ?? 12, { min: 1 });
  const samples = sampleCharts(model, perChart, options.seed ?? 0);
  try {
    await saveImageGrid(path, samples as tf.Tensor4D, { columns: perChart, scale: options.scale ?? 2 });
  } finally {
    samples.dispose();
  }
}
