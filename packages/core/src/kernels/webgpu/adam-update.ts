/**
 * `AtlasAdamUpdate` for TensorFlow.js's WebGPU backend: one variable's Adam step in 3 dispatches.
 *
 * Why: tfjs's `AdamOptimizer.applyGradients` updates each variable with ~14 element-wise kernels
 * (m and v: 2 Multiply, Add, Square; bias corrections: 2 RealDiv; the step: Sqrt, Add, RealDiv,
 * Multiply, Add). An AWAE-GAN step updates ~150 variables (~2 100 kernels, a fifth of the step's;
 * apps/bench/src/scripts/kernel-counts.ts). Here, with the same float32 operations in the same order:
 *   m' = m·β1 + g·(1 − β1),   v' = v·β2 + g²·(1 − β2),
 *   value' = ((m' / (1 − β1ᵗ)) / (√(v' / (1 − β2ᵗ)) + ε))·(−lr) + value,
 * one program per output (m', v', then value' from m' and v').
 *
 * Inputs value, gradient, m, v (same shape) and the optimizer's accBeta1 = β1ᵗ, accBeta2 = β2ᵗ
 * (scalars, on the device: never read back); attributes beta1, beta2, epsilon, learningRate.
 * Outputs [value', m', v'].
 */
import * as tf from "@tensorflow/tfjs";
import type { WebGpuBackendLike, WebGpuProgram } from "./gemm.js";

type TensorInfo = tf.TensorInfo;

const f32 = (v: number): string => `f32(${v.toExponential()})`;

function elementwise(name: string, size: number, maxGroups: number, variableNames: string[], body: string, key: string): WebGpuProgram {
  const groups = Math.max(1, Math.ceil(size / 64));
  const gx = Math.min(groups, maxGroups);
  return {
    outputShape: [size],
    shaderKey: `atlasAdam${name}_${key}_${gx}`,
    dispatchLayout: { x: [0] },
    dispatch: [gx, Math.ceil(groups / gx), 1],
    variableNames,
    workgroupSize: [64, 1, 1],
    size: true,
    getUserCode: () => `
  fn main(i : i32) {
    if (i < uniforms.size) {
      ${body}
    }
  }
`,
  };
}

/** Make the `kernelFunc` of `AtlasAdamUpdate` for the WebGPU backend. */
export function makeWebGpuAdamUpdate(): tf.KernelFunc {
  return (args) => {
    const backend = args.backend as unknown as WebGpuBackendLike;
    const { value, gradient, m, v, accBeta1, accBeta2 } = args.inputs as Record<"value" | "gradient" | "m" | "v" | "accBeta1" | "accBeta2", TensorInfo>;
    const { beta1, beta2, epsilon, learningRate } = args.attrs as Record<"beta1" | "beta2" | "epsilon" | "learningRate", number>;
    const shape = value.shape.join(",");
    const problems: string[] = [];
    for (const [n, t] of [["gradient", gradient], ["m", m], ["v", v]] as const) if (t.shape.join(",") !== shape) problems.push(`${n} [${t.shape.join(", ")}] must have value's shape [${shape}]`);
    for (const [n, t] of [["accBeta1", accBeta1], ["accBeta2", accBeta2]] as const) if (t.shape.reduce((a, b) => a * b, 1) !== 1) problems.push(`${n} must be a scalar`);
    for (const [n, t] of Object.entries(args.inputs)) if (t?.dtype !== "float32") problems.push(`${n} must be float32`);
    for (const [n, x] of Object.entries({ beta1, beta2, epsilon, learningRate })) if (typeof x !== "number" || !Number.isFinite(x)) problems.push(`${n} must be a finite number`);
    if (problems.length > 0) throw new Error(`AtlasAdamUpdate on 'webgpu': ${problems.join("; ")}`);
    const size = value.shape.reduce((a, b) => a * b, 1);
    const maxGroups = backend.device?.limits.maxComputeWorkgroupsPerDimension ?? 65535;
    const flat = (t: TensorInfo): TensorInfo => ({ ...t, shape: [size] });
    const key = `${size}_${beta1}_${beta2}_${epsilon}_${learningRate}`;
    const newM = backend.runWebGPUProgram(elementwise("M", size, maxGroups, ["m", "g"], `result[i] = m[i] * ${f32(beta1)} + g[i] * ${f32(1 - beta1)};`, key), [flat(m), flat(gradient)], "float32");
    const newV = backend.runWebGPUProgram(elementwise("V", size, maxGroups, ["v", "g"], `result[i] = v[i] * ${f32(beta2)} + (g[i] * g[i]) * ${f32(1 - beta2)};`, key), [flat(v), flat(gradient)], "float32");
    const newValue = backend.runWebGPUProgram(
      elementwise(
        "Value",
        size,
        maxGroups,
        ["value", "mNew", "vNew", "acc1", "acc2"],
        `let om1 = 1.0 - acc1[0];
      let om2 = 1.0 - acc2[0];
      result[i] = ((mNew[i] / om1) / (sqrt(vNew[i] / om2) + ${f32(epsilon)})) * ${f32(-learningRate)} + value[i];`,
        key,
      ),
      [flat(value), newM, newV, flat(accBeta1), flat(accBeta2)],
      "float32",
    );
    const shaped = (t: TensorInfo): TensorInfo => ({ dataId: t.dataId, shape: [...value.shape], dtype: "float32" });
    return [shaped(newValue), shaped(newM), shaped(newV)];
  };
}
