import * as tf from "@tensorflow/tfjs";

/**
 * A fixed permutation of the columns of `[n, d]` tensors, `y[:, j] = x[:, idx[j]]`, differentiable
 * on every backend: the gradient of a gather by a permutation is the gather by its inverse, given
 * here through `tf.customGrad` (tfjs's own gather gradient needs `UnsortedSegmentSum`, which the
 * wasm backend lacks). Owns two small int32 tensors: dispose() frees them.
 */
export class ColumnPermutation {
  readonly indices: Int32Array;
  private readonly idx: tf.Tensor1D;
  private readonly inv: tf.Tensor1D;
  private readonly fn: (x: tf.Tensor) => tf.Tensor;

  constructor(indices: Int32Array) {
    this.indices = indices;
    const inverse = new Int32Array(indices.length);
    indices.forEach((v, j) => {
      inverse[v] = j;
    });
    this.idx = tf.tensor1d(indices, "int32");
    this.inv = tf.tensor1d(inverse, "int32");
    this.fn = tf.customGrad(((x: tf.Tensor) => ({
      value: tf.gather(x, this.idx, 1),
      gradFunc: (dy: tf.Tensor) => tf.gather(dy, this.inv, 1),
    })) as unknown as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor) => tf.Tensor;
  }

  /** Whether this is the identity (then apply() returns its input unchanged). */
  get isIdentity(): boolean {
    return this.indices.every((v, j) => v === j);
  }

  apply(x: tf.Tensor2D): tf.Tensor2D {
    return this.isIdentity ? x : (this.fn(x) as tf.Tensor2D);
  }

  dispose(): void {
    this.idx.dispose();
    this.inv.dispose();
  }
}

/** The permutation taking a state in column order `from` to column order `to` (both lists of original dims). */
export function reorderIndices(from: readonly number[], to: readonly number[]): Int32Array {
  const pos = new Map<number, number>();
  from.forEach((dim, p) => pos.set(dim, p));
  return Int32Array.from(to, (dim) => pos.get(dim) as number);
}
