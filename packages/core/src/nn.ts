/**
 * Network building blocks the papers use, as tf.layers models: an MLP (GTN's `h`), conv encoder and
 * decoder stacks (GTN's Appendix F autoencoder, the WAE-style stacks of the AGM paper), and a preset
 * for the GTN MNIST autoencoder.
 */
import * as tf from "@tensorflow/tfjs";
import { activation as activationLayerOf, leakyReLU } from "./activation.js";
import { batchNormalization } from "./batch-norm.js";
import { InvalidArgumentError, describeValue } from "./errors.js";
import { type RngLike, toRng } from "./rng.js";
import { checkModelSize } from "./capacity.js";
import { checkBoolean, checkInteger, checkNumber, checkOneOf, checkOptions, checkString } from "./validate.js";

/** Most layers a builder accepts (a loop of a billion layers would hang before allocating much). */
const MAX_LAYERS = 1000;

/** Build a model; on any error dispose what was built (weights are allocated as layers are added). */
function building<M extends tf.LayersModel>(model: M, build: (m: M) => void): M {
  try {
    build(model);
    return model;
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/** Activations of the blocks. `swish` is x·σ(x) (tfjs-layers' built-in), `leakyRelu` uses `alpha`. */
export type Activation = "relu" | "leakyRelu" | "swish" | "tanh" | "sigmoid" | "linear";

const ACTIVATIONS: readonly Activation[] = ["relu", "leakyRelu", "swish", "tanh", "sigmoid", "linear"];

/**
 * Weight initialisation: `'glorot'` (Keras' default, Glorot-uniform kernels, zero biases), `'he'`
 * (He-normal kernels, zero biases) or `'torch'` (PyTorch's default for Linear/Conv: kernels and
 * biases U(−1/√fan_in, 1/√fan_in), as in the papers' code).
 */
export type Init = "glorot" | "he" | "torch";

/** Where batch norm sits relative to the activation. GTN's MLP: after; conv stacks (WAE/AGM): before. */
export type BatchNormOrder = "after-activation" | "before-activation";

/** Options of {@link mlp}. */
export interface MlpOptions {
  /** Input features. */
  inputDim: number;
  /** Output features. */
  outputDim: number;
  /** Number of hidden layers (0 gives one linear map). */
  hiddenLayers: number;
  /** Units per hidden layer. */
  width: number;
  /** Hidden activation (default `'relu'`). */
  activation?: Activation;
  /** Slope of LeakyReLU for x < 0 (default 0.2; GTN uses 0.5). */
  alpha?: number;
  /** Batch norm in every hidden layer (default false). */
  batchNorm?: boolean;
  /** Default `'after-activation'`, as the GTN code does. */
  batchNormOrder?: BatchNormOrder;
  /**
   * Batch norm's moving-average momentum, in tfjs's convention (moving = momentum · moving +
   * (1 − momentum) · batch). Default 0.99 (tfjs's); PyTorch's default `momentum=0.1` is 0.9 here.
   */
  batchNormMomentum?: number;
  /** Batch norm's ε added to the variance. Default 1e-3 (tfjs's); PyTorch's default is 1e-5. */
  batchNormEpsilon?: number;
  /** Output activation (default `'linear'`). */
  outputActivation?: Activation;
  /** Weight initialisation (default `'glorot'`). */
  init?: Init;
  /** Seed (or Rng) for the initialisers: the same seed gives the same weights. Unseeded if absent. */
  seed?: RngLike;
  /** Model name (default `'mlp'`). */
  name?: string;
}

/** A per-layer option: one value for all layers, or one per layer. */
export type PerLayer<T> = T | readonly T[];

/** Options shared by {@link convEncoder} and {@link convDecoder}. */
export interface ConvStackOptions {
  /** Kernel size per conv layer (default 4). */
  kernelSize?: PerLayer<number>;
  /** Stride per conv layer (default 2). */
  strides?: PerLayer<number>;
  /** `'same'` (default) or `'valid'`. With k = 4, s = 2 and even sizes, `'same'` is PyTorch's padding 1. */
  padding?: "same" | "valid";
  /** Hidden activation (default `'relu'`). */
  activation?: "relu" | "swish" | "leakyRelu";
  /** LeakyReLU slope (default 0.2). */
  alpha?: number;
  /** Batch norm after every hidden conv (default false). */
  batchNorm?: boolean;
  /** Default `'before-activation'` (conv → BN → activation, as WAE/AGM). */
  batchNormOrder?: BatchNormOrder;
  /** Multiplies every `filters` entry (rounded, at least 1). Default 1. */
  widthMultiplier?: number;
  /** Weight initialisation (default `'glorot'`). */
  init?: Init;
  /** Seed (or Rng) for the initialisers. */
  seed?: RngLike;
  /** Model name. */
  name?: string;
}

/** Options of {@link convEncoder}. */
export interface ConvEncoderOptions extends ConvStackOptions {
  /** One image's shape [H, W, C] (NHWC). */
  inputShape: readonly [number, number, number];
  /** Output channels of each conv layer (before `widthMultiplier`). */
  filters: readonly number[];
  /** Dense head to this many latent features; omit for the conv trunk alone (feature maps out). */
  latentDim?: number;
  /** Activation of the latent head (default `'linear'`; GTN: `'tanh'`). */
  latentActivation?: Activation;
  /**
   * Batch norm between the latent dense layer and its activation (default false). Keeps a
   * bounded activation such as tanh out of saturation; momentum 0.9 as PyTorch's default.
   */
  latentBatchNorm?: boolean;
}

/** Options of {@link convDecoder}. */
export interface ConvDecoderOptions extends ConvStackOptions {
  /** Latent features in. */
  latentDim: number;
  /** One output image's shape [H, W, C]. */
  outputShape: readonly [number, number, number];
  /**
   * Channels of the feature maps: `filters[0]` is the dense layer's reshaped output, `filters[i]`
   * (i ≥ 1) the output of transposed conv i; the last transposed conv outputs `outputShape[2]`
   * channels. So there are `filters.length` transposed convs (before `widthMultiplier`).
   */
  filters: readonly number[];
  /** Activation after the dense layer (default `'linear'`). */
  denseActivation?: Activation;
  /** Output activation (default `'sigmoid'`, images in [0, 1]). */
  outputActivation?: Activation;
}

/** Derives one initialiser seed per layer from the user's seed (undefined: unseeded). */
class Seeds {
  private readonly rng;
  constructor(seed: RngLike | undefined) {
    this.rng = seed === undefined ? undefined : toRng(seed, "options.seed");
  }
  next(): number | undefined {
    return this.rng === undefined ? undefined : this.rng.int(2 ** 31 - 1);
  }
}

/** tfjs-layers' Initializer class (not exported by name from the tfjs bundle). */
type Initializer = ReturnType<typeof tf.initializers.glorotUniform>;

function initializers(init: Init, seeds: Seeds, fanIn: number): { kernelInitializer: Initializer; biasInitializer: Initializer } {
  const seed = seeds.next();
  const biasSeed = seeds.next();
  if (init === "torch") {
    const bound = 1 / Math.sqrt(fanIn);
    return {
      kernelInitializer: tf.initializers.varianceScaling({ scale: 1 / 3, mode: "fanIn", distribution: "uniform", seed }),
      biasInitializer: tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed: biasSeed }),
    };
  }
  return {
    kernelInitializer: init === "he" ? tf.initializers.heNormal({ seed }) : tf.initializers.glorotUniform({ seed }),
    biasInitializer: tf.initializers.zeros(),
  };
}

function activationLayer(activation: Activation, alpha: number, name?: string): tf.layers.Layer | undefined {
  if (activation === "linear") return undefined;
  // core's layers: tfjs-layers' own, with a one-kernel gradient on webgpu (activation.ts)
  if (activation === "leakyRelu") return leakyReLU({ alpha, name });
  return activationLayerOf({ activation, name });
}

/** Activation (+ batch norm in the requested order) after a linear/conv layer. */
function addActivation(
  model: tf.Sequential,
  activation: Activation,
  alpha: number,
  batchNorm: boolean,
  order: BatchNormOrder,
  bn: { momentum?: number; epsilon?: number } = {},
): void {
  const act = activationLayer(activation, alpha);
  if (batchNorm && order === "before-activation") model.add(batchNormalization({ axis: -1, ...bn }));
  if (act) model.add(act);
  if (batchNorm && order === "after-activation") model.add(batchNormalization({ axis: -1, ...bn }));
}

function checkOptionsObject(options: unknown, keys: readonly string[]): void {
  if (options === undefined) throw new InvalidArgumentError("options", "expected an options object, got undefined");
  checkOptions("options", options as object, keys);
  const o = options as { name?: unknown; batchNorm?: unknown };
  if (o.name !== undefined) checkString("options.name", o.name);
  if (o.batchNorm !== undefined) checkBoolean("options.batchNorm", o.batchNorm);
}

const MLP_KEYS = ["inputDim", "outputDim", "hiddenLayers", "width", "activation", "alpha", "batchNorm", "batchNormOrder", "batchNormMomentum", "batchNormEpsilon", "outputActivation", "init", "seed", "name"] as const;
const STACK_KEYS = ["kernelSize", "strides", "padding", "activation", "alpha", "batchNorm", "batchNormOrder", "widthMultiplier", "init", "seed", "name"] as const;
const ENCODER_KEYS = [...STACK_KEYS, "inputShape", "filters", "latentDim", "latentActivation", "latentBatchNorm"] as const;
const DECODER_KEYS = [...STACK_KEYS, "latentDim", "outputShape", "filters", "denseActivation", "outputActivation"] as const;

function perLayer(name: string, value: PerLayer<number> | undefined, fallback: number, layers: number, bounds: { min: number; max: number }): number[] {
  if (value === undefined) return Array.from({ length: layers }, () => fallback);
  if (typeof value === "number") {
    checkInteger(name, value, bounds);
    return Array.from({ length: layers }, () => value);
  }
  if (!Array.isArray(value) || value.length !== layers) {
    throw new InvalidArgumentError(name, `expected a number or an array of ${layers} (one per conv layer), got ${describeValue(value)}`);
  }
  value.forEach((v, i) => checkInteger(`${name}[${i}]`, v, bounds));
  return [...value];
}

function checkFilters(name: string, filters: unknown): readonly number[] {
  if (!Array.isArray(filters) || filters.length === 0) {
    throw new InvalidArgumentError(name, `expected a non-empty array of channel counts, got ${describeValue(filters)}`);
  }
  if (filters.length > MAX_LAYERS) throw new InvalidArgumentError(name, `expected at most ${MAX_LAYERS} layers, got ${filters.length}`);
  filters.forEach((f, i) => checkInteger(`${name}[${i}]`, f, { min: 1, max: 2 ** 24 }));
  return filters;
}

function checkShape3(name: string, shape: unknown): [number, number, number] {
  if (!Array.isArray(shape) || shape.length !== 3) {
    throw new InvalidArgumentError(name, `expected [height, width, channels], got ${describeValue(shape)}`);
  }
  shape.forEach((v, i) => checkInteger(`${name}[${i}]`, v, { min: 1, max: 2 ** 24 }));
  return [shape[0], shape[1], shape[2]];
}

interface StackSettings {
  kernel: number[];
  strides: number[];
  padding: "same" | "valid";
  activation: "relu" | "swish" | "leakyRelu";
  alpha: number;
  batchNorm: boolean;
  order: BatchNormOrder;
  multiplier: number;
  init: Init;
}

function stackSettings(options: ConvStackOptions, layers: number): StackSettings {
  return {
    kernel: perLayer("options.kernelSize", options.kernelSize, 4, layers, { min: 1, max: 1024 }),
    strides: perLayer("options.strides", options.strides, 2, layers, { min: 1, max: 1024 }),
    padding: checkOneOf("options.padding", options.padding ?? "same", ["same", "valid"] as const),
    activation: checkOneOf("options.activation", options.activation ?? "relu", ["relu", "swish", "leakyRelu"] as const),
    alpha: checkNumber("options.alpha", options.alpha ?? 0.2, { min: 0 }),
    batchNorm: options.batchNorm ?? false,
    order: checkOneOf("options.batchNormOrder", options.batchNormOrder ?? "before-activation", ["before-activation", "after-activation"] as const),
    multiplier: checkNumber("options.widthMultiplier", options.widthMultiplier ?? 1, { above: 0 }),
    init: checkOneOf("options.init", options.init ?? "glorot", ["glorot", "he", "torch"] as const),
  };
}

const scaled = (filters: number, multiplier: number): number => Math.max(1, Math.round(filters * multiplier));

/** Spatial size after a conv (TensorFlow rules). */
function convOut(size: number, k: number, s: number, padding: "same" | "valid"): number {
  return padding === "same" ? Math.ceil(size / s) : Math.ceil((size - k + 1) / s);
}

/**
 * A multilayer perceptron: `hiddenLayers` × (dense `width` → activation → batch norm), then a dense
 * output layer. GTN (paper 1, §2.2) trains its `h` as such a network with LeakyReLU(0.5) and batch
 * norm after the activation (Appendix Table 2: e.g. MNIST 7 × 50 with BN).
 *
 * @returns an uncompiled `tf.Sequential` [n, inputDim] → [n, outputDim]
 * @example
 * const h = mlp({ inputDim: 5, outputDim: 5, hiddenLayers: 7, width: 50, activation: "leakyRelu", alpha: 0.5, batchNorm: true, seed: 1 });
 */
export function mlp(options: MlpOptions): tf.Sequential {
  checkOptionsObject(options, MLP_KEYS);
  const inputDim = checkInteger("options.inputDim", options.inputDim, { min: 1 });
  const outputDim = checkInteger("options.outputDim", options.outputDim, { min: 1 });
  const hiddenLayers = checkInteger("options.hiddenLayers", options.hiddenLayers, { min: 0, max: MAX_LAYERS });
  const width = checkInteger("options.width", options.width, { min: 1 });
  const batchNorm = options.batchNorm ?? false;
  const hiddenParams = hiddenLayers === 0 ? 0 : inputDim * width + width + (hiddenLayers - 1) * (width * width + width) + (batchNorm ? 4 * width * hiddenLayers : 0);
  // the error names the largest size, the one that makes the network too big
  const biggest = hiddenLayers > 0 && width >= inputDim && width >= outputDim ? "options.width" : inputDim >= outputDim ? "options.inputDim" : "options.outputDim";
  checkModelSize(biggest, hiddenParams + (hiddenLayers === 0 ? inputDim : width) * outputDim + outputDim, "the MLP");
  const activation = checkOneOf("options.activation", options.activation ?? "relu", ACTIVATIONS);
  const outputActivation = checkOneOf("options.outputActivation", options.outputActivation ?? "linear", ACTIVATIONS);
  const alpha = checkNumber("options.alpha", options.alpha ?? 0.2, { min: 0 });
  const order = checkOneOf("options.batchNormOrder", options.batchNormOrder ?? "after-activation", ["before-activation", "after-activation"] as const);
  const init = checkOneOf("options.init", options.init ?? "glorot", ["glorot", "he", "torch"] as const);
  const bn = {
    momentum: checkNumber("options.batchNormMomentum", options.batchNormMomentum ?? 0.99, { min: 0, max: 1 }),
    epsilon: checkNumber("options.batchNormEpsilon", options.batchNormEpsilon ?? 1e-3, { above: 0 }),
  };
  const seeds = new Seeds(options.seed);

  return building(tf.sequential({ name: options.name ?? "mlp" }), (model) => {
    let fanIn = inputDim;
    for (let i = 0; i < hiddenLayers; i++) {
      model.add(tf.layers.dense({ units: width, ...(i === 0 ? { inputShape: [inputDim] } : {}), ...initializers(init, seeds, fanIn) }));
      addActivation(model, activation, alpha, batchNorm, order, bn);
      fanIn = width;
    }
    model.add(tf.layers.dense({ units: outputDim, ...(hiddenLayers === 0 ? { inputShape: [inputDim] } : {}), ...initializers(init, seeds, fanIn) }));
    const out = activationLayer(outputActivation, alpha);
    if (out) model.add(out);
  });
}

/**
 * A conv encoder stack: per layer conv(filters·m, k, s) → [BN] → activation, then (with `latentDim`)
 * flatten → dense → latent activation. Expresses GTN's Appendix F encoder (conv 64 and 128, k4 s2
 * p1, ReLU, linear → d, tanh: see {@link gtnMnistAutoencoder}) and the WAE/AGM trunks (4×4, stride 2,
 * same padding, BN + Swish).
 *
 * @returns an uncompiled `tf.Sequential` [n, H, W, C] → [n, latentDim] (or feature maps without a head)
 * @example
 * const enc = convEncoder({ inputShape: [28, 28, 1], filters: [128, 256, 512, 1024], activation: "swish", batchNorm: true, latentDim: 8 });
 */
export function convEncoder(options: ConvEncoderOptions): tf.Sequential {
  checkOptionsObject(options, ENCODER_KEYS);
  const inputShape = checkShape3("options.inputShape", options.inputShape);
  const filters = checkFilters("options.filters", options.filters);
  const s = stackSettings(options, filters.length);
  const latentActivation = checkOneOf("options.latentActivation", options.latentActivation ?? "linear", ACTIVATIONS);
  if (options.latentDim !== undefined) checkInteger("options.latentDim", options.latentDim, { min: 1 });
  if (options.latentBatchNorm !== undefined) checkBoolean("options.latentBatchNorm", options.latentBatchNorm);
  const seeds = new Seeds(options.seed);
  {
    // sizes first: every weight counted before any is allocated
    let [h, w, c] = inputShape;
    let params = 0;
    filters.forEach((f, i) => {
      const k = s.kernel[i] as number;
      const units = scaled(f, s.multiplier);
      params += k * k * c * units + units + (s.batchNorm ? 4 * units : 0);
      [h, w, c] = [convOut(h, k, s.strides[i] as number, s.padding), convOut(w, k, s.strides[i] as number, s.padding), units];
    });
    checkModelSize("options.filters", params, "the conv encoder");
    // the latent layer's size is the latentDim's doing: named apart
    if (options.latentDim !== undefined) checkModelSize("options.latentDim", params + Math.max(1, h * w * c) * options.latentDim + options.latentDim, "the conv encoder");
  }

  return building(tf.sequential({ name: options.name ?? "conv_encoder" }), (model) => {
  let [h, w, c] = inputShape;
  filters.forEach((f, i) => {
    const k = s.kernel[i] as number;
    const stride = s.strides[i] as number;
    const nextH = convOut(h, k, stride, s.padding);
    const nextW = convOut(w, k, stride, s.padding);
    if (nextH < 1 || nextW < 1) {
      throw new InvalidArgumentError("options.filters", `conv layer ${i} (k ${k}, stride ${stride}, ${s.padding}) gets ${h}×${w} maps and would output none; use fewer layers or 'same' padding`);
    }
    const units = scaled(f, s.multiplier);
    model.add(
      tf.layers.conv2d({
        filters: units,
        kernelSize: k,
        strides: stride,
        padding: s.padding,
        ...(i === 0 ? { inputShape: [...inputShape] } : {}),
        ...initializers(s.init, seeds, k * k * c),
      }),
    );
    addActivation(model, s.activation, s.alpha, s.batchNorm, s.order);
    [h, w, c] = [nextH, nextW, units];
  });
  if (options.latentDim !== undefined) {
    model.add(tf.layers.flatten());
    model.add(tf.layers.dense({ units: options.latentDim, ...initializers(s.init, seeds, h * w * c) }));
    if (options.latentBatchNorm) model.add(batchNormalization({ momentum: 0.9, epsilon: 1e-5 }));
    const act = activationLayer(latentActivation, s.alpha);
    if (act) model.add(act);
  }
  });
}

/**
 * A conv decoder stack mirroring {@link convEncoder}: dense → reshape to [H/S, W/S, filters[0]·m]
 * (S the product of the strides) → per layer transposed conv → [BN] → activation, the last one to
 * the image channels with `outputActivation`. GTN's Appendix F decoder is `filters: [128, 64]`,
 * k4 s2 (7 → 14 → 28), sigmoid; the AGM decoder ends with a stride-1 transposed conv
 * (`strides: [2, 2, 1]`).
 *
 * @returns an uncompiled `tf.Sequential` [n, latentDim] → [n, H, W, C]
 * @example
 * const dec = convDecoder({ latentDim: 5, outputShape: [28, 28, 1], filters: [128, 64] });
 */
export function convDecoder(options: ConvDecoderOptions): tf.Sequential {
  checkOptionsObject(options, DECODER_KEYS);
  const latentDim = checkInteger("options.latentDim", options.latentDim, { min: 1 });
  const outputShape = checkShape3("options.outputShape", options.outputShape);
  const filters = checkFilters("options.filters", options.filters);
  const s = stackSettings(options, filters.length);
  const denseActivation = checkOneOf("options.denseActivation", options.denseActivation ?? "linear", ACTIVATIONS);
  const outputActivation = checkOneOf("options.outputActivation", options.outputActivation ?? "sigmoid", ACTIVATIONS);
  const seeds = new Seeds(options.seed);

  // Spatial sizes backwards from the output: with 'same' each transposed conv multiplies by its
  // stride; with 'valid' it maps n → (n − 1)·s + k.
  const sizes: [number, number][] = [[outputShape[0], outputShape[1]]];
  for (let i = filters.length - 1; i >= 0; i--) {
    const [oh, ow] = sizes[0] as [number, number];
    const k = s.kernel[i] as number;
    const st = s.strides[i] as number;
    const back = (n: number): number => (s.padding === "same" ? n / st : (n - k) / st + 1);
    const ih = back(oh);
    const iw = back(ow);
    if (!Number.isInteger(ih) || !Number.isInteger(iw) || ih < 1 || iw < 1) {
      throw new InvalidArgumentError(
        "options.outputShape",
        `${outputShape[0]}×${outputShape[1]} cannot be reached by the transposed convs (strides ${s.strides.join(", ")}, kernels ${s.kernel.join(", ")}, ${s.padding}): layer ${i} would need a ${back(oh)}×${back(ow)} input`,
      );
    }
    sizes.unshift([ih, iw]);
  }
  const [h0, w0] = sizes[0] as [number, number];
  const c0 = scaled(filters[0] as number, s.multiplier);
  {
    let params = h0 * w0 * c0 + h0 * w0 * c0;
    let cin = c0;
    filters.forEach((_, i) => {
      const units = i === filters.length - 1 ? outputShape[2] : scaled(filters[i + 1] as number, s.multiplier);
      const k = s.kernel[i] as number;
      params += k * k * units * cin + units + (s.batchNorm ? 4 * units : 0);
      cin = units;
    });
    // with a 1-dimensional latent space first (the shape's doing), then the latentDim's
    checkModelSize("options.outputShape", params, "the conv decoder");
    checkModelSize("options.latentDim", params + (latentDim - 1) * h0 * w0 * c0, "the conv decoder");
  }

  return building(tf.sequential({ name: options.name ?? "conv_decoder" }), (model) => {
  model.add(tf.layers.dense({ units: h0 * w0 * c0, inputShape: [latentDim], ...initializers(s.init, seeds, latentDim) }));
  const dAct = activationLayer(denseActivation, s.alpha);
  if (dAct) model.add(dAct);
  model.add(tf.layers.reshape({ targetShape: [h0, w0, c0] }));
  filters.forEach((_, i) => {
    const last = i === filters.length - 1;
    const units = last ? outputShape[2] : scaled(filters[i + 1] as number, s.multiplier);
    const k = s.kernel[i] as number;
    // PyTorch's ConvTranspose default init uses fan_in = out_channels·k² (its weight is [in, out, k, k])
    model.add(
      tf.layers.conv2dTranspose({
        filters: units,
        kernelSize: k,
        strides: s.strides[i] as number,
        padding: s.padding,
        ...initializers(s.init, seeds, units * k * k),
      }),
    );
    if (last) {
      const act = activationLayer(outputActivation, s.alpha);
      if (act) model.add(act);
    } else {
      addActivation(model, s.activation, s.alpha, s.batchNorm, s.order);
    }
  });
  });
}

/** Options of {@link gtnMnistAutoencoder}. */
export interface GtnAutoencoderOptions {
  /** Latent dimension d (GTN uses 5 for MNIST). */
  latentDim: number;
  /** Image shape (default [28, 28, 1]; CelebA/HaP use [64, 64, 3]). */
  imageShape?: readonly [number, number, number];
  /** Weight initialisation (default `'torch'`, as the paper's PyTorch code). */
  init?: Init;
  /** Seed (or Rng) for the initialisers. */
  seed?: RngLike;
  /**
   * Batch norm before the latent tanh (default true). The network exactly as Appendix F writes it
   * (linear → tanh) saturates its tanh within ~25 Adam steps at lr 1e-3 on MNIST — measured in
   * PyTorch 1.13 and in tfjs alike: pre-tanh values reach ±30 and every image gets the same code,
   * so the decoder can only learn the mean image. With this batch norm the codes stay in (−1, 1)
   * and spread out. `false` builds the literal network.
   */
  latentBatchNorm?: boolean;
}

/**
 * The GTN paper's autoencoder (Appendix F): encoder conv(64, k4, s2, p1) + ReLU, conv(128, k4, s2,
 * p1) + ReLU, linear → d, tanh; decoder linear d → 7·7·128, transposed conv(64, k4, s2, p1) + ReLU,
 * transposed conv(C, k4, s2, p1), sigmoid (28×28×1 for MNIST). `'same'` padding here is exactly
 * PyTorch's padding 1 for these even sizes (28 → 14 → 7 and back).
 *
 * @returns `{ encoder, decoder }`, uncompiled
 * @example
 * const { encoder, decoder } = gtnMnistAutoencoder({ latentDim: 5, seed: 0 });
 */
export function gtnMnistAutoencoder(options: GtnAutoencoderOptions): { encoder: tf.Sequential; decoder: tf.Sequential } {
  checkOptionsObject(options, ["latentDim", "imageShape", "init", "seed", "latentBatchNorm"]);
  const latentDim = checkInteger("options.latentDim", options.latentDim, { min: 1 });
  const imageShape = checkShape3("options.imageShape", options.imageShape ?? [28, 28, 1]);
  if (options.latentBatchNorm !== undefined) checkBoolean("options.latentBatchNorm", options.latentBatchNorm);
  const seeds = new Seeds(options.seed);
  const init = checkOneOf("options.init", options.init ?? "torch", ["glorot", "he", "torch"] as const);
  // both networks' weights (the encoder's dense and the decoder's dense dominate: 2·(H/4)(W/4)·128·d);
  // the error names the image shape when even a 1-dimensional latent space is too big, else latentDim
  const weights = (d: number): number => 2 * Math.ceil(imageShape[0] / 4) * Math.ceil(imageShape[1] / 4) * 128 * (d + 1) + 16 * (imageShape[2] * 64 + 64 * 128) * 2;
  checkModelSize("options.imageShape", weights(1), "the autoencoder");
  checkModelSize("options.latentDim", weights(latentDim), "the autoencoder");
  const common = { kernelSize: 4, strides: 2, padding: "same", activation: "relu", init } as const;
  const encoder = convEncoder({
    ...common,
    name: "gtn_encoder",
    inputShape: imageShape,
    filters: [64, 128],
    latentDim,
    latentActivation: "tanh",
    latentBatchNorm: options.latentBatchNorm ?? true,
    seed: seeds.next(),
  });
  let decoder: tf.Sequential;
  try {
    decoder = convDecoder({
      ...common,
      name: "gtn_decoder",
      latentDim,
      outputShape: imageShape,
      filters: [128, 64],
      outputActivation: "sigmoid",
      seed: seeds.next(),
    });
  } catch (error) {
    encoder.dispose();
    throw error;
  }
  return { encoder, decoder };
}
