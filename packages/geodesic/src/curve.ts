import * as tf from "@tensorflow/tfjs";
import { InvalidArgumentError, ShapeMismatchError, checkAllocation, checkChart, checkFinite, checkInteger, checkNumber, describeValue, type AtlasModel } from "@atlas/core";
import { checkModel } from "./model.js";

/** Time spent in the decoder versus the arithmetic around it, accumulated over calls. */
export interface DecodeClock {
  decoderMs: number;
  arithmeticMs: number;
}

/**
 * Decoded curve lengths of straight latent segments in one chart (AGM paper eq. 10):
 * L̂ = Σ_{i<n} ‖G(z(t_i)) − G(z(t_{i+1}))‖₂, z(t) = (1 − t)·a + t·b, t_i = i/n.
 *
 * The points of many segments go through the decoder in one call (`pointsPerCall` points, i.e.
 * ⌊pointsPerCall / (n + 1)⌋ segments); never one segment at a time. Each call's decoded points are
 * read with `await data()`, the next call already dispatched, so a GPU decodes while the host
 * measures.
 *
 * @param a segment starts, row-major `[E, d]`
 * @param b segment ends, row-major `[E, d]`
 * @param subLengths when given (length E·n), receives every sub-segment's length
 * @returns the E curve lengths
 */
async function curveLengths(
  model: AtlasModel,
  chart: number,
  a: Float32Array,
  b: Float32Array,
  dim: number,
  steps: number,
  pointsPerCall: number,
  clock?: DecodeClock,
  subLengths?: Float32Array,
): Promise<Float64Array> {
  const E = a.length / dim;
  const out = new Float64Array(E);
  const per = steps + 1;
  const chunk = Math.max(1, Math.floor(pointsPerCall / per));
  /** Latent points of segments [e0, e0 + ec) through the decoder (dispatched, not read). */
  const decodeChunk = (e0: number): { x: tf.Tensor; ec: number; arithmeticMs: number; decoderMs: number } => {
    const ec = Math.min(chunk, E - e0);
    const t0 = performance.now();
    // a fresh buffer per call: the cpu backend keeps the array a tensor is made from, and a decoder
    // may return (a view of) its input, which stays unread while the next call is prepared
    const buf = new Float32Array(ec * per * dim);
    let p = 0;
    for (let e = e0; e < e0 + ec; e++) {
      const o = e * dim;
      for (let i = 0; i <= steps; i++) {
        const t = i / steps;
        const s = 1 - t;
        for (let c = 0; c < dim; c++) buf[p++] = s * (a[o + c] as number) + t * (b[o + c] as number);
      }
    }
    const t1 = performance.now();
    // tidy: the latent batch and the decoder's intermediates go; only the decoded points stay.
    const x = tf.tidy(() => model.decode(tf.tensor2d(buf, [ec * per, dim]), chart));
    return { x, ec, arithmeticMs: t1 - t0, decoderMs: performance.now() - t1 };
  };
  // the next call is dispatched before the current one's points are read
  let next = E > 0 ? decodeChunk(0) : undefined;
  try {
    for (let e0 = 0; e0 < E; e0 += chunk) {
      const current = next as NonNullable<typeof next>;
      next = e0 + chunk < E ? decodeChunk(e0 + chunk) : undefined;
      const { ec } = current;
      const tRead = performance.now();
      // Read back and reduce in JS: cheaper here than slicing tensors on the cpu/wasm backends.
      let values: ArrayLike<number>;
      try {
        values = await current.x.data();
      } finally {
        current.x.dispose();
      }
      const t2 = performance.now();
      const D = values.length / (ec * per);
      const sub = new Float32Array(ec * steps);
      for (let e = 0; e < ec; e++) {
        let sum = 0;
        for (let i = 0; i < steps; i++) {
          const o0 = (e * per + i) * D;
          const o1 = o0 + D;
          let s2 = 0;
          for (let c = 0; c < D; c++) {
            const diff = (values[o1 + c] as number) - (values[o0 + c] as number);
            s2 += diff * diff;
          }
          const len = Math.sqrt(s2);
          sub[e * steps + i] = len;
          sum += len;
        }
        out[e0 + e] = sum;
      }
      if (subLengths) subLengths.set(sub, e0 * steps);
      const t3 = performance.now();
      if (clock) {
        // the read waits for the decoder: that wait is decoder time
        clock.decoderMs += current.decoderMs + (t2 - tRead);
        clock.arithmeticMs += current.arithmeticMs + (t3 - t2);
      }
    }
  } finally {
    next?.x.dispose();
  }
  return out;
}

/**
 * Decoded curve lengths of straight latent segments in one chart (AGM paper eq. 10):
 * L̂ = Σ_{i<n} ‖G(z(t_i)) − G(z(t_{i+1}))‖₂, z(t) = (1 − t)·a + t·b, t_i = i/n, `n = steps`.
 * Every argument is checked first: `a` and `b` finite Float32Arrays of E × dim values, `dim` the
 * model's latentDim, `steps + 1` points of a segment within core's allocation limit.
 *
 * @param a segment starts, row-major `[E, d]`
 * @param b segment ends, row-major `[E, d]`
 * @param subLengths when given (length E·n), receives every sub-segment's length
 * @returns the E curve lengths
 */
export async function decodedCurveLengths(
  model: AtlasModel,
  chart: number,
  a: Float32Array,
  b: Float32Array,
  dim: number,
  steps: number,
  pointsPerCall: number,
  clock?: DecodeClock,
  subLengths?: Float32Array,
): Promise<Float64Array> {
  checkModel(model);
  checkChart("chart", chart, model.charts);
  checkInteger("dim", dim, { min: 1 });
  if (dim !== model.latentDim) throw new ShapeMismatchError("dim", `expected the model's latentDim (${model.latentDim}), got ${dim}`);
  for (const [name, v] of [["a", a], ["b", b]] as const) {
    if (!(v instanceof Float32Array)) throw new InvalidArgumentError(name, `expected a Float32Array of E × dim values, got ${describeValue(v)}`);
    if (v.length % dim !== 0) throw new ShapeMismatchError(name, `expected whole rows of dim = ${dim} values, got ${v.length}`);
    checkFinite(name, v);
  }
  if (b.length !== a.length) throw new ShapeMismatchError("b", `expected as many values as a (${a.length}), got ${b.length}`);
  checkInteger("steps", steps, { min: 1 });
  checkAllocation("steps", (steps + 1) * dim, 4);
  checkInteger("pointsPerCall", pointsPerCall, { min: 2 });
  if (clock !== undefined) {
    if (clock === null || typeof clock !== "object") throw new InvalidArgumentError("clock", `expected { decoderMs, arithmeticMs }, got ${describeValue(clock)}`);
    checkNumber("clock.decoderMs", clock.decoderMs);
    checkNumber("clock.arithmeticMs", clock.arithmeticMs);
  }
  if (subLengths !== undefined) {
    if (!(subLengths instanceof Float32Array)) throw new InvalidArgumentError("subLengths", `expected a Float32Array of E × steps values, got ${describeValue(subLengths)}`);
    const want = (a.length / dim) * steps;
    if (subLengths.length !== want) throw new ShapeMismatchError("subLengths", `expected E * steps = ${want} values, got ${subLengths.length}`);
  }
  return curveLengths(model, chart, a, b, dim, steps, pointsPerCall, clock, subLengths);
}
