import * as tf from "@tensorflow/tfjs";
import { InvalidArgumentError, describeValue } from "./errors.js";
import { checkChart, checkInteger } from "./validate.js";

/**
 * A (semi-)atlas generative model: m charts over a d-dimensional latent space
 * (Atlas Generative Models, Definition 1). A semi-AGM has no `encode`.
 */
export interface AtlasModel {
  /** Number of charts m ≥ 1. */
  readonly charts: number;
  /** Latent dimension d of every chart. */
  readonly latentDim: number;
  /** Shape of one sample in data space X. */
  readonly dataShape: readonly number[];
  /** Partition of unity ψ: X → Δ^{m−1}; `[n, m]`, rows sum to 1. */
  partition(x: tf.Tensor): tf.Tensor2D;
  /** Chart encoder F_y: X → R^d (absent for a semi-AGM). */
  encode?(x: tf.Tensor, chart: number): tf.Tensor2D;
  /** Chart decoder G_y: R^d → X; returns `[n, ...dataShape]`. */
  decode(z: tf.Tensor2D, chart: number): tf.Tensor;
}

/** A generator with an encoder, to be seen as a one-chart {@link AtlasModel}. */
export interface SingleChartGenerator {
  readonly latentDim: number;
  readonly dataShape: readonly number[];
  encode(x: tf.Tensor): tf.Tensor2D;
  decode(z: tf.Tensor2D): tf.Tensor;
}

/**
 * Make a plain generator with an encoder a one-chart {@link AtlasModel}: ψ is all ones,
 * F_0 = encode, G_0 = decode (the m = 1 case of Definition 1).
 *
 * @example
 * const model = singleChartAtlas({ latentDim: 2, dataShape: [3], encode, decode });
 */
export function singleChartAtlas(generator: SingleChartGenerator): AtlasModel {
  if (generator === null || typeof generator !== "object") throw new InvalidArgumentError("generator", `expected { latentDim, dataShape, encode, decode }, got ${describeValue(generator)}`);
  checkInteger("generator.latentDim", generator.latentDim, { min: 1 });
  if (!Array.isArray(generator.dataShape) || generator.dataShape.length === 0 || !generator.dataShape.every((v) => Number.isInteger(v) && v >= 1)) {
    throw new InvalidArgumentError("generator.dataShape", `expected an array of positive integer sizes, got ${describeValue(generator.dataShape)}`);
  }
  if (typeof generator.encode !== "function") throw new InvalidArgumentError("generator.encode", "expected a function");
  if (typeof generator.decode !== "function") throw new InvalidArgumentError("generator.decode", "expected a function");
  return {
    charts: 1,
    latentDim: generator.latentDim,
    dataShape: generator.dataShape,
    partition: (x: tf.Tensor): tf.Tensor2D => tf.ones([x.shape[0] ?? 0, 1]) as tf.Tensor2D,
    encode: (x: tf.Tensor, chart: number): tf.Tensor2D => {
      checkChart("chart", chart, 1);
      return generator.encode(x);
    },
    decode: (z: tf.Tensor2D, chart: number): tf.Tensor => {
      checkChart("chart", chart, 1);
      return generator.decode(z);
    },
  };
}

/** Whether a model has chart encoders (an AGM rather than a semi-AGM). */
export function hasEncoder(model: AtlasModel): model is AtlasModel & Required<Pick<AtlasModel, "encode">> {
  if (model === null || typeof model !== "object") throw new InvalidArgumentError("model", `expected an AtlasModel, got ${describeValue(model)}`);
  return typeof model.encode === "function";
}
