/**
 * activate() and core's activation layers in Node on the cpu backend. Without an
 * `AtlasActivationGrad` kernel for the backend (wasm, cpu) they are tfjs's own path, bit for bit.
 * With one (here a float64 loop kernel registered on cpu by this test, standing in for the WebGPU
 * kernel, which is tested in Chromium: kernels/webgpu/activation-grad.test.ts) the gradient goes
 * through it once per application: the wiring (attributes, which tensor is x, serialisation) is
 * checked against the stock layers and against float64 (kernels/webgpu/activation-reference.ts).
 */
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACTIVATION_GRAD_KERNEL, activate, activation, fusedActivationGradActive, leakyReLU } from "./activation.js";
import { InvalidArgumentError } from "./errors.js";
import { Rng } from "./rng.js";
import { activationGradBound, activationGradReference, boundedError } from "./kernels/webgpu/activation-reference.js";

interface CpuLike {
  readSync(id: tf.DataId): Float32Array;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

let loopCalls: string[] = [];

/** dy·f′(x) as a cpu kernel (the float64 loops of activation-reference.ts). */
const loopKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as CpuLike;
  const { x, dy } = inputs as Record<string, tf.TensorInfo>;
  const { activation: kind, alpha } = attrs as { activation: "relu" | "leakyRelu" | "swish"; alpha: number };
  loopCalls.push(`${kind}:${alpha}`);
  return b.makeTensorInfo([...x!.shape], "float32", Float32Array.from(activationGradReference(kind, alpha, b.readSync(x!.dataId), b.readSync(dy!.dataId))));
};

const KINDS = ["relu", "leakyRelu", "swish"] as const;

function data(shape: number[], seed: number): { x: tf.Tensor; dy: tf.Tensor } {
  const rng = new Rng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  const x = rng.normalArray(size, 0, 3);
  for (let i = 0; i < size; i += 5) x[i] = 0;
  return { x: tf.tensor(x, shape), dy: tf.tensor(rng.normalArray(size), shape) };
}

/** The stock layer of each kind, as nn.ts and the AWAE-GAN built them before. */
const stockLayer = (kind: (typeof KINDS)[number]): tf.layers.Layer => (kind === "leakyRelu" ? tf.layers.leakyReLU({ alpha: 0.3 }) : tf.layers.activation({ activation: kind }));
const coreLayer = (kind: (typeof KINDS)[number]): tf.layers.Layer => (kind === "leakyRelu" ? leakyReLU({ alpha: 0.3 }) : activation({ activation: kind }));

/** Output and input gradient of Σ dy·layer(x). */
async function throughLayer(layer: tf.layers.Layer, d: { x: tf.Tensor; dy: tf.Tensor }): Promise<Float32Array[]> {
  const y = layer.apply(d.x) as tf.Tensor;
  const g = tf.grad((v: tf.Tensor) => layer.apply(v) as tf.Tensor)(d.x, d.dy);
  const out = [(await y.data()) as Float32Array, (await g.data()) as Float32Array];
  tf.dispose([y, g]);
  return out;
}

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("activate and the activation layers without an AtlasActivationGrad kernel (tfjs's own path)", () => {
  it("are not fused on cpu, and give the stock layers' outputs and gradients bit for bit", async () => {
    expect(fusedActivationGradActive()).toBe(false);
    const d = data([3, 4, 5], 1);
    for (const kind of [...KINDS, "sigmoid", "tanh"] as const) {
      const ours = await throughLayer(kind === "sigmoid" || kind === "tanh" ? activation({ activation: kind }) : coreLayer(kind), d);
      const stock = await throughLayer(kind === "sigmoid" || kind === "tanh" ? tf.layers.activation({ activation: kind }) : stockLayer(kind), d);
      expect(ours[0], kind).toEqual(stock[0]);
      expect(ours[1], kind).toEqual(stock[1]);
    }
    tf.dispose(Object.values(d));
  });

  it("refuses bad arguments, naming them, before any work", () => {
    const x = tf.zeros([2]);
    expect(() => activate(x, "elu" as "relu")).toThrow(InvalidArgumentError);
    expect(() => activate(x, "elu" as "relu")).toThrow(/activation/);
    expect(() => activate([1, 2] as unknown as tf.Tensor, "relu")).toThrow(/x/);
    expect(() => activation({ activation: "swish", units: 3 } as never)).toThrow(/args/);
    expect(() => leakyReLU({ alpha: "a" } as never)).toThrow(/args\.alpha/);
    x.dispose();
  });
});

describe("activate and the layers through a registered AtlasActivationGrad (float64 loop kernel on cpu)", () => {
  beforeAll(() => {
    tf.registerKernel({ kernelName: ACTIVATION_GRAD_KERNEL, backendName: "cpu", kernelFunc: loopKernel });
  });
  afterAll(() => {
    tf.unregisterKernel(ACTIVATION_GRAD_KERNEL, "cpu");
  });

  it("runs the kernel once per gradient with the layer's activation and α; same outputs bit for bit, gradients as float64", async () => {
    expect(fusedActivationGradActive()).toBe(true);
    const d = data([2, 3, 7], 2);
    const xs = await d.x.data();
    const dys = await d.dy.data();
    for (const kind of KINDS) {
      loopCalls = [];
      const ours = await throughLayer(coreLayer(kind), d);
      const stock = await throughLayer(stockLayer(kind), d);
      expect(loopCalls, kind).toEqual([`${kind}:${kind === "leakyRelu" ? 0.3 : 0.2}`]);
      expect(ours[0], kind).toEqual(stock[0]);
      const ref = activationGradReference(kind, 0.3, xs, dys);
      expect(boundedError(ours[1]!, ref, activationGradBound(kind, xs, dys, ref)), kind).toBeLessThanOrEqual(0.5); // the loop kernel is the reference, rounded once to float32
      expect(boundedError(stock[1]!, ref, activationGradBound(kind, xs, dys, ref)), `${kind} stock`).toBeLessThanOrEqual(1);
    }
    // sigmoid is not fused: the stock layer's path
    loopCalls = [];
    await throughLayer(activation({ activation: "sigmoid" }), d);
    expect(loopCalls).toEqual([]);
    tf.dispose(Object.values(d));
  });

  it("keeps the stock class names and configs (saved models load as the stock layers)", () => {
    for (const kind of KINDS) {
      const ours = coreLayer(kind);
      const stock = stockLayer(kind);
      expect(ours.getClassName()).toBe(stock.getClassName());
      expect({ ...ours.getConfig(), name: undefined }).toEqual({ ...stock.getConfig(), name: undefined });
    }
  });

  it("leaves no tensors behind (op and layers, after a warm-up)", async () => {
    const d = data([2, 3], 3);
    const run = async (): Promise<void> => {
      for (const kind of KINDS) tf.dispose(await throughLayer(coreLayer(kind), d).then(() => []));
      const g = tf.grad((v: tf.Tensor) => activate(v, "swish"))(d.x);
      g.dispose();
    };
    await run();
    const before = tf.memory().numTensors;
    await run();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(Object.values(d));
  });
});
