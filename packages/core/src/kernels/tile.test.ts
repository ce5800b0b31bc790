import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Rng } from "../rng.js";
import { atlasKernelsRegistered, registerAtlasKernels, restoreStockKernels } from "./registry.js";
import { makeTile, tileValues } from "./tile.js";

/** Reference: every output element from its own index decomposition (the definition of Tile). */
function tileByIndex(src: ArrayLike<unknown>, shape: number[], reps: number[]): unknown[] {
  const outShape = shape.map((s, i) => s * reps[i]!);
  const size = outShape.reduce((a, b) => a * b, 1);
  const out: unknown[] = new Array(size);
  for (let flat = 0; flat < size; flat++) {
    let rest = flat;
    let srcIndex = 0;
    let inStride = 1;
    for (let i = shape.length - 1; i >= 0; i--) {
      const coord = rest % outShape[i]!;
      rest = Math.floor(rest / outShape[i]!);
      srcIndex += (coord % shape[i]!) * inStride;
      inStride *= shape[i]!;
    }
    out[flat] = src[srcIndex];
  }
  return out;
}

const rng = new Rng(7);
const CASES: { shape: number[]; reps: number[] }[] = [
  { shape: [], reps: [] },
  { shape: [5], reps: [3] },
  { shape: [2, 3], reps: [1, 1] },
  { shape: [2, 3], reps: [3, 2] },
  { shape: [1, 1, 1, 6], reps: [4, 5, 3, 1] }, // batch norm's gradient
  { shape: [2, 1, 3, 1], reps: [2, 4, 1, 3] },
  { shape: [3, 2, 2, 2, 2], reps: [1, 2, 3, 1, 2] },
  { shape: [2, 0, 3], reps: [2, 2, 2] },
  { shape: [2, 3], reps: [0, 2] },
];

beforeAll(async () => {
  await tf.setBackend("wasm");
  registerAtlasKernels("wasm");
});

afterAll(async () => {
  await tf.setBackend("cpu");
});

describe("tileValues", () => {
  it.each(CASES.map((c) => [JSON.stringify(c.shape), JSON.stringify(c.reps), c] as const))("shape %s, reps %s: equals the per-element definition", (_s, _r, c) => {
    const n = c.shape.reduce((a, b) => a * b, 1);
    const f32 = Float32Array.from(rng.normalArray(n));
    expect(Array.from(tileValues(f32, c.shape, c.reps))).toEqual(tileByIndex(f32, c.shape, c.reps));
    const i32 = Int32Array.from({ length: n }, () => rng.int(1000));
    const tiledI32 = tileValues(i32, c.shape, c.reps);
    expect(tiledI32).toBeInstanceOf(Int32Array);
    expect(Array.from(tiledI32)).toEqual(tileByIndex(i32, c.shape, c.reps));
    const strings = Array.from({ length: n }, (_, i) => `s${i}`);
    expect(tileValues(strings, c.shape, c.reps)).toEqual(tileByIndex(strings, c.shape, c.reps));
  });
});

/** The tensors' values, read asynchronously (as on a GPU backend); the tensors are disposed. */
async function readAll(tensors: tf.Tensor[]): Promise<tf.TypedArray[]> {
  try {
    return await Promise.all(tensors.map((t) => t.data()));
  } finally {
    tf.dispose(tensors);
  }
}

describe("Atlas Tile on wasm", () => {
  it("is registered and matches the stock cpu kernel exactly (float32, int32, bool)", async () => {
    expect(atlasKernelsRegistered("wasm")).toBe(true);
    for (const c of CASES) {
      const n = c.shape.reduce((a, b) => a * b, 1);
      const values = Float32Array.from(rng.normalArray(n));
      const ints = Int32Array.from({ length: n }, () => rng.int(50) - 25);
      const bools = Uint8Array.from({ length: n }, () => rng.int(2));
      const run = async (): Promise<[Float32Array, Int32Array, Uint8Array]> => {
        const tiled = tf.tidy(() => [
          tf.tile(tf.tensor(values, c.shape), c.reps),
          tf.tile(tf.tensor(ints, c.shape, "int32"), c.reps),
          tf.tile(tf.tensor(bools, c.shape, "bool"), c.reps),
        ]);
        return (await readAll(tiled)) as [Float32Array, Int32Array, Uint8Array];
      };
      await tf.setBackend("wasm");
      const ours = await run();
      await tf.setBackend("cpu");
      const ref = await run();
      for (let t = 0; t < 3; t++) expect(Array.from(ours[t]!)).toEqual(Array.from(ref[t]!));
    }
    await tf.setBackend("wasm");
  });

  it("batch norm's gradients match the stock cpu kernels (≤ 1e-5 relative error)", async () => {
    const shape: [number, number, number, number] = [6, 5, 4, 3];
    const x = Float32Array.from(rng.normalArray(6 * 5 * 4 * 3));
    const r = Float32Array.from(rng.normalArray(6 * 5 * 4 * 3));
    const scale = Float32Array.from([0.5, 1.5, -2]);
    const run = (): Promise<Float32Array[]> =>
      readAll(tf.tidy(() => {
        const xt = tf.tensor4d(x, shape);
        const g = tf.tensor1d(scale);
        const f = (a: tf.Tensor, s: tf.Tensor): tf.Scalar => {
          const { mean, variance } = tf.moments(a, [0, 1, 2]);
          return tf.batchNorm(a as tf.Tensor4D, mean, variance, tf.zeros([3]), s as tf.Tensor1D, 1e-3).mul(tf.tensor4d(r, shape)).sum();
        };
        return tf.grads(f)([xt, g]);
      })) as Promise<Float32Array[]>;
    await tf.setBackend("wasm");
    const ours = await run();
    await tf.setBackend("cpu");
    const ref = await run();
    await tf.setBackend("wasm");
    for (let t = 0; t < 2; t++) {
      let num = 0;
      let den = 0;
      for (let i = 0; i < ref[t]!.length; i++) {
        num += (ours[t]![i]! - ref[t]![i]!) ** 2;
        den += ref[t]![i]! ** 2;
      }
      expect(den).toBeGreaterThan(0);
      expect(Math.sqrt(num / den)).toBeLessThanOrEqual(1e-5);
    }
  });

  it("releases nothing but its output; the stock kernel comes back on restore", async () => {
    await tf.setBackend("wasm");
    const backend = tf.backend();
    const kernel = makeTile("wasm");
    const x = tf.tensor4d(Float32Array.from(rng.normalArray(8)), [1, 2, 1, 4]);
    const ids = backend.numDataIds();
    const out = kernel({ inputs: { x }, backend, attrs: { reps: [3, 1, 2, 1] } }) as tf.TensorInfo;
    expect(out.shape).toEqual([3, 2, 2, 4]);
    expect(backend.numDataIds()).toBe(ids + 1);
    backend.disposeData(out.dataId);
    expect(backend.numDataIds()).toBe(ids);
    x.dispose();
    const ours = tf.getKernel("Tile", "wasm")!.kernelFunc;
    expect(restoreStockKernels("wasm", { kernels: ["Tile"] })).toEqual(["Tile"]);
    expect(tf.getKernel("Tile", "wasm")!.kernelFunc).not.toBe(ours);
    expect(registerAtlasKernels("wasm", { kernels: ["Tile"] })).toEqual(["Tile"]);
  });
});
