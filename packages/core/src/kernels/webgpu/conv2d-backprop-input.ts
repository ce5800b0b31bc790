/**
 * `Conv2DBackpropInput` (the input gradient of a 2-D convolution, and the forward pass of
 * `conv2dTranspose`) for TensorFlow.js's WebGPU backend: the sub-pixel form as implicit matrix
 * products, one per output phase, in one dispatch.
 *
 * Why: the stock WebGPU kernel (tfjs 4.22 defaults to its "naive" form) gives each output element
 * (or four channels of one) a thread that loops over every filter tap and tests whether the tap
 * lands on the stride grid, so with stride s only 1/s² of the loop does work, and nothing is shared
 * between threads. It is the second-largest kernel of the AWAE-GAN step on an H200 (52 of 270 ms).
 *
 * The identity (as in ../conv2d-backprop-input.ts for wasm): with g = h + top = u·sₕ + rₕ
 * (phase rₕ = g mod sₕ), only taps p = rₕ + sₕ·t reach dx[n, h, ·, ·], from dy row i = u − t:
 *   dx[n, h, w, c] = Σ_{t, t', o} dy[n, u − t, v − t', o] · w[rₕ + sₕ·t, r_w + s_w·t', c, o].
 * So each phase (rₕ, r_w) is a product with rows (n, u, v) (that phase's output pixels), columns
 * c (Cin) and a reduction over (t, t', o) of length Tₕ·T_w·Cout, Tₕ = ⌈(kH − rₕ)/sₕ⌉: no wasted
 * taps. Workgroup z is the phase; dy and w are gathered by the tile loaders, dx is written in place.
 * All phases share one grid (see {@link planInputGrad}) so the loaders divide by constants only.
 */
import * as tf from "@tensorflow/tfjs";
import { type GemmTile, type WebGpuBackendLike, type WebGpuProgram, chooseTile, gemmDispatch, gemmShader, tileExtent, tileKey } from "./gemm.js";

type TensorInfo = tf.TensorInfo;

interface BackpropInputAttrs {
  strides: [number, number] | number;
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dataFormat?: "NHWC" | "NCHW";
  dimRoundingMode?: "floor" | "round" | "ceil";
  inputShape: [number, number, number, number];
}

interface Geometry {
  n: number;
  h: number;
  w: number;
  cin: number;
  ho: number;
  wo: number;
  cout: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  top: number;
  left: number;
}

/**
 * The plan: every phase is laid out on a common grid so that all index arithmetic divides by
 * compile-time constants — rows (n, a, b) with a < CH = ⌈H/sₕ⌉, b < CW = ⌈W/s_w⌉, and reduction
 * index (t, t', o) with t < THM = ⌈kH/sₕ⌉, t' < TWM = ⌈kW/s_w⌉. A phase with fewer rows or taps
 * (H or kH not a multiple of the stride) leaves those grid points empty (zero loads, no store);
 * with H, W, kH, kW multiples of the strides — the networks here — nothing is wasted.
 */
export function planInputGrad(g: Geometry): { tile: GemmTile; rows: number; ch: number; cw: number; thm: number; twm: number; kSteps: number } {
  const ch = Math.ceil(g.h / g.sh);
  const cw = Math.ceil(g.w / g.sw);
  const thm = Math.ceil(g.kh / g.sh);
  const twm = Math.ceil(g.kw / g.sw);
  const rows = g.n * ch * cw;
  const tile = chooseTile(rows, g.cin);
  return { tile, rows, ch, cw, thm, twm, kSteps: Math.max(1, Math.ceil((thm * twm * g.cout) / tile.tk)) };
}

function program(g: Geometry): WebGpuProgram {
  const { tile, rows, ch, cw, thm, twm, kSteps } = planInputGrad(g);
  const key = [g.n, g.h, g.w, g.cin, g.ho, g.wo, g.cout, g.kh, g.kw, g.sh, g.sw, g.top, g.left, tileKey(tile)].join("_");
  return {
    outputShape: [g.n, g.h, g.w, g.cin],
    shaderKey: `atlasConv2DBackpropInput_${key}`,
    dispatchLayout: { x: [3], y: [0, 1, 2] },
    dispatch: gemmDispatch(tile, rows, g.cin, g.sh * g.sw),
    variableNames: ["dy", "W"],
    workgroupSize: [tile.wx, 256 / tile.wx, 1],
    getUserCode: () =>
      gemmShader(tile, {
        rows,
        cols: g.cin,
        kSteps,
        // neighbouring k are neighbouring o: contiguous in dy and in w
        aContiguous: "k",
        bContiguous: "k",
        declarations: `
  const H : i32 = ${g.h};
  const W_ : i32 = ${g.w};
  const HO : i32 = ${g.ho};
  const WO : i32 = ${g.wo};
  const COUT : i32 = ${g.cout};
  const KH : i32 = ${g.kh};
  const KW : i32 = ${g.kw};
  const SH : i32 = ${g.sh};
  const SW : i32 = ${g.sw};
  const TOP : i32 = ${g.top};
  const LEFT : i32 = ${g.left};
  const CH : i32 = ${ch};
  const CW : i32 = ${cw};
  const TWM : i32 = ${twm};
  var<private> rh : i32;
  var<private> rw : i32;
  var<private> firstH : i32;
  var<private> firstW : i32;
  var<private> countH : i32;
  var<private> countW : i32;
  var<private> tapsH : i32;
  var<private> tapsW : i32;
  var<private> baseU : i32;
  var<private> baseV : i32;
  fn firstOf(r : i32, s : i32, pad : i32) -> i32 {
    return ((r - pad) % s + s) % s;
  }
  fn countOf(first : i32, s : i32, size : i32) -> i32 {
    return select(0, (size - first + s - 1) / s, first < size);
  }
  fn tapsOf(r : i32, s : i32, k : i32) -> i32 {
    return select(0, (k - r + s - 1) / s, r < k);
  }`,
        setup: `
    rh = part / SW;
    rw = part % SW;
    firstH = firstOf(rh, SH, TOP);
    firstW = firstOf(rw, SW, LEFT);
    countH = countOf(firstH, SH, H);
    countW = countOf(firstW, SW, W_);
    tapsH = tapsOf(rh, SH, KH);
    tapsW = tapsOf(rw, SW, KW);
    // output index h = firstH + a·SH has g = h + TOP = (baseU + a)·SH + rh
    baseU = (firstH + TOP - rh) / SH;
    baseV = (firstW + LEFT - rw) / SW;
    kBegin = 0;
    kEnd = ${thm * twm * g.cout};
    rowEnd = ${rows};`,
        // A[(n, a, b), (t, t', o)] = dy[n, baseU + a − t, baseV + b − t', o]
        loadA: `
    let b = row % CW;
    let na = row / CW;
    let a = na % CH;
    let n = na / CH;
    let o = k % COUT;
    let tt = k / COUT;
    let t2 = tt % TWM;
    let t1 = tt / TWM;
    let i = baseU + a - t1;
    let j = baseV + b - t2;
    if (a >= countH || b >= countW || t1 >= tapsH || t2 >= tapsW || i < 0 || i >= HO || j < 0 || j >= WO) {
      return 0.0;
    }
    return dy[((n * HO + i) * WO + j) * COUT + o];`,
        // B[(t, t', o), c] = w[rh + SH·t, rw + SW·t', c, o]
        loadB: `
    let o = k % COUT;
    let tt = k / COUT;
    let t2 = tt % TWM;
    let t1 = tt / TWM;
    if (t1 >= tapsH || t2 >= tapsW) {
      return 0.0;
    }
    let p = rh + SH * t1;
    let q = rw + SW * t2;
    return W[((p * KW + q) * COLS + col) * COUT + o];`,
        store: `
    let b = row % CW;
    let na = row / CW;
    let a = na % CH;
    let n = na / CH;
    if (a < countH && b < countW) {
      let h = firstH + a * SH;
      let w = firstW + b * SW;
      result[((n * H + h) * W_ + w) * COLS + col] = value;
    }`,
      }),
  };
}

/**
 * Make the `kernelFunc` of `Conv2DBackpropInput` for the WebGPU backend. NCHW data and
 * non-float32 inputs go to `fallback` (the stock kernel), as do shapes past WebGPU's dispatch limits.
 */
export function makeWebGpuConv2DBackpropInput(fallback: () => tf.KernelFunc | undefined): tf.KernelFunc {
  return (args) => {
    const backend = args.backend as unknown as WebGpuBackendLike;
    const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
    const attrs = args.attrs as unknown as BackpropInputAttrs;
    const channelsLast = (attrs.dataFormat ?? "NHWC") !== "NCHW";
    const stock = (): TensorInfo | TensorInfo[] => {
      const f = fallback();
      if (f === undefined) throw new Error("Conv2DBackpropInput on 'webgpu': this case needs the stock kernel, which is not registered");
      return f(args);
    };
    if (!channelsLast || dy.dtype !== "float32" || filter.dtype !== "float32") return stock();
    const info = tf.backend_util.computeConv2DInfo(
      attrs.inputShape,
      filter.shape as [number, number, number, number],
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
      false,
      "channelsLast",
    );
    const g: Geometry = {
      n: info.batchSize,
      h: info.inHeight,
      w: info.inWidth,
      cin: info.inChannels,
      ho: info.outHeight,
      wo: info.outWidth,
      cout: info.outChannels,
      kh: info.filterHeight,
      kw: info.filterWidth,
      sh: info.strideHeight,
      sw: info.strideWidth,
      top: info.padInfo.top,
      left: info.padInfo.left,
    };
    const { tile, rows } = planInputGrad(g);
    const limit = backend.device?.limits.maxComputeWorkgroupsPerDimension ?? 65535;
    const dispatch = gemmDispatch(tile, rows, g.cin, g.sh * g.sw);
    const size = g.n * g.h * g.w * g.cin;
    if (dispatch.some((d) => d > limit) || size >= 2 ** 31 || dy.shape.reduce((a, b) => a * b, 1) >= 2 ** 31 || tileExtent(tile).tm <= 0) return stock();
    return backend.runWebGPUProgram(program(g), [dy, filter], "float32");
  };
}
