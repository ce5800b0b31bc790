/**
 * `AtlasMovingAverage` for TensorFlow.js's WebGPU backend: a batch-norm layer's moving statistic
 * update, moving' = moving − (moving − batch)·(1 − momentum), in one dispatch.
 *
 * Why: tfjs-layers (and core's layer, batch-norm.ts) update each moving statistic with Sub,
 * Multiply, Sub: 6 dispatches per batch-norm layer and training call on [C]-sized vectors, ~370 of
 * the ~1 800 dispatches left in an AWAE-GAN step once the gradients are fused
 * (apps/bench/src/scripts/kernel-counts.ts). Tiny work, but each dispatch costs the same on a GPU.
 * The same float32 operations in the same order (1 − momentum rounded to float32 once, as tfjs's
 * scalar), so the result is the stock chain's bit for bit.
 *
 * Inputs moving, value (same shape, float32); attribute momentum. Output moving' (moving's shape).
 */
import * as tf from "@tensorflow/tfjs";
import type { WebGpuBackendLike, WebGpuProgram } from "./gemm.js";

type TensorInfo = tf.TensorInfo;

const f32 = (v: number): string => `f32(${v.toExponential()})`;

function program(size: number, keep: number, maxGroups: number): WebGpuProgram {
  const groups = Math.max(1, Math.ceil(size / 64));
  const gx = Math.min(groups, maxGroups);
  return {
    outputShape: [size],
    shaderKey: `atlasMovingAverage_${keep}_${gx}`,
    dispatchLayout: { x: [0] },
    dispatch: [gx, Math.ceil(groups / gx), 1],
    variableNames: ["moving", "value"],
    workgroupSize: [64, 1, 1],
    size: true,
    getUserCode: () => `
  fn main(i : i32) {
    if (i < uniforms.size) {
      let m = moving[i];
      result[i] = m - (m - value[i]) * ${f32(keep)};
    }
  }
`,
  };
}

/** Make the `kernelFunc` of `AtlasMovingAverage` for the WebGPU backend. */
export function makeWebGpuMovingAverage(): tf.KernelFunc {
  return (args) => {
    const backend = args.backend as unknown as WebGpuBackendLike;
    const { moving, value } = args.inputs as Record<"moving" | "value", TensorInfo>;
    const { momentum } = args.attrs as { momentum?: unknown };
    const problems: string[] = [];
    if (value.shape.join(",") !== moving.shape.join(",")) problems.push(`value [${value.shape.join(", ")}] must have moving's shape [${moving.shape.join(", ")}]`);
    for (const [n, t] of [["moving", moving], ["value", value]] as const) if (t.dtype !== "float32") problems.push(`${n} must be float32, got ${t.dtype}`);
    if (typeof momentum !== "number" || !Number.isFinite(momentum)) problems.push(`momentum must be a finite number, got ${String(momentum)}`);
    if (problems.length > 0) throw new Error(`AtlasMovingAverage on 'webgpu': ${problems.join("; ")}`);
    const size = moving.shape.reduce((a, b) => a * b, 1);
    const maxGroups = backend.device?.limits.maxComputeWorkgroupsPerDimension ?? 65535;
    const flat = (t: TensorInfo): TensorInfo => ({ ...t, shape: [size] });
    const out = backend.runWebGPUProgram(program(size, 1 - (momentum as number), maxGroups), [flat(moving), flat(value)], "float32");
    return { dataId: out.dataId, shape: [...moving.shape], dtype: "float32" };
  };
}
