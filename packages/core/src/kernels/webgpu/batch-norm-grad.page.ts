/**
 * Browser side of batch-norm-grad.test.ts: runs in headless Chromium on the `webgpu` backend
 * (SwiftShader where there is no GPU) and compares training-mode batch normalisation's gradients
 * through Atlas's `AtlasBatchNormGrad` with tfjs's stock path (the same op with the kernel
 * unregistered: moments + FusedBatchNorm, differentiated by tfjs) and with float64.
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-webgpu";
import { expose, loaded, takeGpuErrors, watchGpuErrors, webgpuAdapterInfo } from "@atlas/browser-test/page";
import { batchNormTraining, batchNormalization, fusedBatchNormGradActive } from "../../batch-norm.js";
import { Rng } from "../../rng.js";
import { atlasKernelNames, registerAtlasKernels, restoreStockKernels } from "../registry.js";
import { batchNormReference } from "./batch-norm-reference.js";

const ready = tf.setBackend("webgpu").then(async (ok) => {
  await tf.ready();
  if (ok) watchGpuErrors((tf.backend() as unknown as { device: Parameters<typeof watchGpuErrors>[0] }).device);
  return ok;
});

/** One shape: x (channels last), a per-channel offset of the data (tests the mean's handling), ε. */
export interface BatchNormCase {
  name: string;
  shape: number[];
  offset: number;
  epsilon: number;
}

interface Data {
  x: Float32Array;
  dy: Float32Array;
  gamma: Float32Array;
  beta: Float32Array;
  channels: number;
}

function makeData(c: BatchNormCase, seed: number): Data {
  const rng = new Rng(seed);
  const channels = c.shape[c.shape.length - 1]!;
  const size = c.shape.reduce((a, b) => a * b, 1);
  const x = rng.normalArray(size);
  // channel k's data centred at offset·(k mod 3 − 1) with spread 1 + (k mod 4)/2
  for (let i = 0; i < size; i++) x[i] = (x[i] as number) * (1 + ((i % channels) % 4) / 2) + c.offset * (((i % channels) % 3) - 1);
  return { x, dy: rng.normalArray(size), gamma: rng.normalArray(channels, 1, 0.5), beta: rng.normalArray(channels), channels };
}

/** max |got − ref| / scale (∞ where the scale is 0 and the values differ). */
function scaledError(got: ArrayLike<number>, ref: ArrayLike<number>, scale: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs((got[i] as number) - (ref[i] as number));
    const s = scale[i] as number;
    const e = s > 0 ? d / s : d === 0 ? 0 : Number.POSITIVE_INFINITY;
    if (!(e <= worst)) worst = e;
  }
  return worst;
}

const yOf = (epsilon: number) => (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor => {
  const r = batchNormTraining(x, gamma as tf.Tensor1D, beta as tf.Tensor1D, epsilon);
  r.mean.dispose();
  r.variance.dispose();
  return r.y;
};

/** Gradients of Σ dy·y with respect to x, γ, β, read back. */
async function gradients(c: BatchNormCase, d: Data): Promise<Float32Array[]> {
  const t = [tf.tensor(d.x, c.shape), tf.tensor1d(d.gamma), tf.tensor1d(d.beta), tf.tensor(d.dy, c.shape)] as const;
  let grads: tf.Tensor[] = [];
  try {
    grads = tf.grads(yOf(c.epsilon))([t[0], t[1], t[2]], t[3]);
    return (await Promise.all(grads.map((g) => g.data()))) as Float32Array[];
  } finally {
    tf.dispose([...t, ...grads]);
  }
}

/** One case: errors of the stock and the Atlas path against float64, scaled (batch-norm-reference.ts). */
async function bnCase(c: BatchNormCase, seed: number): Promise<Record<string, number | string | boolean>> {
  await ready;
  const d = makeData(c, seed);
  const ref = batchNormReference(d.x, d.dy, d.gamma, c.epsilon, d.channels);
  const result: Record<string, number | string | boolean> = { rows: ref.rows };
  try {
    for (const variant of ["stock", "atlas"] as const) {
      if (variant === "stock") restoreStockKernels("webgpu");
      else registerAtlasKernels("webgpu");
      result[`${variant}Fused`] = fusedBatchNormGradActive();
      const [dx, dgamma, dbeta] = await gradients(c, d);
      result[`${variant}Dx`] = scaledError(dx!, ref.dx, ref.dxScale);
      result[`${variant}Dgamma`] = scaledError(dgamma!, ref.dgamma, ref.dgammaScale);
      result[`${variant}Dbeta`] = scaledError(dbeta!, ref.dbeta, ref.dbetaScale);
    }
    result.gpuErrors = takeGpuErrors().join("; ");
    return result;
  } finally {
    registerAtlasKernels("webgpu");
  }
}

/** The kernels tf.profile sees in one gradient computation (forward + backward), stock and Atlas. */
async function kernelsRun(c: BatchNormCase): Promise<{ stock: string[]; atlas: string[] }> {
  await ready;
  const d = makeData(c, 1);
  const out: { stock: string[]; atlas: string[] } = { stock: [], atlas: [] };
  const t = [tf.tensor(d.x, c.shape), tf.tensor1d(d.gamma), tf.tensor1d(d.beta), tf.tensor(d.dy, c.shape)] as const;
  try {
    for (const variant of ["stock", "atlas"] as const) {
      if (variant === "stock") restoreStockKernels("webgpu");
      else registerAtlasKernels("webgpu");
      let grads: tf.Tensor[] = [];
      const info = await tf.profile(() => {
        grads = tf.grads(yOf(c.epsilon))([t[0], t[1], t[2]], t[3]);
        return grads;
      });
      await Promise.all(grads.map((g) => g.data()));
      tf.dispose(grads);
      out[variant] = info.kernels.map((k) => k.name).filter((n) => !n.endsWith("__op"));
    }
    return out;
  } finally {
    registerAtlasKernels("webgpu");
    tf.dispose([...t]);
  }
}

/**
 * core's `batchNormalization` layer in training, stock vs Atlas path, on the same data: gradients
 * (x, γ, β) as scaled errors against float64, and the moving mean/variance after one call.
 */
async function layerCase(c: BatchNormCase, seed: number): Promise<Record<string, number | boolean | string | number[] | string[]>> {
  await ready;
  const d = makeData(c, seed);
  const ref = batchNormReference(d.x, d.dy, d.gamma, c.epsilon, d.channels);
  const result: Record<string, number | boolean | string | number[] | string[]> = { rows: ref.rows };
  const x = tf.tensor(d.x, c.shape);
  const dy = tf.tensor(d.dy, c.shape);
  try {
    for (const variant of ["stock", "atlas"] as const) {
      if (variant === "stock") restoreStockKernels("webgpu");
      else registerAtlasKernels("webgpu");
      const layer = batchNormalization({ momentum: 0.9, epsilon: c.epsilon });
      layer.build(c.shape);
      const init = [tf.tensor1d(d.gamma), tf.tensor1d(d.beta), tf.zeros([d.channels]), tf.ones([d.channels])];
      layer.setWeights(init);
      tf.dispose(init);
      const [gammaVar, betaVar] = layer.trainableWeights;
      try {
        const loss = (xx: tf.Tensor): tf.Scalar => tf.sum(tf.mul(layer.apply(xx, { training: true }) as tf.Tensor, dy));
        const { value, grads } = tf.variableGrads(() => loss(x), [gammaVar!.read() as tf.Variable, betaVar!.read() as tf.Variable]);
        const gx = tf.grad(loss)(x);
        const gammaName = (gammaVar!.read() as tf.Variable).name;
        const betaName = (betaVar!.read() as tf.Variable).name;
        const [dxv, dg, db] = (await Promise.all([gx.data(), grads[gammaName]!.data(), grads[betaName]!.data()])) as Float32Array[];
        tf.dispose([value, gx, ...Object.values(grads)]);
        result[`${variant}Dx`] = scaledError(dxv!, ref.dx, ref.dxScale);
        result[`${variant}Dgamma`] = scaledError(dg!, ref.dgamma, ref.dgammaScale);
        result[`${variant}Dbeta`] = scaledError(db!, ref.dbeta, ref.dbetaScale);
        // two training calls ran (variableGrads, grad): the moving statistics moved twice
        const weights = layer.getWeights();
        result[`${variant}Moving`] = Array.from(await weights[2]!.data()).concat(Array.from(await weights[3]!.data()));
        result[`${variant}ClassName`] = layer.getClassName();
        // the kernels of one more training call (forward and the moving averages' update)
        const info = await tf.profile(() => layer.apply(x, { training: true }) as tf.Tensor);
        tf.dispose(info.result as tf.Tensor);
        result[`${variant}ApplyKernels`] = info.kernels.map((k) => k.name).filter((n) => !n.endsWith("__op"));
      } finally {
        for (const w of layer.weights) w.dispose();
      }
    }
    result.gpuErrors = takeGpuErrors().join("; ");
    return result;
  } finally {
    registerAtlasKernels("webgpu");
    tf.dispose([x, dy]);
  }
}

/** Tensors alive after a few Atlas-path gradient computations and layer steps (after a warm-up). */
async function leakCheck(): Promise<{ before: number; after: number; gpuErrors: string[] }> {
  await ready;
  registerAtlasKernels("webgpu");
  const c: BatchNormCase = { name: "leak", shape: [2, 3, 3, 5], offset: 1, epsilon: 1e-3 };
  const layer = batchNormalization({});
  layer.build(c.shape);
  const run = async (): Promise<void> => {
    await gradients(c, makeData(c, 2));
    const x = tf.randomNormal(c.shape);
    const { value, grads } = tf.variableGrads(() => tf.sum(layer.apply(x, { training: true }) as tf.Tensor));
    await value.data();
    tf.dispose([x, value, ...Object.values(grads)]);
  };
  try {
    await run();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await run();
    return { before, after: tf.memory().numTensors, gpuErrors: takeGpuErrors() };
  } finally {
    for (const w of layer.weights) w.dispose();
  }
}

/** Milliseconds per gradient computation (forward + backward + read) of one case, stock and Atlas. */
async function gradTimes(c: BatchNormCase, reps: number): Promise<Record<string, number>> {
  await ready;
  const d = makeData(c, 3);
  const out: Record<string, number> = {};
  try {
    for (const variant of ["stock", "atlas"] as const) {
      if (variant === "stock") restoreStockKernels("webgpu");
      else registerAtlasKernels("webgpu");
      await gradients(c, d);
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) await gradients(c, d);
      out[variant] = (performance.now() - t0) / reps;
    }
    return out;
  } finally {
    registerAtlasKernels("webgpu");
  }
}

expose("setup", async () => ({ ok: await ready, backend: tf.getBackend(), adapter: await webgpuAdapterInfo(), kernels: atlasKernelNames("webgpu"), registered: registerAtlasKernels("webgpu").length >= 0 && fusedBatchNormGradActive() }));
expose("bnCase", bnCase);
expose("kernelsRun", kernelsRun);
expose("layerCase", layerCase);
expose("leakCheck", leakCheck);
expose("gradTimes", gradTimes);
loaded();
