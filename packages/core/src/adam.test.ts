/**
 * core's adam() in Node on the cpu backend. Without an `AtlasAdamUpdate` kernel for the backend it
 * is tfjs's AdamOptimizer, bit for bit. With one (here a float64 loop kernel registered on cpu by
 * this test, standing in for the WebGPU kernel tested in Chromium: kernels/webgpu/adam-update.test.ts)
 * the update goes through it: slots, names, iterations and serialisation are checked against tfjs's.
 */
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADAM_UPDATE_KERNEL, adam, fusedAdamActive } from "./adam.js";
import { Rng } from "./rng.js";

interface CpuLike {
  readSync(id: tf.DataId): Float32Array;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

/** Adam's update in float64 loops (tfjs's formula: m' = m·β1 + g·(1−β1), v' likewise, value' = value − lr·(m'/(1−β1ᵗ))/(√(v'/(1−β2ᵗ)) + ε)). */
const loopKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as CpuLike;
  const i = inputs as Record<string, tf.TensorInfo>;
  const a = attrs as unknown as { beta1: number; beta2: number; epsilon: number; learningRate: number };
  const [value, g, m, v] = [i.value!, i.gradient!, i.m!, i.v!].map((t) => b.readSync(t.dataId));
  const acc1 = b.readSync(i.accBeta1!.dataId)[0]!;
  const acc2 = b.readSync(i.accBeta2!.dataId)[0]!;
  const n = value!.length;
  const [nv, nm, nvv] = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
  for (let k = 0; k < n; k++) {
    nm[k] = m![k]! * a.beta1 + g![k]! * (1 - a.beta1);
    nvv[k] = v![k]! * a.beta2 + g![k]! * g![k]! * (1 - a.beta2);
    nv[k] = value![k]! - (a.learningRate * (nm[k]! / (1 - acc1))) / (Math.sqrt(nvv[k]! / (1 - acc2)) + a.epsilon);
  }
  const shape = [...i.value!.shape];
  return [b.makeTensorInfo(shape, "float32", nv), b.makeTensorInfo(shape, "float32", nm), b.makeTensorInfo(shape, "float32", nvv)];
};

/** 3 steps of `make()` on two fresh variables with fixed gradients: values, weights (names and data), config. */
async function threeSteps(make: () => tf.AdamOptimizer): Promise<{ values: Float32Array[]; names: string[]; weights: Float32Array[]; config: unknown; className: string }> {
  const rng = new Rng(5);
  const vars = [tf.variable(tf.tensor2d(rng.normalArray(6), [2, 3]), true, "adam_test_w"), tf.variable(tf.tensor1d(rng.normalArray(3)), true, "adam_test_b")];
  const opt = make();
  for (let t = 0; t < 3; t++) {
    const grads = vars.map((v) => tf.tensor(rng.normalArray(v.size), v.shape));
    opt.applyGradients(vars.map((v, k) => ({ name: v.name, tensor: grads[k]! })));
    tf.dispose(grads);
  }
  const weights = await opt.getWeights();
  const out = {
    values: (await Promise.all(vars.map((v) => v.data()))) as Float32Array[],
    names: weights.map((w) => w.name),
    weights: (await Promise.all(weights.map((w) => w.tensor.data()))) as Float32Array[],
    config: opt.getConfig(),
    className: opt.getClassName(),
  };
  opt.dispose();
  tf.dispose(vars);
  return out;
}

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("adam() without an AtlasAdamUpdate kernel", () => {
  it("is tfjs's Adam bit for bit", async () => {
    expect(fusedAdamActive()).toBe(false);
    const ours = await threeSteps(() => adam(1e-2, 0.5, 0.9));
    const stock = await threeSteps(() => tf.train.adam(1e-2, 0.5, 0.9));
    expect(ours).toEqual(stock);
  });
});

describe("adam() through a registered AtlasAdamUpdate (float64 loop kernel on cpu)", () => {
  beforeAll(() => {
    tf.registerKernel({ kernelName: ADAM_UPDATE_KERNEL, backendName: "cpu", kernelFunc: loopKernel });
  });
  afterAll(() => {
    tf.unregisterKernel(ADAM_UPDATE_KERNEL, "cpu");
  });

  it("keeps tfjs's slots, names, iterations and config, and the same values to float32 rounding", async () => {
    expect(fusedAdamActive()).toBe(true);
    const ours = await threeSteps(() => adam(1e-2, 0.5, 0.9));
    const stock = await threeSteps(() => tf.train.adam(1e-2, 0.5, 0.9));
    expect(ours.className).toBe("Adam");
    expect(ours.config).toEqual(stock.config);
    expect(ours.names).toEqual(stock.names); // iter, adam_test_w/m, adam_test_b/m, …/v
    expect(ours.weights[0]).toEqual(stock.weights[0]); // 3 iterations
    for (const [a, s] of [...ours.values.map((v, k) => [v, stock.values[k]!]), ...ours.weights.map((w, k) => [w, stock.weights[k]!])] as [Float32Array, Float32Array][])
      for (let k = 0; k < s.length; k++) expect(Math.abs(a[k]! - s[k]!)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(s[k]!)));
  });

  it("leaves no tensors behind after the slots exist", () => {
    const w = tf.variable(tf.zeros([4]));
    const opt = adam(1e-3);
    const step = (): void => {
      const g = tf.ones([4]);
      opt.applyGradients([{ name: w.name, tensor: g }]);
      g.dispose();
    };
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    opt.dispose();
    w.dispose();
  });
});
