/**
 * Browser side of adam-update.test.ts: core's `adam()` on the `webgpu` backend (SwiftShader where
 * there is no GPU), through Atlas's `AtlasAdamUpdate` and through tfjs's stock update (the kernel
 * unregistered), on the same variables and gradients.
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-webgpu";
import { expose, loaded, takeGpuErrors, watchGpuErrors, webgpuAdapterInfo } from "@atlas/browser-test/page";
import { adam, fusedAdamActive } from "../../adam.js";
import { Rng } from "../../rng.js";
import { atlasKernelNames, registerAtlasKernels, restoreStockKernels } from "../registry.js";

const ready = tf.setBackend("webgpu").then(async (ok) => {
  await tf.ready();
  if (ok) watchGpuErrors((tf.backend() as unknown as { device: Parameters<typeof watchGpuErrors>[0] }).device);
  return ok;
});

/** One case: variable shapes, steps, learning rate, betas. */
export interface AdamCase {
  name: string;
  shapes: number[][];
  steps: number;
  learningRate: number;
  beta1: number;
  beta2: number;
}

interface Run {
  values: number[][];
  slots: number[][];
  kernels: string[];
}

/** `steps` Adam steps on fresh variables with the given gradients; values, optimizer slots (m, v) and the last step's kernels. */
async function run(c: AdamCase, init: Float32Array[], grads: Float32Array[][]): Promise<Run> {
  const vars = c.shapes.map((s, i) => tf.variable(tf.tensor(init[i]!, s), true, `adam_case_${i}_${Math.random().toString(36).slice(2)}`));
  const optimizer = adam(c.learningRate, c.beta1, c.beta2);
  let kernels: string[] = [];
  try {
    for (let t = 0; t < c.steps; t++) {
      const g = grads[t]!.map((v, i) => tf.tensor(v, c.shapes[i]!));
      const map = vars.map((v, i) => ({ name: v.name, tensor: g[i]! }));
      if (t === c.steps - 1) {
        const info = await tf.profile(() => optimizer.applyGradients(map));
        kernels = info.kernels.map((k) => k.name).filter((n) => !n.endsWith("__op"));
      } else optimizer.applyGradients(map);
      tf.dispose(g);
    }
    const values = await Promise.all(vars.map(async (v) => Array.from(await v.data())));
    const weights = await optimizer.getWeights();
    const slots = await Promise.all(weights.slice(1).map(async (w) => Array.from(await w.tensor.data())));
    return { values, slots, kernels };
  } finally {
    optimizer.dispose();
    tf.dispose(vars);
  }
}

/** The case with Atlas's update and with the stock one: |Atlas − stock| per element, scaled. */
async function adamCase(c: AdamCase, seed: number): Promise<Record<string, number | string | boolean | number[]>> {
  await ready;
  const rng = new Rng(seed);
  const init = c.shapes.map((s) => rng.normalArray(s.reduce((a, b) => a * b, 1)));
  // gradients of mixed sizes, some exactly 0 (v stays 0: the ε path)
  const grads = Array.from({ length: c.steps }, () => c.shapes.map((s) => rng.normalArray(s.reduce((a, b) => a * b, 1)).map((g, j) => (j % 7 === 3 ? 0 : g * 10 ** (j % 3 - 1)))));
  const out: Record<string, number | string | boolean | number[]> = {};
  const runs: Record<string, Run> = {};
  try {
    for (const variant of ["stock", "atlas"] as const) {
      if (variant === "stock") restoreStockKernels("webgpu");
      else registerAtlasKernels("webgpu");
      out[`${variant}Fused`] = fusedAdamActive();
      runs[variant] = await run(c, init, grads);
      out[`${variant}Kernels`] = runs[variant]!.kernels.length;
      out[`${variant}Updates`] = runs[variant]!.kernels.filter((k) => k === "AtlasAdamUpdate").length;
    }
  } finally {
    registerAtlasKernels("webgpu");
  }
  const u = 2 ** -24;
  const t = c.steps;
  const gMax = Math.max(...grads.flat().flatMap((g) => Array.from(g, Math.abs)));
  // values: each step's update is lr·m̂/(√v̂ + ε), |m̂/√v̂| ≤ (1 − β1)/√(1 − β2) ≤ 4 for these betas,
  // rounded in ~10 operations either way: |Δ| ≤ 16·t·u·(|value| + 4·lr)
  let valueErr = 0;
  let slotErr = 0;
  const a = runs.atlas!;
  const s = runs.stock!;
  for (let i = 0; i < s.values.length; i++)
    for (let j = 0; j < s.values[i]!.length; j++) {
      const ref = s.values[i]![j]!;
      valueErr = Math.max(valueErr, Math.abs(a.values[i]![j]! - ref) / (16 * t * u * (Math.abs(ref) + 4 * c.learningRate)));
    }
  // m and v: a few roundings a step of terms ≤ max|g| (m) and max g² (v): |Δ| ≤ 4·t·u·(|s| + scale)
  for (let k = 0; k < s.slots.length; k++) {
    const scale = k < s.slots.length / 2 ? gMax : gMax * gMax;
    for (let j = 0; j < s.slots[k]!.length; j++) {
      const ref = s.slots[k]![j]!;
      slotErr = Math.max(slotErr, Math.abs(a.slots[k]![j]! - ref) / (4 * t * u * (Math.abs(ref) + scale)));
    }
  }
  out.valueError = valueErr;
  out.slotError = slotErr;
  out.slotCount = s.slots.length;
  out.moved = s.values.flat().some((v, i) => v !== init.flatMap((x) => Array.from(x))[i]);
  out.gpuErrors = takeGpuErrors().join("; ");
  return out;
}

/** Tensors alive after a few fused Adam steps (after a warm-up step, which creates the slots). */
async function leakCheck(): Promise<{ before: number; after: number; gpuErrors: string[] }> {
  await ready;
  registerAtlasKernels("webgpu");
  const w = tf.variable(tf.randomNormal([3, 5]));
  const optimizer = adam(1e-2);
  const step = (): void => {
    const g = tf.randomNormal([3, 5]);
    optimizer.applyGradients([{ name: w.name, tensor: g }]);
    g.dispose();
  };
  try {
    step();
    await w.data();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    await w.data();
    return { before, after: tf.memory().numTensors, gpuErrors: takeGpuErrors() };
  } finally {
    optimizer.dispose();
    w.dispose();
  }
}

expose("setup", async () => ({ ok: await ready, backend: tf.getBackend(), adapter: await webgpuAdapterInfo(), kernels: atlasKernelNames("webgpu"), registered: registerAtlasKernels("webgpu").length >= 0 && fusedAdamActive() }));
expose("adamCase", adamCase);
expose("leakCheck", leakCheck);
loaded();
