/**
 * The data forms the package accepts, and their validation: shapes, finiteness and ranges are
 * checked before any work starts.
 */
import * as tf from "@tensorflow/tfjs";
import { InvalidArgumentError, ShapeMismatchError, allFinite, describeValue } from "@atlas/core";

/**
 * Data for a VQ-Flow: a `tf.Tensor` `[n, ...dataShape]`, an image set as core's loaders return it
 * (`{ images, shape: [n, h, w, c] }`), rows `{ data, n, dim }` (core's synthetic sets, `toMatrix`)
 * with `dim` = the product of `dataShape`, or an array of such rows.
 */
export type VqFlowData =
  | tf.Tensor
  | { readonly images: Float32Array; readonly shape: readonly number[] }
  | { readonly data: ArrayLike<number>; readonly n: number; readonly dim: number }
  | readonly (readonly number[])[];

/** Validated samples, flattened to rows of D values. */
export interface Rows {
  readonly values: Float32Array;
  readonly n: number;
  readonly dim: number;
}

/** Whether a transform needs values in [0, 1]. */
export interface RangeCheck {
  /** Require every value in [0, 1] (the logit transform of images). */
  unit: boolean;
}

const shapeText = (s: readonly number[]): string => `[${s.join(", ")}]`;

/** Check the rank, shape and dtype of a tensor input without reading it (allocates nothing). */
export function checkTensorShape(name: string, x: unknown, dataShape: readonly number[]): tf.Tensor {
  if (!(x instanceof tf.Tensor)) throw new InvalidArgumentError(name, `expected a tf.Tensor of shape [n, ${dataShape.join(", ")}], got ${describeValue(x)}`);
  if (x.isDisposed) throw new InvalidArgumentError(name, "the tensor is disposed");
  if (x.dtype !== "float32" && x.dtype !== "int32") throw new InvalidArgumentError(name, `expected a float32 or int32 tensor, got dtype ${x.dtype}`);
  if (x.rank !== dataShape.length + 1 || dataShape.some((s, i) => x.shape[i + 1] !== s)) {
    throw new ShapeMismatchError(name, `expected shape [n, ${dataShape.join(", ")}], got ${shapeText(x.shape)}`);
  }
  if ((x.shape[0] ?? 0) < 1) throw new InvalidArgumentError(name, `expected at least one sample, got shape ${shapeText(x.shape)}`);
  return x;
}

/** A checked tensor as float32 rows `[n, D]` (new tensors: call inside tf.tidy). */
export function flatRows(x: tf.Tensor, dim: number): tf.Tensor2D {
  return tf.reshape(x.dtype === "float32" ? x : tf.cast(x, "float32"), [x.shape[0] as number, dim]) as tf.Tensor2D;
}

function checkValues(name: string, values: Float32Array, range: RangeCheck): void {
  if (!allFinite(values)) {
    const i = values.findIndex((v) => !Number.isFinite(v));
    throw new InvalidArgumentError(name, `expected finite values, found ${describeValue(values[i])} at index ${i}`);
  }
  if (range.unit) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      if (v < 0 || v > 1) throw new InvalidArgumentError(name, `expected values in [0, 1] (the logit transform of images), found ${v} at index ${i}`);
    }
  }
}

/**
 * Read any {@link VqFlowData} into host rows after checking it (a tensor is read once with
 * `await data()`): shape against `dataShape`, at least `minRows` samples, finite values, and
 * values in [0, 1] when `range.unit`.
 */
export async function readRows(name: string, data: unknown, dataShape: readonly number[], range: RangeCheck, minRows = 1): Promise<Rows> {
  const D = dataShape.reduce((a, b) => a * b, 1);
  let values: Float32Array;
  let n: number;
  if (data instanceof tf.Tensor) {
    checkTensorShape(name, data, dataShape);
    const read = await data.data();
    values = Float32Array.from(read as ArrayLike<number>);
    n = data.shape[0] as number;
  } else if (Array.isArray(data)) {
    n = data.length;
    values = new Float32Array(n * D);
    data.forEach((row: unknown, i) => {
      if (!Array.isArray(row) || row.length !== D) throw new ShapeMismatchError(`${name}[${i}]`, `expected a row of ${D} numbers, got ${describeValue(row)}`);
      for (let j = 0; j < D; j++) {
        const v = row[j];
        if (typeof v !== "number") throw new InvalidArgumentError(`${name}[${i}][${j}]`, `expected a number, got ${describeValue(v)}`);
        values[i * D + j] = v;
      }
    });
  } else if (data !== null && typeof data === "object" && "images" in data && "shape" in data) {
    const { images, shape } = data as { images: unknown; shape: unknown };
    if (!(images instanceof Float32Array)) throw new InvalidArgumentError(`${name}.images`, `expected a Float32Array, got ${describeValue(images)}`);
    if (!Array.isArray(shape) || shape.length !== dataShape.length + 1 || dataShape.some((s, i) => shape[i + 1] !== s)) {
      throw new ShapeMismatchError(`${name}.shape`, `expected [n, ${dataShape.join(", ")}], got ${describeValue(shape)}`);
    }
    n = shape[0] as number;
    if (!Number.isInteger(n) || n < 0 || images.length !== n * D) {
      throw new ShapeMismatchError(`${name}.images`, `expected ${Number.isInteger(n) ? n * D : "n·D"} values for shape ${shapeText(shape as number[])}, got ${images.length}`);
    }
    values = images;
  } else if (data !== null && typeof data === "object" && "data" in data && "n" in data && "dim" in data) {
    const m = data as { data: unknown; n: unknown; dim: unknown };
    if (m.dim !== D) throw new ShapeMismatchError(`${name}.dim`, `expected rows of ${D} values (the product of dataShape ${shapeText(dataShape)}), got ${describeValue(m.dim)}`);
    if (typeof m.n !== "number" || !Number.isInteger(m.n) || m.n < 0) throw new InvalidArgumentError(`${name}.n`, `expected a non-negative integer, got ${describeValue(m.n)}`);
    const arr = m.data as ArrayLike<number> | null;
    if (arr === null || typeof arr !== "object" || typeof arr.length !== "number") throw new InvalidArgumentError(`${name}.data`, `expected an array of numbers, got ${describeValue(m.data)}`);
    if (arr.length !== m.n * D) throw new ShapeMismatchError(`${name}.data`, `expected n·dim = ${m.n * D} values, got ${arr.length}`);
    n = m.n;
    values = arr instanceof Float32Array ? arr : Float32Array.from(arr);
  } else {
    throw new InvalidArgumentError(name, `expected a tf.Tensor, { images, shape }, { data, n, dim } or an array of rows, got ${describeValue(data)}`);
  }
  if (n < minRows) throw new InvalidArgumentError(name, `expected at least ${minRows} sample(s), got ${n}`);
  checkValues(name, values, range);
  return { values, n, dim: D };
}

/** Rows `[start, end)` as a tensor `[end − start, D]`. */
export function rowsTensor(rows: Rows, start: number, end: number): tf.Tensor2D {
  return tf.tensor2d(rows.values.subarray(start * rows.dim, end * rows.dim), [end - start, rows.dim]);
}

/** The rows at `indices` as a tensor (copied on the host). */
export function gatherRows(rows: Rows, indices: ArrayLike<number>): tf.Tensor2D {
  const D = rows.dim;
  const out = new Float32Array(indices.length * D);
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i] as number;
    out.set(rows.values.subarray(j * D, (j + 1) * D), i * D);
  }
  return tf.tensor2d(out, [indices.length, D]);
}
