import * as tf from "@tensorflow/tfjs";
import { InvalidArgumentError, ShapeMismatchError, describeValue } from "../errors.js";
import type { Matrix } from "../matrix.js";
import { checkAllocation, checkInteger, checkOptions, checkString } from "../validate.js";

/** `[n, height, width, channels]` of a {@link Dataset}. */
export type DatasetShape = readonly [n: number, height: number, width: number, channels: number];

/**
 * One labelled image data set, the shape every Atlas loader returns: `n` images of
 * `height × width × channels` as float32 values in [0, 1], stored NHWC (image-major, then row,
 * column, channel), with one integer label per image in `[0, classes.length)`.
 *
 * @example
 * const train = await loadMnist("train");
 * train.shape;            // [60000, 28, 28, 1]
 * train.classes[train.labels[0]!];
 */
export interface Dataset {
  /** A short name (`"mnist-train"`, `"cifar10-test"`, …). */
  readonly name: string;
  /** Pixel values in [0, 1], NHWC, length `n·h·w·c`. */
  readonly images: Float32Array;
  /** `[n, h, w, c]`. */
  readonly shape: DatasetShape;
  /** One label per image, each in `[0, classes.length)`. */
  readonly labels: Int32Array;
  /** Class names, indexed by label. */
  readonly classes: readonly string[];
}

/** What {@link createDataset} is given. */
export interface DatasetInit {
  name: string;
  images: Float32Array;
  shape: readonly number[];
  labels: Int32Array;
  classes: readonly string[];
}

/**
 * Build a {@link Dataset} after checking it: `shape` is four positive integers, `images` has
 * `n·h·w·c` values, all finite and in [0, 1], `labels` has `n` entries in `[0, classes.length)`.
 * The arrays are used as given (not copied).
 *
 * @example
 * const ds = createDataset({ name: "tiny", images: new Float32Array(8), shape: [2, 2, 2, 1],
 *   labels: Int32Array.from([0, 1]), classes: ["a", "b"] });
 */
export function createDataset(init: DatasetInit): Dataset {
  if (init === undefined) throw new InvalidArgumentError("init", "expected { name, images, shape, labels, classes }, got undefined");
  checkOptions("init", init, ["name", "images", "shape", "labels", "classes"]);
  const { name, images, shape, labels, classes } = init;
  if (typeof name !== "string") throw new InvalidArgumentError("name", `expected a string, got ${describeValue(name)}`);
  if (!(images instanceof Float32Array)) throw new InvalidArgumentError("images", `expected a Float32Array, got ${describeValue(images)}`);
  if (!(labels instanceof Int32Array)) throw new InvalidArgumentError("labels", `expected an Int32Array, got ${describeValue(labels)}`);
  if (!Array.isArray(shape) || shape.length !== 4) {
    throw new ShapeMismatchError("shape", `expected [n, height, width, channels], got ${Array.isArray(shape) ? `[${shape.join(", ")}]` : describeValue(shape)}`);
  }
  const n = checkInteger("shape[0]", shape[0], { min: 1 });
  const h = checkInteger("shape[1]", shape[1], { min: 1 });
  const w = checkInteger("shape[2]", shape[2], { min: 1 });
  const c = checkInteger("shape[3]", shape[3], { min: 1 });
  if (images.length !== n * h * w * c) {
    throw new ShapeMismatchError("images", `expected ${n}·${h}·${w}·${c} = ${n * h * w * c} values for shape [${n}, ${h}, ${w}, ${c}], got ${images.length}`);
  }
  if (labels.length !== n) throw new ShapeMismatchError("labels", `expected one label per image (${n}), got ${labels.length}`);
  if (!Array.isArray(classes) || classes.length < 1 || !classes.every((c) => typeof c === "string")) {
    throw new InvalidArgumentError("classes", `expected a non-empty array of class names, got ${describeValue(classes)}`);
  }
  for (let i = 0; i < images.length; i++) {
    const v = images[i] as number;
    // NaN fails both comparisons
    if (!(v >= 0 && v <= 1)) {
      throw new InvalidArgumentError("images", `expected values in [0, 1], found ${describeValue(v)} at index ${i} (image ${Math.floor(i / (h * w * c))})`);
    }
  }
  for (let i = 0; i < n; i++) {
    const l = labels[i] as number;
    if (l < 0 || l >= classes.length) {
      throw new InvalidArgumentError("labels", `expected labels in [0, ${classes.length - 1}], found ${l} at index ${i}`);
    }
  }
  return { name, images, shape: [n, h, w, c], labels, classes: [...classes] };
}

/** Check that `dataset` is a Dataset (shape, arrays and their lengths agree); cheap, no pass over the pixels. */
function checkDataset(name: string, dataset: unknown): Dataset {
  const d = dataset as Partial<Dataset> | null;
  if (d === null || typeof d !== "object" || !(d.images instanceof Float32Array) || !(d.labels instanceof Int32Array) || !Array.isArray(d.shape) || d.shape.length !== 4 || !Array.isArray(d.classes)) {
    throw new InvalidArgumentError(name, `expected a Dataset { name, images, shape, labels, classes } (see createDataset), got ${describeValue(dataset)}`);
  }
  const [n, h, w, c] = d.shape as unknown as number[];
  if (![n, h, w, c].every((v) => Number.isInteger(v) && (v as number) >= 1) || d.images.length !== (n as number) * (h as number) * (w as number) * (c as number) || d.labels.length !== n) {
    throw new ShapeMismatchError(name, `shape [${d.shape.join(", ")}] does not match its ${d.images.length} pixel values and ${d.labels.length} labels`);
  }
  return d as Dataset;
}

function checkIndices(dataset: Dataset, indices: ArrayLike<number>, argument: string): void {
  const n = dataset.shape[0];
  if (indices === null || typeof indices !== "object" || typeof indices.length !== "number") {
    throw new InvalidArgumentError(argument, `expected an array of image indices, got ${describeValue(indices)}`);
  }
  if (indices.length < 1) throw new InvalidArgumentError(argument, "expected at least one index, got none");
  const [, h, w, c] = dataset.shape;
  checkAllocation(argument, indices.length * h * w * c, 4);
  for (let i = 0; i < indices.length; i++) {
    const k = indices[i] as number;
    if (!Number.isInteger(k) || k < 0 || k >= n) {
      throw new InvalidArgumentError(argument, `expected integer indices in [0, ${n - 1}], found ${describeValue(k)} at position ${i}`);
    }
  }
}

function gatherImages(dataset: Dataset, indices: ArrayLike<number>): Float32Array {
  const [, h, w, c] = dataset.shape;
  const size = h * w * c;
  const out = new Float32Array(indices.length * size);
  for (let i = 0; i < indices.length; i++) {
    const k = indices[i] as number;
    out.set(dataset.images.subarray(k * size, (k + 1) * size), i * size);
  }
  return out;
}

/**
 * The images at `indices`, in that order, as a new `tf.Tensor4D` `[indices.length, h, w, c]`
 * (the caller disposes it). Indices may repeat.
 *
 * @example
 * const x = batchImages(train, rng.choice(train.shape[0], 128)); // ... x.dispose();
 */
export function batchImages(dataset: Dataset, indices: ArrayLike<number>): tf.Tensor4D {
  checkDataset("dataset", dataset);
  checkIndices(dataset, indices, "indices");
  const [, h, w, c] = dataset.shape;
  return tf.tensor4d(gatherImages(dataset, indices), [indices.length, h, w, c], "float32");
}

/** The labels at `indices`, in that order, as a new Int32Array. */
export function batchLabels(dataset: Dataset, indices: ArrayLike<number>): Int32Array {
  checkDataset("dataset", dataset);
  checkIndices(dataset, indices, "indices");
  const out = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) out[i] = dataset.labels[indices[i] as number] as number;
  return out;
}

/**
 * A new {@link Dataset} of the images at `indices` (copied, in that order), or of the range
 * `{ start, end }` (end exclusive).
 *
 * @example
 * const small = subsetDataset(train, { start: 0, end: 1000 });
 */
export function subsetDataset(dataset: Dataset, selection: ArrayLike<number> | { start: number; end: number }, name?: string): Dataset {
  checkDataset("dataset", dataset);
  if (name !== undefined) checkString("name", name);
  let indices: ArrayLike<number>;
  if (selection !== null && typeof selection === "object" && !ArrayBuffer.isView(selection) && !Array.isArray(selection) && ("start" in selection || "end" in selection)) {
    const range = checkOptions("selection", selection as { start: number; end: number }, ["start", "end"]);
    const n = dataset.shape[0];
    const start = checkInteger("selection.start", range.start, { min: 0, max: n - 1 });
    const end = checkInteger("selection.end", range.end, { above: start, max: n });
    const r = new Int32Array(end - start);
    for (let i = 0; i < r.length; i++) r[i] = start + i;
    indices = r;
  } else {
    indices = selection as ArrayLike<number>;
  }
  checkIndices(dataset, indices, "selection");
  const [, h, w, c] = dataset.shape;
  return {
    name: name ?? `${dataset.name}-subset`,
    images: gatherImages(dataset, indices),
    shape: [indices.length, h, w, c],
    labels: batchLabels(dataset, indices),
    classes: dataset.classes,
  };
}

/**
 * The images as rows of a matrix: `{ data, n, dim: h·w·c }`, each row one image in HWC order.
 * Shares memory with `dataset.images` (no copy).
 *
 * @example
 * const { data, n, dim } = flattenDataset(train); // dim = 784 for MNIST
 */
export function flattenDataset(dataset: Dataset): Matrix<Float32Array> {
  checkDataset("dataset", dataset);
  const [n, h, w, c] = dataset.shape;
  return { data: dataset.images, n, dim: h * w * c };
}
