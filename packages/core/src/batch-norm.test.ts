/**
 * batchNormTraining and core's batchNormalization layer in Node on the cpu backend. Without an
 * `AtlasBatchNormGrad` kernel for the backend (wasm, cpu) they are tfjs's own path, bit for bit.
 * With one (here a float64 loop kernel registered on cpu by this test, standing in for the WebGPU
 * kernel, which is tested in Chromium: kernels/webgpu/batch-norm-grad.test.ts) the gradient goes
 * through it: the wiring (which gradient is which, moving averages, serialisation) is checked
 * against the stock layer.
 */
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BATCH_NORM_GRAD_KERNEL, batchNormTraining, batchNormalization, fusedBatchNormGradActive } from "./batch-norm.js";
import { InvalidArgumentError } from "./errors.js";
import { Rng } from "./rng.js";
import { batchNormReference } from "./kernels/webgpu/batch-norm-reference.js";

interface CpuLike {
  readSync(id: tf.DataId): Float32Array;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

/** The closed-form gradient as a cpu kernel (float64 loops of batch-norm-reference.ts). */
const loopKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as CpuLike;
  const { x, dy, scale } = inputs as Record<string, tf.TensorInfo>;
  const channels = x!.shape[x!.shape.length - 1]!;
  const ref = batchNormReference(b.readSync(x!.dataId), b.readSync(dy!.dataId), b.readSync(scale!.dataId), (attrs as { varianceEpsilon: number }).varianceEpsilon, channels);
  return [b.makeTensorInfo([...x!.shape], "float32", Float32Array.from(ref.dx)), b.makeTensorInfo([channels], "float32", Float32Array.from(ref.dgamma)), b.makeTensorInfo([channels], "float32", Float32Array.from(ref.dbeta))];
};

function data(shape: number[], seed: number): { x: tf.Tensor; dy: tf.Tensor; gamma: tf.Tensor1D; beta: tf.Tensor1D } {
  const rng = new Rng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  const c = shape[shape.length - 1]!;
  return { x: tf.tensor(rng.normalArray(size, 2, 1.5), shape), dy: tf.tensor(rng.normalArray(size), shape), gamma: tf.tensor1d(rng.normalArray(c, 1, 0.5)), beta: tf.tensor1d(rng.normalArray(c)) };
}

/** Gradients (x, γ, β) of Σ dy·y through batchNormTraining, and through the stock layer's ops. */
function grads(d: ReturnType<typeof data>, eps: number, stock: boolean): tf.Tensor[] {
  return tf.grads((x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
    if (stock) {
      const { mean, variance } = tf.moments(x, [...Array(x.rank - 1).keys()]);
      return tf.batchNorm(x, mean, variance, b, g, eps);
    }
    const r = batchNormTraining(x, g as tf.Tensor1D, b as tf.Tensor1D, eps);
    r.mean.dispose();
    r.variance.dispose();
    return r.y;
  })([d.x, d.gamma, d.beta], d.dy);
}

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("batchNormTraining without an AtlasBatchNormGrad kernel (tfjs's own path)", () => {
  it("is not fused on cpu, and gives the stock gradients exactly", async () => {
    expect(fusedBatchNormGradActive()).toBe(false);
    const d = data([2, 3, 3, 4], 1);
    const ours = grads(d, 1e-3, false);
    const stock = grads(d, 1e-3, true);
    for (let i = 0; i < 3; i++) expect(await ours[i]!.data()).toEqual(await stock[i]!.data());
    tf.dispose([...ours, ...stock, ...Object.values(d)]);
  });

  it("refuses bad arguments, naming them, before any work", () => {
    const x = tf.zeros([2, 3]);
    const g = tf.ones([3]) as tf.Tensor1D;
    expect(() => batchNormTraining(tf.zeros([3]), g, g, 1e-3)).toThrow(InvalidArgumentError);
    expect(() => batchNormTraining(tf.zeros([3]), g, g, 1e-3)).toThrow(/x: expected rank ≥ 2/);
    const g4 = tf.ones([4]) as tf.Tensor1D;
    expect(() => batchNormTraining(x, g4, g4, 1e-3)).toThrow(/x: expected 4 channels in its last axis/);
    expect(() => batchNormTraining(x, tf.ones([1, 3]) as unknown as tf.Tensor1D, g, 1e-3)).toThrow(/gamma/);
    expect(() => batchNormTraining(x, g, tf.ones([1, 3]) as unknown as tf.Tensor1D, 1e-3)).toThrow(/beta: expected shape \[3\]/);
    expect(() => batchNormTraining(tf.zeros([2, 3], "int32"), g, g, 1e-3)).toThrow(/x/);
    g4.dispose();
    expect(() => batchNormTraining(x, g, g, 0)).toThrow(/epsilon: expected a positive finite number/);
    tf.dispose([x, g]);
  });
});

describe("batchNormTraining and the layer through a registered AtlasBatchNormGrad (float64 loop kernel on cpu)", () => {
  beforeAll(() => {
    tf.registerKernel({ kernelName: BATCH_NORM_GRAD_KERNEL, backendName: "cpu", kernelFunc: loopKernel });
  });
  afterAll(() => {
    tf.unregisterKernel(BATCH_NORM_GRAD_KERNEL, "cpu");
  });

  it("hands x, γ, β their own gradients (not swapped), matching tfjs's stock gradient", async () => {
    expect(fusedBatchNormGradActive()).toBe(true);
    for (const [shape, eps] of [[[2, 3, 3, 4], 1e-3], [[7, 5], 1e-5], [[1, 2, 1, 3], 1e-3]] as const) {
      const d = data([...shape], 2);
      const ours = grads(d, eps, false);
      const stock = grads(d, eps, true);
      for (let i = 0; i < 3; i++) {
        const a = await ours[i]!.data();
        const s = await stock[i]!.data();
        const scale = Math.max(...Array.from(s, Math.abs), 1);
        // float64 closed form vs tfjs's float32 composition: agreement to float32 rounding of the sums
        for (let j = 0; j < s.length; j++) expect(Math.abs(a[j]! - s[j]!) / scale, `shape ${shape} grad ${i} [${j}]`).toBeLessThan(2e-5);
      }
      tf.dispose([...ours, ...stock, ...Object.values(d)]);
    }
  });

  it("core's layer: same moving statistics, weights' gradients and serialisation as tfjs's layer", async () => {
    const d = data([4, 3, 2, 5], 3);
    const ours = batchNormalization({ momentum: 0.9, epsilon: 1e-5 });
    const stock = tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 });
    const results: { grads: Float32Array[]; moving: Float32Array[]; json: unknown }[] = [];
    for (const layer of [ours, stock]) {
      layer.build(d.x.shape);
      const moving = [tf.zeros([5]), tf.ones([5])];
      layer.setWeights([d.gamma, d.beta, ...moving]);
      tf.dispose(moving);
      const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
      const { value, grads: g } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(d.x, { training: true }) as tf.Tensor, d.dy)), vars);
      const gs = (await Promise.all(vars.map((v) => g[v.name]!.data()))) as Float32Array[];
      const stats = (await Promise.all(layer.getWeights().slice(2).map((w) => w.data()))) as Float32Array[];
      tf.dispose([value, ...Object.values(g)]);
      const json = layer.getConfig();
      results.push({ grads: gs, moving: stats, json: { className: layer.getClassName(), ...json, name: undefined } });
    }
    const [a, s] = results as [(typeof results)[0], (typeof results)[0]];
    expect(a.moving).toEqual(s.moving);
    expect(Array.from(a.moving[0]!).some((v) => v !== 0)).toBe(true); // the moving mean did move
    expect(a.json).toEqual(s.json);
    for (let i = 0; i < 2; i++) for (let j = 0; j < 5; j++) expect(Math.abs(a.grads[i]![j]! - s.grads[i]![j]!)).toBeLessThan(1e-4 * Math.max(1, Math.abs(s.grads[i]![j]!)));
    for (const w of [...ours.weights, ...stock.weights]) w.dispose();
    tf.dispose(Object.values(d));
  });

  it("leaves no tensors behind (op and layer, after a warm-up)", () => {
    const d = data([2, 2, 2, 3], 4);
    const layer = batchNormalization({});
    layer.build(d.x.shape);
    const run = (): void => {
      tf.dispose(grads(d, 1e-3, false));
      const { value, grads: g } = tf.variableGrads(() => tf.sum(layer.apply(d.x, { training: true }) as tf.Tensor));
      tf.dispose([value, ...Object.values(g)]);
    };
    run();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) run();
    expect(tf.memory().numTensors).toBe(before);
    for (const w of layer.weights) w.dispose();
    tf.dispose(Object.values(d));
  });
});
