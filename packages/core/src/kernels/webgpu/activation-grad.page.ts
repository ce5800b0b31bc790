/**
 * Browser side of activation-grad.test.ts: runs in headless Chromium on the `webgpu` backend
 * (SwiftShader where there is no GPU) and compares the gradients of core's `activate()` (ReLU,
 * LeakyReLU, Swish) through Atlas's `AtlasActivationGrad` with tfjs's stock chain (the same op with
 * the kernel unregistered) and with float64 (activation-reference.ts).
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-webgpu";
import { expose, loaded, takeGpuErrors, watchGpuErrors, webgpuAdapterInfo } from "@atlas/browser-test/page";
import { ACTIVATION_GRAD_KERNEL, type FusedActivation, activate, activation, fusedActivationGradActive, leakyReLU } from "../../activation.js";
import { Rng } from "../../rng.js";
import { atlasKernelNames, registerAtlasKernels, restoreStockKernels } from "../registry.js";
import { activationGradExpression, makeWebGpuActivationGrad } from "./activation-grad.js";
import { activationGradBound, activationGradReference, boundedError } from "./activation-reference.js";

const ready = tf.setBackend("webgpu").then(async (ok) => {
  await tf.ready();
  if (ok) watchGpuErrors((tf.backend() as unknown as { device: Parameters<typeof watchGpuErrors>[0] }).device);
  return ok;
});

/** One case: an activation, a shape, LeakyReLU's α, the spread of x, and whether to plant special values. */
export interface ActivationCase {
  name: string;
  activation: FusedActivation;
  shape: number[];
  alpha: number;
  spread: number;
  /** Exact zeros, −0 and (relu, leakyRelu) NaN in x; zeros in dy. */
  specials: boolean;
}

/** A wrong kernel body (a flipped comparison, a sign error), for the mutation checks. */
export type Mutation = "flip-comparison" | "sign";

function makeData(c: ActivationCase, seed: number): { x: Float32Array; dy: Float32Array } {
  const rng = new Rng(seed);
  const size = c.shape.reduce((a, b) => a * b, 1);
  const x = rng.normalArray(size, 0, c.spread);
  const dy = rng.normalArray(size);
  if (c.specials) {
    for (let i = 0; i < size; i += 7) x[i] = i % 2 === 0 ? 0 : -0;
    if (c.activation !== "swish") for (let i = 3; i < size; i += 29) x[i] = Number.NaN;
    for (let i = 5; i < size; i += 11) dy[i] = 0;
  }
  return { x, dy };
}

/** dx of Σ dy·activate(x), read back, with the kernels tf.profile saw. */
async function gradient(c: ActivationCase, d: { x: Float32Array; dy: Float32Array }): Promise<{ dx: Float32Array; kernels: string[] }> {
  const x = tf.tensor(d.x, c.shape);
  const dy = tf.tensor(d.dy, c.shape);
  let dx: tf.Tensor | undefined;
  try {
    const info = await tf.profile(() => {
      dx = tf.grad((v: tf.Tensor) => activate(v, c.activation, c.alpha))(x, dy);
      return dx;
    });
    return { dx: (await dx!.data()) as Float32Array, kernels: info.kernels.map((k) => k.name).filter((n) => !n.endsWith("__op")) };
  } finally {
    tf.dispose([x, dy, dx!]);
  }
}

/** Elements where a and b differ as bit patterns (NaN = NaN, 0 ≠ −0). */
function bitDifferences(a: Float32Array, b: Float32Array): number {
  const ia = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ib = new Uint32Array(b.buffer, b.byteOffset, b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (ia[i] !== ib[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) n++;
  return n;
}

/** One case, stock and Atlas: errors against float64 (in units of the bound), bit differences between them, kernels. */
async function gradCase(c: ActivationCase, seed: number, mutation?: Mutation): Promise<Record<string, number | string | boolean | string[]>> {
  await ready;
  const d = makeData(c, seed);
  const ref = activationGradReference(c.activation, c.alpha, d.x, d.dy);
  const bound = activationGradBound(c.activation, d.x, d.dy, ref);
  const out: Record<string, number | string | boolean | string[]> = {};
  const dx: Record<string, Float32Array> = {};
  try {
    for (const variant of ["stock", "atlas"] as const) {
      if (variant === "stock") restoreStockKernels("webgpu");
      else registerAtlasKernels("webgpu");
      if (variant === "atlas" && mutation !== undefined) {
        // replace Atlas's kernel (no stock one exists) by a wrong variant for this run only
        restoreStockKernels("webgpu", { kernels: [ACTIVATION_GRAD_KERNEL] });
        tf.registerKernel({ kernelName: ACTIVATION_GRAD_KERNEL, backendName: "webgpu", kernelFunc: makeWebGpuActivationGrad(mutant(mutation), `atlasActivationGradMutant_${mutation}`) });
      }
      out[`${variant}Fused`] = fusedActivationGradActive();
      try {
        const r = await gradient(c, d);
        dx[variant] = r.dx;
        out[`${variant}Kernels`] = r.kernels;
        out[`${variant}Error`] = boundedError(r.dx, ref, bound);
      } finally {
        if (variant === "atlas" && mutation !== undefined) tf.unregisterKernel(ACTIVATION_GRAD_KERNEL, "webgpu");
      }
    }
  } finally {
    registerAtlasKernels("webgpu");
  }
  out.bitDifferences = bitDifferences(dx.atlas!, dx.stock!);
  out.between = boundedError(dx.atlas!, dx.stock!, bound);
  out.size = ref.length;
  out.gpuErrors = takeGpuErrors().join("; ");
  return out;
}

function mutant(mutation: Mutation): (activation: string, alpha: number) => string {
  return (a, alpha) => {
    const body = activationGradExpression(a, alpha);
    if (mutation === "flip-comparison") return body.replaceAll("a > 0.0", "a < 0.0");
    return body.replace("(1.0 - s)", "(1.0 + s)").replace("g * s;", "-g * s;").replace("select(g * ", "select(-g * ");
  };
}

/**
 * core's activation layers (relu, swish, LeakyReLU) in a small model, stock vs Atlas on the same
 * weights: outputs (the same forward kernels: equal bit for bit) and weight gradients (bounded).
 */
async function layerCase(seed: number): Promise<Record<string, number | string | boolean>> {
  await ready;
  const rng = new Rng(seed);
  const x = tf.tensor2d(rng.normalArray(6 * 5, 0, 2), [6, 5]);
  const out: Record<string, number | string | boolean> = {};
  const results: Record<string, { y: Float32Array; grads: Float32Array[] }> = {};
  try {
    for (const variant of ["stock", "atlas"] as const) {
      if (variant === "stock") restoreStockKernels("webgpu");
      else registerAtlasKernels("webgpu");
      const model = tf.sequential();
      model.add(tf.layers.dense({ units: 7, inputShape: [5], kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }));
      model.add(activation({ activation: "swish" }));
      model.add(tf.layers.dense({ units: 7, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }));
      model.add(leakyReLU({ alpha: 0.3 }));
      model.add(tf.layers.dense({ units: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }));
      model.add(activation({ activation: "relu" }));
      try {
        const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
        const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(model.apply(x) as tf.Tensor)), vars);
        const y = model.predict(x) as tf.Tensor;
        results[variant] = { y: (await y.data()) as Float32Array, grads: (await Promise.all(vars.map((v) => grads[v.name]!.data()))) as Float32Array[] };
        tf.dispose([value, y, ...Object.values(grads)]);
        out[`${variant}Classes`] = model.layers.map((l) => l.getClassName()).join(",");
      } finally {
        model.dispose();
      }
    }
  } finally {
    registerAtlasKernels("webgpu");
    x.dispose();
  }
  out.outputBitDifferences = bitDifferences(results.atlas!.y, results.stock!.y);
  // weight gradients: sums of a few products of the activation gradients; relative to their size
  let worst = 0;
  let largest = 0;
  results.stock!.grads.forEach((g, k) => g.forEach((v, i) => {
    largest = Math.max(largest, Math.abs(v));
    worst = Math.max(worst, Math.abs(results.atlas!.grads[k]![i]! - v));
  }));
  out.gradDifference = worst;
  out.gradLargest = largest;
  out.gpuErrors = takeGpuErrors().join("; ");
  return out;
}

/** Tensors alive after a few Atlas-path gradients and layer steps (after a warm-up). */
async function leakCheck(): Promise<{ before: number; after: number; gpuErrors: string[] }> {
  await ready;
  registerAtlasKernels("webgpu");
  const c: ActivationCase = { name: "leak", activation: "swish", shape: [3, 5], alpha: 0.2, spread: 2, specials: false };
  const layer = leakyReLU({ alpha: 0.1 });
  const run = async (): Promise<void> => {
    for (const a of ["relu", "leakyRelu", "swish"] as const) await gradient({ ...c, activation: a }, makeData(c, 2));
    const x = tf.randomNormal([4, 3]);
    const g = tf.grad((v: tf.Tensor) => layer.apply(v) as tf.Tensor)(x);
    await g.data();
    tf.dispose([x, g]);
  };
  await run();
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) await run();
  return { before, after: tf.memory().numTensors, gpuErrors: takeGpuErrors() };
}

expose("setup", async () => ({ ok: await ready, backend: tf.getBackend(), adapter: await webgpuAdapterInfo(), kernels: atlasKernelNames("webgpu"), registered: registerAtlasKernels("webgpu").length >= 0 && fusedActivationGradActive() }));
expose("gradCase", gradCase);
expose("layerCase", layerCase);
expose("leakCheck", leakCheck);
loaded();
