import * as tf from "@tensorflow/tfjs";
import { InvalidArgumentError, ShapeMismatchError, checkArray, checkInteger, checkNumber, checkOneOf, checkOptions, checkTensor, checkTensorFinite, describeValue, eventLoopYielder } from "@atlas/core";
import type { LabelledFeatures } from "../features.js";

/** Images for an extractor: NHWC pixel values in [0, 1], as a tensor or as a `Dataset`-like record. */
export type ImageInput = tf.Tensor4D | { readonly images: Float32Array; readonly shape: readonly number[] };

/** Options for {@link FeatureExtractor.features} and {@link FeatureExtractor.logits}. */
export interface ExtractOptions {
  /** Images per forward pass (default 256). */
  batchSize?: number;
}

/**
 * Maps images to feature rows (for FID, KID, precision/recall) and, where the network has a
 * classifier head, to logits (for the Inception Score). Results carry the extractor's `id`, which
 * every metric reports: numbers computed with different extractors are not comparable.
 */
export interface FeatureExtractor {
  /** Stable identifier of the network and layer (e.g. `"atlas-mnist-cnn-v1/penultimate"`). */
  readonly id: string;
  /** The image size the network takes, `[height, width, channels]`; inputs are resized to it. */
  readonly inputSize: readonly [number, number, number];
  /** Length of a feature row. */
  readonly featureDim: number;
  /** Number of classes of the logits, when there is a classifier head. */
  readonly classes?: number;
  /** Feature rows, one per image. */
  features(images: ImageInput, options?: ExtractOptions): Promise<LabelledFeatures & { data: Float32Array }>;
  /** Classifier logits, one row per image (only where the network has a head). */
  logits?(images: ImageInput, options?: ExtractOptions): Promise<LabelledFeatures & { data: Float32Array }>;
  /** Release the network's weights. */
  dispose(): void;
}

/** Pixel normalisation applied after resizing, to the [0, 1] input. */
export type Normalization =
  | "none"
  /** x ↦ 2x − 1, the [−1, 1] range of the TF InceptionV3 and pytorch-fid's FIDInceptionA (`normalize_input`). */
  | "minus-one-one"
  /** x ↦ 255x, raw byte range. */
  | "bytes"
  | { readonly mean: readonly number[]; readonly std: readonly number[] };

/** Image preparation shared by the extractors. */
export interface Preprocess {
  /** Network input `[height, width, channels]`. */
  readonly inputSize: readonly [number, number, number];
  /** Resize method when the image size differs (default bilinear, as pytorch-fid). */
  readonly resize?: "bilinear" | "nearest";
  readonly normalization?: Normalization;
}

/** Check a {@link Preprocess} (strict keys; `inputSize` positive integers; a normalisation per channel with std > 0). */
export function checkPreprocess(name: string, p: unknown): Preprocess {
  const o = checkOptions(name, p as Preprocess | undefined, ["inputSize", "resize", "normalization"]);
  if (p === undefined) throw new InvalidArgumentError(name, "expected { inputSize, resize?, normalization? }, got undefined");
  checkArray(`${name}.inputSize`, o.inputSize, { length: 3, integers: { min: 1, max: 65_536 } });
  if (o.resize !== undefined) checkOneOf(`${name}.resize`, o.resize, ["bilinear", "nearest"]);
  if (o.normalization !== undefined) checkNormalization(`${name}.normalization`, o.normalization, o.inputSize[2]);
  return o;
}

/** `"none"`, `"minus-one-one"`, `"bytes"` or `{ mean, std }` with one finite value per channel (std > 0). */
export function checkNormalization(name: string, n: unknown, channels: number): void {
  if (typeof n === "string") {
    checkOneOf(name, n, ["none", "minus-one-one", "bytes"]);
    return;
  }
  const o = checkOptions(name, n as { mean?: unknown; std?: unknown } | undefined, ["mean", "std"]);
  if (n === undefined) throw new InvalidArgumentError(name, "expected a normalisation, got undefined");
  const mean = checkArray(`${name}.mean`, o.mean, { length: channels });
  const std = checkArray(`${name}.std`, o.std, { length: channels });
  void mean;
  for (let i = 0; i < std.length; i++) checkNumber(`${name}.std[${i}]`, std[i], { above: 0 });
}

/** Check images, returning n and the 4-D shape. */
export function checkImages(name: string, images: unknown): { n: number; shape: [number, number, number, number] } {
  if (images instanceof tf.Tensor) {
    checkTensor(name, images, { rank: 4, minRows: 0, dtypes: ["float32"] });
    if (images.rank !== 4) throw new ShapeMismatchError(name, `expected a 4-D tensor [n, height, width, channels], got shape [${images.shape.join(", ")}]`);
    const s = images.shape as [number, number, number, number];
    if (s[0] < 1) throw new InvalidArgumentError(name, "expected at least one image, got 0");
    return { n: s[0], shape: s };
  }
  if (typeof images === "object" && images !== null && "images" in images && "shape" in images) {
    const r = images as { images: unknown; shape: unknown };
    if (!(r.images instanceof Float32Array) || !Array.isArray(r.shape) || r.shape.length !== 4) {
      throw new InvalidArgumentError(name, "expected { images: Float32Array, shape: [n, h, w, c] }");
    }
    const s = r.shape.map((v, i) => checkInteger(`${name}.shape[${i}]`, v, { min: 1 })) as [number, number, number, number];
    if (r.images.length !== s[0] * s[1] * s[2] * s[3]) {
      throw new ShapeMismatchError(name, `images has ${r.images.length} values, shape [${s.join(", ")}] needs ${s[0] * s[1] * s[2] * s[3]}`);
    }
    for (let i = 0; i < r.images.length; i++) {
      const v = r.images[i] as number;
      if (!Number.isFinite(v)) throw new InvalidArgumentError(name, `expected finite pixel values, found ${describeValue(v)} at ${i}`);
      // the extractors take pixels in [0, 1] (bytes 0–255 divided by 255): a byte image would give plausible but wrong features
      if (v < 0 || v > 1) throw new InvalidArgumentError(name, `expected pixel values in [0, 1], found ${v} at ${i} (divide bytes by 255)`);
    }
    return { n: s[0], shape: s };
  }
  throw new InvalidArgumentError(name, `expected a Tensor4D or { images, shape }, got ${describeValue(images)}`);
}

/** Images [start, end) as a tensor in [0, 1] (a slice of the input; caller disposes). */
function sliceImages(images: ImageInput, shape: [number, number, number, number], start: number, end: number): tf.Tensor4D {
  if (images instanceof tf.Tensor) return tf.slice(images, [start, 0, 0, 0], [end - start, -1, -1, -1]);
  const per = shape[1] * shape[2] * shape[3];
  return tf.tensor4d(images.images.subarray(start * per, end * per), [end - start, shape[1], shape[2], shape[3]]);
}

/** Resize, match channels and normalise a batch for the network (inside a tidy). */
export function prepare(batch: tf.Tensor4D, p: Preprocess): tf.Tensor4D {
  const [h, w, c] = p.inputSize;
  let x = batch.toFloat();
  if (x.shape[1] !== h || x.shape[2] !== w) {
    x = p.resize === "nearest" ? tf.image.resizeNearestNeighbor(x, [h, w]) : tf.image.resizeBilinear(x, [h, w]);
  }
  const cin = x.shape[3];
  if (cin !== c) {
    if (cin === 1) x = tf.tile(x, [1, 1, 1, c]);
    else if (c === 1 && cin === 3) x = tf.mean(x, 3, true);
    else throw new ShapeMismatchError("images", `the network takes ${c} channels; cannot map ${cin} channels to it`);
  }
  const norm = p.normalization ?? "none";
  if (norm === "minus-one-one") x = tf.sub(tf.mul(x, 2), 1);
  else if (norm === "bytes") x = tf.mul(x, 255);
  else if (typeof norm === "object") {
    if (norm.mean.length !== c || norm.std.length !== c) throw new ShapeMismatchError("normalization", `expected ${c} means and standard deviations`);
    x = tf.div(tf.sub(x, tf.tensor1d(norm.mean as number[])), tf.tensor1d(norm.std as number[]));
  }
  return x as tf.Tensor4D;
}

/**
 * Run `forward` over the images in batches and gather its 2-D output rows into one Float32Array
 * (every intermediate tensor disposed). `forward` may be asynchronous (a graph model's
 * `executeAsync`); each batch's rows are read with `await data()`.
 */
export async function extractRows(
  name: string,
  images: ImageInput,
  options: ExtractOptions | undefined,
  forward: (prepared: tf.Tensor4D) => tf.Tensor | Promise<tf.Tensor>,
  p: Preprocess,
): Promise<{ data: Float32Array; dim: number }> {
  const { n, shape } = checkImages(name, images);
  checkOptions("options", options, ["batchSize"]);
  const batchSize = checkInteger("batchSize", options?.batchSize ?? 256, { min: 1 });
  // the values too, before any work (one boolean read): NaN pixels gave finite features and a plausible FID
  if (images instanceof tf.Tensor) await checkTensorFinite(name, images);
  let out: Float32Array | undefined;
  let dim = 0;
  // every read resolves at once on cpu/wasm: let timers, I/O and rendering run between batches
  const breathe = eventLoopYielder();
  for (let start = 0; start < n; start += batchSize) {
    if (start > 0) await breathe();
    const end = Math.min(n, start + batchSize);
    const x = tf.tidy(() => prepare(sliceImages(images, shape, start, end), p));
    let t: tf.Tensor | undefined;
    let values: Float32Array;
    let cols: number;
    try {
      // tf.tidy cannot span an await: what forward makes besides its output is forward's to dispose
      t = await forward(x);
      const y = t.rank === 2 ? t : tf.reshape(t, [end - start, -1]);
      values = (await y.data()) as Float32Array;
      cols = y.shape[1] as number;
      if (y !== t) y.dispose();
    } finally {
      if (t !== undefined && t !== x) t.dispose();
      x.dispose();
    }
    if (!out) {
      dim = cols;
      out = new Float32Array(n * dim);
    }
    out.set(values, start * dim);
  }
  return { data: out as Float32Array, dim };
}
