import * as tf from "@tensorflow/tfjs";
import {
  activation,
  batchNormalization,
  InvalidArgumentError,
  ShapeMismatchError,
  checkAllocation,
  checkBoolean,
  checkModelSize,
  checkChart,
  checkInteger,
  checkOneOf,
  checkOptions,
  checkTensor,
  describeValue,
  toRng,
  type AtlasModel,
  type Rng,
  type RngLike,
} from "@atlas/core";
import { awaeGanWeightCount } from "./awae-gan-size.js";
import { checkBatch, checkLatent, shapeText } from "./check.js";

/**
 * Width h of the AWAE-GAN per number of charts m, as in the AGM paper, Appendix A (chosen there so
 * that every model has about as many trainable parameters as the WAE-GAN with h = 128).
 */
export const PAPER_WIDTHS: Readonly<Record<number, number>> = Object.freeze({ 1: 128, 2: 86, 4: 64, 8: 48, 16: 34 });

/**
 * CPU-sized widths: the paper's widths scaled by 1/8 (16, 11, 8, 6, 4), so that MNIST training runs
 * at roughly a hundred samples per second on one CPU core (see `apps/bench`).
 */
export const CPU_WIDTHS: Readonly<Record<number, number>> = Object.freeze({ 1: 16, 2: 11, 4: 8, 8: 6, 16: 4 });

/** Output activation of the decoders' last layer. */
export type OutputActivation = "sigmoid" | "linear";

/**
 * Padding of the encoder's stride-2 convolutions. `"same"`: TensorFlow's 'same' (28→14→7→4, the
 * heads' conv → 2×2). `"pytorch"`: PyTorch's `padding=1` (out = ⌊in/2⌋: 28→14→7→3, the heads'
 * conv → 1×1), the layout whose parameter count matches the AGM paper's Table 1. The decoder's
 * transposed convolutions are the same under both (7→14→28 either way).
 */
export type EncoderPadding = "same" | "pytorch";

/**
 * How the decoders' shared tail (FSCnv_2h* + BN* + Swish* → FSCnv_1*) sees a training batch.
 * `"pooled"` (default): the tail runs once on the m·n chart features of a batch, so its batch norm
 * normalises with statistics pooled over all charts (every chart's decoding of every x, whatever
 * ψ gives it). `"per-chart"`: the tail runs once per chart on that chart's n features, so each
 * chart is normalised with its own batch statistics (the moving averages, used in inference, are
 * still shared: they are updated once per chart and step). Inference is the same either way.
 */
export type TailStatistics = "pooled" | "per-chart";

/** Options of {@link createAwaeGan}. */
export interface AwaeGanOptions {
  /** Number of charts m ≥ 1; m = 1 is the single-chart WAE-GAN (no partition head, ψ ≡ 1). */
  charts: number;
  /** Latent dimension d of each chart. Default: 8 for m = 1 (WAE-GAN), 7 for m > 1 (AWAE-GAN). */
  latentDim?: number;
  /** Width h (Appendix A). Default: {@link CPU_WIDTHS}[m], or 16·(paper h / 128) rounded for other m. */
  h?: number;
  /**
   * Shape of one sample: `[H, W, C]` (images; H and W divisible by 4; the paper's `[28, 28, 1]` is the
   * default) or `[D]` (vectors: the same network with dense layers in place of convolutions).
   */
  dataShape?: readonly number[];
  /** Decoder output activation. Default `"sigmoid"` for images (pixels in [0, 1]), `"linear"` for vectors. */
  outputActivation?: OutputActivation;
  /**
   * Padding of the encoder convolutions ({@link EncoderPadding}). Default `"same"`;
   * {@link paperAwaeGanOptions} uses `"pytorch"`. Images only (vectors have no convolutions).
   */
  padding?: EncoderPadding;
  /**
   * Biases on the encoder layers that a batch norm follows (trunk and heads' first layer). Default
   * true; {@link paperAwaeGanOptions} uses false. The batch norm subtracts the mean, so such a bias
   * changes nothing the network computes (in training and in inference mode) — it only adds 8h per
   * head and 7h in the trunk to the parameter count.
   */
  encoderBias?: boolean;
  /** Seed of the weight initialisation. Default 0. */
  seed?: RngLike;
}

/** The resolved configuration of an AWAE-GAN (what {@link createAwaeGan} built; saved with the model). */
export interface AwaeGanConfig {
  readonly charts: number;
  readonly latentDim: number;
  readonly h: number;
  readonly dataShape: readonly number[];
  readonly outputActivation: OutputActivation;
  readonly padding: EncoderPadding;
  readonly encoderBias: boolean;
}

/** Trainable-parameter counts by part (BN's γ and β included, its moving statistics not). */
export interface AwaeGanParameterCount {
  /** Shared trunk + chart heads + ψ head. */
  encoders: number;
  /** Per-chart decoders + shared tail. */
  decoders: number;
  /** Encoders plus decoders: the number the paper's Table 1 reports. */
  encodersAndDecoders: number;
  /** The m latent discriminators (not counted in Table 1). */
  discriminators: number;
}

/** Options of the AWAE-GAN presets. */
export interface AwaeGanPresetOptions {
  /** Override the data shape (default `[28, 28, 1]`). */
  dataShape?: readonly number[];
  /** Override the preset's encoder padding. */
  padding?: EncoderPadding;
  /** Override the preset's encoder biases. */
  encoderBias?: boolean;
  seed?: RngLike;
}

/**
 * The paper's configuration for m charts (AGM paper, Appendix A and Table 1): h from
 * {@link PAPER_WIDTHS}, latent R^8 for the WAE-GAN (m = 1), R^7 × {1..m} for the AWAE-GAN, and the
 * layout whose trainable-parameter count equals Table 1 exactly for every m: PyTorch-style
 * encoder padding (`padding: "pytorch"`) and no bias on the encoder layers that a batch norm
 * follows (`encoderBias: false`). `{ padding: "same", encoderBias: true }` gives the
 * TensorFlow-style layout (+0.12% to +0.51%).
 *
 * @example
 * const wae = createAwaeGan(paperAwaeGanOptions(1)); // 21,967,881 trainable encoder+decoder parameters (Table 1)
 */
export function paperAwaeGanOptions(charts: 1 | 2 | 4 | 8 | 16, options: AwaeGanPresetOptions = {}): AwaeGanOptions {
  checkPresetOptions(options);
  const h = typeof charts === "number" ? PAPER_WIDTHS[charts] : undefined;
  if (h === undefined) throw new InvalidArgumentError("charts", `expected one of the paper's 1, 2, 4, 8, 16, got ${String(charts)}`);
  return { charts, latentDim: charts === 1 ? 8 : 7, h, padding: "pytorch", encoderBias: false, ...options };
}

/**
 * The CPU-sized configuration for m charts: h from {@link CPU_WIDTHS} (paper widths / 8), the paper's
 * latent dimensions.
 *
 * @example
 * const model = createAwaeGan(cpuAwaeGanOptions(4));
 */
export function cpuAwaeGanOptions(charts: number, options: AwaeGanPresetOptions = {}): AwaeGanOptions {
  checkInteger("charts", charts, { min: 1, max: 1024 });
  checkPresetOptions(options);
  return { charts, latentDim: charts === 1 ? 8 : 7, h: defaultWidth(charts), ...options };
}

function defaultWidth(charts: number): number {
  // Other m: the paper's widths follow h ≈ 128·m^(−0.48); scaled by 1/8.
  return CPU_WIDTHS[charts] ?? Math.max(2, Math.round(16 * charts ** -0.48));
}

const GAN_KEYS = ["charts", "latentDim", "h", "dataShape", "outputActivation", "padding", "encoderBias", "seed"] as const;

/** The preset options: strict keys, a valid data shape, padding, encoderBias and seed. */
function checkPresetOptions(options: AwaeGanPresetOptions): void {
  const o = checkOptions("options", options, ["dataShape", "padding", "encoderBias", "seed"]);
  if (o.dataShape !== undefined) checkDataShape("options.dataShape", o.dataShape);
  if (o.padding !== undefined) checkOneOf("options.padding", o.padding, ["same", "pytorch"]);
  if (o.encoderBias !== undefined) checkBoolean("options.encoderBias", o.encoderBias);
  if (o.seed !== undefined) toRng(o.seed, "options.seed");
}

/** `[H, W, C]` or `[D]`, positive integers, within core's allocation limit per sample. */
function checkDataShape(name: string, shape: unknown): number[] {
  if (!Array.isArray(shape) || (shape.length !== 1 && shape.length !== 3)) throw new InvalidArgumentError(name, `expected [H, W, C] or [D], got ${describeValue(shape)}`);
  shape.forEach((s: unknown, i: number) => checkInteger(`${name}[${i}]`, s, { min: 1 }));
  checkAllocation(name, (shape as number[]).reduce((a, b) => a * b, 1), 4);
  return [...(shape as number[])];
}

/** Resolve and validate {@link AwaeGanOptions}; throws before anything is built. */
export function resolveAwaeGanConfig(options: AwaeGanOptions): AwaeGanConfig {
  if (options === null || typeof options !== "object") throw new InvalidArgumentError("options", "expected an object with at least `charts`");
  checkOptions("options", options, GAN_KEYS);
  if (options.seed !== undefined) toRng(options.seed, "options.seed");
  const charts = checkInteger("options.charts", options.charts, { min: 1, max: 1024 });
  const latentDim = checkInteger("options.latentDim", options.latentDim ?? (charts === 1 ? 8 : 7), { min: 1, max: 4096 });
  const h = checkInteger("options.h", options.h ?? defaultWidth(charts), { min: 1, max: 4096 });
  const dataShape = options.dataShape === undefined ? [28, 28, 1] : checkDataShape("options.dataShape", options.dataShape);
  if (dataShape.length === 3) {
    const [H, W] = dataShape as [number, number, number];
    if (H % 4 !== 0 || W % 4 !== 0) {
      throw new InvalidArgumentError("options.dataShape", `image height and width must be divisible by 4 (the decoder upsamples ×4 from an (H/4)×(W/4) grid), got ${shapeText(dataShape)}`);
    }
  }
  const outputActivation = checkOneOf<OutputActivation>(
    "options.outputActivation",
    options.outputActivation ?? (dataShape.length === 3 ? "sigmoid" : "linear"),
    ["sigmoid", "linear"],
  );
  const padding = checkOneOf<EncoderPadding>("options.padding", options.padding ?? "same", ["same", "pytorch"]);
  const encoderBias = options.encoderBias === undefined ? true : checkBoolean("options.encoderBias", options.encoderBias);
  if (padding === "pytorch" && dataShape.length === 3 && (dataShape[0]! < 16 || dataShape[1]! < 16)) {
    throw new InvalidArgumentError(
      "options.dataShape",
      `padding "pytorch" needs images of at least 16×16 (the trunk ends at ⌊H/8⌋ × ⌊W/8⌋, which the heads' stride-2 convolution needs to be ≥ 2), got ${shapeText(dataShape)}`,
    );
  }
  // a network too large for the backend is refused here, before a weight exists (issue 16: h = 4096
  // allocated for 35 s, then "memory access out of bounds" broke the wasm backend for the process)
  const sizeArgument = options.h !== undefined ? "options.h" : options.dataShape !== undefined && charts === 1 ? "options.dataShape" : "options.charts";
  checkModelSize(sizeArgument, awaeGanWeightCount({ charts, latentDim, h, dataShape, encoderBias }), `the AWAE-GAN (charts ${charts}, latentDim ${latentDim}, h ${h}, dataShape ${shapeText(dataShape)})`);
  return Object.freeze({ charts, latentDim, h, dataShape: Object.freeze(dataShape), outputActivation, padding, encoderBias });
}

// ---------------------------------------------------------------------------------------------
// Layer builders (Appendix A: "Conv", "FSCnv" = fractionally strided conv, "BN", "Swish", "FC").
// Convolutions are 4×4, stride 2, with 'same' or PyTorch padding 1 (zero-padding by one pixel,
// then a 'valid' convolution); the last transposed convolution has stride 1. BN uses momentum
// 0.9 and ε = 1e-5.

class LayerFactory {
  private readonly rng: Rng;
  constructor(rng: Rng) {
    this.rng = rng;
  }
  private init(): ReturnType<typeof tf.initializers.glorotUniform> {
    return tf.initializers.glorotUniform({ seed: this.rng.int(2 ** 31) });
  }
  /** A 4×4 stride-2 convolution as a function of its input (with a zero-padding layer for `"pytorch"`). */
  conv(filters: number, name: string, padding: EncoderPadding, useBias: boolean): (x: Sym) => Sym {
    const conv = tf.layers.conv2d({ filters, kernelSize: 4, strides: 2, padding: padding === "same" ? "same" : "valid", useBias, kernelInitializer: this.init(), name });
    if (padding === "same") return (x) => conv.apply(x) as Sym;
    const pad = tf.layers.zeroPadding2d({ padding: 1, name: `${name}_pad` });
    return (x) => conv.apply(pad.apply(x) as Sym) as Sym;
  }
  convT(filters: number, strides: number, name: string): tf.layers.Layer {
    return tf.layers.conv2dTranspose({ filters, kernelSize: 4, strides, padding: "same", kernelInitializer: this.init(), name });
  }
  dense(units: number, name: string, useBias = true): tf.layers.Layer {
    return tf.layers.dense({ units, useBias, kernelInitializer: this.init(), name });
  }
  bn(name: string): tf.layers.Layer {
    return batchNormalization({ momentum: 0.9, epsilon: 1e-5, name });
  }
  swish(name: string): tf.layers.Layer {
    // tfjs-layers ≥ 4.x ships the 'swish' activation: x · sigmoid(x).
    // core's layer: tfjs-layers' own, whose gradient is one kernel on webgpu (AtlasActivationGrad)
    return activation({ activation: "swish", name });
  }
}

type Sym = tf.SymbolicTensor;

function block(f: LayerFactory, x: Sym, main: tf.layers.Layer | ((x: Sym) => Sym), prefix: string): Sym {
  const y = typeof main === "function" ? main(x) : (main.apply(x) as Sym);
  return f.swish(`${prefix}_swish`).apply(f.bn(`${prefix}_bn`).apply(y) as Sym) as Sym;
}

/** The networks of one AWAE-GAN, as tf.layers models. */
interface AwaeGanNets {
  trunk: tf.LayersModel;
  chartEncoders: tf.LayersModel[];
  partitionHead: tf.LayersModel | null;
  chartDecoders: tf.LayersModel[];
  tail: tf.LayersModel;
  discriminators: tf.LayersModel[];
}

function buildNets(config: AwaeGanConfig, rng: Rng): AwaeGanNets {
  const { charts: m, latentDim: d, h, dataShape } = config;
  const f = new LayerFactory(rng);
  const image = dataShape.length === 3;
  // The encoder's main layers; each is followed by a batch norm, so `encoderBias: false` drops their biases.
  const main = (units: number, name: string): ((x: Sym) => Sym) => {
    if (image) return f.conv(units, name, config.padding, config.encoderBias);
    const dense = f.dense(units, name, config.encoderBias);
    return (x) => dense.apply(x) as Sym;
  };

  // Shared encoder trunk: Conv_h*, Conv_2h*, Conv_4h*, each + BN* + Swish*.
  const xIn = tf.input({ shape: [...dataShape], name: "x" });
  let t: Sym = xIn;
  [h, 2 * h, 4 * h].forEach((units, i) => {
    t = block(f, t, main(units, `trunk_${i + 1}`), `trunk_${i + 1}`);
  });
  const trunk = tf.model({ inputs: xIn, outputs: t, name: "trunk" });
  const featureShape = (t.shape as number[]).slice(1);

  const head = (units: number, name: string, softmax: boolean): tf.LayersModel => {
    const inp = tf.input({ shape: featureShape, name: `${name}_in` });
    let y = block(f, inp, main(8 * h, `${name}_1`), `${name}_1`);
    if (image) y = tf.layers.flatten({ name: `${name}_flatten` }).apply(y) as Sym;
    y = f.dense(units, `${name}_fc`).apply(y) as Sym;
    if (softmax) y = tf.layers.softmax({ name: `${name}_softmax` }).apply(y) as Sym;
    return tf.model({ inputs: inp, outputs: y, name });
  };
  // Per-chart heads Conv_8h + BN + Swish + FC_d, and the ψ head Conv_8h + BN + Swish + FC_m + softmax.
  const chartEncoders = Array.from({ length: m }, (_, y) => head(d, `encoder_${y}`, false));
  const partitionHead = m > 1 ? head(m, "partition", true) : null;

  // Per-chart decoders: FC_{(H/4)(W/4)8h} → FSCnv_4h + BN + Swish (vectors: FC_8h + BN + Swish → FC_4h + BN + Swish).
  const chartDecoders = Array.from({ length: m }, (_, y) => {
    const name = `decoder_${y}`;
    const zIn = tf.input({ shape: [d], name: `${name}_in` });
    let g: Sym;
    if (image) {
      const [H, W] = dataShape as [number, number, number];
      g = f.dense((H / 4) * (W / 4) * 8 * h, `${name}_fc`).apply(zIn) as Sym;
      g = tf.layers.reshape({ targetShape: [H / 4, W / 4, 8 * h], name: `${name}_reshape` }).apply(g) as Sym;
      g = block(f, g, f.convT(4 * h, 2, `${name}_1`), `${name}_1`);
    } else {
      g = block(f, zIn, f.dense(8 * h, `${name}_fc`), `${name}_fc`);
      g = block(f, g, f.dense(4 * h, `${name}_1`), `${name}_1`);
    }
    return tf.model({ inputs: zIn, outputs: g, name });
  });

  // Shared tail: FSCnv_2h* + BN* + Swish* → FSCnv_C* (stride 1) → output activation.
  const decoderFeatureShape = (chartDecoders[0]!.outputs[0]!.shape as number[]).slice(1);
  const tIn = tf.input({ shape: decoderFeatureShape, name: "tail_in" });
  let o: Sym;
  if (image) {
    o = block(f, tIn, f.convT(2 * h, 2, "tail_1"), "tail_1");
    o = f.convT(dataShape[2]!, 1, "tail_out").apply(o) as Sym;
  } else {
    o = block(f, tIn, f.dense(2 * h, "tail_1"), "tail_1");
    o = f.dense(dataShape[0]!, "tail_out").apply(o) as Sym;
  }
  if (config.outputActivation === "sigmoid") o = tf.layers.activation({ activation: "sigmoid", name: "tail_sigmoid" }).apply(o) as Sym;
  const tail = tf.model({ inputs: tIn, outputs: o, name: "tail" });

  // Latent discriminators, one per chart, no shared layers: 4 × (FC_4h + BN + Swish), FC_1.
  // The final sigmoid of Appendix A is applied by `discriminate` and, in the losses, as
  // log σ(t) = −softplus(−t) for numerical stability; the networks output the logit t.
  const discriminators = Array.from({ length: m }, (_, y) => {
    const name = `discriminator_${y}`;
    const zIn = tf.input({ shape: [d], name: `${name}_in` });
    let q: Sym = zIn;
    for (let i = 1; i <= 4; i++) q = block(f, q, f.dense(4 * h, `${name}_${i}`), `${name}_${i}`);
    q = f.dense(1, `${name}_logit`).apply(q) as Sym;
    return tf.model({ inputs: zIn, outputs: q, name });
  });

  return { trunk, chartEncoders, partitionHead, chartDecoders, tail, discriminators };
}

function countTrainable(models: readonly tf.LayersModel[]): number {
  let total = 0;
  for (const model of models) for (const w of model.trainableWeights) total += w.shape.reduce<number>((a, b) => a * (b ?? 1), 1);
  return total;
}

/** Tensors of one forward pass over a batch (see {@link AwaeGan.forward}). */
export interface AwaeGanForward {
  /** ψ(x), `[n, m]`. */
  psi: tf.Tensor2D;
  /** F_y(x) for each chart y, `[n, d]` each. */
  codes: tf.Tensor2D[];
  /** G_y(F_y(x)) for each chart y, `[n, ...dataShape]` each. */
  reconstructions: tf.Tensor[];
}

/** The constructor's parts: a resolved config and the networks built for it (one per chart where per chart). */
function checkGanParts(config: unknown, nets: unknown): void {
  if (config === null || typeof config !== "object") throw new InvalidArgumentError("config", `expected a resolved AwaeGanConfig, got ${describeValue(config)}`);
  let c: AwaeGanConfig;
  try {
    c = resolveAwaeGanConfig(config as AwaeGanOptions);
  } catch (error) {
    throw new InvalidArgumentError("config", `not a valid AwaeGanConfig: ${(error as Error).message}`);
  }
  const n = nets as Partial<AwaeGanNets> | null;
  if (n === null || typeof n !== "object") throw new InvalidArgumentError("nets", `expected the networks { trunk, chartEncoders, partitionHead, chartDecoders, tail, discriminators }, got ${describeValue(nets)}`);
  const isModel = (v: unknown): boolean => v instanceof tf.LayersModel;
  const perChart = (key: "chartEncoders" | "chartDecoders" | "discriminators"): void => {
    const list = n[key];
    if (!Array.isArray(list) || !list.every(isModel)) throw new InvalidArgumentError(`nets.${key}`, `expected an array of tf.LayersModel, got ${describeValue(list)}`);
    if (list.length !== c.charts) throw new ShapeMismatchError("config", `config.charts is ${c.charts} but nets.${key} has ${list.length} networks`);
  };
  if (!isModel(n.trunk)) throw new InvalidArgumentError("nets.trunk", `expected a tf.LayersModel, got ${describeValue(n.trunk)}`);
  if (!isModel(n.tail)) throw new InvalidArgumentError("nets.tail", `expected a tf.LayersModel, got ${describeValue(n.tail)}`);
  perChart("chartEncoders");
  perChart("chartDecoders");
  perChart("discriminators");
  if ((n.partitionHead === null) !== (c.charts === 1) || (n.partitionHead !== null && !isModel(n.partitionHead))) {
    throw new ShapeMismatchError("nets.partitionHead", `expected ${c.charts === 1 ? "null (one chart)" : "a tf.LayersModel (ψ over several charts)"}, got ${describeValue(n.partitionHead)}`);
  }
  const inShape = n.trunk!.inputs[0]?.shape.slice(1);
  if (!inShape || inShape.join(",") !== c.dataShape.join(",")) throw new ShapeMismatchError("nets", `the trunk takes [n, ${inShape?.join(", ")}], config.dataShape is [${c.dataShape.join(", ")}]`);
  const codeDim = n.chartDecoders![0]!.inputs[0]?.shape[1];
  if (codeDim !== c.latentDim) throw new ShapeMismatchError("nets", `the chart decoders take codes of ${codeDim} values, config.latentDim is ${c.latentDim}`);
}

/**
 * An Atlas WAE-GAN (AGM paper, section 2.1 eq. (6) and Appendix A): chart encoders F_y sharing a
 * convolutional trunk with the partition of unity ψ, chart decoders G_y sharing a tail, and one
 * latent discriminator per chart. An {@link AtlasModel}; train it with `trainAwaeGan`.
 */
export class AwaeGan implements AtlasModel {
  readonly charts: number;
  readonly latentDim: number;
  readonly dataShape: readonly number[];
  readonly config: AwaeGanConfig;
  /** The networks (tf.layers models); exposed for inspection and custom training. */
  readonly nets: Readonly<AwaeGanNets>;
  private disposed = false;

  /** @internal use {@link createAwaeGan}. */
  constructor(config: AwaeGanConfig, nets: AwaeGanNets) {
    checkGanParts(config, nets);
    this.config = config;
    this.charts = config.charts;
    this.latentDim = config.latentDim;
    this.dataShape = config.dataShape;
    this.nets = nets;
  }

  /** Models holding the encoder and decoder parameters (trained on the reconstruction + λ·adversarial loss). */
  get encoderDecoderModels(): tf.LayersModel[] {
    this.alive();
    const n = this.nets;
    return [n.trunk, ...n.chartEncoders, ...(n.partitionHead ? [n.partitionHead] : []), ...n.chartDecoders, n.tail];
  }

  /** Every model, in the fixed order used by save/load. */
  get allModels(): tf.LayersModel[] {
    this.alive();
    return [...this.encoderDecoderModels, ...this.nets.discriminators];
  }

  private alive(): void {
    if (this.disposed) throw new InvalidArgumentError("model", "this AwaeGan has been disposed");
  }

  /**
   * Partition of unity ψ(x): `[n, m]`, rows on the simplex (softmax head; all ones for m = 1).
   *
   * @example
   * const psi = model.partition(x); // [n, m]
   */
  partition(x: tf.Tensor): tf.Tensor2D {
    this.alive();
    checkBatch("x", x, this.dataShape);
    return tf.tidy(() => {
      if (!this.nets.partitionHead) return tf.ones([x.shape[0]!, 1]) as tf.Tensor2D;
      const feat = this.nets.trunk.apply(x, { training: false }) as tf.Tensor;
      return this.nets.partitionHead.apply(feat, { training: false }) as tf.Tensor2D;
    });
  }

  /**
   * Chart encoder F_y(x): `[n, d]` (inference mode: BN uses its moving statistics).
   *
   * @example
   * const z = model.encode(x, 0);
   */
  encode(x: tf.Tensor, chart: number): tf.Tensor2D {
    this.alive();
    checkChart("chart", chart, this.charts);
    checkBatch("x", x, this.dataShape);
    return tf.tidy(() => {
      const feat = this.nets.trunk.apply(x, { training: false }) as tf.Tensor;
      return this.nets.chartEncoders[chart]!.apply(feat, { training: false }) as tf.Tensor2D;
    });
  }

  /**
   * ψ(x) and every chart's code F_y(x) from one trunk pass (inference mode): cheaper than m calls
   * of {@link encode} when all charts are needed (e.g. building a geodesic graph).
   *
   * @example
   * const { psi, codes } = model.encodeAll(x); // codes[y]: [n, d]
   */
  encodeAll(x: tf.Tensor): { psi: tf.Tensor2D; codes: tf.Tensor2D[] } {
    this.alive();
    checkBatch("x", x, this.dataShape);
    const out = tf.tidy(() => {
      const feat = this.nets.trunk.apply(x, { training: false }) as tf.Tensor;
      const psi = this.nets.partitionHead ? (this.nets.partitionHead.apply(feat, { training: false }) as tf.Tensor2D) : (tf.ones([x.shape[0]!, 1]) as tf.Tensor2D);
      return [psi, ...this.nets.chartEncoders.map((e) => e.apply(feat, { training: false }) as tf.Tensor2D)];
    });
    return { psi: out[0]!, codes: out.slice(1) };
  }

  /**
   * Chart decoder G_y(z): `[n, ...dataShape]`.
   *
   * @example
   * const images = model.decode(tf.randomNormal([16, model.latentDim]), 2);
   */
  decode(z: tf.Tensor2D, chart: number): tf.Tensor {
    this.alive();
    checkChart("chart", chart, this.charts);
    checkLatent("z", z, this.latentDim);
    return tf.tidy(() => {
      const g = this.nets.chartDecoders[chart]!.apply(z, { training: false }) as tf.Tensor;
      return this.nets.tail.apply(g, { training: false }) as tf.Tensor;
    });
  }

  /**
   * Latent discriminator D_y(z) ∈ (0, 1): the probability that z is a prior sample of chart y.
   *
   * @example
   * const p = model.discriminate(model.encode(x, 1), 1); // [n, 1]
   */
  discriminate(z: tf.Tensor2D, chart: number): tf.Tensor2D {
    this.alive();
    checkChart("chart", chart, this.charts);
    checkLatent("z", z, this.latentDim);
    return tf.tidy(() => tf.sigmoid(this.nets.discriminators[chart]!.apply(z, { training: false }) as tf.Tensor) as tf.Tensor2D);
  }

  /**
   * Raw forward pass over a batch without input checks, for training and evaluation: ψ(x), every
   * F_y(x) and every G_y(F_y(x)). The trunk runs once; the decoder tail runs once on all m·n codes
   * (`tail: "pooled"`, the default) or once per chart (`"per-chart"`, see {@link TailStatistics}).
   * Call inside `tf.tidy` (or dispose the results).
   */
  forward(x: tf.Tensor, training: boolean, tail: TailStatistics = "pooled"): AwaeGanForward {
    this.alive();
    checkTensor("x", x, { inner: this.dataShape });
    checkBoolean("training", training);
    checkOneOf("tail", tail, ["pooled", "per-chart"]);
    const { trunk, chartEncoders, partitionHead } = this.nets;
    const n = x.shape[0]!;
    // one scope: the trunk features and decoder intermediates go, only the results stay
    return tf.tidy(() => {
      const feat = trunk.apply(x, { training }) as tf.Tensor;
      const psi = partitionHead ? (partitionHead.apply(feat, { training }) as tf.Tensor2D) : (tf.ones([n, 1]) as tf.Tensor2D);
      const codes = chartEncoders.map((e) => e.apply(feat, { training }) as tf.Tensor2D);
      const reconstructions = this.decodeAllUnchecked(codes, training, tail);
      return { psi, codes, reconstructions };
    });
  }

  /**
   * G_y(z_y) for every chart (no input checks): the shared tail runs once on the concatenation
   * (`"pooled"`, default) or once per chart (`"per-chart"`); the two differ only in training mode.
   */
  decodeAll(codes: readonly tf.Tensor2D[], training: boolean, tail: TailStatistics = "pooled"): tf.Tensor[] {
    this.alive();
    if (!Array.isArray(codes) || codes.length !== this.charts) throw new ShapeMismatchError("codes", `expected one code tensor [n, ${this.latentDim}] per chart (${this.charts}), got ${describeValue(codes)}`);
    codes.forEach((z: unknown, y: number) => checkTensor(`codes[${y}]`, z, { inner: [this.latentDim] }));
    if (codes.some((z) => z.shape[0] !== codes[0]!.shape[0])) throw new ShapeMismatchError("codes", "expected the same number of rows in every chart's codes");
    checkBoolean("training", training);
    checkOneOf("tail", tail, ["pooled", "per-chart"]);
    return tf.tidy(() => this.decodeAllUnchecked(codes, training, tail));
  }

  private decodeAllUnchecked(codes: readonly tf.Tensor2D[], training: boolean, tail: TailStatistics): tf.Tensor[] {
    const { chartDecoders } = this.nets;
    const n = codes[0]!.shape[0];
    const mids = codes.map((z, y) => chartDecoders[y]!.apply(z, { training }) as tf.Tensor);
    if (tail === "per-chart" || mids.length === 1) return mids.map((g) => this.nets.tail.apply(g, { training }) as tf.Tensor);
    const all = this.nets.tail.apply(tf.concat(mids, 0), { training }) as tf.Tensor;
    return tf.split(all, new Array<number>(codes.length).fill(n), 0);
  }

  /** Trainable parameters by part; `encodersAndDecoders` is what the paper's Table 1 counts. */
  countParameters(): AwaeGanParameterCount {
    this.alive();
    const n = this.nets;
    const encoders = countTrainable([n.trunk, ...n.chartEncoders, ...(n.partitionHead ? [n.partitionHead] : [])]);
    const decoders = countTrainable([...n.chartDecoders, n.tail]);
    return { encoders, decoders, encodersAndDecoders: encoders + decoders, discriminators: countTrainable(n.discriminators) };
  }

  /** Free every weight. The model cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    const models = this.allModels;
    this.disposed = true;
    for (const m of models) m.dispose();
  }
}

/**
 * Build an Atlas WAE-GAN exactly as in the AGM paper, Appendix A (`charts: 1`, `latentDim: 8` is the
 * WAE-GAN baseline). Encoder: shared Conv_h, Conv_2h, Conv_4h (4×4, stride 2, same padding, each +
 * BN + Swish), then per chart Conv_8h + BN + Swish + FC_d, and for ψ Conv_8h + BN + Swish + FC_m +
 * softmax. Decoder: per chart FC_{7·7·8h} and FSCnv_4h + BN + Swish, then shared FSCnv_2h + BN +
 * Swish and a stride-1 FSCnv to the image channels with a sigmoid (pixels in [0, 1]).
 * Discriminators: per chart 4 × (FC_4h + BN + Swish), FC_1, sigmoid.
 *
 * @example
 * const model = createAwaeGan({ charts: 4, latentDim: 7, h: 8 });
 * const psi = model.partition(images); // [n, 4]
 */
export function createAwaeGan(options: AwaeGanOptions): AwaeGan {
  const config = resolveAwaeGanConfig(options);
  const rng = toRng(options.seed ?? 0, "options.seed");
  return new AwaeGan(config, buildNets(config, rng));
}
