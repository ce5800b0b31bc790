/**
 * `AtlasActivationGrad` for TensorFlow.js's WebGPU backend: an activation's gradient dx = dy·f′(x)
 * in one dispatch (activation.ts uses it as the gradient of ReLU, LeakyReLU and Swish layers).
 *
 * Why: tfjs differentiates an activation through the ops that compose it, each a pass over the
 * whole activation: ReLU dy·step(x) (Step, Cast, Multiply: 2 dispatches), LeakyReLU
 * where(x > 0, dy, dy·α) (Greater, Multiply, Select: 3), tfjs-layers' Swish x·σ(1·x) (Multiply
 * dy·x, Sub 1 − σ, Multiply σ·(1 − σ), Multiply, Multiply ·1, Multiply dy·σ, Add: 7). The AWAE-GAN
 * applies Swish after each of its ~60 batch-norm layers.
 *
 * The same float32 operations as tfjs's WebGPU kernels, in the same order:
 * - relu:      dy · s,  s = NaN if x is NaN, else (x > 0 ? 1 : 0)            (Step's NaN rule)
 * - leakyRelu: x > 0 ? dy : dy·α                                            (NaN x: dy·α, as Greater)
 * - swish:     dy·σ + (dy·x)·(σ·(1 − σ)),  σ = 1 / (1 + exp(−1·x))           (tfjs-webgpu's Sigmoid)
 * so ReLU and LeakyReLU are bit-identical to the stock chain; Swish differs only where the shader
 * compiler rounds the same expression differently (tolerance: activation-reference.ts).
 *
 * Inputs x and dy (same shape, float32); attributes `activation` ('relu', 'leakyRelu', 'swish') and
 * `alpha` (LeakyReLU's slope). Output dx (x's shape).
 */
import * as tf from "@tensorflow/tfjs";
import type { WebGpuBackendLike, WebGpuProgram } from "./gemm.js";

type TensorInfo = tf.TensorInfo;

const f32 = (v: number): string => `f32(${v.toExponential()})`;

/** The WGSL expression of dx for element i (x[i], dy[i] in scope as `a`, `g`). */
export function activationGradExpression(activation: string, alpha: number): string {
  switch (activation) {
    case "relu":
      return `let s = select(select(0.0, 1.0, a > 0.0), a, isnan(a));
      result[i] = g * s;`;
    case "leakyRelu":
      return `result[i] = select(g * ${f32(alpha)}, g, a > 0.0);`;
    case "swish":
      return `let s = 1.0 / (1.0 + exp(-1.0 * a));
      result[i] = g * s + (g * a) * (s * (1.0 - s));`;
    default:
      throw new Error(`AtlasActivationGrad on 'webgpu': activation must be 'relu', 'leakyRelu' or 'swish', got ${String(activation)}`);
  }
}

type Expression = (activation: string, alpha: number) => string;

function program(activation: string, alpha: number, size: number, maxGroups: number, expression: Expression, keyPrefix: string): WebGpuProgram {
  const groups = Math.max(1, Math.ceil(size / 64));
  const gx = Math.min(groups, maxGroups);
  const body = expression(activation, alpha);
  return {
    outputShape: [size],
    shaderKey: `${keyPrefix}_${activation}_${activation === "leakyRelu" ? alpha : ""}_${gx}`,
    dispatchLayout: { x: [0] },
    dispatch: [gx, Math.ceil(groups / gx), 1],
    variableNames: ["x", "dy"],
    workgroupSize: [64, 1, 1],
    size: true,
    getUserCode: () => `
  fn main(i : i32) {
    if (i < uniforms.size) {
      let a = x[i];
      let g = dy[i];
      ${body}
    }
  }
`,
  };
}

/**
 * Make the `kernelFunc` of `AtlasActivationGrad` for the WebGPU backend. `expression` and
 * `keyPrefix` replace the WGSL body and the pipeline cache key: tests build deliberately wrong
 * variants with them, to show that the comparison with the stock kernels catches such errors.
 */
export function makeWebGpuActivationGrad(expression: Expression = activationGradExpression, keyPrefix = "atlasActivationGrad"): tf.KernelFunc {
  return (args) => {
    const backend = args.backend as unknown as WebGpuBackendLike;
    const { x, dy } = args.inputs as Record<"x" | "dy", TensorInfo>;
    const { activation, alpha } = args.attrs as { activation?: unknown; alpha?: unknown };
    const problems: string[] = [];
    if (dy.shape.join(",") !== x.shape.join(",")) problems.push(`dy [${dy.shape.join(", ")}] must have x's shape [${x.shape.join(", ")}]`);
    for (const [n, t] of [["x", x], ["dy", dy]] as const) if (t.dtype !== "float32") problems.push(`${n} must be float32, got ${t.dtype}`);
    if (activation !== "relu" && activation !== "leakyRelu" && activation !== "swish") problems.push(`activation must be 'relu', 'leakyRelu' or 'swish', got ${String(activation)}`);
    if (activation === "leakyRelu" && (typeof alpha !== "number" || !Number.isFinite(alpha))) problems.push(`alpha must be a finite number, got ${String(alpha)}`);
    const size = x.shape.reduce((a, b) => a * b, 1);
    if (size >= 2 ** 31) problems.push(`x has ${size} elements; at most 2³¹ − 1 (int32 indices)`);
    if (problems.length > 0) throw new Error(`AtlasActivationGrad on 'webgpu': ${problems.join("; ")}`);
    const maxGroups = backend.device?.limits.maxComputeWorkgroupsPerDimension ?? 65535;
    const flat = (t: TensorInfo): TensorInfo => ({ ...t, shape: [size] });
    const out = backend.runWebGPUProgram(program(activation as string, (alpha as number) ?? 0, size, maxGroups, expression, keyPrefix), [flat(x), flat(dy)], "float32");
    return { dataId: out.dataId, shape: [...x.shape], dtype: "float32" };
  };
}

/**
 * Make the `kernelFunc` of `AtlasSwish` for the WebGPU backend: y = σ(x)·x in one dispatch, with
 * tfjs-webgpu's Sigmoid formula on x·1 (= x exactly) and the product in the order of tfjs-layers'
 * mul(sigmoid(mul(x, 1)), x): the stock forward's value bit for bit, where tfjs runs Multiply,
 * Sigmoid, Multiply. Input x (float32); output y (x's shape).
 */
export function makeWebGpuSwish(): tf.KernelFunc {
  return (args) => {
    const backend = args.backend as unknown as WebGpuBackendLike;
    const { x } = args.inputs as Record<"x", TensorInfo>;
    if (x.dtype !== "float32") throw new Error(`AtlasSwish on 'webgpu': x must be float32, got ${x.dtype}`);
    const size = x.shape.reduce((a, b) => a * b, 1);
    if (size >= 2 ** 31) throw new Error(`AtlasSwish on 'webgpu': x has ${size} elements; at most 2³¹ − 1 (int32 indices)`);
    const groups = Math.max(1, Math.ceil(size / 64));
    const gx = Math.min(groups, backend.device?.limits.maxComputeWorkgroupsPerDimension ?? 65535);
    const program: WebGpuProgram = {
      outputShape: [size],
      shaderKey: `atlasSwish_${gx}`,
      dispatchLayout: { x: [0] },
      dispatch: [gx, Math.ceil(groups / gx), 1],
      variableNames: ["x"],
      workgroupSize: [64, 1, 1],
      size: true,
      getUserCode: () => `
  fn main(i : i32) {
    if (i < uniforms.size) {
      let a = x[i];
      let s = 1.0 / (1.0 + exp(-1.0 * a));
      result[i] = s * a;
    }
  }
`,
    };
    const out = backend.runWebGPUProgram(program, [{ ...x, shape: [size] }], "float32");
    return { dataId: out.dataId, shape: [...x.shape], dtype: "float32" };
  };
}

