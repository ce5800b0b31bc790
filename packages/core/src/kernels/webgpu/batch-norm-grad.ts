/**
 * `AtlasBatchNormGrad` for TensorFlow.js's WebGPU backend: the whole backward pass of training-mode
 * batch normalisation (batch statistics) in two passes over the data.
 *
 * Why: a batch-norm layer in training computes y = γ·(x − μ)·r + β with μ, σ² the batch moments of
 * x over every axis but the last (N·H·W for NHWC) and r = 1/√(σ² + ε). tfjs differentiates the
 * moments and `FusedBatchNorm` separately (tfjs-core's FusedBatchNorm_grad: sub, mul, tile, rsqrt
 * and four reductions; Mean_grad twice: ones, mul, div; SquaredDifference's gradient; the adds that
 * accumulate three gradients into x): ~40 kernels per layer, most of them over the whole activation.
 * Folded together (the standard closed form; ∂μ/∂x and ∂σ²/∂x substituted):
 *   dβ_c = Σ dy,   dγ_c = r_c · Σ dy·(x − μ_c),
 *   dx   = γ_c·r_c · (dy − dβ_c/M − (x − μ_c)·r_c·dγ_c/M),   M = the number of reduced elements.
 *
 * Programs (4 dispatches, 2 passes over x and dy):
 * 1. `partial`: per channel and row chunk, Σ dy and Σ dy·(x − μ) → [P, 2, C]; a workgroup covers
 *    WX channels (neighbouring threads read neighbouring channels) and one chunk of rows, reduced
 *    in workgroup memory. P chunks so that a GPU gets enough workgroups for a long M.
 * 2. `dβ` and `dγ` from the P partial sums ([C] each; tiny).
 * 3. `dx`, one thread per element.
 *
 * Inputs x (any rank ≥ 2, channels last), dy (x's shape), mean, variance and scale ([C]); attribute
 * `varianceEpsilon`. Outputs [dx, dscale, doffset]. float32 only (the op that uses it checks).
 */
import * as tf from "@tensorflow/tfjs";
import type { WebGpuBackendLike, WebGpuProgram } from "./gemm.js";

type TensorInfo = tf.TensorInfo;

/** Workgroups the row split aims for (as the filter gradient's split-K). */
const TARGET_WORKGROUPS = 1024;
/** The fewest rows a thread sums in the partial pass before the rows are split further. */
const MIN_ROWS_PER_THREAD = 8;

/** How the partial pass covers M rows × C channels: threads along channels/rows, row chunks. */
export interface BatchNormGradPlan {
  /** Threads along channels (a power of two, ≤ 64). */
  wx: number;
  /** Threads along rows (256 / wx). */
  wy: number;
  /** Row chunks (workgroups along y). */
  parts: number;
  /** Rows per chunk. */
  chunk: number;
}

/** The plan for M rows and C channels. */
export function planBatchNormGrad(rows: number, channels: number): BatchNormGradPlan {
  let wx = 1;
  while (wx < channels && wx < 64) wx *= 2;
  const wy = 256 / wx;
  const channelGroups = Math.ceil(channels / wx);
  const byWork = Math.ceil(rows / (wy * MIN_ROWS_PER_THREAD));
  const byGpu = Math.max(1, Math.floor(TARGET_WORKGROUPS / channelGroups));
  let parts = Math.max(1, Math.min(byWork, byGpu, 65535));
  const chunk = Math.ceil(rows / parts);
  parts = Math.ceil(rows / chunk);
  return { wx, wy, parts, chunk };
}

/** A WGSL f32 literal of `v` (WGSL's abstract float, converted once). */
const f32 = (v: number): string => `f32(${v.toExponential()})`;

function partialProgram(rows: number, channels: number, plan: BatchNormGradPlan): WebGpuProgram {
  const { wx, wy, parts, chunk } = plan;
  // tree reduction over the wy row-threads, unrolled (constant steps: barriers in uniform control flow)
  const steps: string[] = [];
  for (let s = wy / 2; s >= 1; s /= 2) {
    steps.push(`
    if (ty < ${s}) {
      s1[t] = s1[t] + s1[t + ${s * wx}];
      s2[t] = s2[t] + s2[t + ${s * wx}];
    }
    workgroupBarrier();`);
  }
  return {
    outputShape: [parts, 2, channels],
    shaderKey: `atlasBatchNormGradPartial_${rows}_${channels}_${wx}_${parts}_${chunk}`,
    dispatchLayout: { x: [2], y: [1], z: [0] },
    dispatch: [Math.ceil(channels / wx), parts, 1],
    variableNames: ["x", "dy", "mean"],
    workgroupSize: [wx, wy, 1],
    getUserCode: () => `
  var<workgroup> s1 : array<f32, 256>;
  var<workgroup> s2 : array<f32, 256>;
  ${"fn main()"} {
    _ = uniforms.NAN;
    let tx = i32(localId.x);
    let ty = i32(localId.y);
    let t = ty * ${wx} + tx;
    let c = i32(workgroupId.x) * ${wx} + tx;
    let part = i32(workgroupId.y);
    let r0 = part * ${chunk};
    let r1 = min(r0 + ${chunk}, ${rows});
    var a = 0.0;
    var b = 0.0;
    if (c < ${channels}) {
      let mu = mean[c];
      for (var r = r0 + ty; r < r1; r = r + ${wy}) {
        let g = dy[r * ${channels} + c];
        a = a + g;
        b = b + g * (x[r * ${channels} + c] - mu);
      }
    }
    s1[t] = a;
    s2[t] = b;
    workgroupBarrier();
    ${steps.join("")}
    if (ty == 0 && c < ${channels}) {
      result[(part * 2) * ${channels} + c] = s1[tx];
      result[(part * 2 + 1) * ${channels} + c] = s2[tx];
    }
  }
`,
  };
}

/** dβ (`which` 0: Σ of the partial Σ dy) or dγ (1: r · Σ of the partial Σ dy·(x − μ)), [C]. */
function finalProgram(which: 0 | 1, channels: number, parts: number, epsilon: number): WebGpuProgram {
  return {
    outputShape: [channels],
    shaderKey: `atlasBatchNormGradFinal_${which}_${channels}_${parts}_${epsilon}`,
    dispatchLayout: { x: [0] },
    dispatch: [Math.ceil(channels / 64), 1, 1],
    variableNames: which === 0 ? ["partial"] : ["partial", "variance"],
    workgroupSize: [64, 1, 1],
    size: true,
    getUserCode: () => `
  fn main(index : i32) {
    if (index < uniforms.size) {
      var sum = 0.0;
      for (var p = 0; p < ${parts}; p = p + 1) {
        sum = sum + partial[(p * 2 + ${which}) * ${channels} + index];
      }
      result[index] = ${which === 0 ? "sum" : `sum * inverseSqrt(variance[index] + ${f32(epsilon)})`};
    }
  }
`,
  };
}

function dxProgram(shape: number[], channels: number, rows: number, epsilon: number, maxGroups: number): WebGpuProgram {
  const size = rows * channels;
  const groups = Math.ceil(size / 64);
  const gx = Math.min(groups, maxGroups);
  return {
    outputShape: shape,
    shaderKey: `atlasBatchNormGradDx_${channels}_${rows}_${epsilon}_${gx}`,
    dispatchLayout: { x: shape.map((_, i) => i) },
    dispatch: [gx, Math.ceil(groups / gx), 1],
    variableNames: ["x", "dy", "mean", "variance", "scale", "dbeta", "dgamma"],
    workgroupSize: [64, 1, 1],
    size: true,
    getUserCode: () => `
  fn main(index : i32) {
    if (index < uniforms.size) {
      let c = index % ${channels};
      let r = inverseSqrt(variance[c] + ${f32(epsilon)});
      let m = f32(${rows});
      result[index] = scale[c] * r * (dy[index] - dbeta[c] / m - (x[index] - mean[c]) * r * dgamma[c] / m);
    }
  }
`,
  };
}

/** Make the `kernelFunc` of `AtlasBatchNormGrad` for the WebGPU backend. */
export function makeWebGpuBatchNormGrad(): tf.KernelFunc {
  return (args) => {
    const backend = args.backend as unknown as WebGpuBackendLike;
    const { x, dy, mean, variance, scale } = args.inputs as Record<"x" | "dy" | "mean" | "variance" | "scale", TensorInfo>;
    const epsilon = (args.attrs as { varianceEpsilon?: unknown }).varianceEpsilon;
    const channels = x.shape[x.shape.length - 1] ?? 0;
    const size = x.shape.reduce((a, b) => a * b, 1);
    const problems: string[] = [];
    if (x.shape.length < 2 || channels < 1) problems.push(`x must have rank ≥ 2 and channels, got shape [${x.shape.join(", ")}]`);
    if (dy.shape.join(",") !== x.shape.join(",")) problems.push(`dy [${dy.shape.join(", ")}] must have x's shape [${x.shape.join(", ")}]`);
    for (const [name, t] of [["mean", mean], ["variance", variance], ["scale", scale]] as const) {
      if (t.shape.length !== 1 || t.shape[0] !== channels) problems.push(`${name} must have shape [${channels}], got [${t.shape.join(", ")}]`);
    }
    for (const [name, t] of Object.entries(args.inputs)) if (t?.dtype !== "float32") problems.push(`${name} must be float32, got ${t?.dtype}`);
    if (typeof epsilon !== "number" || !(epsilon > 0)) problems.push(`varianceEpsilon must be a positive number, got ${String(epsilon)}`);
    if (size >= 2 ** 31) problems.push(`x has ${size} elements; at most 2³¹ − 1 (int32 indices)`);
    if (problems.length > 0) throw new Error(`AtlasBatchNormGrad on 'webgpu': ${problems.join("; ")}`);
    const rows = size / channels;
    const plan = planBatchNormGrad(rows, channels);
    const eps = epsilon as number;
    const maxGroups = backend.device?.limits.maxComputeWorkgroupsPerDimension ?? 65535;
    const partial = backend.runWebGPUProgram(partialProgram(rows, channels, plan), [x, dy, mean], "float32");
    let dbeta: TensorInfo | undefined;
    let dgamma: TensorInfo | undefined;
    try {
      dbeta = backend.runWebGPUProgram(finalProgram(0, channels, plan.parts, eps), [partial], "float32");
      dgamma = backend.runWebGPUProgram(finalProgram(1, channels, plan.parts, eps), [partial, variance], "float32");
      const dx = backend.runWebGPUProgram(dxProgram([...x.shape], channels, rows, eps, maxGroups), [x, dy, mean, variance, scale, dbeta, dgamma], "float32");
      return [dx, dgamma, dbeta];
    } catch (err) {
      if (dbeta) backend.disposeData(dbeta.dataId);
      if (dgamma) backend.disposeData(dgamma.dataId);
      throw err;
    } finally {
      backend.disposeData(partial.dataId);
    }
  };
}
