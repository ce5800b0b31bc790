/**
 * The VQ-Flow model (VQ-Flows poster; VQFLOW-SPEC §2–5): chart centres from a VQ autoencoder,
 * overlapping chart regions, one conditional flow for all chart maps, the exact mixture density
 * of eq. (2), sampling, chart posteriors, and the `AtlasModel` view (charts = K, ψ = p(k|x),
 * F_k = f_k, G_k = g_k).
 */
import * as tf from "@tensorflow/tfjs";
import { AtlasError, InvalidArgumentError, Rng, ShapeMismatchError, checkBoolean, checkChart, checkInteger, checkOptions, describeValue, toRng, type AtlasModel } from "@atlas/core";
import { resolveConfig, type VqFlowConfig, type VqFlowOptions } from "./config.js";
import { checkTensorShape, flatRows, rowsTensor, type VqFlowData } from "./data.js";
import { ConformalEmbedding } from "./embedding.js";
import { buildFlow, type ConditionalFlow, type FlowSpec } from "./flows.js";
import {
  MAX_BATCH,
  batchSizeOf,
  generate,
  generateRows,
  inOwnChart,
  layoutOf,
  logMass,
  logProbRows,
  membership,
  pairLatent,
  pairLogDensity,
  preprocess,
  readData,
  requireAlive,
  requireCharts,
  requireTrained,
} from "./pipeline.js";
import { ParamSet } from "./params.js";
import { VqAutoencoder } from "./vq-autoencoder.js";

/** What training has done to a model (saved with it). */
export interface VqFlowState {
  /** Epochs of stage 1 (the VQ autoencoder) run so far. */
  stage1Epochs: number;
  /** Epochs of stage 2 (flows and chart weights) run so far; 0 = untrained. */
  stage2Epochs: number;
  /** Whether the data standardisation has been fitted (at the start of stage 2). */
  standardized: boolean;
  /** M_k = P(g_k(z) ∈ U_k), z ~ N(0, I), from {@link VqFlow.measureChartMass}; null until measured. */
  chartMass: number[] | null;
}

/** Options of the evaluation methods. */
export interface EvaluateOptions {
  /** Points per flow pass (default 4096 for vectors, 256 for images; at most 65 536). */
  batchSize?: number;
  /**
   * Use the normalised density p̃(x) = Σ_{k: x∈U_k} p_k·p_k(x)/M_k, which integrates to 1
   * (requires {@link VqFlow.measureChartMass}); default false: eq. (2) as written.
   */
  normalized?: boolean;
}

/** Options of {@link VqFlow.sample}. */
export interface SampleOptions {
  /** Samples per flow pass (default 4096; 256 for images). */
  batchSize?: number;
  /**
   * Draw from the normalised density: each chart's draws are repeated until g_k(z) lies in U_k
   * (rejection, up to `maxRounds` rounds); default false: x = g_k(z) as the poster samples.
   */
  normalized?: boolean;
  /** Rejection rounds for `normalized` (default 100); points still outside after them are an error. */
  maxRounds?: number;
}

/** Largest n of {@link VqFlow.sample} (the samples are returned in one tensor). */
export const MAX_SAMPLES = 1_000_000;
/** Largest n·D of one {@link VqFlow.sample} call (the samples are held on the host: 256 MB of float32). */
export const MAX_SAMPLE_VALUES = 67_108_864;

/** Result of {@link VqFlow.measureChartMass}. */
export interface ChartMass {
  /** M_k per chart: the share of g_k(z), z ~ N(0, I), that lands in U_k. */
  mass: Float64Array;
  /** Σ_k p_k (1 − M_k): the share of `sample()` draws outside their chart, i.e. 1 − ∫ eq. (2). */
  outside: number;
  /** Draws per chart. */
  samples: number;
}

const LOG_2PI = Math.log(2 * Math.PI);

export class VqFlow implements AtlasModel {
  readonly config: Readonly<VqFlowConfig>;
  /** K: charts of the atlas. */
  readonly charts: number;
  /** d = dim Z. */
  readonly latentDim: number;
  readonly dataShape: readonly number[];
  /** D = Π dataShape. */
  readonly dataDim: number;
  readonly params: ParamSet;
  readonly flow: ConditionalFlow;
  /** Stage 1's autoencoder and chart centres (null when K = 1: a plain flow). */
  readonly autoencoder: VqAutoencoder | null;
  /** The conformal dimension-raising maps (null when d = D). */
  readonly embedding: ConformalEmbedding | null;
  /** Logits of p_k (null when K = 1). */
  readonly chartLogits: tf.Variable | null;
  /**
   * The fixed standardisation y = (t(x) − shift)·exp(−logScale) before the charts' flows: per
   * coordinate when d = D; with one common scale when d < D (so that it is a similarity and the
   * conformal term of eq. (2) stays d·log s).
   */
  readonly dataShift: tf.Variable;
  readonly dataLogScale: tf.Variable;
  state: VqFlowState = { stage1Epochs: 0, stage2Epochs: 0, standardized: false, chartMass: null };
  private disposed = false;

  /** Use {@link createVqFlow} (the same; `config` is validated either way). */
  constructor(options: VqFlowConfig | VqFlowOptions) {
    const config = resolveConfig(options as VqFlowOptions, "config");
    this.config = Object.freeze({ ...config, dataShape: [...config.dataShape], hidden: [...config.hidden], autoencoderFilters: [...config.autoencoderFilters] });
    this.charts = config.codebookSize;
    this.latentDim = config.latentDim;
    this.dataShape = Object.freeze([...config.dataShape]);
    this.dataDim = config.dataShape.reduce((a, b) => a * b, 1);
    const rng = new Rng(config.seed);
    this.params = new ParamSet();
    try {
      const K = this.charts;
      this.autoencoder =
        K > 1
          ? new VqAutoencoder(
              this.dataShape,
              config.codeDim,
              K,
              { kind: this.dataShape.length === 3 ? "conv" : "mlp", layers: config.autoencoderLayers, width: config.autoencoderWidth, filters: config.autoencoderFilters },
              this.params,
              rng.fork(),
            )
          : null;
      const spec: FlowSpec = {
        kind: config.flow,
        dim: config.latentDim,
        contextDim: K > 1 ? config.codeDim : 0,
        layers: config.layers,
        hidden: config.hidden,
        activation: config.activation,
        scaleClamp: config.scaleClamp,
        masks: config.masks,
      };
      this.flow = buildFlow(spec, this.params, rng.fork(), "flow");
      this.embedding = config.latentDim < this.dataDim ? new ConformalEmbedding(K, config.latentDim, this.dataDim, this.params, rng.fork(), "embedding") : null;
      this.chartLogits = K > 1 ? this.params.add("charts/logits", new Float32Array(K), [K], config.chartWeights === "learned") : null;
      this.dataShift = this.params.add("data/shift", new Float32Array(this.dataDim), [this.dataDim], false);
      this.dataLogScale = this.params.add("data/logScale", new Float32Array(this.dataDim), [this.dataDim], false);
    } catch (error) {
      this.params.dispose();
      throw error;
    }
  }

  /** Whether `dispose()` has been called. */
  get isDisposed(): boolean {
    return this.disposed;
  }


  // -------------------------------------------------------------------------------------------
  // Checks
  // -------------------------------------------------------------------------------------------






  // -------------------------------------------------------------------------------------------
  // Tensor pipeline (all synchronous, no reads; call inside tf.tidy)
  // -------------------------------------------------------------------------------------------











  // -------------------------------------------------------------------------------------------
  // Density, posterior, membership
  // -------------------------------------------------------------------------------------------

  /**
   * log p(x) in nats, exactly eq. (2): log Σ_{k: x∈U_k} p_k·q(f_k(x))·|det J_{f_k}(x)J_{f_k}(x)ᵀ|^{1/2}
   * (with the data transform's log-Jacobian, so it is a density on the data space). Each batch
   * costs one read of its chart membership and one flow pass over all its (point, chart) pairs.
   *
   * @example
   * const logp = await model.logProb(testPoints); // Float32Array, one value per point
   */
  async logProb(x: VqFlowData, options: EvaluateOptions = {}): Promise<Float32Array> {
    const o = checkOptions("options", options, ["batchSize", "normalized"]);
    requireTrained(this, "logProb");
    const batchSize = batchSizeOf(this, "options.batchSize", o.batchSize);
    const normalized = o.normalized === undefined ? false : checkBoolean("options.normalized", o.normalized);
    if (normalized && !this.state.chartMass) logMass(this, true);
    const rows = await readData(this, "x", x);
    return logProbRows(this, rows, batchSize, normalized);
  }


  /**
   * Bits per dimension of 8-bit images x ∈ {0, 1/255, …, 1}: each pixel is dequantised to
   * x̃ = (255x + u)/256, u ~ U(0, 1) from `seed` (or u = ½ with `dequantize: false`), and
   * bits/dim = (−log p(x̃) + D·ln 256)/(D·ln 2), with log p from {@link VqFlow.logProb} (logit
   * transform included): the flows literature's convention.
   *
   * @example
   * const bpd = await model.bitsPerDim(testImages, { seed: 0 }); // one value per image
   */
  async bitsPerDim(x: VqFlowData, options: EvaluateOptions & { seed?: number; dequantize?: boolean } = {}): Promise<Float32Array> {
    const o = checkOptions("options", options, ["batchSize", "normalized", "seed", "dequantize"]);
    requireTrained(this, "bitsPerDim");
    if (this.config.transform !== "logit") {
      throw new InvalidArgumentError("model", "bitsPerDim is for image models with pixel values in [0, 1] (transform 'logit'); use logProb for vector data");
    }
    const batchSize = batchSizeOf(this, "options.batchSize", o.batchSize);
    const normalized = o.normalized === undefined ? false : checkBoolean("options.normalized", o.normalized);
    const dequantize = o.dequantize === undefined ? true : checkBoolean("options.dequantize", o.dequantize);
    const rng = toRng(o.seed ?? 0, "options.seed");
    if (normalized && !this.state.chartMass) logMass(this, true);
    const rows = await readData(this, "x", x);
    const values = new Float32Array(rows.values.length);
    for (let i = 0; i < values.length; i++) {
      const u = dequantize ? rng.next() : 0.5;
      values[i] = Math.min((Math.round((rows.values[i] as number) * 255) + u) / 256, 1);
    }
    const logp = await logProbRows(this, { values, n: rows.n, dim: rows.dim }, batchSize, normalized);
    const D = this.dataDim;
    return logp.map((lp) => (-lp + D * Math.log(256)) / (D * Math.LN2));
  }

  /**
   * Chart membership `[n, K]` (boolean): x ∈ U_k ⇔ ‖E(x) − v_k‖ ≤ (1 + ε)·d̃_m(x). Every row has at
   * least m true entries. Needs stage 1 (the centres).
   */
  async chartsOf(x: VqFlowData, options: { batchSize?: number } = {}): Promise<tf.Tensor2D> {
    const o = checkOptions("options", options, ["batchSize"]);
    requireCharts(this, "chartsOf");
    const batchSize = batchSizeOf(this, "options.batchSize", o.batchSize);
    const rows = await readData(this, "x", x);
    const out = new Uint8Array(rows.n * this.charts);
    for (let start = 0; start < rows.n; start += batchSize) {
      const end = Math.min(rows.n, start + batchSize);
      const xb = rowsTensor(rows, start, end);
      const member = membership(this, xb);
      try {
        out.set(await member.data(), start * this.charts);
      } finally {
        member.dispose();
        xb.dispose();
      }
    }
    return tf.tensor2d(out, [rows.n, this.charts], "bool");
  }

  /**
   * The chart posterior p(k|x) = p_k·p_k(x)/p(x) on member charts, 0 elsewhere (VQFLOW-SPEC §5);
   * `[n, K]`, rows sum to 1.
   */
  async chartPosterior(x: VqFlowData, options: EvaluateOptions = {}): Promise<tf.Tensor2D> {
    const o = checkOptions("options", options, ["batchSize", "normalized"]);
    requireTrained(this, "chartPosterior");
    const batchSize = batchSizeOf(this, "options.batchSize", o.batchSize);
    const normalized = o.normalized === undefined ? false : checkBoolean("options.normalized", o.normalized);
    if (normalized && !this.state.chartMass) logMass(this, true);
    const rows = await readData(this, "x", x);
    const K = this.charts;
    const out = new Float32Array(rows.n * K);
    const correction = logMass(this, normalized);
    try {
      for (let start = 0; start < rows.n; start += batchSize) {
        const end = Math.min(rows.n, start + batchSize);
        const xb = rowsTensor(rows, start, end);
        try {
          const layout = await layoutOf(this, xb);
          const lpT = tf.tidy(() => pairLogDensity(this, tf.gather(preprocess(this, xb).y, tf.tensor1d(layout.pairPoint, "int32")), layout.pairChart, correction));
          const lp = await lpT.data();
          lpT.dispose();
          const best = new Float64Array(layout.n).fill(Number.NEGATIVE_INFINITY);
          for (let p = 0; p < lp.length; p++) {
            const i = layout.pairPoint[p] as number;
            if ((lp[p] as number) > (best[i] as number)) best[i] = lp[p] as number;
          }
          const sums = new Float64Array(layout.n);
          for (let p = 0; p < lp.length; p++) {
            const i = layout.pairPoint[p] as number;
            sums[i] = (sums[i] as number) + Math.exp((lp[p] as number) - (best[i] as number));
          }
          for (let p = 0; p < lp.length; p++) {
            const i = layout.pairPoint[p] as number;
            out[(start + i) * K + (layout.pairChart[p] as number)] = Math.exp((lp[p] as number) - (best[i] as number)) / (sums[i] as number);
          }
        } finally {
          xb.dispose();
        }
      }
    } finally {
      correction?.dispose();
    }
    return tf.tensor2d(out, [rows.n, K]);
  }

  // -------------------------------------------------------------------------------------------
  // Sampling and the chart-mass measurement
  // -------------------------------------------------------------------------------------------

  /** p_k read from the model, float64. */
  async chartWeights(): Promise<Float64Array> {
    requireAlive(this);
    if (!this.chartLogits) return Float64Array.of(1);
    const logits = await this.chartLogits.data();
    const max = Math.max(...logits);
    const w = Float64Array.from(logits, (v) => Math.exp(v - max));
    const total = w.reduce((a, b) => a + b, 0);
    return w.map((v) => v / total);
  }



  /**
   * n samples (VQFLOW-SPEC §5): k ~ p_k, z ~ N(0, I), x = g_k(z); the same seed gives the same
   * samples. `[n, ...dataShape]`; n ≤ {@link MAX_SAMPLES} and n·D ≤ {@link MAX_SAMPLE_VALUES}.
   *
   * @example
   * const x = await model.sample(1000, 7);
   */
  async sample(n: number, seed = 0, options: SampleOptions = {}): Promise<tf.Tensor> {
    return (await this.sampleWithCharts(n, seed, options)).x;
  }

  /**
   * {@link VqFlow.sample}, also returning the chart k each sample was drawn from (x = g_k(z)).
   *
   * @example
   * const { x, charts } = await model.sampleWithCharts(500, 1);
   */
  async sampleWithCharts(n: number, seed = 0, options: SampleOptions = {}): Promise<{ x: tf.Tensor; charts: Int32Array }> {
    checkInteger("n", n, { min: 1, max: Math.min(MAX_SAMPLES, Math.floor(MAX_SAMPLE_VALUES / this.dataDim)) });
    const rng = toRng(seed, "seed");
    const o = checkOptions("options", options, ["batchSize", "normalized", "maxRounds"]);
    requireTrained(this, "sample");
    const batchSize = batchSizeOf(this, "options.batchSize", o.batchSize);
    const normalized = o.normalized === undefined ? false : checkBoolean("options.normalized", o.normalized);
    const maxRounds = checkInteger("options.maxRounds", o.maxRounds ?? 100, { min: 1, max: 100_000 });
    const weights = await this.chartWeights();
    const charts = this.charts > 1 ? rng.choice(this.charts, n, { weights }) : new Int32Array(n);
    const d = this.latentDim;
    const D = this.dataDim;
    const z = rng.normalArray(n * d);
    const x = await generateRows(this, z, charts, batchSize);
    if (normalized) {
      let todo = Int32Array.from({ length: n }, (_, i) => i);
      for (let round = 0; todo.length > 0; round++) {
        const sub = new Float32Array(todo.length * D);
        todo.forEach((i, j) => sub.set(x.subarray(i * D, (i + 1) * D), j * D));
        const subCharts = Int32Array.from(todo, (i) => charts[i] as number);
        const inside = await inOwnChart(this, sub, subCharts, batchSize);
        todo = todo.filter((_, j) => !inside[j]);
        if (todo.length === 0) break;
        if (round + 1 >= maxRounds) {
          throw new AtlasError("INVALID_ARGUMENT", `options.maxRounds: ${todo.length} of ${n} draws still lie outside their chart after ${maxRounds} rejection rounds (chart masses: ${this.state.chartMass?.map((m) => m.toFixed(3)).join(", ") ?? "not measured"})`);
        }
        const zNew = rng.normalArray(todo.length * d);
        const xNew = await generateRows(this, zNew, Int32Array.from(todo, (i) => charts[i] as number), batchSize);
        todo.forEach((i, j) => x.set(xNew.subarray(j * D, (j + 1) * D), i * D));
      }
    }
    return { x: tf.tensor(x, [n, ...this.dataShape]), charts };
  }

  /**
   * Measure M_k = P(g_k(z) ∈ U_k), z ~ N(0, I), by `samples` draws per chart: the mass of chart k's
   * flow that eq. (2) can count. ∫ eq. (2) = Σ_k p_k M_k exactly, so `outside` = 1 − ∫ eq. (2).
   * Stores the masses for the normalised density (`normalized: true`).
   */
  async measureChartMass(options: { samples?: number; seed?: number; batchSize?: number } = {}): Promise<ChartMass> {
    const o = checkOptions("options", options, ["samples", "seed", "batchSize"]);
    requireTrained(this, "measureChartMass");
    const samples = checkInteger("options.samples", o.samples ?? 10_000, { min: 1, max: Math.min(MAX_SAMPLES, Math.floor(MAX_SAMPLE_VALUES / this.dataDim)) });
    const rng = toRng(o.seed ?? 0, "options.seed");
    const batchSize = batchSizeOf(this, "options.batchSize", o.batchSize);
    const K = this.charts;
    const mass = new Float64Array(K);
    for (let k = 0; k < K; k++) {
      const charts = new Int32Array(samples).fill(k);
      const x = await generateRows(this, rng.normalArray(samples * this.latentDim), charts, batchSize);
      const inside = await inOwnChart(this, x, charts, batchSize);
      mass[k] = inside.reduce((a, b) => a + b, 0) / samples;
    }
    const weights = await this.chartWeights();
    let outside = 0;
    for (let k = 0; k < K; k++) outside += (weights[k] as number) * (1 - (mass[k] as number));
    this.state.chartMass = Array.from(mass);
    return { mass, outside, samples };
  }

  // -------------------------------------------------------------------------------------------
  // AtlasModel
  // -------------------------------------------------------------------------------------------

  /**
   * ψ(x) = p(k|x), `[n, K]` (AtlasModel). Synchronous, as the interface requires: shapes, the chart
   * index and training are checked, values are not read (use {@link VqFlow.chartPosterior} for a
   * checked, sparse evaluation); every point is run through all K charts' flows at once.
   */
  partition(x: tf.Tensor): tf.Tensor2D {
    requireTrained(this, "partition");
    checkTensorShape("x", x, this.dataShape);
    const n = x.shape[0] as number;
    const K = this.charts;
    if (K === 1) return tf.tidy(() => tf.ones([n, 1]) as tf.Tensor2D);
    return tf.tidy(() => {
      const flat = flatRows(x, this.dataDim);
      const { y } = preprocess(this, flat);
      const pairs = Int32Array.from({ length: n * K }, (_, p) => p % K);
      const yPairs = tf.reshape(tf.tile(tf.expandDims(y, 1), [1, K, 1]), [n * K, this.dataDim]) as tf.Tensor2D;
      const lp = tf.reshape(pairLogDensity(this, yPairs, pairs), [n, K]);
      const masked = tf.where(membership(this, flat), lp, tf.fill([n, K], Number.NEGATIVE_INFINITY));
      return tf.softmax(masked, 1) as tf.Tensor2D;
    });
  }

  /** F_k = f_k: data → latent of chart k, `[n, d]` (AtlasModel; synchronous, shape-checked). */
  encode(x: tf.Tensor, chart: number): tf.Tensor2D {
    requireTrained(this, "encode");
    checkChart("chart", chart, this.charts);
    checkTensorShape("x", x, this.dataShape);
    return tf.tidy(() => pairLatent(this, preprocess(this, flatRows(x, this.dataDim)).y, new Int32Array(x.shape[0] as number).fill(chart)));
  }

  /** G_k = g_k: latent → data of chart k, `[n, ...dataShape]` (AtlasModel; synchronous, shape-checked). */
  decode(z: tf.Tensor2D, chart: number): tf.Tensor {
    requireTrained(this, "decode");
    checkChart("chart", chart, this.charts);
    if (!(z instanceof tf.Tensor)) throw new InvalidArgumentError("z", `expected a tf.Tensor2D [n, ${this.latentDim}], got ${describeValue(z)}`);
    if (z.isDisposed) throw new InvalidArgumentError("z", "the tensor is disposed");
    if (z.dtype !== "float32" && z.dtype !== "int32") throw new InvalidArgumentError("z", `expected a float32 or int32 tensor, got dtype ${z.dtype}`);
    if (z.rank !== 2 || z.shape[1] !== this.latentDim || z.shape[0] < 1) {
      throw new ShapeMismatchError("z", `expected shape [n, ${this.latentDim}] with n ≥ 1, got [${z.shape.join(", ")}]`);
    }
    return tf.tidy(() => tf.reshape(generate(this, z.toFloat(), new Int32Array(z.shape[0]).fill(chart)), [z.shape[0], ...this.dataShape]));
  }

  /** Free every tensor of the model. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.flow.dispose();
    this.autoencoder?.dispose();
    this.params.dispose();
  }
}

/**
 * Create an untrained VQ-Flow. Every option is validated before any tensor exists (bad input →
 * `InvalidArgumentError` naming the option); see {@link VqFlowOptions} and the presets.
 *
 * @example
 * const model = createVqFlow({ preset: "sphere", flow: "maf", seed: 1 });
 * const plain = createVqFlow({ dataShape: [3], codebookSize: 1 }); // a plain RealNVP
 */
export function createVqFlow(options: VqFlowOptions): VqFlow {
  return new VqFlow(resolveConfig(options));
}

/** log N(z; 0, I) of a host row (float64), for tests and checks. */
export function standardNormalLogDensityOf(z: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < z.length; i++) s += (z[i] as number) ** 2;
  return -0.5 * s - 0.5 * z.length * LOG_2PI;
}
