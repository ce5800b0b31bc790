import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backendMemory } from "../backend.js";
import { Rng } from "../rng.js";
import { makeConv2DBackpropInput, subPixelFilter } from "./conv2d-backprop-input.js";
import { atlasKernelsRegistered, registerAtlasKernels, restoreStockKernels } from "./registry.js";

type Pad = "same" | "valid" | [[number, number], [number, number], [number, number], [number, number]];
interface Case {
  name: string;
  x: [number, number, number, number]; // NHWC
  k: [number, number, number, number]; // kH, kW, Cin, Cout
  strides: number | [number, number];
  pad: Pad;
}

// Strides 1, 2, 3 and [2, 3]; same / valid / explicit padding; shapes with leftover rows (valid, H
// not a multiple of the stride), odd sizes and kernels larger than the stride.
const CASES: Case[] = [
  { name: "s1 same 3×3", x: [2, 7, 8, 3], k: [3, 3, 3, 4], strides: 1, pad: "same" },
  { name: "s1 valid 2×3", x: [2, 6, 7, 2], k: [2, 3, 2, 3], strides: 1, pad: "valid" },
  { name: "s2 same 4×4 (GTN layer)", x: [3, 8, 8, 2], k: [4, 4, 2, 5], strides: 2, pad: "same" },
  { name: "s2 valid odd", x: [2, 9, 11, 3], k: [3, 3, 3, 2], strides: 2, pad: "valid" },
  { name: "s3 same", x: [2, 10, 11, 2], k: [4, 4, 2, 3], strides: 3, pad: "same" },
  { name: "s3 valid leftover rows", x: [2, 12, 13, 2], k: [4, 4, 2, 3], strides: 3, pad: "valid" },
  { name: "s[2,3] same", x: [2, 9, 13, 3], k: [3, 2, 3, 4], strides: [2, 3], pad: "same" },
  { name: "s[2,3] valid", x: [2, 9, 13, 2], k: [3, 5, 2, 2], strides: [2, 3], pad: "valid" },
  { name: "s2 explicit", x: [2, 9, 10, 2], k: [4, 3, 2, 3], strides: 2, pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
  { name: "s[2,3] explicit", x: [2, 8, 10, 2], k: [3, 4, 2, 2], strides: [2, 3], pad: [[0, 0], [2, 0], [1, 3], [0, 0]] },
];

/** Output size and top/left padding, from the TensorFlow padding rules (independent of tfjs). */
function geometry(H: number, k: number, s: number, pad: Pad, axis: 1 | 2): { out: number; before: number } {
  if (pad === "valid") return { out: Math.ceil((H - k + 1) / s), before: 0 };
  if (pad === "same") {
    const out = Math.ceil(H / s);
    const total = Math.max((out - 1) * s + k - H, 0);
    return { out, before: Math.floor(total / 2) };
  }
  const [b, a] = pad[axis];
  return { out: Math.floor((H + b + a - k) / s) + 1, before: b };
}

/** Direct float64 loops over the definition of the forward convolution: dw and dx for a given dy. */
function directGradients(c: Case, x: Float32Array, w: Float32Array, dy: Float32Array): { dw: Float64Array; dx: Float64Array; outH: number; outW: number } {
  const [n, H, W, cin] = c.x;
  const [kH, kW, , cout] = c.k;
  const [sH, sW] = typeof c.strides === "number" ? [c.strides, c.strides] : c.strides;
  const gh = geometry(H, kH, sH, c.pad, 1);
  const gw = geometry(W, kW, sW, c.pad, 2);
  const dw = new Float64Array(kH * kW * cin * cout);
  const dx = new Float64Array(n * H * W * cin);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < gh.out; i++)
      for (let j = 0; j < gw.out; j++)
        for (let p = 0; p < kH; p++) {
          const h = i * sH + p - gh.before;
          if (h < 0 || h >= H) continue;
          for (let q = 0; q < kW; q++) {
            const v = j * sW + q - gw.before;
            if (v < 0 || v >= W) continue;
            for (let ci = 0; ci < cin; ci++) {
              const xi = ((b * H + h) * W + v) * cin + ci;
              for (let o = 0; o < cout; o++) {
                const g = dy[((b * gh.out + i) * gw.out + j) * cout + o] as number;
                const wi = ((p * kW + q) * cin + ci) * cout + o;
                dw[wi] = (dw[wi] as number) + (x[xi] as number) * g;
                dx[xi] = (dx[xi] as number) + (w[wi] as number) * g;
              }
            }
          }
        }
  return { dw, dx, outH: gh.out, outW: gw.out };
}

function relErr(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let num = 0;
  let den = 0;
  for (let i = 0; i < expected.length; i++) {
    num = Math.max(num, Math.abs((actual[i] as number) - (expected[i] as number)));
    den = Math.max(den, Math.abs(expected[i] as number));
  }
  return num / den;
}

const rng = new Rng(2026);
const data = CASES.map((c) => {
  const x = Float32Array.from(rng.normalArray(c.x.reduce((a, b) => a * b, 1)));
  const w = Float32Array.from(rng.normalArray(c.k.reduce((a, b) => a * b, 1)));
  const [sH, sW] = typeof c.strides === "number" ? [c.strides, c.strides] : c.strides;
  const outH = geometry(c.x[1], c.k[0], sH, c.pad, 1).out;
  const outW = geometry(c.x[2], c.k[1], sW, c.pad, 2).out;
  const dy = Float32Array.from(rng.normalArray(c.x[0] * outH * outW * c.k[3]));
  const direct = directGradients(c, x, w, dy);
  expect([direct.outH, direct.outW]).toEqual([outH, outW]);
  return { x, w, dy, ...direct };
});

/** dw and dx through the engine (tf.grads of Σ y·dy), on the current backend with its registered kernels. */
async function engineGradients(c: Case, d: (typeof data)[number]): Promise<{ dw: Float32Array; dx: Float32Array }> {
  const [dx, dw] = await readAll(
    tf.tidy(() => {
      const x = tf.tensor4d(d.x, c.x);
      const w = tf.tensor4d(d.w, c.k);
      const dy = tf.tensor4d(d.dy, [c.x[0], d.outH, d.outW, c.k[3]]);
      return tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad).mul(dy).sum())([x, w]);
    }),
  );
  return { dx: dx!, dw: dw! };
}

/** The tensors' values, read asynchronously (as on a GPU backend); the tensors are disposed. */
async function readAll(tensors: tf.Tensor[]): Promise<Float32Array[]> {
  try {
    return (await Promise.all(tensors.map((t) => t.data()))) as Float32Array[];
  } finally {
    tf.dispose(tensors);
  }
}

/** Reference from the STOCK cpu kernels (ours unregistered while it runs). */
const stock: { dw: Float32Array; dx: Float32Array }[] = [];

beforeAll(async () => {
  await tf.setBackend("cpu");
  restoreStockKernels("cpu");
  for (const [i, c] of CASES.entries()) stock.push(await engineGradients(c, data[i]!));
  registerAtlasKernels("cpu");
  registerAtlasKernels("wasm");
});

afterAll(async () => {
  await tf.setBackend("cpu");
});

describe("the stock cpu reference agrees with the direct loops", () => {
  it.each(CASES.map((c, i) => [c.name, i] as const))("%s", (_name, i) => {
    expect(relErr(stock[i]!.dw, data[i]!.dw)).toBeLessThan(1e-5);
    expect(relErr(stock[i]!.dx, data[i]!.dx)).toBeLessThan(1e-5);
  });
});

for (const backendName of ["wasm", "cpu"] as const) {
  describe(`Atlas Conv2DBackpropFilter / Conv2DBackpropInput on ${backendName}`, () => {
    beforeAll(async () => {
      await tf.setBackend(backendName);
      expect(atlasKernelsRegistered(backendName)).toBe(true);
    });

    it.each(CASES.map((c, i) => [c.name, i] as const))("%s: relative error ≤ 1e-5 vs the stock cpu kernel and the direct loops", async (_name, i) => {
      const c = CASES[i]!;
      const g = await engineGradients(c, data[i]!);
      expect(relErr(g.dw, stock[i]!.dw)).toBeLessThanOrEqual(1e-5);
      expect(relErr(g.dx, stock[i]!.dx)).toBeLessThanOrEqual(1e-5);
      expect(relErr(g.dw, data[i]!.dw)).toBeLessThanOrEqual(1e-5);
      expect(relErr(g.dx, data[i]!.dx)).toBeLessThanOrEqual(1e-5);
    });

    it("conv2dTranspose: output and both gradients match the stock cpu kernels", async () => {
      // conv2dTranspose's forward pass is Conv2DBackpropInput; its filter gradient is Conv2DBackpropFilter
      const cases: { inShape: [number, number, number, number]; k: [number, number, number, number]; out: [number, number, number, number]; s: number | [number, number]; pad: "same" | "valid" }[] = [
        { inShape: [2, 4, 4, 5], k: [4, 4, 3, 5], out: [2, 8, 8, 3], s: 2, pad: "same" },
        { inShape: [2, 3, 4, 3], k: [3, 3, 2, 3], out: [2, 9, 12, 2], s: 3, pad: "same" },
        { inShape: [2, 3, 3, 2], k: [4, 3, 2, 2], out: [2, 8, 9, 2], s: [2, 3], pad: "valid" },
      ];
      for (const c of cases) {
        const x = tf.tensor4d(Float32Array.from(rng.normalArray(c.inShape.reduce((a, b) => a * b))), c.inShape);
        const w = tf.tensor4d(Float32Array.from(rng.normalArray(c.k.reduce((a, b) => a * b))), c.k);
        const r = tf.tensor4d(Float32Array.from(rng.normalArray(c.out.reduce((a, b) => a * b))), c.out);
        const run = (): Promise<Float32Array[]> =>
          readAll(
            tf.tidy(() => {
              const f = (a: tf.Tensor, b: tf.Tensor): tf.Tensor => tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, c.out, c.s, c.pad);
              const y = f(x, w);
              const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => f(a, b).mul(r).sum())([x, w]);
              return [y, gx!, gw!];
            }),
          );
        const ours = await run();
        await tf.setBackend("cpu");
        restoreStockKernels("cpu");
        const ref = await run();
        registerAtlasKernels("cpu");
        await tf.setBackend(backendName);
        for (let t = 0; t < 3; t++) expect(relErr(ours[t]!, ref[t]!)).toBeLessThanOrEqual(1e-5);
        tf.dispose([x, w, r]);
      }
    });

    it("handles NCHW through the kernels directly", async () => {
      const c = CASES[6]!; // strides [2,3], same
      const d = data[6]!;
      const [n, H, W, cin] = c.x;
      const toNchw = (a: Float32Array, s: [number, number, number, number]): tf.Tensor4D => tf.tensor4d(a, s).transpose([0, 3, 1, 2]);
      const out = await readAll(tf.tidy(() => {
        const x = toNchw(d.x, c.x);
        const dy = toNchw(d.dy, [n, d.outH, d.outW, c.k[3]]);
        const w = tf.tensor4d(d.w, c.k);
        const dw = tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, { strides: c.strides, pad: c.pad, dataFormat: "NCHW", filterShape: c.k }) as tf.Tensor;
        const dx = tf.engine().runKernel("Conv2DBackpropInput", { dy, filter: w }, { strides: c.strides, pad: c.pad, dataFormat: "NCHW", inputShape: [n, cin, H, W] }) as tf.Tensor;
        return [dw, dx.transpose([0, 2, 3, 1])];
      }));
      expect(relErr(out[0]!, d.dw)).toBeLessThanOrEqual(1e-5);
      expect(relErr(out[1]!, d.dx)).toBeLessThanOrEqual(1e-5);
    });
  });
}

describe("Conv2DBackpropInput: the exact per-phase form and the common-grid form", () => {
  it.each(["wasm", "cpu"] as const)("both match the direct loops on %s for every case", async (backendName) => {
    await tf.setBackend(backendName);
    const backend = tf.backend();
    for (const [i, c] of CASES.entries()) {
      const d = data[i]!;
      for (const exactPhases of [true, false]) {
        const kernel = makeConv2DBackpropInput(backendName, { exactPhases });
        const dy = tf.tensor4d(d.dy, [c.x[0], d.outH, d.outW, c.k[3]]);
        const w = tf.tensor4d(d.w, c.k);
        const ids = backend.numDataIds();
        const out = kernel({ inputs: { dy, filter: w }, backend, attrs: { strides: c.strides, pad: c.pad, dataFormat: "NHWC", inputShape: c.x } }) as tf.TensorInfo;
        expect(out.shape).toEqual(c.x);
        expect(relErr(backend.readSync(out.dataId) as Float32Array, d.dx)).toBeLessThanOrEqual(1e-5);
        backend.disposeData(out.dataId);
        expect(backend.numDataIds()).toBe(ids); // every intermediate released
        tf.dispose([dy, w]);
      }
    }
  });
});

describe("subPixelFilter", () => {
  it("places w[r + s(T−1−a)] at tap a of phase r, and zeros past the kernel", () => {
    // kH = 3, kW = 1, s = 2: T = 2; phase 0 taps p = 2 (a=0), 0 (a=1); phase 1 taps p = 3 (zero), 1
    const w = Float32Array.from([10, 11, 12]); // [3,1,1,1]
    const { values, shape } = subPixelFilter(w, 3, 1, 1, 1, 2, 1);
    expect(shape).toEqual([2, 1, 1, 2]);
    // layout [a, b, o, (rh, rw, c)]
    expect(Array.from(values)).toEqual([12, 0, 10, 11]);
  });
});

describe("training a conv net on wasm", () => {
  it("learns, and neither tensors nor the wasm heap grow over many steps", async () => {
    await tf.setBackend("wasm");
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [12, 12, 1], filters: 8, kernelSize: 4, strides: 2, padding: "same", activation: "relu", kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
        tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 3, padding: "valid", activation: "relu", kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
        tf.layers.conv2dTranspose({ filters: 4, kernelSize: 3, strides: 3, padding: "valid", activation: "relu", kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }),
        tf.layers.conv2dTranspose({ filters: 1, kernelSize: 4, strides: 2, padding: "same", kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) }),
      ],
    });
    const x = tf.tensor4d(Float32Array.from(rng.uniformArray(16 * 144)), [16, 12, 12, 1]);
    const optimizer = tf.train.adam(0.01);
    const step = async (): Promise<number> => {
      const loss = tf.tidy(() => optimizer.minimize(() => tf.losses.meanSquaredError(x, model.apply(x) as tf.Tensor) as tf.Scalar, true)!);
      return (await readAll([loss]))[0]![0]!;
    };
    const first = await step();
    for (let i = 0; i < 10; i++) await step(); // warm-up: optimizer slots, XNNPACK operators
    const before = backendMemory();
    const dataIdsBefore = tf.backend().numDataIds();
    let last = first;
    for (let i = 0; i < 80; i++) last = await step();
    const after = backendMemory();
    // backend-level buffers the kernels write (sub-pixel filters, transposes) are all released
    expect(tf.backend().numDataIds()).toBe(dataIdsBefore);
    expect(Number.isFinite(last)).toBe(true);
    expect(last).toBeLessThan(first * 0.5);
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
    expect(before.wasmHeapBytes).toBeGreaterThan(0);
    expect(after.wasmHeapBytes).toBe(before.wasmHeapBytes);
    x.dispose();
    model.dispose();
    optimizer.dispose();
  });
});

describe("registry", () => {
  it("registers per backend, restores a subset, and names unknown kernels", async () => {
    const { atlasKernelNames } = await import("./registry.js");
    expect(atlasKernelNames("wasm")).toEqual(["Conv2DBackpropFilter", "Conv2DBackpropInput", "Tile"]);
    expect(atlasKernelNames("cpu")).toEqual(["Conv2DBackpropFilter"]);
    const ours = tf.getKernel("Conv2DBackpropInput", "wasm")!.kernelFunc;
    expect(restoreStockKernels("wasm", { kernels: ["Conv2DBackpropInput"] })).toEqual(["Conv2DBackpropInput"]);
    expect(tf.getKernel("Conv2DBackpropInput", "wasm")!.kernelFunc).not.toBe(ours);
    expect(atlasKernelsRegistered("wasm")).toBe(false);
    expect(registerAtlasKernels("wasm")).toEqual(["Conv2DBackpropInput"]);
    expect(registerAtlasKernels("wasm")).toEqual([]);
    expect(atlasKernelsRegistered("wasm")).toBe(true);
    expect(() => registerAtlasKernels("cpu", { kernels: ["Conv2DBackpropInput"] })).toThrow(/options\.kernels: Atlas has no 'Conv2DBackpropInput' kernel for 'cpu'/);
    expect(() => registerAtlasKernels("webgl")).toThrow(/backendName/);
    // a backend package imported after us re-registers its stock kernel over ours: detected, and
    // registering again takes that one as the stock kernel to restore later
    restoreStockKernels("wasm", { kernels: ["Conv2DBackpropInput"] });
    const stockInput = tf.getKernel("Conv2DBackpropInput", "wasm")!;
    registerAtlasKernels("wasm");
    const replacement: tf.KernelConfig = { kernelName: "Conv2DBackpropInput", backendName: "wasm", kernelFunc: () => { throw new Error("replacement"); } };
    const warn = console.warn;
    console.warn = () => {};
    tf.registerKernel(replacement);
    console.warn = warn;
    expect(atlasKernelsRegistered("wasm")).toBe(false);
    expect(registerAtlasKernels("wasm")).toEqual(["Conv2DBackpropInput"]);
    expect(tf.getKernel("Conv2DBackpropInput", "wasm")).not.toBe(replacement);
    restoreStockKernels("wasm", { kernels: ["Conv2DBackpropInput"] });
    expect(tf.getKernel("Conv2DBackpropInput", "wasm")).toBe(replacement);
    tf.unregisterKernel("Conv2DBackpropInput", "wasm");
    tf.registerKernel(stockInput);
    registerAtlasKernels("wasm");
    expect(atlasKernelsRegistered("wasm")).toBe(true);
  });
});
