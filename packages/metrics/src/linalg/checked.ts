/**
 * The public entries of the linear algebra: each checks its arguments (types, sizes against the
 * arrays, finite values, strict options) before calling the unchecked kernel the package itself
 * uses in its inner loops.
 */
import { InvalidArgumentError, ShapeMismatchError, checkAllocation, checkBoolean, checkFinite, checkInteger, checkNumber, checkOptions, describeValue } from "@atlas/core";
import { gemmNT as gemmKernel, gram as gramKernel, matmul as matmulKernel, transpose as transposeKernel, type GemmOptions } from "./gemm.js";
import { symmetricEigen as eigenKernel, tridiagonalize as tridiagonalizeKernel, type SymmetricEigen, type SymmetricEigenOptions, type Tridiagonal } from "./eigen.js";
import { tridiagonalQL as qlKernel } from "./eigen-ql.js";
import { checkThreads } from "./parallel.js";

function float64(name: string, value: unknown, finite = true): Float64Array {
  if (!(value instanceof Float64Array)) throw new InvalidArgumentError(name, `expected a Float64Array, got ${describeValue(value)}`);
  if (finite) checkFinite(name, value);
  return value;
}

function size(name: string, value: unknown, min = 1): number {
  return checkInteger(name, value, { min, max: 2 ** 31 - 1 });
}

/** A row stride: an integer, at least the row length `rowName` (a mismatch names both). */
function stride(name: string, value: unknown, rowName: string, row: number): number {
  const s = size(name, value);
  if (s < Math.max(1, row)) throw new ShapeMismatchError(name, `${name} (${s}) must be at least ${rowName} (${row}), the length of a row`);
  return s;
}

/** `array` holds at least `need` values; the message names every size that sets `need`. */
function holds(name: string, array: Float64Array, need: number, how: string): void {
  if (need > array.length) throw new ShapeMismatchError(name, `needs ${how} = ${need} values, has ${array.length}`);
}

/** An exactly n × n symmetric matrix of finite values. */
function symmetric(name: string, a: unknown, n: number): Float64Array {
  const m = float64(name, a);
  if (m.length !== n * n) throw new ShapeMismatchError(name, `expected n * n = ${n * n} values (n = ${n}), got ${m.length}`);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      if (m[i * n + j] !== m[j * n + i]) throw new InvalidArgumentError(name, `expected a symmetric matrix, [${i}, ${j}] = ${m[i * n + j]} but [${j}, ${i}] = ${m[j * n + i]}`);
    }
  }
  return m;
}

/**
 * `C[i, j] (+)= alpha · Σ_p A[i, p] · B[j, p]` for i < m, j < n: C = alpha·A·Bᵀ with A m×k, B n×k.
 * Strides (`lda`, `ldb`, `ldc`) are row lengths; offsets let callers address sub-blocks. A and B
 * must be finite; each array must hold the rows its offset and stride address.
 *
 * @example
 * // C (2×2) = A (2×3) · B (2×3)ᵀ
 * const C = new Float64Array(4);
 * gemmNT(2, 2, 3, new Float64Array([1, 2, 3, 4, 5, 6]), 0, 3, new Float64Array([1, 0, 0, 0, 1, 0]), 0, 3, C, 0, 2);
 * // C = [1, 2, 4, 5]
 */
export function gemmNT(
  m: number,
  n: number,
  k: number,
  A: Float64Array,
  aOff: number,
  lda: number,
  B: Float64Array,
  bOff: number,
  ldb: number,
  C: Float64Array,
  cOff: number,
  ldc: number,
  options: GemmOptions = {},
): void {
  size("m", m, 0);
  size("n", n, 0);
  size("k", k, 0);
  float64("A", A);
  size("aOff", aOff, 0);
  stride("lda", lda, "k", k);
  float64("B", B);
  size("bOff", bOff, 0);
  stride("ldb", ldb, "k", k);
  float64("C", C, false);
  size("cOff", cOff, 0);
  stride("ldc", ldc, "n", n);
  const o = checkOptions("options", options, ["alpha", "accumulate", "lower", "threads"]);
  if (o.alpha !== undefined) checkNumber("options.alpha", o.alpha);
  if (o.accumulate !== undefined) checkBoolean("options.accumulate", o.accumulate);
  if (o.lower !== undefined) checkBoolean("options.lower", o.lower);
  if (o.lower && m !== n) throw new InvalidArgumentError("options.lower", `a lower-triangular product needs a square C (m = n), got m = ${m} and n = ${n}`);
  checkThreads(o.threads);
  if (m > 0 && k > 0) holds("A", A, aOff + (m - 1) * lda + k, `aOff + (m - 1) * lda + k with m = ${m}, k = ${k}, lda = ${lda}, aOff = ${aOff}`);
  if (n > 0 && k > 0) holds("B", B, bOff + (n - 1) * ldb + k, `bOff + (n - 1) * ldb + k with n = ${n}, k = ${k}, ldb = ${ldb}, bOff = ${bOff}`);
  if (m > 0 && n > 0) holds("C", C, cOff + (m - 1) * ldc + n, `cOff + (m - 1) * ldc + n with m = ${m}, n = ${n}, ldc = ${ldc}, cOff = ${cOff}`);
  if (o.accumulate && m > 0 && n > 0) {
    for (let i = 0; i < m; i++) checkFinite("C", C.subarray(cOff + i * ldc, cOff + i * ldc + n));
  }
  gemmKernel(m, n, k, A, aOff, lda, B, bOff, ldb, C, cOff, ldc, o);
}

/**
 * Row-major transpose: `out[j, i] = a[i, j]` for an m×n matrix `a` (blocked for cache).
 *
 * @example
 * transpose(new Float64Array([1, 2, 3, 4, 5, 6]), 2, 3); // [1, 4, 2, 5, 3, 6]
 */
export function transpose(a: Float64Array, m: number, n: number, out?: Float64Array): Float64Array {
  float64("a", a);
  size("m", m);
  size("n", n);
  if (a.length !== m * n) throw new ShapeMismatchError("a", `expected m * n = ${m * n} values (m = ${m}, n = ${n}), got ${a.length}`);
  if (out !== undefined) {
    float64("out", out, false);
    holds("out", out, m * n, `m * n with m = ${m}, n = ${n}`);
  }
  return transposeKernel(a, m, n, out);
}

/**
 * C = A·B for row-major A (m×k) and B (k×n).
 *
 * @example
 * matmul(new Float64Array([1, 2, 3, 4]), new Float64Array([0, 1, 1, 0]), 2, 2, 2); // [2, 1, 4, 3]
 */
export function matmul(A: Float64Array, B: Float64Array, m: number, k: number, n: number): Float64Array {
  float64("A", A);
  float64("B", B);
  size("m", m);
  size("k", k);
  size("n", n);
  if (A.length !== m * k) throw new ShapeMismatchError("A", `expected m * k = ${m * k} values (m = ${m}, k = ${k}), got ${A.length}`);
  if (B.length !== k * n) throw new ShapeMismatchError("B", `expected k * n = ${k * n} values (k = ${k}, n = ${n}), got ${B.length}`);
  checkAllocation("m", m * n, 8);
  return matmulKernel(A, B, m, k, n);
}

/**
 * The symmetric n×n product AᵀA for a row-major m×n A.
 *
 * @example
 * gram(new Float64Array([1, 2, 3, 4]), 2, 2); // [10, 14, 14, 20]
 */
export function gram(A: Float64Array, m: number, n: number): Float64Array {
  float64("A", A);
  size("m", m);
  size("n", n);
  if (A.length !== m * n) throw new ShapeMismatchError("A", `expected m * n = ${m * n} values (m = ${m}, n = ${n}), got ${A.length}`);
  checkAllocation("n", n * n, 8);
  return gramKernel(A, m, n);
}

/**
 * Eigenvalues (ascending) and, if asked, eigenvectors of a symmetric n×n row-major matrix of
 * finite values (checked: an unsymmetric matrix is an error, not a silently wrong answer). The
 * input is not modified.
 *
 * @example
 * const { values, vectors } = symmetricEigen(new Float64Array([2, 1, 1, 2]), 2, { vectors: true });
 * // values = [1, 3]; vectors rows = ±[1, −1]/√2, ±[1, 1]/√2
 */
export function symmetricEigen(a: Float64Array, n: number, options: SymmetricEigenOptions = {}): SymmetricEigen {
  size("n", n);
  symmetric("a", a, n);
  const o = checkOptions("options", options, ["vectors", "threads"]);
  if (o.vectors !== undefined) checkBoolean("options.vectors", o.vectors);
  checkThreads(o.threads);
  if (o.vectors) checkAllocation("n", 3 * n * n, 8);
  return eigenKernel(a, n, o);
}

/**
 * Householder reduction of a symmetric n×n matrix to tridiagonal form; `input` (finite,
 * symmetric) is consumed.
 *
 * @example
 * const { d, e } = tridiagonalize(Float64Array.from(symmetric), n); // symmetric is consumed
 */
export function tridiagonalize(input: Float64Array, n: number): Tridiagonal {
  size("n", n);
  symmetric("input", input, n);
  return tridiagonalizeKernel(input, n);
}

/**
 * Implicit QL iterations on a symmetric tridiagonal matrix (diagonal `d`, off-diagonal `e`, both
 * n finite values, overwritten: `d` with the unsorted eigenvalues); with `zt` (n×n, finite), each
 * rotation is also applied to its rows.
 *
 * @example
 * const d = new Float64Array([2, 2]), e = new Float64Array([1, 0]);
 * tridiagonalQL(d, e, 2); // d holds 1 and 3 (in some order)
 */
export function tridiagonalQL(d: Float64Array, e: Float64Array, n: number, zt?: Float64Array): void {
  size("n", n);
  float64("d", d);
  float64("e", e);
  if (d.length !== n) throw new ShapeMismatchError("d", `expected n = ${n} values, got ${d.length}`);
  if (e.length !== n) throw new ShapeMismatchError("e", `expected n = ${n} values (e[n - 1] is set to 0), got ${e.length}`);
  if (zt !== undefined) {
    float64("zt", zt);
    if (zt.length !== n * n) throw new ShapeMismatchError("zt", `expected n * n = ${n * n} values (n = ${n}), got ${zt.length}`);
  }
  qlKernel(d, e, n, zt);
}
