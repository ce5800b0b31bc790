/**
 * `Tile` by block copies: out = x repeated `reps[i]` times along each axis i.
 *
 * Why: tfjs-core's batch-normalisation gradient tiles 1/√(σ² + ε) from [1, 1, 1, C] to the full
 * [N, H, W, C] activation shape, and the wasm backend's `Tile` computes every output element's
 * source index on its own (an index decomposition per element). On the AGM paper's AWAE-GAN at
 * the CPU widths that made `Tile` the largest single kernel of a training step on wasm.
 *
 * The identity used, axis by axis from the last: the output block of axis i (everything from axis
 * i on) is the x[...] sub-blocks for indices 0..shape[i]−1 placed at stride outStride[i], each
 * already tiled along the later axes, then that block of shape[i]·outStride[i] elements repeated
 * reps[i] times. Each repetition is a `copyWithin` that doubles the filled length, so the work is
 * one memory copy of the output plus one call per row of x.
 */
import * as tf from "@tensorflow/tfjs";

type TensorInfo = tf.TensorInfo;
type KernelBackend = tf.KernelBackend;

/** Writable values: a typed array or (strings) a plain array; both have `copyWithin`. */
type Values = { length: number; [i: number]: unknown; copyWithin(target: number, start: number, end?: number): unknown };

/**
 * Tile `src` (row-major, `shape`) by `reps` into a new array of the same kind as `src`.
 *
 * @example
 * tileValues(Float32Array.of(1, 2), [1, 2], [2, 2]); // Float32Array [1, 2, 1, 2, 1, 2, 1, 2]
 */
export function tileValues<T extends Values>(src: T, shape: readonly number[], reps: readonly number[]): T {
  const rank = shape.length;
  const outShape = shape.map((s, i) => s * (reps[i] as number));
  const size = outShape.reduce((a, b) => a * b, 1);
  const make = (src as unknown as { constructor: new (n: number) => T }).constructor;
  const out = Array.isArray(src) ? (new Array(size) as unknown as T) : new make(size);
  if (size === 0) return out;
  if (rank === 0) {
    out[0] = src[0];
    return out;
  }
  const inStride = new Array<number>(rank);
  const outStride = new Array<number>(rank);
  inStride[rank - 1] = 1;
  outStride[rank - 1] = 1;
  for (let i = rank - 2; i >= 0; i--) {
    inStride[i] = (inStride[i + 1] as number) * (shape[i + 1] as number);
    outStride[i] = (outStride[i + 1] as number) * (outShape[i + 1] as number);
  }
  const typed = !Array.isArray(src);
  const fill = (dim: number, srcOff: number, dstOff: number): void => {
    const len = shape[dim] as number;
    let block: number;
    if (dim === rank - 1) {
      if (typed) {
        (out as unknown as Float32Array).set((src as unknown as Float32Array).subarray(srcOff, srcOff + len), dstOff);
      } else {
        for (let k = 0; k < len; k++) out[dstOff + k] = src[srcOff + k];
      }
      block = len;
    } else {
      const si = inStride[dim] as number;
      const so = outStride[dim] as number;
      for (let k = 0; k < len; k++) fill(dim + 1, srcOff + k * si, dstOff + k * so);
      block = len * so;
    }
    const total = block * (reps[dim] as number);
    for (let filled = block; filled < total; ) {
      const n = Math.min(filled, total - filled);
      out.copyWithin(dstOff + filled, dstOff, dstOff + n);
      filled += n;
    }
  };
  fill(0, 0, 0);
  return out;
}

/**
 * Make the `kernelFunc` of `Tile` for any backend with `readSync` and `write` (the input is read
 * once, the output written once).
 */
export function makeTile(_backendName: string): tf.KernelFunc {
  return (args) => {
    const backend = args.backend as KernelBackend;
    const { x } = args.inputs as { x: TensorInfo };
    const reps = (args.attrs as unknown as { reps: number[] }).reps;
    const shape = x.shape;
    if (reps.length !== shape.length) throw new Error(`Tile: reps (${reps.length}) must have the rank of x (${shape.length})`);
    const values = backend.readSync(x.dataId) as unknown as Values;
    const out = tileValues(values, shape, reps);
    const outShape = shape.map((s, i) => s * (reps[i] as number));
    const dataId = backend.write(out as unknown as tf.backend_util.BackendValues, outShape, x.dtype);
    return { dataId, shape: outShape, dtype: x.dtype };
  };
}
