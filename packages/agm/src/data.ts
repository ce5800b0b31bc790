import * as tf from "@tensorflow/tfjs";
import { InvalidArgumentError, ShapeMismatchError, checkAllocation, checkArray, checkFinite, checkInteger, checkTensor, describeValue } from "@atlas/core";
import { shapeText } from "./check.js";

/**
 * Training or evaluation data for the models of this package: a `tf.Tensor` `[n, ...dataShape]`,
 * an image data set as `@atlas/core`'s loaders return it (`{ images, shape: [n, h, w, c] }`), or
 * rows `{ data, n, dim }` (`toMatrix`'s output) for vector data.
 */
export type AgmData =
  | tf.Tensor
  | SampleTable
  | { readonly images: Float32Array; readonly shape: readonly number[] }
  | { readonly data: ArrayLike<number>; readonly n: number; readonly dim: number };

/** Samples held as one Float32Array, batched by copying rows. */
export class SampleTable {
  readonly n: number;
  readonly sampleShape: readonly number[];
  readonly sampleSize: number;
  readonly values: Float32Array;

  constructor(values: Float32Array, n: number, sampleShape: readonly number[]) {
    checkInteger("n", n, { min: 0 });
    checkArray("sampleShape", sampleShape, { minLength: 1, integers: { min: 1 } });
    if (sampleShape.length > 4) throw new InvalidArgumentError("sampleShape", `expected at most 4 axes, got ${sampleShape.length}`);
    const size = sampleShape.reduce((a, b) => a * b, 1);
    // one sample too big names the shape, all of them too big the count
    checkAllocation("sampleShape", size, 4);
    checkAllocation("n", n * size, 4);
    if (!(values instanceof Float32Array)) throw new InvalidArgumentError("values", `expected a Float32Array of n × Π sampleShape values, got ${describeValue(values)}`);
    if (values.length !== n * size) throw new ShapeMismatchError("values", `expected n * Π sampleShape = ${n} * ${size} = ${n * size} values, got ${values.length}`);
    checkFinite("values", values);
    this.values = values;
    this.n = n;
    this.sampleShape = sampleShape;
    this.sampleSize = sampleShape.reduce((a, b) => a * b, 1);
  }

  /** The samples at `indices` as a new tensor `[indices.length, ...sampleShape]` (caller disposes). */
  batch(indices: ArrayLike<number>): tf.Tensor {
    checkArray("indices", indices, { minLength: 1, integers: { min: 0, max: this.n - 1 } });
    checkAllocation("indices", indices.length * this.sampleSize, 4);
    const s = this.sampleSize;
    const out = new Float32Array(indices.length * s);
    for (let i = 0; i < indices.length; i++) {
      const j = indices[i] as number;
      out.set(this.values.subarray(j * s, (j + 1) * s), i * s);
    }
    return tf.tensor(out, [indices.length, ...this.sampleShape], "float32");
  }

  /** Rows `[start, end)` as a tensor (caller disposes). */
  slice(start: number, end: number): tf.Tensor {
    checkInteger("start", start, { min: 0, max: this.n - 1 });
    checkInteger("end", end, { min: start + 1, max: this.n });
    const s = this.sampleSize;
    return tf.tensor(this.values.slice(start * s, end * s), [end - start, ...this.sampleShape], "float32");
  }
}

/**
 * Validate `data` against a model's `dataShape` and hold it as a {@link SampleTable}: the sample
 * shape must match, there must be at least `minRows` samples, every value must be finite.
 * Asynchronous: a tensor is read with one `await data()` once its shape is checked.
 */
export async function toSampleTable(name: string, data: unknown, dataShape: readonly number[], minRows = 1): Promise<SampleTable> {
  if (typeof name !== "string" || name === "") throw new InvalidArgumentError("name", `expected the argument's name, got ${describeValue(name)}`);
  checkArray("dataShape", dataShape, { minLength: 1, integers: { min: 1 } });
  if (dataShape.length > 4) throw new InvalidArgumentError("dataShape", `expected at most 4 axes, got ${dataShape.length}`);
  checkAllocation("dataShape", dataShape.reduce((a, b) => a * b, 1), 4);
  checkInteger("minRows", minRows, { min: 0 });
  let values: Float32Array;
  let n: number;
  let shape: readonly number[];
  if (data instanceof SampleTable) {
    if (data.n < minRows) throw new InvalidArgumentError(name, `expected at least ${minRows} sample(s), got ${data.n}`);
    if (data.sampleShape.length !== dataShape.length || data.sampleShape.some((s, i) => s !== dataShape[i])) {
      throw new ShapeMismatchError(name, `expected samples of shape ${shapeText(dataShape)}, got ${shapeText(data.sampleShape)}`);
    }
    return data;
  }
  let tensor: tf.Tensor | undefined;
  if (data instanceof tf.Tensor) {
    checkTensor(name, data, { minRows: 0 });
    shape = data.shape.slice(1);
    n = data.shape[0] ?? 0;
    if (data.rank < 2) throw new ShapeMismatchError(name, `expected a tensor [n, ${dataShape.join(", ")}], got shape ${shapeText(data.shape)}`);
    tensor = data;
    values = new Float32Array(0); // read below, once the shape is known to fit
  } else if (data !== null && typeof data === "object" && "images" in data && "shape" in data) {
    const d = data as { images: unknown; shape: unknown };
    if (!(d.images instanceof Float32Array) || !Array.isArray(d.shape)) {
      throw new InvalidArgumentError(name, `expected { images: Float32Array, shape: [n, h, w, c] }, got ${describeValue(data)}`);
    }
    n = d.shape[0] as number;
    shape = (d.shape as number[]).slice(1);
    values = d.images;
  } else if (data !== null && typeof data === "object" && "data" in data && "n" in data && "dim" in data) {
    const d = data as { data: ArrayLike<number>; n: number; dim: number };
    n = d.n;
    shape = [d.dim];
    values = d.data instanceof Float32Array ? d.data : Float32Array.from(d.data);
  } else {
    throw new InvalidArgumentError(name, `expected a tf.Tensor, { images, shape } or { data, n, dim }, got ${describeValue(data)}`);
  }
  // A flat image set is accepted for a vector model and a [h, w] set for a [h, w, 1] model.
  const size = dataShape.reduce((a, b) => a * b, 1);
  const shapeSize = shape.reduce((a, b) => a * b, 1);
  const sameShape = shape.length === dataShape.length && shape.every((s, i) => s === dataShape[i]);
  const compatible = sameShape || (shapeSize === size && (dataShape.length === 1 || shape.length === 2 || dataShape.length === shape.length - 1));
  if (!compatible) throw new ShapeMismatchError(name, `expected samples of shape ${shapeText(dataShape)}, got ${shapeText(shape)}`);
  if (!Number.isInteger(n) || n < minRows) throw new InvalidArgumentError(name, `expected at least ${minRows} sample(s), got ${String(n)}`);
  if (tensor) {
    const read = await tensor.data();
    // a copy: the table must not alias a buffer the backend may reuse
    values = read instanceof Float32Array ? Float32Array.from(read) : Float32Array.from(read as ArrayLike<number>);
  }
  if (values.length !== n * size) throw new ShapeMismatchError(name, `expected ${n}·${size} = ${n * size} values, got ${values.length}`);
  checkFinite(name, values);
  return new SampleTable(values, n, dataShape);
}
