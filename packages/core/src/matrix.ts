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

/** The checked options of {@link toMatrix} / {@link readMatrix}. */
interface MatrixOptions {
  minRows: number;
  wantDim: number | undefined;
  skipFiniteCheck: boolean;
  Ctor: Float32ArrayConstructor | Float64ArrayConstructor;
}

function checkMatrixOptions(name: string, options: ToMatrixOptions & { dtype?: "float32" | "float64" }): MatrixOptions {
  checkArgName(name);
  const o = checkOptions("options", options, ["minRows", "dim", "skipFiniteCheck", "dtype"]);
  const minRows = o.minRows === undefined ? 1 : checkInteger("options.minRows", o.minRows, { min: 0 });
  const wantDim = o.dim === undefined ? undefined : checkInteger("options.dim", o.dim, { min: 1 });
  const skipFiniteCheck = o.skipFiniteCheck === undefined ? false : checkBoolean("options.skipFiniteCheck", o.skipFiniteCheck);
  const dtype = o.dtype === undefined ? "float64" : checkOneOf("options.dtype", o.dtype, ["float32", "float64"] as const);
  return { minRows, wantDim, skipFiniteCheck, Ctor: dtype === "float32" ? Float32Array : Float64Array };
}

/**
 * Validate a {@link MatrixInput} and copy it into a row-major Float64Array (or Float32Array):
 * consistent row lengths, at least `minRows` rows, every value finite. Errors name `name`.
 *
 * Synchronous, so it takes no tensor (a tensor may live on a GPU, where it can only be read
 * asynchronously): use {@link readMatrix} for input that may be a `tf.Tensor2D`.
 */
export function toMatrix(name: string, input: MatrixInput, options?: ToMatrixOptions): Matrix<Float64Array>;
export function toMatrix(name: string, input: MatrixInput, options: ToMatrixOptions & { dtype: "float32" }): Matrix<Float32Array>;
export function toMatrix(
  name: string,
  input: MatrixInput,
  options: ToMatrixOptions & { dtype?: "float32" | "float64" } = {},
): Matrix<Float32Array> | Matrix<Float64Array> {
  const checked = checkMatrixOptions(name, options);
  const { Ctor } = checked;
  let data: Float32Array | Float64Array;
  let n: number;
  let dim: number;
  if (input instanceof tf.Tensor) {
    throw new InvalidArgumentError(
      name,
      "got a tf.Tensor where it cannot be read synchronously (it may live on a GPU): read it first, e.g. { data: await t.data(), dim }, or use the asynchronous readMatrix",
    );
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
  checkRows(name, n, dim, checked);
  return checkValues(name, data, n, dim, checked);
}

/**
 * {@link toMatrix} for input that may be a `tf.Tensor2D`: the tensor is read with one
 * `await t.data()` (the options, the tensor, its shape, row count and dimension are checked before
 * the read) and its values copied; other input goes through {@link toMatrix}.
 *
 * @example
 * const m = await readMatrix("latents", encoder.predict(images) as tf.Tensor2D);
 */
export async function readMatrix(name: string, input: MatrixInput, options?: ToMatrixOptions): Promise<Matrix<Float64Array>>;
export async function readMatrix(name: string, input: MatrixInput, options: ToMatrixOptions & { dtype: "float32" }): Promise<Matrix<Float32Array>>;
export async function readMatrix(
  name: string,
  input: MatrixInput,
  options: ToMatrixOptions & { dtype?: "float32" | "float64" } = {},
): Promise<Matrix<Float32Array> | Matrix<Float64Array>> {
  if (!(input instanceof tf.Tensor)) return toMatrix(name, input, options as ToMatrixOptions & { dtype: "float32" });
  const checked = checkMatrixOptions(name, options);
  if (input.isDisposed) throw new InvalidArgumentError(name, "the tensor has been disposed");
  if (input.dtype !== "float32" && input.dtype !== "int32") throw new InvalidArgumentError(name, `expected a float32 or int32 tensor, got dtype ${input.dtype}`);
  if (input.rank !== 2) throw new ShapeMismatchError(name, `expected a 2-D tensor [n, d], got shape [${input.shape.join(", ")}]`);
  const [n, dim] = input.shape as [number, number];
  checkRows(name, n, dim, checked);
  const { Ctor } = checked;
  // a copy: a backend may hand out its own buffer
  const values = await input.data();
  const data = values instanceof Ctor ? new Ctor(values) : Ctor.from(values as ArrayLike<number>);
  return checkValues(name, data, n, dim, checked);
}

function checkRows(name: string, n: number, dim: number, { minRows, wantDim }: MatrixOptions): void {
  if (n < minRows) throw new InvalidArgumentError(name, `expected at least ${minRows} row${minRows === 1 ? "" : "s"}, got ${n}`);
  if (dim < 1) throw new InvalidArgumentError(name, `expected rows of dimension ≥ 1, got ${dim}`);
  if (wantDim !== undefined && dim !== wantDim) {
    throw new ShapeMismatchError(name, `expected rows of dimension ${wantDim}, got ${dim}`);
  }
}

function checkValues(name: string, data: Float32Array | Float64Array, n: number, dim: number, { skipFiniteCheck }: MatrixOptions): Matrix<Float32Array> | Matrix<Float64Array> {
  if (!skipFiniteCheck && !allFinite(data)) {
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i] as number)) {
        throw new InvalidArgumentError(name, `expected finite values, found ${describeValue(data[i])} at row ${Math.floor(i / dim)}, column ${i % dim}`);
      }
    }
  }
  return { data, n, dim } as Matrix<Float32Array> | Matrix<Float64Array>;
}
