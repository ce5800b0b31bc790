import * as tf from "@tensorflow/tfjs";
import { InvalidArgumentError, ShapeMismatchError, describeValue } from "./errors.js";
import { allFinite, checkArgName, checkBoolean, checkInteger, checkOneOf, checkOptions } from "./validate.js";

/** Rows of a matrix given as a typed array in row-major order with its row length. */
export interface RowMajor<T extends Float32Array | Float64Array = Float32Array | Float64Array> {
  readonly data: T;
  readonly dim: number;
}

/** A set of points as rows: nested arrays, a row-major typed array with its dimension, or a 2-D tensor. */
export type MatrixInput = number[][] | readonly (readonly number[])[] | RowMajor | tf.Tensor2D;

/** A validated dense matrix: `n` rows of length `dim`, row-major. */
export interface Matrix<T extends Float32Array | Float64Array = Float64Array> {
  readonly data: T;
  readonly n: number;
  readonly dim: number;
}

/** Options for {@link toMatrix}. */
export interface ToMatrixOptions {
  /** Minimum number of rows (default 1). */
  minRows?: number;
  /** Required row length, if known. */
  dim?: number;
  /** Skip the NaN/Inf scan (only for data already checked). */
  skipFiniteCheck?: boolean;
}

function isRowMajor(x: unknown): x is RowMajor {
  return typeof x === "object" && x !== null && "data" in x && "dim" in x && ArrayBuffer.isView((x as RowMajor).data);
}

/**
 * Validate a {@link MatrixInput} and copy it into a row-major Float64Array (or Float32Array):
 * consistent row lengths, at least `minRows` rows, every value finite. Errors name `name`.
 */
export function toMatrix(name: string, input: MatrixInput, options?: ToMatrixOptions): Matrix<Float64Array>;
export function toMatrix(name: string, input: MatrixInput, options: ToMatrixOptions & { dtype: "float32" }): Matrix<Float32Array>;
export function toMatrix(
  name: string,
  input: MatrixInput,
  options: ToMatrixOptions & { dtype?: "float32" | "float64" } = {},
): Matrix<Float32Array> | Matrix<Float64Array> {
  checkArgName(name);
  const o = checkOptions("options", options, ["minRows", "dim", "skipFiniteCheck", "dtype"]);
  const minRows = o.minRows === undefined ? 1 : checkInteger("options.minRows", o.minRows, { min: 0 });
  const wantDim = o.dim === undefined ? undefined : checkInteger("options.dim", o.dim, { min: 1 });
  const skipFiniteCheck = o.skipFiniteCheck === undefined ? false : checkBoolean("options.skipFiniteCheck", o.skipFiniteCheck);
  const dtype = o.dtype === undefined ? "float64" : checkOneOf("options.dtype", o.dtype, ["float32", "float64"] as const);
  const Ctor = dtype === "float32" ? Float32Array : Float64Array;
  let data: Float32Array | Float64Array;
  let n: number;
  let dim: number;
  if (input instanceof tf.Tensor) {
    if (input.isDisposed) throw new InvalidArgumentError(name, "the tensor has been disposed");
    if (input.dtype !== "float32" && input.dtype !== "int32") throw new InvalidArgumentError(name, `expected a float32 or int32 tensor, got dtype ${input.dtype}`);
    if (input.rank !== 2) throw new ShapeMismatchError(name, `expected a 2-D tensor [n, d], got shape [${input.shape.join(", ")}]`);
    [n, dim] = input.shape as [number, number];
    const values = input.dataSync();
    data = values instanceof Ctor ? new Ctor(values) : Ctor.from(values as ArrayLike<number>);
  } else if (isRowMajor(input)) {
    dim = checkInteger(`${name}.dim`, input.dim, { min: 1 });
    if (input.data.length % dim !== 0) {
      throw new ShapeMismatchError(name, `a row-major array of length ${input.data.length} is not a whole number of rows of dimension ${dim}`);
    }
    n = input.data.length / dim;
    data = input.data instanceof Ctor ? input.data : Ctor.from(input.data);
  } else if (Array.isArray(input)) {
    n = input.length;
    const first = input[0];
    dim = first === undefined ? 0 : first.length;
    data = new Ctor(n * dim);
    for (let i = 0; i < n; i++) {
      const row = input[i] as readonly number[] | undefined;
      if (!Array.isArray(row)) throw new InvalidArgumentError(name, `expected rows as arrays, row ${i} is ${describeValue(row)}`);
      if (row.length !== dim) throw new ShapeMismatchError(name, `row ${i} has length ${row.length}, expected ${dim} like row 0`);
      for (let j = 0; j < dim; j++) {
        const v = row[j];
        if (typeof v !== "number") throw new InvalidArgumentError(name, `expected numbers, found ${describeValue(v)} at row ${i}, column ${j}`);
        data[i * dim + j] = v;
      }
    }
  } else {
    throw new InvalidArgumentError(name, `expected number[][], { data, dim } or a Tensor2D, got ${describeValue(input)}`);
  }
  if (n < minRows) throw new InvalidArgumentError(name, `expected at least ${minRows} row${minRows === 1 ? "" : "s"}, got ${n}`);
  if (dim < 1) throw new InvalidArgumentError(name, `expected rows of dimension ≥ 1, got ${dim}`);
  if (wantDim !== undefined && dim !== wantDim) {
    throw new ShapeMismatchError(name, `expected rows of dimension ${wantDim}, got ${dim}`);
  }
  if (!skipFiniteCheck && !allFinite(data)) {
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i] as number)) {
        throw new InvalidArgumentError(name, `expected finite values, found ${describeValue(data[i])} at row ${Math.floor(i / dim)}, column ${i % dim}`);
      }
    }
  }
  return { data, n, dim } as Matrix<Float32Array> | Matrix<Float64Array>;
}

