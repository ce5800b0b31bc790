import * as tf from "@tensorflow/tfjs";
import {
  InvalidArgumentError,
  ShapeMismatchError,
  checkAllocation,
  checkChart,
  checkInteger,
  checkModelSize,
  checkNumber,
  checkOneOf,
  checkOptions,
  checkTensor,
  describeValue,
  toRng,
  type AtlasModel,
  type Rng,
  type RngLike,
} from "@atlas/core";
import { checkBatch, checkLatent } from "./check.js";

/** Observation model p(x | z, y) of the Atlas VAE. */
export type VaeLikelihood = "bernoulli" | "gaussian";

/** Options of {@link createAtlasVae}. */
export interface AtlasVaeOptions {
  /** Number of charts m ≥ 1 (the categorical latent y ∈ {1..m}). */
  charts: number;
  /** Dimension d of the Gaussian latent z of each chart. */
  latentDim: number;
  /** Shape of one sample (any rank; the networks see it flattened). */
  dataShape: readonly number[];
  /** Widths of the shared encoder trunk (dense + Swish); the decoders use them reversed. Default [64, 32]. */
  hidden?: readonly number[];
  /**
   * p(x | z, y): `"bernoulli"` (pixels in [0, 1]; G_y = sigmoid of the logits) or `"gaussian"` with a
   * fixed standard deviation `sigma` (G_y = the mean). Default: bernoulli for images (rank 3), else gaussian.
   */
  likelihood?: VaeLikelihood;
  /** Standard deviation of the Gaussian likelihood. Default 0.1. */
  sigma?: number;
  /** Seed of the weight initialisation. Default 0. */
  seed?: RngLike;
}

/** The resolved configuration of an Atlas VAE (saved with the model). */
export interface AtlasVaeConfig {
  readonly charts: number;
  readonly latentDim: number;
  readonly dataShape: readonly number[];
  readonly hidden: readonly number[];
  readonly likelihood: VaeLikelihood;
  readonly sigma: number;
}

/** Resolve and validate {@link AtlasVaeOptions}. */
export function resolveAtlasVaeConfig(options: AtlasVaeOptions): AtlasVaeConfig {
  if (options === null || typeof options !== "object") throw new InvalidArgumentError("options", "expected { charts, latentDim, dataShape }");
  checkOptions("options", options, ["charts", "latentDim", "dataShape", "hidden", "likelihood", "sigma", "seed"]);
  if (options.seed !== undefined) toRng(options.seed, "options.seed");
  const charts = checkInteger("options.charts", options.charts, { min: 1, max: 1024 });
  const latentDim = checkInteger("options.latentDim", options.latentDim, { min: 1, max: 4096 });
  if (!Array.isArray(options.dataShape) || options.dataShape.length === 0) {
    throw new InvalidArgumentError("options.dataShape", `expected a non-empty array of sizes, got ${String(options.dataShape)}`);
  }
  // at most 4 axes, as the data the trainers and evaluations take (toSampleTable)
  if (options.dataShape.length > 4) throw new InvalidArgumentError("options.dataShape", `expected at most 4 axes, got ${options.dataShape.length}`);
  const dataShape = options.dataShape.map((s, i) => checkInteger(`options.dataShape[${i}]`, s, { min: 1 }));
  const D = dataShape.reduce((a, b) => a * b, 1);
  checkAllocation("options.dataShape", D, 4);
  const hiddenIn = options.hidden ?? [64, 32];
  if (!Array.isArray(hiddenIn)) throw new InvalidArgumentError("options.hidden", "expected an array of layer widths");
  const hidden = hiddenIn.map((s, i) => checkInteger(`options.hidden[${i}]`, s, { min: 1 }));
  // the networks' weights (trunk, heads, m encoders and decoders) must fit the backend before any is made
  const widths = [D, ...hidden];
  let params = 0;
  for (let i = 1; i < widths.length; i++) params += (widths[i - 1]! + 1) * widths[i]! * (1 + charts);
  const last = widths[widths.length - 1]!;
  params += (last + 1) * (charts + 2 * latentDim * charts) + (latentDim + 1) * (hidden.length ? hidden[hidden.length - 1]! : D) * charts + (last + 1) * D * charts;
  checkModelSize("options.hidden", params, "the Atlas VAE");
  const likelihood = checkOneOf<VaeLikelihood>("options.likelihood", options.likelihood ?? (dataShape.length === 3 ? "bernoulli" : "gaussian"), [
    "bernoulli",
    "gaussian",
  ]);
  const sigma = checkNumber("options.sigma", options.sigma ?? 0.1, { above: 0 });
  return Object.freeze({ charts, latentDim, dataShape: Object.freeze(dataShape), hidden: Object.freeze(hidden), likelihood, sigma });
}

/** The constructor's parts: a valid config and networks built for it. */
function checkVaeParts(config: unknown, nets: unknown): void {
  if (config === null || typeof config !== "object") throw new InvalidArgumentError("config", `expected a resolved AtlasVaeConfig, got ${describeValue(config)}`);
  let c: AtlasVaeConfig;
  try {
    c = resolveAtlasVaeConfig(config as AtlasVaeOptions);
  } catch (error) {
    throw new InvalidArgumentError("config", `not a valid AtlasVaeConfig: ${(error as Error).message}`);
  }
  const n = nets as Partial<AtlasVaeNets> | null;
  if (n === null || typeof n !== "object") throw new InvalidArgumentError("nets", `expected the networks { trunk, partitionHead, chartEncoders, chartDecoders }, got ${describeValue(nets)}`);
  const isModel = (v: unknown): boolean => v instanceof tf.LayersModel;
  if (!isModel(n.trunk)) throw new InvalidArgumentError("nets.trunk", `expected a tf.LayersModel, got ${describeValue(n.trunk)}`);
  if (!isModel(n.partitionHead)) throw new InvalidArgumentError("nets.partitionHead", `expected a tf.LayersModel, got ${describeValue(n.partitionHead)}`);
  for (const key of ["chartEncoders", "chartDecoders"] as const) {
    const list = n[key];
    if (!Array.isArray(list) || !list.every(isModel)) throw new InvalidArgumentError(`nets.${key}`, `expected an array of tf.LayersModel, got ${describeValue(list)}`);
    if (list.length !== c.charts) throw new ShapeMismatchError("config", `config.charts is ${c.charts} but nets.${key} has ${list.length} networks`);
  }
  const inShape = n.trunk!.inputs[0]?.shape.slice(1);
  if (!inShape || inShape.join(",") !== c.dataShape.join(",")) throw new ShapeMismatchError("nets", `the trunk takes [n, ${inShape?.join(", ")}], config.dataShape is [${c.dataShape.join(", ")}]`);
  if (n.chartDecoders![0]!.inputs[0]?.shape[1] !== c.latentDim) throw new ShapeMismatchError("nets", `the chart decoders do not take codes of config.latentDim = ${c.latentDim} values`);
}

interface AtlasVaeNets {
  /** x → shared features. */
  trunk: tf.LayersModel;
  /** features → q(y|x) (softmax), `[n, m]`. */
  partitionHead: tf.LayersModel;
  /** features → [μ_y, log σ_y²] per chart, `[n, 2d]`. */
  chartEncoders: tf.LayersModel[];
  /** z → logits (bernoulli) or mean (gaussian) of p(x|z, y), flattened `[n, D]`. */
  chartDecoders: tf.LayersModel[];
}

function buildVaeNets(config: AtlasVaeConfig, rng: Rng): AtlasVaeNets {
  const { charts: m, latentDim: d, dataShape, hidden } = config;
  const D = dataShape.reduce((a, b) => a * b, 1);
  const init = (): ReturnType<typeof tf.initializers.glorotUniform> => tf.initializers.glorotUniform({ seed: rng.int(2 ** 31) });
  const dense = (units: number, name: string, activation?: "swish" | "softmax"): tf.layers.Layer =>
    tf.layers.dense({ units, name, kernelInitializer: init(), ...(activation ? { activation } : {}) });

  const xIn = tf.input({ shape: [...dataShape], name: "vae_x" });
  let t = (dataShape.length > 1 ? tf.layers.flatten({ name: "vae_flatten" }).apply(xIn) : xIn) as tf.SymbolicTensor;
  hidden.forEach((u, i) => {
    t = dense(u, `vae_trunk_${i + 1}`, "swish").apply(t) as tf.SymbolicTensor;
  });
  const trunk = tf.model({ inputs: xIn, outputs: t, name: "vae_trunk" });
  const width = hidden.length ? hidden[hidden.length - 1]! : D;

  const fIn = tf.input({ shape: [width], name: "vae_partition_in" });
  const partitionHead = tf.model({ inputs: fIn, outputs: dense(m, "vae_partition", "softmax").apply(fIn) as tf.SymbolicTensor, name: "vae_partition" });
  const chartEncoders = Array.from({ length: m }, (_, y) => {
    const inp = tf.input({ shape: [width], name: `vae_encoder_${y}_in` });
    return tf.model({ inputs: inp, outputs: dense(2 * d, `vae_encoder_${y}`).apply(inp) as tf.SymbolicTensor, name: `vae_encoder_${y}` });
  });
  const chartDecoders = Array.from({ length: m }, (_, y) => {
    const zIn = tf.input({ shape: [d], name: `vae_decoder_${y}_in` });
    let g: tf.SymbolicTensor = zIn;
    [...hidden].reverse().forEach((u, i) => {
      g = dense(u, `vae_decoder_${y}_${i + 1}`, "swish").apply(g) as tf.SymbolicTensor;
    });
    g = dense(D, `vae_decoder_${y}_out`).apply(g) as tf.SymbolicTensor;
    return tf.model({ inputs: zIn, outputs: g, name: `vae_decoder_${y}` });
  });
  return { trunk, partitionHead, chartEncoders, chartDecoders };
}

/** Terms of the negative bound −(1) on a batch, each a mean over the batch. */
export interface AtlasVaeLossTerms {
  /** −ELBO (the training loss). */
  loss: tf.Scalar;
  /** KL(q(y|x) ‖ Uniform{1..m}). */
  klChart: tf.Scalar;
  /** Σ_y q(y|x) KL(q(z|x,y) ‖ N(0, I)). */
  klLatent: tf.Scalar;
  /** −Σ_y q(y|x) log p(x | z_y, y) with one reparameterised draw z_y per chart. */
  reconstruction: tf.Scalar;
}

/**
 * An Atlas VAE (AGM paper, section 2.1 eq. (1)–(2) and section 3): a VAE with a categorical latent
 * y ~ q(y|x) (the partition of unity ψ) and a Gaussian latent z ~ N(μ_y(x), σ_y(x)²) per chart;
 * F_y = μ_y (the mean of q(z|x,y)), G_y = E[x | z, y] (the mean of p(x|z,y)).
 */
export class AtlasVae implements AtlasModel {
  readonly charts: number;
  readonly latentDim: number;
  readonly dataShape: readonly number[];
  readonly config: AtlasVaeConfig;
  readonly nets: Readonly<AtlasVaeNets>;
  private disposed = false;

  /** @internal use {@link createAtlasVae}. */
  constructor(config: AtlasVaeConfig, nets: AtlasVaeNets) {
    checkVaeParts(config, nets);
    this.config = config;
    this.charts = config.charts;
    this.latentDim = config.latentDim;
    this.dataShape = config.dataShape;
    this.nets = nets;
  }

  /** Every model, in the fixed order used by save/load. */
  get allModels(): tf.LayersModel[] {
    this.alive();
    return [this.nets.trunk, this.nets.partitionHead, ...this.nets.chartEncoders, ...this.nets.chartDecoders];
  }

  private alive(): void {
    if (this.disposed) throw new InvalidArgumentError("model", "this AtlasVae has been disposed");
  }

  /** ψ(x) = q(y|x), `[n, m]`. */
  partition(x: tf.Tensor): tf.Tensor2D {
    this.alive();
    checkBatch("x", x, this.dataShape);
    return tf.tidy(() => this.nets.partitionHead.apply(this.nets.trunk.apply(x)) as tf.Tensor2D);
  }

  /** F_y(x) = E[z | x, y] = μ_y(x), `[n, d]`. */
  encode(x: tf.Tensor, chart: number): tf.Tensor2D {
    this.alive();
    checkChart("chart", chart, this.charts);
    checkBatch("x", x, this.dataShape);
    return tf.tidy(() => {
      const stats = this.nets.chartEncoders[chart]!.apply(this.nets.trunk.apply(x)) as tf.Tensor2D;
      return stats.slice([0, 0], [-1, this.latentDim]) as tf.Tensor2D;
    });
  }

  /** The standard deviations σ_y(x) of q(z | x, y), `[n, d]`. */
  encodeStd(x: tf.Tensor, chart: number): tf.Tensor2D {
    this.alive();
    checkChart("chart", chart, this.charts);
    checkBatch("x", x, this.dataShape);
    return tf.tidy(() => {
      const stats = this.nets.chartEncoders[chart]!.apply(this.nets.trunk.apply(x)) as tf.Tensor2D;
      return tf.exp(tf.mul(stats.slice([0, this.latentDim], [-1, this.latentDim]), 0.5)) as tf.Tensor2D;
    });
  }

  /** G_y(z) = E[x | z, y], `[n, ...dataShape]`. */
  decode(z: tf.Tensor2D, chart: number): tf.Tensor {
    this.alive();
    checkChart("chart", chart, this.charts);
    checkLatent("z", z, this.latentDim);
    return tf.tidy(() => this.meanOf(this.nets.chartDecoders[chart]!.apply(z) as tf.Tensor2D));
  }

  private meanOf(out: tf.Tensor2D): tf.Tensor {
    const mean = this.config.likelihood === "bernoulli" ? tf.sigmoid(out) : out;
    return mean.reshape([out.shape[0], ...this.dataShape]);
  }

  /**
   * The negative bound −(1) on a batch, averaged over it (no input checks; call inside a tidy):
   * KL(q(y|x) ‖ U{1..m}) + Σ_y q(y|x) [ KL(N(μ_y, σ_y²) ‖ N(0, I)) − log p(x | z_y, y) ],
   * the sum over y exact (m decoder passes) and z_y = μ_y + σ_y ε_y with one ε_y ~ N(0, I) per chart
   * (`noise[y]`, `[n, d]`).
   */
  negativeBound(x: tf.Tensor, noise: readonly tf.Tensor2D[]): AtlasVaeLossTerms {
    this.alive();
    checkTensor("x", x, { inner: this.dataShape });
    if (!Array.isArray(noise) || noise.length !== this.charts) throw new ShapeMismatchError("noise", `expected one tensor [n, ${this.latentDim}] per chart (${this.charts}), got ${describeValue(noise)}`);
    noise.forEach((e: unknown, y: number) => {
      const t = checkTensor(`noise[${y}]`, e, { inner: [this.latentDim], dtypes: ["float32"] });
      if (t.shape[0] !== x.shape[0]) throw new ShapeMismatchError(`noise[${y}]`, `expected ${x.shape[0]} rows like x, got [${t.shape.join(", ")}]`);
    });
    return tf.tidy(() => this.negativeBoundUnchecked(x, noise) as unknown as tf.TensorContainer) as unknown as AtlasVaeLossTerms;
  }

  private negativeBoundUnchecked(x: tf.Tensor, noise: readonly tf.Tensor2D[]): AtlasVaeLossTerms {
    const { charts: m, latentDim: d, likelihood, sigma } = this.config;
    const n = x.shape[0]!;
    const flat = x.reshape([n, -1]);
    const D = flat.shape[1]!;
    const feat = this.nets.trunk.apply(x) as tf.Tensor2D;
    const q = this.nets.partitionHead.apply(feat) as tf.Tensor2D; // [n, m]
    // KL(q(y|x) ‖ 1/m) = Σ_y q log q + log m (q log q → 0 as q → 0).
    const klChart = tf.add(tf.sum(tf.mul(q, tf.log(tf.add(q, 1e-12))), 1), Math.log(m));
    const klTerms: tf.Tensor1D[] = [];
    const nllTerms: tf.Tensor1D[] = [];
    for (let y = 0; y < m; y++) {
      const stats = this.nets.chartEncoders[y]!.apply(feat) as tf.Tensor2D;
      const mu = stats.slice([0, 0], [-1, d]);
      const logVar = stats.slice([0, d], [-1, d]);
      // KL(N(μ, σ²) ‖ N(0, I)) = ½ Σ (μ² + σ² − 1 − log σ²)
      klTerms.push(tf.mul(tf.sum(tf.sub(tf.add(tf.square(mu), tf.exp(logVar)), tf.add(logVar, 1)), 1), 0.5) as tf.Tensor1D);
      const z = tf.add(mu, tf.mul(tf.exp(tf.mul(logVar, 0.5)), noise[y]!));
      const out = this.nets.chartDecoders[y]!.apply(z) as tf.Tensor2D;
      if (likelihood === "bernoulli") {
        // −log p(x | logits t) = Σ_j softplus(t_j) − x_j t_j
        nllTerms.push(tf.sum(tf.sub(tf.softplus(out), tf.mul(flat, out)), 1) as tf.Tensor1D);
      } else {
        // −log N(x; μ, σ²I) = ‖x − μ‖² / (2σ²) + (D/2) log(2πσ²)
        nllTerms.push(tf.add(tf.div(tf.sum(tf.squaredDifference(flat, out), 1), 2 * sigma * sigma), (D / 2) * Math.log(2 * Math.PI * sigma * sigma)) as tf.Tensor1D);
      }
    }
    const klLatent = tf.sum(tf.mul(q, tf.stack(klTerms, 1)), 1);
    const nll = tf.sum(tf.mul(q, tf.stack(nllTerms, 1)), 1);
    const loss = tf.mean(tf.add(tf.add(klChart, klLatent), nll)) as tf.Scalar;
    return { loss, klChart: tf.mean(klChart) as tf.Scalar, klLatent: tf.mean(klLatent) as tf.Scalar, reconstruction: tf.mean(nll) as tf.Scalar };
  }

  /** Trainable parameters of all networks. */
  countParameters(): number {
    this.alive();
    let total = 0;
    for (const model of this.allModels) for (const w of model.trainableWeights) total += w.shape.reduce<number>((a, b) => a * (b ?? 1), 1);
    return total;
  }

  /** Free every weight. */
  dispose(): void {
    if (this.disposed) return;
    const models = this.allModels;
    this.disposed = true;
    for (const m of models) m.dispose();
  }
}

/**
 * Build an Atlas VAE (AGM paper, section 3): shared dense trunk with Swish, a softmax head for
 * q(y|x) = ψ(x), per-chart Gaussian heads [μ_y, log σ_y²], per-chart dense decoders.
 *
 * @example
 * const vae = createAtlasVae({ charts: 2, latentDim: 1, dataShape: [8] });
 * await trainAtlasVae(vae, data, { epochs: 50 });
 * const psi = vae.partition(x);
 */
export function createAtlasVae(options: AtlasVaeOptions): AtlasVae {
  const config = resolveAtlasVaeConfig(options);
  const rng = toRng(options.seed ?? 0, "options.seed");
  return new AtlasVae(config, buildVaeNets(config, rng));
}

