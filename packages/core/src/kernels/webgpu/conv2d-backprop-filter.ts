/**
 * `Conv2DBackpropFilter` (the filter gradient of a 2-D convolution) for TensorFlow.js's WebGPU
 * backend, as an implicit matrix product with split-K.
 *
 * Why: the stock WebGPU kernel gives each filter element one thread that loops over the whole
 * batch and image (N·Ho·Wo products in sequence, ~131k threads for a 4×4×64×128 filter): on an
 * H200 it runs at ~0.16 TFLOP/s and is 169 of the ~180 ms of the GTN autoencoder's training step
 * at batch 1024 (../shared/gpu/README.md), where the same backend's matmul reaches 13 TFLOP/s.
 *
 * The identity: for the forward convolution y[n, i, j, o] = Σ_{p,q,c} x[n, i·sₕ + p − top,
 * j·s_w + q − left, c] · w[p, q, c, o], the filter gradient is
 *   dw[(p, q, c), o] = Σ_{(n, i, j)} A[(n, i, j), (p, q, c)] · dy[(n, i, j), o],
 * with A the forward convolution's im2col matrix (x gathered at the tap, zero in the padding). So
 * dw = Aᵀ · dy: a product with M = kH·kW·Cin rows, Cout columns and a long reduction K = N·Ho·Wo
 * (50 176 for the autoencoder's second layer at batch 1024). A is never built: the tile loader
 * gathers it from x. Few output tiles and a long K: the K range is split over workgroups
 * (split-K) so that the GPU has enough of them, and a second pass adds the partial products.
 */
import * as tf from "@tensorflow/tfjs";
import { type GemmTile, type WebGpuBackendLike, type WebGpuProgram, chooseTile, gemmDispatch, gemmShader, splitKReduceProgram, tileExtent, tileKey } from "./gemm.js";

type TensorInfo = tf.TensorInfo;

interface BackpropFilterAttrs {
  strides: [number, number] | number;
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dataFormat?: "NHWC" | "NCHW";
  dimRoundingMode?: "floor" | "round" | "ceil";
  filterShape: [number, number, number, number];
}

/** Workgroups the split-K aims for (an H200 has 132 SMs; a few workgroups each keep them busy). */
const TARGET_WORKGROUPS = 1024;
/** The fewest k steps (of TK) a split does, so that each workgroup amortises its setup. */
const MIN_STEPS_PER_SPLIT = 8;
/** Most floats the partial products may take (64 MiB). */
const MAX_PARTIAL_FLOATS = 16 * 1024 * 1024;

/** The plan of one filter-gradient product: tile, number of splits and k steps per split. */
export interface FilterGradPlan {
  tile: GemmTile;
  rows: number;
  cols: number;
  k: number;
  splits: number;
  stepsPerSplit: number;
}

/** How the product of M rows, `cols` columns and reduction `k` is tiled and split. */
export function planFilterGrad(rows: number, cols: number, k: number, maxPartialFloats: number = MAX_PARTIAL_FLOATS): FilterGradPlan {
  const tile = chooseTile(rows, cols);
  const { tm, tn } = tileExtent(tile);
  const tiles = Math.ceil(rows / tm) * Math.ceil(cols / tn);
  const totalSteps = Math.max(1, Math.ceil(k / tile.tk));
  let splits = Math.max(1, Math.min(Math.ceil(TARGET_WORKGROUPS / tiles), Math.floor(totalSteps / MIN_STEPS_PER_SPLIT)));
  splits = Math.min(splits, Math.max(1, Math.floor(maxPartialFloats / (rows * cols))), 65535);
  const stepsPerSplit = Math.ceil(totalSteps / splits);
  splits = Math.ceil(totalSteps / stepsPerSplit);
  return { tile, rows, cols, k, splits, stepsPerSplit };
}

/** Geometry of the forward convolution, as the program needs it. */
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

function program(g: Geometry, plan: FilterGradPlan): WebGpuProgram {
  const { tile, rows, cols, splits, stepsPerSplit } = plan;
  const chunk = stepsPerSplit * tile.tk;
  const key = [g.n, g.h, g.w, g.cin, g.ho, g.wo, g.cout, g.kh, g.kw, g.sh, g.sw, g.top, g.left, splits, stepsPerSplit, tileKey(tile)].join("_");
  const outputShape = splits > 1 ? [splits, rows, cols] : [rows, cols];
  return {
    outputShape,
    shaderKey: `atlasConv2DBackpropFilter_${key}`,
    dispatchLayout: splits > 1 ? { x: [2], y: [1], z: [0] } : { x: [1], y: [0] },
    dispatch: gemmDispatch(tile, rows, cols, splits),
    variableNames: ["x", "dy"],
    workgroupSize: [tile.wx, 256 / tile.wx, 1],
    getUserCode: () =>
      gemmShader(tile, {
        rows,
        cols,
        kSteps: stepsPerSplit,
        aContiguous: "row",
        bContiguous: "col",
        declarations: `
  const H : i32 = ${g.h};
  const W : i32 = ${g.w};
  const CIN : i32 = ${g.cin};
  const HO : i32 = ${g.ho};
  const WO : i32 = ${g.wo};
  const KW : i32 = ${g.kw};
  const SH : i32 = ${g.sh};
  const SW : i32 = ${g.sw};
  const TOP : i32 = ${g.top};
  const LEFT : i32 = ${g.left};`,
        setup: `
    kBegin = part * ${chunk};
    kEnd = min(kBegin + ${chunk}, ${plan.k});
    rowEnd = ${rows};`,
        // A[r, m] = x[n, i·SH + p − TOP, j·SW + q − LEFT, c], r = (n, i, j), m = (p, q, c)
        loadA: `
    let c = row % CIN;
    let pq = row / CIN;
    let p = pq / KW;
    let q = pq % KW;
    let j = k % WO;
    let t = k / WO;
    let i = t % HO;
    let n = t / HO;
    let h = i * SH + p - TOP;
    let w = j * SW + q - LEFT;
    if (h < 0 || h >= H || w < 0 || w >= W) {
      return 0.0;
    }
    return x[((n * H + h) * W + w) * CIN + c];`,
        loadB: `
    return dy[k * COLS + col];`,
        store: `
    result[(part * ${rows} + row) * COLS + col] = value;`,
      }),
  };
}

/**
 * Make the `kernelFunc` of `Conv2DBackpropFilter` for the WebGPU backend. NCHW data and
 * non-float32 inputs go to `fallback` (the stock kernel), as do shapes past WebGPU's dispatch limits.
 */
export function makeWebGpuConv2DBackpropFilter(fallback: () => tf.KernelFunc | undefined): tf.KernelFunc {
  return (args) => {
    const backend = args.backend as unknown as WebGpuBackendLike;
    const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
    const attrs = args.attrs as unknown as BackpropFilterAttrs;
    const channelsLast = (attrs.dataFormat ?? "NHWC") !== "NCHW";
    const stock = (): TensorInfo | TensorInfo[] => {
      const f = fallback();
      if (f === undefined) throw new Error("Conv2DBackpropFilter on 'webgpu': this case needs the stock kernel, which is not registered");
      return f(args);
    };
    if (!channelsLast || x.dtype !== "float32" || dy.dtype !== "float32") return stock();
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      attrs.filterShape,
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
    const rows = g.kh * g.kw * g.cin;
    const k = g.n * g.ho * g.wo;
    const plan = planFilterGrad(rows, g.cout, k);
    const limit = backend.device?.limits.maxComputeWorkgroupsPerDimension ?? 65535;
    const dispatch = gemmDispatch(plan.tile, rows, g.cout, plan.splits);
    // int32 indices: the largest flat index must fit
    if (dispatch.some((d) => d > limit) || x.shape.reduce((a, b) => a * b, 1) >= 2 ** 31 || plan.splits * rows * g.cout >= 2 ** 31) return stock();
    const product = backend.runWebGPUProgram(program(g, plan), [x, dy], "float32");
    let out = product;
    if (plan.splits > 1) {
      out = backend.runWebGPUProgram(splitKReduceProgram(plan.splits, rows * g.cout, [rows, g.cout]), [{ ...product, shape: [plan.splits * rows * g.cout] }], "float32");
      backend.disposeData(product.dataId);
    }
    // [kH·kW·Cin, Cout] is dw's memory layout: hand it back with dw's shape
    return { dataId: out.dataId, shape: [...attrs.filterShape], dtype: "float32" };
  };
}
